// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The account of the mixture fit's second-order finish (`MixtureFinish`).
public struct MixtureFinishReport: Sendable, Equatable {
    /// Accepted Newton steps, over all ranks tried.
    public var steps: Int
    /// ½gᵀ(−H)⁻¹g per task (Σw) at the end: the gain in ℓ per task one more exact Newton step
    /// promises (+∞ where −H is not negative definite).
    public var decrement: Double
    /// Over the components of rank below d, the largest λ_max(Ū_k, P̄_k) − 1: adding variance
    /// s·vvᵀ to Σ_k along the generalised eigenvector v (vᵀP̄_kv = 1) changes ℓ at the rate
    /// ½(λ − 1). ≤ 0 is the KKT condition of the boundary Σ_k ⪰ 0; −∞ when every Σ_k has full rank.
    public var boundaryExcess: Double
    /// Where ``boundaryExcess`` exceeds its tolerance: the gain in ℓ per task of the best
    /// rank-one growth of that Σ_k (a line search over s), which the rank choice holds to the
    /// growth tolerance.
    public var growthGain: Double?
    /// Rank of each Σ_k (directions of whitened per-task signal-to-noise ratio below 1e-8 are
    /// set exactly to zero).
    public var ranks: [Int]
    /// Whether the decrement, and the boundary condition for every component, are within
    /// their tolerances.
    public var converged: Bool
}

/// The second-order finish of the mixture EM (README "Mixture prior"), after EM has slowed:
///
/// 1. **Rank.** Each Σ_k becomes a d×r_k factor L_k along its eigen-directions whose per-task
///    signal-to-noise ratio κ (an eigenvalue of D^{1/2}Σ_kD^{1/2}/σ² times N/Σw, D the mean
///    square of each feature per point) is at least a threshold; the largest threshold of
///    1e-2, 1e-4, 1e-6, 1e-8, 0 at which ℓ is not below EM's is used (the likelihood chooses
///    the rank; directions EM was crawling to the floor go at once).
/// 2. **Newton** (`MixtureNewton`) in ``MixtureFactorObjective``'s coordinates until the
///    decrement per task is within ``MixtureFitOptions/tolerance``.
/// 3. **Boundary (KKT).** For each Σ_k of rank below d, the largest generalised eigenvalue λ of
///    (Ū_k, P̄_k) = (Σ_i w_i r_ik u uᵀ, Σ_i w_i r_ik P) must be at most 1 + ``boundaryTolerance``
///    (then ∂ℓ/∂Σ_k = ½(Ū_k − P̄_k) ⪯ 0 up to it: no direction outside Σ_k's range raises ℓ);
///    where it is not, the best rank-one growth along its eigenvector is tried and kept (and
///    Newton run again) when it gains more than ``growthTolerance`` per task.
/// 4. **Settle.** Directions with κ below 1e-8 are removed (set exactly to zero) when ℓ does not
///    drop beyond round-off (1e-12 relative), and the decrement is measured again at the end.
///
/// ℓ never falls at an accepted point.
enum MixtureFinish {
    /// Largest λ_max − 1 of the boundary condition (as ``PriorFitOptions/boundaryTolerance``).
    static let boundaryTolerance = 1e-3
    /// Largest gain per task a rank-one growth may bring and not be taken (as
    /// ``PriorFitOptions/defaultGrowthTolerance``).
    static let growthTolerance = 1e-3
    /// Per-task signal-to-noise ratio below which the settled fit sets a direction to zero.
    static let settleThreshold = 1e-8
    /// Newton steps per rank.
    static let maximumSteps = 60

