// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The posterior p(φ | D, θ) = N(m, S) of one task's parameters under a ``GaussianPrior``,
/// and its posterior predictive N(f(x*)ᵀm, f(x*)ᵀS f(x*) + σ²).
public struct GaussianPosterior: Sendable {
    /// Posterior mean m.
    public let mean: [Double]
    /// Posterior covariance S.
    public let covariance: Matrix
    /// A factor G with G Gᵀ = S, for drawing φ = m + G z.
    public let factor: Matrix
    /// σ², carried for the predictive.
    public let noiseVariance: Double
    /// Number of observations the posterior conditions on.
    public let observations: Int
    /// log N(·; m, S) normalising constant: −r/2 log 2π − ½ log pdet S, r = rank of S.
    let logNormaliser: Double
    /// Rank of S (d unless the prior is singular).
    public let rank: Int

    /// Posterior standard deviations √S_jj.
    public var standardDeviations: [Double] { covariance.diagonalEntries.map { Swift.max($0, 0).squareRoot() } }

    /// Predictive mean and variance at the feature vector f(x*).
    public func predictive(features f: [Double]) -> (mean: Double, variance: Double) {
        var mean = 0.0
        for j in f.indices { mean += f[j] * self.mean[j] }
        var variance = noiseVariance
        let d = f.count
        for i in 0..<d { var row = 0.0; for j in 0..<d { row += covariance[i, j] * f[j] }; variance += f[i] * row }
        return (mean, Swift.max(variance, noiseVariance))
    }
}

extension GaussianPrior {
    /// The prior as a posterior with no data: m = μ, S = Σ.
    public var asPosterior: GaussianPosterior {
        // `try!` cannot fail: Σ was validated when the prior was made.
        try! GaussianPosterior.make(mean: mean, covariance: covariance, noiseVariance: noiseVariance, observations: 0)
    }

    /// Adapts the prior to a task with design Φ (n × d) and targets y:
    ///
    ///     M = σ²I + FᵀAF = RRᵀ,  Y = R⁻¹Fᵀ,  m = μ + YᵀY(b − Aμ),  S = σ²YᵀY
    ///
    /// with A = ΦᵀΦ, b = Φᵀy and F the prior factor — equal to the textbook
    /// P = Σ⁻¹ + A/σ², S = P⁻¹, m = S(Σ⁻¹μ + b/σ²) but valid for singular Σ, fewer points than
    /// parameters, repeated inputs, and no points at all (then the posterior is the prior).
    public func posterior(design: Matrix, targets: [Double]) throws -> GaussianPosterior {
        let d = dimension
        let (a, b) = try sums(design: design, targets: targets)
        if design.rows == 0 { return asPosterior }
        var m = try factor.multiplied(by: try a.multiplied(by: factor), transposeLeft: true)
        for i in 0..<d { m[i, i] += noiseVariance }
        guard m.isFinite else {
            throw InputError(kind: .invalidValue, "the task's inputs are too large for this prior's covariance: FᵀΦᵀΦF overflows; rescale the inputs")
        }
        do {
            let r = try Cholesky(symmetrized(m))
            let y = try r.solveLower(factor.transposed)
            var g = b
            let aMu = try a.multiplied(by: mean)
            for i in 0..<d { g[i] -= aMu[i] }
            let yg = try y.multiplied(by: g)
            let shift = try y.multiplied(by: yg, transpose: true)
            let postMean = zip(mean, shift).map { $0 + $1 }
            let s = symmetrized(noiseVariance * (try y.multiplied(by: y, transposeLeft: true)))
            return try GaussianPosterior.make(mean: postMean, covariance: s, noiseVariance: noiseVariance,
                                              observations: design.rows)
        } catch let error as GSLError {
            // σ²I + FᵀAF is positive definite in exact arithmetic and the inputs are finite, so
            // a failure here is floating point giving out: σ² lost next to FᵀAF, or an overflow.
            throw InputError(kind: .invalidValue, "the posterior cannot be computed in floating point (\(error.reason)): the data are too large, or the noise variance \(noiseVariance) too small, for this prior; rescale the inputs or targets")
        }
    }
}

extension GaussianPosterior {
    /// Builds the sampling factor and density constant of N(m, S): Cholesky when S is positive
    /// definite, else the eigendecomposition (a degenerate Gaussian on the range of S).
    static func make(mean: [Double], covariance: Matrix, noiseVariance: Double, observations: Int) throws -> GaussianPosterior {
        let d = mean.count
        if let cholesky = try? Cholesky(covariance) {
            return GaussianPosterior(mean: mean, covariance: covariance, factor: cholesky.lower,
                                     noiseVariance: noiseVariance, observations: observations,
                                     logNormaliser: -0.5 * Double(d) * log(2 * Double.pi) - 0.5 * cholesky.logDeterminant,
                                     rank: d)
        }
        let eigen = try SymmetricEigen(covariance)
        let scale = Swift.max(eigen.values.last ?? 0, 1e-300)
        var factor = eigen.vectors
        var rank = 0, logPseudoDeterminant = 0.0
        for j in 0..<d {
            let value = eigen.values[j] > 1e-12 * scale ? eigen.values[j] : 0
            if value > 0 { rank += 1; logPseudoDeterminant += log(value) }
            for i in 0..<d { factor[i, j] *= value.squareRoot() }
        }
        return GaussianPosterior(mean: mean, covariance: covariance, factor: factor, noiseVariance: noiseVariance,
                                 observations: observations,
                                 logNormaliser: -0.5 * Double(rank) * log(2 * Double.pi) - 0.5 * logPseudoDeterminant,
                                 rank: rank)
    }
}

extension GaussianPrior {
    /// A task's sufficient sums A = ΦᵀΦ and b = Φᵀy (zeros for no points), after checking the
    /// design's shape against the prior and the targets.
    /// - Throws: ``InputError`` for a shape mismatch, or sums that overflow: finite data can
    ///   still overflow ΦᵀΦ or Φᵀy (values near 1e154 and up), and naming the cause beats GSL's
    ///   "Cholesky factorisation: entry (1, 1) is inf" later.
    func sums(design: Matrix, targets: [Double]) throws -> (gram: Matrix, cross: [Double]) {
        let d = dimension
        guard design.columns == d else {
            throw InputError("the task has \(design.columns) features, the prior has \(d)")
        }
        guard design.rows == targets.count else {
            throw InputError("the task has \(design.rows) input rows but \(targets.count) targets")
        }
        if design.rows == 0 { return (Matrix(rows: d, columns: d), [Double](repeating: 0, count: d)) }
        let a = try design.multiplied(by: design, transposeLeft: true)
        let b = try design.multiplied(by: targets, transpose: true)
        guard a.isFinite, b.allSatisfy(\.isFinite) else {
            throw InputError(kind: .invalidValue, "the task's inputs or targets are too large: ΦᵀΦ or Φᵀy overflows; rescale the columns")
        }
        return (a, b)
    }
}
