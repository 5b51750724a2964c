# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes notebooks-export/02-sleep-study.ipynb (unexecuted); execute it with
notebooks-export/execute.py --write-back. Run from the repository's root."""
from nbcells import check, code, md, write

md("""# 02 — Sleep study: a prior over subjects

Reaction times of 18 subjects over ten days of sleep restriction (Belenky et al. 2003; the
[`sleepstudy` data of R's lme4](https://rdrr.io/cran/lme4/man/sleepstudy.html)). As lme4's
documentation says, days 0 and 1 were adaptation and training and day 2 the baseline: the
restriction to 3 hours in bed a night began after day 2, so days 0–2 are *before* sleep
deprivation. Each subject is a *task* with parameters φ = (intercept, slope per day).
`metaprior fit` learns the prior φ ~ N(μ, Σ) and the noise variance σ² from all subjects by
maximising the marginal likelihood — the same model and the same estimate as lme4's
`lmer(Reaction ~ Days + (Days | Subject), REML = FALSE)`. `metaprior adapt` then gives each
subject's posterior: its own data pulled towards the population (*shrinkage*).

Every step below is a `metaprior` command; Python only reads the CSV and JSON it writes. Every
number the text quotes is printed by a cell; the collapsed cells tagged `check` assert them.
Intervals are central 90% throughout, as the tool's (ArviZ is set to `hdi_prob = 0.9`).""")

code("""import json
import subprocess
import time
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Ellipse
from matplotlib.ticker import MaxNLocator

plt.rcParams.update({"figure.dpi": 150, "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 9})
az.rcParams["stats.ci_prob"] = 0.9             # 90% intervals, as the tool's
pd.options.display.float_format = "{:.6g}".format
Path("work").mkdir(exist_ok=True)


def metaprior(*args):
    # Runs one metaprior command; a non-zero exit raises with its error message.
    run = subprocess.run(["metaprior", *map(str, args)], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"metaprior {' '.join(map(str, args))} failed:\\n{run.stderr}")
    return run.stdout


print(metaprior("--version"))""")

md("""## The data

`metaprior demo` writes the bundled copy of the data (embedded in the binary) to
`sleepstudy.csv`, and its report ends with a few-shot test that this notebook reproduces below;
`metaprior inspect` reads the data the way every command will.""")

code("""%%bash
set -euo pipefail
metaprior demo --output-dir work/demo --quiet > work/demo-report.txt
head -n 8 work/demo-report.txt
metaprior inspect --data work/demo/sleepstudy.csv --task Subject --target Reaction""")

md("""## Meta-training: the prior over subjects

A linear basis (intercept and `Days`) with a full 2 × 2 prior covariance Σ.""")

code("""%%bash
TIMEFORMAT='fit: wall time %R s'
time metaprior fit --data work/demo/sleepstudy.csv --task Subject --target Reaction \\
    --basis linear --output work/sleep-prior.json""")

md("""### Beside lme4

Reference values from lme4 1.1-31, `lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy,
REML = FALSE)`, twice: with its default optimiser, and with a tight one
(`control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12))`), which reaches
the optimum itself — the values the README and the tests (`SleepStudyFitTests.swift`) quote.
The default optimiser stops up to 7 × 10⁻⁵ (relative) away from the optimum in Σ and σ² (the
two lme4 columns below), where the likelihood is flat; the relative difference is taken from
the tight fit.""")

code("""prior = json.loads(Path("work/sleep-prior.json").read_text())
mu, Sigma = np.array(prior["mean"]), np.array(prior["covariance"])

# lme4 1.1-31, default optimiser and bobyqa with rhoend = 1e-12 (fixef: the README's 7 digits)
default = [-875.969672244, 251.40510485, 10.46728596, 654.9457058, 565.47696613, 11.05512239, 32.68178525]
tight = [-875.969672231599, 251.4051, 10.46729, 654.94103758, 565.5152710427, 11.0554144586, 32.6821976138]
ours = [prior["log_marginal_likelihood"], mu[0], mu[1], prior["noise_variance"],
        Sigma[0, 0], Sigma[0, 1], Sigma[1, 1]]
pd.options.display.float_format = "{:.12g}".format
comparison = pd.DataFrame({"metaprior fit": ours, "lme4 default": default, "lme4 tight": tight},
                          index=["log-likelihood", "μ (Intercept) [fixef]", "μ Days [fixef]", "σ² residual",
                                 "Σ[1,1] var (Intercept)", "Σ[1,2] covariance", "Σ[2,2] var Days"])
comparison["relative difference from tight"] = (
    (comparison["metaprior fit"] - comparison["lme4 tight"]).abs() / comparison["lme4 tight"].abs())
display(comparison)
pd.options.display.float_format = "{:.6g}".format""")

