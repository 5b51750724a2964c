# SPDX-License-Identifier: GPL-3.0-or-later
"""Python side of scripts/bench-fit.

1. Simulates a linear-Gaussian meta-dataset (default 20,000 tasks x 12 points, φ ∈ R^3:
   intercept, x1, x2) with `metaprior simulate linear-gaussian`.
2. Times, whole process and side by side (runs interleaved), `metaprior fit` (read CSV + fit)
   against `Rscript scripts/bench/lmer_fit.R` (read.csv + lmer(y ~ x1 + x2 + (x1 + x2 | task),
   REML = FALSE)); prints both medians, the ratio and both log-likelihoods, and checks that
   metaprior's maximum is at least lme4's (relative tolerance 1e-6).
3. Times `metaprior simulate` at 100,000 tasks, and the per-iteration time of
   `metaprior fit --basis rbf:20` on them (d = 21): fits capped at two iteration counts,
   interleaved; per iteration = (median time of the longer − median of the shorter) /
   (difference of the iterations the prior files report), which cancels reading the CSV, the
   statistics, EM and writing the file. With --baseline BINARY (e.g. a build of an older
   commit) the same is timed for that binary, interleaved, and the ratio printed.
   --large-full also runs the fit to convergence (or --large-max-iterations) and reports it.
Exit status: 0 all runs succeeded and the check passed; 1 a run failed; 2 the check failed.
"""
import argparse
import json
import os
import resource
import sys

from common import RunFailed, parse_r, median, note, run, say, snapshot, spread, table

MEAN = "1,2,-1"
COVARIANCE = "1,0.3,0.1;0.3,0.5,0.05;0.1,0.05,0.4"


def simulate(binary, tasks, points, seed, path):
    command = [binary, "simulate", "linear-gaussian", "--tasks", str(tasks), "--points", str(points),
               "--seed", str(seed), "--mean", MEAN, "--covariance", COVARIANCE, "--output", path, "--quiet"]
    wall, _, _ = run(command, label="metaprior simulate")
    return wall, command


def fit_command(binary, data, output, basis="linear"):
    return [binary, "fit", "--data", data, "--task", "task", "--target", "y", "--basis", basis, "--output", output]


