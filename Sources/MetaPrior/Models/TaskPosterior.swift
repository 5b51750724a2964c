// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The posterior of a new task's parameters φ under a ``TaskPrior``, exact or approximate: draws,
/// log density, a per-parameter summary and the posterior predictive at new inputs.
///
/// Draws are made in fixed chunks of ``drawsPerChunk``, chunk c from random substream c of the
/// seed, so the same seed gives the same draws whatever the number of threads; the sample CSV
/// and the predictive draws ask for them chunk by chunk.
public protocol TaskPosterior: Sendable {
    /// Number of task parameters d.
    var parameterCount: Int { get }

    /// Number of observations the posterior conditions on.
    var observations: Int { get }

    /// Draws per chunk (and per random substream): fixed, never tied to the thread count.
    var drawsPerChunk: Int { get }

    /// What `lp__` holds for this posterior, for the sample CSV's comments.
    var logDensityDescription: String { get }

    /// Draws `range` of chunk `chunk` of `seed`, as rows of d + 1 numbers: `lp__` (the log
    /// posterior density of the draw), then φ.
    func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double]

    /// ``draws(chunk:range:seed:)`` written into `out` (room for `range.count` × (d + 1)
    /// numbers) instead of a new array: the sample CSV asks for a chunk at a time, and an
    /// array of 4096 × 21 numbers per chunk cost a page fault per 4 kB. The default copies
    /// from ``draws(chunk:range:seed:)``.
    func draws(chunk: Int, range: Range<Int>, seed: UInt64, into out: UnsafeMutablePointer<Double>)

    /// log p(φ | D, θ) of a given φ.
    func logDensity(_ phi: [Double]) throws -> Double

    /// Per parameter: mean, standard deviation and the central interval at `level`.
    func summary(level: Double) throws -> [IntervalSummary]

    /// The posterior predictive of y at each row of `inputs` (the prior's input columns): mean,
    /// standard deviation and the central interval at `level`.
    func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary]

    /// The joint posterior predictive of y at the rows of `inputs` as a Gaussian (exact for the
    /// linear-Gaussian family, an approximation elsewhere): mean and covariance, noise included.
    /// Scored by `evaluate` (joint NLL).
    func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix)

    /// Predictive draws y at the rows of `inputs` for the draws `range` of chunk `chunk` (the
    /// whole chunk: `chunk · drawsPerChunk ..< min(count, (chunk + 1) · drawsPerChunk)`): draw
    /// k uses the φ of draw k of ``draws(chunk:range:seed:)`` with the same seed. Returns
    /// `range.count × inputs.rows` values, draw-major. Chunk by chunk, so the predictive draws
    /// CSV is streamed in bounded memory and its bits never depend on the thread count.
    func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double]
}

extension TaskPosterior {
    /// Copies ``draws(chunk:range:seed:)`` into `out`.
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64, into out: UnsafeMutablePointer<Double>) {
        let rows = draws(chunk: chunk, range: range, seed: seed)
        rows.withUnsafeBufferPointer { if let base = $0.baseAddress { out.update(from: base, count: rows.count) } }
    }
}

/// A mean, a standard deviation and a central interval: one parameter of a posterior summary,
/// or one query point of a predictive.
public struct IntervalSummary: Sendable, Equatable {
    /// Mean of the parameter (or of y at the query point).
    public var mean: Double
    /// Its standard deviation, in the same units (0 for a point mass).
    public var standardDeviation: Double
    /// Lower end of the central interval at the level asked for (the (1 − level)/2 quantile).
    public var lower: Double
    /// Upper end of the central interval (the (1 + level)/2 quantile).
    public var upper: Double

    /// A summary from its four numbers.
    public init(mean: Double, standardDeviation: Double, lower: Double, upper: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.lower = lower
        self.upper = upper
    }
}