check("""print(f"largest relative difference from the tight fit: {comparison['relative difference from tight'].max():.1e}; "
      f"ℓ − lme4 default ℓ = {ours[0] - default[0]:.2e}")
assert prior["converged"] and (comparison["relative difference from tight"] < 1e-5).all()
assert abs(ours[0] - tight[0]) < 1e-9 and ours[0] >= default[0]""")

md("""metaprior's fit agrees with lme4's tight fit to better than 10⁻⁵ in every entry (the
fixed effects to the 7 digits quoted), and its log-likelihood is above the default fit's
(printed above).

## Shrinkage: each subject's own line against its posterior mean

For every subject, `metaprior adapt --task-id S` writes the posterior mean and sd of φ under
the learned prior (`--summary`) and 2,000 posterior draws. lme4's `coef(fit)$Subject` (the
fixed effects plus each subject's conditional mode) is the same quantity, the posterior mean;
its 36 values from the tight fit above are embedded in the next cell (computed once with R, so
the notebook does not need R) and printed beside ours for all 18 subjects. The least-squares
line uses the subject's data alone.""")

code("""data = pd.read_csv("work/demo/sleepstudy.csv")
subjects = sorted(data["Subject"].unique())


def own_line(rows):
    slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], 1)
    return intercept, slope


def adapt(prior_file, data_file, subject, tag):
    # Posterior summary and 2,000 draws of one subject; returns the posterior mean.
    metaprior("adapt", "--prior", prior_file, "--data", data_file, "--task-id", subject, "--draws", 2000,
              "--seed", 7, "--output", f"work/samples-{tag}-{subject}.csv", "--summary", f"work/summary-{tag}-{subject}.csv",
              "--quiet")
    return tuple(pd.read_csv(f"work/summary-{tag}-{subject}.csv", comment="#")["posterior_mean"])


started = time.perf_counter()
lines = []
for s in subjects:
    a, b = own_line(data[data["Subject"] == s])
    m1, m2 = adapt("work/sleep-prior.json", "work/demo/sleepstudy.csv", s, "10-days")
    lines.append({"Subject": s, "own intercept": a, "own slope": b, "posterior intercept": m1, "posterior slope": m2})
lines = pd.DataFrame(lines).set_index("Subject")
print(f"adapt, 18 subjects × 2,000 draws: wall time {time.perf_counter() - started:.2f} s")
print(Path("work/summary-10-days-308.csv").read_text())
lines.head()""")

