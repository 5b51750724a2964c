# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes notebooks-export/05-binary-tasks.ipynb (unexecuted); execute it with
notebooks-export/execute.py --write-back. Run from the repository's root."""
from nbcells import METAPRIOR_HELPER, check, code, md, write

md("""# 05 — Binary tasks: a Laplace-fitted prior, MCMC against Laplace posteriors, and calibration

Each *task* here is a small set of yes/no outcomes — did a user click, did a patient respond —
with one input x. Task i has its own logistic regression, P(y = 1 | x) = logit⁻¹(φ_i1 + φ_i2·x),
and the φ_i are drawn from a prior N(μ, Σ) that `metaprior` learns across tasks.

The data are simulated (`metaprior simulate logistic-tasks`), so the true μ and Σ, and every
task's true φ, are known: μ = (−0.5, 1), Σ = [[1, 0.3], [0.3, 0.5]] (the simulator's defaults).

1. **Fit** the prior by the Laplace approximation of each task's marginal likelihood (lme4
   `glmer`'s default, nAGQ = 1) and set it beside the truth.
2. **Adapt** to a new task of 8 points: its exact posterior by MCMC (four chains of elliptical
   slice sampling, read by ArviZ as four chains, with R̂ and ESS), against the Laplace
   approximation of the same posterior.
3. **Calibration**: held-out tasks, 5 support points each, scored by `metaprior evaluate` (log
   loss, Brier, accuracy, expected calibration error) and drawn as a reliability diagram.""")

code("""import json
import subprocess
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

plt.rcParams.update({"figure.dpi": 150, "axes.grid": True, "grid.alpha": 0.3})
az.rcParams["stats.ci_prob"] = 0.9             # 90% intervals, as the tool's
pd.options.display.float_format = "{:.4g}".format
Path("work").mkdir(exist_ok=True)


""" + METAPRIOR_HELPER + """

print(metaprior("--version"))""")

md("""## Meta-train tasks and the fit

300 tasks of 12 points each. Many are tiny in the sense that matters for a logistic model: the
fit's report (its `note:` line) counts the tasks whose own maximum-likelihood estimate would be
infinite (no successes, only successes, or separated by x) — 37 of the 300 here, printed below —
and their φ is pulled back by the prior, which is the point of learning one.""")

code("""%%bash
set -euo pipefail
metaprior simulate logistic-tasks --tasks 300 --points 12 --seed 1 \\
    --output work/train.csv --parameters-output work/train-truth.csv --quiet
metaprior fit --model binomial --data work/train.csv --formula 'y ~ x + (x | task)' --output work/prior.json \\
    2>&1 | tee work/fit-report.txt""")

check("""import re

note = re.search(r"note: (\\d+) tasks? with no successes, (\\d+) tasks? with nothing but successes, "
                 r"and (\\d+) other tasks? separated", Path("work/fit-report.txt").read_text())
infinite = sum(int(n) for n in note.groups())
print(f"tasks whose own ML estimate would be infinite: {' + '.join(note.groups())} = {infinite} of 300")
assert infinite == 37""")

md("""The fitted prior beside the truth that generated the tasks. The standard errors of μ (the
fit's `shared_standard_errors`, lme4's `vcov`) say how far from the truth μ̂ can be expected to
fall with 300 tasks; the last column counts them. Σ has no standard error in the file (nor in
lme4's output), so it is compared by eye: 300 tasks of 12 binary points carry little information
about a covariance (the fitted values are printed beside the true ones, with their relative
errors, below the table).""")

