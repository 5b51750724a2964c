# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes notebooks-export/01-few-shot-regression.ipynb (unexecuted); execute it with
notebooks-export/execute.py --write-back. Run from the repository's root."""
from nbcells import check, code, md, write

md("""# 01 — Few-shot regression on sinusoid tasks

The sinusoid family of MAML ([Finn, Abbeel & Levine 2017](https://arxiv.org/abs/1703.03400),
§5.1): each task is y = A·sin(x − p) + N(0, 0.1²) with amplitude A ~ U[0.1, 5], phase
p ~ U[0, π] and inputs x ~ U[−5, 5]. A new task is to be learned from K = 5 points.

The probabilistic view of meta-learning ([Stanford CS330](https://cs330.stanford.edu/),
the lecture on Bayesian meta-learning): the meta-parameters θ are a *prior over task
parameters*. `metaprior fit` learns θ = (μ, Σ, σ²) of φ ~ N(μ, Σ) for a generic basis
f(x) (an intercept and 10 radial basis functions — nothing in it knows about sines) from 1,000 meta-train
tasks; `metaprior adapt` and `metaprior predict` then do exact Bayesian inference of a new
task's φ from its support set. Python only reads the files the commands write. Every number
the text quotes is printed by a cell above it; the collapsed cells tagged `check` assert them.""")

code("""import json
import subprocess
import time
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

plt.rcParams.update({"figure.dpi": 150, "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 9})
pd.options.display.float_format = "{:.4g}".format
Path("work").mkdir(exist_ok=True)


def metaprior(*args, timed=False):
    # Runs one metaprior command; a non-zero exit raises with its error message.
    started = time.perf_counter()
    run = subprocess.run(["metaprior", *map(str, args)], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"metaprior {' '.join(map(str, args))} failed:\\n{run.stderr}")
    if timed:
        print(f"metaprior {args[0]}: wall time {time.perf_counter() - started:.2f} s")
    return run.stdout


print(metaprior("--version"))""")

md("""## Meta-training data: 1,000 sinusoid tasks, 10 points each

`--parameters-output` also writes each task's true amplitude and phase (used here only to draw
the true curves).""")

code("""%%bash
set -euo pipefail
metaprior simulate sinusoid --tasks 1000 --points 10 --noise 0.1 --seed 1 \\
    --output work/train.csv --parameters-output work/train-parameters.csv --quiet
metaprior inspect --data work/train.csv
head -n 4 work/train.csv""")

code("""train = pd.read_csv("work/train.csv")
truth = pd.read_csv("work/train-parameters.csv").set_index("task")
grid = np.linspace(-5, 5, 201)
fig, ax = plt.subplots(figsize=(7, 3.4))
for task, colour in zip(range(6), plt.cm.tab10.colors):
    rows, (A, p) = train[train["task"] == task], truth.loc[task, ["amplitude", "phase"]]
    ax.plot(grid, A * np.sin(grid - p), color=colour, lw=1, alpha=0.7)
    ax.plot(rows["x"], rows["y"], "o", color=colour, ms=4)
ax.set(xlabel="x", ylabel="y", title="Six of the 1,000 meta-train tasks (points) and their true curves")
plt.show()""", fig=True)

md("""## Meta-training: fit the prior

`--basis rbf:10` is an intercept and ten Gaussian bumps spread over the inputs' range, so
φ has d = 11 entries. The sinusoid family has only two degrees of freedom, so the learned Σ is
singular (the report gives its rank) and the marginal likelihood is flat along its vanishing
directions; the fit is given the same cap as `metaprior demo`, 300 iterations, and the next
cell prints from the prior file whether it converged within it. (`time` prints the wall time
of the fit; the machine that ran this notebook was shared, so read it as an upper bound.)""")

code("""%%bash
TIMEFORMAT='fit: wall time %R s'
time metaprior fit --data work/train.csv --basis rbf:10 --max-iterations 300 \\
    --output work/sinusoid-prior.json""")

check("""fitted = json.loads(Path("work/sinusoid-prior.json").read_text())
print(f"converged {fitted['converged']} after {fitted['iterations']} iterations (cap 300); "
      f"log marginal likelihood {fitted['log_marginal_likelihood']:.6f}; singular Σ {fitted['singular']}")
assert fitted["converged"] and fitted["iterations"] <= 300 and fitted["singular"]""")

md("""### What the prior has learned

A task with no data has the prior as its posterior: `metaprior adapt` on an empty support set
gives draws φ ~ N(μ, Σ). Rebuilding the basis from the prior file (centres, width and
centring are stored in it) turns each draw into a function f(x)ᵀφ. A generic basis under a learned prior
draws sine-like curves of period 2π.""")