code("""# coef(fit)$Subject from R 4.2.2 (2022-11-10 r83330), lme4 1.1-31, Matrix 1.5-3:
#   fit <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, REML = FALSE,
#               control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12)))
#   options(digits = 15); write.csv(coef(fit)$Subject)
# (the tight fit of the table above: logLik -875.969672231599, σ² 654.941037580173)
lme4_coef = pd.DataFrame.from_records([
    (308, 254.220787070762, 19.5428200799244), (309, 211.356619564439, 1.82321821766868),
    (310, 212.971953392501, 4.95390681154229), (330, 274.237400044048, 5.80853561717556),
    (331, 272.955094097035, 7.52276593595947), (332, 260.220691109566, 10.2320768158731),
    (333, 267.847091780541, 10.3084622806429), (334, 244.408384570928, 11.5000221769043),
    (335, 250.367687630131, -0.132157963649254), (337, 286.071417293476, 19.0996635504869),
    (349, 226.846947027399, 11.531686819675), (350, 239.070472767575, 16.9389896681038),
    (351, 255.679171756777, 7.51194227921303), (352, 272.027323370311, 14.0289902900291),
    (369, 254.663640837834, 11.3389962713691), (370, 226.694771245508, 15.1270214944884),
    (371, 252.128386305556, 9.49623002210022), (372, 263.524047408345, 11.7779769052192),
], columns=["Subject", "lme4 intercept", "lme4 slope"]).set_index("Subject")
coef_table = lines[["posterior intercept", "posterior slope"]].join(lme4_coef)
for name in ["intercept", "slope"]:
    coef_table[f"rel. diff. {name}"] = ((coef_table[f"posterior {name}"] - coef_table[f"lme4 {name}"]).abs()
                                        / coef_table[f"lme4 {name}"].abs())
pd.options.display.float_format = "{:.10g}".format
display(coef_table)
pd.options.display.float_format = "{:.6g}".format
largest = coef_table[["rel. diff. intercept", "rel. diff. slope"]].stack().idxmax()
print(f"largest relative difference from lme4's coef(): {coef_table.loc[largest]:.2e} "
      f"(subject {largest[0]}, {largest[1].removeprefix('rel. diff. ')})")""")

check("""# Tolerance 1e-5, as for μ, Σ and σ² above: the coefficients are smooth functions of those
# estimates, which both fits place at the same optimum to ~1e-6 (relative) in a flat likelihood.
# The largest relative difference belongs to the slope nearest zero (335's, −0.13 ms/day).
relative = coef_table[["rel. diff. intercept", "rel. diff. slope"]].to_numpy()
in_sds = (np.abs(coef_table[["posterior intercept", "posterior slope"]].to_numpy()
                 - coef_table[["lme4 intercept", "lme4 slope"]].to_numpy())
          / pd.read_csv("work/summary-10-days-308.csv", comment="#")["posterior_sd"].to_numpy())  # same days, same sd for all
print(f"largest relative difference {relative.max():.2e}; largest difference in posterior sds {in_sds.max():.1e}")
assert len(coef_table) == 18 and relative.max() < 1e-5 and in_sds.max() < 1e-5
assert largest == (335, "rel. diff. slope")""")

md("""All 36 coefficients agree with lme4's tight fit to better than 10⁻⁵ (relative; the largest
difference is printed above, on subject 335's slope, the one nearest zero).""")

code("""fig, axes = plt.subplots(3, 6, figsize=(13, 6.5), sharex=True, sharey=True)
days = np.linspace(0, 9, 2)
for ax, s in zip(axes.flat, subjects):
    rows, line = data[data["Subject"] == s], lines.loc[s]
    ax.axvspan(-0.5, 2.5, color="0.9", lw=0)
    ax.plot(rows["Days"], rows["Reaction"], "o", ms=3, color="0.35")
    ax.plot(days, mu[0] + mu[1] * days, ":", color="0.5", lw=1, label="prior mean μ")
    ax.plot(days, line["own intercept"] + line["own slope"] * days, "--", color="tab:orange",
            label="own least squares")
    ax.plot(days, line["posterior intercept"] + line["posterior slope"] * days, color="tab:blue",
            label="posterior mean (learned prior)")
    ax.set_title(f"subject {s}", fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
for ax in axes[-1]:
    ax.set_xlabel("day")
for ax in axes[:, 0]:
    ax.set_ylabel("reaction (ms)")
fig.suptitle("Each subject's own line and its posterior mean under the learned prior (grey: days 0–2, before deprivation)")
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False)
fig.tight_layout(rect=(0, 0.05, 1, 1))
plt.show()""", fig=True)

md("""## Few-shot: days 0–2, predicting the held-out days 3–9

A few-shot learner sees far less. Each subject in turn is held out, the prior is fitted to the
other 17 (a meta-train set that does not contain it), and the subject is adapted from days 0–2
only — the pre-deprivation days, so its response to deprivation has to come from the other 17
subjects. `metaprior predict --draws-output` then gives the posterior predictive (mean, 90%
interval and 1,000 draws) at the held-out days 3–9, scored against what was observed there.
This is the demo's few-shot test, which its report above prints.""")

