// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Exact EM for the mixture prior over tasks, with each task's φ_i and its component k_i as the
/// missing data (DESIGN.md §2, README "The model"):
///
///     E-step  r_ik ∝ π_k p(D_i | μ_k, Σ_k, σ²)      (in log space, log-sum-exp)
///             N(m_ik, S_ik) = p(φ_i | D_i, k)        (``ComponentTaskFit``)
///     M-step  N_k = Σ_i w_i r_ik,  π_k = N_k / Σ_i w_i
///             μ_k = Σ_i w_i r_ik m_ik / N_k
///             Σ_k = Σ_i w_i r_ik [S_ik + (m_ik − μ_k)(m_ik − μ_k)ᵀ] / N_k, eigenvalues floored
///             σ²  = Σ_i w_i Σ_k r_ik E_k‖y_i − Φ_iφ‖² / Σ_i w_i n_i
///
/// Each M-step maximises the expected complete-data log-likelihood exactly, over Σ_k with every
/// eigenvalue at least ``floor`` (clipping the eigenvalues of the moment matrix is the exact
/// maximiser on that set), so ℓ never decreases. The floor is fixed for the whole run.
struct MixtureEM {
    /// The tasks' sufficient statistics, unpacked once.
    private let tasks: [(gram: Matrix, cross: [Double], squares: Double, count: Int)]
    let taskWeights: [Double]
    private let weightedObservations: Double
    /// Smallest eigenvalue any Σ_k may have.
    let floor: Double
    /// Components whose weight N_k / Σ w falls below this are dropped (empty).
    static let emptyWeight = 1e-8
    /// The largest |α| the next SQUAREM cycle may take (`MixtureAcceleration`).
    var stepLimit = 4.0
    /// Eigenvalues of Σ_k up to this many times ``floor`` may be set to it by a boundary move
    /// (`MixtureBoundary`); ÷10 after a rejected move.
    var snapLimit = 1e3
    /// The current θ (set by SQUAREM's extrapolation, `MixtureAcceleration`; it must have every
    /// Σ_k eigenvalue at least ``floor`` for the next step to be monotone).
    var mixture: GaussianMixture

    init(statistics: TaskStatistics, start: GaussianMixture, floor: Double) throws {
        tasks = try (0..<statistics.taskCount).map { try statistics.task($0) }
        taskWeights = statistics.weights
        weightedObservations = statistics.weightedObservations
        self.floor = floor
        mixture = start
    }

    /// Per task: log π_k + log p(D_i | k) for each component.
    private func jointLogs(_ t: Int) throws -> (fits: [ComponentTaskFit], logs: [Double]) {
        let task = tasks[t]
        var fits: [ComponentTaskFit] = []
        var logs: [Double] = []
        for (k, component) in mixture.components.enumerated() {
            let fit = try ComponentTaskFit(gram: task.gram, cross: task.cross, squares: task.squares, count: task.count, prior: component)
            fits.append(fit)
            logs.append(log(mixture.weights[k]) + fit.logLikelihood)
        }
        return (fits, logs)
    }

    /// ``jointLogs(_:)`` of every task of non-zero weight (`nil` for the others), in parallel
    /// fixed chunks (``DeterministicParallel/map(count:chunkSize:_:)``); the caller sums them in
    /// task order, so ℓ and the M-step do not depend on the number of threads.
    private func allJointLogs() throws -> [(fits: [ComponentTaskFit], logs: [Double])?] {
        try DeterministicParallel.map(count: tasks.count, chunkSize: 16) { t in taskWeights[t] == 0 ? nil : try jointLogs(t) }
    }

    /// ℓ = Σ_i w_i log Σ_k π_k p(D_i | k) at the current θ.
    func logLikelihood() throws -> Double {
        var total = 0.0
        for (t, joint) in try allJointLogs().enumerated() { if let joint { total += taskWeights[t] * logSumExp(joint.logs) } }
        return total
    }

    /// One EM step. Returns ℓ at the θ it started from, the largest change of a weight or of a
    /// mean entry divided by `meanScale` (infinite when a component was dropped), and the
    /// components dropped.
    mutating func step(meanScale: Double) throws -> (logLikelihood: Double, change: Double, dropped: [Int]) {
        let k = mixture.componentCount, d = mixture.dimension
        let old = mixture
        var mass = [Double](repeating: 0, count: k)
        var first = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
        // Second moments about the current μ_k, not 0, so that a small Σ_k is not lost to
        // cancellation when |μ_k| is large (as in ``ExpectationMaximisation``).
        var second = [Matrix](repeating: Matrix(rows: d, columns: d), count: k)
        var residual = 0.0, total = 0.0
        for (t, joint) in try allJointLogs().enumerated() {
            guard let (fits, logs) = joint else { continue }
            let w = taskWeights[t]
            let norm = logSumExp(logs)
            total += w * norm
            for c in 0..<k {
                let r = w * exp(logs[c] - norm)
                guard r > 0 else { continue }
                mass[c] += r
                residual += r * fits[c].residual
                let m = fits[c].mean, mu = old.components[c].mean
                for i in 0..<d {
                    first[c][i] += r * m[i]
                    for j in 0..<d { second[c][i, j] += r * (fits[c].covariance[i, j] + (m[i] - mu[i]) * (m[j] - mu[j])) }
                }
            }
        }
        let weightSum = mass.reduce(0, +)
        let kept = (0..<k).filter { mass[$0] / weightSum >= Self.emptyWeight }
        let dropped = (0..<k).filter { !kept.contains($0) }
        var means: [[Double]] = [], covariances: [Matrix] = []
        for c in kept {
            let mu = first[c].map { $0 / mass[c] }
            let oldMu = old.components[c].mean
            var sigma = Matrix(rows: d, columns: d)
            for i in 0..<d { for j in 0..<d { sigma[i, j] = second[c][i, j] / mass[c] - (mu[i] - oldMu[i]) * (mu[j] - oldMu[j]) } }
            means.append(mu)
            covariances.append(try Self.floored(symmetrized(sigma), floor: floor))
        }
        let keptMass = kept.reduce(0) { $0 + mass[$1] }
        let weights = kept.map { mass[$0] / keptMass }
        let noise = Swift.max(residual / weightedObservations, 1e-300)
        mixture = try GaussianMixture(weights: weights, means: means, covariances: covariances, noiseVariance: noise)
        var change = 0.0
        if dropped.isEmpty {
            for c in 0..<k {
                change = Swift.max(change, abs(weights[c] - old.weights[c]))
                for i in 0..<d { change = Swift.max(change, abs(means[c][i] - old.components[c].mean[i]) / meanScale) }
            }
        } else {
            change = .infinity
        }
        return (total, change, dropped)
    }

    /// Σ with every eigenvalue raised to at least `floor` (unchanged when none is below): the
    /// nearest matrix of that set in the Frobenius norm.
    static func floored(_ sigma: Matrix, floor: Double) throws -> Matrix {
        let eigen = try SymmetricEigen(sigma)
        guard let smallest = eigen.values.first, smallest < floor else { return sigma }
        let d = sigma.rows
        var result = Matrix(rows: d, columns: d)
        for (j, value) in eigen.values.enumerated() {
            let lifted = Swift.max(value, floor)
            for a in 0..<d { for b in 0..<d { result[a, b] += lifted * eigen.vectors[a, j] * eigen.vectors[b, j] } }
        }
        return symmetrized(result)
    }
}
