// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// ℓ(θ) = Σ_c log p(X_c | θ) over meta-train classes and its gradient in θ = (μ₀, κ, ν, Ψ).
///
/// Per class, with δ = x̄ − μ₀, r = κn/(κ + n), A = Ψₙ⁻¹ (see ``NormalInverseWishart``):
///
///     ∂/∂μ₀ = (ν + n) r A δ
///     ∂/∂κ  = (d/2)(1/κ − 1/(κ + n)) − ((ν + n)/2) δᵀAδ n²/(κ + n)²
///     ∂/∂ν  = ½[ψ_d((ν + n)/2) − ψ_d(ν/2)] + ½ ln|Ψ| − ½ ln|Ψₙ|,   ψ_d(a) = Σ_{i<d} ψ(a − i/2)
///     ∂/∂Ψ  = (ν/2) Ψ⁻¹ − ((ν + n)/2) A
struct NIWMarginalLikelihood {
    let classes: [ClassStatistics]
    let coordinates: NIWCoordinates

    /// ℓ at u, writing ∂ℓ/∂u into `gradient`.
    func value(at u: [Double], gradient: inout [Double]) throws -> Double {
        let prior = try coordinates.prior(u)
        let d = prior.dimension, nu = prior.degreesOfFreedom, kappa = prior.meanPrecision
        let psiFactor = try Cholesky(prior.scale)
        let psiInverse = try psiFactor.inverse().elements
        let logDetPsi = psiFactor.logDeterminant
        let lnGammaPrior = try lnMultivariateGamma(nu / 2, dimension: d)
        let digammaPrior = try multivariateDigamma(nu / 2, d)
        var total = 0.0, gMean = [Double](repeating: 0, count: d), gKappa = 0.0, gNu = 0.0
        var gPsi = [Double](repeating: 0, count: d * d)
        var psiN = [Double](repeating: 0, count: d * d)
        for data in classes {
            let n = Double(data.count), kappaN = kappa + n, nuN = nu + n, r = kappa * n / kappaN
            let delta = (0..<d).map { data.mean[$0] - prior.mean[$0] }
            for i in 0..<d { for j in 0..<d {
                psiN[i * d + j] = prior.scale[i, j] + data.scatter[i * d + j] + r * delta[i] * delta[j]
            } }
            let factorN = try Cholesky(Matrix(rows: d, columns: d, elements: psiN))
            let logDetN = factorN.logDeterminant
            let inverseN = try factorN.inverse().elements
            total += -n * Double(d) / 2 * log(Double.pi) + (try lnMultivariateGamma(nuN / 2, dimension: d))
                - lnGammaPrior + nu / 2 * logDetPsi - nuN / 2 * logDetN + Double(d) / 2 * (log(kappa) - log(kappaN))
            var quadratic = 0.0
            for i in 0..<d {
                var s = 0.0
                for j in 0..<d { s += inverseN[i * d + j] * delta[j] }
                gMean[i] += nuN * r * s
                quadratic += delta[i] * s
            }
            gKappa += Double(d) / 2 * (1 / kappa - 1 / kappaN) - nuN / 2 * quadratic * n * n / (kappaN * kappaN)
            gNu += 0.5 * ((try multivariateDigamma(nuN / 2, d)) - digammaPrior) + 0.5 * (logDetPsi - logDetN)
            for k in 0..<(d * d) { gPsi[k] += nu / 2 * psiInverse[k] - nuN / 2 * inverseN[k] }
        }
        gradient = coordinates.chain(u, meanGradient: gMean, kappaGradient: gKappa, nuGradient: gNu, psiGradient: gPsi)
        return total
    }
}

/// ψ_d(a) = Σ_{i=0}^{d−1} ψ(a − i/2), the derivative of ln Γ_d(a).
func multivariateDigamma(_ a: Double, _ d: Int) throws -> Double {
    var s = 0.0
    for i in 0..<d { s += try digamma(a - Double(i) / 2) }
    return s
}
