// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A dimension known at compile time: the fused per-task kernels are generic over it, so the
/// compiler specialises them for each d ≤ ``FusedTaskKernels/largestOrder`` and unrolls every
/// loop over d.
protocol FixedOrder { static var value: Int { get } }
enum Order1: FixedOrder { static var value: Int { 1 } }
enum Order2: FixedOrder { static var value: Int { 2 } }
enum Order3: FixedOrder { static var value: Int { 3 } }
enum Order4: FixedOrder { static var value: Int { 4 } }
enum Order5: FixedOrder { static var value: Int { 5 } }
enum Order6: FixedOrder { static var value: Int { 6 } }
enum Order7: FixedOrder { static var value: Int { 7 } }
enum Order8: FixedOrder { static var value: Int { 8 } }

/// One chunk of tasks of the per-task loops of the d ≤ 8 fits (``ProfiledLikelihood``,
/// ``ExpectationMaximisation``), each task's steps fused into one loop body over the
/// struct-of-arrays layout of ``TaskStatistics`` (all A_i packed, then all b_i, …). Used
/// where no task takes the thin form (ProfiledLikelihood+Thin.swift) and Σ has full rank
/// r = d; elsewhere the general loops run.
///
/// Why hand-written: at d = 3 a task's work is a few hundred flops, and the general path
/// makes about ten kernel calls per task per evaluation (`PointerKernels`: a size test, a
/// lazily initialised limit, loops over runtime sizes; profiled on 1,000,000 tasks they and
/// the per-access retains of the arrays took over 60 % of the fit), each costing more than
/// its arithmetic — a BLAS call would cost more still. Here the order d is a type: the
/// optimiser specialises each generic body for the order its switch names (a profile shows
/// the Order3 body at d = 3), so every loop has a constant trip count and is unrolled, and
/// the body calls nothing but `log`.
///
/// The loops perform the floating-point operations of `SmallKernels` (GSL's reference CBLAS
/// order) in the same order, so where the general path runs those loops (d³ ≤ 216 with
/// OpenBLAS, i.e. d ≤ 6; every d ≤ 8 with GSL's CBLAS) the results are bit-identical; where it
/// calls OpenBLAS (d = 7, 8) they agree to rounding (FusedTaskKernelTests: 1e-12 relative).
enum FusedTaskKernels {
    /// The largest d with a fused kernel.
    static let largestOrder = 8

    /// The task arrays a chunk reads, as pointers (no array is touched inside the loops).
    struct Tasks {
        var gram: UnsafePointer<Double>
        var cross: UnsafePointer<Double>
        var squares: UnsafePointer<Double>
        var weights: UnsafePointer<Double>
        var counts: UnsafePointer<Int>
    }

