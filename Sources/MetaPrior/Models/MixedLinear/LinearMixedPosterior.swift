// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The exact posterior of a new task under a ``LinearMixedPrior``: N(m, S) over the task's
/// coefficients φ of the task-specific terms, with the shared terms at β̂, and the predictive
/// N(x*ᵀm + f*ᵀβ̂, x*ᵀS x* + σ²) that combines both parts (β̂'s own uncertainty left out, as in
/// lme4's `predict`).
public struct LinearMixedPosterior: GaussianTaskPosterior {
    /// The prior, whose formula codes the inputs.
    public let prior: LinearMixedPrior
    /// N(m, S) over φ.
    public let gaussian: GaussianPosterior
    /// Which coordinates of the standard-normal draw reach φ.
    public let activeCoordinates: [Bool]

    /// The posterior N(m, S) under `prior`, ready to draw from.
    public init(prior: LinearMixedPrior, gaussian: GaussianPosterior) {
        self.prior = prior
        self.gaussian = gaussian
        activeCoordinates = gaussian.activeCoordinates
    }

    /// `lp__` is log N(φ; m, S), the exact posterior density.
    public var logDensityDescription: String { "log posterior density of the draw, log N(phi; m, S), shared terms fixed at their estimates" }

    /// The predictive at each query row: both parts of the formula.
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        let (offsets, design) = try prior.designs(inputs)
        return try gaussian.predictiveSummaries(design: design, offsets: offsets, level: level, inputNames: prior.inputs)
    }

    /// The joint predictive N(X* m + o, X* S X*ᵀ + σ²I), o the shared part at β̂.
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        let (offsets, design) = try prior.designs(inputs)
        return try gaussian.jointPredictive(design: design, offsets: offsets)
    }

    /// y = x*ᵀφ + f*ᵀβ̂ + ε for the draws of chunk `chunk` (φ as ``draws(chunk:range:seed:)``
    /// gives them, ε from substream 2³² + `chunk` of `seed`).
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        let (offsets, design) = try prior.designs(inputs)
        return gaussian.predictiveDraws(design: design, offsets: offsets, draws: draws(chunk: chunk, range: range, seed: seed),
                                        width: parameterCount + 1, count: range.count, chunk: chunk, seed: seed)
    }
}
