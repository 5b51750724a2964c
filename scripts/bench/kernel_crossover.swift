// SPDX-License-Identifier: GPL-3.0-or-later
// Compiled by scripts/bench-kernels together with Sources/GSL/LinearAlgebra/SmallKernels.swift:
// times one C ← op(A)ᵀ·B product through the inlined loops and through metaprior_dgemm (the
// BLAS path of PointerKernels: OpenBLAS or GSL's CBLAS, as linked) for shapes m×n×k, best of 7 repetitions of many calls each, and
// prints ns per call. The limits in PointerKernels come from these numbers.
import CGSL
import Foundation

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
}

metaprior_blas_single_thread()
print("BLAS: \(metaprior_blas_is_optimised() != 0 ? "OpenBLAS (one thread)" : "GSL reference CBLAS")")
print("m n k      loops ns   BLAS ns   BLAS/loops")
let shapes = [(3, 3, 3), (3, 3, 12), (4, 4, 4), (5, 5, 5), (6, 6, 6), (6, 6, 12), (8, 8, 8), (8, 8, 12),
              (12, 12, 12), (16, 16, 16), (21, 21, 12), (21, 21, 21), (32, 32, 32), (65, 65, 65)]
var rng = SystemRandomNumberGenerator()
for (m, n, k) in shapes {
    var a = (0..<(m * k)).map { _ in Double.random(in: -1...1, using: &rng) }
    let b = (0..<(k * n)).map { _ in Double.random(in: -1...1, using: &rng) }
    var c = [Double](repeating: 0, count: m * n)
    let reps = max(2_000_000 / (m * n * k), 10)
    var loops = Double.infinity, blas = Double.infinity
    for _ in 0..<7 {
        var start = now()
        a.withUnsafeMutableBufferPointer { ap in
            for _ in 0..<reps {
                SmallKernels.multiply(ap.baseAddress!, b, into: &c, m: m, n: n, k: k, transposeA: true, transposeB: false,
                                      alpha: 1, beta: 0)
                ap[0] += 1e-9  // a new input each call, so nothing is hoisted out of the loop
            }
        }
        loops = min(loops, (now() - start) / Double(reps))
        start = now()
        a.withUnsafeMutableBufferPointer { ap in
            for _ in 0..<reps {
                metaprior_dgemm(1, 0, Int32(m), Int32(n), Int32(k), 1, ap.baseAddress!, b, 0, &c)
                ap[0] += 1e-9
            }
        }
        blas = min(blas, (now() - start) / Double(reps))
    }
    print(String(format: "%-10@ %8.1f  %8.1f  %6.2f", "\(m) \(n) \(k)" as NSString, loops * 1e9, blas * 1e9, blas / loops))
}
