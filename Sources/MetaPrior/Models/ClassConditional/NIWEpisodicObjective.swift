// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// One N-way K-shot episode of Model A's episodic objective: each class's support statistics
/// and the query points with their episode labels (0..<N), in the prior's features.
struct NIWEpisode: Sendable {
    let support: [ClassStatistics]
    let queries: [[Double]]
    let labels: [Int]
}

/// The episodic objective of Model A,
///
///     J(θ) = (1/M) Σ_episodes Σ_q log p(y_q | x_q, support),   p(c | x) = t_c(x) / Σ_k t_k(x),
///
/// the mean log probability of the query labels per query point (M of them) under the
/// Student-t posterior predictives t_c and a uniform class prior, with its gradient in the
/// coordinates u of ``NIWCoordinates`` (the ML-II fit's).
///
/// Why it is exact and cheap: the posterior predictive is a ratio of marginal likelihoods,
/// log t_c(x) = log p(X_c ∪ {x} | θ) − log p(X_c | θ), so its gradient is the difference of the
/// closed-form gradients of ``NIWMarginalLikelihood``. The terms of log p(X | θ) that depend
/// on the prior alone (ln Γ_d(ν/2), (ν/2) ln|Ψ|, (d/2) ln κ) cancel in the ratio, so only the
/// posterior part
///
///     f(X) = −(nd/2) ln π + ln Γ_d(νₙ/2) − (νₙ/2) ln|Ψₙ| − (d/2) ln κₙ
///
/// is needed, with ∂f/∂μ₀ = νₙ r A δ, ∂f/∂κ = −d/(2κₙ) − (νₙ/2) δᵀAδ n²/κₙ²,
/// ∂f/∂ν = ½ ψ_d(νₙ/2) − ½ ln|Ψₙ|, ∂f/∂Ψ = −(νₙ/2) A (A = Ψₙ⁻¹, δ = x̄ − μ₀, r = κn/κₙ).
struct NIWEpisodicObjective: Sendable {
    let episodes: [NIWEpisode]
    let coordinates: NIWCoordinates
    /// M, the query points of all episodes.
    let queryCount: Int

    init(episodes: [NIWEpisode], coordinates: NIWCoordinates) {
        self.episodes = episodes
        self.coordinates = coordinates
        queryCount = episodes.reduce(0) { $0 + $1.queries.count }
    }

    /// J at u, writing ∂J/∂u into `gradient`. Episodes are summed in fixed chunks, the chunk
    /// sums added in order, so the value is the same bits on any number of threads.
    func value(at u: [Double], gradient: inout [Double]) throws -> Double {
        let prior = try coordinates.prior(u)
        let d = prior.dimension
        let chunkSize = 32
        let chunks = DeterministicParallel.chunkCount(count: episodes.count, chunkSize: chunkSize)
        var slots = [Result<(Double, NIWGradient), Error>](repeating: .success((0, NIWGradient(dimension: d))), count: chunks)
        slots.withUnsafeMutableBufferPointer { out in
            let buffer = out
            DeterministicParallel.forEachChunk(count: episodes.count, chunkSize: chunkSize) { chunk, range in
                buffer[chunk] = Result {
                    var total = 0.0, g = NIWGradient(dimension: d)
                    var cache = NIWPosteriorTerm.Cache()
                    for e in range { total += try Self.add(episodes[e], prior: prior, into: &g, cache: &cache) }
                    return (total, g)
                }
            }
        }
        var total = 0.0, g = NIWGradient(dimension: d)
        for slot in slots {
            let (value, part) = try slot.get()
            total += value
            g.add(part, weight: 1)
        }
        let scale = 1 / Double(max(queryCount, 1))
        gradient = coordinates.chain(u, meanGradient: g.mean.map { $0 * scale }, kappaGradient: g.kappa * scale,
                                     nuGradient: g.nu * scale, psiGradient: g.psi.map { $0 * scale })
        return total * scale
    }

