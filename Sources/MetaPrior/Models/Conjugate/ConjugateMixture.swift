// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A finite mixture Σ_k w_k p_k(φ) of conjugate conditionals: the marginal posterior of a
/// task's φ under full Bayes, p(φ | y) = ∫ p(φ | θ, y) p(θ | y) dθ, with the hyper-posterior's
/// quadrature nodes as the components. Its moments are exact sums; its quantiles are roots of
/// the mixture CDF (Newton on the mixture density, kept inside a bisection bracket), to
/// |F(x) − p| ≤ 1e-10.
public struct ConjugateMixture: Sendable {
    /// Normalised weights.
    public let weights: [Double]
    /// The components.
    public let components: [ConjugateConditional]

    /// A mixture; weights below 1e-14 of the total are dropped (their mass cannot move a
    /// probability by more than N · 1e-14), the rest normalised.
    public init(weights: [Double], components: [ConjugateConditional]) {
        let total = weights.reduce(0, +)
        var w: [Double] = [], c: [ConjugateConditional] = []
        for k in weights.indices where weights[k] >= 1e-14 * total {
            w.append(weights[k]); c.append(components[k])
        }
        let kept = w.reduce(0, +)
        self.weights = w.map { $0 / kept }
        self.components = c
    }

    /// E[φ].
    public var mean: Double {
        var m = 0.0
        for k in weights.indices { m += weights[k] * components[k].mean }
        return m
    }

    /// sd[φ], from E[φ²] = Σ w_k (Var_k + E_k²).
    public var standardDeviation: Double {
        var m = 0.0, m2 = 0.0
        for k in weights.indices {
            let mean = components[k].mean
            m += weights[k] * mean; m2 += weights[k] * (components[k].variance + mean * mean)
        }
        return Swift.max(m2 - m * m, 0).squareRoot()
    }

    /// P(φ ≤ x).
    public func cdf(_ x: Double) -> Double {
        var total = 0.0
        for k in weights.indices { total += weights[k] * components[k].cdf(x) }
        return total
    }

    /// p(φ = x).
    public func density(_ x: Double) -> Double {
        var total = 0.0
        for k in weights.indices { total += weights[k] * components[k].density(x) }
        return total
    }

    /// The p-quantile, 0 < p < 1.
    public func quantile(_ p: Double) -> Double {
        let mean = self.mean, sd = Swift.max(standardDeviation, 1e-300)
        let support = components.first?.support ?? (-.infinity, .infinity)
        // Start at the normal approximation mean + z_p sd (each CDF costs a pass over every
        // component, and Newton from there needs a few), then bracket [low, high] with
        // F(low) < p ≤ F(high), stepping out by doubling multiples of sd.
        let z = (try? Normal(mean: 0, standardDeviation: 1).quantile(p)) ?? 0
        var x = Swift.min(Swift.max(mean + z * sd, support.lower), support.upper)
        if !(x > support.lower && x < support.upper) { x = Swift.min(Swift.max(mean, support.lower), support.upper) }
        var low = support.lower, high = support.upper
        if cdf(x) >= p { high = x } else { low = x }
        var step = 0.5 * sd
        while low == support.lower, low != high {
            let trial = Swift.max(high - step, support.lower)
            if trial == support.lower || cdf(trial) < p { low = trial; break }
            high = trial; step *= 2
        }
        step = 0.5 * sd
        while high == support.upper {
            let trial = Swift.min(low + step, support.upper)
            if trial == support.upper || cdf(trial) >= p { high = trial; break }
            low = trial; step *= 2
        }
        x = Swift.min(Swift.max(x, low), high)
        for _ in 0..<200 {
            let f = cdf(x) - p
            if abs(f) <= 1e-10 { return x }
            if f < 0 { low = x } else { high = x }
            let d = density(x)
            var next = d > 0 ? x - f / d : .nan
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            guard next != x, high - low > 1e-15 * Swift.max(abs(x), sd) else { return next }
            x = next
        }
        return x
    }

    /// Mean, sd and the central interval at `level`.
    public func summary(level: Double) -> IntervalSummary {
        IntervalSummary(mean: mean, standardDeviation: standardDeviation,
                        lower: quantile((1 - level) / 2), upper: quantile((1 + level) / 2))
    }
}
