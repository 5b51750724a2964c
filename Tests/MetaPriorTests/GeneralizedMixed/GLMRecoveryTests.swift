// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The Laplace fit recovers the known prior of simulated binary and count tasks.
@Suite("GLMM recovery from simulated tasks")
struct GLMRecoveryTests {
    /// Tasks of a simulation as GLMM tasks: φ = (intercept, slope) both shared (μ) and task-specific.
    static func tasks(_ simulated: SimulatedTasks, family: ResponseFamily) throws -> [GeneralizedTask] {
        try simulated.dataset.tasks.map { task in
            let n = task.targets.count
            let x = (0..<n).map { task.inputs[$0, 0] }
            let design: [Double] = x.flatMap { [1, $0] }
            let offset = family == .poisson ? (0..<n).map { log(task.inputs[$0, 1]) } : nil
            return try GeneralizedTask(family: family, shared: design, p: 2, specific: design, q: 2,
                                       response: task.targets, offset: offset)
        }
    }

    /// Each estimate of ψ = (μ, θ) within 4 standard errors (from the inverse Hessian) of the
    /// truth, θ the lower Cholesky factor of the simulation's Σ with a positive diagonal (the
    /// convention of ``GeneralizedMixedFit/theta``). With 5 entries each check fails by chance
    /// with probability 6e-5 for an unbiased, correctly scaled estimate; the Laplace
    /// approximation's own bias at 12 Bernoulli points per task is well below 1 SE at 1,500 tasks
    /// (Breslow & Lin 1995 put it at a few percent of σ for σ ≈ 1).
    @Test(arguments: [SimulationFamily.logisticTasks, .poissonTasks])
    func recoversTheSimulatedPrior(family: SimulationFamily) throws {
        let settings = SimulationSettings(family: family, tasks: 1500, points: 12, seed: 21)
        let simulated = try simulateTasks(settings)
        let responseFamily: ResponseFamily = family == .poissonTasks ? .poisson : .binomial
        let fit = try GeneralizedMixedFit(tasks: Self.tasks(simulated, family: responseFamily), family: responseFamily)
        #expect(fit.converged)
        let covariance = try #require(fit.parameterCovariance)
        let sigma = settings.effectiveCovariance
        let l11 = sigma[0, 0].squareRoot(), l21 = sigma[1, 0] / l11
        let truth = settings.effectiveMean + [l11, l21, (sigma[1, 1] - l21 * l21).squareRoot()]
        let estimate = fit.beta + fit.theta
        for k in 0..<5 {
            let se = covariance[k * 5 + k].squareRoot()
            #expect(abs(estimate[k] - truth[k]) <= 4 * se, "ψ[\(k)] = \(estimate[k]) vs truth \(truth[k]) ± \(se)")
        }
    }
}
