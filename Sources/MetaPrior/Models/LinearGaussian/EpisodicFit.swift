// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// What an episodic fit found.
public struct EpisodicFitResult: Sendable {
    /// θ at the episodic fit.
    public let prior: GaussianPrior
    /// The marginal fit it started from.
    public let start: GaussianPrior
    /// Mean log p(y_q | D_s, θ) per query point over the training episodes, at the start and
    /// at the fit (on the last batch when fitting by mini-batches).
    public let startLogPredictive: Double
    /// Mean log p(y_q | D_s, θ) per query point at the fit (see ``startLogPredictive``).
    public let logPredictive: Double
    /// Iterations in all: BFGS (over every mini-batch) and Newton steps.
    public let iterations: Int
    /// Whether the convergence criterion met its tolerance (by mini-batches: the gradient
    /// tolerance on the last batch).
    public let converged: Bool
    /// Largest |∂/∂u| of the mean log predictive density per query point at the fit, in the
    /// preconditioned coordinates u (``EpisodicFitOptions/gradientTolerance``).
    public let gradientNorm: Double
    /// The convergence criterion at the fit: on one fixed episode set the Newton decrement
    /// ½ gᵀ|H|⁻¹g, the gain in mean log predictive density per query point a Newton step
    /// still promises (``EpisodicFitOptions/tolerance``); by mini-batches, ``gradientNorm``.
    /// `nil` when the fit stopped before it could be evaluated (time limit).
    public let criterion: Double?
    /// How the fit ended.
    public let ending: FitStage.Ending
    /// Numerical rank of Σ at the fit: eigenvalues above 1e-8 of the largest.
    public let rank: Int
    /// Episodes in the (last) training set.
    public let episodes: Int
    /// Query points over those episodes.
    public let queryPoints: Int
}

/// Meta-training by the episodic objective: maximises Σ_e log p(y_q | X_q, D_s, θ) over
/// episodes cut from the meta-train tasks by the ``EpisodeSampler`` (see
/// `EpisodicObjective`), with GSL's BFGS2 from a marginal-likelihood start, finished on a
/// fixed episode set by Newton steps (`newton`), which also decide convergence.
public enum EpisodicFit {
    /// Iterations of the budget kept for the Newton finish on a fixed episode set.
    static let newtonReserve = 50

    /// Episodes `first..<first+count` of the spec, with the support cut to a K drawn from
    /// `shots` (stream `(seed ⊕ c, e)`) when the range is not a single K.
    public static func episodes(_ sampler: EpisodeSampler, shots: ShotRange, first: Int = 0, count: Int) -> [Episode] {
        let all = sampler.episodes(count: first + count)
        let mine = Array(all[first...])
        guard !shots.isFixed else { return mine }
        return mine.map { episode in
            let stream = RandomStream(seed: sampler.spec.seed ^ 0x9E37_79B9_7F4A_7C15, stream: UInt64(episode.index))
            let k = shots.lower + stream.integer(below: shots.upper - shots.lower + 1)
            var support = episode.support
            stream.shuffle(&support)
            var cut = episode
            cut.support = Array(support.prefix(k)).sorted()
            return cut
        }
    }

