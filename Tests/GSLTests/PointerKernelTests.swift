// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

/// SplitMix64 (Steele, Lea & Flood 2014): a seeded generator, so every run draws the same shapes.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The loops of `SmallKernels` on random shapes m, n, k ∈ 1…12, both transposes, several α
/// and β: bit for bit against GSL's reference CBLAS (`GSLReferenceKernels`, the path they
/// replaced, whose operation order they follow), and to rounding against the BLAS the build
/// linked (`BLASKernels`: OpenBLAS or GSL's CBLAS) and GSL's Cholesky.
///
/// Tolerances for the latter: the two paths may sum in different orders. Each sum of k products is within
/// γ_k·Σ|a_ip b_pj| of the exact one (γ_k = k·u/(1 − k·u), u = 2⁻⁵³; Higham 2002, §3.1),
/// so the two results differ by at most 2γ_k times that absolute sum, plus one rounding of
/// the α/β update: the test allows 4·(k + 2)·u·(|α|·Σ|a||b| + |β|·|c|). The triangular
/// solves and the Cholesky factor are backward stable; on the well-conditioned matrices
/// drawn here (A = BBᵀ + n·I, condition number below about 10) the allowance is 64·n·u
/// relative to the largest entry.
@Suite("Per-task kernels")
struct PointerKernelTests {
    static let u = Double.ulpOfOne / 2

    private static func randomMatrix(_ count: Int, _ rng: inout SplitMix) -> [Double] {
        (0..<count).map { _ in Double.random(in: -1...1, using: &rng) }
    }

