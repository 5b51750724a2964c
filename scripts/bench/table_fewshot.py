#!/usr/bin/env python3
"""Few-shot regression benchmark table for the README (run through scripts/benchmark-table).

For each task family: simulate meta-train and meta-test tasks (different seeds, so no test
task was trained on), fit a marginal prior and one episodic prior per K on a generic basis,
score them and the baselines on the same K-shot episodes with `metaprior evaluate`, and print
Markdown. With --update-readme the text between the benchmark-table markers of README.md is
replaced.
"""
import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

import harmonic_oracle

FAMILIES = [
    # (label, family, noise sd)
    ("sinusoid, noise-free", "sinusoid", 0.0),
    ("sinusoid, noise sd 0.1", "sinusoid", 0.1),
    ("harmonic, noise-free", "harmonic", 0.0),
    ("sinusoid-line, noise-free", "sinusoid-line", 0.0),
]
SHOTS = [5, 10, 20]
# The learned-basis row's basis per family (`--learned-basis per-family`): RBF bumps with a
# width chosen by evidence for the smooth families, Fourier features with a period chosen by
# evidence for the harmonic family, whose periods are shorter than any generic RBF spacing.
# `--basis auto` would choose among these itself, at several times the cost.
LEARNED_BASIS = {"sinusoid": "rbf:20:auto", "harmonic": "fourier:16:auto", "sinusoid-line": "rbf:20:auto"}
# Li et al. 2017 (Meta-SGD), Table 1, sinusoid regression MSE at 5 / 10 / 20 shots. Quoted,
# not rerun: their tasks are noise-free sinusoids with A ~ U[0.1, 5], p ~ U[0, π], x ~ U[−5, 5].
QUOTED = [("MAML (quoted)", [1.13, 0.85, 0.71]), ("Meta-SGD (quoted)", [0.90, 0.53, 0.31])]
BEGIN = "<!-- benchmark-table:begin -->"
END = "<!-- benchmark-table:end -->"


def run(binary, args, cwd):
    """Runs metaprior, returns wall seconds; stops the script on failure."""
    start = time.perf_counter()
    result = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"benchmark-table: metaprior {' '.join(args)} failed:\n{result.stderr}")
    return seconds


def fmt(value, se=None):
    if value is None:
        return "–"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.4g}"
    return text if se is None else f"{text} ± {se:.2g}"


