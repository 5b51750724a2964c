// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The meta-parameters θ = (μ, Σ, σ²) of the hierarchical linear-Gaussian model:
/// φ_i ~ N(μ, Σ), y_ij | φ_i ~ N(f(x_ij)ᵀ φ_i, σ²).
public struct GaussianPrior: Sendable, Equatable {
    /// Prior mean μ of the task parameters.
    public let mean: [Double]
    /// Prior covariance Σ of the task parameters (positive semi-definite: a variance
    /// component on its boundary is exactly zero).
    public let covariance: Matrix
    /// Observation noise variance σ².
    public let noiseVariance: Double
    /// A factor F with F Fᵀ = Σ: the Cholesky factor when Σ is positive definite, otherwise
    /// V·√Λ from the eigendecomposition (negative round-off eigenvalues set to zero). All
    /// formulas use F, never Σ⁻¹, so a singular Σ is handled exactly.
    public let factor: Matrix

    /// Dimension d of φ.
    public var dimension: Int { mean.count }

    /// A prior from its parts.
    /// - Throws: ``InputError`` for mismatched sizes, non-finite entries, an asymmetric or
    ///   indefinite Σ, or a non-positive σ².
    public init(mean: [Double], covariance: Matrix, noiseVariance: Double) throws {
        let d = mean.count
        guard d > 0 else { throw InputError(column: "mean", "the prior has no parameters") }
        guard covariance.rows == d, covariance.columns == d else {
            throw InputError(column: "covariance", "is \(covariance.rows)×\(covariance.columns), expected \(d)×\(d) to match the mean")
        }
        guard mean.allSatisfy({ $0.isFinite }), covariance.isFinite else {
            throw InputError(column: "mean/covariance", "contains NaN or infinite values")
        }
        guard noiseVariance.isFinite, noiseVariance > 0 else {
            throw InputError(column: "noise_variance", "must be a positive number, got \(noiseVariance)")
        }
        let scale = covariance.elements.reduce(0) { Swift.max($0, abs($1)) }
        try Self.checkRanges(mean: mean, covarianceScale: scale, noiseVariance: noiseVariance)
        guard covariance.asymmetry <= 1e-9 * Swift.max(scale, 1e-300) else {
            throw InputError(column: "covariance", "is not symmetric")
        }
        self.mean = mean
        self.covariance = covariance
        self.noiseVariance = noiseVariance
        if let cholesky = try? Cholesky(covariance) {
            self.factor = cholesky.lower
        } else {
            let eigen = try SymmetricEigen(covariance)
            let tolerance = 1e-10 * Swift.max(scale, 1e-300)
            guard let smallest = eigen.values.first, smallest >= -tolerance else {
                throw InputError(column: "covariance", "is not positive semi-definite (smallest eigenvalue \(eigen.values.first ?? .nan))")
            }
            var f = eigen.vectors
            for j in 0..<d {
                let root = Swift.max(eigen.values[j], 0).squareRoot()
                for i in 0..<d { f[i, j] *= root }
            }
            self.factor = f
        }
    }

    /// A prior from a factor F of Σ = F Fᵀ (as a fit produces it).
    init(mean: [Double], factor: Matrix, noiseVariance: Double) throws {
        var sigma = try factor.multiplied(by: factor, transposeRight: true)
        // Exact symmetry: the product is symmetric up to round-off only.
        for i in 0..<sigma.rows { for j in 0..<i { let v = 0.5 * (sigma[i, j] + sigma[j, i]); sigma[i, j] = v; sigma[j, i] = v } }
        try self.init(mean: mean, covariance: sigma, noiseVariance: noiseVariance)
    }

    /// Largest magnitude of an entry of μ: the scale of φ (and of y), so that μᵢμⱼ and μᵀAμ
    /// stay finite for data of ordinary size.
    static let maximumMeanMagnitude = 1e150
    /// Largest magnitude of an entry of Σ and of σ²: they are squares of quantities in μ's
    /// units, so the same 1e150 bound on the scale; 1e308 (the largest double, and the value a
    /// corrupted file used to hang the eigen solver with) is refused.
    static let maximumVarianceMagnitude = 1e300

    /// Rejects sizes that are finite but make the posterior ill-posed in floating point:
    /// entries beyond the bounds above, and a σ² that is subnormal (5e-324: 1/σ² overflows,
    /// and S = σ²YᵀY is all subnormal, on which the eigen solver used to loop forever).
    /// σ² is not bounded relative to Σ: an exact fit floors it at 1e-300 whatever Σ is (a real
    /// boundary, DESIGN.md §2), and the prior file must read back; a σ² negligible next to a
    /// task's data fails at adaptation with a clear message instead.
    private static func checkRanges(mean: [Double], covarianceScale: Double, noiseVariance: Double) throws {
        if let bad = mean.firstIndex(where: { abs($0) > maximumMeanMagnitude }) {
            throw InputError(column: "mean", kind: .invalidValue, "entry \(bad + 1) is \(mean[bad]); entries must be at most \(maximumMeanMagnitude) in magnitude")
        }
        guard covarianceScale <= maximumVarianceMagnitude else {
            throw InputError(column: "covariance", kind: .invalidValue, "has an entry of magnitude \(covarianceScale); entries must be at most \(maximumVarianceMagnitude)")
        }
        guard noiseVariance.isNormal, noiseVariance <= maximumVarianceMagnitude else {
            throw InputError(column: "noise_variance", kind: .invalidValue,
                             "is \(noiseVariance); it must be a normal number from \(Double.leastNormalMagnitude) to \(maximumVarianceMagnitude)")
        }
    }

    /// Standard deviations √Σ_jj of the task parameters.
    public var standardDeviations: [Double] { covariance.diagonalEntries.map { Swift.max($0, 0).squareRoot() } }
}
