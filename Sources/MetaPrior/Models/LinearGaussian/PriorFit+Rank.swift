// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The rank of the factor Λ (d×r): where it starts, how it shrinks when directions vanish and
/// how it grows when the boundary test fails.
extension PriorFit {
    /// The starting Λ (d×r, lower-trapezoidal) from EM's full factor: the eigen-directions of
    /// D^{1/2}Σ̃D^{1/2} (D: each feature's mean square per point) whose per-task
    /// signal-to-noise ratio κ·N/Σw is at least 1e-2; at least one column. EM stops
    /// long before its small directions have shrunk, so a lower threshold would start at full
    /// rank; directions that matter come back through the boundary test.
    /// `largest` caps the number of columns (``PriorFitOptions/startingRank``).
    static func startingFactor(_ full: [Double], _ statistics: TaskStatistics, largest: Int? = nil) throws -> (columns: Int, factor: [Double]) {
        let d = statistics.dimension
        let scales = ProfiledLikelihood(statistics: statistics, structure: .full, columns: 1).featureScales
        let eigen = try whitenedEigen(full, columns: d, scales: scales)
        let perTask = statistics.weightedObservations / statistics.weights.reduce(0, +)
        let kept = (0..<d).reversed().filter { eigen.values[$0] * perTask >= shrinkThreshold }
        return factor(along: Array(kept.prefix(Swift.max(1, largest ?? d))), of: eigen, scales: scales)
    }

    /// The lower-trapezoidal Λ whose columns are the whitened eigen-directions `kept` (from
    /// ``whitenedEigen(_:columns:scales:)``), each scaled by the root of its eigenvalue and
    /// taken back to the features' units; the largest direction alone when `kept` is empty.
    static func factor(along kept: [Int], of eigen: SymmetricEigen, scales: [Double]) -> (columns: Int, factor: [Double]) {
        let d = scales.count
        let columns = Swift.max(kept.count, 1)
        let order = kept.isEmpty ? [d - 1] : kept
        var lambda = [Double](repeating: 0, count: d * columns)
        for (c, k) in order.enumerated() {
            let root = Swift.max(eigen.values[k], 0).squareRoot()
            for i in 0..<d { lambda[i * columns + c] = eigen.vectors[i, k] * root / scales[i] }
        }
        return (columns, trapezoidal(lambda, rows: d, columns: columns))
    }

    /// ΛQ for the orthogonal Q (Householder reflections from the right) that makes Λ
    /// lower-trapezoidal with a non-negative diagonal: the same Σ̃ = ΛΛᵀ, in the parameters
    /// `ProfiledLikelihood` uses.
    static func trapezoidal(_ lambda: [Double], rows d: Int, columns r: Int) -> [Double] {
        var a = lambda
        for j in 0..<Swift.min(r, d) {
            var v = (j..<r).map { a[j * r + $0] }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 && v.count > 1 {
                let alpha = v[0] > 0 ? -norm : norm
                v[0] -= alpha
                let vv = v.reduce(0) { $0 + $1 * $1 }
                if vv > 0 {
                    for i in j..<d {
                        var dot = 0.0
                        for k in 0..<v.count { dot += a[i * r + j + k] * v[k] }
                        let f = 2 * dot / vv
                        for k in 0..<v.count { a[i * r + j + k] -= f * v[k] }
                    }
                }
            }
            for k in (j + 1)..<Swift.max(r, j + 1) { a[j * r + k] = 0 }
            if a[j * r + j] < 0 { for i in j..<d { a[i * r + j] = -a[i * r + j] } }
        }
        return a
    }
    /// The eigen-decomposition of D^{1/2}ΛΛᵀD^{1/2} for a d×r factor Λ (row-major) and the
    /// feature scales D^{1/2}: the directions of Σ̃ in units of each feature's root mean square,
    /// whose eigenvalues are per-point signal-to-noise ratios.
    static func whitenedEigen(_ lambda: [Double], columns r: Int, scales: [Double]) throws -> SymmetricEigen {
        let d = scales.count
        var whitened = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d {
            var s = 0.0
            for k in 0..<r { s += lambda[i * r + k] * lambda[j * r + k] }
            whitened[i, j] = scales[i] * s * scales[j]
        } }
        return try SymmetricEigen(symmetrized(whitened))
    }


    /// Per-task signal-to-noise ratio below which `shrink` removes a direction of Σ̃, the same
    /// as the starting rank's threshold.
    static let shrinkThreshold = 1e-2

    /// Number of directions of Σ̃ (full structure) whose per-task signal-to-noise ratio is
    /// below `threshold`, counted among the r largest (the others are zero by construction).
    static func vanishingDirections(_ likelihood: ProfiledLikelihood, theta: [Double], threshold: Double) throws -> Int {
        guard likelihood.structure == .full, likelihood.columns > 1 else { return 0 }
        let statistics = likelihood.statistics
        let d = statistics.dimension, r = likelihood.columns
        let eigen = try whitenedEigen(likelihood.factor(theta), columns: r, scales: likelihood.featureScales)
        let perTask = statistics.weightedObservations / statistics.weights.reduce(0, +)
        return ((d - r)..<d).filter { eigen.values[$0] * perTask < threshold }.count
    }

    /// Removes the directions of Σ̃ whose per-task signal-to-noise ratio (an eigenvalue of
    /// Λ̂Λ̂ᵀ times N/Σw) is below `threshold` — at a rank that keeps them ℓ is nearly flat along
    /// them, so optimisers crawl. If a removed direction matters after all, the boundary test
    /// at the lower rank says so. Nil when none qualifies.
    static func shrink(_ likelihood: ProfiledLikelihood, theta: [Double], threshold: Double) throws
        -> (likelihood: ProfiledLikelihood, theta: [Double])? {
        let statistics = likelihood.statistics
        let d = statistics.dimension, r = likelihood.columns
        guard r > 1 else { return nil }
        let lambda = likelihood.factor(theta)
        let scales = likelihood.featureScales
        let eigen = try whitenedEigen(lambda, columns: r, scales: scales)
        let perTask = statistics.weightedObservations / statistics.weights.reduce(0, +)
        // Every direction below the threshold goes in one round, not one per round: each round
        // costs a full optimisation, and a direction dropped wrongly comes back through the
        // boundary test.
        let kept = Array((0..<d).reversed().filter { eigen.values[$0] * perTask >= threshold }.prefix(r))
        guard kept.count < r else { return nil }
        let (columns, reduced) = factor(along: kept, of: eigen, scales: scales)
        let smaller = ProfiledLikelihood(statistics: statistics, structure: .full, columns: columns, noiseFloor: likelihood.noiseFloor)
        return (smaller, smaller.parameters(ofFactor: reduced))
    }
}
