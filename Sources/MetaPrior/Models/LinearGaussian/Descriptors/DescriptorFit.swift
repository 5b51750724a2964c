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

extension DescriptorFit {
    /// B as a prior file holds it, validated: `names` the q descriptors, `coefficients` and
    /// `standardErrors` d rows of q + 1 numbers (finite; SEs ≥ 0), `meanDescriptor` q + 1
    /// finite numbers starting with 1, and B z̃̄ equal to the file's `mean` (to 1e-8 relative:
    /// both were written from one fit, so only an edit breaks it).
    /// - Throws: ``InputError`` naming the prior-file key at fault.
    init(names: [String], coefficients: [[Double]], standardErrors: [[Double]], meanDescriptor: [Double], mean: [Double]) throws {
        let p = names.count + 1, d = mean.count
        guard !names.isEmpty, Set(names).count == names.count, !names.contains(where: \.isEmpty) else {
            throw InputError(column: "descriptor_names", kind: .invalidValue, "needs at least one name, all distinct and non-empty")
        }
        for (key, table) in [("descriptor_coefficients", coefficients), ("descriptor_standard_errors", standardErrors)] {
            guard table.count == d, table.allSatisfy({ $0.count == p }) else {
                throw InputError(column: key, kind: .inconsistent, "needs \(d) rows (one per feature) of \(p) numbers (intercept and \(names.count) descriptors)")
            }
            guard table.joined().allSatisfy({ $0.isFinite && (key == "descriptor_coefficients" || $0 >= 0) }) else {
                throw InputError(column: key, kind: .invalidValue, key == "descriptor_coefficients" ? "must be finite numbers" : "must be finite numbers ≥ 0")
            }
        }
        guard meanDescriptor.count == p, meanDescriptor.allSatisfy(\.isFinite), meanDescriptor.first == 1 else {
            throw InputError(column: "descriptor_mean", kind: .invalidValue, "needs \(p) finite numbers, the first 1 (the intercept)")
        }
        self.columnNames = ["(intercept)"] + names
        self.coefficients = Array(coefficients.joined())
        self.standardErrors = Array(standardErrors.joined())
        self.meanDescriptor = meanDescriptor
        let implied = try self.mean(descriptor: Array(meanDescriptor.dropFirst()))
        for (a, b) in zip(implied, mean) where !(abs(a - b) <= 1e-8 * Swift.max(1, abs(a), abs(b))) {
            throw InputError(column: "descriptor_mean", kind: .inconsistent, "B times the mean descriptor is \(a), but the prior mean is \(b); the file is inconsistent")
        }
    }
}
