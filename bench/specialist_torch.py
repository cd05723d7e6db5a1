# PyTorch CPU peer of bench/specialist.ts's throughput row: the same architecture, batch size,
# optimiser and losses (two ghost batches per minibatch), one training epoch timed (median of 5
# after a warm-up). Prints one JSON line.
import json, time, sys
import torch

torch.manual_seed(0)
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
n, d, dh, K, dy, B = 8000, 10, 10, 3, 3, 128
def mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.LeakyReLU(0.1))
    return torch.nn.Sequential(*layers)
enc, dec = mlp([d, 64, 64, dh]), mlp([dh, 64, 64, d])
bn = torch.nn.BatchNorm1d(dh, affine=False)
heads = torch.nn.ModuleList([mlp([dh, 32, dy]) for _ in range(K)])
params = list(enc.parameters()) + list(dec.parameters()) + list(heads.parameters())
opt = torch.optim.Adam(params, lr=8e-3, foreach=True)
z, y = torch.randn(n, d), torch.randn(n, K, dy)
def ghost(idx):
    s = bn(enc(z[idx]))
    loss = ((dec(s) - z[idx]) ** 2).mean()
    for k in range(K):
        loss = loss + ((heads[k](s) - y[idx, k]) ** 2).mean()
    return loss
def epoch():
    perm = torch.randperm(n)
    for b in range(n // B):
        idx = perm[b * B:(b + 1) * B]
        # Two ghost batches of 64, each normalised on its own statistics, as the SDK's trainer.
        loss = (ghost(idx[:B // 2]) + ghost(idx[B // 2:])) * 0.5
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
epoch()
times = []
for _ in range(5):
    t0 = time.perf_counter(); epoch(); times.append(time.perf_counter() - t0)
ms = sorted(times)[2] * 1000
print(json.dumps({"samplesPerSecond": (n // B) * B / (ms / 1000), "epochMs": ms, "threads": torch.get_num_threads(), "torch": torch.__version__}))
