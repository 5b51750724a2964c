// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension ProfiledLikelihood {
    /// E = Σ w e eᵀ with e = z − Xμ̂ = (b − Aμ̂) − Uᵀ(v − Uμ̂), from the U_t, v_t stored by the
    /// last ``evaluate(_:gradient:)``: O(d² + rd) per task.
    func residualOuter(mean: [Double]) -> [Double] {
        let d = statistics.dimension, r = columns
        let T = statistics.taskCount
        let chunkSize = TaskStatistics.chunkSize
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        var partial = [Double](repeating: 0, count: chunks * d * d)
        statistics.gram.withUnsafeBufferPointer { A in
        statistics.cross.withUnsafeBufferPointer { B in
        projectedFactor.withUnsafeBufferPointer { UU in
        projectedCross.withUnsafeBufferPointer { VV in
        thinProjectedRows.withUnsafeBufferPointer { ZZ in
        thinProjectedTargets.withUnsafeBufferPointer { SS in
        mean.withUnsafeBufferPointer { mu in
        partial.withUnsafeMutableBufferPointer { P in
        statistics.withFusedTasks { fusedTasks in
            let tasks = fusedKernelsApply ? fusedTasks : nil
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                if let tasks {
                    FusedTaskKernels.residualOuter(order: d, tasks, range: range, mean: mu.baseAddress!, projectedFactor: UU.baseAddress!,
                                                   projectedCross: VV.baseAddress!, sums: P.baseAddress! + chunk * d * d)
                    return
                }
                var e = [Double](repeating: 0, count: d)
                var s = [Double](repeating: 0, count: r)
                let sums = P.baseAddress! + chunk * d * d
                for t in range where statistics.weights[t] != 0 {
                    let w = statistics.weights[t]
                    if isThin[t] {
                        thinResidual(t, mean: mu.baseAddress!, projectedRows: ZZ.baseAddress!,
                                     projectedTargets: SS.baseAddress!, into: &e)
                    } else {
                        let u = UU.baseAddress! + t * r * d
                        for i in 0..<d { e[i] = B[t * d + i] }
                        PointerKernels.multiply(A.baseAddress! + t * d * d, vector: mu.baseAddress!, into: &e,
                                                rows: d, columns: d, alpha: -1, beta: 1)
                        for i in 0..<r { s[i] = VV[t * r + i] }
                        PointerKernels.multiply(u, vector: mu.baseAddress!, into: &s, rows: r, columns: d, alpha: -1, beta: 1)
                        PointerKernels.multiply(u, vector: s, into: &e, rows: r, columns: d, transpose: true, alpha: -1, beta: 1)
                    }
                    for i in 0..<d {
                        let we = w * e[i]
                        for j in 0..<d { sums[i * d + j] += we * e[j] }
                    }
                }
            }
        } } } } } } } } }
        var outer = [Double](repeating: 0, count: d * d)
        for chunk in 0..<chunks { for i in 0..<(d * d) { outer[i] += partial[chunk * d * d + i] } }
        return outer
    }
}
