# Drop-one oracle for a Layer 2 case with known blocks (bench/specialist-oracle.ts writes the files):
# per task, on its member rows, the whitened targets (as the fit whitens them, with the floor given)
# predicted from the TRUE block by least squares and by a head like the fit's (one hidden layer,
# leaky ReLU 0.1, Adam 8e-3 falling linearly to 0, batch 128, 4000 training rows, 20% held out),
# then the same without one coordinate: the held-out loss rise says what that coordinate is worth
# and whether such a head learns to use it in the given number of epochs.
# Usage: python3 bench/specialist_oracle.py DIR HIDDEN EPOCHS COORDS FLOOR   (COORDS e.g. 0,1,2,3)
import json, sys
import numpy as np
import torch

torch.set_num_threads(1)
folder, hidden, epochs, coords, floor = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(c) for c in sys.argv[4].split(',')], float(sys.argv[5])
meta = json.load(open(f'{folder}/meta.json'))
S = np.load(f'{folder}/states.npy').astype(np.float64)
Y = np.load(f'{folder}/targets.npy').astype(np.float64)
member = np.load(f'{folder}/membership.npy')
rng = np.random.default_rng(0)


def head_loss(x, y, xv, yv):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.LeakyReLU(0.1), torch.nn.Linear(hidden, y.shape[1]))
    opt = torch.optim.Adam(net.parameters(), lr=8e-3)
    x, y, xv, yv = (torch.tensor(a, dtype=torch.float32) for a in (x, y, xv, yv))
    batches = len(x) // 128
    steps = epochs * batches
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for b in range(batches):
            idx = order[b * 128:(b + 1) * 128]
            loss = ((net(x[idx]) - y[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    with torch.no_grad():
        return ((net(xv) - yv) ** 2).mean(1).numpy()


def ols_loss(x, y, xv, yv):
    x1, xv1 = np.c_[x, np.ones(len(x))], np.c_[xv, np.ones(len(xv))]
    beta, *_ = np.linalg.lstsq(x1, y, rcond=None)
    return ((xv1 @ beta - yv) ** 2).mean(1)


results = []
for t, block in enumerate(meta['blocks']):
    rows = np.where(member[:, t] > 0)[0]
    y = Y[rows, t]
    y = (y - y.mean(0)) / y.std(0)
    values, vectors = np.linalg.eigh(np.cov(y.T))
    keep = values > floor * values.max()
    yw = y @ vectors[:, keep] / np.sqrt(values[keep])
    x = S[rows][:, block]
    x = (x - x.mean(0)) / x.std(0)
    order = rng.permutation(len(rows))
    held = len(rows) // 5
    va, tr = order[:held], order[held:][:4000]
    task = {'task': t, 'directions': int(keep.sum()), 'weakest': float(np.sort(values[keep])[0] / values.max())}
    for name, fit in (('ols', ols_loss), ('head', head_loss)):
        base = fit(x[tr], yw[tr], x[va], yw[va])
        rises = []
        for j in coords:
            cols = [c for c in range(len(block)) if c != j]
            d = fit(x[tr][:, cols], yw[tr], x[va][:, cols], yw[va]) - base
            rises.append([j, float(d.mean()), float(d.std() / np.sqrt(len(d)))])
        task[name] = {'loss': float(base.mean()), 'rises': rises}
    results.append(task)
print(json.dumps(results))
