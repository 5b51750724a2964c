// SPDX-License-Identifier: GPL-3.0-or-later
// The CGSL module when the build found OpenBLAS (see Package.swift): the same header with
// METAPRIOR_OPENBLAS defined, so the per-task kernels' BLAS wrappers call OpenBLAS's Fortran
// entry points. The module map links GSL and its reference CBLAS first, so GSL's own cblas_*
// calls stay on GSL's CBLAS (see ../CGSL/shim.h for why), and OpenBLAS after them.
#define METAPRIOR_OPENBLAS 1
#include "../CGSL/shim.h"