    /// Fits θ on the tasks of `dataset` (all of them: subset it first for a meta-split),
    /// starting from `start` (normally the marginal fit).
    public static func fit(_ dataset: MetaDataset, featureMap: FeatureMap, start: GaussianPrior,
                           structure: CovarianceStructure = .full, options: EpisodicFitOptions) throws -> EpisodicFitResult {
        try options.validate()
        let sampler = try EpisodeSampler(dataset: dataset, spec: options.spec)
        let d = featureMap.dimension
        guard start.dimension == d else { throw InputError("the starting prior has \(start.dimension) parameters, the basis \(d)") }

        // Start: a lower-triangular factor of Σ (a little jitter if Σ is singular).
        var lower = try Matrix(rows: d, columns: d, elements: try lowerFactor(start))
        if structure != .full { lower = Matrix.diagonal(start.covariance.diagonalEntries.map { Swift.max($0, 0).squareRoot() }) }

        let batch = options.batchEpisodes.map { Swift.min($0, options.episodes) }
        let firstCount = batch ?? options.episodes
        try sampler.checkCount(firstCount)
        var statistics = try EpisodeStatistics(episodes: episodes(sampler, shots: options.shots, count: firstCount),
                                               dataset: dataset, featureMap: featureMap)
        var objective = EpisodicObjective(statistics: statistics, structure: structure)
        var theta = objective.parameters(mean: start.mean, factor: lower.elements, noiseVariance: start.noiseVariance)
        let startValue = try objective.evaluate(theta, gradient: false).value / statistics.queryPoints

        // Preconditioning: μ_j by the prior sd of φ_j, entries of L by the norm of their row.
        let (_, factor, _) = objective.unpack(theta)
        let rowNorms = (0..<d).map { i in (0..<d).reduce(0.0) { $0 + factor[i * d + $1] * factor[i * d + $1] }.squareRoot() }
        let biggest = rowNorms.max() ?? 1
        let floors = rowNorms.map { Swift.max($0, 1e-3 * biggest, 1e-8) }
        var scale = floors
        switch structure {
        case .full: for i in 0..<d { for _ in 0...i { scale.append(floors[i]) } }
        case .diagonal: scale += floors
        case .isotropic: scale.append(floors.reduce(0, +) / Double(d))
        }
        scale.append(1)

        var iterations = 0
        var converged = false
        var round = 0
        var lastGradient = Double.infinity
        var criterion: Double?
        var ending = FitStage.Ending.iterationLimit
        func expired() -> Bool { options.deadline.map { ContinuousClock.now >= $0 } ?? false }
        while iterations < options.maximumIterations && !expired() {
            if round > 0, let batch {
                statistics = try EpisodeStatistics(episodes: episodes(sampler, shots: options.shots, first: round * batch, count: batch),
                                                   dataset: dataset, featureMap: featureMap)
                objective = EpisodicObjective(statistics: statistics, structure: structure)
            }
            // A fixed episode set leaves the last `newtonReserve` iterations to Newton steps.
            let budget = batch == nil ? Swift.max(options.maximumIterations - iterations - Self.newtonReserve, 1)
                                      : Swift.min(options.iterationsPerRound, options.maximumIterations - iterations)
            let n = statistics.queryPoints
            let current = objective
            // Stall rule (fixed episode set): when the mean log predictive density per query
            // point rises by less than 1e-6 over 20 iterations, BFGS is crawling along a flat
            // direction (where one Newton step typically gains more than a hundred BFGS
            // iterations); Newton takes over from there.
            var history: [Double] = []
            let before = iterations
            let result = try minimizeBFGS(start: zip(theta, scale).map { $0 / $1 }, initialStep: 0.1, lineSearchTolerance: 0.1,
                                          gradientTolerance: options.gradientTolerance, maxIterations: budget,
                                          shouldStop: { iteration, value in
                history.append(-value)
                options.progress?(FitProgress(phase: batch == nil ? "episodic bfgs" : "episodic batch \(round + 1)",
                                              iteration: before + iteration, logLikelihood: -value, change: -value - startValue))
                if expired() { return true }
                return batch == nil && history.count > 20 && history[history.count - 1] - history[history.count - 21] < 1e-6
            }) { u, gradient in
                let evaluation = try current.evaluate(zip(u, scale).map { $0 * $1 })
                for i in gradient.indices { gradient[i] = -evaluation.gradient[i] * scale[i] / n }
                return -evaluation.value / n
            }
            iterations += Swift.max(result.iterations, 1)
            theta = zip(result.x, scale).map { $0 * $1 }
            let check = try objective.evaluate(theta)
            lastGradient = zip(check.gradient, scale).reduce(0.0) { Swift.max($0, abs($1.0 * $1.1) / n) }
            round += 1
            if batch == nil {
                let newtonBudget = Swift.max(options.maximumIterations - iterations, 0)
                let soFar = iterations
                let newton = try newton(objective, theta: theta, scale: scale, tolerance: options.tolerance,
                                        maximumSteps: newtonBudget, deadline: options.deadline) { step, value in
                    options.progress?(FitProgress(phase: "episodic newton", iteration: soFar + step, logLikelihood: value,
                                                  change: value - startValue))
                }
                theta = newton.theta
                iterations += newton.steps
                criterion = newton.decrement.isFinite ? newton.decrement : nil
                converged = newton.converged
                let final = try objective.evaluate(theta)
                lastGradient = zip(final.gradient, scale).reduce(0.0) { Swift.max($0, abs($1.0 * $1.1) / n) }
                ending = converged ? .converged : newton.timedOut ? .timeLimit : newton.steps >= newtonBudget ? .iterationLimit : .stalled
                break
            }
            if round * batch! + batch! > 50_000_000 { break }
        }
        if batch != nil {
            converged = lastGradient <= options.gradientTolerance
            criterion = lastGradient
            ending = converged ? .converged : expired() ? .timeLimit : .iterationLimit
        } else if iterations == 0 {
            // The deadline passed before the first iteration (the marginal stage used it up).
            ending = .timeLimit
            let check = try objective.evaluate(theta)
            lastGradient = zip(check.gradient, scale).reduce(0.0) { Swift.max($0, abs($1.0 * $1.1) / statistics.queryPoints) }
        }
        let (mean, finalFactor, noise) = objective.unpack(theta)
        let prior = try GaussianPrior(mean: mean, factor: try Matrix(rows: d, columns: d, elements: finalFactor), noiseVariance: noise)
        let value = try objective.evaluate(theta, gradient: false).value / statistics.queryPoints
        return EpisodicFitResult(prior: prior, start: start, startLogPredictive: startValue, logPredictive: value,
                                 iterations: iterations, converged: converged, gradientNorm: lastGradient,
                                 criterion: criterion, ending: ending, rank: numericalRank(prior.covariance),
                                 episodes: statistics.count, queryPoints: Int(statistics.queryPoints.rounded()))
    }