def describe_basis(basis):
    """The learned basis as a reader wants it: the spec and its learned hyperparameter."""
    spec = basis.get("spec", "?")
    if basis.get("width") is not None and spec.startswith(("rbf", "rff")):
        return f"{spec}, width {basis['width']:.4g}"
    if basis.get("periods"):
        return f"{spec}, period " + ", ".join(f"{p:.4g}" for p in basis["periods"])
    return spec


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--basis", default="rbf:10")
    parser.add_argument("--learned-basis", default="per-family",
                        help="basis of the extra 'learned basis' row (a marginal prior): a spec for every family, "
                             "'per-family' (LEARNED_BASIS below), or 'none' to leave the row out")
    parser.add_argument("--train-tasks", type=int, default=1000)
    parser.add_argument("--test-tasks", type=int, default=300)
    parser.add_argument("--points", type=int, default=40)
    parser.add_argument("--query", type=int, default=10)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--max-iterations", type=int, default=200)
    parser.add_argument("--workdir")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = args.workdir or tempfile.mkdtemp(prefix="metaprior-benchmark-")
    os.makedirs(workdir, exist_ok=True)
    total_start = time.perf_counter()
    load_start = os.getloadavg()[0]

    sections = []
    for label, family, noise in FAMILIES:
        tag = f"{family}-{noise:g}"
        d = os.path.join(workdir, tag)
        os.makedirs(d, exist_ok=True)
        for name, seed, tasks in [("train.csv", 1, args.train_tasks), ("test.csv", 2, args.test_tasks)]:
            run(binary, ["simulate", family, "--tasks", str(tasks), "--points", str(args.points), "--seed", str(seed),
                         "--noise", f"{noise:g}", "--output", name, "--quiet"], d)
        fit_common = ["fit", "--data", "train.csv", "--basis", args.basis, "--max-iterations", str(args.max_iterations), "--quiet"]
        fits = {"marginal": {"seconds": run(binary, fit_common + ["--output", "marginal.json"], d)}}
        fits["marginal"]["converged"] = json.load(open(os.path.join(d, "marginal.json")))["converged"]
        learned = args.learned_basis != "none"
        if learned:
            learned_spec = LEARNED_BASIS[family] if args.learned_basis == "per-family" else args.learned_basis
            learned_fit = ["fit", "--data", "train.csv", "--basis", learned_spec, "--max-iterations",
                           str(args.max_iterations), "--quiet", "--output", "learned.json"]
            fits["learned"] = {"seconds": run(binary, learned_fit, d)}
            prior = json.load(open(os.path.join(d, "learned.json")))
            fits["learned"]["converged"] = prior["converged"]
            fits["learned"]["spec"] = describe_basis(prior.get("basis", {}))
            fits["learned"]["asked"] = learned_spec
        scores = {}
        for k in SHOTS:
            prior = f"episodic-{k}.json"
            seconds = run(binary, fit_common + ["--objective", "episodic", "--shots", str(k), "--query", str(args.query),
                                                "--episodes", str(args.episodes), "--seed", "1", "--output", prior], d)
            fits[k] = {"seconds": seconds, "converged": json.load(open(os.path.join(d, prior)))["converged"]}
            report = f"evaluate-{k}.json"
            priors = ["--prior", "marginal.json", "--prior", prior] + (["--prior", "learned.json"] if learned else [])
            seconds = run(binary, ["evaluate"] + priors + ["--data", "test.csv",
                                   "--shots", str(k), "--query", str(args.query), "--episodes", str(args.episodes),
                                   "--seed", "3", "--output", report, "--quiet"], d)
            methods = json.load(open(os.path.join(d, report)))["methods"]
            # Methods come in the order of the --prior options, then the baselines.
            keys = ["marginal", "episodic"] + (["learned"] if learned else [])
            scores[k] = {}
            for index, m in enumerate(methods):
                key = keys[index] if index < len(keys) else m["name"].split(" ")[0]
                scores[k][key] = m
            scores[k]["seconds"] = seconds
            if family == "harmonic" and noise == 0:
                # The same episodes (same sampler, spec and seed as `evaluate`), scored by the
                # best linear predictor under the family's true covariance: the floor of every row.
                episodes = f"episodes-{k}.csv"
                run(binary, ["episodes", "--data", "test.csv", "--shots", str(k), "--query", str(args.query),
                             "--episodes", str(args.episodes), "--seed", "3", "--output", episodes, "--quiet"], d)
                oracle = harmonic_oracle.score(os.path.join(d, episodes))
                scores[k]["oracle"] = {"mse": oracle["mse"][0], "mse_se": oracle["mse"][1],
                                       "nll": oracle["nll"][0], "nll_se": oracle["nll"][1]}
        sections.append((label, family, noise, fits, scores))

    total = time.perf_counter() - total_start
    load_end = os.getloadavg()[0]
    lines = []
    lines.append(f"Meta-train: {args.train_tasks} tasks × {args.points} points (`simulate --seed 1`); meta-test: "
                 f"{args.test_tasks} other tasks × {args.points} points (`--seed 2`); basis `{args.basis}` (no sine features), "
                 f"and a marginal prior on a basis whose width or period is learned by evidence "
                 f"(`rbf:20:auto`, or `fourier:16:auto` for the harmonic family); "
                 f"{args.episodes} episodes of K support + Q = {args.query} query points per K, for training (`fit --seed 1`) "
                 f"and for scoring (`evaluate --seed 3`); fits stop after `--max-iterations {args.max_iterations}`. "
                 f"Cells: mean per query point ± standard error over episodes (clustered by task); NLL is the negative log "
                 f"predictive density (nats per point). The episodic prior of column K was trained at that K.")
    lines.append("")
    for label, family, noise, fits, scores in sections:
        lines.append(f"**{label}**")
        lines.append("")
        header = "| method | " + " | ".join(f"MSE K={k} | NLL K={k}" for k in SHOTS) + " | fit: converged, wall time |"
        lines.append(header)
        lines.append("|" + "---|" * (2 + 2 * len(SHOTS)))
        rows = [("marginal prior", "marginal"), ("episodic prior", "episodic")]
        if "learned" in fits:
            rows.append((f"marginal prior, learned basis (`--basis {fits['learned']['asked']}` → {fits['learned']['spec']})", "learned"))
        rows += [("independent (N(0, 10⁴·I))", "independent"), ("pooled (one φ for all)", "pooled")]
        if "oracle" in scores[SHOTS[0]]:
            rows.append(("*oracle: best linear predictor, true covariance*", "oracle"))
        for title, key in rows:
            cells = []
            for k in SHOTS:
                m = scores[k][key]
                cells += [fmt(m["mse"], m["mse_se"]), fmt(m["nll"], m["nll_se"])]
            if key in ("marginal", "learned"):
                note = f"{'yes' if fits[key]['converged'] else 'no'}, {fits[key]['seconds']:.1f} s"
            elif key == "oracle":
                note = "knows the family; no model linear in y does better (scripts/bench/harmonic_oracle.py)"
            elif key == "episodic":
                note = "; ".join(f"K={k}: {'yes' if fits[k]['converged'] else 'no'}, {fits[k]['seconds']:.1f} s" for k in SHOTS)
            else:
                note = "no meta-training"
            lines.append(f"| {title} | " + " | ".join(cells) + f" | {note} |")
        cells = []
        for k in SHOTS:
            v = scores[k]["episodic"].get("versus_first") or {}
            cells += [fmt(v.get("mse_difference"), v.get("mse_difference_se")), fmt(v.get("nll_difference"), v.get("nll_difference_se"))]
        lines.append("| *episodic − marginal, paired* | " + " | ".join(cells) + " | same episodes; negative favours episodic |")
        if family == "sinusoid" and noise == 0:
            for title, values in QUOTED:
                cells = []
                for v in values:
                    cells += [fmt(v), "–"]
                lines.append(f"| {title} | " + " | ".join(cells) + " | Li et al. 2017, Table 1; quoted, not rerun |")
        evaluate_seconds = sum(scores[k]["seconds"] for k in SHOTS)
        lines.append("")
        lines.append(f"Evaluation wall time (all three K): {evaluate_seconds:.1f} s.")
        lines.append("")
    cores = os.cpu_count()
    lines.append(f"Regenerate with `scripts/benchmark-table --update-readme` (defaults: `--basis {args.basis} "
                 f"--train-tasks {args.train_tasks} --test-tasks {args.test_tasks} --episodes {args.episodes} "
                 f"--max-iterations {args.max_iterations}`). This run: {total:.0f} s wall time in all on {cores} cores "
                 f"({platform.machine()}, {platform.system()}; 1-minute load average {load_start:.1f} at the start, "
                 f"{load_end:.1f} at the end — other jobs share the machine, so wall times are indicative).")
    table = "\n".join(lines)
    print(table)
    if args.update_readme:
        path = "README.md"
        text = open(path, encoding="utf-8").read()
        if BEGIN not in text or END not in text:
            sys.exit("benchmark-table: README.md has no benchmark-table markers; add the section first")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(head + BEGIN + "\n" + table + "\n" + END + tail)
        os.replace(path + ".tmp", path)
        print("benchmark-table: README.md updated", file=sys.stderr)


if __name__ == "__main__":
    main()
