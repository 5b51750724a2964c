// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The posterior of a new task's φ under a ``GeneralizedMixedPrior``, as MCMC draws (the
/// default: elliptical slice sampling, several chains) or as its Laplace approximation
/// (``GeneralizedTaskPosterior`` does the work; this type puts it behind the seam).
///
/// MCMC: chunk c of the draws is chain c, run from random stream (seed, c) for
/// ``PosteriorSampling/warmup`` + ``PosteriorSampling/drawsPerChain`` steps; the chains are run
/// once when the posterior is made, with ``PosteriorSampling/seed``. Laplace: chunk c draws
/// standard normals from random stream (seed, c). Either way the draws do not depend on the
/// thread count.
public struct GeneralizedMixedPosterior: ChainedPosterior {
    /// The prior, whose formula codes query inputs.
    public let prior: GeneralizedMixedPrior
    /// The task's posterior in standardised coordinates.
    public let base: GeneralizedTaskPosterior
    /// How it is represented.
    public let sampling: PosteriorSampling
    /// The MCMC chains run with ``PosteriorSampling/seed``, or empty for Laplace: each draw's
    /// standardised u (φ = ν + Λu) and, in place of the sampler's remainder, its `lp__`.
    public let chains: [[ChainDraw]]
    /// Observations of the task.
    public let observations: Int

    /// The posterior of a task; runs the chains at once for MCMC.
    /// - Throws: ``InputError`` when a chain fails (an extreme prior or task) or more draws are
    ///   asked for than ``maximumDraws``.
    init(prior: GeneralizedMixedPrior, base: GeneralizedTaskPosterior, observations: Int, sampling: PosteriorSampling) throws {
        self.prior = prior
        self.base = base
        self.sampling = sampling
        self.observations = observations
        if sampling.method == .mcmc {
            guard sampling.chains >= 1, sampling.drawsPerChain >= 4,
                  sampling.chains.multipliedReportingOverflow(by: sampling.drawsPerChain).partialValue <= Self.maximumDraws,
                  sampling.drawsPerChain <= Self.maximumDraws else {
                throw InputError(column: "draws", kind: .invalidValue, "MCMC keeps every draw in memory: at least 1 chain of 4 draws and at most \(Self.maximumDraws) draws in all, not \(sampling.chains) × \(sampling.drawsPerChain)")
            }
            let run: SampledChains
            do {
                run = try base.sampler().sample(chains: sampling.chains, warmup: sampling.warmup, draws: sampling.drawsPerChain, seed: sampling.seed)
            } catch let error as SamplerError {
                // Only an extreme prior or task gets here (the log density is continuous and
                // finite for any finite η): say so rather than name the sampler's internals.
                throw InputError(kind: .invalidValue, "the task's posterior could not be sampled (\(error)); check the prior's estimates and the task's values, or use --posterior laplace")
            }
            chains = run.chains.map { chain in
                chain.map { ChainDraw(parameters: $0.parameters, logRemainder: base.task.logJoint(family: base.family, lambda: base.priorFactor, at: $0.parameters) ?? -.infinity) }
            }
        } else {
            chains = []
        }
    }

    /// The most MCMC draws, all chains together, a posterior keeps (10,000,000: 80 MB per parameter).
    public static let maximumDraws = 10_000_000

    /// The chains of MCMC; 0 for the Laplace approximation (independent draws).
    public var chainCount: Int { sampling.method == .mcmc ? sampling.chains : 0 }
    /// q.
    public var parameterCount: Int { base.parameterCount }
    /// A chain's kept draws (MCMC); 4096 for the Laplace approximation.
    public var drawsPerChunk: Int { sampling.method == .mcmc ? sampling.drawsPerChain : 4096 }

    /// What `lp__` holds.
    public var logDensityDescription: String {
        switch sampling.method {
        case .mcmc: "log p(y | phi) + log N(u; 0, I) with the likelihood's constants, u the standardised phi = nu + Lambda u (Stan's unnormalised lp__)"
        case .laplace: "log N(u; u_hat, H^-1), the Laplace approximation's density of the standardised phi = nu + Lambda u"
        }
    }

    /// Draws `range` (numbered over all chunks, so chunk c holds c · ``drawsPerChunk`` onward)
    /// of chunk `chunk`: for MCMC, chain `chunk` (run again if `seed` is not the one the
    /// posterior was made with); for Laplace, N(û, H⁻¹) draws mapped to φ.
    public func draws(chunk: Int, range global: Range<Int>, seed: UInt64) -> [Double] {
        let q = parameterCount
        let first = chunk * drawsPerChunk
        let range = Swift.max(0, global.lowerBound - first)..<Swift.max(0, global.upperBound - first)
        var out = [Double]()
        out.reserveCapacity(range.count * (q + 1))
        switch sampling.method {
        case .mcmc:
            let chain: [ChainDraw]
            if seed == sampling.seed, chains.indices.contains(chunk) {
                chain = chains[chunk]
            } else {
                // Deterministic: it ran once already, so it cannot fail now; NaN rows if it does.
                let rerun = try? base.sampler().chain(chunk, warmup: sampling.warmup, draws: sampling.drawsPerChain, seed: seed)
                chain = rerun.map { $0.map { ChainDraw(parameters: $0.parameters, logRemainder: base.task.logJoint(family: base.family, lambda: base.priorFactor, at: $0.parameters) ?? -.infinity) } } ?? []
            }
            for r in range {
                guard chain.indices.contains(r) else { out += [Double](repeating: .nan, count: q + 1); continue }
                out.append(chain[r].logRemainder)
                out += base.standardisedToCoefficients(chain[r].parameters)
            }
        case .laplace:
            let stream = RandomStream(seed: seed, stream: UInt64(chunk))
            var z = [Double](repeating: 0, count: q)
            for r in 0..<range.upperBound {
                for a in 0..<q { z[a] = stream.standardNormal() }
                guard r >= range.lowerBound else { continue }
                let (u, logDensity) = base.laplaceDraw(z)
                out.append(logDensity)
                out += base.standardisedToCoefficients(u)
            }
        }
        return out
    }

