# SPDX-License-Identifier: GPL-3.0-or-later
"""Competitor side of scripts/bench-conjugate: NumPyro's NUTS on the beta–binomial hierarchy
y_i ~ Bin(n_i, φ_i), φ_i ~ Beta(α, β), p(α, β) ∝ (α + β)^(−5/2) (BDA3 §5.3; metaprior's
default hyperprior), all φ_i sampled explicitly (the same joint posterior as metaprior's joint
draws).

    python3 numpyro_conjugate.py DATA.csv CHAINS WARMUP DRAWS SEED COMPARE [RUNS]

DATA.csv has columns task, successes, trials. NUTS runs in the coordinates
u = logit(α/(α+β)), v = log(α+β): with m = α/(α+β), κ = α+β, |∂(α, β)/∂(m, κ)| = κ,
dm/du = m(1 − m) and dκ/dv = κ, so p(u, v) ∝ κ^(−5/2) · κ · m(1 − m) · κ = κ^(−1/2) m(1 − m),
added with numpyro.factor. One CPU core, chains one after another; run twice with the same
seed (the first run includes JAX's compilation; RUNS = 1 runs once, and both times are that
run's, compilation included). Prints JSON: wall and CPU seconds of both runs (CPU time, all
threads of the process: the fair measure on a shared machine), the
smallest bulk and tail ESS over (m, log κ, every φ_i), the largest R̂, and the posterior mean
and Monte Carlo standard error of m, log κ and φ_1 … φ_COMPARE.
"""
import json
import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import arviz as az  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
import pandas as pd  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402

jax.config.update("jax_enable_x64", True)


def main():
    data_path, chains, warmup, draws, seed, compare = sys.argv[1:7]
    chains, warmup, draws, seed, compare = int(chains), int(warmup), int(draws), int(seed), int(compare)
    runs = int(sys.argv[7]) if len(sys.argv) > 7 else 2
    data = pd.read_csv(data_path)
    y = jnp.asarray(data["successes"].to_numpy(float))
    n = jnp.asarray(data["trials"].to_numpy(float))

    def model():
        u = numpyro.sample("u", dist.ImproperUniform(dist.constraints.real, (), ()))
        v = numpyro.sample("v", dist.ImproperUniform(dist.constraints.real, (), ()))
        m, kappa = jax.nn.sigmoid(u), jnp.exp(v)
        numpyro.factor("hyperprior", -0.5 * v + jnp.log(m) + jnp.log1p(-m))
        numpyro.deterministic("m", m)
        with numpyro.plate("task", y.shape[0]):
            phi = numpyro.sample("phi", dist.Beta(kappa * m, kappa * (1 - m)))
            numpyro.sample("y", dist.Binomial(total_count=n, probs=phi), obs=y)

    times, cpu = [], []
    for _ in range(runs):
        mcmc = MCMC(NUTS(model), num_warmup=warmup, num_samples=draws, num_chains=chains,
                    chain_method="sequential", progress_bar=False)
        start, start_cpu = time.perf_counter(), time.process_time()
        mcmc.run(jax.random.PRNGKey(seed), init_params=None)
        jax.block_until_ready(mcmc.get_samples()["phi"])
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    s = mcmc.get_samples(group_by_chain=True)
    posterior = az.from_dict(posterior={"m": np.asarray(s["m"]), "log_kappa": np.asarray(s["v"]), "phi": np.asarray(s["phi"])})
    bulk, tail, rhat, mcse = az.ess(posterior, method="bulk"), az.ess(posterior, method="tail"), az.rhat(posterior), az.mcse(posterior)
    names = ["m", "log_kappa", "phi"]
    phi = np.asarray(s["phi"])
    print(json.dumps({
        "seconds_with_compile": times[0], "seconds": times[-1],
        "cpu_seconds_with_compile": cpu[0], "cpu_seconds": cpu[-1],
        "bulk_ess_min": float(min(bulk[k].values.min() for k in names)),
        "tail_ess_min": float(min(tail[k].values.min() for k in names)),
        "rhat_max": float(max(rhat[k].values.max() for k in names)),
        "mean": [float(np.mean(s["m"])), float(np.mean(s["v"]))] + phi.reshape(-1, phi.shape[-1]).mean(axis=0)[:compare].tolist(),
        "mcse": [float(mcse["m"]), float(mcse["log_kappa"])] + mcse["phi"].values[:compare].tolist(),
    }))


if __name__ == "__main__":
    main()
