# SPDX-License-Identifier: GPL-3.0-or-later
"""Python side of scripts/bench-glmm: the Laplace fit of a logistic mixed model, metaprior
against lme4's glmer (nAGQ = 1, its defaults), whole process each, on the same data.

1. Simulates 20,000 tasks x 12 Bernoulli points with 3 task-specific parameters (intercept,
   x1, x2) with `metaprior simulate logistic-tasks` (mean and covariance below).
2. Times `metaprior fit --model binomial --formula F` (read CSV + fit + write the prior) and
   `Rscript scripts/bench/glmer_fit.R FILE F` (read.csv + glmer), interleaved. glmer takes
   about 15 CPU-minutes here, so it runs --glmer-runs times (default 1) and metaprior --runs
   times (default 3, median). Both wall time and CPU time (user + system of the child) are
   reported; the ratio is taken on wall time (what a user waits for) and, because the machine
   is shared, also on CPU time, which load does not inflate.
3. Checks that metaprior's log-likelihood is at least glmer's (relative tolerance 1e-6).
Exit status: 0 all runs succeeded and the check passed; 1 a run failed; 2 the check failed.
"""
import argparse
import json
import os
import resource
import sys

from common import RunFailed, parse_r, median, note, run, say, snapshot, spread, table

MEAN = "-0.5,1,-0.7"
COVARIANCE = "0.6,0.2,-0.15;0.2,0.4,0;-0.15,0,0.25"
FORMULA = "y ~ x1 + x2 + (x1 + x2 | task)"


def timed(command, label):
    """Runs `command`; returns (wall, cpu, stdout, stderr), cpu = user + system of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, out, err = run(command, label=label)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out, err


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--glmer-runs", type=int, default=1)
    parser.add_argument("--formula", default=FORMULA)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--workdir", default=os.path.join("/tmp", "metaprior-bench-glmm"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    binary = snapshot(os.path.abspath(args.binary), args.workdir)

    data = os.path.join(args.workdir, f"logistic-{args.tasks}x{args.points}.csv")
    sim = [binary, "simulate", "logistic-tasks", "--tasks", str(args.tasks), "--points", str(args.points),
           "--seed", str(args.seed), "--mean", MEAN, "--covariance", COVARIANCE, "--output", data, "--quiet"]
    run(sim, label="metaprior simulate")
    say(f"data: {' '.join(sim)} ({os.path.getsize(data) / 1e6:.1f} MB)")
    prior_path = os.path.join(args.workdir, "prior-binomial.json")
    mp_cmd = [binary, "fit", "--model", "binomial", "--data", data, "--formula", args.formula, "--output", prior_path]
    r_cmd = ["Rscript", os.path.join(here, "glmer_fit.R"), data, args.formula]
    say(f"metaprior: {' '.join(mp_cmd)}")
    say(f"glmer:     {' '.join(r_cmd)}")
    with open(data, "rb") as f:  # page cache warm for both alike
        f.read()

    mp, r, mp_err, r_out = [], [], "", ""
    for i in range(max(args.runs, args.glmer_runs)):
        if i < args.runs:
            wall, cpu, _, mp_err = timed(mp_cmd, "metaprior fit")
            mp.append((wall, cpu))
            note(f"run {i + 1}: metaprior {wall:.2f} s wall, {cpu:.2f} s CPU")
        if i < args.glmer_runs:
            wall, cpu, r_out, _ = timed(r_cmd, "Rscript glmer")
            r.append((wall, cpu))
            note(f"run {i + 1}: glmer {wall:.1f} s wall, {cpu:.1f} s CPU")

    prior = json.load(open(prior_path))
    fit = parse_r(r_out)
    mp_ll, r_ll = prior["log_marginal_likelihood"], float(fit["loglik"])
    ok = mp_ll >= r_ll - 1e-6 * abs(r_ll)
    say("")
    say("metaprior fit report (stderr of the last run):")
    for line in mp_err.strip().splitlines():
        say("  " + line)
    say(f"glmer: fixef {fit['fixef']}, theta {fit['theta']}, Sigma {fit['Sigma']}, singular {fit['singular']}")
    for m in fit["messages"]:
        say(f"glmer message: {m}")
    say(f"log-likelihood metaprior {mp_ll:.17g}")
    say(f"log-likelihood glmer     {r_ll:.17g}")
    say(f"difference (metaprior - glmer) {mp_ll - r_ll:.6g}, relative {(mp_ll - r_ll) / abs(r_ll):.3g}")
    say(f"check metaprior >= glmer - 1e-6*|glmer|: {'PASS' if ok else 'FAIL'}")
    say(f"metaprior converged: {prior.get('converged')}")
    mp_wall, mp_cpu = median([w for w, _ in mp]), median([c for _, c in mp])
    r_wall, r_cpu = median([w for w, _ in r]), median([c for _, c in r])
    rows = [
        [f"metaprior fit --model binomial ({args.runs} runs)", f"{mp_wall:.2f}", spread([w for w, _ in mp]), f"{mp_cpu:.2f}", ""],
        [f"glmer nAGQ=1 ({args.glmer_runs} run{'s' if args.glmer_runs > 1 else ''})", f"{r_wall:.1f}", spread([w for w, _ in r]),
         f"{r_cpu:.1f}", f"wall {r_wall / mp_wall:.0f}x, CPU {r_cpu / mp_cpu:.0f}x (target 20x "
         f"{'met' if min(r_wall / mp_wall, r_cpu / mp_cpu) >= 20 else 'MISSED'})"],
    ]
    say("")
    table(rows, ["whole process", "median wall s", "range", "median CPU s", "ratio glmer/metaprior"])
    say(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0 if ok else 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as error:
        print(f"bench-glmm: {error}", file=sys.stderr)
        sys.exit(1)