    /// Every chain's draws of φ, chain after chain (MCMC; empty for the Laplace approximation,
    /// whose summaries and predictive are computed exactly instead).
    var coefficientDraws: [[Double]] { chains.flatMap { $0.map { base.standardisedToCoefficients($0.parameters) } } }

    /// log p(φ | D, θ): the Laplace approximation's density, or (MCMC) the exact unnormalised
    /// density normalised by the Laplace approximation to p(y | θ).
    /// - Throws: ``InputError`` when Σ is singular (φ has no density off ν + range(Λ)).
    public func logDensity(_ phi: [Double]) throws -> Double {
        let q = parameterCount, l = base.priorFactor
        guard phi.count == q else { throw InputError(kind: .inconsistent, "φ has \(phi.count) entries; the posterior has \(q)") }
        var u = [Double](repeating: 0, count: q), logDeterminant = 0.0
        for a in 0..<q {
            guard l[a * q + a] > 0 else { throw InputError(kind: .invalidValue, "the prior covariance is singular, so φ has no density") }
            var s = phi[a] - base.priorMean[a]
            for b in 0..<a { s -= l[a * q + b] * u[b] }
            u[a] = s / l[a * q + a]
            logDeterminant += log(l[a * q + a])
        }
        switch sampling.method {
        case .laplace:
            var z = [Double](repeating: 0, count: q)
            for a in 0..<q { for b in a..<q { z[a] += base.hessianFactor[b * q + a] * (u[b] - base.mode[b]) } }
            var halfLogH = 0.0
            for a in 0..<q { halfLogH += log(base.hessianFactor[a * q + a]) }
            return halfLogH - 0.5 * Double(q) * log(2 * .pi) - 0.5 * z.reduce(0) { $0 + $1 * $1 } - logDeterminant
        case .mcmc:
            guard let joint = base.task.logJoint(family: base.family, lambda: l, at: u),
                  let atMode = base.task.logJoint(family: base.family, lambda: l, at: base.mode) else { return -.infinity }
            var halfLogH = 0.0
            for a in 0..<q { halfLogH += log(base.hessianFactor[a * q + a]) }
            let logEvidence = atMode - halfLogH  // Laplace: log ∫ exp(h) du − (q/2) log 2π
            return joint - 0.5 * Double(q) * log(2 * .pi) - logEvidence - logDeterminant
        }
    }

    /// Per parameter: the Laplace N(mode, ΛH⁻¹Λᵀ) marginals, or the mean, sd and quantiles of
    /// every chain's draws.
    public func summary(level: Double) throws -> [IntervalSummary] {
        let q = parameterCount
        switch sampling.method {
        case .laplace:
            let mean = base.laplaceMean, covariance = base.laplaceCovariance
            let z = try Normal(mean: 0, standardDeviation: 1).quantile((1 + level) / 2)
            return (0..<q).map { a in
                let sd = Swift.max(covariance[a * q + a], 0).squareRoot()
                return IntervalSummary(mean: mean[a], standardDeviation: sd, lower: mean[a] - z * sd, upper: mean[a] + z * sd)
            }
        case .mcmc:
            let draws = coefficientDraws
            return (0..<q).map { a in empiricalSummary(draws.map { $0[a] }, level: level) }
        }
    }

    /// The rank-normalised split-R̂, bulk and tail ESS of each parameter (MCMC only; empty for
    /// the Laplace approximation).
    /// - Throws: ``DiagnosticsError`` for chains too short to diagnose.
    public func diagnostics() throws -> [ChainDiagnostics] {
        guard sampling.method == .mcmc else { return [] }
        let q = parameterCount
        let perChain = chains.map { $0.map { base.standardisedToCoefficients($0.parameters) } }
        return try (0..<q).map { a in try ChainDiagnostics(chains: perChain.map { $0.map { $0[a] } }) }
    }

    /// Refused: `evaluate` scores the Gaussian families only for now.
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        throw InputError(column: "model", kind: .invalidValue, "evaluate does not score the \(prior.model) model yet; use adapt and predict")
    }
}

/// Mean, sd (n − 1) and the central interval of `values` by linear interpolation between order
/// statistics (R's type 7, NumPy's default).
func empiricalSummary(_ values: [Double], level: Double) -> IntervalSummary {
    let n = values.count
    guard n > 0 else { return IntervalSummary(mean: .nan, standardDeviation: .nan, lower: .nan, upper: .nan) }
    let mean = values.reduce(0, +) / Double(n)
    let variance = n > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : 0
    let sorted = values.sorted()
    func quantile(_ p: Double) -> Double {
        let h = Double(n - 1) * p, low = Int(h.rounded(.down)), high = Swift.min(low + 1, n - 1)
        return sorted[low] + (h - Double(low)) * (sorted[high] - sorted[low])
    }
    return IntervalSummary(mean: mean, standardDeviation: variance.squareRoot(), lower: quantile((1 - level) / 2), upper: quantile((1 + level) / 2))
}
