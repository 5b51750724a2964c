#!/usr/bin/env python3
"""The best any linear-Gaussian model can do on the harmonic family, on given episodes.

The harmonic family (`metaprior simulate harmonic`, Lacoste et al. 2018) draws
y = a1·sin(ωx + b1) + a2·sin(2ωx + b2) with ω ~ U[5, 7], a1, a2 ~ N(0, 1), b1, b2 ~ U[0, 2π].
The phases are uniform, so f is a stationary process with mean 0 and covariance

    k(t) = ½·E cos(ωt) + ½·E cos(2ωt) = ½·(sin 7t − sin 5t)/(2t) + ½·(sin 14t − sin 10t)/(4t),

k(0) = 1, whatever the task's input location. Every method that adapts with a Gaussian prior
(any basis, any μ and Σ, any σ²) predicts with a mean linear (affine) in the support targets;
among those, simple kriging with this true k — the best linear unbiased predictor — has the
smallest expected squared error. So its MSE on the same episodes is the floor for every row of
the harmonic table: a target below it cannot be met by a linear-Gaussian model, only by one whose
prediction is non-linear in the support targets (for example one that estimates ω per task).

Usage: harmonic_oracle.py EPISODES.csv [...]   (files from `metaprior episodes ... --shots K`)
Prints, per file, the MSE per query point (± standard error over episodes clustered by task,
as `metaprior evaluate` reports it), the NLL of the per-point predictive marginals and the
coverage of the central 90% interval. Standard library only, like the table script.
"""
import csv
import math
import sys
from collections import defaultdict

Z90 = 1.6448536269514722  # Φ⁻¹(0.95), scipy.stats.norm.ppf(0.95)
JITTER = 1e-10  # k is positive definite in exact arithmetic; this keeps Cholesky stable for close inputs


def covariance(t):
    """k(t) above; the limit 1 at t = 0."""
    if abs(t) < 1e-9:
        return 1.0
    return 0.5 * (math.sin(7 * t) - math.sin(5 * t)) / (2 * t) + 0.5 * (math.sin(14 * t) - math.sin(10 * t)) / (4 * t)


def cholesky(a):
    n = len(a)
    l = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = a[i][j] - sum(l[i][m] * l[j][m] for m in range(j))
            l[i][j] = math.sqrt(s) if i == j else s / l[j][j]
    return l


def solve_lower(l, b):
    x = []
    for i, row in enumerate(l):
        x.append((b[i] - sum(row[m] * x[m] for m in range(i))) / row[i])
    return x


def predict(support_x, support_y, x):
    """Kriging mean and variance of f(x) given noise-free support points."""
    l = cholesky([[covariance(a - b) + (JITTER if i == j else 0) for j, b in enumerate(support_x)]
                  for i, a in enumerate(support_x)])
    w = solve_lower(l, support_y)  # L⁻¹y
    c = solve_lower(l, [covariance(x - a) for a in support_x])  # L⁻¹k*
    mean = sum(ci * wi for ci, wi in zip(c, w))
    variance = max(1.0 - sum(ci * ci for ci in c), 1e-12)
    return mean, variance


def score(path):
    episodes = defaultdict(lambda: {"task": None, "support": [], "query": []})
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            e = episodes[int(row["episode"])]
            e["task"] = row["task"]
            e[row["role"]].append((float(row["x"]), float(row["y"])))
    per_episode = []
    for e in episodes.values():
        sx = [x for x, _ in e["support"]]
        sy = [y for _, y in e["support"]]
        se = nll = covered = 0.0
        for x, y in e["query"]:
            m, v = predict(sx, sy, x)
            se += (m - y) ** 2
            nll += 0.5 * math.log(2 * math.pi * v) + (m - y) ** 2 / (2 * v)
            covered += abs(m - y) <= Z90 * math.sqrt(v)
        q = len(e["query"])
        per_episode.append((e["task"], se / q, nll / q, covered / q))
    n = len(per_episode)

    def clustered(index):
        mean = sum(p[index] for p in per_episode) / n
        by_task = defaultdict(float)
        for p in per_episode:
            by_task[p[0]] += p[index] - mean
        return mean, math.sqrt(sum(s * s for s in by_task.values())) / n

    return {"episodes": n, "mse": clustered(1), "nll": clustered(2), "coverage90": clustered(3)}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        s = score(path)
        print(f"{path}: {s['episodes']} episodes; oracle linear predictor MSE {s['mse'][0]:.4g} ± {s['mse'][1]:.2g}, "
              f"NLL {s['nll'][0]:.4g} ± {s['nll'][1]:.2g}, 90% coverage {s['coverage90'][0]:.3f}")


if __name__ == "__main__":
    main()