code("""few = data[data["Days"] <= 2]
few.to_csv("work/sleepstudy-days-0-2.csv", index=False)
pd.DataFrame({"Days": range(3, 10)}).to_csv("work/days-3-9.csv", index=False)
started = time.perf_counter()
held_out, few_shot = [], []
for s in subjects:
    data[data["Subject"] != s].to_csv(f"work/without-{s}.csv", index=False)
    metaprior("fit", "--data", f"work/without-{s}.csv", "--task", "Subject", "--target", "Reaction",
              "--output", f"work/prior-without-{s}.json", "--quiet")
    metaprior("predict", "--prior", f"work/prior-without-{s}.json", "--support", "work/sleepstudy-days-0-2.csv",
              "--task-id", s, "--query", "work/days-3-9.csv", "--level", 0.9, "--draws", 1000, "--seed", 1,
              "--output", f"work/predict-{s}.csv", "--draws-output", f"work/predictive-draws-{s}.csv", "--quiet")
    prediction = pd.read_csv(f"work/predict-{s}.csv")
    a, b = own_line(few[few["Subject"] == s])
    observed = data[(data["Subject"] == s) & (data["Days"] >= 3)].sort_values("Days")["Reaction"].to_numpy()
    draws_s = pd.read_csv(f"work/predictive-draws-{s}.csv", comment="#").pivot(index="draw", columns="Days", values="y")
    held_out.append(prediction.assign(Subject=s, observed=observed, least_squares=a + b * prediction["Days"],
                                      pit=(draws_s.to_numpy() < observed).mean(0)))
    m1, m2 = adapt(f"work/prior-without-{s}.json", "work/sleepstudy-days-0-2.csv", s, "3-days")
    few_shot.append({"Subject": s, "own intercept": a, "own slope": b, "posterior intercept": m1,
                     "posterior slope": m2, "LOO prior intercept": json.loads(Path(f"work/prior-without-{s}.json").read_text())["mean"][0],
                     "LOO prior slope": json.loads(Path(f"work/prior-without-{s}.json").read_text())["mean"][1]})
held_out, few_shot = pd.concat(held_out, ignore_index=True), pd.DataFrame(few_shot).set_index("Subject")
print(f"18 × (fit on 17 subjects, predict days 3–9 with 1,000 draws, adapt): wall time {time.perf_counter() - started:.1f} s")
rmse = lambda column: np.sqrt(np.mean((held_out[column] - held_out["observed"]) ** 2))
inside = ((held_out["lower"] <= held_out["observed"]) & (held_out["observed"] <= held_out["upper"])).sum()
print(f"days 3–9 of all 18 subjects ({len(held_out)} points): RMSE {rmse('mean'):.3f} ms with the learned prior, "
      f"{rmse('least_squares'):.3f} ms from the 3 days alone (least squares); "
      f"{inside} of {len(held_out)} inside the 90% predictive interval")
print("demo report:", *[l.strip() for l in Path("work/demo-report.txt").read_text().splitlines()[6:9]], sep="\\n  ")""")

check("""report = Path("work/demo-report.txt").read_text()
assert f"RMSE {rmse('mean'):.3f} ms with the learned prior, {rmse('least_squares'):.3f} ms" in report
assert f"{inside} of {len(held_out)} held-out days inside" in report
assert 45 < rmse("mean") < 50 and 95 < rmse("least_squares") < 98 and inside == 106""")

md("""Predicting days 3–9 from days 0–2, the learned prior halves the error of the subject's own
three-point line: RMSE 48.1 ms against 96.5 ms, and 106 of the 126 held-out days (84%) fall
inside the 90% predictive intervals — the demo's numbers, reproduced from the files. The
posterior predictive check below puts the 126 held-out observations against their predictive
draws: on the left the density of the observations beside that of 100 replicated data sets
(ArviZ's `plot_ppc`); on the right each observation's PIT value, the fraction of its
predictive draws below it, which is uniform when the predictive is calibrated (ArviZ's
`plot_bpv(kind="u_value")`, with the 90% band of a uniform sample of the same size).""")

