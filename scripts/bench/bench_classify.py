# SPDX-License-Identifier: GPL-3.0-or-later
"""Few-shot classification speed (issue 15): Model A scoring 10,000 5-way 5-shot episodes at
d = 32, `metaprior evaluate --ways 5 --no-baselines` against NumPy computing the same
multivariate Student-t posterior predictive, vectorised over episodes, on the same episodes
(written by `metaprior episodes` with the same seed and read back in NumPy).

metaprior is timed as whole processes: `evaluate` with all episodes, and with one episode
(reading the 62 MB CSV, the prior and setting up), so that the scoring alone is the
difference. NumPy is timed on the scoring alone (arrays already in memory). Medians of
--runs runs each. Accuracy and NLL must agree to the 4 decimals metaprior prints
(exit status 2 otherwise).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
from scipy.special import gammaln

sys.path.insert(0, os.path.dirname(__file__))
from common import RunFailed, median, note, run, say, snapshot, spread, table  # noqa: E402


def student_t_scores(prior, support, support_labels, queries, query_labels, ways, chunk=1000):
    """Accuracy and mean NLL of Model A over episodes: support (E, N*K, d) with labels
    (E, N*K) in 0..N-1, queries (E, M, d) with labels (E, M). For each class the NIW posterior
    (Murphy 2007, eqs. 250-254) and its Student-t predictive, Bayes' rule with equal class priors."""
    mu0, kappa, psi, nu = prior
    d = mu0.shape[0]
    hits = 0.0
    nll = 0.0
    count = 0
    for start in range(0, support.shape[0], chunk):
        xs, ys = support[start:start + chunk], support_labels[start:start + chunk]
        xq, yq = queries[start:start + chunk], query_labels[start:start + chunk]
        e = xs.shape[0]
        logp = np.empty((e, xq.shape[1], ways))
        for c in range(ways):
            mask = (ys == c)[..., None]                       # (e, NK, 1)
            n = mask.sum(axis=1)                              # (e, 1)
            xbar = (xs * mask).sum(axis=1) / n                # (e, d)
            centred = (xs - xbar[:, None, :]) * mask
            scatter = np.einsum("eki,ekj->eij", centred, centred)
            kn = kappa + n                                    # (e, 1)
            nun = nu + n[:, 0]                                # (e,)
            mun = (kappa * mu0 + n * xbar) / kn
            dm = xbar - mu0
            psin = psi + scatter + (kappa * n / kn)[:, :, None] * np.einsum("ei,ej->eij", dm, dm)
            dof = nun - d + 1                                 # (e,)
            scale = psin * ((kn[:, 0] + 1) / (kn[:, 0] * dof))[:, None, None]
            chol = np.linalg.cholesky(scale)
            diff = xq - mun[:, None, :]                       # (e, M, d)
            z = np.linalg.solve(chol, np.swapaxes(diff, 1, 2))  # (e, d, M): one factorisation, M right-hand sides
            maha = (z * z).sum(axis=1)                        # (e, M)
            logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
            logp[:, :, c] = (gammaln((dof + d) / 2) - gammaln(dof / 2) - d / 2 * np.log(dof * np.pi) - logdet / 2)[:, None] \
                - ((dof + d) / 2)[:, None] * np.log1p(maha / dof[:, None])
        logp -= np.logaddexp.reduce(logp, axis=2, keepdims=True)
        hits += (logp.argmax(axis=2) == yq).sum()
        nll -= np.take_along_axis(logp, yq[..., None], axis=2).sum()
        count += yq.size
    return hits / count, nll / count


