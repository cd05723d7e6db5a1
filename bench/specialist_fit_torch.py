# PyTorch CPU peer of fitSpecialists (bench/specialist-scaling.ts): the same algorithm, written
# from docs/specialist.md and src/specialist/ (the same steps and numbers, not a line-by-line copy):
# standardised latents; per task standardised, whitened targets (directions above 1e-4 of the
# largest variance); encoder d -> 4d (64..512) -> max(64, d) -> d with leaky ReLU 0.1, batch norm
# without affine on two ghost batches per minibatch of 128, mirrored decoder, heads d -> 32 ->
# directions; Adam 8e-3 then the proximal group step on each head's input rows
# (lr * sqrt(32) * lambda, reweighted per stage); a dense fit until the validation loss stops
# improving by 1% over 300 steps (at most 2000 steps); the lambda path (grid 0.04 .. 4, ramp 100
# steps, a stage ends after 150 steps without a support change or 600 steps) with drop checks
# (head-only refits, 300 steps, learning rate falling to 0, on the new and the previous support; a
# stage fails for a task when the loss rises by more than 0.25 x explained / (size + 1) and 2
# standard errors), one retry at the geometric mean, finished tasks frozen; backward elimination
# with the same check; a final refit of 1500 steps with the learning rate falling to 0; supports by
# mean |Jacobian| above 0.05 x the largest. Wide latents first go through the same front end
# (src/specialist/front-end.ts): standardised columns, their covariance over at most 8192 rows at a
# uniform stride, the principal components holding at least 1% of the largest one's variance when
# that is at most half the width and at most 384 (numpy's eigh instead of a subspace iteration), and
# the fit on those components.
#
# Usage: specialist_fit_torch.py DIR THREADS SEED. DIR holds latents.npy [N, d], targets.npy
# [N, K, dy], membership.npy [N, K]; writes DIR/torch-shat.npy (s_hat of every row) and prints one
# JSON line: supports, lambda, seconds.
import copy, json, math, sys, time
import numpy as np
import torch

GRID = [0.04, 0.08, 0.16, 0.32, 0.64, 1, 1.5, 2, 3, 4]
STEPS = dict(ramp=100, stable=150, stage=600, patience=300, dense=2000, debias=300, refit=1500)
LR, HEAD, BATCH, TOL, THRESHOLD, SLOPE, EPS = 8e-3, 32, 128, 0.25, 0.05, 0.1, 1e-5

def main():
    folder, threads, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    gen = np.random.default_rng(seed)
    z = np.load(f'{folder}/latents.npy').astype(np.float32)
    y = np.load(f'{folder}/targets.npy').astype(np.float32)
    member = np.load(f'{folder}/membership.npy').astype(np.float32)
    t0 = time.perf_counter()
    z = front_end(z)
    fit = Fit(z, y, member, gen)
    result = fit.run()
    seconds = time.perf_counter() - t0
    np.save(f'{folder}/torch-shat.npy', fit.encode(torch.from_numpy(fit.z)).numpy())
    print(json.dumps(dict(result, seconds=seconds, threads=threads, torch=torch.__version__)))

RANK_FLOOR, FRONT_END_MIN_WIDTH, COVARIANCE_ROWS, MAX_RANK = 0.01, 128, 8192, 384

def front_end(z):
    n, w = z.shape
    if w <= FRONT_END_MIN_WIDTH:
        return z
    std = z.std(0)
    x = (z - z.mean(0)) / np.where(std > 0, std, 1)
    sample = x[:: max(1, math.ceil(n / COVARIANCE_ROWS))]
    values, vectors = np.linalg.eigh(sample.T @ sample / len(sample))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    rank = int(np.sum(values >= RANK_FLOOR * values[0]))
    if rank > w / 2 or rank > MAX_RANK:
        return z
    return (x @ vectors[:, :rank]).astype(np.float32)

def leaky(x):
    return torch.nn.functional.leaky_relu(x, SLOPE)

def mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layer = torch.nn.Linear(widths[i], widths[i + 1])
        torch.nn.init.normal_(layer.weight, 0, math.sqrt(2 / widths[i]))
        torch.nn.init.zeros_(layer.bias)
        layers.append(layer)
    return torch.nn.ModuleList(layers)

def forward(layers, x):
    for i, layer in enumerate(layers):
        x = layer(x)
        if i < len(layers) - 1:
            x = leaky(x)
    return x

