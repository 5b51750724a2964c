# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes notebooks-export/04-shared-and-task-specific.ipynb (unexecuted); execute it with
notebooks-export/execute.py --write-back. Run from the repository's root."""
from nbcells import METAPRIOR_HELPER, check, code, md, write

md("""# 04 — Shared and task-specific parameters: an lme4 formula

Distance (mm) from the pituitary to the pterygomaxillary fissure of 27 children, measured at
ages 8, 10, 12 and 14 (Potthoff & Roy 1964; the `Orthodont` data of R's nlme). Each child is a
*task*. Some parameters are **shared** by all children — here the average growth line and the
difference between boys and girls (a child's sex never varies within its task, so it cannot be
a task-specific parameter) — and some are **specific** to each child: its own intercept and
growth rate, with a prior learned across children.

lme4 users write this split as a formula, and so does `metaprior fit --formula`:

    distance ~ age + Sex + (age | Subject)

The terms outside the parentheses are shared (fixed effects β); those inside are task-specific
(φ ~ N(ν, Σ)); `Subject` is the task column. `Sex` is a text column: it becomes R's treatment
contrast `SexMale` (Female, first in sort order, is the reference).

Every step is a `metaprior` command; Python writes the data file and reads what metaprior writes.""")

code("""import json
import subprocess
from io import StringIO
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

plt.rcParams.update({"figure.dpi": 150, "axes.grid": True, "grid.alpha": 0.3})
az.rcParams["stats.ci_prob"] = 0.9             # 90% intervals, as the tool's
pd.options.display.float_format = "{:.6g}".format
Path("work").mkdir(exist_ok=True)


""" + METAPRIOR_HELPER + """

print(metaprior("--version"))""")

md("""## The data

The 108 measurements, four per child in age order (8, 10, 12, 14), as nlme 3.1 holds them. They
are written the way R's `write.csv(Orthodont)` writes a data frame — row names in a first
column with an empty header — which `metaprior` reads as a row index and ignores, with a note.""")

code("""# nlme::Orthodont (Potthoff & Roy 1964): distance at ages 8, 10, 12, 14 for each child.
distances = {
    "M01": (26, 25, 29, 31), "M02": (21.5, 22.5, 23, 26.5), "M03": (23, 22.5, 24, 27.5),
    "M04": (25.5, 27.5, 26.5, 27), "M05": (20, 23.5, 22.5, 26), "M06": (24.5, 25.5, 27, 28.5),
    "M07": (22, 22, 24.5, 26.5), "M08": (24, 21.5, 24.5, 25.5), "M09": (23, 20.5, 31, 26),
    "M10": (27.5, 28, 31, 31.5), "M11": (23, 23, 23.5, 25), "M12": (21.5, 23.5, 24, 28),
    "M13": (17, 24.5, 26, 29.5), "M14": (22.5, 25.5, 25.5, 26), "M15": (23, 24.5, 26, 30),
    "M16": (22, 21.5, 23.5, 25), "F01": (21, 20, 21.5, 23), "F02": (21, 21.5, 24, 25.5),
    "F03": (20.5, 24, 24.5, 26), "F04": (23.5, 24.5, 25, 26.5), "F05": (21.5, 23, 22.5, 23.5),
    "F06": (20, 21, 21, 22.5), "F07": (21.5, 22.5, 23, 25), "F08": (23, 23, 23.5, 24),
    "F09": (20, 21, 22, 21.5), "F10": (16.5, 19, 19, 19.5), "F11": (24.5, 25, 28, 28),
}
ages = (8, 10, 12, 14)
rows = [(d, age, child, "Male" if child.startswith("M") else "Female")
        for child, values in distances.items() for age, d in zip(ages, values)]
data = pd.DataFrame(rows, columns=["distance", "age", "Subject", "Sex"])
data.index = range(1, len(data) + 1)
data.to_csv("work/orthodont.csv", index_label="")   # R's write.csv layout: row names first
print(Path("work/orthodont.csv").read_text().splitlines()[:3])
print(len(data), "rows,", data.Subject.nunique(), "children")""")

md("""## Fit: shared and task-specific parts

`--reml` maximises the restricted likelihood, lme4's default criterion; without it the fit
maximises the likelihood (lme4's `REML = FALSE`). The report gives lme4's `summary()` in short.""")

code("""%%bash
TIMEFORMAT='fit (REML): wall time %R s'
time metaprior fit --data work/orthodont.csv --formula 'distance ~ age + Sex + (age | Subject)' --reml \\
    --output work/orth-reml.json
metaprior fit --data work/orthodont.csv --formula 'distance ~ age + Sex + (age | Subject)' \\
    --output work/orth-ml.json --quiet""")

md("""### Beside lme4

Reference values from lme4 1.1, `lmer(distance ~ age + Sex + (age | Subject), data)` (REML)
and with `REML = FALSE` (ML), on the same data read from this CSV (so `Sex` is text and Female
is the reference level). lme4's default optimiser stops short of the optimum of this flat ML
likelihood; the "tight" column reruns it with
`lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-4, rhoend = 2e-11))`, and
metaprior's fit is compared with that one, asking for 5 significant digits (its likelihood is
at least as high as either).""")

