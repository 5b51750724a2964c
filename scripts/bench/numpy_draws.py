# SPDX-License-Identifier: GPL-3.0-or-later
"""Competitor side of scripts/bench-draws, run as a whole process:
    python3 scripts/bench/numpy_draws.py POSTERIOR.npz DRAWS SEED OUTPUT
Draws φ ~ N(m, S) with numpy.random.Generator.multivariate_normal, computes
lp__ = log N(φ; m, S) for each draw, and writes lp__,phi.1..phi.d with
numpy.savetxt(fmt="%.17g") — the same shape of file as `metaprior adapt`."""
import sys

import numpy as np


def main():
    source, draws, seed, output = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    posterior = np.load(source)
    m, s = posterior["mean"], posterior["covariance"]
    d = m.size
    rng = np.random.default_rng(seed)
    phi = rng.multivariate_normal(m, s, size=draws)
    lower = np.linalg.cholesky(s)
    z = np.linalg.solve(lower, (phi - m).T)  # z = L⁻¹(φ − m), d × draws
    lp = -0.5 * d * np.log(2 * np.pi) - np.log(np.diag(lower)).sum() - 0.5 * np.einsum("ij,ij->j", z, z)
    table = np.column_stack([lp, phi])
    header = ",".join(["lp__"] + [f"phi.{j + 1}" for j in range(d)])
    np.savetxt(output, table, fmt="%.17g", delimiter=",", header=header, comments="")


if __name__ == "__main__":
    main()