code("""draw_columns = []
for s in subjects:
    d = pd.read_csv(f"work/predictive-draws-{s}.csv", comment="#").pivot(index="draw", columns="Days", values="y")
    draw_columns.append(d.to_numpy())
replicated = np.concatenate(draw_columns, axis=1)            # draws × 126, in the order of held_out
ppc = az.from_dict(posterior_predictive={"reaction": replicated[None, :, :]},
                   observed_data={"reaction": held_out["observed"].to_numpy()},
                   coords={"point": np.arange(len(held_out))}, dims={"reaction": ["point"]})
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
az.plot_ppc(ppc, num_pp_samples=100, random_seed=1, ax=axes[0])
axes[0].set(xlabel="reaction on days 3–9 (ms)", title="held-out days against 100 predictive replicates")
az.plot_bpv(ppc, kind="u_value", hdi_prob=0.9, ax=axes[1])
axes[1].set(xlabel="PIT value of a held-out day", title="PIT (u-values), 90% band of a uniform sample")
fig.tight_layout()
plt.show()
pit_counts = np.histogram(held_out["pit"], bins=[0, 0.05, 0.95, 1])[0]
print(f"PIT below 0.05: {pit_counts[0]}, between: {pit_counts[1]}, above 0.95: {pit_counts[2]}")""", fig=True)

check("""print("PIT counts:", pit_counts)
assert pit_counts.sum() == 126 and pit_counts[1] == inside and pit_counts[2] >= 2 * pit_counts[0]""")

md("""Of the 20 held-out days outside the intervals, 15 lie above and 5 below (printed above; the
PIT curve rises at 1): reaction times late in the deprivation are under-predicted more often
than over-predicted: three subjects (308, 337 and 350) have a ten-day slope above the 90%
interval their days 0–2 give (printed below the forest plot), and days 0–2 cannot show it.

### Shrinkage in the (intercept, slope) plane, with ten days and with three

The same axes in both panels. Left: all ten days, the prior fitted to all 18 subjects. Right:
days 0–2, each subject under *its own* leave-one-out prior (fitted to the other 17); the star
and the ellipse there are the all-subject prior, drawn for reference, and the small grey
crosses are the 18 leave-one-out prior means each posterior was pulled towards. The ellipse
holds 90% of the prior's mass (radius √(−2 ln 0.1) = 2.15 prior sds; a "2 sd" ellipse would
hold only 1 − e⁻² = 86%).""")

code("""level = 0.9
radius = np.sqrt(-2 * np.log(1 - level))       # Mahalanobis radius of a bivariate normal's 90% ellipse
print(f"90% ellipse: radius {radius:.3f} sd; a 2-sd ellipse holds {1 - np.exp(-2):.3f} of the mass")


def prior_ellipse(ax, mean, cov):
    values, vectors = np.linalg.eigh(cov)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    width, height = 2 * radius * np.sqrt(values[::-1])
    ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False, ls=":", color="0.4",
                         label="all-subject prior N(μ, Σ): 90% ellipse"))


fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
panels = [(lines, "all ten days, prior from all 18 subjects"),
          (few_shot, "days 0–2 only, each under its leave-one-out prior")]
for ax, (table, title) in zip(axes, panels):
    for s, row in table.iterrows():
        ax.annotate("", xy=(row["posterior intercept"], row["posterior slope"]),
                    xytext=(row["own intercept"], row["own slope"]),
                    arrowprops={"arrowstyle": "->", "color": "0.6", "lw": 0.8})
    ax.plot(table["own intercept"], table["own slope"], "o", color="tab:orange", mfc="none",
            label="own least squares")
    ax.plot(table["posterior intercept"], table["posterior slope"], "o", color="tab:blue",
            label="posterior mean")
    ax.plot(*mu, "*", color="k", ms=12, label="all-subject prior mean μ")
    prior_ellipse(ax, mu, Sigma)
    ax.set_xlabel("intercept: reaction on day 0 (ms)")
    ax.set_title(title, fontsize=10)
axes[1].plot(few_shot["LOO prior intercept"], few_shot["LOO prior slope"], "x", color="0.3", ms=4,
             label="leave-one-out prior means (right)")
axes[0].set_ylabel("slope (ms per day)")
fig.suptitle("Shrinkage towards the learned prior (arrows: own estimate → posterior mean)")
handles = axes[0].get_legend_handles_labels()[0] + axes[1].get_legend_handles_labels()[0][-1:]
fig.legend(handles, [h.get_label() for h in handles], loc="lower center", ncol=3, frameon=False)
fig.tight_layout(rect=(0, 0.1, 1, 1))
plt.show()
spread = few_shot[["own slope", "posterior slope"]].std()
print(f"spread (sd over subjects) of the slope from days 0–2: own least squares {spread['own slope']:.2f}, "
      f"posterior mean {spread['posterior slope']:.2f}; from ten days: own {lines['own slope'].std():.2f}, "
      f"posterior {lines['posterior slope'].std():.2f} ms/day")""", fig=True)

