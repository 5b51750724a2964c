// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// θ of a ``GaussianMixture`` as one unconstrained vector, for SQUAREM's extrapolation
/// (`MixtureAcceleration`): any vector maps back to a valid θ, so an extrapolated point never
/// needs repair beyond the eigenvalue floor.
///
/// Per component k: log π_k (the weights are their softmax, so they stay on the simplex), μ_k,
/// then the lower triangle of the Cholesky factor L_k of Σ_k row by row with log L_k,jj on the
/// diagonal (so Σ_k = L_k L_kᵀ stays positive definite); last log σ². Log scales also turn the
/// slow, nearly geometric shrinking of a Σ_k eigenvalue towards the singular boundary into
/// steps of nearly equal size, which the extrapolation continues well.
enum MixtureCoordinates {
    /// The coordinates of `mixture`, or `nil` when a Σ_k is not numerically positive definite
    /// (then the caller takes the plain EM step).
    static func pack(_ mixture: GaussianMixture) -> [Double]? {
        let d = mixture.dimension
        var out: [Double] = []
        out.reserveCapacity(mixture.componentCount * (1 + d + d * (d + 1) / 2) + 1)
        for (k, component) in mixture.components.enumerated() {
            guard mixture.weights[k] > 0, let factor = try? Cholesky(component.covariance) else { return nil }
            out.append(log(mixture.weights[k]))
            out += component.mean
            for i in 0..<d {
                for j in 0...i { out.append(i == j ? log(factor.lower[i, i]) : factor.lower[i, j]) }
            }
        }
        out.append(log(mixture.noiseVariance))
        return out.allSatisfy(\.isFinite) ? out : nil
    }

    /// The mixture of K components in dimension d at `vector`, each Σ_k raised to eigenvalues of
    /// at least `floor` (the set EM works on), or `nil` when it is not finite.
    static func unpack(_ vector: [Double], components: Int, dimension d: Int, floor: Double) throws -> GaussianMixture? {
        guard vector.allSatisfy(\.isFinite) else { return nil }
        let width = 1 + d + d * (d + 1) / 2
        let logs = (0..<components).map { vector[$0 * width] }
        let top = logs.max()!
        let unnormalised = logs.map { exp($0 - top) }
        let total = unnormalised.reduce(0, +)
        var means: [[Double]] = [], covariances: [Matrix] = []
        for k in 0..<components {
            var at = k * width + 1
            means.append(Array(vector[at..<(at + d)]))
            at += d
            var factor = Matrix(rows: d, columns: d)
            for i in 0..<d {
                for j in 0...i {
                    factor[i, j] = i == j ? exp(vector[at]) : vector[at]
                    at += 1
                }
            }
            let sigma = try factor.multiplied(by: factor, transposeRight: true)
            guard sigma.isFinite else { return nil }
            covariances.append(try MixtureEM.floored(symmetrized(sigma), floor: floor))
        }
        let noise = exp(vector[vector.count - 1])
        guard noise > 0, noise.isFinite else { return nil }
        return try GaussianMixture(weights: unnormalised.map { $0 / total }, means: means, covariances: covariances, noiseVariance: noise)
    }
}