    /// The profiled likelihood's pass over `range` at Λ (d×d, r = d): stores U_t and v_t and
    /// adds −Σ wUᵀU (d²), Σ wz (d), Σ wq and Σ w log|M̃| to `sums` (see ``ProfiledLikelihood``).
    /// Returns the first task whose M̃ has no Cholesky factor, or `nil`.
    static func profiled(order d: Int, _ tasks: Tasks, range: Range<Int>, factor: UnsafePointer<Double>,
                         projectedFactor: UnsafeMutablePointer<Double>, projectedCross: UnsafeMutablePointer<Double>,
                         sums: UnsafeMutablePointer<Double>) -> Int? {
        switch d {
        case 1: return profiled(Order1.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 2: return profiled(Order2.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 3: return profiled(Order3.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 4: return profiled(Order4.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 5: return profiled(Order5.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 6: return profiled(Order6.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 7: return profiled(Order7.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        case 8: return profiled(Order8.self, tasks, range, factor, projectedFactor, projectedCross, sums)
        default: preconditionFailure("FusedTaskKernels: order \(d) > \(largestOrder)")
        }
    }

    private static func profiled<D: FixedOrder>(_: D.Type, _ tasks: Tasks, _ range: Range<Int>, _ lambda: UnsafePointer<Double>,
                                                 _ UU: UnsafeMutablePointer<Double>, _ VV: UnsafeMutablePointer<Double>,
                                                 _ sums: UnsafeMutablePointer<Double>) -> Int? {
        let d = D.value, r = D.value
        let m = UnsafeMutablePointer<Double>.allocate(capacity: r * r)
        defer { m.deallocate() }
        for t in range {
            let w = tasks.weights[t]
            let a = tasks.gram + t * d * d, b = tasks.cross + t * d
            let u = UU + t * r * d, v = VV + t * r
            guard project(D.self, lambda, a, b, u, v, m) else { return t }
            guard w != 0 else { continue }
            // Σ wX −= wUᵀU, Σ wz += w(b − Uᵀv), Σ wq += w(c − vᵀv), Σ w log|M̃|.
            for p in 0..<r {
                for i in 0..<d {
                    let s = -w * u[p * d + i]
                    if s == 0 { continue }
                    for j in 0..<d { sums[i * d + j] += s * u[p * d + j] }
                }
            }
            for i in 0..<d { sums[d * d + i] += w * b[i] }
            for i in 0..<r {
                let s = -w * v[i]
                if s == 0 { continue }
                for j in 0..<d { sums[d * d + j] += s * u[i * d + j] }
            }
            var q = tasks.squares[t]
            for i in 0..<r { q -= v[i] * v[i] }
            sums[d * d + d] += w * q
            var logSum = 0.0
            for i in 0..<r { logSum += log(m[i * r + i]) }
            sums[d * d + d + 1] += w * (2 * logSum)
        }
        return nil
    }

    /// One task's projection at Λ (d×d): C = ΛᵀA (into u), M̃ = I + CΛ symmetrised, R = chol(M̃)
    /// (into m), U = R⁻¹C (into u) and v = R⁻¹Λᵀb; false where M̃ has no Cholesky factor.
    @inline(__always)
    static func project<D: FixedOrder>(_: D.Type, _ lambda: UnsafePointer<Double>, _ a: UnsafePointer<Double>,
                                       _ b: UnsafePointer<Double>, _ u: UnsafeMutablePointer<Double>,
                                       _ v: UnsafeMutablePointer<Double>, _ m: UnsafeMutablePointer<Double>) -> Bool {
        let d = D.value, r = D.value
        transposedProduct(D.self, lambda, a, into: u, alpha: 1)
        product(D.self, u, lambda, into: m)
        addToDiagonalAndSymmetrise(D.self, m, 1)
        guard cholesky(D.self, m) else { return false }
        solveLower(D.self, m, u)
        for j in 0..<r { v[j] = 0 }
        for i in 0..<d {
            let s = b[i]
            if s == 0 { continue }
            for j in 0..<r { v[j] += s * lambda[i * r + j] }
        }
        v[0] /= m[0]
        for i in 1..<r {
            var s = v[i]
            for j in 0..<i { s -= m[i * r + j] * v[j] }
            v[i] = s / m[i * r + i]
        }
        return true
    }

    /// E's pass over `range`: adds w e eᵀ, e = (b − Aμ̂) − Uᵀ(v − Uμ̂), to `sums` (d×d), from
    /// the U_t and v_t the last ``profiled(order:_:range:factor:projectedFactor:projectedCross:sums:)`` stored.
    static func residualOuter(order d: Int, _ tasks: Tasks, range: Range<Int>, mean: UnsafePointer<Double>,
                              projectedFactor: UnsafePointer<Double>, projectedCross: UnsafePointer<Double>,
                              sums: UnsafeMutablePointer<Double>) {
        switch d {
        case 1: residualOuter(Order1.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 2: residualOuter(Order2.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 3: residualOuter(Order3.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 4: residualOuter(Order4.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 5: residualOuter(Order5.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 6: residualOuter(Order6.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 7: residualOuter(Order7.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        case 8: residualOuter(Order8.self, tasks, range, mean, projectedFactor, projectedCross, sums)
        default: preconditionFailure("FusedTaskKernels: order \(d) > \(largestOrder)")
        }
    }

    @inline(__always)
    private static func residualOuter<D: FixedOrder>(_: D.Type, _ tasks: Tasks, _ range: Range<Int>, _ mu: UnsafePointer<Double>,
                                                      _ UU: UnsafePointer<Double>, _ VV: UnsafePointer<Double>,
                                                      _ sums: UnsafeMutablePointer<Double>) {
        let d = D.value, r = D.value
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: d + r)
        defer { scratch.deallocate() }
        let e = scratch, s = scratch + d
        for t in range where tasks.weights[t] != 0 {
            let w = tasks.weights[t]
            let a = tasks.gram + t * d * d, u = UU + t * r * d
            for i in 0..<d {
                var sum = 0.0
                for j in 0..<d { sum += mu[j] * a[i * d + j] }
                e[i] = tasks.cross[t * d + i]
                e[i] += -1 * sum
            }
            for i in 0..<r {
                var sum = 0.0
                for j in 0..<d { sum += mu[j] * u[i * d + j] }
                s[i] = VV[t * r + i]
                s[i] += -1 * sum
            }
            for i in 0..<r {
                let c = -1 * s[i]
                if c == 0 { continue }
                for j in 0..<d { e[j] += c * u[i * d + j] }
            }
            for i in 0..<d {
                let we = w * e[i]
                for j in 0..<d { sums[i * d + j] += we * e[j] }
            }
        }
    }

    /// c ← α·xᵀy for d×d x, y: SmallKernels' transposeA product (a zero α·x entry skipped).
    @inline(__always)
    static func transposedProduct<D: FixedOrder>(_: D.Type, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
                                                 into c: UnsafeMutablePointer<Double>, alpha: Double) {
        let d = D.value
        for i in 0..<(d * d) { c[i] = 0 }
        for p in 0..<d {
            for i in 0..<d {
                let s = alpha * x[p * d + i]
                if s == 0 { continue }
                for j in 0..<d { c[i * d + j] += s * y[p * d + j] }
            }
        }
    }

    /// c ← x·y for d×d x, y: SmallKernels' plain product (a zero x entry skipped).
    @inline(__always)
    static func product<D: FixedOrder>(_: D.Type, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
                                       into c: UnsafeMutablePointer<Double>) {
        let d = D.value
        for i in 0..<(d * d) { c[i] = 0 }
        for i in 0..<d {
            for p in 0..<d {
                let s = x[i * d + p]
                if s == 0 { continue }
                for j in 0..<d { c[i * d + j] += s * y[p * d + j] }
            }
        }
    }

    /// m ← (m + mᵀ)/2 + value·I, as the general loops do it before a factorisation.
    @inline(__always)
    static func addToDiagonalAndSymmetrise<D: FixedOrder>(_: D.Type, _ m: UnsafeMutablePointer<Double>, _ value: Double) {
        let d = D.value
        for i in 0..<d {
            m[i * d + i] += value
            for j in 0..<i { let s = 0.5 * (m[i * d + j] + m[j * d + i]); m[i * d + j] = s; m[j * d + i] = s }
        }
    }

    /// b ← L⁻¹b for the lower-triangular d×d L and d×d b, rows top down (SmallKernels' order).
    @inline(__always)
    static func solveLower<D: FixedOrder>(_: D.Type, _ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
        let d = D.value
        for i in 0..<d {
            let diagonal = l[i * d + i]
            for j in 0..<d { b[i * d + j] /= diagonal }
            for p in (i + 1)..<d {
                let lpi = l[p * d + i]
                for j in 0..<d { b[p * d + j] -= lpi * b[i * d + j] }
            }
        }
    }

    /// Cholesky of the d×d `a` in place, in SmallKernels' (GSL's unblocked) order; false when
    /// a pivot is not positive and finite.
    @inline(__always)
    static func cholesky<D: FixedOrder>(_: D.Type, _ a: UnsafeMutablePointer<Double>) -> Bool {
        let n = D.value
        for j in 0..<n {
            if j > 0 {
                for i in j..<n {
                    var sum = 0.0
                    for p in 0..<j { sum += a[j * n + p] * a[i * n + p] }
                    a[i * n + j] += -1 * sum
                }
            }
            let pivot = a[j * n + j]
            guard pivot > 0, pivot.isFinite else { return false }
            let scale = 1 / pivot.squareRoot()
            for i in j..<n { a[i * n + j] *= scale }
            for i in (j + 1)..<n { a[j * n + i] = 0 }
        }
        return true
    }
}

extension TaskStatistics {
    /// Runs `body` with pointers to the task arrays (valid during the call only).
    func withFusedTasks<Result>(_ body: (FusedTaskKernels.Tasks) throws -> Result) rethrows -> Result {
        try gram.withUnsafeBufferPointer { A in
            try cross.withUnsafeBufferPointer { B in
                try targetSquares.withUnsafeBufferPointer { C in
                    try weights.withUnsafeBufferPointer { W in
                        try counts.withUnsafeBufferPointer { N in
                            try body(FusedTaskKernels.Tasks(gram: A.baseAddress!, cross: B.baseAddress!, squares: C.baseAddress!,
                                                            weights: W.baseAddress!, counts: N.baseAddress!))
                        }
                    }
                }
            }
        }
    }
}