def whiten(y, member):
    rows = y[member > 0]
    cov = rows.T @ rows / len(rows)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    kept = max(1, int(np.sum(values > 1e-4 * values[0])))
    return (y @ (vectors[:, :kept] / np.sqrt(values[:kept]))).astype(np.float32)

class Fit:
    def __init__(self, z, y, member, gen):
        n, d = z.shape
        K = y.shape[1]
        self.z = ((z - z.mean(0)) / np.where(z.std(0) > 0, z.std(0), 1)).astype(np.float32)
        self.member = member
        self.y = []
        for k in range(K):
            m = member[:, k] > 0
            mean, std = y[m, k].mean(0), y[m, k].std(0)
            self.y.append(whiten((y[:, k] - mean) / np.where(std > 0, std, 1), member[:, k]))
        order = gen.permutation(n)
        nval = max(1, min(n - 2, round(n * 0.2)))
        self.val, self.train = np.sort(order[:nval]), np.sort(order[nval:])
        self.check = self.train[:: max(1, math.ceil(len(self.train) / 8192))]
        self.gen = gen
        widths = [min(512, max(64, 4 * d)), max(64, d)]
        self.enc, self.dec = mlp([d, *widths, d]), mlp([d, *reversed(widths), d])
        self.heads = [mlp([d, HEAD, yk.shape[1]]) for yk in self.y]
        self.allowed = [torch.ones(d) for _ in self.heads]
        self.params = [p for net in [self.enc, self.dec, *self.heads] for p in net.parameters()]
        self.opt = torch.optim.Adam(self.params, lr=LR, foreach=True)
        self.zt = torch.from_numpy(self.z)
        self.yt = [torch.from_numpy(v) for v in self.y]
        self.mt = torch.from_numpy(member)
        self.d, self.K = d, K
        self.batches = max(1, len(self.train) // BATCH)

    # --- training steps ---------------------------------------------------------------------
    def ghost_loss(self, rows):
        e = forward(self.enc, self.zt[rows])
        s = (e - e.mean(0)) / torch.sqrt(e.var(0, unbiased=False) + EPS)
        loss = ((forward(self.dec, s) - self.zt[rows]) ** 2).mean()
        for k, head in enumerate(self.heads):
            m = self.mt[rows, k]
            count = m.sum()
            if count > 0:
                r = (forward(head, s) - self.yt[k][rows]) * m[:, None]
                loss = loss + (r ** 2).sum() / (count * r.shape[1])
        return loss

    def epoch(self, lam_at, weights=None, rate_at=None):
        order = self.train[self.gen.permutation(len(self.train))]
        total = 0.0
        for b in range(self.batches):
            rows = torch.from_numpy(order[b * BATCH:(b + 1) * BATCH])
            half = len(rows) // 2
            self.opt.zero_grad(set_to_none=True)
            loss = (self.ghost_loss(rows[:half]) + self.ghost_loss(rows[half:])) * 0.5
            loss.backward()
            for g in self.opt.param_groups:
                g['lr'] = LR * (rate_at(b) if rate_at else 1)
            self.opt.step()
            self.proximal(lam_at(b), weights)
            total += float(loss)
        return total / self.batches

    @torch.no_grad()
    def proximal(self, lam, weights):
        for k, head in enumerate(self.heads):
            w = head[0].weight  # [HEAD, d]: column j reads s_hat_j
            tau = LR * math.sqrt(HEAD) * lam[k] * (weights[k] if weights is not None else torch.ones(self.d))
            norms = w.norm(dim=0)
            scale = torch.clamp(1 - tau / torch.clamp(norms, min=1e-30), min=0) * self.allowed[k]
            w.mul_(scale)

    def norms(self):
        return [head[0].weight.detach().norm(dim=0) for head in self.heads]

    def sizes(self):
        return [int((n > 0).sum()) for n in self.norms()]

    def phase(self, max_epochs, start, end, weights=None, stop=None, rate=None):
        ramp = max(1, min(STEPS['ramp'], round(max_epochs * self.batches / 3)))
        for e in range(max_epochs):
            lam_at = lambda b: [s + (t - s) * min(1, (e * self.batches + b + 1) / ramp) for s, t in zip(start, end)]
            self.epoch(lam_at, weights, rate and (lambda b: rate(e * self.batches + b)))
            if stop and stop(e + 1):
                break

    def epochs_for(self, steps):
        return max(1, math.ceil(steps / self.batches))

    # --- evaluation -------------------------------------------------------------------------
    @torch.no_grad()
    def population(self):
        e = forward(self.enc, self.zt[self.check])
        self.bn = (e.mean(0), 1 / torch.sqrt(e.var(0, unbiased=False) + EPS))

    @torch.no_grad()
    def encode(self, z):
        self.population()
        return (forward(self.enc, z) - self.bn[0]) * self.bn[1]

    @torch.no_grad()
    def validation_total(self):
        rows = self.val[:8192]
        s = self.encode(self.zt[rows])
        total = float(((forward(self.dec, s) - self.zt[rows]) ** 2).mean())
        for k, head in enumerate(self.heads):
            m = self.mt[rows, k] > 0
            total += float(((forward(head, s[m]) - self.yt[k][rows][m]) ** 2).mean())
        return total

    def until_plateau(self, max_epochs):
        patience = self.epochs_for(STEPS['patience'])
        state = dict(best=math.inf, since=0)
        def stop(_):
            v = self.validation_total()
            if v < state['best'] * 0.99:
                state.update(best=v, since=0)
            else:
                state['since'] += 1
            return state['since'] >= patience
        zero = [0] * self.K
        self.phase(max_epochs, zero, zero, stop=stop)

    def supports(self):
        return [torch.nonzero(n > 0).flatten().tolist() for n in self.norms()]

    def refit_errors(self, head, support, k, s_train, s_val, seed):
        rows_t = self.member[self.check, k] > 0
        rows_v = self.member[self.val, k] > 0
        yt, yv = self.yt[k][self.check][rows_t], self.yt[k][self.val][rows_v]
        if not support:
            return ((yv - yt.mean(0)) ** 2).mean(1)
        xt, xv = s_train[rows_t][:, support], s_val[rows_v][:, support]
        net = mlp([len(support), HEAD, yt.shape[1]])
        with torch.no_grad():
            net[0].weight.copy_(head[0].weight.detach()[:, support])
            net[0].bias.copy_(head[0].bias.detach())
            net[1].weight.copy_(head[1].weight.detach())
            net[1].bias.copy_(head[1].bias.detach())
        opt = torch.optim.Adam(net.parameters(), lr=LR, foreach=True)
        batches = max(1, len(xt) // BATCH)
        epochs = max(1, math.ceil(STEPS['debias'] / batches))
        total, step = epochs * batches, 0
        g = np.random.default_rng(seed)
        for _ in range(epochs):
            order = torch.from_numpy(g.permutation(len(xt)))
            for b in range(batches):
                idx = order[b * BATCH:(b + 1) * BATCH]
                for group in opt.param_groups:
                    group['lr'] = LR * (1 - step / total)
                opt.zero_grad(set_to_none=True)
                ((forward(net, xt[idx]) - yt[idx]) ** 2).mean().backward()
                opt.step()
                step += 1
        with torch.no_grad():
            return ((forward(net, xv) - yv) ** 2).mean(1)

    def drop_checks(self, active, before, heads):
        now = self.supports()
        s_train, s_val = self.encode(self.zt[self.check]), self.encode(self.zt[self.val])
        verdicts = []
        for k in range(self.K):
            if not active[k]:
                verdicts.append(None)
            elif now[k] == before[k]:
                verdicts.append(True)
            elif any(j not in before[k] for j in now[k]):
                verdicts.append(False)
            else:
                seed = int(self.gen.integers(2 ** 31))
                a = self.refit_errors(heads[k], now[k], k, s_train, s_val, seed)
                b = self.refit_errors(heads[k], before[k], k, s_train, s_val, seed)
                verdicts.append(self.judge(a, b, len(now[k]))[0])
        return verdicts, now

    def snapshot(self):
        return dict(params=[p.detach().clone() for p in self.params], opt=copy.deepcopy(self.opt.state_dict()), heads=[[(l.weight.detach().clone(), l.bias.detach().clone()) for l in h] for h in self.heads])

    def restore(self, snap):
        with torch.no_grad():
            for p, v in zip(self.params, snap['params']):
                p.copy_(v)
        self.opt.load_state_dict(snap['opt'])

    def freeze(self, k):
        self.allowed[k] = self.allowed[k] * (self.norms()[k] > 0).float()

    def path(self):
        chosen, done, retry = [0.0] * self.K, [False] * self.K, [None] * self.K
        accepted = self.snapshot()
        before = self.supports()
        stages = 0
        g = 0
        max_stage = min(max(3, round(120 / 4)), self.epochs_for(STEPS['stage']))
        while g < len(GRID) and not all(done) and stages < len(GRID) + 2 * self.K:
            stages += 1
            start = [0 if done[k] else chosen[k] for k in range(self.K)]
            target = [0 if done[k] else (retry[k] if retry[k] is not None else GRID[g]) for k in range(self.K)]
            norms = self.norms()
            weights = []
            for row in norms:
                live = torch.sort(row[row > 0]).values
                median = float(live[len(live) // 2]) if len(live) else 1.0
                weights.append(torch.where(row > 0, torch.clamp(median / torch.clamp(row, min=1e-30), 0.25, 4), torch.full_like(row, 4.0)))
            track = dict(sizes=self.sizes(), still=0)
            ramp, stable = self.epochs_for(STEPS['ramp']), self.epochs_for(STEPS['stable'])
            def stop(e):
                now = self.sizes()
                track['still'] = track['still'] + 1 if now == track['sizes'] else 0
                track['sizes'] = now
                return e >= ramp and track['still'] >= stable
            self.phase(max_stage, start, target, weights, stop)
            verdicts, now = self.drop_checks([not x for x in done], before, self.snapshot_heads(accepted))
            failed = [v is False for v in verdicts]
            if any(failed):
                self.restore(accepted)
                for k in range(self.K):
                    if failed[k]:
                        if retry[k] is None and chosen[k] > 0:
                            retry[k] = math.sqrt(chosen[k] * GRID[g])
                        else:
                            done[k], retry[k] = True, None
                            self.freeze(k)
                continue
            for k in range(self.K):
                if verdicts[k] is None:
                    continue
                chosen[k] = target[k]
                if retry[k] is not None:
                    done[k], retry[k] = True, None
                    self.freeze(k)
            before = now
            accepted = self.snapshot()
            g += 1
        self.restore(accepted)
        return chosen

    def snapshot_heads(self, snap):
        class Layer:
            def __init__(self, w, b):
                self.weight, self.bias = w, b
        return [[Layer(w, b) for w, b in h] for h in snap['heads']]

    def judge(self, a, b, size):
        diff = (a - b).double()
        rise = float(diff.mean())
        se = float(diff.std() / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
        allowed = TOL * max(0.0, 1 - float(b.mean())) / (size + 1)
        return not (rise > allowed and rise > 2 * se), rise

    def eliminate(self):
        s_train, s_val = self.encode(self.zt[self.check]), self.encode(self.zt[self.val])
        heads = self.snapshot_heads(self.snapshot())
        for k, support in enumerate(self.supports()):
            kept = list(support)
            while kept:
                seed = int(self.gen.integers(2 ** 31))
                base = self.refit_errors(heads[k], kept, k, s_train, s_val, seed)
                best = None
                for j in kept:
                    without = [c for c in kept if c != j]
                    ok, rise = self.judge(self.refit_errors(heads[k], without, k, s_train, s_val, seed), base, len(without))
                    if ok and (best is None or rise < best[1]):
                        best = (j, rise)
                if best is None:
                    break
                kept.remove(best[0])
            mask = torch.zeros(self.d)
            mask[kept] = 1
            self.allowed[k] = self.allowed[k] * mask

    def run(self):
        zero = [0] * self.K
        self.until_plateau(min(120, self.epochs_for(STEPS['dense'])))
        lam = self.path()
        self.eliminate()
        for k in range(self.K):
            self.freeze(k)
        steps = min(STEPS['refit'], 30 * self.batches)
        self.phase(self.epochs_for(steps), zero, zero, rate=lambda t: max(0.0, 1 - t / steps))
        return dict(supports=self.importance_supports(), lambda_=lam)

    @torch.no_grad()
    def importance_supports(self):
        s = self.encode(self.zt[self.train[:: max(1, math.ceil(len(self.train) / 4096))]])
        out = []
        for head in self.heads:
            pre = head[0](s)
            slope = torch.where(pre >= 0, torch.ones_like(pre), torch.full_like(pre, SLOPE))
            # |d y_o / d s_j| = |sum_h W1[h, j] act'(pre_h) W2[o, h]|, averaged over rows, summed over outputs.
            jac = torch.einsum('hj,nh,oh->noj', head[0].weight, slope, head[1].weight)
            imp = jac.abs().mean(0).sum(0)
            out.append(torch.nonzero(imp > THRESHOLD * imp.max()).flatten().tolist())
        return out

if __name__ == '__main__':
    main()
