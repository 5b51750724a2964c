# SPDX-License-Identifier: GPL-3.0-or-later
"""Python side of scripts/bench-conjugate: full Bayes on a beta–binomial hierarchy of many
tasks, `metaprior fit --model beta_binomial --full-bayes` (hyper-posterior by quadrature, every
task's marginal in the shrinkage CSV, 4,000 exact independent joint draws written to CSV; the
whole process, one core) against NumPyro's NUTS on the same model and data (one core), in
seconds to 4,000 effective draws.

1. Simulates --tasks tasks (seed 1): n_i uniform on 5..50 trials, φ_i ~ Beta(2, 8),
   y_i ~ Bin(n_i, φ_i).
2. --runs times: `taskset -c 0 metaprior fit … --full-bayes --shrinkage --joint-draws
   --draw-count 4000` (under /usr/bin/time: CPU seconds, user + system, and peak RSS) and
   `taskset -c 0 python3 numpyro_conjugate.py` (NUTS, --chains chains of --warmup + --draws;
   its CPU seconds without JAX's compilation, which favours NumPyro; with --numpyro-once or
   --numpyro-json FILE, the result of one earlier run, compilation included). CPU seconds, not
   wall: on a machine shared with other jobs, wall time measures the other jobs.
3. Effective draws: metaprior's draws are independent (4,000 of them, ESS 4,000 by
   construction; ArviZ's bulk ESS of them is printed as a check); NumPyro's smallest bulk ESS
   over (m = α/(α+β), log(α+β), every φ_i). Seconds to 4,000 effective draws =
   4000 × seconds / ESS for NumPyro, the whole run for metaprior.
4. Checks the posterior means of m, log(α+β) and φ_1 … φ_10 agree within 4 Monte Carlo
   standard errors of their difference (metaprior's MCSE = sd/√4000); exit 2 if not.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

from common import RunFailed, median, note, run, say, snapshot, table

COMPARE = 10


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000, help="NUTS draws kept per chain")
    parser.add_argument("--numpyro-once", action="store_true",
                        help="run NUTS once and count JAX's compilation in its time (for a slow machine)")
    parser.add_argument("--numpyro-json", help="NumPyro's result from an earlier run of numpyro_conjugate.py on the same data (it is not run again)")
    parser.add_argument("--workdir", default=os.path.join("/tmp", "metaprior-bench-conjugate"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)
    binary = snapshot(os.path.abspath(args.binary), args.workdir)
    rng = np.random.default_rng(1)
    trials = rng.integers(5, 51, args.tasks)
    successes = rng.binomial(trials, rng.beta(2, 8, args.tasks))
    pd.DataFrame({"task": np.arange(1, args.tasks + 1), "successes": successes, "trials": trials}).to_csv(w("data.csv"), index=False)

    # /usr/bin/time: the whole process's CPU seconds and peak RSS (the fair measure on a shared machine).
    fit = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", w("time.txt"), "taskset", "-c", "0", binary, "fit", "--data", w("data.csv"), "--task", "task", "--target", "successes",
           "--features", "trials", "--model", "beta_binomial", "--full-bayes", "--shrinkage", w("shrinkage.csv"),
           "--joint-draws", w("draws.csv"), "--draw-count", "4000", "--output", w("prior.json")]
    numpyro = ["taskset", "-c", "0", sys.executable, os.path.join(here, "numpyro_conjugate.py"), w("data.csv"),
               str(args.chains), str(args.warmup), str(args.draws), "7", str(COMPARE),
               "1" if args.numpyro_once else "2"]
    ours, ours_cpu, ours_rss, theirs, theirs_compile = [], [], [], [], []
    result = json.load(open(args.numpyro_json)) if args.numpyro_json else None
    for i in range(args.runs):
        seconds, _, report = run(fit, label="metaprior fit")
        wall, user, system, rss = open(w("time.txt")).read().split()[-4:]
        ours.append(float(user) + float(system)); ours_cpu.append(ours[-1]); ours_rss.append(int(rss) / 1024)
        note(f"run {i + 1}: metaprior {seconds:.2f} s wall, {ours[-1]:.2f} s CPU, {ours_rss[-1]:.0f} MB peak RSS")
        if args.numpyro_json and i > 0:
            continue
        if not args.numpyro_json:
            _, out, _ = run(numpyro, label="numpyro")
            result = json.loads(out)
        # CPU seconds (all threads), as for metaprior: wall time on a loaded machine says little.
        theirs.append(result.get("cpu_seconds", result["seconds"]))
        theirs_compile.append(result.get("cpu_seconds_with_compile", result["seconds_with_compile"]))
        note(f"run {i + 1}: NumPyro {theirs[-1]:.2f} s CPU ({theirs_compile[-1]:.2f} s with compilation)")
    say("metaprior's report:\n" + "\n".join("  " + line for line in report.splitlines()[:8]))

    draws = pd.read_csv(w("draws.csv"), comment="#")
    columns = [draws["prior_mean"], draws["log_concentration"]] + [draws[f"phi.{k}"] for k in range(1, COMPARE + 1)]
    names = ["m", "log(alpha+beta)"] + [f"phi.{k}" for k in range(1, COMPARE + 1)]
    import arviz as az
    ess_ours = min(float(az.ess(np.asarray(c)[None, :], method="bulk")) for c in columns)
    disagreements, status = [], 0
    for name, c, theirs_mean, theirs_mcse in zip(names, columns, result["mean"], result["mcse"]):
        diff = float(c.mean()) - theirs_mean
        bound = 4 * (float(c.var()) / len(c) + theirs_mcse ** 2) ** 0.5
        say(f"  {name}: metaprior {float(c.mean()):.6f}, NumPyro {theirs_mean:.6f}, difference {diff:.2e} (4 MCSE {bound:.2e})")
        if abs(diff) > bound:
            disagreements.append(name)
    if disagreements:
        note("posterior means disagree: " + ", ".join(disagreements))
        status = 2
    t_ours, t_theirs = median(ours), median(theirs) * 4000 / result["bulk_ess_min"]
    rows = [[f"metaprior fit --full-bayes ({len(draws)} independent draws; peak RSS {median(ours_rss):.0f} MB)", f"{median(ours):.2f}", "4000", f"{ess_ours:.0f}", "-", f"{t_ours:.2f}", ""],
            [f"NumPyro NUTS ({args.chains} x {args.draws} after {args.warmup})", f"{median(theirs):.2f} ({median(theirs_compile):.2f})",
             f"{result['bulk_ess_min']:.0f}", f"{result['tail_ess_min']:.0f}", f"{result['rhat_max']:.4f}", f"{t_theirs:.2f}",
             f"metaprior {t_theirs / t_ours:.1f}x {'(met: >= 50x)' if t_theirs / t_ours >= 50 else '(MISSED: < 50x)'}"]]
    say("")
    table(rows, [f"{args.tasks} tasks, one core", "median CPU s", "min bulk ESS", "ArviZ ESS / tail ESS", "max R-hat", "s to 4000 ESS", "result"])
    say("CPU seconds (user + system). NumPyro: " + ("one run, JAX's compilation included" if args.numpyro_once or args.numpyro_json else "sampling alone (in brackets: with JAX's compilation)")
        + "; metaprior: the whole process, writing the draws; runs: " + ", ".join(f"{x:.2f}" for x in ours) + ".")
    say(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as error:
        print(f"bench-conjugate: {error}", file=sys.stderr)
        sys.exit(1)