code("""reml = json.loads(Path("work/orth-reml.json").read_text())
ml = json.loads(Path("work/orth-ml.json").read_text())

rows = [
    # quantity, metaprior, lme4 default optimiser, lme4 tight optimiser
    ("REML criterion", -2 * reml["log_marginal_likelihood"], 435.233857, 435.233857445),
    ("REML fixef (Intercept)", reml["shared_estimates"][0], 15.48973008, 15.489710173895),
    ("REML fixef age", reml["shared_estimates"][1], 0.66018519, 0.660185185185),
    ("REML fixef SexMale", reml["shared_estimates"][2], 2.14545548, 2.145489081553),
    ("REML std. error SexMale", reml["shared_standard_errors"][2], np.nan, 0.757453606),
    ("REML var (Intercept) | Subject", reml["covariance"][0][0], np.nan, 7.82333287731),
    ("ML log-likelihood", ml["log_marginal_likelihood"], -216.41758076, -216.417580482),
    ("ML fixef SexMale", ml["shared_estimates"][2], 2.14549843, 2.145489132146),
    ("ML std. errors (Intercept)", ml["shared_standard_errors"][0], 0.919865, 0.919815123),
    ("ML var (Intercept) | Subject", ml["covariance"][0][0], 6.99795942, 6.9946187759),
    ("ML var age | Subject", ml["covariance"][1][1], 0.04622124, 0.0461925566),
    ("ML residual variance", ml["noise_variance"], 1.71606015, 1.7162037139),
]
table = pd.DataFrame(rows, columns=["quantity", "metaprior", "lme4 default", "lme4 tight"]).set_index("quantity")
table["relative difference from tight"] = ((table["metaprior"] - table["lme4 tight"]) / table["lme4 tight"]).abs()
pd.options.display.float_format = "{:.10g}".format
display(table)
pd.options.display.float_format = "{:.6g}".format
assert (table["relative difference from tight"] < 1e-5).all()
assert ml["log_marginal_likelihood"] >= -216.41758076 and reml["converged"] and ml["converged"]""")

md("""The shared part is one set of numbers for every child, with standard errors (`vcov`); the
task-specific part is the prior N(ν, Σ) over each child's own intercept and slope. ν holds the
shared estimate of each task-specific term that is also shared (`(Intercept)` and `age`), so a
child's φ is its own coefficient — lme4's `coef()` — and φ − ν its deviation (lme4's `ranef()`).""")

code("""shared = pd.DataFrame({"estimate": reml["shared_estimates"], "std. error": reml["shared_standard_errors"]},
                      index=reml["shared_terms"])
shared["t value"] = shared["estimate"] / shared["std. error"]
Sigma = np.array(reml["covariance"])
sd = np.sqrt(np.diag(Sigma))
specific = pd.DataFrame({"prior mean ν": reml["mean"], "prior sd": sd}, index=reml["features"])
print("shared (fixed effects):"); display(shared)
print("task-specific (random effects), correlation", round(Sigma[0, 1] / (sd[0] * sd[1]), 4)); display(specific)
print("residual sd", round(np.sqrt(reml["noise_variance"]), 6))""")

md("""## A new child from two measurements

Few-shot: for each child, a prior is fitted on the other 26 children, then the child's
posterior is computed from its first two measurements (ages 8 and 10) and its distance at ages
12 and 14 is predicted. The prediction combines both parts: the shared line for the child's sex
at β̂ plus the child's own deviation, whose posterior comes from two points and the learned
prior. Two baselines on the same held-out points: the shared part alone (no adaptation: the
population line for the child's sex) and each child's own least-squares line through its two
points (no prior).""")

code("""formula = "distance ~ age + Sex + (age | Subject)"
results = []
for child in distances:
    others, own = data[data.Subject != child], data[data.Subject == child]
    others.to_csv("work/others.csv", index=False)
    own[own.age <= 10].to_csv("work/support.csv", index=False)
    own[own.age > 10][["age", "Sex"]].to_csv("work/query.csv", index=False)
    metaprior("fit", "--data", "work/others.csv", "--formula", formula, "--reml", "--output", "work/loo.json", "--quiet")
    out = pd.read_csv(StringIO(metaprior("predict", "--prior", "work/loo.json", "--support", "work/support.csv",
                                         "--query", "work/query.csv", "--level", "0.9", "--output", "-", "--quiet")))
    prior = json.loads(Path("work/loo.json").read_text())
    b = dict(zip(prior["shared_terms"], prior["shared_estimates"]))
    truth = own[own.age > 10].distance.to_numpy()
    shared_only = b["(Intercept)"] + b["age"] * out.age + b["SexMale"] * (out.Sex == "Male")
    slope, intercept = np.polyfit(own.age[own.age <= 10], own.distance[own.age <= 10], 1)
    results.append({"child": child, "adapted": np.mean((out["mean"] - truth) ** 2),
                    "shared part only": np.mean((shared_only - truth) ** 2),
                    "own two-point line": np.mean((intercept + slope * out.age - truth) ** 2),
                    "covered": np.mean((out.lower <= truth) & (truth <= out.upper))})
results = pd.DataFrame(results).set_index("child")
summary = pd.DataFrame({"MSE at ages 12, 14": results.iloc[:, :3].mean(),
                        "± standard error": results.iloc[:, :3].std(ddof=1) / np.sqrt(len(results))})
display(summary)
print(f"90% predictive intervals of the adapted prior cover {results.covered.mean():.3f} of the 54 held-out points")""")

