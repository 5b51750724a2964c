// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension GeneralizedMixedPosterior: DiscretePredictivePosterior {
    /// A 0/1 response: a binomial model without a `cbind` response.
    public var isBinary: Bool { prior.family == .binomial && prior.formula.binomialTrials == nil }

    /// The predictive of y at each row is a mixture over the posterior of η = known + x*ᵀφ:
    /// p(y | D) = E[Binomial(y; m, p(η))] or E[Poisson(y; e^η)]. The expectation is over the
    /// MCMC draws (equal weights), or for the Laplace approximation by 40-point Gauss–Hermite
    /// quadrature over η ~ N(a, s²) (exact to rounding for these smooth, bounded integrands at
    /// a posterior's s). Whether y is inside a central interval follows from the predictive's
    /// cumulative sums up to y.
    /// The trials of a row are its trials column, y + f for a `cbind(s, f)` response, 1 for a
    /// 0/1 response.
    public func scoredPredictions(at inputs: Matrix, observed: [Double], levels: [Double]) throws -> [DiscretePrediction] {
        let rows = try prior.designs(inputs)
        let q = parameterCount, n = inputs.rows, family = prior.family
        guard observed.count == n else { throw InputError(kind: .inconsistent, "\(n) query rows but \(observed.count) observed values") }
        var trials = rows.trials
        if case .failures(let name)? = prior.formula.binomialTrials, let k = prior.inputs.firstIndex(of: name) {
            for i in 0..<n { trials[i] = observed[i] + inputs[i, k] }
        }
        try prior.checkResponses(observed, trials: trials)
        // The mixture's nodes: (x*ᵀφ without the known part, weight) per row.
        var nodes: [[(Double, Double)]] = []
        switch sampling.method {
        case .mcmc:
            let draws = coefficientDraws
            let weight = 1 / Double(draws.count)
            nodes = (0..<n).map { i in draws.map { phi in ((0..<q).reduce(0) { $0 + rows.specific[i * q + $1] * phi[$1] }, weight) } }
        case .laplace:
            let mean = base.laplaceMean, covariance = base.laplaceCovariance
            let rule = try GaussHermiteRule(points: 40)
            nodes = (0..<n).map { i in
                let x = (0..<q).map { rows.specific[i * q + $0] }
                let centre = (0..<q).reduce(0) { $0 + x[$1] * mean[$1] }
                var variance = 0.0
                for a in 0..<q { for b in 0..<q { variance += x[a] * covariance[a * q + b] * x[b] } }
                let s = Swift.max(variance, 0).squareRoot()
                return zip(rule.nodes, rule.weights).map { (centre + 2.0.squareRoot() * s * $0, $1 / Double.pi.squareRoot()) }
            }
        }
        return try (0..<n).map { i in
            let m = trials[i]
            let mixture = try nodes[i].map { node -> (distribution: (Int) -> Double, mean: Double) in
                let eta = rows.known[i] + node.0
                switch family {
                case .binomial:
                    let binomial = try Binomial(trials: m, probability: family.mean(eta: eta, size: 1))
                    return ({ exp(binomial.logDensity($0)) }, binomial.mean)
                case .poisson:
                    let rate = exp(eta)
                    // A node far in the tail of a wide posterior (a weak prior's, as the
                    // independent baseline's) can have a rate past GSL's range; its probability
                    // of any count the sums reach (k ≤ 10⁶) is exp(k log λ − λ − log k!) = 0 in
                    // double precision, so it adds nothing but its mean.
                    guard rate <= Poisson.maximumRate else { return ({ _ in 0 }, rate) }
                    let poisson = try Poisson(rate: rate)
                    return ({ exp(poisson.logDensity($0)) }, rate)
                }
            }
            let weights = nodes[i].map(\.1)
            func pmf(_ k: Int) -> Double { zip(mixture, weights).reduce(0) { $0 + $1.1 * $1.0.distribution(k) } }
            let mean = zip(mixture, weights).reduce(0) { $0 + $1.1 * $1.0.mean }
            let y = Int(observed[i])
            // y lies in the central interval [lo, hi] at level L, lo and hi the smallest k with
            // F(k) ≥ (1 − L)/2 and ≥ (1 + L)/2, exactly when F(y) ≥ (1 − L)/2 and F(y − 1) <
            // (1 + L)/2 (F monotone): the cumulative sums are needed only up to y, not up to the
            // upper quantiles, which for a wide posterior (a weak prior's) lie millions of
            // counts out. (1 − 1e-12) absorbs the rounding of the sums.
            var below = 0.0  // F(y − 1)
            for k in 0..<y { below += pmf(k) }
            let probability = pmf(y)
            let upTo = below + probability
            let covered = levels.map { level in
                upTo >= (1 - level) / 2 * (1 - 1e-12) && (y == 0 || below < (1 + level) / 2 * (1 - 1e-12))
            }
            return DiscretePrediction(mean: mean, logProbability: log(probability), covered: covered)
        }
    }
}
