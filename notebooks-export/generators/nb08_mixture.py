# SPDX-License-Identifier: GPL-3.0-or-later
"""Section 4 of notebook 08 (make_08.py): the mixture prior with --components auto, which tasks
went where, and the checks of its fit and of its place in the comparison of section 2. The
cells use section 1's `truth`, `descriptors`, `objectives` and `n_segments`, and section 2's
`summary`, `hurt`, `per_objective` and `gain_descriptors`."""
from nbcells import check, code, md

CELLS = [
(md, """## 4. A mixture prior finds the groups itself

Descriptors need the grouping to be known. A mixture of Gaussians over φ, fitted by EM over the
tasks, can find it: `--components auto` fits K = 1 … 5 and chooses K by the held-out 5-shot
predictive density on a quarter of the tasks, with BIC beside it. No objective labels are given."""),

(code, """metaprior("fit", "--data", "work/pairs.csv", *TARGETS, "--model", "gaussian_mixture", "--components", "auto",
          "--output", "work/mixture.json")
mixture = json.loads(Path("work/mixture.json").read_text())
stages = {stage["stage"]: stage for stage in mixture["training"]["stages"]}
for stage in stages.values():
    print(f"{stage['stage']}: {stage['ending']} after {stage['iterations']} iterations; criterion "
          f"{stage['criterion']:.2g} (tolerance {stage['tolerance']:.0e}); log marginal likelihood {stage['value']:.6f}")
selection = pd.DataFrame(mixture["component_selection"]).set_index("components")
K = int(selection.index[selection["chosen"]][0])
print("chosen K =", K)
selection[["held_out_log_predictive", "standard_error", "shortfall", "shortfall_se", "bic", "converged", "chosen"]]"""),

(md, """Which tasks went where? `metaprior adapt` on each task's own 40 points gives the mixture
posterior; the `component` column of its draws says which component each draw came from, so the
share of draws in a component is that task's posterior probability of belonging to it."""),

(code, """components = pd.DataFrame(mixture["means"], columns=truth.columns, index=[f"component {k + 1}" for k in range(K)])
components.insert(0, "π", mixture["weights"])
display(components)
assignment = []
for task in descriptors["task"]:
    metaprior("adapt", "--prior", "work/mixture.json", "--data", "work/tasks.csv", "--task-id", task,
              "--draws", 200, "--seed", 1, "--output", "work/mixture-draws.csv", "--quiet")
    draws = pd.read_csv("work/mixture-draws.csv", comment="#")
    assignment.append({"task": task, "objective": task.split("/")[1],
                       "component": int(draws["component"].mode()[0]), "share": (draws["component"] == draws["component"].mode()[0]).mean()})
assignment = pd.DataFrame(assignment)
pd.crosstab(assignment["objective"], assignment["component"]).loc[objectives]"""),

(check, """crosstab = pd.crosstab(assignment["objective"], assignment["component"])
click_component = crosstab.loc["click"].idxmax()
print("chosen K:", K, "; BIC:", selection["bic"].round(1).to_dict())
print("click tasks in their component:", int(crosstab.loc["click", click_component]), "of", n_segments,
      "; other tasks in it:", int(crosstab.drop(index="click")[click_component].sum()),
      "; smallest posterior share of a task's component:", round(assignment["share"].min(), 3))
assert K == 2 and selection["bic"].idxmin() == 2 and selection.loc[1, "shortfall"] > 2 * selection.loc[1, "shortfall_se"]
assert crosstab.loc["click", click_component] == n_segments and crosstab.drop(index="click")[click_component].sum() == 0
gain_mixture = summary.loc["mixture"]
print(f"mixture minus learned (paired over tasks): {gain_mixture['minus_learned']:+.4f} ± {gain_mixture['minus_learned_se']:.4f};"
      f" tasks hurt: {int(hurt.loc['mixture'].sum())}, tasks losing at all: {int(gain_mixture['losing'])}")
n_losing_mixture = int(hurt.loc["mixture"].sum())
assert n_losing_mixture == 0 and gain_mixture["minus_learned"] > 2 * gain_mixture["minus_learned_se"]
mixture_vs_descriptors = gain_descriptors["minus_learned"] - gain_mixture["minus_learned"]
print(f"descriptors ahead of the mixture by {mixture_vs_descriptors:.4f}")
# the fit converged: EM handed on to the Newton finish, whose decrement per task met the tolerance,
# and the finish never lowers ℓ
print("converged:", mixture["converged"], "; converged fits in the choice of K:", selection["converged"].to_dict())
assert mixture["converged"]
assert stages["newton"]["ending"] == "converged" and stages["newton"]["criterion"] <= stages["newton"]["tolerance"]
assert stages["newton"]["value"] >= stages["em"]["value"]
assert abs(gain_mixture["minus_learned"] - 0.027) < 0.002 and abs(gain_mixture["minus_learned_se"] - 0.003) < 0.001
assert 0 < mixture_vs_descriptors
# section 2's claim: every objective gains more under the mixture than under the shared prior
assert (per_objective.loc["mixture"] > per_objective.loc["learned"]).all()"""),

(md, """The held-out score chooses K = 2 and BIC agrees (printed above): one component for clicks and
one for the three objectives that agree — every click task, and nothing else, has its highest
posterior probability on the click component. EM alone is slow here: even SQUAREM-accelerated it
ends with ℓ still creeping up (the `em` line above). The one Newton finish that follows, from the
best start, converges: its Newton decrement per task is below the 10⁻⁹ tolerance (the `newton`
line), and its ℓ is above EM's (the `converged` column says which fits of the choice of K
converged). In the comparison (section 2) the
mixture, fitted on the meta-train tasks alone, also hurts no held-out task and beats the single
shared prior by 0.027 ± 0.003 nats per query point; it trails the descriptor-conditioned prior a little,
as it must learn the grouping that the descriptors are given, and it puts watch, like and
share in one component although their coefficients differ by 0.1 to 0.2 (the segments' sd is 0.15)."""),
]


def mixture_section():
    """Appends section 4's cells to the notebook being built."""
    for add, source in CELLS:
        add(source)
