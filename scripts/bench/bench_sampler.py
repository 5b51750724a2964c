# SPDX-License-Identifier: GPL-3.0-or-later
"""Python side of scripts/bench-sampler: MCMC for one new task of a d = 10 logistic prior,
`metaprior adapt` (elliptical slice sampling with the Laplace reference) against NumPyro's NUTS
on the same posterior, in bulk-effective draws per second on one core.

1. Simulates meta-train tasks (`simulate logistic-tasks`, 9 inputs + intercept, the mean below,
   Σ = 0.5·I) and fits the prior `fit --model binomial --formula 'y ~ x1 + … + x9 + (x1 + … + x9
   | task)'`; then a new task of each size in --points (other seeds), from the same family.
2. Per size, interleaved --runs times: `taskset -c 0 metaprior adapt` (4 chains, 1000 warm-up
   and 1000 kept draws each; whole process, one core) and `taskset -c 0 python3
   numpyro_sampler.py` (NUTS, the same chains and draws, JAX on one thread; its sampling time
   without JAX's compilation, which favours NumPyro, and with it).
3. The bulk and tail ESS of both come from ArviZ (metaprior's chain files read with
   `arviz.from_cmdstan`), smallest over φ; effective draws per second = min bulk ESS / seconds.
   Checks that both posterior means agree within 4 Monte Carlo standard errors of their
   difference (exit 2 if not).
"""
import argparse
import json
import os
import subprocess
import sys

from common import RunFailed, median, note, run, say, snapshot, table

D = 10
MEAN = "-0.5,1,-0.8,0.6,0,0.4,-0.3,0.2,0.7,-0.6"
INPUTS = [f"x{i}" for i in range(1, D)]
FORMULA = "y ~ " + " + ".join(INPUTS) + " + (" + " + ".join(INPUTS) + " | task)"
ARVIZ = """
import arviz as az, json, sys, numpy as np
files = sys.argv[1:]
data = az.from_cmdstan(files)
phi = data.posterior["phi"]
bulk = az.ess(data, var_names=["phi"], method="bulk")["phi"].values
tail = az.ess(data, var_names=["phi"], method="tail")["phi"].values
mcse = az.mcse(data, var_names=["phi"])["phi"].values
print(json.dumps({"chains": int(phi.sizes["chain"]), "bulk_ess_min": float(bulk.min()), "tail_ess_min": float(tail.min()),
                  "rhat_max": float(az.rhat(data, var_names=["phi"])["phi"].values.max()),
                  "mean": phi.mean(dim=("chain", "draw")).values.tolist(), "mcse": mcse.tolist()}))
"""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--points", default="30,200", help="sizes of the new task")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=os.path.join("/tmp", "metaprior-bench-sampler"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)
    binary = snapshot(os.path.abspath(args.binary), args.workdir)
    covariance = ";".join(",".join("0.5" if i == j else "0" for j in range(D)) for i in range(D))
    simulate = [binary, "simulate", "logistic-tasks", "--mean", MEAN, "--covariance", covariance, "--quiet"]
    run(simulate + ["--tasks", "400", "--points", "40", "--seed", "1", "--output", w("train.csv")], label="simulate")
    fit = [binary, "fit", "--model", "binomial", "--data", w("train.csv"), "--formula", FORMULA, "--output", w("prior.json"), "--quiet"]
    seconds, _, _ = run(fit, label="metaprior fit")
    prior = json.load(open(w("prior.json")))
    say(f"prior: {' '.join(fit)} ({seconds:.1f} s, converged {prior['converged']})")
    with open(w("numpyro-prior.json"), "w") as f:
        json.dump({"inputs": INPUTS, "mean": prior["mean"], "covariance": prior["covariance"]}, f)

    rows, status = [], 0
    for n in [int(p) for p in args.points.split(",")]:
        task = w(f"task-{n}.csv")
        run(simulate + ["--tasks", "1", "--points", str(n), "--seed", str(1000 + n), "--output", task], label="simulate")
        adapt = ["taskset", "-c", "0", binary, "adapt", "--prior", w("prior.json"), "--data", task, "--seed", "7",
                 "--chains", "4", "--warmup", "1000", "--draws", "1000", "--output", w(f"draws-{n}.csv"), "--quiet"]
        numpyro = ["taskset", "-c", "0", sys.executable, os.path.join(here, "numpyro_sampler.py"), task,
                   w("numpyro-prior.json"), "4", "1000", "1000", "7"]
        ours, theirs, theirs_compile = [], [], []
        for i in range(args.runs):
            seconds, _, _ = run(adapt, label="metaprior adapt")
            ours.append(seconds)
            _, out, _ = run(numpyro, label="numpyro")
            result = json.loads(out)
            theirs.append(result["seconds"])
            theirs_compile.append(result["seconds_with_compile"])
            note(f"n = {n}, run {i + 1}: metaprior {ours[-1]:.2f} s, NumPyro {theirs[-1]:.2f} s ({theirs_compile[-1]:.2f} s with compilation)")
        files = [w(f"draws-{n}_{c}.csv") for c in range(1, 5)]
        _, out, _ = run([sys.executable, "-c", ARVIZ] + files, label="arviz")
        mine = json.loads(out)
        if mine["chains"] != 4:
            note(f"arviz read {mine['chains']} chains, not 4")
            status = 2
        # Means agree: |difference| ≤ 4 · sqrt(MCSE_metaprior² + MCSE_NumPyro²), each MCSE of the
        # mean from ArviZ (independent chains, so the variances add).
        disagreements = []
        for k in range(D):
            diff = mine["mean"][k] - result["mean"][k]
            bound = 4 * (mine["mcse"][k] ** 2 + result["mcse"][k] ** 2) ** 0.5
            if abs(diff) > bound:
                disagreements.append(f"phi.{k + 1}: {diff:.4g} > {bound:.3g}")
        if disagreements:
            note("posterior means disagree: " + "; ".join(disagreements))
            status = 2
        ours_rate = mine["bulk_ess_min"] / median(ours)
        theirs_rate = result["bulk_ess_min"] / median(theirs)
        rows.append([f"n = {n}: metaprior adapt (ESS)", f"{median(ours):.2f}", f"{mine['bulk_ess_min']:.0f}",
                     f"{mine['tail_ess_min']:.0f}", f"{mine['rhat_max']:.4f}", f"{ours_rate:.0f}",
                     f"{'met' if ours_rate >= 1000 else 'MISSED'} (≥ 1000/s)"])
        rows.append([f"n = {n}: NumPyro NUTS", f"{median(theirs):.2f} ({median(theirs_compile):.2f})",
                     f"{result['bulk_ess_min']:.0f}", f"{result['tail_ess_min']:.0f}", f"{result['rhat_max']:.4f}",
                     f"{theirs_rate:.0f}", f"metaprior {ours_rate / theirs_rate:.1f}x"])
    say("")
    table(rows, ["one core, 4 chains x 1000 draws", "median s", "min bulk ESS", "min tail ESS", "max R-hat",
                 "bulk ESS/s", "result"])
    say("NumPyro seconds: sampling alone (in brackets: with JAX's compilation); metaprior: the whole process.")
    say(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as error:
        print(f"bench-sampler: {error}", file=sys.stderr)
        sys.exit(1)
