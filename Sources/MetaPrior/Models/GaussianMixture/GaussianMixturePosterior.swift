// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact posterior of a new task under a ``GaussianMixturePrior``: a mixture
///
///     p(φ | D) = Σ_k w_k N(φ; m_k, S_k),  w_k ∝ π_k p(D | μ_k, Σ_k, σ²)
///
/// of each component's exact posterior (``LinearGaussianPosterior``), reweighted by its
/// evidence. Its predictive at x* is the mixture Σ_k w_k N(f(x*)ᵀm_k, f(x*)ᵀS_k f(x*) + σ²);
/// means and standard deviations are exact sums, interval ends roots of the mixture CDF
/// (``ConjugateMixture``'s bracketed Newton–bisection, to |F(x) − p| ≤ 1e-10).
public struct GaussianMixturePosterior: TaskPosterior {
    /// Each component's posterior N(m_k, S_k).
    public let components: [LinearGaussianPosterior]
    /// The posterior weights w_k (summing to 1).
    public let weights: [Double]
    /// log π_k + log p(D | k) per component (the unnormalised log weights).
    public let logEvidence: [Double]
    /// Each component's N(m_k, S_k) with S_k factorised once, for ``logDensity(_:)`` (called per
    /// draw); `nil` for a singular S_k, whose density is the component's own (on its range).
    private let densities: [MultivariateNormal?]

    /// Adapts `mixture` to a task with features `design` and `targets`.
    init(basis: FeatureMap, mixture: GaussianMixture, design: Matrix, targets: [Double]) throws {
        let a = try design.multiplied(by: design, transposeLeft: true)
        let b = try design.multiplied(by: targets, transpose: true)
        let c = targets.reduce(0) { $0 + $1 * $1 }
        var components: [LinearGaussianPosterior] = [], logs: [Double] = []
        for (k, prior) in mixture.components.enumerated() {
            components.append(LinearGaussianPosterior(basis: basis, gaussian: try prior.posterior(design: design, targets: targets)))
            let evidence = try ComponentTaskFit(gram: a, cross: b, squares: c, count: targets.count, prior: prior).logLikelihood
            logs.append(log(mixture.weights[k]) + evidence)
        }
        let total = logSumExp(logs)
        guard total.isFinite else {
            throw InputError(kind: .invalidValue, "no component of the mixture gives the task a finite likelihood: the data are too large for this prior; rescale the columns")
        }
        self.components = components
        self.densities = components.map { component in
            component.gaussian.rank == component.parameterCount
                ? try? MultivariateNormal(mean: component.gaussian.mean, covariance: component.gaussian.covariance) : nil
        }
        self.logEvidence = logs
        self.weights = logs.map { exp($0 - total) }
    }

    /// d.
    public var parameterCount: Int { components[0].parameterCount }
    /// Observations conditioned on.
    public var observations: Int { components[0].observations }
    /// ``GaussianPosterior/drawsPerStream``.
    public var drawsPerChunk: Int { GaussianPosterior.drawsPerStream }
    /// `lp__` is the mixture density.
    public var logDensityDescription: String { "log posterior density of the draw, log sum_k w_k N(phi; m_k, S_k)" }

    /// The component of each draw of `range` in chunk `chunk`: k with probability w_k, from
    /// substream 2³³ + `chunk` of `seed` (one uniform per draw).
    public func drawComponents(chunk: Int, range: Range<Int>, seed: UInt64) -> [Int] {
        let stream = RandomStream(seed: seed, stream: (1 << 33) + UInt64(chunk))
        return range.map { _ in
            var u = stream.uniform()
            for k in weights.indices { u -= weights[k]; if u <= 0 { return k } }
            return weights.count - 1
        }
    }