check("""shown = results.loc[["M13", "M09", "F10", "F11"], ["adapted", "covered"]]
print("the four children drawn below: MSE of the adapted prediction and the share of their 2 held-out points inside the 90% interval")
print(shown.to_string())
assert (shown.loc[["M13", "M09"], "covered"] < 1).all() and (shown.loc[["F10", "F11"], "covered"] == 1).all()""")

md("""The table above is the whole comparison: each number is a mean over the 27 children (2 held-out
points each) with its standard error across children. Below, four children: their two support
points (filled), held-out points (open), the adapted predictive mean with its 90% interval, and
the shared line of the child's sex. M13 and M09 are the two children whose measurements jump
most from one age to the next (M13: 17 mm at 8, then 24.5 at 10; M09: 20.5 at 10, then 31 at 12),
where two points cannot tell a trend from a jump: both of M13's held-out points and one of
M09's fall outside the 90% interval (printed above); F10 and F11 grow regularly, and both of
their held-out points are inside.""")

code("""fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), sharey=True)
grid = pd.DataFrame({"age": np.linspace(8, 14, 25)})
for ax, child in zip(axes, ["M13", "M09", "F10", "F11"]):
    others, own = data[data.Subject != child], data[data.Subject == child]
    others.to_csv("work/others.csv", index=False)
    own[own.age <= 10].to_csv("work/support.csv", index=False)
    grid.assign(Sex=own.Sex.iloc[0]).to_csv("work/grid.csv", index=False)
    metaprior("fit", "--data", "work/others.csv", "--formula", formula, "--reml", "--output", "work/loo.json", "--quiet")
    out = pd.read_csv(StringIO(metaprior("predict", "--prior", "work/loo.json", "--support", "work/support.csv",
                                         "--query", "work/grid.csv", "--level", "0.9", "--output", "-", "--quiet")))
    b = dict(zip(json.loads(Path("work/loo.json").read_text())["shared_terms"],
                 json.loads(Path("work/loo.json").read_text())["shared_estimates"]))
    male = own.Sex.iloc[0] == "Male"
    ax.fill_between(out.age, out.lower, out.upper, alpha=0.25, label="adapted, 90% interval")
    ax.plot(out.age, out["mean"], label="adapted, mean")
    ax.plot(grid.age, b["(Intercept)"] + b["age"] * grid.age + b["SexMale"] * male, "k--", lw=1, label="shared part only")
    ax.plot(own.age[own.age <= 10], own.distance[own.age <= 10], "o", color="C3", label="support (ages 8, 10)")
    ax.plot(own.age[own.age > 10], own.distance[own.age > 10], "o", mfc="none", color="C3", label="held out")
    ax.set_title(f"{child} ({own.Sex.iloc[0]})")
    ax.set_xlabel("age (years)")
axes[0].set_ylabel("distance (mm)")
axes[0].legend(fontsize=7, loc="upper left")
plt.tight_layout()
plt.show()""", fig=True)

md("""## The sample CSV: what φ is, and the shared values held fixed

`adapt` writes draws of φ with `#` comment lines that map each `phi.k` to its term and give the
shared estimates (with standard errors), which are held at their estimates and have no
posterior here. pandas and ArviZ read it as usual.""")

code("""own = data[data.Subject == "F03"]
own[own.age <= 10].to_csv("work/support.csv", index=False)
metaprior("adapt", "--prior", "work/orth-reml.json", "--data", "work/support.csv", "--draws", "2000",
          "--seed", "1", "--output", "work/f03-draws.csv", "--quiet")
print("\\n".join(line for line in Path("work/f03-draws.csv").read_text().splitlines()[:14] if line.startswith("#")))
draws = pd.read_csv("work/f03-draws.csv", comment="#")
idata = az.from_cmdstan("work/f03-draws.csv", coords={"term": ["(Intercept)", "age"]}, dims={"phi": ["term"]})
print(dict(idata.posterior["phi"].sizes))
display(draws.describe().loc[["mean", "std"]])
az.summary(idata, var_names=["phi"], kind="stats", hdi_prob=0.9)""")

write("notebooks-export/04-shared-and-task-specific.ipynb")
