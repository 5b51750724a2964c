// SPDX-License-Identifier: GPL-3.0-or-later
// The one header the Swift layer sees of GSL.
#ifndef METAPRIOR_CGSL_SHIM_H
#define METAPRIOR_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_integration.h>

/// Layout of GSL's private Mersenne Twister state (rng/mt.c, GSL 1.x–2.x), so that a
/// generator can be seeded from a 64-bit seed *and* a 64-bit stream index: gsl_rng_set
/// takes only 32 bits, which would make many substreams collide.
typedef struct {
    unsigned long mt[624];
    int mti;
} metaprior_mt_state;

/// GSL exports generator types as global variables, which Swift 6 treats as shared mutable
/// state; a function returning the constant pointer is safe to call.
static inline const gsl_rng_type *metaprior_mt19937(void) { return gsl_rng_mt19937; }

/// The same for the minimiser types (BFGS and the Nelder–Mead simplex).
static inline const gsl_multimin_fdfminimizer_type *metaprior_multimin_bfgs2(void) {
    return gsl_multimin_fdfminimizer_vector_bfgs2;
}
static inline const gsl_multimin_fminimizer_type *metaprior_multimin_nmsimplex2(void) {
    return gsl_multimin_fminimizer_nmsimplex2;
}

/// Which BLAS serves GSL's cblas_* calls. Package.swift builds this module from
/// Sources/CGSLOpenBLAS (which defines METAPRIOR_OPENBLAS and links OpenBLAS ahead of GSL)
/// when `pkg-config --exists openblas` succeeds, and from here (GSL's reference CBLAS) otherwise.
#ifdef METAPRIOR_OPENBLAS
void openblas_set_num_threads(int num_threads);
/// One thread per BLAS call: the per-task loops already run one chunk per core
/// (DeterministicParallel), and a threaded BLAS inside them would oversubscribe the cores.
static inline void metaprior_blas_single_thread(void) { openblas_set_num_threads(1); }
static inline int metaprior_blas_is_optimised(void) { return 1; }
#else
static inline void metaprior_blas_single_thread(void) {}
static inline int metaprior_blas_is_optimised(void) { return 0; }
#endif

#endif