code("""prior = json.loads(Path("work/prior.json").read_text())
truth_mean, truth_cov = [-0.5, 1.0], [[1.0, 0.3], [0.3, 0.5]]
rows = [("mu[(Intercept)]", prior["mean"][0], truth_mean[0], prior["shared_standard_errors"][0]),
        ("mu[x]", prior["mean"][1], truth_mean[1], prior["shared_standard_errors"][1]),
        ("Sigma[(Intercept), (Intercept)]", prior["covariance"][0][0], truth_cov[0][0], np.nan),
        ("Sigma[(Intercept), x]", prior["covariance"][0][1], truth_cov[0][1], np.nan),
        ("Sigma[x, x]", prior["covariance"][1][1], truth_cov[1][1], np.nan)]
table = pd.DataFrame(rows, columns=["quantity", "fitted", "true", "std. error"]).set_index("quantity")
table["(fitted - true) / se"] = (table["fitted"] - table["true"]) / table["std. error"]
table["relative error"] = (table["fitted"] - table["true"]).abs() / table["true"].abs()
print("converged:", prior["converged"], "| approximation:", prior["approximation"],
      "| log-likelihood:", round(prior["log_marginal_likelihood"], 6))
table""")

check("""from scipy.stats import norm

z = table["(fitted - true) / se"].dropna().abs()
p = 2 * norm.sf(z.max())
sigma_errors = table["relative error"].filter(like="Sigma")
print(f"|error of μ̂| in standard errors: {z.iloc[0]:.2f}, {z.iloc[1]:.2f}; two-sided p of the larger {p:.3f} (1 in {1 / p:.0f})")
print("relative error of Σ̂:", sigma_errors.round(3).to_dict())
assert z.min() < 1 and 2.1 < z.max() < 2.2 and 0.025 < p < 0.04 and 25 < 1 / p < 40
assert sigma_errors.idxmax() == "Sigma[(Intercept), x]" and sigma_errors.drop("Sigma[(Intercept), x]").max() < 0.2
# the values the text quotes, at the precision it quotes them
assert [f"{v:.2f}" for v in z] == ["2.14", "1.00"] and f"{p:.2f}" == "0.03"
assert [f"{v:.2f}" for v in sigma_errors.drop("Sigma[(Intercept), x]")] == ["0.06", "0.18"]
assert (f"{table.loc['Sigma[(Intercept), x]', 'fitted']:.2f}" == "0.50")""")

md("""## A new task: MCMC against Laplace

A new task of 8 points, simulated with its own seed; its true φ is in `work/new-truth.csv`.
`metaprior adapt` samples its posterior exactly by default: four chains (1000 warm-up steps, 1000
kept draws each), chain c on its own random stream, written one file per chain as CmdStan does
(`draws_1.csv` … `draws_4.csv`). `--posterior laplace` gives the Laplace approximation
N(mode, H⁻¹) instead, as 4000 independent draws.""")

code("""%%bash
metaprior simulate logistic-tasks --tasks 1 --points 8 --seed 2 \\
    --output work/new.csv --parameters-output work/new-truth.csv --quiet
metaprior adapt --prior work/prior.json --data work/new.csv --seed 7 \\
    --output work/draws.csv --summary work/summary-mcmc.csv
metaprior adapt --prior work/prior.json --data work/new.csv --seed 7 --posterior laplace --draws 4000 \\
    --output work/laplace.csv --summary work/summary-laplace.csv --quiet""")

md("""ArviZ reads the four chain files as four chains. Its own R̂ and ESS (rank-normalised, Vehtari
et al. 2021) are the ones `adapt` printed above and wrote to its summary CSV (compared below).""")

code("""chains = [f"work/draws_{c}.csv" for c in range(1, 5)]
mcmc = az.from_cmdstan(chains, coords={"term": ["(Intercept)", "x"]}, dims={"phi": ["term"]})
print(dict(mcmc.posterior.sizes))
stats = az.summary(mcmc, var_names=["phi"], kind="all", hdi_prob=0.9, round_to=4)
stats""")

check("""print("largest R-hat", stats["r_hat"].max(), "| smallest bulk ESS", stats["ess_bulk"].min(), "| smallest tail ESS", stats["ess_tail"].min())
assert stats["r_hat"].max() <= 1.01 and stats[["ess_bulk", "ess_tail"]].min().min() >= 400
tool = pd.read_csv("work/summary-mcmc.csv", comment="#").set_index("feature")
ours = stats.rename(index=lambda name: name[4:-1])[["r_hat", "ess_bulk", "ess_tail"]]
print("metaprior's summary CSV:", tool[["r_hat", "ess_bulk", "ess_tail"]].round(4).to_dict("index"))
assert (ours - tool[["r_hat", "ess_bulk", "ess_tail"]]).abs().max().max() < 1e-3   # ArviZ rounds to 4 decimals""")

