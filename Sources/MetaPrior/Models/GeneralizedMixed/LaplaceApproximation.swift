// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// One task's Laplace approximation to log p(y | β, Λ) = log ∫ p(y | η = Fβ + XΛu) N(u; 0, I) du,
/// lme4's (Bates et al. 2015, §5; `glmer`'s nAGQ = 1), and its gradient.
///
/// With h(u) = log p(y | η(u)) − ½|u|², strictly concave for the canonical links, the mode û
/// comes from damped Newton steps (the inner loop; lme4's PIRLS), and
///
///     log p(y | β, Λ) ≈ h(û) − ½ log |H|,   H = ZᵀWZ + I,   Z = XΛ,   W = diag(w(η̂)).
///
/// Writing the random part as u ~ N(0, I) behind the factor Λ keeps Λ = 0 (a zero variance, the
/// boundary) an ordinary point where H = I, and the approximation smooth through it.
///
/// The gradient in (β, Λ) is the total derivative through the mode: ∂h/∂u = 0 there, so û moves
/// only the log-determinant, through W's slope w′ (c_j = w′_j (ZH⁻¹Zᵀ)_jj, v = H⁻¹Zᵀc):
///
///     ∂/∂β    = Fᵀ(r − ½c + ½ W Z v)
///     ∂/∂Λ_ab = (Xᵀr)_a û_b − (XᵀWXΛH⁻¹)_ab − ½ (Xᵀc)_a û_b − ½ v_b (Xᵀr)_a + ½ û_b (XᵀWZv)_a
///
/// with r the scores y − E y. The tests check it against central differences of the value.
struct TaskLaplace {
    /// The approximate log-likelihood of the task (constants included).
    var value: Double
    /// û, the mode of the standardised task effects.
    var mode: [Double]
    /// ∂value/∂β (p).
    var betaGradient: [Double]
    /// ∂value/∂Λ (q × q row-major; entries above the diagonal are 0).
    var lambdaGradient: [Double]
    /// log |H| at the mode (for the Gauss–Hermite rule and reports).
    var logDeterminant: Double
}

extension GeneralizedTask {
    /// The Laplace approximation at (β, Λ) from the inner start `start` (û of a nearby point
    /// saves Newton steps; any start converges, h being strictly concave).
    /// - Returns: `nil` when η overflows (a Poisson rate beyond the doubles) or H is not
    ///   positive definite in floating point.
    func laplace(family: ResponseFamily, beta: [Double], lambda: [Double], start: [Double], gradient: Bool) -> TaskLaplace? {
        let workspace = LaplaceWorkspace(observations: count, p: p, q: q)
        let width = p + q * (q + 1) / 2
        var packed = [Double](repeating: 0, count: width)
        let result: (value: Double, logDeterminant: Double)? = beta.withUnsafeBufferPointer { b in
            lambda.withUnsafeBufferPointer { l in
                packed.withUnsafeMutableBufferPointer { out in
                    workspace.laplace(self, family: family, beta: b.baseAddress, lambda: l.baseAddress!, start: start,
                                      gradientInto: gradient ? out.baseAddress! : nil)
                }
            }
        }
        guard let result else { return nil }
        var lambdaGradient = [Double](repeating: 0, count: q * q)
        var k = p
        for j in 0..<q { for r in j..<q { lambdaGradient[r * q + j] = packed[k]; k += 1 } }
        return TaskLaplace(value: result.value, mode: (0..<q).map { workspace.u[$0] },
                           betaGradient: gradient ? Array(packed[..<p]) : [], lambdaGradient: gradient ? lambdaGradient : [],
                           logDeterminant: result.logDeterminant)
    }
}

