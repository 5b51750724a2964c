// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The episodic fit of Model A: θ = (μ₀, κ, Ψ, ν) maximising the mean log probability of the
/// query labels per query point over fixed seeded N-way K-shot training episodes
/// (``NIWEpisodicObjective``), started at the ML-II fit.
///
/// Method: BFGS (GSL `vector_bfgs2`) on −J in the ML-II fit's unconstrained coordinates
/// u = (μ₀, ln κ, ln(ν − d + 1), ψ), with J's analytic gradient. Converged when
/// ‖∂J/∂u‖₂ ≤ ``gradientTolerance`` (J is a mean log probability per query point, so the
/// test does not grow with the number of episodes). The result is never worse on the training
/// episodes than the start: BFGS's line search only accepts decreases of −J, and the start is
/// kept should the search end above it.
struct NIWEpisodicFit {
    /// θ̂.
    let prior: NormalInverseWishart
    /// J at the ML-II start.
    let startValue: Double
    /// J at θ̂.
    let value: Double
    /// BFGS iterations.
    let iterations: Int
    /// ‖∂J/∂u‖₂ at θ̂.
    let gradientNorm: Double
    /// How BFGS ended.
    let ending: FitStage.Ending
    /// Training episodes.
    let episodes: Int

    /// The convergence test on ‖∂J/∂u‖₂, J in nats per query point.
    static let gradientTolerance = 1e-6

    /// Fits θ on `episodes` from `start`.
    /// - Parameters:
    ///   - episodes: the training episodes (at least one query point in all).
    ///   - start: the ML-II fit.
    ///   - structure: Ψ's shape (the ML-II fit's).
    ///   - maxIterations: the most BFGS iterations.
    ///   - deadline: stop at the best point reached when the clock passes it.
    /// - Throws: ``InputError`` for episodes without query points; GSL errors of the minimiser.
    init(episodes: [NIWEpisode], start: NormalInverseWishart, structure: CovarianceStructure, maxIterations: Int,
         deadline: ContinuousClock.Instant? = nil) throws {
        let coordinates = NIWCoordinates(dimension: start.dimension, structure: structure)
        let objective = NIWEpisodicObjective(episodes: episodes, coordinates: coordinates)
        guard objective.queryCount > 0 else { throw InputError(column: "--query", kind: .invalidValue, "the training episodes hold no query points") }
        let u0 = try coordinates.coordinates(of: start)
        var startGradient: [Double] = []
        let startValue = try objective.value(at: u0, gradient: &startGradient)
        var timedOut = false
        let result = try minimizeBFGS(start: u0, initialStep: 0.1, gradientTolerance: Self.gradientTolerance, maxIterations: maxIterations,
                                      shouldStop: { _, _ in
                                          guard let deadline, ContinuousClock.now >= deadline else { return false }
                                          timedOut = true
                                          return true
                                      }) { u, gradient in
            let value = try objective.value(at: u, gradient: &gradient)
            for k in gradient.indices { gradient[k] = -gradient[k] }
            return -value
        }
        let improved = -result.value >= startValue
        prior = improved ? try coordinates.prior(result.x) : start
        self.startValue = startValue
        value = improved ? -result.value : startValue
        iterations = result.iterations
        gradientNorm = (improved ? result.gradient : startGradient).reduce(0) { $0 + $1 * $1 }.squareRoot()
        if gradientNorm <= Self.gradientTolerance {
            ending = .converged
        } else if timedOut {
            ending = .timeLimit
        } else {
            ending = result.iterations >= maxIterations ? .iterationLimit : .stalled
        }
        self.episodes = episodes.count
    }

    /// The stage line of the report and the prior file.
    func stage(ways: Int, shots: Int, query: Int, seed: UInt64) -> FitStage {
        FitStage(stage: "episodic",
                 objective: "episodic objective (mean log probability of the query labels per query point; \(ways)-way \(shots)-shot, Q = \(query) per class, \(episodes) episodes, seed \(seed))",
                 method: "BFGS on (μ₀, ln κ, ln(ν − d + 1), ψ) from the ML-II fit",
                 iterations: iterations, value: value, ending: ending, criterion: gradientNorm,
                 criterionName: "‖∂J/∂u‖₂, J per query point", tolerance: Self.gradientTolerance)
    }
}

extension NIWEpisode {
    /// Model A's view of a training episode: each class's support statistics.
    /// - Throws: ``InputError`` for a class with no support point.
    init(_ episode: ClassTrainingEpisode) throws {
        var byClass = [[[Double]]](repeating: [], count: episode.ways)
        for (x, y) in zip(episode.support, episode.supportLabels) { byClass[y].append(x) }
        self.init(support: try byClass.map(ClassStatistics.init(points:)), queries: episode.queries, labels: episode.queryLabels)
    }
}