md("""The two posteriors side by side, with the true φ of this task marked. The Laplace
approximation is a Gaussian at the posterior's mode; the MCMC draws are exact, so they show how
far off that Gaussian is for this task. The table after the figure gives the numbers.""")

code("""laplace = pd.read_csv("work/laplace.csv", comment="#")
exact = pd.concat([pd.read_csv(f, comment="#") for f in chains])
truth = pd.read_csv("work/new-truth.csv")
names = ["phi.1", "phi.2"]
labels = ["φ₁ (intercept)", "φ₂ (slope of x)"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, name, label in zip(axes[:2], names, labels):
    bins = np.linspace(min(exact[name].quantile(0.001), laplace[name].quantile(0.001)),
                       max(exact[name].quantile(0.999), laplace[name].quantile(0.999)), 60)
    ax.hist(exact[name], bins=bins, density=True, alpha=0.55, label="MCMC (exact)")
    ax.hist(laplace[name], bins=bins, density=True, histtype="step", lw=2, label="Laplace")
    ax.axvline(truth[name].iloc[0], color="k", ls="--", label="true φ")
    ax.set_xlabel(label)
    ax.set_ylabel("density")
axes[0].legend(fontsize=8)
ax = axes[2]
ax.scatter(exact["phi.1"], exact["phi.2"], s=2, alpha=0.15, label="MCMC draws")
ax.scatter(laplace["phi.1"][:1000], laplace["phi.2"][:1000], s=2, alpha=0.15, label="Laplace draws")
ax.plot(truth["phi.1"], truth["phi.2"], "k*", ms=12, label="true φ")
ax.set_xlabel(labels[0]); ax.set_ylabel(labels[1])
legend = ax.legend(fontsize=8)
for handle in legend.legend_handles[:2]:  # the scatters' legend dots, visible
    handle.set_sizes([20])
    handle.set_alpha(0.8)
fig.tight_layout()
plt.show()""", fig=True)

code("""summary = pd.DataFrame({
    "MCMC mean": exact[names].mean(), "Laplace mean": laplace[names].mean(),
    "MCMC sd": exact[names].std(), "Laplace sd": laplace[names].std(),
    "MCMC 5%": exact[names].quantile(0.05), "Laplace 5%": laplace[names].quantile(0.05),
    "MCMC 95%": exact[names].quantile(0.95), "Laplace 95%": laplace[names].quantile(0.95),
    "true": truth[names].iloc[0]})
summary["(Laplace - MCMC mean) / MCMC sd"] = (summary["Laplace mean"] - summary["MCMC mean"]) / summary["MCMC sd"]
summary""")

check("""gap = summary["(Laplace - MCMC mean) / MCMC sd"].abs().max()
quantile_gap = max((summary[f"Laplace {q}"] - summary[f"MCMC {q}"]).abs().div(summary["MCMC sd"]).max() for q in ["5%", "95%"])
sd_ratio = (tool["posterior_sd"] / tool["prior_sd"]).round(2).to_dict()
print(f"largest |Laplace − MCMC mean| / MCMC sd: {gap:.3f}; largest |Laplace − MCMC| 5% or 95% quantile / MCMC sd: {quantile_gap:.2f}")
print(f"true slope {summary.loc['phi.2', 'true']:.3f} against the 95% quantiles {summary.loc['phi.2', 'MCMC 95%']:.3f} (MCMC), "
      f"{summary.loc['phi.2', 'Laplace 95%']:.3f} (Laplace)")
print("posterior sd / prior sd:", sd_ratio)
assert gap < 0.15 and quantile_gap < 0.2 and summary.loc["phi.2", "true"] > max(summary.loc["phi.2", "MCMC 95%"], summary.loc["phi.2", "Laplace 95%"])
assert all(0.5 < r < 0.8 for r in sd_ratio.values())
# the values the text quotes
assert f"{gap:.2f}" == "0.11" and f"{quantile_gap:.2f}" == "0.19" and list(sd_ratio.values()) == [0.59, 0.75]
assert f"{stats['r_hat'].max():.3f}" == "1.002" and round(stats["ess_tail"].min()) == 1569""")

