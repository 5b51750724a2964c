// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The hyperprior p(θ) of full Bayes over a conjugate hierarchy, with the coordinates u the
/// hyper-posterior is integrated in (chosen so that it is smooth and roughly Gaussian there):
///
/// | hierarchy | θ | u | default |
/// |---|---|---|---|
/// | normal–normal | (μ, τ) | ((μ − μ̂(τ))/sd(μ \| τ, y), log τ) | p(μ, τ) ∝ 1 (flat μ, uniform τ; BDA3 §5.4) |
/// | beta–binomial | (α, β) | (logit α/(α+β), log(α+β)) | p(α, β) ∝ (α+β)^(−5/2) (BDA3 §5.3) |
/// | gamma–Poisson | (α, β) | (log α, log β) | α ~ Exp(1), β ~ Gamma(0.1, rate 1) (BUGS pumps) |
///
/// Overrides: a half-Cauchy(0, scale) on τ; another power of (α+β); any Gamma(shape, rate)
/// priors on α and β (Exp(λ) is Gamma(1, λ)). μ is always flat: it integrates in closed form
/// against the normal likelihood and the data always identify it.
public struct ConjugateHyperprior: Sendable, Equatable, Codable {
    /// The form of the prior.
    public enum Form: String, Sendable, Codable {
        /// p(μ, τ) ∝ 1 on τ > 0 (improper; the posterior is proper with 3 or more tasks).
        case uniformTau = "uniform_tau"
        /// p(μ) ∝ 1, τ ~ half-Cauchy(0, scale): `parameters` = [scale].
        case halfCauchyTau = "half_cauchy_tau"
        /// p(α, β) ∝ (α + β)^(−power): `parameters` = [power].
        case concentrationPower = "concentration_power"
        /// α ~ Gamma(a₁, rate b₁), β ~ Gamma(a₂, rate b₂): `parameters` = [a₁, b₁, a₂, b₂].
        case gammaPriors = "gamma_priors"
    }

    /// The form.
    public var form: Form
    /// Its numbers (see ``Form``).
    public var parameters: [Double]

    /// A hyperprior, validated.
    /// - Throws: ``InputError`` (column `--hyperprior`) for the wrong count of parameters or a
    ///   value that is not positive and finite.
    public init(form: Form, parameters: [Double]) throws {
        let expected: Int
        switch form {
        case .uniformTau: expected = 0
        case .halfCauchyTau, .concentrationPower: expected = 1
        case .gammaPriors: expected = 4
        }
        guard parameters.count == expected else {
            throw InputError(column: "--hyperprior", kind: .invalidValue, "\(form.rawValue) takes \(expected) numbers, got \(parameters.count)")
        }
        guard parameters.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw InputError(column: "--hyperprior", kind: .invalidValue, "\(form.rawValue): every number must be positive and finite, got \(parameters)")
        }
        self.form = form
        self.parameters = parameters
    }

    /// The documented default of a hierarchy (see the table above).
    public static func standard(for kind: ConjugateKind) -> ConjugateHyperprior {
        switch kind {
        case .normalNormal: return ConjugateHyperprior(unchecked: .uniformTau, [])
        case .betaBinomial: return ConjugateHyperprior(unchecked: .concentrationPower, [2.5])
        case .gammaPoisson: return ConjugateHyperprior(unchecked: .gammaPriors, [1, 1, 0.1, 1])
        }
    }

    private init(unchecked form: Form, _ parameters: [Double]) {
        self.form = form
        self.parameters = parameters
    }

    /// Whether this prior is for hierarchy `kind`.
    public func suits(_ kind: ConjugateKind) -> Bool {
        switch form {
        case .uniformTau, .halfCauchyTau: return kind == .normalNormal
        case .concentrationPower: return kind == .betaBinomial
        case .gammaPriors: return kind == .gammaPoisson
        }
    }

    /// One line for reports and the prior file.
    public var description: String {
        switch form {
        case .uniformTau: return "p(mu, tau) ∝ 1 (flat mu, uniform tau)"
        case .halfCauchyTau: return "p(mu) ∝ 1, tau ~ half-Cauchy(0, \(parameters[0]))"
        case .concentrationPower: return "p(alpha, beta) ∝ (alpha + beta)^(-\(parameters[0]))"
        case .gammaPriors: return "alpha ~ Gamma(\(parameters[0]), rate \(parameters[1])), beta ~ Gamma(\(parameters[2]), rate \(parameters[3]))"
        }
    }

    /// θ at u for the beta–binomial and gamma–Poisson (see the table above; the normal–normal
    /// coordinates depend on the data: μ is standardised by p(μ | τ, y)).
    static func theta(_ u0: Double, _ u1: Double, kind: ConjugateKind) -> (Double, Double) {
        switch kind {
        case .normalNormal: return (u0, exp(u1))
        case .betaBinomial:
            let m = 1 / (1 + exp(-u0)), kappa = exp(u1)
            return (m * kappa, kappa / (1 + exp(u0)))
        case .gammaPoisson: return (exp(u0), exp(u1))
        }
    }

    /// log p(θ) + log |∂θ/∂(u₀ or μ, log of the second)| up to a constant: the prior of θ times the
    /// Jacobian (τ for the normal, whose μ-part sd(μ | τ, y) the grid adds; αβ for the other two, as BDA3 §5.3 writes p(log(α/β), log(α+β)) ∝ αβ(α+β)^(−5/2)).
    func logDensity(_ u0: Double, _ u1: Double, theta: (Double, Double)) -> Double {
        let (a, b) = theta
        switch form {
        case .uniformTau: return u1
        case .halfCauchyTau:
            let z = b / parameters[0]
            return u1 - log1p(z * z)
        case .concentrationPower: return -parameters[0] * u1 + log(a) + log(b)
        case .gammaPriors:
            // Gamma(α; a₁, b₁) · α: (a₁ − 1) log α − b₁ α + log α, likewise for β.
            return parameters[0] * u0 - parameters[1] * a + parameters[2] * u1 - parameters[3] * b
        }
    }
}