code("""prior = json.loads(Path("work/sinusoid-prior.json").read_text())
basis = prior["basis"]
centres, width = np.array(basis["centres"])[:, 0], basis["width"]
# rbf features are centred on their meta-train means (stored in the file), so that the
# intercept is the mean level and the weights are readable; older files have no centring.
centring = np.array(basis.get("centring") or np.zeros(len(centres)))


def features(x):
    # f(x) of the rbf basis: intercept, then exp(-(x - c)^2 / (2 width^2)) - centring per centre
    x = np.asarray(x, dtype=float)[:, None]
    return np.hstack([np.ones_like(x), np.exp(-0.5 * ((x - centres) / width) ** 2) - centring])


print(f"basis {basis['spec']}: d = {len(prior['features'])}, width {width:.4g}; "
      f"noise sd {np.sqrt(prior['noise_variance']):.4g} (true 0.1)")
pd.DataFrame({"x": grid}).to_csv("work/grid.csv", index=False)
pd.DataFrame({"x": [], "y": []}).to_csv("work/no-data.csv", index=False)
metaprior("adapt", "--prior", "work/sinusoid-prior.json", "--data", "work/no-data.csv",
          "--draws", 12, "--seed", 3, "--output", "work/prior-samples.csv", "--quiet")
prior_draws = pd.read_csv("work/prior-samples.csv", comment="#").filter(like="phi.")""")

code("""fig, ax = plt.subplots(figsize=(7, 3.4))
ax.plot(grid, features(grid) @ prior_draws.to_numpy().T, lw=1, alpha=0.8)
ax.set(xlabel="x", ylabel="f(x)ᵀφ", title="Twelve functions drawn from the learned prior φ ~ N(μ, Σ)")
plt.show()""", fig=True)

md("""## Adapting to a new task from K = 5 points

A new task from another seed. `metaprior predict` gives the posterior predictive mean, sd and
central 90% interval on a grid — an interval for a new *observation* y, noise included;
`metaprior adapt` gives posterior draws of φ, turned into curves as above.""")

code("""%%bash
set -euo pipefail
TIMEFORMAT='%R s'
metaprior simulate sinusoid --tasks 1 --points 5 --noise 0.1 --seed 2020 \\
    --output work/new-task.csv --parameters-output work/new-parameters.csv --quiet
cat work/new-task.csv work/new-parameters.csv
echo -n "predict, wall time: "
{ time metaprior predict --prior work/sinusoid-prior.json --support work/new-task.csv \\
    --query work/grid.csv --level 0.9 --output work/predictions.csv --quiet ; } 2>&1
echo -n "adapt (2,000 draws), wall time: "
{ time metaprior adapt --prior work/sinusoid-prior.json --data work/new-task.csv \\
    --draws 2000 --seed 11 --output work/new-samples.csv --summary work/new-summary.csv --quiet ; } 2>&1
head -n 3 work/predictions.csv""")

code("""support = pd.read_csv("work/new-task.csv")
A, p = pd.read_csv("work/new-parameters.csv").loc[0, ["amplitude", "phase"]]
predictions = pd.read_csv("work/predictions.csv")
samples = pd.read_csv("work/new-samples.csv", comment="#")
phi = samples.filter(like="phi.").to_numpy()
curves = features(predictions["x"]) @ phi.T          # one column per posterior draw

# The basis rebuilt in Python reproduces metaprior's predictive mean: f(x)ᵀm with m the posterior mean
m = pd.read_csv("work/new-summary.csv", comment="#")["posterior_mean"].to_numpy()
assert np.allclose(features(predictions["x"]) @ m, predictions["mean"], atol=1e-8)
true_curve = A * np.sin(predictions["x"] - p)
rmse_5 = np.sqrt(np.mean((predictions["mean"] - true_curve) ** 2))
print(f"true amplitude {A:.3f}, phase {p:.3f}; K = 5: RMSE of the predictive mean against the true curve {rmse_5:.3f}")""")

md("""The band is for a new y, so the noise-free true curve lying inside it on one task says
nothing about calibration; whether the 90% intervals cover 90% of new observations is
measured over many held-out tasks in the last section.

### One support point at a time

With K = 1 the answer depends on which point one gets. Each of the five support points alone,
in turn: the RMSE of the predictive mean against the true curve, and the predictive sd at the
point x₀, at x₀ ± π and x₀ ± 2π (where they lie in [−5, 5]), and its largest value on the grid.""")