def timed(command):
    """(wall seconds, CPU seconds of the child, stdout): the machine is shared, so wall time
    also measures the other jobs; CPU time (user + system) does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, stdout, _ = run(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), stdout


def read_episodes(path, episodes, ways, shots, query):
    import pandas as pd
    frame = pd.read_csv(path)
    inputs = [c for c in frame.columns if c.startswith("x")]
    frame = frame.sort_values(["episode", "role"], kind="stable")  # query before support within an episode
    x = frame[inputs].to_numpy().reshape(episodes, ways * (shots + query), len(inputs))
    y = frame["label"].to_numpy().reshape(episodes, ways * (shots + query))
    q = ways * query
    return x[:, q:], y[:, q:], x[:, :q], y[:, :q]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--episodes", type=int, default=10000)
    parser.add_argument("--dimension", type=int, default=32)
    parser.add_argument("--workdir", default=os.path.join("/tmp", "metaprior-bench-classify"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    binary = snapshot(os.path.abspath(args.binary), args.workdir)
    os.chdir(args.workdir)
    ways, shots, query, d = 5, 5, 5, args.dimension
    # Classes drawn from an exact NIW (each its own covariance, ν = d + 8) with means of sd 0.5:
    # accuracy about 0.9, so that the probabilities are not all 0 or 1.
    common = ["--points", "10", "--dimension", str(d), "--prior-scale", "0.5", "--class-dof", str(d + 8)]
    run([binary, "simulate", "gaussian-classes", "--tasks", "400", "--seed", "1", "--output", "train.csv"] + common)
    run([binary, "simulate", "gaussian-classes", "--tasks", "2000", "--seed", "2", "--output", "test.csv"] + common)
    run([binary, "fit", "--data", "train.csv", "--task", "task", "--target", "label", "--model", "class_gaussian",
         "--psi", "isotropic", "--output", "prior.json"])
    spec = ["--ways", str(ways), "--shots", str(shots), "--query", str(query), "--seed", "1"]
    run([binary, "episodes", "--data", "test.csv", "--episodes", str(args.episodes), "--output", "episodes.csv"] + spec)
    with open("prior.json") as f:
        p = json.load(f)
    prior = (np.array(p["prior_mean"]), p["kappa"], np.array(p["psi"]), p["nu"])
    support, support_labels, queries, query_labels = read_episodes("episodes.csv", args.episodes, ways, shots, query)

    evaluate = [binary, "evaluate", "--prior", "prior.json", "--data", "test.csv", "--no-baselines"] + spec
    full, full_cpu, setup, setup_cpu, numpy_times, numpy_cpu, stdout = [], [], [], [], [], [], ""
    for _ in range(args.runs):
        wall, cpu, stdout = timed(evaluate + ["--episodes", str(args.episodes)])
        full.append(wall)
        full_cpu.append(cpu)
        wall, cpu, _ = timed(evaluate + ["--episodes", "1"])
        setup.append(wall)
        setup_cpu.append(cpu)
        start, start_cpu = time.perf_counter(), time.process_time()
        accuracy, nll = student_t_scores(prior, support, support_labels, queries, query_labels, ways)
        numpy_times.append(time.perf_counter() - start)
        numpy_cpu.append(time.process_time() - start_cpu)
    row = next(line for line in stdout.splitlines() if line.startswith("class_gaussian"))
    numbers = [float(t) for t in row.split() if t.replace(".", "", 1).isdigit()]
    mp_accuracy, mp_nll = numbers[0], numbers[2]
    scoring = [f - s for f, s in zip(full, setup)]
    scoring_cpu = [f - s for f, s in zip(full_cpu, setup_cpu)]
    table([["metaprior evaluate (whole process)", f"{median(full):.3f}", spread(full), f"{median(full_cpu):.3f}"],
           ["metaprior read + setup (1 episode)", f"{median(setup):.3f}", spread(setup), f"{median(setup_cpu):.3f}"],
           ["metaprior scoring (difference)", f"{median(scoring):.3f}", spread(scoring), f"{median(scoring_cpu):.3f}"],
           ["NumPy scoring (vectorised)", f"{median(numpy_times):.3f}", spread(numpy_times), f"{median(numpy_cpu):.3f}"]],
          ["seconds (median of %d)" % args.runs, "wall", "wall range", "CPU"])
    say(f"NumPy / metaprior scoring, wall: {median(numpy_times) / median(scoring):.2f}x, CPU: {median(numpy_cpu) / median(scoring_cpu):.2f}x; "
        f"metaprior whole process {median(full):.2f} s wall, {median(full_cpu):.2f} s CPU for {args.episodes} episodes (target < 2 s)")
    say(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    say(f"accuracy: metaprior {mp_accuracy:.4f}, NumPy {accuracy:.6f}; NLL: metaprior {mp_nll:.4f}, NumPy {nll:.6f}")
    # metaprior prints 4 decimals: agreement means the NumPy figure rounds to the same value.
    if abs(accuracy - mp_accuracy) > 5.01e-5 or abs(nll - mp_nll) > 5.01e-5:
        note("bench-classify: metaprior and NumPy disagree")
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as error:
        note(str(error))
        sys.exit(1)
