// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The posterior of a new task's φ under a ``ConjugatePrior``: one exact conjugate
/// distribution under θ̂ (empirical Bayes), or their mixture over the hyper-posterior (full
/// Bayes). The predictive is of the next observation, whose scale (standard error, trials or
/// exposure) is the one input column.
public struct ConjugateTaskPosterior: TaskPosterior {
    /// The hierarchy.
    public let kind: ConjugateKind
    /// p(φ | data) as a mixture (one component under θ̂).
    public let mixture: ConjugateMixture
    /// Observations (rows) the posterior conditions on.
    public let observations: Int

    /// A posterior from its mixture.
    public init(kind: ConjugateKind, mixture: ConjugateMixture, observations: Int) {
        self.kind = kind
        self.mixture = mixture
        self.observations = observations
    }

    /// One parameter, φ.
    public var parameterCount: Int { 1 }
    /// 1024 draws per chunk.
    public var drawsPerChunk: Int { 1024 }
    /// What `lp__` holds.
    public var logDensityDescription: String { "log posterior density of phi (the mixture over the hyper-posterior under full Bayes)" }

    /// Draw k (of the whole sequence) uses random stream k of `seed`: a component by its
    /// weight, then φ from it; so the draws do not depend on how they are chunked.
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(2 * range.count)
        for k in range {
            let phi = draw(RandomStream(seed: seed, stream: UInt64(k)))
            out.append(log(Swift.max(mixture.density(phi), .leastNonzeroMagnitude)))
            out.append(phi)
        }
        return out
    }

    private func draw(_ stream: RandomStream) -> Double {
        let target = stream.uniform()
        var cumulative = 0.0, pick = mixture.weights.count - 1
        for k in mixture.weights.indices {
            cumulative += mixture.weights[k]
            if cumulative >= target { pick = k; break }
        }
        return mixture.components[pick].sample(using: stream)
    }

    /// log p(φ | data).
    public func logDensity(_ phi: [Double]) throws -> Double {
        guard phi.count == 1 else { throw InputError(kind: .invalidValue, "a conjugate task has one parameter phi, got \(phi.count)") }
        return log(mixture.density(phi[0]))
    }

    /// φ's mean, sd and central interval (quantiles of the mixture).
    public func summary(level: Double) throws -> [IntervalSummary] { [mixture.summary(level: level)] }

    /// The next observation at each scale s (a row of `inputs`): mean and sd exact; the
    /// interval from the predictive's quantiles (normal: a mixture of N(φ-mean, var + s²);
    /// counts: the discrete predictive, ends at whole numbers).
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        try (0..<inputs.rows).map { row in
            let s = inputs[row, 0]
            let moments = try predictiveMoments(scale: s)
            let ends: (Double, Double)
            switch kind {
            case .normalNormal:
                let widened = ConjugateMixture(weights: mixture.weights, components: try mixture.components.map {
                    .normal(try Normal(mean: $0.mean, standardDeviation: ($0.variance + s * s).squareRoot()))
                })
                ends = (widened.quantile((1 - level) / 2), widened.quantile((1 + level) / 2))
            case .betaBinomial, .gammaPoisson:
                ends = try countQuantiles(scale: s, level: level)
            }
            return IntervalSummary(mean: moments.mean, standardDeviation: moments.variance.squareRoot(), lower: ends.0, upper: ends.1)
        }
    }

    /// E and Var of the next observation at scale s: N(φ, s²): Eφ, Var φ + s²;
    /// Bin(n, φ): n Eφ, n E[φ(1 − φ)] + n² Var φ; Poisson(φ t): t Eφ, t Eφ + t² Var φ.
    func predictiveMoments(scale s: Double) throws -> (mean: Double, variance: Double) {
        guard s.isFinite, s > 0 else {
            throw InputError(kind: .invalidValue, "the next observation's \(kind.scaleWord) must be positive, got \(s)")
        }
        let m = mixture.mean, v = mixture.standardDeviation * mixture.standardDeviation
        switch kind {
        case .normalNormal: return (m, v + s * s)
        case .betaBinomial: return (s * m, s * (m - (v + m * m)) + s * s * v)
        case .gammaPoisson: return (s * m, s * m + s * s * v)
        }
    }

    /// Central interval of a count predictive: the smallest k with P(Y ≤ k) ≥ (1 − level)/2,
    /// and with P(Y ≤ k) ≥ (1 + level)/2, summing the mixture's pmf (beta–binomial or
    /// negative binomial per component) from 0.
    private func countQuantiles(scale s: Double, level: Double) throws -> (Double, Double) {
        let low = (1 - level) / 2, high = (1 + level) / 2
        var cumulative = 0.0, k = 0.0, lower: Double?
        let limit = kind == .betaBinomial ? s : Double.infinity
        while k <= limit {
            var p = 0.0
            for (w, c) in zip(mixture.weights, mixture.components) {
                switch c {
                case .beta(let d):
                    p += w * exp(try lnChoose(Int(s), Int(k)) + lnPochhammer(d.alpha, k) + lnPochhammer(d.beta, s - k) - lnPochhammer(d.alpha + d.beta, s))
                case .gamma(let d):
                    p += w * exp(try lnPochhammer(d.shape, k) - lnGamma(k + 1) - d.shape * log1p(s / d.rate) + (k == 0 ? 0 : k * log(s / (d.rate + s))))
                default: break
                }
            }
            cumulative += p
            if lower == nil, cumulative >= low { lower = k }
            if cumulative >= high - 1e-12 { return (lower ?? k, k) }
            k += 1
            guard k < 1e7 else { break }
        }
        return (lower ?? k, Swift.min(k, limit))
    }

    /// The Gaussian with the predictive's moments per row; two rows share φ, so their
    /// covariance is s_a s_b Var φ for counts (Var φ for the normal).
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        let v = mixture.standardDeviation * mixture.standardDeviation
        var mean: [Double] = [], covariance = Matrix(rows: inputs.rows, columns: inputs.rows)
        for a in 0..<inputs.rows {
            let moments = try predictiveMoments(scale: inputs[a, 0])
            mean.append(moments.mean)
            for b in 0..<inputs.rows {
                let factor = kind == .normalNormal ? 1 : inputs[a, 0] * inputs[b, 0]
                covariance[a, b] = a == b ? moments.variance : factor * v
            }
        }
        return (mean, covariance)
    }

    /// y at each row for draw k: φ as ``draws(chunk:range:seed:)`` gives it, then N(φ, s²),
    /// Bin(n, φ) or Poisson(φ t) from stream 2³² + k of `seed`.
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        let phis = draws(chunk: chunk, range: range, seed: seed)
        var out: [Double] = []
        for (r, k) in range.enumerated() {
            let phi = phis[2 * r + 1], noise = RandomStream(seed: seed, stream: (1 << 32) + UInt64(k))
            for row in 0..<inputs.rows {
                let s = inputs[row, 0]
                switch kind {
                case .normalNormal: out.append(phi + s * noise.standardNormal())
                case .betaBinomial: out.append(Double(try Binomial(trials: s, probability: phi).sample(using: noise)))
                case .gammaPoisson: out.append(Double(try Poisson(rate: phi * s).sample(using: noise)))
                }
            }
        }
        return out
    }
}
