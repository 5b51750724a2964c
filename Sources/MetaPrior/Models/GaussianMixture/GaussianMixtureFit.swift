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
    /// Most EM iterations per start.
    public var maximumIterations = 500
    /// Converged when the rise of ℓ in an iteration, per unit of task weight (nats per task), is
    /// at most this …
    public var tolerance = 1e-9
    /// … and no weight π_k, and no entry of a mean μ_k in units of √(tr Σ₁/d), moved more than
    /// this (Σ₁ the single-Gaussian warm start).
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
    /// EM iterations of the start kept.
    public var iterations: Int
    /// Whether both convergence criteria were met (``MixtureFitOptions``).
    public var converged: Bool
    /// The rise of ℓ per unit task weight in the last iteration.
    public var change: Double
    /// The largest parameter change of the last iteration.
    public var parameterChange: Double
    /// ℓ before every iteration of the start kept, then at the end: never decreasing.
    public var history: [Double]
    /// Components dropped as empty (weight below 1e-8) during the start kept.
    public var dropped: Int
    /// The start kept (0-based) and ℓ at the end of every start.
    public var start: Int
    /// ℓ reached by each start, in order.
    public var startLogLikelihoods: [Double]
    /// Tasks fitted (weight above 0).
    public var tasks: Int

    /// −2ℓ + p·log T, p = ``GaussianMixture/parameterCount``, T tasks (the unit the mixture
    /// explains: components are assigned per task).
    public var bic: Double { -2 * logLikelihood + Double(mixture.parameterCount) * log(Double(tasks)) }
}

/// Fits the mixture prior to the tasks' sufficient statistics by EM (`MixtureEM`) from
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

    /// EM from `mixture` until converged or the iteration limit.
    static func run(_ statistics: TaskStatistics, from mixture: GaussianMixture, scale: Double, options: MixtureFitOptions) throws -> MixtureFitResult {
        var em = try MixtureEM(statistics: statistics, start: mixture, floor: options.floorFraction * scale)
        let weight = statistics.weights.reduce(0, +)
        var history: [Double] = []
        var converged = false, change = Double.infinity, parameterChange = Double.infinity, dropped = 0
        var iterations = 0
        while iterations < options.maximumIterations {
            let step = try em.step(meanScale: scale.squareRoot())
            iterations += 1
            dropped += step.dropped.count
            if let last = history.last { change = (step.logLikelihood - last) / weight }
            history.append(step.logLikelihood)
            parameterChange = step.change
            if change <= options.tolerance && parameterChange <= options.parameterTolerance { converged = true; break }
        }
        let final = try em.logLikelihood()
        history.append(final)
        if history.count >= 2 { change = (final - history[history.count - 2]) / weight }
        return MixtureFitResult(mixture: em.mixture, logLikelihood: final, iterations: iterations, converged: converged, change: change,
                                parameterChange: parameterChange, history: history, dropped: dropped, start: 0, startLogLikelihoods: [],
                                tasks: statistics.weights.filter { $0 > 0 }.count)
    }
}