def read_prior(path):
    with open(path) as f:
        prior = json.load(f)
    return prior


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-tasks", type=int, default=100_000)
    parser.add_argument("--large-basis", default="rbf:20")
    parser.add_argument("--large-max-iterations", type=int, default=100,
                        help="cap on the quasi-Newton iterations of the --large-full fit (the rbf:20 fit of "
                             "linear-gaussian data heads for a singular Σ and crawls; uncapped it runs for hours)")
    parser.add_argument("--large-runs", type=int, default=3,
                        help="runs of each capped large fit for the per-iteration time")
    parser.add_argument("--large-iterations", default="2,12",
                        help="the two iteration caps whose time difference gives the per-iteration time")
    parser.add_argument("--large-full", action="store_true", help="also run the large fit to its cap, once")
    parser.add_argument("--baseline", help="another metaprior binary to time per iteration, side by side")
    parser.add_argument("--large-simulate-runs", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--formula", default="y ~ x1 + x2 + (x1 | task)",
                        help="the formula of the shared-parameter comparison (ML and REML), metaprior fit --formula vs lmer")
    parser.add_argument("--skip-formula", action="store_true")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--workdir", default=os.path.join("/tmp", "metaprior-bench-fit"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    binary = snapshot(os.path.abspath(args.binary), args.workdir)
    rows = []
    status = 0

    data = os.path.join(args.workdir, f"lg-{args.tasks}x{args.points}.csv")
    sim_wall, sim_cmd = simulate(binary, args.tasks, args.points, args.seed, data)
    say(f"data: {data} ({args.tasks} tasks x {args.points} points, mean {MEAN}, covariance {COVARIANCE}; "
        f"{os.path.getsize(data) / 1e6:.1f} MB)")
    say(f"simulate: {' '.join(sim_cmd)}  ({sim_wall:.3f} s)")
    prior_path = os.path.join(args.workdir, "prior-linear.json")
    mp_cmd = fit_command(binary, data, prior_path)
    r_cmd = ["Rscript", os.path.join(here, "lmer_fit.R"), data]
    say(f"metaprior: {' '.join(mp_cmd)}")
    say(f"lme4:      {' '.join(r_cmd)}")
    with open(data, "rb") as f:  # page cache warm for both alike
        f.read()

    mp_times, r_times, mp_stderr, r_out = [], [], "", ""
    for i in range(args.runs):
        t, _, mp_stderr = run(mp_cmd, label="metaprior fit")
        mp_times.append(t)
        t, r_out, _ = run(r_cmd, label="Rscript lmer")
        r_times.append(t)
        note(f"run {i + 1}/{args.runs}: metaprior {mp_times[-1]:.3f} s, lme4 {r_times[-1]:.3f} s")

    prior = read_prior(prior_path)
    r = parse_r(r_out)
    mp_ll = prior["log_marginal_likelihood"]
    r_ll = float(r["loglik"])
    ok = mp_ll >= r_ll - 1e-6 * abs(r_ll)
    mp_med, r_med = median(mp_times), median(r_times)
    ratio = r_med / mp_med
    say("")
    say("metaprior fit report (stderr of the last run):")
    for line in mp_stderr.strip().splitlines():
        say("  " + line)
    say(f"lme4: sigma^2 {r['sigma2']}, fixef {r['fixef']}, Sigma {r['Sigma']}, singular {r['singular']}")
    for m in r["messages"]:
        say(f"lme4 message: {m}")
    say(f"log-likelihood metaprior {mp_ll:.17g}")
    say(f"log-likelihood lme4      {r_ll:.17g}")
    say(f"difference (metaprior - lme4) {mp_ll - r_ll:.6g}, relative {(mp_ll - r_ll) / abs(r_ll):.3g}")
    say(f"check metaprior >= lme4 - 1e-6*|lme4|: {'PASS' if ok else 'FAIL'}")
    say(f"metaprior converged: {prior.get('converged')}")
    if not ok:
        status = 2
    rows.append([f"fit linear, {args.tasks} tasks: metaprior", f"{mp_med:.3f}", spread(mp_times), ""])
    rows.append([f"fit linear, {args.tasks} tasks: Rscript lme4", f"{r_med:.3f}", spread(r_times),
                 f"{ratio:.1f}x ({'target 50x met' if ratio >= 50 else 'target 50x MISSED'})"])

    if not args.skip_formula:
        for reml in (False, True):
            label = "REML" if reml else "ML"
            out = os.path.join(args.workdir, f"prior-formula-{label}.json")
            f_cmd = [binary, "fit", "--data", data, "--formula", args.formula, "--output", out, "--quiet"] + (["--reml"] if reml else [])
            fr_cmd = ["Rscript", os.path.join(here, "lmer_fit.R"), data, args.formula] + (["REML"] if reml else [])
            say("")
            say(f"metaprior ({label}): {' '.join(f_cmd)}")
            say(f"lme4 ({label}):      {' '.join(fr_cmd)}")
            f_times, fr_times, fr_out = [], [], ""
            for i in range(args.runs):
                t, _, _ = run(f_cmd, label=f"metaprior fit --formula ({label})")
                f_times.append(t)
                t, fr_out, _ = run(fr_cmd, label=f"Rscript lmer ({label})")
                fr_times.append(t)
                note(f"formula {label} run {i + 1}/{args.runs}: metaprior {f_times[-1]:.3f} s, lme4 {fr_times[-1]:.3f} s")
            f_prior, f_r = read_prior(out), parse_r(fr_out)
            f_ll, fr_ll = f_prior["log_marginal_likelihood"], float(f_r["loglik"])
            f_ok = f_ll >= fr_ll - 1e-7 * abs(fr_ll)
            say(f"{label} log-likelihood metaprior {f_ll:.17g}, lme4 {fr_ll:.17g}, difference {f_ll - fr_ll:.6g}; "
                f"check metaprior >= lme4 - 1e-7*|lme4|: {'PASS' if f_ok else 'FAIL'}; converged {f_prior.get('converged')}")
            say(f"lme4 ({label}): sigma^2 {f_r['sigma2']}, fixef {f_r['fixef']}, Sigma {f_r['Sigma']}")
            say(f"metaprior ({label}): sigma^2 {f_prior['noise_variance']}, fixef {f_prior['shared_estimates']}, Sigma {f_prior['covariance']}")
            if not f_ok:
                status = 2
            f_ratio = median(fr_times) / median(f_times)
            rows.append([f"fit --formula {label}, {args.tasks} tasks: metaprior", f"{median(f_times):.3f}", spread(f_times), ""])
            rows.append([f"fit --formula {label}, {args.tasks} tasks: Rscript lme4", f"{median(fr_times):.3f}", spread(fr_times),
                         f"{f_ratio:.1f}x ({'target 20x met' if f_ratio >= 20 else 'target 20x MISSED'})"])

    if not args.skip_large:
        big = os.path.join(args.workdir, f"lg-{args.large_tasks}x{args.points}.csv")
        sim_times = []
        for _ in range(args.large_simulate_runs):
            t, big_sim_cmd = simulate(binary, args.large_tasks, args.points, args.seed + 1, big)
            sim_times.append(t)
        say("")
        say(f"large simulate: {' '.join(big_sim_cmd)}")
        rows.append([f"simulate {args.large_tasks} x {args.points}", f"{median(sim_times):.3f}", spread(sim_times),
                     f"{len(sim_times)} runs"])
        binaries = [("metaprior", binary)]
        if args.baseline:
            binaries.append(("baseline", snapshot(os.path.abspath(args.baseline), args.workdir, name="metaprior-baseline")))
        low, high = (int(v) for v in args.large_iterations.split(","))
        times = {(label, cap): [] for label, _ in binaries for cap in (low, high)}
        cpu = {(label, cap): [] for label, _ in binaries for cap in (low, high)}
        iterations = {}
        say("")
        for i in range(args.large_runs):
            for cap in (low, high):
                for label, path in binaries:
                    out = os.path.join(args.workdir, f"prior-large-{label}-{cap}.json")
                    command = fit_command(path, big, out, args.large_basis) + ["--max-iterations", str(cap), "--quiet"]
                    if i == 0 and cap == low:
                        say(f"large fit ({label}): {' '.join(command)}")
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t, _, _ = run(command, label=f"{label} fit (large, cap {cap})")
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    times[(label, cap)].append(t)
                    cpu[(label, cap)].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                    iterations[(label, cap)] = read_prior(out).get("iterations")
                    note(f"large run {i + 1}/{args.large_runs}, cap {cap}, {label}: {t:.3f} s "
                         f"({cpu[(label, cap)][-1]:.3f} s CPU), "
                         f"{iterations[(label, cap)]} iterations")
        # CPU seconds (user + system, all threads) as well as wall: on a shared machine the
        # wall time of a minute-long run moves with other jobs' load; CPU time much less.
        per_iteration, per_iteration_cpu = {}, {}
        for label, _ in binaries:
            made = iterations[(label, high)] - iterations[(label, low)]
            if made <= 0:
                say(f"{label}: the capped fits made the same number of iterations ({iterations[(label, high)]}); "
                    f"no per-iteration time")
                continue
            per_iteration[label] = (median(times[(label, high)]) - median(times[(label, low)])) / made
            per_iteration_cpu[label] = (median(cpu[(label, high)]) - median(cpu[(label, low)])) / made
            rows.append([f"fit --basis {args.large_basis}, {args.large_tasks} tasks, {label}: per iteration",
                         f"{per_iteration[label]:.3f} ({per_iteration_cpu[label]:.3f} CPU)",
                         f"{spread(times[(label, low)])} / {spread(times[(label, high)])}",
                         f"{args.large_runs} runs at caps {low} and {high} ({iterations[(label, low)]} and "
                         f"{iterations[(label, high)]} iterations, whole process)"])
        if "metaprior" in per_iteration and "baseline" in per_iteration:
            speedup = per_iteration["baseline"] / per_iteration["metaprior"]
            speedup_cpu = per_iteration_cpu["baseline"] / per_iteration_cpu["metaprior"]
            rows.append([f"per-iteration speed-up over the baseline", "", "",
                         f"{speedup:.1f}x wall, {speedup_cpu:.1f}x CPU "
                         f"({'target 5x met' if speedup >= 5 else 'target 5x MISSED'})"])
            for label, _ in binaries:
                rows.append([f"  whole fit at cap {low}, {label}", f"{median(times[(label, low)]):.3f}",
                             f"{median(cpu[(label, low)]):.3f} CPU", f"{iterations[(label, low)]} iterations (EM included)"])
        if args.large_full:
            big_prior = os.path.join(args.workdir, "prior-large.json")
            big_cmd = fit_command(binary, big, big_prior, args.large_basis) + ["--max-iterations", str(args.large_max_iterations)]
            say(f"large fit, full: {' '.join(big_cmd)}")
            t, _, big_err = run(big_cmd, label="metaprior fit (large)")
            say("metaprior fit report (large):")
            for line in big_err.strip().splitlines()[:3]:
                say("  " + line)
            big_json = read_prior(big_prior)
            rows.append([f"fit --basis {args.large_basis}, {args.large_tasks} tasks, full", f"{t:.3f}", "",
                         f"1 run; {big_json.get('iterations')} iterations (cap {args.large_max_iterations}); "
                         f"converged {big_json.get('converged')}"])

    say("")
    say(f"summary (whole-process wall time, median of the runs; lme4 comparison {args.runs} runs each, interleaved; "
        f"machine: {os.cpu_count()} cores)")
    table(rows, ["benchmark", "median s", "min..max", "note / ratio lme4/metaprior"])
    say(f"log-likelihood: metaprior {mp_ll:.10f}, lme4 {r_ll:.10f}, check {'PASS' if ok else 'FAIL'}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as failure:
        print(f"bench-fit: a run failed: {failure}", file=sys.stderr)
        sys.exit(1)
