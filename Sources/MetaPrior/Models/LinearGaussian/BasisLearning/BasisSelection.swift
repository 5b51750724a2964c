// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Makes a ``BasisSpec`` concrete for a meta-train set: a fixed spec as it is, a learned one
/// (`rbf:K:auto`, …) with the scale of its hyperparameter that maximises the profiled log
/// marginal likelihood ℓ*(s) = max_θ ℓ(θ; s), and `auto` by comparing
/// ``BasisSpec/automaticCandidates`` by evidence.
///
/// `auto` compares ℓ penalised like BIC, ℓ − ½·k·log T, with k the number of free parameters
/// of θ (d means, the free entries of Λ, σ², and 1 for a tuned hyperparameter) and T the
/// number of tasks, the replication unit θ is learned from. With task descriptors every
/// candidate is fitted with μ_i = B z̃_i, and B's entries count in k. Comparing ℓ across bases is
/// legitimate (the data y are the same; only the design differs), but the bases are nested
/// (poly:3 contains linear), so unpenalised ℓ would always prefer the larger one.
public enum BasisSelection {
    /// The basis chosen, its statistics and fit, and lines that explain the choice.
    public struct Outcome: Sendable {
        /// The concrete basis.
        public var map: FeatureMap
        /// The meta-train statistics under ``map``.
        public var statistics: TaskStatistics
        /// The marginal fit under ``map`` with the caller's options.
        public var fit: PriorFitResult
        /// What was searched or compared, for a person (empty for a fixed basis).
        public var notes: [String]
    }

    /// Resolves `spec` on `dataset` and fits the prior with `options`.
    /// - Throws: ``InputError`` when no candidate can be fitted, or the errors of ``PriorFit``.
    public static func resolve(_ spec: BasisSpec, dataset: MetaDataset, options: PriorFitOptions) throws -> Outcome {
        try resolve(spec, dataset: dataset, options: options, search: ScaleSearch())
    }

    /// ``resolve(_:dataset:options:)`` with another search (tests use a coarser one).
    static func resolve(_ spec: BasisSpec, dataset: MetaDataset, options: PriorFitOptions, search: ScaleSearch) throws -> Outcome {
        switch spec {
        case .automatic:
            return try compare(BasisSpec.automaticCandidates, dataset: dataset, options: options, search: search)
        case .learned(let basis):
            return try tune(basis, dataset: dataset, options: options, search: search)
        default:
            let map = try FeatureMap(spec: spec, inputNames: dataset.inputNames, trainingInputs: dataset.tasks.map(\.inputs))
            let statistics = try statistics(dataset, map)
            return Outcome(map: map, statistics: statistics, fit: try PriorFit.fit(statistics, options: bounded(options, statistics)), notes: [])
        }
    }

    /// `options` with ``PriorFitOptions/noiseFloor`` set to ``NoiseFloor/floor(_:)`` unless the
    /// caller chose one.
    static func bounded(_ options: PriorFitOptions, _ statistics: TaskStatistics) -> PriorFitOptions {
        var bounded = options
        if bounded.noiseFloor == nil {
            let floor = NoiseFloor.floor(statistics)
            if floor > 0 { bounded.noiseFloor = floor }
        }
        return bounded
    }

    /// The fit of one scale s of a learned basis, started from `warmStart`'s factor where
    /// given (a fit at a nearby scale; ``PriorFitOptions/warmStart``).
    static func evaluate(_ basis: LearnableBasis, scale: Double, dataset: MetaDataset, options: PriorFitOptions,
                         warmStart: PriorFitResult? = nil) throws -> Outcome {
        let (map, statistics) = try features(basis, scale: scale, dataset: dataset)
        var options = bounded(options, statistics)
        options.warmStart = warmStart.map(relativeFactor)
        return Outcome(map: map, statistics: statistics, fit: try PriorFit.fit(statistics, options: options), notes: [])
    }

    /// The map of `basis` at `scale` and the meta-train statistics under it.
    static func features(_ basis: LearnableBasis, scale: Double, dataset: MetaDataset) throws -> (map: FeatureMap, statistics: TaskStatistics) {
        let map = try FeatureMap(spec: .learned(basis), inputNames: dataset.inputNames,
                                 trainingInputs: dataset.tasks.map(\.inputs), scale: scale)
        return (map, try statistics(dataset, map))
    }