check("""assert abs(radius - 2.146) < 1e-3 and abs((1 - np.exp(-2)) - 0.865) < 1e-3
assert few_shot["posterior slope"].std() < few_shot["own slope"].std() / 2""")

md("""With all ten days each subject's data dominate and the pull towards μ is modest; from the
three pre-deprivation days the least-squares slopes scatter widely and the posterior slopes
are pulled hard towards the population (the spreads are printed above).

### Per subject: 10 days against days 0–2

A forest plot (ArviZ's `plot_forest`) of each subject's posterior from the `adapt` draws,
with all ten days (all-subject prior) and with days 0–2 (leave-one-out prior): the posterior
mean and its 90% interval.""")

code("""def posterior_of_all(tag):
    # One InferenceData: each subject's 2,000 draws of (intercept, slope), named by Subject.
    draws = [pd.read_csv(f"work/samples-{tag}-{s}.csv", comment="#") for s in subjects]
    return az.from_dict(posterior={"intercept": np.stack([d["phi.1"] for d in draws], axis=1)[None],
                                   "slope": np.stack([d["phi.2"] for d in draws], axis=1)[None]},
                        coords={"Subject": subjects}, dims={"intercept": ["Subject"], "slope": ["Subject"]})


ten, three = posterior_of_all("10-days"), posterior_of_all("3-days")
fig, axes = plt.subplots(1, 2, figsize=(11, 10), sharey=True)
for ax, name in zip(axes, ["intercept", "slope"]):
    az.plot_forest([ten, three], model_names=["ten days", "days 0–2"], var_names=[name], combined=True,
                   hdi_prob=0.9, ax=ax, legend=(name == "slope"), labeller=az.labels.NoVarLabeller(),
                   textsize=8)
    ax.set_title(f"{name} ({'ms' if name == 'intercept' else 'ms per day'}), 90% HDI")
fig.tight_layout()
plt.show()
widths = {tag: az.hdi(d, hdi_prob=0.9)["slope"].diff("hdi").squeeze().to_series() for tag, d in [("ten", ten), ("three", three)]}
upper_3 = az.hdi(three, hdi_prob=0.9)["slope"].sel(hdi="higher").to_series()
steeper = [s for s in subjects if ten.posterior["slope"].sel(Subject=s).mean() > upper_3[s]]
print("subjects whose ten-day posterior mean slope lies above their days 0–2 90% interval:", [int(s) for s in steeper])
print(f"slope 90% interval width, median over subjects: ten days {widths['ten'].median():.1f}, days 0–2 {widths['three'].median():.1f} ms/day")""", fig=True)

check("""assert widths["three"].median() > 2 * widths["ten"].median() and steeper == [308, 337, 350]""")

md("""From days 0–2 alone the slope's 90% interval is more than twice as wide as from ten days
(median over subjects 17.3 against 7.4 ms/day, printed above): three days before deprivation
say little about how a subject will respond to it.

## The posterior draws in pandas and ArviZ

`metaprior adapt` writes Stan-style draws: `#` comment lines (version, command, seed, digests,
parameter names), then `lp__,phi.1,phi.2`. Subject 308 from days 0–2, prior from the other 17
(the files written above):""")

code("""%%bash
head -n 13 work/samples-3-days-308.csv""")