    /// Per-episode log p(y_q | D_s, θ) of `prior` on `episodes` (for held-out comparisons).
    public static func logPredictive(_ prior: GaussianPrior, episodes: [Episode], dataset: MetaDataset,
                                     featureMap: FeatureMap) throws -> [Double] {
        let statistics = try EpisodeStatistics(episodes: episodes, dataset: dataset, featureMap: featureMap)
        let objective = EpisodicObjective(statistics: statistics, structure: .full)
        let factor = try lowerFactor(prior)
        return try objective.perEpisode(objective.parameters(mean: prior.mean, factor: factor, noiseVariance: prior.noiseVariance))
    }

    /// Number of eigenvalues of Σ above 1e-8 of the largest (0 for Σ = 0).
    static func numericalRank(_ covariance: Matrix) -> Int {
        guard let eigen = try? SymmetricEigen(symmetrized(covariance)), let top = eigen.values.last, top > 0 else { return 0 }
        return eigen.values.filter { $0 > 1e-8 * top }.count
    }

    /// A lower-triangular factor of Σ (jittered when Σ is singular).
    static func lowerFactor(_ prior: GaussianPrior) throws -> [Double] {
        let d = prior.dimension
        let trace = Swift.max(prior.covariance.trace / Double(d), 1e-12 * prior.noiseVariance)
        return try Cholesky(prior.covariance, jitter: .allowed(maximum: 1e-6 * trace * Double(d))).lower.elements
    }

    /// Σ_i w_i log p(D_i | θ) of whole tasks at any θ (not profiled), for the prior file.
    public static func logMarginalLikelihood(_ prior: GaussianPrior, statistics: TaskStatistics) throws -> Double {
        let d = prior.dimension
        let factor = try lowerFactor(prior)
        var work = MarginalWorkspace(dimension: d)
        var total = 0.0
        for t in 0..<statistics.taskCount where statistics.weights[t] != 0 {
            total += statistics.weights[t] * (try work.logMarginal(a: statistics.gram, b: statistics.cross, offset: t, c: statistics.targetSquares[t],
                                                                    n: statistics.counts[t], mean: prior.mean, factor: factor,
                                                                    noiseVariance: prior.noiseVariance))
        }
        return total
    }
}
