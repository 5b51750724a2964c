// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The exact Hessian of the episodic objective (`EpisodicObjective.secondOrder`) against
/// central differences of the analytic gradient, at seeded random points.
@Suite("Episodic objective: exact Hessian")
struct EpisodicHessianTests {
    /// θ with μ, the factor's entries ~ N(0, 0.5²) (so Σ is generic, full-rank at r = d and
    /// singular at r < d) and σ² = exp(N(log 0.3, 1)).
    static func point(_ objective: EpisodicObjective, seed: UInt64) -> [Double] {
        let random = RandomStream(seed: seed)
        var theta = (0..<(objective.parameterCount - 1)).map { _ in 0.5 * random.standardNormal() }
        theta.append(log(0.3) + random.standardNormal())
        return theta
    }

    /// Every entry of the Hessian against (∇f(θ + h e_j) − ∇f(θ − h e_j))/2h, h = 1e-5·max(1, |θ_j|).
    /// Error of the differences: truncation h²/6·|∂³f| ≈ 2e-11 × the third derivatives (which
    /// are of the Hessian's own size for θ of order 1) and round-off ≈ 1e-15·|∇f|/h ≈ 1e-10·|∇f|
    /// (the gradient is a sum of ~100 terms of size ≲ 10, each to ~1e-16 relative). Both stay
    /// below 1e-6 × (1 + the largest |entry| of H), the tolerance; a wrong term of the formula
    /// (a dropped 2G[j = l], a sign) moves entries by a fraction of that largest entry, 1e5 times
    /// more. The value and gradient from the same pass must equal `evaluate`'s (1e-10 relative).
    @Test(arguments: [(CovarianceStructure.full, "3", 3), (.full, "0-4", 3), (.full, "3", 2), (.full, "2", 1),
                      (.diagonal, "2", 3), (.isotropic, "1-3", 3)])
    func hessianMatchesDifferencesOfTheGradient(structure: CovarianceStructure, shots: String, columns: Int) throws {
        let base = try EpisodicObjectiveTests.objective(structure: structure, shots: try ShotRange(parsing: shots))
        let objective = EpisodicObjective(statistics: base.statistics, structure: structure, columns: columns)
        for seed in [UInt64(1), 2, 3] {
            let theta = Self.point(objective, seed: seed)
            let exact = try objective.secondOrder(theta)
            let reference = try objective.evaluate(theta)
            let k = theta.count
            #expect(exact.hessian.rows == k && exact.gradient.count == k)
            #expect(abs(exact.value - reference.value) <= 1e-10 * abs(reference.value))
            for i in 0..<k {
                #expect(abs(exact.gradient[i] - reference.gradient[i]) <= 1e-10 * (1 + abs(reference.gradient[i])), "∂θ[\(i)]")
            }
            var largest = 0.0
            for i in 0..<k { for j in 0..<k { largest = Swift.max(largest, abs(exact.hessian[i, j])) } }
            let tolerance = 1e-6 * (1 + largest)
            for j in 0..<k {
                let h = 1e-5 * Swift.max(1, abs(theta[j]))
                var plus = theta, minus = theta
                plus[j] += h; minus[j] -= h
                let up = try objective.evaluate(plus).gradient, down = try objective.evaluate(minus).gradient
                for i in 0..<k {
                    let numeric = (up[i] - down[i]) / (2 * h)
                    #expect(abs(exact.hessian[i, j] - numeric) <= tolerance,
                            "seed \(seed), H[\(i), \(j)]: exact \(exact.hessian[i, j]), differenced \(numeric) (largest \(largest))")
                }
            }
        }
    }
}
