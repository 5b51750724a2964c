// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The distribution of one observation given its linear predictor η, with the canonical link:
/// binomial (logit; a Bernoulli target is one trial) and Poisson (log; an exposure enters η
/// as the offset log t).
public enum ResponseFamily: String, Sendable, Codable, CaseIterable {
    /// y successes out of m trials, p = 1/(1 + e^−η).
    case binomial
    /// y events, rate μ = e^η (the offset included in η).
    case poisson

    /// The parts of log p(y | η) that the Laplace fit needs, at one observation: the
    /// log-likelihood without its constant, the score ∂/∂η, the weight w = −∂²/∂η² (the
    /// variance of y) and its slope ∂w/∂η (which enters the gradient of the Laplace
    /// approximation through the log-determinant).
    ///
    /// Binomial: y·η − m·log(1 + e^η), score y − m·p, w = m·p(1 − p), ∂w/∂η = w(1 − 2p); the
    /// log(1 + e^η) is taken in the form that neither overflows nor loses digits at large |η|.
    /// Poisson: y·η − e^η, score y − μ, w = ∂w/∂η = μ.
    @inline(__always)
    func terms(response y: Double, size m: Double, eta: Double) -> (logLikelihood: Double, score: Double, weight: Double, weightSlope: Double) {
        switch self {
        case .binomial:
            let softplus = eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta))
            let p = eta > 0 ? 1 / (1 + exp(-eta)) : exp(eta) / (1 + exp(eta))
            let w = m * p * (1 - p)
            return (y * eta - m * softplus, y - m * p, w, w * (1 - 2 * p))
        case .poisson:
            let mu = exp(eta)
            return (y * eta - mu, y - mu, mu, mu)
        }
    }

    /// The constant of log p(y | η): log C(m, y) for the binomial, −log y! for the Poisson, so
    /// that log-likelihoods compare with R's (`dbinom`, `dpois`, and so lme4's `logLik`).
    /// - Throws: ``InputError`` for a response the family cannot hold (a count that is negative or
    ///   not whole, more successes than trials).
    func constant(response y: Double, size m: Double) throws -> Double {
        switch self {
        case .binomial:
            guard y >= 0, y <= m, y == y.rounded(), m == m.rounded() else {
                throw InputError(kind: .invalidValue, "a binomial response needs whole successes between 0 and the trials, got \(y) of \(m)")
            }
            return try lnChoose(Int(m), Int(y))
        case .poisson:
            guard y >= 0, y == y.rounded() else {
                throw InputError(kind: .invalidValue, "a Poisson response needs a whole count ≥ 0, got \(y)")
            }
            return -(try lnGamma(y + 1))
        }
    }

    /// The mean of y at η for a task of this size: m·p or μ.
    public func mean(eta: Double, size m: Double) -> Double {
        switch self {
        case .binomial: return m * (eta > 0 ? 1 / (1 + exp(-eta)) : exp(eta) / (1 + exp(eta)))
        case .poisson: return exp(eta)
        }
    }
}