md("""## Calibration on held-out tasks

200 other tasks of 20 points (another seed). `metaprior evaluate` cuts seeded episodes — 5
support points that the prior adapts to, 10 query points it predicts — and scores the predicted
probabilities: log loss (NLL per point), Brier score, accuracy, and the expected calibration
error over 10 bins of P(y = 1) — beside two baselines of the same model on the same episodes:
`independent` (each task alone, φ ~ N(0, 10⁴·I)) and `pooled` (the prior's mean ν for every
task, no adaptation). It adapts each episode by the Laplace approximation (fast; the MCMC
posterior above is for one task at a time). Each figure is a mean over episodes with its
standard error, clustered by task; Δ is the paired difference from the learned prior.""")

code("""%%bash
metaprior simulate logistic-tasks --tasks 200 --points 20 --seed 3 --output work/test.csv --quiet
metaprior evaluate --prior work/prior.json --data work/test.csv --shots 5 --query 10 --episodes 400 \\
    --seed 3 --output work/evaluate.json --quiet
python -c "import json; [print(m['name'], {k: v for k, v in m.items() if k != 'name'}) for m in json.load(open('work/evaluate.json'))['methods']]" """)

check("""report = json.loads(Path("work/evaluate.json").read_text())
for m in report["methods"][1:]:
    v = m["versus_first"]
    print(f"{m['name']}: log loss +{v['nll_difference']:.4f} ± {v['nll_difference_se']:.4f} (z {v['nll_difference'] / v['nll_difference_se']:.1f}), "
          f"Brier +{v['mse_difference']:.4f} ± {v['mse_difference_se']:.4f} (z {v['mse_difference'] / v['mse_difference_se']:.1f})")
    assert v["nll_difference"] / v["nll_difference_se"] > 5 and v["mse_difference"] / v["mse_difference_se"] > 5
zs = [m["versus_first"][f"{k}_difference"] / m["versus_first"][f"{k}_difference_se"] for m in report["methods"][1:] for k in ("nll", "mse")]
assert f"{min(zs):.1f}" == "5.4" and f"{max(zs):.1f}" == "9.1"
ece = {m["name"]: m["ece"] for m in report["methods"]}
print("ECE:", {name: round(value, 3) for name, value in ece.items()})
assert ece["marginal prior"] < 0.02 and ece["marginal prior"] < min(ece["independent"], ece["pooled"]) / 3
assert [f"{ece[k]:.3f}" for k in ("marginal prior", "independent", "pooled")] == ["0.015", "0.080", "0.045"]""")

md("""A reliability diagram draws the same calibration: the predicted probability of each query
point against the observed frequency of y = 1 among the points with about that prediction.
Here each of the first 100 held-out tasks is adapted to its first 5 points with `metaprior
predict` (Laplace posterior, as `evaluate` does), and its other 15 points are predicted. A
calibrated predictive lies on the diagonal, within the binomial error bars.""")

