# SPDX-License-Identifier: GPL-3.0-or-later
"""Competitor side of scripts/bench-sampler: NumPyro's NUTS on the posterior of one logistic
task, φ ~ N(mean, covariance), y_j ~ Bernoulli(logit⁻¹(x_jᵀφ)), x_j = (1, inputs).

    python3 numpyro_sampler.py TASK.csv PRIOR.json CHAINS WARMUP DRAWS SEED

TASK.csv has the input columns named in PRIOR.json's "inputs" and a 0/1 column "y";
PRIOR.json holds "mean" (d numbers) and "covariance" (d×d, row-major nested lists).
Runs on one CPU core (JAX on CPU, XLA told to use one thread), chains one after another
(chain_method="sequential"). NUTS is run twice with the same seed: the first run includes
JAX's compilation, the second is the sampling alone. Prints JSON: the wall seconds of both
runs, the smallest bulk and tail ESS over φ (ArviZ, rank-normalised), the largest R̂, and
per φ the posterior mean and its Monte Carlo standard error.
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
    task_path, prior_path, chains, warmup, draws, seed = sys.argv[1:7]
    chains, warmup, draws, seed = int(chains), int(warmup), int(draws), int(seed)
    prior = json.load(open(prior_path))
    data = pd.read_csv(task_path)
    x = np.column_stack([np.ones(len(data))] + [data[c].to_numpy(float) for c in prior["inputs"]])
    y = data["y"].to_numpy(float)
    mean = jnp.asarray(prior["mean"], dtype=jnp.float64)
    covariance = jnp.asarray(prior["covariance"], dtype=jnp.float64)
    x, y = jnp.asarray(x), jnp.asarray(y)

    def model():
        phi = numpyro.sample("phi", dist.MultivariateNormal(mean, covariance_matrix=covariance))
        numpyro.sample("y", dist.Bernoulli(logits=x @ phi), obs=y)

    times = []
    for _ in range(2):
        mcmc = MCMC(NUTS(model), num_warmup=warmup, num_samples=draws, num_chains=chains,
                    chain_method="sequential", progress_bar=False)
        start = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(seed))
        jax.block_until_ready(mcmc.get_samples()["phi"])
        times.append(time.perf_counter() - start)
    samples = np.asarray(mcmc.get_samples(group_by_chain=True)["phi"])
    posterior = az.from_dict(posterior={"phi": samples})
    print(json.dumps({
        "seconds_with_compile": times[0], "seconds": times[1],
        "bulk_ess_min": float(az.ess(posterior, method="bulk")["phi"].min()),
        "tail_ess_min": float(az.ess(posterior, method="tail")["phi"].min()),
        "rhat_max": float(az.rhat(posterior)["phi"].max()),
        "mcse": az.mcse(posterior)["phi"].values.tolist(),
        "mean": samples.reshape(-1, samples.shape[-1]).mean(axis=0).tolist(),
    }))


if __name__ == "__main__":
    main()
