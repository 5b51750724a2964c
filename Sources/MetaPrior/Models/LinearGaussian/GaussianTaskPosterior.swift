// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A ``TaskPosterior`` that is an exact Gaussian N(m, S) over φ (``GaussianPosterior``): draws,
/// log density and summary come from it, written once here; a conforming type adds how its
/// inputs become design rows (the predictive).
public protocol GaussianTaskPosterior: TaskPosterior {
    /// N(m, S) over φ.
    var gaussian: GaussianPosterior { get }
    /// Which coordinates of the standard-normal draw reach φ (the posterior's active coordinates,
    /// kept so that it is not recomputed per chunk).
    var activeCoordinates: [Bool] { get }
}

extension GaussianTaskPosterior {
    /// d, the number of task parameters.
    public var parameterCount: Int { gaussian.mean.count }
    /// Number of observations the posterior conditions on.
    public var observations: Int { gaussian.observations }
    /// ``GaussianPosterior/drawsPerStream`` draws per random substream.
    public var drawsPerChunk: Int { GaussianPosterior.drawsPerStream }

    /// Draws φ = m + G z with z standard normal from substream `chunk` of `seed`, each row
    /// `lp__` then φ.
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double] {
        [Double](unsafeUninitializedCapacity: range.count * (parameterCount + 1)) { buffer, initialized in
            if let base = buffer.baseAddress { draws(chunk: chunk, range: range, seed: seed, into: base) }
            initialized = range.count * (parameterCount + 1)
        }
    }

    /// ``draws(chunk:range:seed:)`` straight into `out` (`range.count` rows of `lp__` then φ).
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64, into out: UnsafeMutablePointer<Double>) {
        let width = parameterCount + 1
        gaussian.draw(chunk: chunk, range: range, seed: seed, active: activeCoordinates,
                      phi: out + 1, phiStride: width, logDensity: out, logDensityStride: width)
    }

    /// log N(φ; m, S) (see ``GaussianPosterior/logDensity(_:)``).
    public func logDensity(_ phi: [Double]) throws -> Double { try gaussian.logDensity(phi) }

    /// Per parameter: m_j, √S_jj and the central interval of N(m_j, S_jj).
    public func summary(level: Double) throws -> [IntervalSummary] {
        try zip(gaussian.mean, gaussian.standardDeviations).map { try LinearGaussianPosterior.normalSummary(mean: $0, sd: $1, level: level) }
    }
}
