// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact conditional posterior p(φ_i | θ, y_i) of a conjugate hierarchy (or, with no data,
/// the prior p(φ | θ)): a normal, a beta or a gamma (a point mass when τ = 0). Full Bayes
/// mixes these over the hyper-posterior, so each case gives its moments, density, CDF and a
/// draw.
public enum ConjugateConditional: Sendable, Equatable {
    /// A normal.
    case normal(Normal)
    /// All mass at one value (the normal–normal hierarchy with τ = 0).
    case pointMass(Double)
    /// A beta.
    case beta(Beta)
    /// A gamma.
    case gamma(Gamma)

    /// E[φ].
    public var mean: Double {
        switch self {
        case .normal(let d): return d.mean
        case .pointMass(let x): return x
        case .beta(let d): return d.mean
        case .gamma(let d): return d.mean
        }
    }

    /// Var[φ].
    public var variance: Double {
        switch self {
        case .normal(let d): return d.variance
        case .pointMass: return 0
        case .beta(let d): return d.variance
        case .gamma(let d): return d.variance
        }
    }

    /// P(φ ≤ x).
    public func cdf(_ x: Double) -> Double {
        switch self {
        case .normal(let d): return d.lowerTailProbability(x)
        case .pointMass(let m): return x >= m ? 1 : 0
        case .beta(let d): return d.lowerTailProbability(x)
        case .gamma(let d): return d.lowerTailProbability(x)
        }
    }

    /// The density p(φ = x) (0 for a point mass: root-finding falls back to bisection there).
    public func density(_ x: Double) -> Double {
        switch self {
        case .normal(let d): return d.density(x)
        case .pointMass: return 0
        case .beta(let d): return d.density(x)
        case .gamma(let d): return d.density(x)
        }
    }

    /// log p(φ = x) (−∞ for a point mass, as the log of ``density(_:)``).
    public func logDensity(_ x: Double) -> Double {
        switch self {
        case .normal(let d): return d.logDensity(x)
        case .pointMass: return -.infinity
        case .beta(let d): return d.logDensity(x)
        case .gamma(let d): return d.logDensity(x)
        }
    }

    /// One draw with `stream` (GSL's samplers).
    public func sample(using stream: RandomStream) -> Double {
        switch self {
        case .normal(let d): return d.sample(using: stream)
        case .pointMass(let x): return x
        case .beta(let d): return d.sample(using: stream)
        case .gamma(let d): return d.sample(using: stream)
        }
    }

    /// Where φ lives: the CDF is 0 below and 1 above.
    var support: (lower: Double, upper: Double) {
        switch self {
        case .normal, .pointMass: return (-.infinity, .infinity)
        case .beta: return (0, 1)
        case .gamma: return (0, .infinity)
        }
    }
}

extension ConjugateTasks {
    /// log p(y_i | θ), the exact marginal likelihood of task i with φ_i integrated out, with
    /// every constant (so the sum is comparable with R and SciPy):
    ///
    /// - normal–normal, θ = (μ, τ): log N(y_i; μ, s_i² + τ²);
    /// - beta–binomial, θ = (α, β): log C(n_i, y_i) + ln B(α + y_i, β + n_i − y_i) − ln B(α, β);
    /// - gamma–Poisson, θ = (α, β): log NegBin(y_i; α, β/(β + t_i)) + y_i log t_i … written out,
    ///   ln Γ(y_i + α) − ln Γ(α) − ln Γ(y_i + 1) + α log(β/(β + t_i)) + y_i log(t_i/(β + t_i)),
    ///   the −log y_i! term included (as the pumps reference defines it).
    public func logMarginal(_ i: Int, _ theta: (Double, Double)) throws -> Double {
        try Self.logMarginal(kind: kind, response: responses[i], scale: scales[i], theta)
    }

    /// log p(y | θ) of one task with response `y` and scale `s` (see ``logMarginal(_:_:)``).
    static func logMarginal(kind: ConjugateKind, response y: Double, scale s: Double, _ theta: (Double, Double)) throws -> Double {
        switch kind {
        case .normalNormal:
            let v = s * s + theta.1 * theta.1, r = y - theta.0
            return -0.5 * (log(2 * Double.pi * v) + r * r / v)
        case .betaBinomial:
            let (a, b) = theta
            // ln B(α + y, β + n − y) − ln B(α, β) as rising factorials, which stay exact as
            // α + β → ∞ (the no-overdispersion limit) where the ln B difference cancels.
            return try lnChoose(Int(s), Int(y)) + lnPochhammer(a, y) + lnPochhammer(b, s - y) - lnPochhammer(a + b, s)
        case .gammaPoisson:
            let (a, b) = theta
            // ln Γ(y + α) − ln Γ(α) and −α log(1 + t/β), exact as α, β → ∞ together.
            return try lnPochhammer(a, y) - lnGamma(y + 1) - a * log1p(s / b) + (y == 0 ? 0 : y * log(s / (b + s)))
        }
    }

    /// Σ_i log p(y_i | θ).
    public func logMarginal(_ theta: (Double, Double)) throws -> Double {
        var total = 0.0
        for i in 0..<count { total += try logMarginal(i, theta) }
        return total
    }

    /// p(φ_i | θ, y_i), exact: N((y/s² + μ/τ²)/(1/s² + 1/τ²), 1/(1/s² + 1/τ²)) (the point mass
    /// at μ as τ → 0 is a normal with sd 0), Beta(α + y, β + n − y), Gamma(α + y, β + t).
    public func conditional(_ i: Int, _ theta: (Double, Double)) throws -> ConjugateConditional {
        try ConjugateTasks.conditional(kind: kind, response: responses[i], scale: scales[i], theta)
    }

    /// The conditional of a task with response `response` and scale `scale` (0 trials or 0
    /// exposure, or an infinite standard error, give the prior p(φ | θ)).
    static func conditional(kind: ConjugateKind, response y: Double, scale s: Double, _ theta: (Double, Double)) throws -> ConjugateConditional {
        switch kind {
        case .normalNormal:
            let (mu, tau) = theta
            guard tau > 0 else { return .pointMass(mu) }
            guard s.isFinite else { return .normal(try Normal(mean: mu, standardDeviation: tau)) }
            let precision = 1 / (s * s) + 1 / (tau * tau)
            return .normal(try Normal(mean: (y / (s * s) + mu / (tau * tau)) / precision, standardDeviation: (1 / precision).squareRoot()))
        case .betaBinomial: return .beta(try Beta(alpha: theta.0 + y, beta: theta.1 + s - y))
        case .gammaPoisson: return .gamma(try Gamma(shape: theta.0 + y, rate: theta.1 + s))
        }
    }
}
