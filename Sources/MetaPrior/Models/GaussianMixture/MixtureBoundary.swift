// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The boundary move of the accelerated mixture EM (`MixtureAcceleration`).
///
/// Where a component's tasks leave a direction of φ unidentified (a noise-free family with few
/// degrees of freedom: sines span two directions of an 11-feature basis), the optimum puts that
/// eigenvalue of Σ_k on the floor, and EM approaches it only sublinearly: near 0 an eigenvalue
/// λ shrinks by a factor 1 − O(λ) per step, so no step length extrapolates it well. The move
/// sets every eigenvalue of Σ_k that is at most ``MixtureEM/snapLimit`` times the floor *and*
/// shrinking (its direction's variance fell in the last EM step) to the floor, at once. It is
/// only a candidate: the cycle keeps it under the same safeguard as an extrapolation (ℓ must not
/// fall), so a direction whose optimum is above the floor is never forced there.
enum MixtureBoundary {
    /// `candidate` with the shrinking small eigenvalues of each Σ_k set to `floor`, judged
    /// against the last two EM iterates `previous` → `latest`; `nil` when nothing moved.
    static func snapped(_ candidate: GaussianMixture, previous: GaussianMixture, latest: GaussianMixture,
                        floor: Double, limit: Double) throws -> GaussianMixture? {
        guard candidate.componentCount == latest.componentCount, previous.componentCount == latest.componentCount else { return nil }
        let d = candidate.dimension
        var moved = false
        var covariances: [Matrix] = []
        for (k, component) in candidate.components.enumerated() {
            let eigen = try SymmetricEigen(component.covariance)
            var values = eigen.values
            for j in 0..<d where values[j] <= limit * floor && values[j] > floor {
                let u = (0..<d).map { eigen.vectors[$0, j] }
                if quadratic(latest.components[k].covariance, u) < quadratic(previous.components[k].covariance, u) { values[j] = floor }
            }
            guard values != eigen.values else { covariances.append(component.covariance); continue }
            moved = true
            var sigma = Matrix(rows: d, columns: d)
            for j in 0..<d {
                for a in 0..<d { for b in 0..<d { sigma[a, b] += values[j] * eigen.vectors[a, j] * eigen.vectors[b, j] } }
            }
            covariances.append(symmetrized(sigma))
        }
        guard moved else { return nil }
        return try GaussianMixture(weights: candidate.weights, means: candidate.components.map(\.mean), covariances: covariances,
                                   noiseVariance: candidate.noiseVariance)
    }

    /// uᵀ A u.
    private static func quadratic(_ a: Matrix, _ u: [Double]) -> Double {
        var total = 0.0
        for i in u.indices { for j in u.indices { total += u[i] * a[i, j] * u[j] } }
        return total
    }
}
