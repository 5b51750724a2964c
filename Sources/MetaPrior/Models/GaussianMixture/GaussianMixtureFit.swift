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
    /// Whether both convergence criteria were met (``MixtureFitOptions``).
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
    /// The start kept (0-based) and ℓ at the end of every start.
    public var start: Int
    /// ℓ reached by each start, in order.
    public var startLogLikelihoods: [Double]
    /// Tasks fitted (weight above 0).
    public var tasks: Int
    /// SQUAREM cycles of the start kept whose extrapolated point was accepted.
    public var extrapolations = 0
    /// Of the start kept, the accepted boundary moves (eigenvalues of Σ_k set to the floor).
    public var boundaryMoves = 0

    /// −2ℓ + p·log T, p = ``GaussianMixture/parameterCount``, T tasks (the unit the mixture
    /// explains: components are assigned per task).
    public var bic: Double { -2 * logLikelihood + Double(mixture.parameterCount) * log(Double(tasks)) }
}

/// Fits the mixture prior to the tasks' sufficient statistics by SQUAREM-accelerated EM
/// (`MixtureEM`, `MixtureAcceleration`) from
/// seeded k-means++ starts (`MixtureStart`): the library entry point that `fit --model
/// gaussian_mixture` and a comparison of sharing levels call.
public enum GaussianMixtureFit {
    /// The best of ``MixtureFitOptions/starts`` EM runs by ℓ (the first wins a tie).
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
        for s in 0..<starts {
            var result = try run(statistics, from: try start.mixture(components: options.components, start: s, seed: options.seed),
                                 scale: start.scale, options: options)
            result.start = s
            reached.append(result.logLikelihood)
            if best.map({ result.logLikelihood > $0.logLikelihood }) ?? true { best = result }
        }
        best!.startLogLikelihoods = reached
        best!.tasks = tasks
        return best!
    }

    /// SQUAREM-accelerated EM with boundary moves (`MixtureAcceleration`) from `mixture` until converged or the
    /// iteration limit (counted in EM steps, each an E-step over all tasks).
    static func run(_ statistics: TaskStatistics, from mixture: GaussianMixture, scale: Double, options: MixtureFitOptions) throws -> MixtureFitResult {
        var em = try MixtureEM(statistics: statistics, start: mixture, floor: options.floorFraction * scale)
        let weight = statistics.weights.reduce(0, +)
        var history: [Double] = []
        var converged = false, change = Double.infinity, parameterChange = Double.infinity, dropped = 0
        var iterations = 0, extrapolations = 0, boundaryMoves = 0
        while iterations < options.maximumIterations {
            let cycle = try em.acceleratedCycle(meanScale: scale.squareRoot(), budget: options.maximumIterations - iterations)
            iterations += cycle.evaluations
            dropped += cycle.dropped
            if cycle.extrapolated { extrapolations += 1 }
            if cycle.boundaryMove { boundaryMoves += 1 }
            history += cycle.history
            change = cycle.rise / weight
            parameterChange = cycle.change
            if change <= options.tolerance && parameterChange <= options.parameterTolerance { converged = true; break }
        }
        let final = try em.logLikelihood()
        // A last cycle cut to one step by the limit measures its rise here, at the point it reached.
        if !change.isFinite, let last = history.last { change = (final - last) / weight }
        history.append(final)
        return MixtureFitResult(mixture: em.mixture, logLikelihood: final, iterations: iterations, converged: converged, change: change,
                                parameterChange: parameterChange, history: history, dropped: dropped, start: 0, startLogLikelihoods: [],
                                tasks: statistics.weights.filter { $0 > 0 }.count, extrapolations: extrapolations, boundaryMoves: boundaryMoves)
    }
}