code("""draws = pd.read_csv("work/samples-3-days-308.csv", comment="#")
idata = az.from_cmdstan(posterior="work/samples-3-days-308.csv", coords={"feature": ["(Intercept)", "Days"]},
                        dims={"phi": ["feature"]})
phi = idata.posterior["phi"]
print("pandas:", draws.shape, list(draws.columns))
print("arviz: ", dict(phi.sizes), list(phi["feature"].values))
assert list(draws.columns) == ["lp__", "phi.1", "phi.2"] and draws.shape == (2000, 3)
assert phi.dims == ("chain", "draw", "feature") and phi.shape == (1, 2000, 2)

summary = pd.read_csv("work/summary-3-days-308.csv", comment="#")
sd_of_mean = summary["posterior_sd"].to_numpy() / np.sqrt(2000)
draw_means = phi.mean(("chain", "draw")).to_numpy()
assert np.all(np.abs(draw_means - summary["posterior_mean"].to_numpy()) < 5 * sd_of_mean)
print("metaprior's summary (exact posterior, central 90% interval):")
display(summary.set_index("feature")[["posterior_mean", "posterior_sd", "lower", "upper"]])
az.summary(idata, var_names=["phi"], kind="stats", hdi_prob=0.9)""")

md("""The draws' summary agrees with metaprior's exact one to Monte Carlo error (the means within
5 standard errors, asserted above; for a Gaussian posterior the 90% HDI and the central 90%
interval coincide).

### Prior against posterior, and the pair plot

The summary CSV also holds each parameter's prior mean and sd (here the leave-one-out prior),
so prior and posterior can be drawn together; the pair plot shows the joint posterior of
subject 308's intercept and slope from days 0–2.""")

code("""from scipy.stats import norm

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, (_, row) in zip(axes[:2], summary.iterrows()):
    lo = min(row["prior_mean"] - 3 * row["prior_sd"], row["posterior_mean"] - 3 * row["posterior_sd"])
    hi = max(row["prior_mean"] + 3 * row["prior_sd"], row["posterior_mean"] + 3 * row["posterior_sd"])
    x = np.linspace(lo, hi, 400)
    ax.plot(x, norm.pdf(x, row["prior_mean"], row["prior_sd"]), color="0.4", ls="--", label="prior (other 17 subjects)")
    ax.plot(x, norm.pdf(x, row["posterior_mean"], row["posterior_sd"]), color="tab:blue", label="posterior, days 0–2")
    ax.hist(draws[row["parameter"]], bins=40, density=True, color="tab:blue", alpha=0.25, label="2,000 draws")
    ten_day = lines.loc[308, "posterior intercept" if row["feature"] == "(Intercept)" else "posterior slope"]
    ax.axvline(ten_day, color="tab:red", lw=1, label="posterior mean, ten days")
    ax.set(xlabel=row["feature"], title=f"subject 308: {row['feature']}")
axes[0].set_ylabel("density")
axes[0].legend(fontsize=7)
az.plot_pair(idata, var_names=["phi"], kind="scatter", marginals=False, ax=axes[2], textsize=8,
             scatter_kwargs={"alpha": 0.3, "s": 4})
axes[2].set(title="joint posterior, days 0–2")
fig.tight_layout()
plt.show()
correlation = np.corrcoef(draws["phi.1"], draws["phi.2"])[0, 1]
shrink = summary["posterior_sd"] / summary["prior_sd"]
print(f"correlation of intercept and slope in the draws: {correlation:.2f}; posterior sd / prior sd: "
      f"intercept {shrink[0]:.2f}, slope {shrink[1]:.2f}")""", fig=True)

check("""assert -0.4 < correlation < -0.15 and shrink[1] > 0.85 and 0.4 < shrink[0] < 0.6""")

md("""Three days pin the intercept down (its posterior sd is about half the prior's) but barely
move the slope (its sd stays close to the prior's), and the two are mildly negatively
correlated: a line through three early days that starts higher must rise more slowly. (For
strongly correlated parameters, see the pair plot of the rbf weights in notebook 01.) Both ratios and the
correlation are printed above.""")

write("notebooks-export/02-sleep-study.ipynb")