    /// Σ_q log p(y_q | x_q, support) of one episode, its gradient in θ added to `g`.
    static func add(_ episode: NIWEpisode, prior: NormalInverseWishart, into g: inout NIWGradient,
                    cache: inout NIWPosteriorTerm.Cache) throws -> Double {
        let classes = episode.support.count
        let support = try episode.support.map { try NIWPosteriorTerm(prior: prior, data: $0, cache: &cache) }
        var total = 0.0
        for (x, label) in zip(episode.queries, episode.labels) {
            let augmented = try episode.support.map { try NIWPosteriorTerm(prior: prior, data: $0.adding(x), cache: &cache) }
            let logT = (0..<classes).map { augmented[$0].value - support[$0].value }
            let top = logT.max() ?? 0
            let normaliser = top + log(logT.reduce(0) { $0 + exp($1 - top) })
            total += logT[label] - normaliser
            for c in 0..<classes {
                // ∂/∂θ [log t_y − log Σ_k t_k] = Σ_c (1[c = y] − p_c) ∂ log t_c.
                let weight = (c == label ? 1 : 0) - exp(logT[c] - normaliser)
                g.add(augmented[c].gradient, weight: weight)
                g.add(support[c].gradient, weight: -weight)
            }
        }
        return total
    }
}

/// ∂/∂(μ₀, κ, ν, Ψ) of a function of the NIW hyperparameters, Ψ's block full (d × d).
struct NIWGradient: Sendable {
    var mean: [Double]
    var kappa = 0.0
    var nu = 0.0
    var psi: [Double]

    init(dimension d: Int) {
        mean = [Double](repeating: 0, count: d)
        psi = [Double](repeating: 0, count: d * d)
    }

    mutating func add(_ other: NIWGradient, weight: Double) {
        for j in mean.indices { mean[j] += weight * other.mean[j] }
        kappa += weight * other.kappa
        nu += weight * other.nu
        for k in psi.indices { psi[k] += weight * other.psi[k] }
    }
}

/// The posterior part f(X) of log p(X | θ) for one set of points, and its gradient (see
/// ``NIWEpisodicObjective``).
struct NIWPosteriorTerm {
    /// ln Γ_d(νₙ/2) and ψ_d(νₙ/2) by n, for one θ (one evaluation of the objective).
    struct Cache {
        var byCount: [Int: (lnGamma: Double, digamma: Double)] = [:]
    }

    let value: Double
    let gradient: NIWGradient

    init(prior: NormalInverseWishart, data: ClassStatistics, cache: inout Cache) throws {
        let d = prior.dimension, n = Double(data.count)
        let kappaN = prior.meanPrecision + n, nuN = prior.degreesOfFreedom + n, r = prior.meanPrecision * n / kappaN
        let delta = (0..<d).map { data.mean[$0] - prior.mean[$0] }
        var psiN = prior.scale.elements
        for i in 0..<d { for j in 0..<d { psiN[i * d + j] += data.scatter[i * d + j] + r * delta[i] * delta[j] } }
        let factor = try Cholesky(Matrix(rows: d, columns: d, elements: psiN))
        let logDet = factor.logDeterminant
        let inverse = try factor.inverse().elements
        let gammas: (lnGamma: Double, digamma: Double)
        if let known = cache.byCount[data.count] {
            gammas = known
        } else {
            gammas = (try lnMultivariateGamma(nuN / 2, dimension: d), try multivariateDigamma(nuN / 2, d))
            cache.byCount[data.count] = gammas
        }
        value = -n * Double(d) / 2 * log(Double.pi) + gammas.lnGamma - nuN / 2 * logDet - Double(d) / 2 * log(kappaN)
        var g = NIWGradient(dimension: d), quadratic = 0.0
        for i in 0..<d {
            var s = 0.0
            for j in 0..<d { s += inverse[i * d + j] * delta[j] }
            g.mean[i] = nuN * r * s
            quadratic += delta[i] * s
        }
        g.kappa = -Double(d) / (2 * kappaN) - nuN / 2 * quadratic * n * n / (kappaN * kappaN)
        g.nu = 0.5 * gammas.digamma - 0.5 * logDet
        for k in 0..<(d * d) { g.psi[k] = -nuN / 2 * inverse[k] }
        gradient = g
    }
}

extension ClassStatistics {
    /// The statistics of these points and one more, x: n + 1, (n x̄ + x)/(n + 1) and
    /// S + (n/(n + 1))(x − x̄)(x − x̄)ᵀ.
    func adding(_ x: [Double]) -> ClassStatistics {
        let d = dimension, n = Double(count)
        let a = (0..<d).map { x[$0] - mean[$0] }
        var scatter = self.scatter
        for i in 0..<d { for j in 0..<d { scatter[i * d + j] += n / (n + 1) * a[i] * a[j] } }
        return ClassStatistics(count: count + 1, mean: (0..<d).map { (n * mean[$0] + x[$0]) / (n + 1) }, scatter: scatter)
    }
}