    /// An SPD n×n matrix B Bᵀ + n·I with B uniform in [−1, 1].
    private static func spd(_ n: Int, _ rng: inout SplitMix) -> [Double] {
        let b = randomMatrix(n * n, &rng)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<n { s += b[i * n + p] * b[j * n + p] }
                a[i * n + j] = s + (i == j ? Double(n) : 0)
            }
        }
        return a
    }

    @Test func loopsEqualGSLReferenceBitForBit() {
        var rng = SplitMix(state: 1130)
        let scalars: [(Double, Double)] = [(1, 0), (1, 1), (-1, 1), (0.37, -2.5), (2, 0), (0, 0.5)]
        for _ in 0..<400 {
            let m = Int.random(in: 1...12, using: &rng), n = Int.random(in: 1...12, using: &rng)
            let k = Int.random(in: 1...12, using: &rng)
            let transposeA = Bool.random(using: &rng), transposeB = Bool.random(using: &rng)
            let (alpha, beta) = scalars[Int.random(in: 0..<scalars.count, using: &rng)]
            var a = Self.randomMatrix(m * k, &rng), b = Self.randomMatrix(k * n, &rng)
            a[0] = 0  // exercises the reference's skip of zero terms
            b[b.count - 1] = 0
            let c0 = Self.randomMatrix(m * n, &rng)
            var loops = c0, reference = c0
            SmallKernels.multiply(a, b, into: &loops, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                  alpha: alpha, beta: beta)
            GSLReferenceKernels.multiply(a, b, into: &reference, m: m, n: n, k: k, transposeA: transposeA,
                                         transposeB: transposeB, alpha: alpha, beta: beta)
            #expect(loops == reference, "dgemm m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB) α \(alpha) β \(beta)")
            let x = Self.randomMatrix(transposeA ? m : k, &rng)
            let y0 = Self.randomMatrix(transposeA ? k : m, &rng)
            var yLoops = y0, yReference = y0
            SmallKernels.multiply(a, vector: x, into: &yLoops, rows: m, columns: k, transpose: transposeA, alpha: alpha, beta: beta)
            GSLReferenceKernels.multiply(a, vector: x, into: &yReference, rows: m, columns: k, transpose: transposeA,
                                         alpha: alpha, beta: beta)
            #expect(yLoops == yReference, "dgemv m \(m) n \(k) t \(transposeA) α \(alpha) β \(beta)")
        }
        for n in 1...PointerKernels.loopTriangularOrder {
            let spd = Self.spd(n, &rng)
            var l = spd, gslFactor = spd
            #expect(SmallKernels.choleskyInPlace(&l, n: n))
            #expect(BLASKernels.choleskyInPlace(&gslFactor, n: n))  // GSL's own, always on its CBLAS
            if n <= PointerKernels.loopCholeskyOrder { #expect(l == gslFactor, "Cholesky n \(n)") }
            for columns in [1, 2, 5, 12] {
                for transpose in [false, true] {
                    let b = Self.randomMatrix(n * columns, &rng)
                    var loops = b, reference = b
                    SmallKernels.solveLower(l, n: n, &loops, columns: columns, transpose: transpose)
                    GSLReferenceKernels.solveLower(l, n: n, &reference, columns: columns, transpose: transpose)
                    #expect(loops == reference, "dtrsm n \(n) m \(columns) t \(transpose)")
                }
            }
            for transpose in [false, true] {
                let v = Self.randomMatrix(n, &rng)
                var loops = v, reference = v
                SmallKernels.solveLower(l, n: n, vector: &loops, transpose: transpose)
                GSLReferenceKernels.solveLower(l, n: n, vector: &reference, transpose: transpose)
                #expect(loops == reference, "dtrsv n \(n) t \(transpose)")
            }
            let v = Self.randomMatrix(n, &rng)
            var loops = v, reference = v
            SmallKernels.multiplyLower(l, n: n, vector: &loops)
            GSLReferenceKernels.multiplyLower(l, n: n, vector: &reference)
            #expect(loops == reference, "dtrmv n \(n)")
        }
    }

    @Test func productsMatchBLAS() {
        var rng = SplitMix(state: 20261130)
        let scalars: [(Double, Double)] = [(1, 0), (1, 1), (-1, 1), (0.37, -2.5), (2, 0)]
        var checked = 0
        for _ in 0..<400 {
            let m = Int.random(in: 1...12, using: &rng), n = Int.random(in: 1...12, using: &rng)
            let k = Int.random(in: 1...12, using: &rng)
            let transposeA = Bool.random(using: &rng), transposeB = Bool.random(using: &rng)
            let (alpha, beta) = scalars[Int.random(in: 0..<scalars.count, using: &rng)]
            let a = Self.randomMatrix(m * k, &rng), b = Self.randomMatrix(k * n, &rng)
            let c0 = Self.randomMatrix(m * n, &rng)
            var loops = c0, blas = c0
            SmallKernels.multiply(a, b, into: &loops, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                  alpha: alpha, beta: beta)
            BLASKernels.multiply(a, b, into: &blas, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                 alpha: alpha, beta: beta)
            for i in 0..<m {
                for j in 0..<n {
                    var magnitude = 0.0
                    for p in 0..<k {
                        let x = transposeA ? a[p * m + i] : a[i * k + p]
                        let y = transposeB ? b[j * k + p] : b[p * n + j]
                        magnitude += abs(x * y)
                    }
                    let bound = 4 * Double(k + 2) * Self.u * (abs(alpha) * magnitude + abs(beta) * abs(c0[i * n + j]))
                    #expect(abs(loops[i * n + j] - blas[i * n + j]) <= bound,
                            "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB) α \(alpha) β \(beta) at (\(i), \(j))")
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test func matrixVectorProductsMatchBLAS() {
        var rng = SplitMix(state: 7)
        for _ in 0..<300 {
            let m = Int.random(in: 1...12, using: &rng), n = Int.random(in: 1...12, using: &rng)
            let transpose = Bool.random(using: &rng)
            let (alpha, beta) = [(1.0, 0.0), (-1, 1), (0.5, 3)][Int.random(in: 0..<3, using: &rng)]
            let a = Self.randomMatrix(m * n, &rng)
            let x = Self.randomMatrix(transpose ? m : n, &rng)
            let y0 = Self.randomMatrix(transpose ? n : m, &rng)
            var loops = y0, blas = y0
            SmallKernels.multiply(a, vector: x, into: &loops, rows: m, columns: n, transpose: transpose, alpha: alpha, beta: beta)
            BLASKernels.multiply(a, vector: x, into: &blas, rows: m, columns: n, transpose: transpose, alpha: alpha, beta: beta)
            let k = transpose ? m : n
            for i in 0..<y0.count {
                // Σ|a||x| ≤ k here (entries in [−1, 1]), a bound as safe as the exact sum.
                let bound = 4 * Double(k + 2) * Self.u * (abs(alpha) * Double(k) + abs(beta) * abs(y0[i]))
                #expect(abs(loops[i] - blas[i]) <= bound, "m \(m) n \(n) transpose \(transpose) at \(i)")
            }
        }
    }

    @Test func betaZeroDoesNotReadTheOutput() {
        // BLAS semantics: with β = 0 the output may hold anything, NaN included.
        let a: [Double] = [1, 2, 3, 4], b: [Double] = [5, 6, 7, 8]
        var c = [Double](repeating: .nan, count: 4)
        SmallKernels.multiply(a, b, into: &c, m: 2, n: 2, k: 2, transposeA: false, transposeB: false, alpha: 1, beta: 0)
        #expect(c == [19, 22, 43, 50])  // [[1,2],[3,4]]·[[5,6],[7,8]], exact in binary
        var y = [Double](repeating: .nan, count: 2)
        SmallKernels.multiply(a, vector: [1, 1], into: &y, rows: 2, columns: 2, transpose: true, alpha: 1, beta: 0)
        #expect(y == [4, 6])
    }

    @Test func choleskyAndSolvesMatchGSL() throws {
        var rng = SplitMix(state: 99)
        for n in 1...12 {
            let a = Self.spd(n, &rng)
            var loops = a, gsl = a
            #expect(SmallKernels.choleskyInPlace(&loops, n: n))
            #expect(BLASKernels.choleskyInPlace(&gsl, n: n))
            let scale = gsl.map(abs).max()!
            let tolerance = 64 * Double(n) * Self.u * scale
            #expect(zip(loops, gsl).allSatisfy { abs($0 - $1) <= tolerance }, "Cholesky n \(n)")
            // |Δ log L_ii| ≤ |ΔL_ii| / L_ii with L_ii ≥ √n (A ≥ n·I), over 2n terms, plus rounding.
            let logDetBound = 2 * Double(n) * tolerance / Double(n).squareRoot() + 4 * Double(n) * Self.u * abs(log(scale))
            #expect(abs(PointerKernels.logDeterminant(cholesky: loops, n: n)
                        - PointerKernels.logDeterminant(cholesky: gsl, n: n)) <= logDetBound + 1e-15)
            for columns in [1, 3, 12] {
                for transpose in [false, true] {
                    let b = Self.randomMatrix(n * columns, &rng)
                    var x = b, y = b
                    SmallKernels.solveLower(loops, n: n, &x, columns: columns, transpose: transpose)
                    BLASKernels.solveLower(gsl, n: n, &y, columns: columns, transpose: transpose)
                    let size = max(y.map(abs).max()!, 1)
                    #expect(zip(x, y).allSatisfy { abs($0 - $1) <= 64 * Double(n) * Self.u * size }, "solve n \(n) m \(columns) t \(transpose)")
                    if columns == 1 {
                        var z = b
                        BLASKernels.solveLower(gsl, n: n, vector: &z, transpose: transpose)
                        #expect(zip(x, z).allSatisfy { abs($0 - $1) <= 64 * Double(n) * Self.u * size })
                    }
                }
            }
            let v = Self.randomMatrix(n, &rng)
            var lv = v, bv = v
            SmallKernels.multiplyLower(loops, n: n, vector: &lv)
            BLASKernels.multiplyLower(gsl, n: n, vector: &bv)
            #expect(zip(lv, bv).allSatisfy { abs($0 - $1) <= 64 * Double(n) * Self.u * scale * Double(n) })
        }
    }

    @Test func choleskyRejectsWhatIsNotPositiveDefinite() {
        // [[1, 2], [2, 1]] has eigenvalues 3 and −1; a NaN pivot is rejected too.
        for bad: [Double] in [[1, 2, 2, 1], [.nan, 0, 0, 1], [0, 0, 0, 1], [1, 0, .infinity, 1]] {
            var a = bad
            #expect(expectGSLError(.domain) { try PointerKernels.choleskyInPlace(&a, n: 2) } != nil, "\(bad)")
        }
        // Only the lower triangle is read: junk above the diagonal is ignored and zeroed.
        var a: [Double] = [4, .nan, 2, 5]
        #expect(throws: Never.self) { try PointerKernels.choleskyInPlace(&a, n: 2) }
        #expect(a == [2, 0, 1, 2])  // chol([[4, 2], [2, 5]]) = [[2, 0], [1, 2]], exact
    }

    @Test func dispatchCoversLargeShapes() throws {
        // Past the loops' limits PointerKernels goes to BLAS; the two must agree there too
        // (d = 40, rectangular k = 12), with the same bound as above (entries in [−1, 1]).
        var rng = SplitMix(state: 3)
        let (m, n, k) = (40, 40, 12)
        let a = Self.randomMatrix(k * m, &rng), b = Self.randomMatrix(k * n, &rng)
        var viaDispatch = [Double](repeating: 0, count: m * n), loops = viaDispatch
        PointerKernels.multiply(a, b, into: &viaDispatch, m: m, n: n, k: k, transposeA: true)
        SmallKernels.multiply(a, b, into: &loops, m: m, n: n, k: k, transposeA: true, transposeB: false, alpha: 1, beta: 0)
        #expect(zip(viaDispatch, loops).allSatisfy { abs($0 - $1) <= 4 * Double(k + 2) * Self.u * Double(k) })
        var spd = Self.spd(40, &rng), copy = spd
        try PointerKernels.choleskyInPlace(&spd, n: 40)
        #expect(SmallKernels.choleskyInPlace(&copy, n: 40))
        let scale = copy.map(abs).max()!
        #expect(zip(spd, copy).allSatisfy { abs($0 - $1) <= 64 * 40 * Self.u * scale })
    }
}