code("""test = pd.read_csv("work/test.csv")
predicted, observed = [], []
for task, rows in list(test.groupby("task"))[:100]:
    rows[["x", "y"]].iloc[:5].to_csv("work/support.csv", index=False)
    rows[["x"]].iloc[5:].to_csv("work/query.csv", index=False)
    out = metaprior("predict", "--prior", "work/prior.json", "--support", "work/support.csv",
                    "--query", "work/query.csv", "--posterior", "laplace", "--output", "work/pred.csv", "--quiet")
    predicted += list(pd.read_csv("work/pred.csv", comment="#")["mean"])
    observed += list(rows["y"].iloc[5:])
predicted, observed = np.array(predicted), np.array(observed)
edges = np.linspace(0, 1, 11)
which = np.clip(np.digitize(predicted, edges) - 1, 0, 9)
frame = pd.DataFrame({"bin": which, "p": predicted, "y": observed}).groupby("bin").agg(
    mean_p=("p", "mean"), freq=("y", "mean"), n=("y", "size"))
frame["se"] = np.sqrt(frame["mean_p"] * (1 - frame["mean_p"]) / frame["n"])
frame["z"] = (frame["freq"] - frame["mean_p"]) / frame["se"]
fig, ax = plt.subplots(figsize=(4.6, 4.4))
ax.plot([0, 1], [0, 1], color="grey", lw=1)
ax.errorbar(frame["mean_p"], frame["freq"], yerr=2 * frame["se"], fmt="o", capsize=3,
            label="observed frequency ± 2 binomial se")
ax.set_xlabel("predicted P(y = 1)"); ax.set_ylabel("observed frequency of y = 1")
ax.set_title(f"{len(predicted)} held-out points, 100 tasks, K = 5"); ax.legend(fontsize=8)
plt.show()
frame""", fig=True)

check("""within = int((frame["z"].abs() <= 2).sum())
print(f"bins within ±2 se of the diagonal: {within} of {len(frame)}; the one outside: "
      f"{frame.loc[frame['z'].abs() > 2, ['mean_p', 'freq', 'z']].round(3).to_dict('index')}")
print(f"chance of at least one of 10 calibrated bins outside ±2 se: {1 - (1 - 2 * norm.sf(2)) ** 10:.2f}")
outside = frame[frame["z"].abs() > 2]
assert len(frame) == 10 and within == 9 and f"{outside['mean_p'].iloc[0]:.2f}" == "0.45" and f"{outside['z'].iloc[0]:.1f}" == "-2.3"
assert (f"{1 - (1 - 2 * norm.sf(2)) ** 10:.2f}" == "0.37")""")

md("""What to read from this:

- **The fit.** The error of μ̂ in standard errors (the first table's fourth column): one
  within 1 (1.00), the other 2.14 — a miss that size (two-sided p = 0.03) happens in about one
  fit in thirty, so it is consistent with the truth. Σ̂'s variances are within 20% of the true
  ones (relative errors 0.06 and 0.18), its covariance term least well (0.50 against 0.30).
- **Laplace against MCMC.** For this task the two agree closely: the means differ by at most
  0.11 posterior sd, and the 5% and 95% quantiles by at most 0.19 sd. The learned prior is
  strong next to 8 binary points (the posterior sds are 0.59 and 0.75 of the prior's), so the
  posterior is nearly Gaussian; with a weaker prior or separated data the gap can grow (not shown
  here), and the MCMC draws are the exact answer either way. The chains' R̂ (at most 1.002 here,
  against the usual bar of 1.01) and bulk and tail ESS (at least 1,569, against 400) say whether
  to trust them.
- **Truth outside the interval.** This task's true slope lies beyond both 90% intervals. That is
  what a 90% interval does for one task in ten; the calibration below is the check over many.
- **Against the baselines.** On the same episodes the learned prior has a lower log loss and
  Brier score than each task alone under a weak prior and than ν for every task; the paired
  differences (Δ columns) are 5.4 to 9.1 standard errors from zero.
- **Calibration.** The reliability diagram's points lie near the diagonal, 9 of the 10 within
  their ±2 se bars (the bin at 0.45 is 2.3 se below it; with ten calibrated bins the chance of at
  least one outside is about 0.37, and points of one task share a bin, so the binomial se is if
  anything too small), and `evaluate`'s ECE is 0.015, against 0.080 and 0.045 for the two
  baselines. Interval coverage is not reported for 0/1 targets: a central interval of a 0/1
  predictive is {0}, {1} or {0, 1}, so its coverage says nothing about calibration.""")

write("notebooks-export/05-binary-tasks.ipynb")