code("""one_point = []
for i, point in support.reset_index(drop=True).iterrows():
    support.iloc[[i]].to_csv(f"work/point-{i}.csv", index=False)
    metaprior("predict", "--prior", "work/sinusoid-prior.json", "--support", f"work/point-{i}.csv",
              "--query", "work/grid.csv", "--level", 0.9, "--output", f"work/predictions-point-{i}.csv", "--quiet")
    metaprior("adapt", "--prior", "work/sinusoid-prior.json", "--data", f"work/point-{i}.csv",
              "--draws", 200, "--seed", 11, "--output", f"work/samples-point-{i}.csv", "--quiet")
    pred = pd.read_csv(f"work/predictions-point-{i}.csv")
    at = lambda x: pred.iloc[int(np.argmin(np.abs(pred["x"] - x)))]
    shifted = [point["x"] + s * np.pi for s in (-2, -1, 1, 2) if -5 <= point["x"] + s * np.pi <= 5]
    one_point.append({"x0": point["x"], "y0": point["y"],
                      "RMSE vs true curve": np.sqrt(np.mean((pred["mean"] - true_curve) ** 2)),
                      "sd at x0": at(point["x"])["sd"],
                      "largest sd at x0 ± π, ± 2π": max(at(x)["sd"] for x in shifted),
                      "mean at x0 ± π (should be −y0)": at(point["x"] + (np.pi if point["x"] < 0 else -np.pi))["mean"],
                      "largest sd on the grid": pred["sd"].max()})
one_point = pd.DataFrame(one_point)
one_point""")

check("""rmses = one_point["RMSE vs true curve"]
print(f"K = 1 RMSE: {rmses.min():.2f} (x0 = {one_point.x0[rmses.idxmin()]:.2f}) to {rmses.max():.2f}; "
      f"median {rmses.median():.2f}; pinch sd ≤ {one_point['largest sd at x0 ± π, ± 2π'].max():.3f} "
      f"against a largest sd of at least {one_point['largest sd on the grid'].min():.2f}")
assert rmses.min() < 0.6 and (rmses.drop(rmses.idxmin()) > 0.9).all()
assert (one_point["largest sd at x0 ± π, ± 2π"] < 0.2).all() and (one_point["largest sd on the grid"] > 1.2).all()
assert np.allclose(one_point["mean at x0 ± π (should be −y0)"], -one_point["y0"], atol=0.15)""")

md("""The point at x₀ = 3.62 sits near the crest of the true curve and alone gives an RMSE of 0.47;
the other four give 1.0 to 1.7 (table above). The figure shows the point with the median RMSE;
the average over many tasks and points is the K = 1 row of the MSE table below.

Why the draws pinch: every sinusoid of period 2π through (x₀, y₀) also passes through
(x₀ ± π, −y₀) and (x₀ ± 2π, y₀), since sin(x − π − p) = −sin(x − p). The learned prior has
learned that family, so the draws that fan out away from x₀ meet again there: the predictive
sd is at most 0.15 at those points (the noise sd is 0.097) against a largest value of 1.3 to
2.1 elsewhere, and the predictive mean there is −y₀ to within 0.15 (table above).""")

code("""typical = int(one_point["RMSE vs true curve"].sort_values().index[len(one_point) // 2])
panels = [(1, support.iloc[[typical]], pd.read_csv(f"work/predictions-point-{typical}.csv"),
           features(grid) @ pd.read_csv(f"work/samples-point-{typical}.csv", comment="#").filter(like="phi.").to_numpy().T),
          (5, support, predictions, curves)]
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, (k, points, pred, draws) in zip(axes, panels):
    ax.fill_between(pred["x"], pred["lower"], pred["upper"], color="tab:blue", alpha=0.18,
                    label="90% posterior predictive interval (for y)")
    ax.plot(pred["x"], draws[:, :8], color="tab:blue", lw=0.7, alpha=0.5)
    ax.plot([], [], color="tab:blue", lw=0.7, alpha=0.6, label="posterior draws f(x)ᵀφ")
    ax.plot(pred["x"], pred["mean"], color="tab:blue", lw=2, label="predictive mean")
    ax.plot(pred["x"], true_curve, "k--", lw=1.5, label=f"true function {A:.2f}·sin(x − {p:.2f})")
    ax.plot(points["x"], points["y"], "o", color="tab:red", ms=7, zorder=5, label="support set")
    rmse = np.sqrt(np.mean((pred["mean"] - true_curve) ** 2))
    ax.set(xlabel="x", title=f"K = {k} support point" + ("s" if k > 1 else "") + f" (RMSE {rmse:.2f})")
x0 = support["x"].iloc[typical]
for s in (-2, -1, 1, 2):
    if -5 <= x0 + s * np.pi <= 5:
        axes[0].axvline(x0 + s * np.pi, color="0.4", ls=":", lw=1)
axes[0].set_ylabel("y")
fig.suptitle("A new sinusoid task adapted under the learned prior (dotted: x₀ ± π, x₀ ± 2π)")
fig.legend(*axes[1].get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False)
fig.tight_layout(rect=(0, 0.1, 1, 1))
plt.show()""", fig=True)

