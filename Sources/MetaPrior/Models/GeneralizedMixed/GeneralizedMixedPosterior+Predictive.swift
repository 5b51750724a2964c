// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension GeneralizedMixedPosterior {
    /// At each query row, the posterior of the success probability p = 1/(1 + e^−η) (binomial)
    /// or of the mean count μ = e^η at the row's exposure (Poisson), η = known part + x*ᵀφ:
    /// mean, sd and central interval. These are the probability or rate with their uncertainty,
    /// not the predictive of a count (``predictiveDraws(at:chunk:range:seed:)`` gives that).
    ///
    /// MCMC: over every chain's draws (interval by R's type-7 quantiles). Laplace: η is normal,
    /// N(a, s²), so the interval is the link's inverse of a ± z·s exactly (the inverse link is
    /// increasing), and the mean and sd are E and sd of the inverse link by 60-point
    /// Gauss–Hermite quadrature (exact to rounding for these smooth integrands at the s of a
    /// posterior).
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        let rows = try prior.designs(inputs)
        let q = parameterCount, n = inputs.rows, family = prior.family
        func inverseLink(_ eta: Double) -> Double { family.mean(eta: eta, size: 1) }
        switch sampling.method {
        case .mcmc:
            let draws = coefficientDraws
            return (0..<n).map { i in
                empiricalSummary(draws.map { phi in
                    inverseLink(rows.known[i] + (0..<q).reduce(0) { $0 + rows.specific[i * q + $1] * phi[$1] })
                }, level: level)
            }
        case .laplace:
            let mean = base.laplaceMean, covariance = base.laplaceCovariance
            let z = try Normal(mean: 0, standardDeviation: 1).quantile((1 + level) / 2)
            let rule = try GaussHermiteRule(points: 60)
            return (0..<n).map { i in
                let x = (0..<q).map { rows.specific[i * q + $0] }
                let centre = rows.known[i] + (0..<q).reduce(0) { $0 + x[$1] * mean[$1] }
                var variance = 0.0
                for a in 0..<q { for b in 0..<q { variance += x[a] * covariance[a * q + b] * x[b] } }
                let s = Swift.max(variance, 0).squareRoot()
                // E f(η) = π^(−½) Σ_k w_k f(a + √2 s x_k).
                var first = 0.0, second = 0.0
                for (node, weight) in zip(rule.nodes, rule.weights) {
                    let value = inverseLink(centre + 2.0.squareRoot() * s * node)
                    first += weight * value
                    second += weight * value * value
                }
                first /= Double.pi.squareRoot()
                second /= Double.pi.squareRoot()
                return IntervalSummary(mean: first, standardDeviation: Swift.max(second - first * first, 0).squareRoot(),
                                       lower: inverseLink(centre - z * s), upper: inverseLink(centre + z * s))
            }
        }
    }

    /// Predictive draws of y at the query rows for the draws `range` of chunk `chunk`: draw k's
    /// φ from ``draws(chunk:range:seed:)``, then y ~ Binomial(m, p) (m the row's trials column,
    /// or 1 for a Bernoulli target or a `cbind(s, f)` response, whose trials a query does not
    /// give) or Poisson(μ), from random substream 2³² + `chunk` of `seed`.
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        let rows = try prior.designs(inputs)
        let q = parameterCount, n = inputs.rows, width = q + 1
        let phi = draws(chunk: chunk, range: range, seed: seed)
        let noise = RandomStream(seed: seed, stream: (1 << 32) + UInt64(chunk))
        var y = [Double](repeating: 0, count: range.count * n)
        for r in 0..<range.count {
            for i in 0..<n {
                var eta = rows.known[i]
                for a in 0..<q { eta += rows.specific[i * q + a] * phi[r * width + 1 + a] }
                switch prior.family {
                case .binomial:
                    let p = prior.family.mean(eta: eta, size: 1)
                    y[r * n + i] = Double(try Binomial(trials: rows.trials[i], probability: p).sample(using: noise))
                case .poisson:
                    let mu = exp(eta)
                    guard mu <= Poisson.maximumRate else {
                        throw InputError(kind: .invalidValue, "query row \(i + 1): a predicted rate of \(mu) is beyond what a count can be drawn for")
                    }
                    y[r * n + i] = Double(try Poisson(rate: mu).sample(using: noise))
                }
            }
        }
        return y
    }
}