    /// A lower-triangular Λ with ΛΛᵀ = Σ/σ² of a fitted prior, d×d row-major: the form
    /// ``ProfiledLikelihood`` takes its parameters from (a singular Σ's stored factor is
    /// V·√Λ from its eigendecomposition, not triangular).
    static func relativeFactor(_ fit: PriorFitResult) -> [Double] {
        let sigma = fit.prior.noiseVariance.squareRoot()
        let d = fit.prior.dimension
        return PriorFit.trapezoidal(fit.prior.factor.elements.map { $0 / sigma }, rows: d, columns: d)
    }

    /// The meta-train statistics under `map`, conditioned on the tasks' descriptors when the
    /// data carry them (μ_i = B z̃_i), so that a learned or automatic basis is chosen by the
    /// evidence of the model that is finally fitted, and that fit is the search's own.
    static func statistics(_ dataset: MetaDataset, _ map: FeatureMap) throws -> TaskStatistics {
        let statistics = try TaskStatistics(dataset: dataset, featureMap: map)
        return dataset.descriptorNames.isEmpty ? statistics : try statistics.conditioned(on: dataset)
    }

    /// Most quasi-Newton iterations of each fit inside the search. The search only has to
    /// find the mode of ℓ*(s), and an uncapped search (17 fits) would cost minutes at d ≈ 30,
    /// where a fit may crawl for hundreds of iterations along a flat ridge towards a singular
    /// Σ. A capped ℓ is only a lower bound of ℓ*(s), too rough to place s* near the peak, so
    /// the search's point is then refined with full fits
    /// (``refineScale(_:from:scale:dataset:options:)``).
    ///
    /// 30, not the 100 it was before the refinement steered by the envelope slope: the search
    /// now only has to land in the right mode, and the refinement places the peak. Measured
    /// with the release build, 1000 tasks × 40 points (`simulate … --seed 1`), `fit --basis
    /// X:auto --max-iterations 200`, one run each on a quiet machine, 100 → 30: harmonic
    /// `fourier:16:auto` 185 → 117 s wall (the search 95 → 32 s), sinusoid `rbf:20:auto`
    /// 26.7 → 14.4 s (noise-free) and 65.9 → 60.8 s (noise sd 0.1), sinusoid-line
    /// `rbf:20:auto` 84.5 → 77.6 s; each chose the same scale (to 1e-4 relative, within the
    /// refinement's tolerance) and reached the same ℓ to 10 digits. At 15 the harmonic search
    /// took 25 s, a further 7 s, for a bound looser still; 30 keeps the margin.
    static let searchIterations = 30

    /// Step in log s uphill where ℓ*(s) is not concave at the current point (no Newton step
    /// there; ``refineScale(_:from:scale:dataset:options:)``): 2 %, the golden section's
    /// resolution (``ScaleSearch``).
    static let climbStep = log(1.02)

    /// The scale of `basis` that maximises ℓ*(s) over ``LearnableBasis/scaleRange``: the
    /// search (``ScaleSearch``) with capped fits finds the mode; then a full fit at its point
    /// (warm-started from the search's fit there if that one converged within its cap), and
    /// secant steps in log s on the envelope slope dℓ*/d log s
    /// (``refineScale(_:from:scale:dataset:options:)``), each a full fit warm-started from the
    /// last where that converged, until the predicted gain is below the tolerance.
    /// The capped fits' ℓ is only a lower bound of ℓ*(s), too rough to place the peak (on 60
    /// sinusoid tasks, rbf:8, the converged ℓ*(s) still rose by 0.5 nats over the next 5 %:
    /// `BasisLearningTests.learnedWidthIsAMaximum`).
    static func tune(_ basis: LearnableBasis, dataset: MetaDataset, options: PriorFitOptions,
                     search: ScaleSearch = ScaleSearch()) throws -> Outcome {
        var quiet = options
        quiet.progress = nil
        quiet.maximumIterations = Swift.min(options.maximumIterations, searchIterations)
        quiet.rankingOnly = true
        var firstError: Error?
        var count = 0
        // The search's best fit starts the full fit at s* where it converged within its cap.
        var bestCapped: (value: Double, fit: PriorFitResult)?
        let result = try search.maximise(over: basis.scaleRange) { scale -> Double in
            count += 1
            do {
                let fit = try evaluate(basis, scale: scale, dataset: dataset, options: quiet).fit
                let value = fit.logMarginalLikelihood
                if value > (bestCapped?.value ?? -.infinity) { bestCapped = (value, fit) }
                options.progress?(FitProgress(phase: "\(basis) \(basis.hyperparameterName) ×\(significant(scale, 4))", iteration: count,
                                              logLikelihood: value, change: 0))
                return value
            } catch let error as InputError {
                // A scale the data cannot support (collinear features): not a candidate.
                if firstError == nil { firstError = error }
                return -.infinity
            }
        }
        guard result.best.value > -.infinity else { throw firstError ?? InputError("no scale of '\(basis)' could be fitted") }
        let start = try evaluate(basis, scale: result.best.scale, dataset: dataset, options: options, warmStart: warmStart(from: bestCapped?.fit))
        let refined = try refineScale(basis, from: start, scale: result.best.scale, dataset: dataset, options: options)
        var outcome = refined.outcome
        let scale = refined.scale
        let value = hyperparameterValue(outcome.map)
        let state = refined.converged ? "converged" : "NOT converged"
        let gain = !refined.outcome.fit.converged ? "the fit there did not converge, so this is not ℓ*'s slope"
            : refined.decrement.map { "predicted gain \(significant($0, 2)) per observation" } ?? "ℓ* not concave there"
        outcome.notes = ["basis \(basis): \(basis.hyperparameterName) \(significant(value, 6)) (×\(significant(scale, 4)) the default) "
                         + "maximises the log marginal likelihood over ×[\(significant(basis.scaleRange.lowerBound, 3)), \(significant(basis.scaleRange.upperBound, 3))] "
                         + "(\(result.evaluated.count) fits of at most \(quiet.maximumIterations) iterations, then \(refined.fits) full fits); "
                         + "\(basis.hyperparameterName) \(state): dℓ*/d log s = \(significant(refined.slope, 3)), \(gain)"]
        return outcome
    }

