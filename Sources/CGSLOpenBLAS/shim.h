// SPDX-License-Identifier: GPL-3.0-or-later
// The CGSL module when the build found OpenBLAS (see Package.swift). Its module map lists
// `openblas` before `gsl` and leaves out GSL's reference CBLAS (`gslcblas`), so OpenBLAS comes
// first among the binary's libraries and the dynamic linker binds every cblas_* call —
// ours and libgsl's own (libgsl.so still needs libgslcblas.so, which then loads after
// OpenBLAS and serves nothing) — to OpenBLAS.
#define METAPRIOR_OPENBLAS 1
#include "../CGSL/shim.h"