    /// The finish from `mixture` (ℓ = `logLikelihood` there), or `nil` when every rank needs
    /// more than ``MixtureNewton/maximumCoordinates`` coordinates or a factorisation fails.
    static func finish(_ statistics: TaskStatistics, from mixture: GaussianMixture, logLikelihood: Double, scale: Double,
                       tolerance: Double) throws -> (mixture: GaussianMixture, logLikelihood: Double, history: [Double], report: MixtureFinishReport)? {
        let d = mixture.dimension, k = mixture.componentCount
        let weight = statistics.weights.reduce(0, +)
        let perTask = statistics.weightedObservations / weight
        let scales = featureScales(statistics)
        let eigens = try mixture.components.map { component in
            var whitened = Matrix(rows: d, columns: d)
            for i in 0..<d { for j in 0..<d { whitened[i, j] = scales[i] * component.covariance[i, j] * scales[j] / mixture.noiseVariance } }
            return try SymmetricEigen(symmetrized(whitened))
        }
        var objective = try MixtureFactorObjective(statistics: statistics, ranks: Array(repeating: d, count: k), scale: scale.squareRoot())
        var x: [Double]?
        for threshold in [1e-2, 1e-4, 1e-6, 1e-8, 0] {
            let kept = eigens.map { eigen in (0..<d).reversed().filter { threshold == 0 || eigen.values[$0] * perTask >= threshold } }
            let candidate = objective.with(ranks: kept.map { Swift.max($0.count, 1) })
            guard candidate.count <= MixtureNewton.maximumCoordinates else { continue }
            let factors = (0..<k).map { factor(along: kept[$0], of: eigens[$0], scales: scales, noise: mixture.noiseVariance) }
            let point = candidate.pack(.init(weights: mixture.weights, means: mixture.components.map(\.mean), factors: factors,
                                             noiseVariance: mixture.noiseVariance))
            guard let e = try? candidate.evaluate(point), e.logLikelihood >= logLikelihood || threshold == 0 else { continue }
            objective = candidate
            x = point
            break
        }
        guard var x else { return nil }
        var history: [Double] = []
        var steps = 0
        var outcome: MixtureNewton.Outcome
        var boundary: (excess: Double, gain: Double?) = (-.infinity, nil)
        repeat {
            outcome = try MixtureNewton.run(objective, from: x, tolerance: tolerance, maximumSteps: maximumSteps)
            steps += outcome.steps
            history += outcome.history
            x = outcome.x
            boundary = (-.infinity, nil)
            guard let (c, excess, direction) = try worstBoundary(objective, outcome.evaluation) else { break }
            boundary.excess = excess
            guard excess > boundaryTolerance else { break }
            let grown = try growth(objective, at: x, component: c, direction: direction, from: outcome.evaluation.logLikelihood)
            boundary.gain = grown.map { ($0.logLikelihood - outcome.evaluation.logLikelihood) / weight } ?? 0
            guard let grown, boundary.gain! > growthTolerance, objective.with(ranks: grown.objective.ranks).count <= MixtureNewton.maximumCoordinates else { break }
            objective = grown.objective
            x = grown.x
            history.append(grown.logLikelihood)
        } while true
        if let settled = try settle(objective, at: x, scales: scales, perTask: perTask, logLikelihood: outcome.evaluation.logLikelihood) {
            objective = settled.objective
            history.append(settled.logLikelihood)
            outcome = try MixtureNewton.run(objective, from: settled.x, tolerance: tolerance, maximumSteps: maximumSteps)
            steps += outcome.steps
            history += outcome.history
            x = outcome.x
            if let (_, excess, _) = try worstBoundary(objective, outcome.evaluation) {
                boundary.excess = excess
            } else {
                boundary = (-.infinity, nil)
            }
        }
        let meetsBoundary = boundary.excess <= boundaryTolerance || (boundary.gain.map { $0 <= growthTolerance } ?? false)
        let report = MixtureFinishReport(steps: steps, decrement: outcome.decrement, boundaryExcess: boundary.excess, growthGain: boundary.gain,
                                         ranks: objective.ranks, converged: outcome.decrement <= tolerance && meetsBoundary)
        return (try objective.mixture(x), outcome.evaluation.logLikelihood, history, report)
    }

    /// D^{1/2}: the root mean square of each feature per point (1 for a feature that is zero).
    static func featureScales(_ statistics: TaskStatistics) -> [Double] {
        let d = statistics.dimension
        return (0..<d).map { j in
            var sum = 0.0
            for t in 0..<statistics.taskCount { sum += statistics.weights[t] * statistics.gram[t * d * d + j * d + j] }
            let s = (sum / statistics.weightedObservations).squareRoot()
            return s > 0 && s.isFinite ? s : 1
        }
    }

    /// The lower-trapezoidal factor (d×r, row-major) of the whitened directions `kept`, taken
    /// back to φ's units; the largest direction alone when `kept` is empty.
    static func factor(along kept: [Int], of eigen: SymmetricEigen, scales: [Double], noise: Double) -> [Double] {
        let d = scales.count
        let order = kept.isEmpty ? [d - 1] : kept
        let r = order.count
        var lambda = [Double](repeating: 0, count: d * r)
        for (c, j) in order.enumerated() {
            let root = (Swift.max(eigen.values[j], 0) * noise).squareRoot()
            for i in 0..<d { lambda[i * r + c] = eigen.vectors[i, j] * root / scales[i] }
        }
        return PriorFit.trapezoidal(lambda, rows: d, columns: r)
    }
}
