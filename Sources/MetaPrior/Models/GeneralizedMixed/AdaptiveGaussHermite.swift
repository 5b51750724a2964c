// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension GeneralizedTask {
    /// log p(y | β, Λ) by adaptive Gauss–Hermite quadrature (lme4's nAGQ > 1; Pinheiro & Bates
    /// 1995) for a single task-specific term (q = 1): the rule is centred on the mode û and
    /// scaled by σ̂ = H^(−½) from the Laplace step, so
    ///
    ///     log p ≈ log σ̂ − ½ log π + log Σ_k w_k exp(x_k² + h(û + √2 σ̂ x_k)),
    ///
    /// h(u) = log p(y | u) − ½u² with its constants, the sum taken in log-sum-exp form. One node
    /// gives the Laplace approximation again; more make it exact for h closer to any polynomial.
    /// - Returns: `nil` where the mode or a node's likelihood is not finite.
    func adaptiveGaussHermite(family: ResponseFamily, beta: [Double], lambda: [Double], start: [Double],
                              rule: GaussHermiteRule) -> (value: Double, mode: [Double])? {
        precondition(q == 1, "adaptive Gauss–Hermite quadrature needs one task-specific term")
        guard let laplace = laplace(family: family, beta: beta, lambda: lambda, start: start, gradient: false) else { return nil }
        let mode = laplace.mode[0], scale = exp(-0.5 * laplace.logDeterminant)
        var fixed = offset
        if p > 0 { for j in 0..<count { for k in 0..<p { fixed[j] += shared[j * p + k] * beta[k] } } }
        var terms = [Double]()
        terms.reserveCapacity(rule.nodes.count)
        for (x, w) in zip(rule.nodes, rule.weights) {
            let u = mode + 2.0.squareRoot() * scale * x
            var h = -0.5 * u * u
            for j in 0..<count {
                h += family.terms(response: response[j], size: size[j], eta: fixed[j] + specific[j] * lambda[0] * u).logLikelihood
            }
            guard h.isFinite else { return nil }
            terms.append(log(w) + x * x + h)
        }
        let largest = terms.max()!
        let sum = terms.reduce(0) { $0 + exp($1 - largest) }
        return (log(scale) - 0.5 * log(Double.pi) + largest + log(sum) + constant, laplace.mode)
    }
}
