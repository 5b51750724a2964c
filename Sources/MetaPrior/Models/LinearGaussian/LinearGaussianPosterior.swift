// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact posterior of a new task under a ``LinearGaussianPrior``: N(m, S) over φ, and the
/// Gaussian posterior predictive N(f(x*)ᵀm, f(x*)ᵀS f(x*) + σ²).
public struct LinearGaussianPosterior: GaussianTaskPosterior {
    /// The feature map f that turns inputs into features.
    public let basis: FeatureMap
    /// N(m, S) over φ.
    public let gaussian: GaussianPosterior
    /// Which coordinates of the standard-normal draw reach φ (fixed per posterior).
    public let activeCoordinates: [Bool]

    /// The posterior N(m, S) in the feature map `basis` (the prior's), ready to draw from.
    public init(basis: FeatureMap, gaussian: GaussianPosterior) {
        self.basis = basis
        self.gaussian = gaussian
        self.activeCoordinates = gaussian.activeCoordinates
    }

    /// `lp__` is log N(φ; m, S), the exact posterior density (on the subspace S spans when S is
    /// singular).
    public var logDensityDescription: String { "log posterior density of the draw, log N(phi; m, S)" }

    /// The exact predictive N(f(x*)ᵀm, f(x*)ᵀS f(x*) + σ²) at each query row.
    /// - Throws: ``InputError`` when `inputs` does not have the prior's input columns.
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        try gaussian.predictiveSummaries(design: try basis.design(inputs), offsets: nil, level: level, inputNames: basis.inputNames)
    }

    /// The exact joint predictive N(Φ* m, Φ* S Φ*ᵀ + σ²I), with Φ* the features of the query
    /// rows; the covariance is symmetrised against rounding.
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        try gaussian.jointPredictive(design: try basis.design(inputs), offsets: nil)
    }

    /// y = f(x)ᵀφ + ε for the draws of chunk `chunk`: φ from ``draws(chunk:range:seed:)`` (the
    /// same bits as ``GaussianPosterior/sample(count:seed:into:logDensity:)``), ε ~ N(0, σ²)
    /// from substream 2³² + `chunk` of `seed`.
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        let design = try basis.design(inputs)
        return gaussian.predictiveDraws(design: design, offsets: nil, draws: draws(chunk: chunk, range: range, seed: seed),
                                        width: parameterCount + 1, count: range.count, chunk: chunk, seed: seed)
    }

    /// Mean, sd and the central interval of N(mean, sd²) at `level` (a point when sd = 0).
    static func normalSummary(mean: Double, sd: Double, level: Double) throws -> IntervalSummary {
        // A finite prior and finite data can still give an overflowing mean or sd (inputs far
        // outside the fitted range); say so instead of GSL's "Normal(mean: -inf…)".
        guard mean.isFinite, sd.isFinite else {
            throw InputError(kind: .invalidValue, "the mean (\(mean)) or standard deviation (\(sd)) overflows; the values are too large for this prior")
        }
        guard sd > 0 else { return IntervalSummary(mean: mean, standardDeviation: sd, lower: mean, upper: mean) }
        let interval = try Normal(mean: mean, standardDeviation: sd).centralInterval(level: level)
        return IntervalSummary(mean: mean, standardDeviation: sd, lower: interval.lower, upper: interval.upper)
    }
}
