// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// `simulate gaussian-classes --class-dof ν` draws classes from a known NIW; `class_gaussian`
/// fitted through the model seam recovers it.
@Suite("class_gaussian recovers simulate gaussian-classes --class-dof")
struct SimulatedClassesRecoveryTests {
    /// 400 tasks × 5 classes × 10 points, d = 2, σ = 1, τ = 3, ν = 6: the truth is
    /// NIW(0, 1/9, 3I, 6). Isotropic Ψ (the truth is isotropic): 5 unconstrained coordinates
    /// (μ₀, ln κ, ln(ν − 1), ln √ψ), each within 4 SE of the truth, the SEs from the inverse of
    /// the central-difference Hessian of −ℓ at θ̂. P(|z| > 4) = 6.3e-5 per coordinate, below
    /// 3.2e-4 for all five.
    @Test func recoversTheSimulatorsNIW() throws {
        var settings = SimulationSettings(family: .gaussianClasses, tasks: 400, points: 10, seed: 12, noise: 1)
        settings.classDegreesOfFreedom = 6
        try settings.validate()
        let truth = try #require(settings.classPrior)
        #expect(abs(truth.meanPrecision - 1.0 / 9) < 1e-15 && truth.scale[0, 0] == 3 && truth.scale[0, 1] == 0)
        let dataset = try simulateTasks(settings).dataset
        var request = FitRequest()
        request.options.structure = .isotropic
        let fitted = try ClassGaussianFamily.fit(dataset, request: request)
        #expect(fitted.converged)
        let prior = try #require(fitted.prior as? ClassGaussianPrior)
        #expect(prior.classes == 2000)

        var classes: [ClassStatistics] = []
        for task in dataset.tasks {
            let rows = task.inputs.nestedRows
            for label in 0..<5 {
                classes.append(try ClassStatistics(points: zip(rows, task.targets).filter { Int($0.1) == label }.map(\.0)))
            }
        }
        let coordinates = NIWCoordinates(dimension: 2, structure: .isotropic)
        let likelihood = NIWMarginalLikelihood(classes: classes, coordinates: coordinates)
        let estimate = try coordinates.coordinates(of: prior.niw), target = try coordinates.coordinates(of: truth)
        let hessian = try #require(try hessianByCentralDifferences(at: estimate) { u in
            var gradient: [Double] = []
            _ = try likelihood.value(at: u, gradient: &gradient)
            return gradient.map { -$0 }
        })
        let covariance = try Cholesky(0.5 * (hessian + hessian.transposed)).inverse()
        for k in estimate.indices {
            let se = covariance[k, k].squareRoot()
            #expect(abs(estimate[k] - target[k]) <= 4 * se, "coordinate \(k): \(estimate[k]) vs \(target[k]), SE \(se)")
        }
    }

    @Test func refusesTooFewDegreesOfFreedom() {
        var settings = SimulationSettings(family: .gaussianClasses, tasks: 4, points: 10, seed: 1)
        settings.classDegreesOfFreedom = 3
        #expect(throws: InputError.self) { try settings.validate() }
        settings.classDegreesOfFreedom = .infinity
        #expect(throws: InputError.self) { try settings.validate() }
    }
}