    /// Draw r: its component k from ``drawComponents(chunk:range:seed:)``; then, if it is the
    /// j-th draw of the chunk with component k, φ is draw j of chunk `chunk` of component k's own
    /// posterior with seed `seed ⊕ k` (SplitMix-mixed), so each component's draws are its exact
    /// Gaussian draws and only as many are made as the chunk needs; `lp__` the mixture density of
    /// φ. Chunks are independent, so the draws do not depend on the number of threads.
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double] {
        let d = parameterCount, width = d + 1
        let labels = drawComponents(chunk: chunk, range: range, seed: seed)
        var out = [Double](repeating: 0, count: range.count * width)
        for k in components.indices {
            let rows = labels.indices.filter { labels[$0] == k }
            guard !rows.isEmpty else { continue }
            let own = components[k].draws(chunk: chunk, range: 0..<rows.count, seed: componentSeed(seed, k))
            for (j, r) in rows.enumerated() {
                let phi = Array(own[(j * width + 1)..<((j + 1) * width)])
                out[r * width] = (try? logDensity(phi)) ?? -.infinity
                for i in 0..<d { out[r * width + 1 + i] = phi[i] }
            }
        }
        return out
    }

    /// The seed of component k's draws.
    func componentSeed(_ seed: UInt64, _ k: Int) -> UInt64 { SplitMix64.mix(seed &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15) }

    /// log Σ_k w_k N(φ; m_k, S_k), with each S_k's factor computed once per posterior.
    public func logDensity(_ phi: [Double]) throws -> Double {
        logSumExp(try components.indices.map { k in
            log(weights[k]) + (try densities[k]?.logDensity(phi) ?? components[k].logDensity(phi))
        })
    }

    /// The one-dimensional mixture Σ_k w_k N(means_k, variances_k).
    private func mixture(means: [Double], variances: [Double]) throws -> ConjugateMixture {
        ConjugateMixture(weights: weights, components: try means.indices.map { k in
            variances[k] > 0 ? .normal(try Normal(mean: means[k], standardDeviation: variances[k].squareRoot())) : .pointMass(means[k])
        })
    }

    /// Per parameter: the exact mean and sd of the marginal mixture Σ_k w_k N(m_kj, S_kjj), and
    /// its central interval from its quantiles.
    public func summary(level: Double) throws -> [IntervalSummary] {
        try (0..<parameterCount).map { j in
            try mixture(means: components.map { $0.gaussian.mean[j] }, variances: components.map { $0.gaussian.covariance[j, j] }).summary(level: level)
        }
    }

    /// The mixture predictive at each query row: exact mean and sd, interval from its quantiles.
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        let design = try components[0].basis.design(inputs)
        return try (0..<design.rows).map { i in
            let f = (0..<design.columns).map { design[i, $0] }
            let parts = components.map { $0.gaussian.predictive(features: f) }
            return try mixture(means: parts.map(\.mean), variances: parts.map(\.variance)).summary(level: level)
        }
    }

    /// The Gaussian with the mixture's exact joint mean and covariance,
    /// Σ_k w_k (C_k + a_k a_kᵀ) − a aᵀ: moment-matched, not the mixture itself
    /// (``logPredictiveDensity(at:targets:)`` is the exact joint density).
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        let parts = try components.map { try $0.jointPredictive(at: inputs) }
        let q = parts[0].mean.count
        var mean = [Double](repeating: 0, count: q)
        for k in parts.indices { for i in 0..<q { mean[i] += weights[k] * parts[k].mean[i] } }
        var covariance = Matrix(rows: q, columns: q)
        for k in parts.indices {
            for i in 0..<q {
                for j in 0..<q {
                    let di = parts[k].mean[i] - mean[i], dj = parts[k].mean[j] - mean[j]
                    covariance[i, j] += weights[k] * (parts[k].covariance[i, j] + di * dj)
                }
            }
        }
        return (mean, covariance)
    }

    /// The exact joint log predictive density log Σ_k w_k N(y; Φ*m_k, Φ*S_kΦ*ᵀ + σ²I) of
    /// `targets` at the rows of `inputs`.
    public func logPredictiveDensity(at inputs: Matrix, targets: [Double]) throws -> Double {
        logSumExp(try components.indices.map { k in
            let (mean, covariance) = try components[k].jointPredictive(at: inputs)
            let chol = try Cholesky(covariance)
            let white = try chol.solveLower(zip(targets, mean).map { $0 - $1 })
            return log(weights[k]) - 0.5 * (Double(targets.count) * log(2 * Double.pi) + chol.logDeterminant + white.reduce(0) { $0 + $1 * $1 })
        })
    }

    /// y = f(x)ᵀφ + ε for the draws of ``draws(chunk:range:seed:)``, ε ~ N(0, σ²) from
    /// substream 2³² + `chunk` of `seed` (as for a single Gaussian).
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        let design = try components[0].basis.design(inputs)
        return components[0].gaussian.predictiveDraws(design: design, offsets: nil, draws: draws(chunk: chunk, range: range, seed: seed),
                                                      width: parameterCount + 1, count: range.count, chunk: chunk, seed: seed)
    }
}
