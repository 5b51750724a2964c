// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The fitted descriptor coefficients B̂ of μ_i = B z̃_i, z̃_i = (1, z_i), with their standard
/// errors.
///
/// The standard errors are those lme4 prints for fixed effects: the square roots of the
/// diagonal of σ̂² [Σ w (z̃z̃ᵀ) ⊗ Φᵀ Ṽ⁻¹Φ]⁻¹ at the fitted Σ̃ = Σ/σ², i.e. the GLS covariance
/// of β̂ = vec B̂ with the variance parameters held at their estimates (so they do not carry the
/// uncertainty of Σ̂ and σ̂²).
public struct DescriptorFit: Sendable, Equatable {
    /// Names of the columns of B: `(intercept)`, then the descriptor names.
    public let columnNames: [String]
    /// B̂, row-major d×p: row j belongs to feature j, column 0 is μ₀ (the intercept).
    public let coefficients: [Double]
    /// Standard errors of the entries of B̂, in the same layout.
    public let standardErrors: [Double]
    /// The task-weighted mean descriptor z̃̄ of the meta-train tasks (first entry 1):
    /// ``GaussianPrior/mean`` of the fit is B̂ z̃̄.
    public let meanDescriptor: [Double]

    /// p: the columns of B (descriptors plus the intercept).
    public var columns: Int { columnNames.count }

    init(evaluation e: ProfiledLikelihood.Evaluation, design: DescriptorDesign, weights: [Double]) throws {
        let p = design.columns, d = e.coefficients.count / p, n = p * d
        let inverse = try Cholesky(symmetrized(try Matrix(rows: n, columns: n, elements: e.coefficientSystem))).inverse()
        var errors = [Double](repeating: 0, count: d * p)
        for k in 0..<p { for i in 0..<d { errors[i * p + k] = (e.noiseVariance * inverse[k * d + i, k * d + i]).squareRoot() } }
        columnNames = ["(intercept)"] + design.names
        coefficients = e.coefficients
        standardErrors = errors
        meanDescriptor = design.mean(weights: weights)
    }

    /// The prior mean B̂ z̃ of a task with descriptor z (without the intercept entry).
    /// - Throws: ``InputError`` when z has the wrong length or a value that is not finite.
    public func mean(descriptor z: [Double]) throws -> [Double] {
        guard z.count == columns - 1 else {
            throw InputError(column: "--descriptors", kind: .invalidValue, "the task's descriptor has \(z.count) values, but the prior needs \(columns - 1): \(InputError.list(Array(columnNames.dropFirst())))")
        }
        guard z.allSatisfy(\.isFinite) else { throw InputError(column: "--descriptors", kind: .invalidValue, "the task's descriptor is not finite") }
        let zt = [1] + z, p = columns, d = coefficients.count / p
        return (0..<d).map { i in (0..<p).reduce(0.0) { $0 + coefficients[i * p + $1] * zt[$1] } }
    }
}
