#!/usr/bin/env python3
"""Plain Python kNN-CMI test with scipy's cKDTree, the way common Python tools write it: a peer for
the benchmark, never part of the SDK.

Estimator (Frenzel-Pompe / KSG, max norm), identical in definition to src/structure/cmi-knn.ts:
  eps_i = distance from point i to its k-th nearest other point in the joint (x, y, z) space
  n_xz, n_yz, n_z = other points strictly within eps_i in the sub-spaces (n_z = n - 1 without z)
  CMI = psi(k) - mean(psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1))
Null: x permuted among the `shuffle_neighbors` nearest neighbours in z-space (itself included),
each point taking a random not-yet-used neighbour when one is left; a full permutation without z.
p = (1 + #{null >= observed}) / (1 + permutations). The permutations use numpy's generator, so
p-values agree with the SDK's only in distribution; the statistic agrees exactly on the same data
(use --transform none or rank, and no noise on the SDK side).

Usage: cmi_reference.py DATA.npy --x 0 --y 1 [--z 2,3] [--knn 0.1] [--permutations 100]
       [--shuffle-neighbors 5] [--transform rank|none] [--seed 0] [--repeat 1]
Prints one JSON object: statistic, pValue, permutations, k, n, elapsedMs (median over repeats).
"""
import argparse
import json
import time

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma
from scipy.stats import rankdata


def columns(text):
    return [int(c) for c in text.split(",") if c != ""] if text else []


def strict_counts(points, radius):
    """Other points strictly within radius (max norm) of each point."""
    tree = cKDTree(points)
    # query_ball_point counts distances <= r; the next float below eps makes it strict.
    inner = np.nextafter(radius, 0)
    return tree.query_ball_point(points, r=inner, p=np.inf, return_length=True) - 1


def cmi(x, y, z, k):
    n = x.shape[0]
    joint = np.hstack([x, y, z])
    dist, _ = cKDTree(joint).query(joint, k=k + 1, p=np.inf)
    eps = dist[:, k]
    n_xz = strict_counts(np.hstack([x, z]), eps)
    n_yz = strict_counts(np.hstack([y, z]), eps)
    n_z = strict_counts(z, eps) if z.shape[1] > 0 else np.full(n, n - 1)
    return digamma(k) - np.mean(digamma(n_xz + 1) + digamma(n_yz + 1) - digamma(n_z + 1))


def local_permutation(rng, neighbours):
    n, s = neighbours.shape
    perm = np.empty(n, dtype=np.int64)
    used = np.zeros(n, dtype=bool)
    for i in rng.permutation(n):
        choices = neighbours[i][rng.permutation(s)]
        free = choices[~used[choices]]
        pick = free[0] if free.size > 0 else choices[0]
        perm[i] = pick
        used[pick] = True
    return perm


def test(data, xc, yc, zc, knn, permutations, shuffle, transform, seed):
    n = data.shape[0]
    if transform == "rank":
        data = np.column_stack([rankdata(data[:, c]) - 1 - (n - 1) / 2 for c in range(data.shape[1])])
    x, y, z = data[:, xc], data[:, yc], data[:, zc] if zc else np.empty((n, 0))
    k = max(1, int(round(knn * n))) if knn < 1 else int(knn)
    observed = cmi(x, y, z, k)
    rng = np.random.default_rng(seed)
    neighbours = cKDTree(z).query(z, k=min(shuffle, n), p=np.inf)[1].reshape(n, -1) if zc else None
    exceed = 0
    for _ in range(permutations):
        perm = local_permutation(rng, neighbours) if zc else rng.permutation(n)
        if cmi(x[perm], y, z, k) >= observed:
            exceed += 1
    return {"statistic": float(observed), "pValue": (1 + exceed) / (1 + permutations), "permutations": permutations, "k": k, "n": n}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--x", required=True)
    parser.add_argument("--y", required=True)
    parser.add_argument("--z", default="")
    parser.add_argument("--knn", type=float, default=0.1)
    parser.add_argument("--permutations", type=int, default=100)
    parser.add_argument("--shuffle-neighbors", type=int, default=5)
    parser.add_argument("--transform", choices=["rank", "none"], default="rank")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    # Float32 like the SDK, then float64 for the trees (exact differences of float32 values).
    data = np.load(args.data).astype(np.float32).astype(np.float64)
    if data.ndim == 1:
        data = data[:, None]
    times, result = [], None
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = test(data, columns(args.x), columns(args.y), columns(args.z), args.knn, args.permutations,
                      args.shuffle_neighbors, args.transform, args.seed)
        times.append((time.perf_counter() - start) * 1000)
    result["elapsedMs"] = float(np.median(times))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
