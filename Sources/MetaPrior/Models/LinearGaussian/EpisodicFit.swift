// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Meta-training by the episodic objective: maximises Σ_e log p(y_q | X_q, D_s, θ) over
/// episodes cut from the meta-train tasks by the ``EpisodeSampler`` (see
/// `EpisodicObjective`), with GSL's BFGS2 from a marginal-likelihood start, finished on a
/// fixed episode set by Newton steps (`newton`), which also decide convergence.
public enum EpisodicFit {
    /// Iterations of the budget kept at least for the Newton finish on a fixed episode set.
    static let newtonReserve = 50
    /// Newton steps between boundary tests while the rank can still grow.
    static let newtonRound = 10

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
    ///
    /// On one fixed episode set with the full structure, L is d×r (lower-trapezoidal) with r
    /// the rank of the start's Σ (`startingFactor(_:)`): the directions the marginal fit
    /// zeroed are not parameters, so the objective has no flat directions for Newton to crawl
    /// along. BFGS, then Newton at rank r; then the boundary test (`boundaryTest(_:theta:)`)
    /// asks whether variance along a direction outside Σ's range would raise the objective,
    /// and if so r grows by one along it and the fit goes on. Mini-batches keep the full d×d
    /// factor (their criterion is the gradient on the last batch).
    public static func fit(_ dataset: MetaDataset, featureMap: FeatureMap, start: GaussianPrior,
                           structure: CovarianceStructure = .full, options: EpisodicFitOptions) throws -> EpisodicFitResult {
        try options.validate()
        let sampler = try EpisodeSampler(dataset: dataset, spec: options.spec)
        let d = featureMap.dimension
        guard start.dimension == d else { throw InputError("the starting prior has \(start.dimension) parameters, the basis \(d)") }

        let batch = options.batchEpisodes.map { Swift.min($0, options.episodes) }
        // Start: a factor of Σ — d×r at Σ's rank on a fixed episode set, a lower-triangular
        // d×d one (a little jitter if Σ is singular) by mini-batches.
        var lower: [Double]
        var columns = d
        if structure != .full {
            lower = Matrix.diagonal(start.covariance.diagonalEntries.map { Swift.max($0, 0).squareRoot() }).elements
        } else if batch == nil {
            (columns, lower) = try startingFactor(start.covariance)
        } else {
            lower = try lowerFactor(start)
        }

        let firstCount = batch ?? options.episodes
        try sampler.checkCount(firstCount)
        var statistics = try EpisodeStatistics(episodes: episodes(sampler, shots: options.shots, count: firstCount),
                                               dataset: dataset, featureMap: featureMap)
        var objective = EpisodicObjective(statistics: statistics, structure: structure, columns: columns)
        var theta = objective.parameters(mean: start.mean, factor: lower, noiseVariance: start.noiseVariance)
        let startValue = try objective.evaluate(theta, gradient: false).value / statistics.queryPoints
        let scale = preconditioning(objective, theta: theta)

        var iterations = 0
        var converged = false
        var round = 0
        var lastGradient = Double.infinity
        var criterion: Double?
        var boundaryGain: Double?
        var asymptoteGain: Double?
        var ending = FitStage.Ending.iterationLimit
        func expired() -> Bool { options.deadline.map { ContinuousClock.now >= $0 } ?? false }
        while iterations < options.maximumIterations && !expired() {
            if round > 0, let batch {
                statistics = try EpisodeStatistics(episodes: episodes(sampler, shots: options.shots, first: round * batch, count: batch),
                                                   dataset: dataset, featureMap: featureMap)
                objective = EpisodicObjective(statistics: statistics, structure: structure, columns: columns)
            }
            // A fixed episode set leaves at least half of the budget, and at least `newtonReserve`
            // iterations, to Newton steps: on a noise-free sinusoid BFGS used 450 of 500
            // iterations gaining ~1e-6 per 20 (just above its stall rule), Newton's share.
            let budget = batch == nil ? Swift.max(Swift.min(options.maximumIterations - Self.newtonReserve, options.maximumIterations / 2), 1)
                                      : Swift.min(options.iterationsPerRound, options.maximumIterations - iterations)
            let phase = batch == nil ? "episodic bfgs" : "episodic batch \(round + 1)"
            let result = try bfgs(objective, theta: theta, scale: scale, budget: budget, stallRule: batch == nil, phase: phase,
                                  iterationsSoFar: iterations, startValue: startValue, options: options)
            iterations += result.iterations
            theta = result.theta
            lastGradient = try largestGradient(objective, theta: theta, scale: scale)
            round += 1
            if batch == nil {
                let finished = try finish(objective, theta: theta, iterations: iterations, startValue: startValue, options: options,
                                          handOver: structure == .full && options.handOverToNatural)
                objective = finished.objective
                theta = finished.theta
                iterations = finished.iterations
                boundaryGain = finished.boundaryGain
                asymptoteGain = finished.asymptoteGain
                criterion = finished.decrement.map { Swift.max($0, boundaryGain ?? 0, asymptoteGain ?? 0) }
                converged = finished.ending == .converged
                ending = finished.ending
                lastGradient = try largestGradient(objective, theta: theta, scale: preconditioning(objective, theta: theta))
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
            lastGradient = try largestGradient(objective, theta: theta, scale: scale)
        }
        let (mean, finalFactor, noise) = objective.unpack(theta)
        let prior = try GaussianPrior(mean: mean, factor: try Matrix(rows: d, columns: d, elements: finalFactor), noiseVariance: noise)
        let value = try objective.evaluate(theta, gradient: false).value / statistics.queryPoints
        var result = EpisodicFitResult(prior: prior, start: start, startLogPredictive: startValue, logPredictive: value,
                                       iterations: iterations, converged: converged, gradientNorm: lastGradient,
                                       criterion: criterion, boundaryGain: boundaryGain, asymptoteGain: asymptoteGain, ending: ending,
                                       rank: numericalRank(prior.covariance), columns: objective.columns,
                                       episodes: statistics.count, queryPoints: Int(statistics.queryPoints.rounded()))
        // Not converged on a fixed episode set: on to natural coordinates, where a limit the
        // (μ, L) iterates crawl towards (a prior flat along some directions) is a finite point.
        if batch == nil, iterations > 0, !converged, ending != .timeLimit, !expired() {
            // A natural stage that breaks down in floating point counts as one that ended
            // below its start: its start goes through Σ on the pivot rows, which the (μ, L)
            // iterates can leave too ill-conditioned to factorise (sinusoid-line, rbf:10, K = 20,
            // 1,000 tasks and episodes: "Cholesky factorisation" at the handover, and the
            // whole fit failed).
            var natural: (stage: EpisodicNaturalStage, prior: GaussianPrior, flat: FlatDirections?)?
            do {
                natural = try naturalStage(objective, theta: theta, value: value, boundaryGain: boundaryGain, iterations: iterations,
                                           startValue: startValue, options: options)
            } catch is GSLError {
                natural = nil
            }
            if let natural {
                result.natural = natural.stage
                result.naturalPrior = natural.prior
                result.flat = natural.flat
            } else if ending == .handedOn {
                // Handed on, but the natural stage ended below where it started: the (μ, L)
                // stage resumes without the handover, so the report describes the point written.
                var resumed = options
                resumed.handOverToNatural = false
                return try fit(dataset, featureMap: featureMap, start: start, structure: structure, options: resumed)
            }
        }
        return result
    }

    /// Preconditioning of θ = scale ⊙ u: μ_j by the prior sd of φ_j, the entries of L by the
    /// norm of their row (floored at 1e-3 of the largest), log σ² by 1.
    static func preconditioning(_ objective: EpisodicObjective, theta: [Double]) -> [Double] {
        let d = objective.statistics.dimension
        let (_, factor, _) = objective.unpack(theta)
        let rowNorms = (0..<d).map { i in (0..<d).reduce(0.0) { $0 + factor[i * d + $1] * factor[i * d + $1] }.squareRoot() }
        let biggest = rowNorms.max() ?? 1
        let floors = rowNorms.map { Swift.max($0, 1e-3 * biggest, 1e-8) }
        var scale = floors
        switch objective.structure {
        case .full: for i in 0..<d { for _ in 0...Swift.min(i, objective.columns - 1) { scale.append(floors[i]) } }
        case .diagonal: scale += floors
        case .isotropic: scale.append(floors.reduce(0, +) / Double(d))
        }
        scale.append(1)
        return scale
    }

    /// Largest |∂/∂u| of the mean log predictive density per query point (θ = scale ⊙ u).
    static func largestGradient(_ objective: EpisodicObjective, theta: [Double], scale: [Double]) throws -> Double {
        let check = try objective.evaluate(theta)
        return zip(check.gradient, scale).reduce(0.0) { Swift.max($0, abs($1.0 * $1.1) / objective.statistics.queryPoints) }
    }

    /// GSL's BFGS2 on the mean log predictive density per query point in u = θ/scale, at most
    /// `budget` iterations; returns θ and the iterations used (at least 1).
    static func bfgs(_ objective: EpisodicObjective, theta: [Double], scale: [Double], budget: Int, stallRule: Bool, phase: String,
                     iterationsSoFar before: Int, startValue: Double, options: EpisodicFitOptions) throws -> (theta: [Double], iterations: Int) {
        let n = objective.statistics.queryPoints
        func expired() -> Bool { options.deadline.map { ContinuousClock.now >= $0 } ?? false }
        // Stall rule (fixed episode set): when the mean log predictive density per query
        // point rises by less than 1e-6 over 20 iterations, BFGS is crawling along a flat
        // direction (where one Newton step typically gains more than a hundred BFGS
        // iterations); Newton takes over from there.
        var history: [Double] = []
        let result = try minimizeBFGS(start: zip(theta, scale).map { $0 / $1 }, initialStep: 0.1, lineSearchTolerance: 0.1,
                                      gradientTolerance: options.gradientTolerance, maxIterations: budget,
                                      shouldStop: { iteration, value in
            history.append(-value)
            options.progress?(FitProgress(phase: phase, iteration: before + iteration, logLikelihood: -value, change: -value - startValue))
            if expired() { return true }
            return stallRule && history.count > 20 && history[history.count - 1] - history[history.count - 21] < 1e-6
        }) { u, gradient in
            let evaluation = try objective.evaluate(zip(u, scale).map { $0 * $1 })
            for i in gradient.indices { gradient[i] = -evaluation.gradient[i] * scale[i] / n }
            return -evaluation.value / n
        }
        return (zip(result.x, scale).map { $0 * $1 }, Swift.max(result.iterations, 1))
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