md("""### The draws in pandas and ArviZ

The sample CSV is Stan-style: `#` comments, then `lp__,phi.1,…,phi.11`. ArviZ is given the
feature names as coordinates, and 90% intervals, as the tool's summary uses.""")

code("""idata = az.from_cmdstan(posterior="work/new-samples.csv", coords={"feature": prior["features"]},
                        dims={"phi": ["feature"]})
print("pandas:", samples.shape, "columns", list(samples.columns[:3]), "…", samples.columns[-1])
print("arviz: ", dict(idata.posterior["phi"].sizes))
assert samples.shape == (2000, 12) and list(samples.columns) == ["lp__"] + [f"phi.{j}" for j in range(1, 12)]
assert idata.posterior["phi"].shape == (1, 2000, 11)
az.summary(idata, var_names=["phi"], kind="stats", hdi_prob=0.9).head(4)""")

md("""A pair plot of three neighbouring weights shows what the summary's sds hide: under a prior
of rank 6 the posterior lives in a thin subspace, so the weights are strongly correlated
(0.90 and more; the correlations are printed below the plot). The curve f(x)ᵀφ is well determined
(RMSE 0.026) while the individual weights are not.""")

code("""trio = ["rbf.1", "rbf.2", "rbf.3"]
az.plot_pair(idata, var_names=["phi"], coords={"feature": trio}, kind="scatter", marginals=True,
             textsize=8, scatter_kwargs={"alpha": 0.2, "s": 3}, figsize=(6, 6))
plt.show()
correlation = idata.posterior["phi"].sel(feature=trio).stack(sample=("chain", "draw")).to_pandas().T.corr()
correlation""", fig=True)

check("""off_diagonal = correlation.to_numpy()[~np.eye(3, dtype=bool)]
print(f"smallest |correlation| among {trio}: {np.abs(off_diagonal).min():.2f}")
assert np.abs(off_diagonal).min() > 0.85""")

md("""## MSE against K: the learned prior and the baselines

`metaprior evaluate` cuts seeded K-shot episodes (K support points, Q = 10 query points) from
200 held-out tasks and scores the learned prior beside two baselines on the same episodes:
*independent* (each task alone, under a weak fixed prior φ ~ N(0, 10⁴·I) on the same basis)
and *pooled* (one φ for all tasks, fitted by least squares, no adaptation). Error bars are
± 2 standard errors over episodes, clustered by task.""")

code("""%%bash
set -euo pipefail
metaprior simulate sinusoid --tasks 200 --points 30 --noise 0.1 --seed 3 --output work/test.csv --quiet
metaprior evaluate --prior work/sinusoid-prior.json --data work/test.csv --shots 5 --query 10 \\
    --episodes 500 --seed 1 --output work/report-5.json""")

code("""shots = [1, 2, 3, 5, 10, 20]
rows = []
started = time.perf_counter()
for k in shots:
    metaprior("evaluate", "--prior", "work/sinusoid-prior.json", "--data", "work/test.csv",
              "--shots", k, "--query", 10, "--episodes", 500, "--seed", 1,
              "--output", f"work/report-{k}.json", "--quiet")
    report = json.loads(Path(f"work/report-{k}.json").read_text())
    for method in report["methods"]:
        rows.append({"K": k, "method": method["name"], "MSE": method["mse"], "SE": method["mse_se"],
                     **{f"cover {l}%": method[f"coverage_{l}"] for l in (50, 90, 95)},
                     **{f"cover {l}% SE": method[f"coverage_{l}_se"] for l in (50, 90, 95)}})
print(f"evaluate at {len(shots)} support sizes (500 episodes each): wall time {time.perf_counter() - started:.1f} s")
scores = pd.DataFrame(rows)
scores.pivot(index="K", columns="method", values="MSE")""")

