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
#include <gsl/gsl_fft_real.h>
#include <gsl/gsl_fft_halfcomplex.h>

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

/// The same for the Gauss–Hermite rule of GSL's fixed-order quadrature.
static inline const gsl_integration_fixed_type *metaprior_fixed_hermite(void) {
    return gsl_integration_fixed_hermite;
}

/// The same for the minimiser types (BFGS and the Nelder–Mead simplex).
static inline const gsl_multimin_fdfminimizer_type *metaprior_multimin_bfgs2(void) {
    return gsl_multimin_fdfminimizer_vector_bfgs2;
}
static inline const gsl_multimin_fminimizer_type *metaprior_multimin_nmsimplex2(void) {
    return gsl_multimin_fminimizer_nmsimplex2;
}

/// The BLAS of the per-task kernels (PointerKernels, for shapes past their inlined loops), on
/// row-major, tightly packed arrays. Package.swift builds this module from Sources/CGSLOpenBLAS
/// (which defines METAPRIOR_OPENBLAS and also links OpenBLAS) when `pkg-config --exists
/// openblas` succeeds, and from here otherwise.
///
/// With OpenBLAS these call its Fortran entry points (dgemm_ …), which GSL's CBLAS does not
/// define, so they reach OpenBLAS whatever the link order; GSL itself keeps its reference
/// cblas_* (libgslcblas comes first). OpenBLAS is deliberately *not* put under GSL: its
/// rounding differs (FMA, blocking), and code that relies on GSL's exact zeros — the active
/// coordinates of a degenerate posterior's factor — then misjudged a singular prior.
/// Row-major X is column-major Xᵀ, so each wrapper passes the transposed problem.
#ifdef METAPRIOR_OPENBLAS
void openblas_set_num_threads(int num_threads);
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc);
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha, const double *a,
            const int *lda, const double *x, const int *incx, const double *beta, double *y, const int *incy);
void dtrsm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m,
            const int *n, const double *alpha, const double *a, const int *lda, double *b, const int *ldb);
void dtrsv_(const char *uplo, const char *trans, const char *diag, const int *n, const double *a,
            const int *lda, double *x, const int *incx);
void dtrmv_(const char *uplo, const char *trans, const char *diag, const int *n, const double *a,
            const int *lda, double *x, const int *incx);

/// One thread per BLAS call: the per-task loops already run one chunk per core
/// (DeterministicParallel), and a threaded BLAS inside them would oversubscribe the cores.
static inline void metaprior_blas_single_thread(void) { openblas_set_num_threads(1); }
static inline int metaprior_blas_is_optimised(void) { return 1; }

/// C (m×n) ← α·op(A)·op(B) + β·C: column-major Cᵀ = op(B)ᵀ·op(A)ᵀ.
static inline void metaprior_dgemm(int transA, int transB, int m, int n, int k, double alpha,
                                   const double *a, const double *b, double beta, double *c) {
    const char ta = transA ? 'T' : 'N', tb = transB ? 'T' : 'N';
    const int lda = transA ? m : k, ldb = transB ? k : n;
    dgemm_(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &n);
}
/// y ← α·op(A)·x + β·y for A m×n: A is the column-major n×m Aᵀ.
static inline void metaprior_dgemv(int trans, int m, int n, double alpha, const double *a,
                                   const double *x, double beta, double *y) {
    const char t = trans ? 'N' : 'T';
    const int one = 1;
    dgemv_(&t, &n, &m, &alpha, a, &n, x, &one, &beta, y, &one);
}
/// B (n×m) ← L⁻¹B or L⁻ᵀB for lower L: column-major U = Lᵀ (upper), Bᵀ ← Bᵀ·U⁻¹ or Bᵀ·U⁻ᵀ.
static inline void metaprior_dtrsm_lower(int trans, int n, int m, const double *l, double *b) {
    const char side = 'R', uplo = 'U', t = trans ? 'T' : 'N', diag = 'N';
    const double one = 1;
    dtrsm_(&side, &uplo, &t, &diag, &m, &n, &one, l, &n, b, &m);
}
/// x ← L⁻¹x (Uᵀx = b) or L⁻ᵀx (U x = b).
static inline void metaprior_dtrsv_lower(int trans, int n, const double *l, double *x) {
    const char uplo = 'U', t = trans ? 'N' : 'T', diag = 'N';
    const int one = 1;
    dtrsv_(&uplo, &t, &diag, &n, l, &n, x, &one);
}
/// x ← L·x = Uᵀx.
static inline void metaprior_dtrmv_lower(int n, const double *l, double *x) {
    const char uplo = 'U', t = 'T', diag = 'N';
    const int one = 1;
    dtrmv_(&uplo, &t, &diag, &n, l, &n, x, &one);
}
#else
static inline void metaprior_blas_single_thread(void) {}
static inline int metaprior_blas_is_optimised(void) { return 0; }

static inline void metaprior_dgemm(int transA, int transB, int m, int n, int k, double alpha,
                                   const double *a, const double *b, double beta, double *c) {
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n);
}
static inline void metaprior_dgemv(int trans, int m, int n, double alpha, const double *a,
                                   const double *x, double beta, double *y) {
    cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, n, x, 1, beta, y, 1);
}
static inline void metaprior_dtrsm_lower(int trans, int n, int m, const double *l, double *b) {
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit,
                n, m, 1, l, n, b, m);
}
static inline void metaprior_dtrsv_lower(int trans, int n, const double *l, double *x) {
    cblas_dtrsv(CblasRowMajor, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit, n, l, n, x, 1);
}
static inline void metaprior_dtrmv_lower(int n, const double *l, double *x) {
    cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, l, n, x, 1);
}
#endif

#endif
