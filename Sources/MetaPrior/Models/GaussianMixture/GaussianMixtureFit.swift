// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Settings of a mixture fit (``GaussianMixtureFit``).
public struct MixtureFitOptions: Sendable, Equatable {
    /// Number of components K ≥ 1.
    public var components: Int
    /// Seeded k-means++ starts (``starts`` for K > 1; K = 1 has one start); the best ℓ is kept.
    public var starts = 4
    /// Seed of the starts: start s draws from substream s.
    public var seed: UInt64 = 1
    /// Most EM steps per start (each an E-step over all tasks; a SQUAREM cycle takes up to 3).
    public var maximumIterations = 500
    /// Converged when the rise of ℓ in a plain EM step (the first of a SQUAREM cycle, from the
    /// point the last cycle accepted), per unit of task weight (nats per task), is at most this …
    public var tolerance = 1e-9
    /// … and in that step no weight π_k, and no entry of a mean μ_k in units of √(tr Σ₁/d),
    /// moved more than this (Σ₁ the single-Gaussian warm start).
    public var parameterTolerance = 1e-6
    /// The eigenvalue floor of every Σ_k, as a fraction of tr Σ₁/d: keeps a component that
    /// collapses onto a subspace numerically positive definite; fixed for the run, so EM stays
    /// monotone (see `MixtureEM`).
    public var floorFraction = 1e-8
    /// Whether EM is followed by the second-order finish (`MixtureFinish`): Newton on ℓ with
    /// Σ_k in reduced-rank factors, converged when the Newton decrement per task is at most
    /// ``tolerance`` and the boundary (KKT) condition holds.
    public var finish = true
    /// Whether EM is SQUAREM-accelerated (`MixtureAcceleration`); false: plain EM steps only
    /// (then no extra plain-EM run is made).
    public var accelerated = true

    /// Options for `components` components; the rest at their defaults.
    public init(components: Int) { self.components = components }
}

/// The account of a mixture fit.
public struct MixtureFitResult: Sendable {
    /// The fitted θ.
    public var mixture: GaussianMixture
    /// ℓ = Σ_i w_i log Σ_k π_k p(D_i | k) at ``mixture``.
    public var logLikelihood: Double
    /// EM steps (E-steps over all tasks, the extrapolated points' included) of the start kept.
    public var iterations: Int
    /// Whether EM's two criteria (``MixtureFitOptions``) or the finish's (Newton decrement per
    /// task and the boundary test, ``MixtureFinishReport``) were met.
    public var converged: Bool
    /// The rise of ℓ per unit task weight in the last plain EM step (the first of the last
    /// SQUAREM cycle).
    public var change: Double
    /// The largest parameter change of that step.
    public var parameterChange: Double
    /// ℓ at every accepted point of the start kept (each cycle's θ₀ and θ₁ and, when
    /// accepted, its extrapolated θ′), then at the end: never decreasing.
    public var history: [Double]
    /// Components dropped as empty (weight below 1e-8) during the start kept.
    public var dropped: Int
    /// The start kept (0-based; ``MixtureFitOptions/starts`` is the plain-EM run from start 0).
    public var start: Int
    /// ℓ reached by each start, in order (the plain-EM run last).
    public var startLogLikelihoods: [Double]
    /// Tasks fitted (weight above 0).
    public var tasks: Int
    /// SQUAREM cycles of the start kept whose extrapolated point was accepted.
    public var extrapolations = 0
    /// Of the start kept, the accepted boundary moves (eigenvalues of Σ_k set to the floor).
    public var boundaryMoves = 0
    /// Whether EM met its own criterion (``MixtureFitOptions/tolerance`` and
    /// ``MixtureFitOptions/parameterTolerance``) before the finish.
    public var emConverged = false
    /// ℓ where EM stopped (``logLikelihood`` is the finish's when it was kept).
    public var emLogLikelihood = 0.0
    /// The second-order finish of the start kept (`nil` when it was not run or did not
    /// reach EM's ℓ).
    public var finish: MixtureFinishReport?
    /// Whether the start kept ran SQUAREM-accelerated EM (false: the plain-EM start).
    public var accelerated = true

    /// −2ℓ + p·log T, p = ``GaussianMixture/parameterCount``, T tasks (the unit the mixture
    /// explains: components are assigned per task).
    public var bic: Double { -2 * logLikelihood + Double(mixture.parameterCount) * log(Double(tasks)) }
}