code("""fig, ax = plt.subplots(figsize=(7, 4))
for i, ((method, group), marker) in enumerate(zip(scores.groupby("method", sort=False), "os^")):
    dodge = 1 + 0.04 * (i - 1)                     # small multiplicative offsets on the log axis
    ax.errorbar(group["K"] * dodge, group["MSE"], yerr=2 * group["SE"], marker=marker, capsize=3, label=method)
ax.axhline(0.01, color="0.5", ls=":", label="noise variance 0.1² (the floor)")
ax.set(xscale="log", yscale="log", xlabel="support points K", ylabel="MSE on the query points",
       title="Few-shot MSE on 200 held-out sinusoid tasks (± 2 SE)")
ax.set_xticks(shots, [str(k) for k in shots])
ax.minorticks_off()
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
plt.show()""", fig=True)

check("""learned = scores[scores["method"] == "marginal prior"].set_index("K")
independent = scores[scores["method"] == "independent"].set_index("K")
ratio = learned["MSE"] / 0.01
print("learned prior's MSE / noise floor 0.01:", ", ".join(f"K = {k}: {r:.2f}" for k, r in ratio.items()))
print("independent learner's worst K:", independent["MSE"].idxmax(), f"(MSE {independent['MSE'].max():.1f})")
assert 1.3 < ratio[5] < 1.7 and 1.05 < ratio[20] < 1.25 and ratio.is_monotonic_decreasing
assert independent["MSE"].idxmax() == 10""")

md("""The learned prior ("marginal prior": fitted by marginal likelihood) approaches the noise floor
without reaching it: its MSE is 1.5 times the noise variance at K = 5 and 1.14 times at K = 20
(printed above). Even with φ known exactly, the query points' noise would leave an MSE of σ²;
the rest is what K points leave unknown about the curve. Pooling ignores the task and stays at
the variance of the family. The independent learner, with the same 11-feature basis and no
learned prior, is worst at K = 10, next to d = 11, where the support points barely determine φ
and the fitted curve swings wildly between them.

### Calibration: coverage minus nominal

The fraction of held-out query points inside each method's central 50, 90 and 95% predictive
intervals, minus the nominal level (0 is perfect calibration; ± 2 SE).""")

code("""# The learned prior's panel has its own scale: its gaps are a hundredth of the independent learner's.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, (method, group) in zip(axes, scores.groupby("method", sort=False)):
    for j, (level, marker) in enumerate(zip((50, 90, 95), "os^")):
        dodge = 1 + 0.06 * (j - 1)                 # small multiplicative offsets on the log axis
        ax.errorbar(group["K"] * dodge, group[f"cover {level}%"] - level / 100, yerr=2 * group[f"cover {level}% SE"],
                    marker=marker, ls="none", capsize=2, label=f"{level}% interval")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xscale="log", xlabel="support points K", title=method)
    ax.set_xticks(shots, [str(k) for k in shots])
    ax.minorticks_off()
axes[0].set_ylabel("coverage − nominal (± 2 SE)")
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False)
fig.tight_layout(rect=(0, 0.08, 1, 1))
plt.show()
learned[[f"cover {l}%" for l in (50, 90, 95)]]""", fig=True)

check("""gap = pd.concat([(learned[f"cover {l}%"] - l / 100).abs() / learned[f"cover {l}% SE"] for l in (50, 90, 95)], axis=1)
print(f"learned prior: largest |coverage − nominal| {max((learned[f'cover {l}%'] - l / 100).abs().max() for l in (50, 90, 95)):.3f}, "
      f"at most {gap.max().max():.1f} SE")
pooled = scores[scores["method"] == "pooled"].set_index("K")
pooled_gap = pd.concat([(pooled[f"cover {l}%"] - l / 100).abs() / pooled[f"cover {l}% SE"] for l in (50, 90, 95)], axis=1)
print(f"pooled: at most {pooled_gap.max().max():.1f} SE from nominal; its MSE / the learned prior's at K = 5: "
      f"{pooled.loc[5, 'MSE'] / learned.loc[5, 'MSE']:.0f}")
print(f"independent: 50% intervals cover {independent.loc[1, 'cover 50%']:.3f} at K = 1")
assert 150 < pooled.loc[5, "MSE"] / learned.loc[5, "MSE"] < 250
assert gap.max().max() < 3 and pooled_gap.max().max() < 3 and independent.loc[1, "cover 50%"] > 0.9""")

md("""The learned prior's intervals cover what they claim at every K: the largest gap from nominal
is 0.041 (the 50% interval at K = 1), 2.1 standard errors (printed above). The pooled
learner's intervals are calibrated too — they are as wide as the whole family's spread — but
useless for a given task: its MSE at K = 5 is about 195 times the learned prior's. The
independent learner's weak prior gives intervals far too wide until K passes d = 11: its
50% intervals cover all but a few points at K = 1.""")

write("notebooks-export/01-few-shot-regression.ipynb")
