// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// One draw x = μ + c · L z of a Gaussian location–scale family, written into `output`: the
/// sampling path shared by ``MultivariateNormal`` (c = 1) and ``MultivariateStudentT``
/// (c = √(ν/W), W ~ χ²_ν).
///
/// The numbers are taken from `stream` in a fixed order, which is what makes a seed reproduce
/// a draw: z_1 … z_d from `normal`, then c from `mixing` (which may draw from the generator
/// too); then L z by `gsl_blas_dtrmv` and x_i = μ_i + c·(L z)_i. With `normal` =
/// `gsl_ran_ugaussian` and c = 1 this is `gsl_ran_multivariate_gaussian` bit for bit (it draws
/// z the same way, applies the same `dtrmv` and adds μ; c·(L z)_i is exact for c = 1).
///
/// - Parameters:
///   - location: μ, of length d.
///   - cholesky: the factor L of the scale matrix, d×d.
///   - output: receives x; must already have d entries (no allocation here).
///   - operation: names the caller in errors.
///   - normal: one standard normal draw from the generator.
///   - mixing: c, drawn after z.
/// - Throws: ``GSLError/Code/badLength`` unless `output.count == location.count`.
func sampleLocationScale(using stream: RandomStream, location: [Double], cholesky: Cholesky,
                         into output: inout [Double], _ operation: String,
                         normal: (UnsafeMutablePointer<gsl_rng>) -> Double,
                         mixing: (UnsafeMutablePointer<gsl_rng>) -> Double) throws {
    try validateLength(output, location.count, operation, name: "output")
    try GSLError.call(operation) {
        stream.withGenerator { rng in
            for i in output.indices { output[i] = normal(rng) }
            let c = mixing(rng)
            return output.withMutableGSLVector { xp in
                cholesky.lower.withGSLMatrix { lp in
                    let status = gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, lp, xp)
                    for i in 0..<xp.pointee.size {
                        xp.pointee.data[i] = location[i] + c * xp.pointee.data[i]
                    }
                    return status
                }
            }
        }
    }
}
