// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The unconstrained coordinates in which the NIW hyperparameters are optimised:
///
///     u = (μ₀, ln κ, ln(ν − d + 1), ψ),
///
/// where ψ is, for a ``CovarianceStructure/full`` Ψ = L Lᵀ, the lower triangle of L row by row
/// with ln L_ii on the diagonal; for ``CovarianceStructure/diagonal`` the ln √Ψ_ii; for
/// ``CovarianceStructure/isotropic`` one ln √ψ with Ψ = ψ I. Every u is a valid prior (κ > 0,
/// ν > d − 1, Ψ positive definite), so the minimiser needs no bounds.
struct NIWCoordinates {
    let dimension: Int
    let structure: CovarianceStructure

    var count: Int { dimension + 2 + structure.parameterCount(dimension: dimension) }

    /// The Ψ-factor L (row-major, lower triangular) for the ψ block.
    func factor(_ u: [Double]) -> [Double] {
        let d = dimension, psi = Array(u[(d + 2)...])
        var lower = [Double](repeating: 0, count: d * d)
        switch structure {
        case .full:
            var k = 0
            for i in 0..<d { for j in 0...i { lower[i * d + j] = i == j ? exp(psi[k]) : psi[k]; k += 1 } }
        case .diagonal: for i in 0..<d { lower[i * d + i] = exp(psi[i]) }
        case .isotropic: for i in 0..<d { lower[i * d + i] = exp(psi[0]) }
        }
        return lower
    }

    func prior(_ u: [Double]) throws -> NormalInverseWishart {
        let d = dimension, lower = factor(u)
        var psi = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0...i {
            var s = 0.0
            for k in 0...j { s += lower[i * d + k] * lower[j * d + k] }
            psi[i * d + j] = s; psi[j * d + i] = s
        } }
        return try NormalInverseWishart(mean: Array(u[0..<d]), meanPrecision: exp(u[d]),
                                        scale: Matrix(rows: d, columns: d, elements: psi),
                                        degreesOfFreedom: Double(d - 1) + exp(u[d + 1]))
    }

    /// The inverse of ``prior(_:)`` (a diagonal or isotropic structure keeps only the diagonal,
    /// or its mean, of Ψ).
    func coordinates(of prior: NormalInverseWishart) throws -> [Double] {
        let d = dimension
        var u = prior.mean + [log(prior.meanPrecision), log(prior.degreesOfFreedom - Double(d - 1))]
        let psi = prior.scale
        switch structure {
        case .full:
            let lower = try Cholesky(psi).lower
            for i in 0..<d { for j in 0...i { u.append(i == j ? log(lower[i, i]) : lower[i, j]) } }
        case .diagonal: for i in 0..<d { u.append(0.5 * log(psi[i, i])) }
        case .isotropic: u.append(0.5 * log(psi.trace / Double(d)))
        }
        return u
    }

    /// Chain rule from ∂ℓ/∂(μ₀, κ, ν, Ψ) to ∂ℓ/∂u. `psiGradient` is the symmetric G = ∂ℓ/∂Ψ;
    /// for Ψ = L Lᵀ, ∂ℓ/∂L = 2 G L.
    func chain(_ u: [Double], meanGradient: [Double], kappaGradient: Double, nuGradient: Double,
               psiGradient g: [Double]) -> [Double] {
        let d = dimension
        var out = meanGradient + [kappaGradient * exp(u[d]), nuGradient * exp(u[d + 1])]
        switch structure {
        case .full:
            let lower = factor(u)
            for i in 0..<d { for j in 0...i {
                var s = 0.0
                for k in 0..<d { s += 2 * g[i * d + k] * lower[k * d + j] }
                out.append(i == j ? s * lower[i * d + i] : s)
            } }
        case .diagonal:
            for i in 0..<d { out.append(2 * g[i * d + i] * exp(2 * u[d + 2 + i])) }
        case .isotropic:
            out.append(2 * exp(2 * u[d + 2]) * (0..<d).reduce(0) { $0 + g[$1 * d + $1] })
        }
        return out
    }
}