/// Fits the mixture prior to the tasks' sufficient statistics by SQUAREM-accelerated EM
/// (`MixtureEM`, `MixtureAcceleration`) from
/// seeded k-means++ starts (`MixtureStart`): the library entry point that `fit --model
/// gaussian_mixture` and a comparison of sharing levels call.
public enum GaussianMixtureFit {
    /// The best by ℓ (the first wins a tie) of ``MixtureFitOptions/starts`` accelerated EM runs
    /// and, for K > 1, one plain-EM run from the first start (index ``MixtureFitOptions/starts``),
    /// then **one** second-order finish (`MixtureFinish`) from the start kept. The finish runs
    /// once, not inside every start: the starts compete on EM's ℓ alone, and Newton from the
    /// best of them is what turns a crawl into convergence. It runs where EM met its own
    /// criterion too: near a singular Σ_k a small rise per EM step does not mean ℓ is near its
    /// maximum, which the Newton decrement and the boundary test do check.
    /// - Throws: ``InputError`` (column `--components`) when K is below 1 or above the number
    ///   of tasks.
    public static func fit(_ statistics: TaskStatistics, options: MixtureFitOptions) throws -> MixtureFitResult {
        let tasks = statistics.weights.filter { $0 > 0 }.count
        guard options.components >= 1, options.components <= tasks else {
            throw InputError(column: "--components", kind: .invalidValue,
                             "must be from 1 to the number of tasks (\(tasks)), not \(options.components): each component needs tasks to describe")
        }
        let start = try MixtureStart(statistics: statistics)
        let starts = options.components == 1 ? 1 : Swift.max(options.starts, 1)
        var best: MixtureFitResult?
        var reached: [Double] = []
        // For K > 1 one more run: plain EM from the first start, so that an extrapolation that
        // lands in a worse optimum cannot make the choice of K worse than plain EM's.
        for s in 0..<(starts + (options.components > 1 && options.accelerated ? 1 : 0)) {
            var result = try run(statistics, from: try start.mixture(components: options.components, start: s < starts ? s : 0, seed: options.seed),
                                 scale: start.scale, options: options, accelerated: options.accelerated && s < starts)
            result.start = s
            reached.append(result.logLikelihood)
            if best.map({ result.logLikelihood > $0.logLikelihood }) ?? true { best = result }
        }
        var result = best!
        result.startLogLikelihoods = reached
        result.tasks = tasks
        if options.finish,
           let finished = try MixtureFinish.finish(statistics, from: result.mixture, logLikelihood: result.logLikelihood,
                                                   scale: start.scale, tolerance: options.tolerance),
           finished.logLikelihood >= result.logLikelihood {
            result.mixture = finished.mixture
            result.logLikelihood = finished.logLikelihood
            result.history += finished.history
            result.finish = finished.report
            result.converged = result.emConverged || finished.report.converged
        }
        return result
    }

    /// SQUAREM-accelerated EM with boundary moves (`MixtureAcceleration`) from `mixture` (plain
    /// EM steps only when `accelerated` is false) until converged or the iteration limit
    /// (counted in EM steps, each an E-step over all tasks).
    static func run(_ statistics: TaskStatistics, from mixture: GaussianMixture, scale: Double, options: MixtureFitOptions,
                    accelerated: Bool = true) throws -> MixtureFitResult {
        var em = try MixtureEM(statistics: statistics, start: mixture, floor: options.floorFraction * scale)
        let weight = statistics.weights.reduce(0, +)
        var history: [Double] = []
        var converged = false, change = Double.infinity, parameterChange = Double.infinity, dropped = 0
        var iterations = 0, extrapolations = 0, boundaryMoves = 0
        while iterations < options.maximumIterations {
            let cycle = try em.acceleratedCycle(meanScale: scale.squareRoot(), budget: accelerated ? options.maximumIterations - iterations : 1)
            iterations += cycle.evaluations
            dropped += cycle.dropped
            if cycle.extrapolated { extrapolations += 1 }
            if cycle.boundaryMove { boundaryMoves += 1 }
            history += cycle.history
            // A plain EM step's rise: the cycle's θ₀ → θ₁, or (one step per cycle) the last two points.
            change = (cycle.rise.isFinite ? cycle.rise : history.count >= 2 ? history[history.count - 1] - history[history.count - 2] : .infinity) / weight
            parameterChange = cycle.change
            if change <= options.tolerance && parameterChange <= options.parameterTolerance { converged = true; break }
        }
        let final = try em.logLikelihood()
        // A last cycle cut to one step by the limit measures its rise here, at the point it reached.
        if !change.isFinite, let last = history.last { change = (final - last) / weight }
        history.append(final)
        var result = MixtureFitResult(mixture: em.mixture, logLikelihood: final, iterations: iterations, converged: converged, change: change,
                                      parameterChange: parameterChange, history: history, dropped: dropped, start: 0, startLogLikelihoods: [],
                                      tasks: statistics.weights.filter { $0 > 0 }.count, extrapolations: extrapolations, boundaryMoves: boundaryMoves)
        result.emLogLikelihood = final
        result.emConverged = converged
        result.accelerated = accelerated
        return result
    }
}