    /// The stored value of the tuned hyperparameter: the width (rbf, rff) or the first period.
    static func hyperparameterValue(_ map: FeatureMap) -> Double {
        map.width ?? map.periods?.first ?? .nan
    }

    /// Number of free parameters of θ for a basis of dimension d: d means (d × (q + 1) entries
    /// of B with q descriptors), the free entries of Λ, σ², and one per tuned hyperparameter.
    static func parameterCount(dimension d: Int, descriptors q: Int = 0, structure: CovarianceStructure, tuned: Bool) -> Int {
        d * (q + 1) + structure.parameterCount(dimension: d) + 1 + (tuned ? 1 : 0)
    }

    /// Fits every candidate and keeps the one with the highest ℓ − ½·k·log T (the first one on
    /// a tie, so list simpler candidates first).
    static func compare(_ candidates: [BasisSpec], dataset: MetaDataset, options: PriorFitOptions,
                        search: ScaleSearch = ScaleSearch()) throws -> Outcome {
        let tasks = Double(dataset.tasks.count)
        var rows: [(spec: String, logLikelihood: Double, parameters: Int, score: Double)] = []
        var best: (outcome: Outcome, score: Double)?
        var firstError: Error?
        for candidate in candidates {
            let outcome: Outcome
            do {
                outcome = try resolve(candidate, dataset: dataset, options: options, search: search)
            } catch let error as InputError {
                if firstError == nil { firstError = error }
                rows.append((candidate.description, -.infinity, 0, -.infinity))
                continue
            }
            var tuned = false
            if case .learned = candidate { tuned = true }
            let k = parameterCount(dimension: outcome.map.dimension, descriptors: dataset.descriptorNames.count, structure: options.structure, tuned: tuned)
            let score = outcome.fit.logMarginalLikelihood - 0.5 * Double(k) * log(tasks)
            rows.append((candidate.description, outcome.fit.logMarginalLikelihood, k, score))
            if score > (best?.score ?? -.infinity) { best = (outcome, score) }
        }
        guard var chosen = best?.outcome else { throw firstError ?? InputError("no candidate basis could be fitted") }
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        var notes = ["basis auto: candidates compared by ℓ − ½·k·log T (k parameters of θ, T = \(dataset.tasks.count) tasks):",
                     "  " + pad("basis", 18) + pad("log lik", 16) + pad("k", 7) + "score"]
        for row in rows {
            let mark = row.spec == chosen.map.spec ? "  ← chosen" : ""
            notes.append("  " + pad(row.spec, 18) + pad(row.logLikelihood.isFinite ? significant(row.logLikelihood, 10) : "failed", 16)
                         + pad(row.parameters > 0 ? "\(row.parameters)" : "-", 7) + (row.score.isFinite ? significant(row.score, 10) : "-") + mark)
        }
        chosen.notes = notes + chosen.notes
        return chosen
    }
}
