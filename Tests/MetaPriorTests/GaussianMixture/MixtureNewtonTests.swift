// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Mixture prior: Newton steps")
struct MixtureNewtonTests {
    /// Where ℓ still rises along a small column of a factor, −H is indefinite with one small
    /// negative eigenvalue beside curvatures 10⁴–10⁶ times larger (the K = 3 fit of the README's
    /// choice of K stalled there: 120 steps, each raising ℓ by ~1e-7, "not converged"). Here:
    /// the converged fit of ``MixtureFinishTests/singularComponentData(tasks:seed:)``, with the
    /// full-rank component's variance along its weakest direction cut to 1e-6 of itself. Newton
    /// must climb back and converge within its step limit, to the same maximum (ℓ to 1e-10
    /// relative), and there meet the first-order conditions as EM states them, by another
    /// computation (`MixtureEM`, through `ComponentTaskFit`): one EM step from the point moves
    /// no π_k by more than 1e-7, no entry of μ_k by more than 1e-6 of √(tr Σ₁/d), σ² by no more
    /// than 1e-7 of itself, and raises ℓ by at most 1e-9 per task (at an exact maximum all are
    /// zero; the decrement tolerance, 1e-9 nats per task, leaves steps of order √1e-9/√(N·h)).
    @Test func climbsBackAlongASmallColumnAndMeetsTheFirstOrderConditions() throws {
        let statistics = try MixtureFinishTests.singularComponentData()
        var options = MixtureFitOptions(components: 2)
        options.seed = 1
        let fit = try GaussianMixtureFit.fit(statistics, options: options)
        let finish = try #require(fit.finish)
        let full = try #require(finish.ranks.firstIndex(of: 3))
        let start = try MixtureStart(statistics: statistics)
        let objective = try MixtureFactorObjective(statistics: statistics, ranks: finish.ranks, scale: start.scale.squareRoot())
        let factors = try fit.mixture.components.enumerated().map { k, component -> [Double] in
            let eigen = try SymmetricEigen(component.covariance)
            guard k == full else { return MixtureFinish.factor(along: Array((0..<3).reversed().prefix(finish.ranks[k])), of: eigen, scales: [1, 1, 1], noise: 1) }
            // Σ − (1 − 1e-6) λ_min v vᵀ: the weakest direction kept, at a millionth of its variance.
            var cut = component.covariance
            for i in 0..<3 { for j in 0..<3 { cut[i, j] -= (1 - 1e-6) * eigen.values[0] * eigen.vectors[i, 0] * eigen.vectors[j, 0] } }
            return MixtureFinish.factor(along: [2, 1, 0], of: try SymmetricEigen(symmetrized(cut)), scales: [1, 1, 1], noise: 1)
        }
        let x = objective.pack(.init(weights: fit.mixture.weights, means: fit.mixture.components.map(\.mean), factors: factors,
                                     noiseVariance: fit.mixture.noiseVariance))
        let outcome = try MixtureNewton.run(objective, from: x, tolerance: options.tolerance, maximumSteps: MixtureFinish.maximumSteps)
        #expect(outcome.decrement <= options.tolerance, "decrement \(outcome.decrement) after \(outcome.steps) steps")
        let l = outcome.evaluation.logLikelihood
        #expect(abs(l - fit.logLikelihood) <= 1e-10 * abs(fit.logLikelihood), "ℓ \(l), the fit's \(fit.logLikelihood)")
        let reached = try objective.mixture(outcome.x)
        var em = try MixtureEM(statistics: statistics, start: reached, floor: 0)
        let scale = start.scale.squareRoot()
        let before = try em.step(meanScale: scale)
        #expect(abs(before.logLikelihood - l) <= 1e-11 * abs(l))
        let after = try em.logLikelihood()
        let weight = statistics.weights.reduce(0, +)
        #expect(before.change <= 1e-6, "largest π or μ change of an EM step: \(before.change)")
        #expect(zip(em.mixture.weights, reached.weights).allSatisfy { abs($0 - $1) <= 1e-7 }, "π \(reached.weights) → \(em.mixture.weights)")
        #expect(abs(em.mixture.noiseVariance - reached.noiseVariance) <= 1e-7 * reached.noiseVariance)
        #expect((after - l) / weight <= options.tolerance, "EM step raises ℓ by \((after - l) / weight) per task")
        print("small column: \(outcome.steps) Newton steps, decrement \(outcome.decrement), ℓ \(l) (fit \(fit.logLikelihood)); "
              + "EM step: change \(before.change), σ² \(reached.noiseVariance) → \(em.mixture.noiseVariance), rise per task \((after - l) / weight)")
    }
}
