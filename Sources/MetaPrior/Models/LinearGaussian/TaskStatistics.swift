// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Per-task sufficient statistics of the linear-Gaussian model, gathered in one pass:
/// A_i = Φ_iᵀΦ_i (d×d), b_i = Φ_iᵀy_i, c_i = y_iᵀy_i, n_i, and the task weight w_i.
///
/// Every fitting iteration uses only these, so it costs O(T·d³) however many points each
/// task has.
public struct TaskStatistics: Sendable {
    /// Dimension d of the features.
    public let dimension: Int
    /// Number of tasks T.
    public let taskCount: Int
    /// A_i, row-major, task after task (T·d·d).
    public internal(set) var gram: [Double]
    /// b_i, task after task (T·d).
    public internal(set) var cross: [Double]
    /// c_i = Σ_j y_ij².
    public internal(set) var targetSquares: [Double]
    /// n_i.
    public internal(set) var counts: [Int]
    /// w_i.
    public internal(set) var weights: [Double]
    /// Φ_i and y_i of the tasks with fewer points than features (for the thin form).
    var rows: TaskRows
    /// The task-level design z̃_i = (1, z_i) when the prior mean is conditioned on descriptors
    /// (μ_i = B z̃_i; ``conditioned(on:)``), `nil` for one prior mean μ.
    public internal(set) var descriptors: DescriptorDesign? = nil

    /// Tasks per parallel chunk. Fixed, so results do not depend on the number of threads.
    static let chunkSize = 256

    /// Statistics of every task of `dataset` under `featureMap`, computed in parallel.
    public init(dataset: MetaDataset, featureMap: FeatureMap) throws {
        let d = featureMap.dimension
        let tasks = dataset.tasks
        guard dataset.inputNames == featureMap.inputNames else {
            throw InputError("the data's input columns (\(InputError.list(dataset.inputNames))) do not match the basis inputs (\(InputError.list(featureMap.inputNames)))")
        }
        self.dimension = d
        self.taskCount = tasks.count
        var gram = [Double](repeating: 0, count: tasks.count * d * d)
        var cross = [Double](repeating: 0, count: tasks.count * d)
        var squares = [Double](repeating: 0, count: tasks.count)
        var rows = TaskRows(counts: tasks.map(\.count), dimension: d)
        let rowOffsets = rows.offsets
        let p = featureMap.inputNames.count
        rows.design.withUnsafeMutableBufferPointer { rowBuffer in
        rows.targets.withUnsafeMutableBufferPointer { rowTargets in
        gram.withUnsafeMutableBufferPointer { gramBuffer in
        cross.withUnsafeMutableBufferPointer { crossBuffer in
        squares.withUnsafeMutableBufferPointer { squaresBuffer in
            let (g, c, s) = (gramBuffer, crossBuffer, squaresBuffer)
            DeterministicParallel.forEachChunk(count: tasks.count, chunkSize: Self.chunkSize) { _, range in
                var design: [Double] = []
                for t in range {
                    let task = tasks[t]
                    let n = task.count
                    guard n > 0 else { continue }
                    if design.count < n * d { design = [Double](repeating: 0, count: n * d) }
                    design.withUnsafeMutableBufferPointer { phi in
                        task.inputs.elements.withUnsafeBufferPointer { x in
                            for i in 0..<n {
                                featureMap.features(of: UnsafeBufferPointer(rebasing: x[(i * p)..<((i + 1) * p)]),
                                                    into: UnsafeMutableBufferPointer(rebasing: phi[(i * d)..<((i + 1) * d)]))
                            }
                        }
                        task.targets.withUnsafeBufferPointer { y in
                            PointerKernels.multiply(phi.baseAddress!, phi.baseAddress!, into: g.baseAddress! + t * d * d,
                                                    m: d, n: d, k: n, transposeA: true)
                            PointerKernels.multiply(phi.baseAddress!, vector: y.baseAddress!, into: c.baseAddress! + t * d,
                                                    rows: n, columns: d, transpose: true)
                            var sum = 0.0
                            for v in y { sum += v * v }
                            s[t] = sum
                            if rowOffsets[t] >= 0 {
                                let first = rowOffsets[t]
                                for i in 0..<(n * d) { rowBuffer[first * d + i] = phi[i] }
                                for i in 0..<n { rowTargets[first + i] = y[i] }
                            }
                        }
                    }
                }
            }
        } } } } }
        // Finite data can still overflow a square (|y| or a feature beyond ~1e154); the fit
        // would then fail deep inside EM with a factorisation error. Name the columns instead.
        for t in 0..<tasks.count {
            let column: String
            if !squares[t].isFinite {
                column = dataset.targetName
            } else if !(0..<d).allSatisfy({ cross[t * d + $0].isFinite }) || !(0..<(d * d)).allSatisfy({ gram[t * d * d + $0].isFinite }) {
                column = featureMap.inputNames.joined(separator: ", ")
            } else {
                continue
            }
            throw InputError(column: column, kind: .invalidValue,
                             "task '\(tasks[t].id)': the values are too large for the basis '\(featureMap.spec)': their sums of squares overflow (rescale the column)")
        }
        self.gram = gram
        self.cross = cross
        self.targetSquares = squares
        self.counts = tasks.map(\.count)
        self.weights = tasks.map(\.weight)
        self.rows = rows
    }

    /// Weighted number of observations Σ w_i n_i.
    public var weightedObservations: Double {
        zip(counts, weights).reduce(0) { $0 + Double($1.0) * $1.1 }
    }
}
