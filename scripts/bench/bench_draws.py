# SPDX-License-Identifier: GPL-3.0-or-later
"""Python side of scripts/bench-draws.

1. Simulates a linear-Gaussian meta-dataset with 19 inputs (φ ∈ R^20: intercept + 19 slopes)
   and fits a prior with `metaprior fit` (d = 20); simulates one new task.
2. Times, whole process and side by side (runs interleaved),
     metaprior adapt --prior P --data NEW --draws 1000000 --seed S --output samples.csv
   against
     python3 scripts/bench/numpy_draws.py POSTERIOR.npz 1000000 S out.csv
   (numpy Generator.multivariate_normal of the same 20-d posterior N(m, S), lp__, and
   numpy.savetxt(fmt="%.17g")).
3. Checks metaprior's file: every number is in shortest round-trip form (reads back to a Double
   whose shortest repr is the same text), the draws' sample mean and sd agree with N(m, S),
   and METAPRIOR_THREADS=1 gives byte-identical output.
Exit status: 0 all good; 1 a run failed; 2 a check failed.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np

from common import RunFailed, median, note, run, say, snapshot, spread, table

INPUTS = 19


def posterior_of(prior_path, task_path):
    """m and S of the new task under the prior, in closed form (DESIGN.md §2)."""
    with open(prior_path) as f:
        prior = json.load(f)
    assert prior["basis"]["spec"] == "linear", prior["basis"]["spec"]
    mu = np.array(prior["mean"])
    sigma = np.array(prior["covariance"])
    s2 = prior["noise_variance"]
    with open(task_path) as f:
        header = f.readline().strip().split(",")
    table_ = np.loadtxt(task_path, delimiter=",", skiprows=1, ndmin=2)
    x = table_[:, [header.index(name) for name in prior["inputs"]]]
    y = table_[:, header.index(prior["target"])]
    phi = np.column_stack([np.ones(len(y)), x])
    precision = np.linalg.inv(sigma) + phi.T @ phi / s2
    cov = np.linalg.inv(precision)
    cov = 0.5 * (cov + cov.T)
    mean = cov @ (np.linalg.solve(sigma, mu) + phi.T @ y / s2)
    return mean, cov


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_samples(path, mean, cov, draws):
    """Round-trip form of every number, and moments. Returns (ok, lines)."""
    with open(path) as f:
        text = f.read()
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    header, body = lines[0], lines[1:]
    fields = ",".join(body).split(",")
    values = np.array(fields, dtype=float)
    # Python's repr is the shortest text that reads back to the same double (as Swift's
    # description); same exponent conventions, so the texts must match exactly.
    mismatched = [(t, repr(v)) for t, v in zip(fields, values.tolist()) if t != repr(v)]
    d = mean.size
    table_ = values.reshape(len(body), d + 1)
    phi = table_[:, 1:]
    z = (phi.mean(axis=0) - mean) / np.sqrt(np.diag(cov) / draws)
    sd_ratio = phi.std(axis=0) / np.sqrt(np.diag(cov))
    ok = (not mismatched and len(body) == draws and header.split(",")[0] == "lp__"
          and np.all(np.abs(z) < 6) and np.all(np.abs(sd_ratio - 1) < 0.01))
    out = [f"rows {len(body)}, numbers {len(fields)}, not in shortest round-trip form: {len(mismatched)}"
           + (f" (e.g. {mismatched[:3]})" if mismatched else ""),
           f"sample mean vs m: max |z| {np.abs(z).max():.2f}; sample sd / sqrt(S_jj): "
           f"{sd_ratio.min():.4f}..{sd_ratio.max():.4f}"]
    return ok, out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--points", type=int, default=30)
    parser.add_argument("--new-points", type=int, default=15)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--skip-checks", action="store_true")
    parser.add_argument("--workdir", default=os.path.join("/tmp", "metaprior-bench-draws"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    binary = snapshot(os.path.abspath(args.binary), args.workdir)
    w = lambda name: os.path.join(args.workdir, name)
    status = 0

    mean_text = ",".join(["0.5"] + [f"{(-1) ** j * (1 + j % 3) / 2:g}" for j in range(INPUTS)])
    common_sim = ["simulate", "linear-gaussian", "--mean", mean_text, "--points"]
    run([binary] + common_sim + [str(args.points), "--tasks", str(args.tasks), "--seed", "11",
         "--output", w("train.csv"), "--quiet"], label="metaprior simulate")
    run([binary] + common_sim + [str(args.new_points), "--tasks", "1", "--seed", "12",
         "--output", w("new.csv"), "--quiet"], label="metaprior simulate")
    fit = [binary, "fit", "--data", w("train.csv"), "--task", "task", "--target", "y", "--output", w("prior.json")]
    _, _, fit_err = run(fit, label="metaprior fit")
    with open(w("prior.json")) as f:
        d = len(json.load(f)["mean"])
    mean, cov = posterior_of(w("prior.json"), w("new.csv"))
    np.savez(w("posterior.npz"), mean=mean, covariance=cov)
    say(f"prior: {' '.join(fit)}  (d = {d}; {fit_err.strip().splitlines()[0] if fit_err else ''})")

    mp_cmd = [binary, "adapt", "--prior", w("prior.json"), "--data", w("new.csv"), "--draws", str(args.draws),
              "--seed", str(args.seed), "--output", w("samples.csv"), "--quiet"]
    np_cmd = [args.python, os.path.join(here, "numpy_draws.py"), w("posterior.npz"), str(args.draws),
              str(args.seed), w("numpy.csv")]
    say(f"metaprior: {' '.join(mp_cmd)}")
    say(f"numpy:     {' '.join(np_cmd)}  (numpy {np.__version__})")

    run(mp_cmd, label="metaprior adapt")  # warm-up (page cache, binary)
    mp_times, np_times = [], []
    for i in range(args.runs):
        t, _, _ = run(mp_cmd, label="metaprior adapt")
        mp_times.append(t)
        t, _, _ = run(np_cmd, label="numpy draws")
        np_times.append(t)
        note(f"run {i + 1}/{args.runs}: metaprior {mp_times[-1]:.3f} s, numpy {np_times[-1]:.3f} s")
    mp_med, np_med = median(mp_times), median(np_times)
    ratio = np_med / mp_med

    checks = []
    if not args.skip_checks:
        digest = sha256(w("samples.csv"))
        serial = dict(os.environ, METAPRIOR_THREADS="1")
        t1, _, _ = run(mp_cmd, env=serial, label="metaprior adapt (1 thread)")  # same command, same file
        same = sha256(w("samples.csv")) == digest
        checks.append(f"METAPRIOR_THREADS=1 vs default: {'byte-identical' if same else 'DIFFERENT'}"
                      f" (sha256 {digest[:16]}…; 1-thread run {t1:.3f} s)")
        ok, lines = check_samples(w("samples.csv"), mean, cov, args.draws)
        checks += lines
        if not (same and ok):
            status = 2
        checks.append(f"checks: {'PASS' if status == 0 else 'FAIL'}")

    say("")
    for line in checks:
        say(line)
    size = os.path.getsize(w("samples.csv")) / 1e6
    np_size = os.path.getsize(w("numpy.csv")) / 1e6
    say("")
    say(f"summary ({args.runs} runs each, interleaved, whole-process wall time, median; machine: {os.cpu_count()} cores, "
        f"load average now {os.getloadavg()[0]:.2f})")
    table([[f"metaprior adapt --draws {args.draws} ({size:.0f} MB)", f"{mp_med:.3f}", spread(mp_times), ""],
           [f"numpy multivariate_normal + savetxt ({np_size:.0f} MB)", f"{np_med:.3f}", spread(np_times),
            f"{ratio:.1f}x ({'target 10x met' if ratio >= 10 else 'target 10x MISSED'})"]],
          ["benchmark", "median s", "min..max", "ratio numpy/metaprior"])
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as failure:
        print(f"bench-draws: a run failed: {failure}", file=sys.stderr)
        sys.exit(1)
