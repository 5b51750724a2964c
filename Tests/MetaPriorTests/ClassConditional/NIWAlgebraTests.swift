// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The NIW posterior, marginal likelihood and predictive against Murphy (2007) and against
/// direct numerical integration.
@Suite("NIW algebra (Model A)")
struct NIWAlgebraTests {
    static func prior3() throws -> NormalInverseWishart {
        try NormalInverseWishart(mean: [0.5, -1, 2], meanPrecision: 0.7,
                                 scale: Matrix([[2, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 0.8]]),
                                 degreesOfFreedom: 4.5)
    }

    static let points3: [[Double]] = [[1, 0, 2], [0.2, -1.5, 2.5], [1.4, -0.3, 1.1], [0.9, -2, 3]]

    /// Conjugacy: updating on the first two points, then on the last two, equals updating on
    /// all four at once (1e-12 relative: a few rounding steps of O(1) numbers).
    @Test func posteriorIsSequentiallyConsistent() throws {
        let prior = try Self.prior3()
        let batch = try prior.posterior(ClassStatistics(points: Self.points3))
        let steps = try prior.posterior(ClassStatistics(points: Array(Self.points3[0..<2])))
            .posterior(ClassStatistics(points: Array(Self.points3[2...])))
        #expect(abs(batch.meanPrecision - steps.meanPrecision) < 1e-12)
        #expect(abs(batch.degreesOfFreedom - steps.degreesOfFreedom) < 1e-12)
        for j in 0..<3 { #expect(abs(batch.mean[j] - steps.mean[j]) < 1e-12) }
        for (a, b) in zip(batch.scale.elements, steps.scale.elements) { #expect(abs(a - b) < 1e-12 * max(1, abs(a))) }
    }

    /// The chain rule p(X, x*) = p(X) p(x* | X) ties the marginal likelihood to the Student-t
    /// predictive: both sides are closed forms computed independently (Γ_d and ln|Ψₙ| against
    /// the t density), so they agree to rounding (1e-10 absolute on log values of O(10)).
    @Test func predictiveIsTheRatioOfMarginalLikelihoods() throws {
        let prior = try Self.prior3()
        let support = Array(Self.points3[0..<3]), query = Self.points3[3]
        let joint = try prior.logMarginalLikelihood(ClassStatistics(points: support + [query]))
        let marginal = try prior.logMarginalLikelihood(ClassStatistics(points: support))
        let predictive = try prior.posterior(ClassStatistics(points: support)).predictive().logDensity(query)
        #expect(abs(joint - marginal - predictive) < 1e-10)
        // n = 1 from the prior: the prior predictive is the marginal likelihood of one point.
        let one = try prior.logMarginalLikelihood(ClassStatistics(points: [query]))
        #expect(abs(one - (try prior.predictive().logDensity(query))) < 1e-10)
    }

    /// d = 1 against Murphy's normal–inverse-gamma forms (α = ν/2, β = Ψ/2; his eqs. 95–100
    /// and the t predictive t_{2αₙ}(μₙ, βₙ(κₙ + 1)/(αₙκₙ))), written out here independently.
    @Test func oneDimensionMatchesNormalInverseGamma() throws {
        let (mu0, kappa0, psi0, nu0) = (0.3, 2.0, 1.2, 3.0)
        let xs = [0.1, 1.7, -0.4, 0.9, 2.2]
        let prior = try NormalInverseWishart(mean: [mu0], meanPrecision: kappa0, scale: Matrix([[psi0]]), degreesOfFreedom: nu0)
        let n = Double(xs.count), mean = xs.reduce(0, +) / n
        let alpha0 = nu0 / 2, beta0 = psi0 / 2, kappaN = kappa0 + n, alphaN = alpha0 + n / 2
        let spread: Double = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let shift: Double = kappa0 * n * (mean - mu0) * (mean - mu0) / (2 * kappaN)
        let betaN: Double = beta0 + 0.5 * spread + shift
        let muN: Double = (kappa0 * mu0 + n * mean) / kappaN
        let gammaRatio: Double = lgamma(alphaN) - lgamma(alpha0)
        let betaRatio: Double = alpha0 * log(beta0) - alphaN * log(betaN)
        let logEvidence: Double = gammaRatio + betaRatio + 0.5 * log(kappa0 / kappaN) - n / 2 * log(2 * Double.pi)
        #expect(abs(try prior.logMarginalLikelihood(ClassStatistics(points: xs.map { [$0] })) - logEvidence) < 1e-12)
        let t = try prior.posterior(ClassStatistics(points: xs.map { [$0] })).predictive()
        #expect(abs(t.degreesOfFreedom - 2 * alphaN) < 1e-12)
        #expect(abs(t.location[0] - muN) < 1e-12)
        #expect(abs(t.scale[0, 0] - betaN * (kappaN + 1) / (alphaN * kappaN)) < 1e-12)
    }

    /// d = 1 by direct integration of ∫∫ Πᵢ N(xᵢ | m, σ²) N(m | μ₀, σ²/κ) IG(σ² | ν/2, Ψ/2)
    /// dm dσ² (GSL QAGS inside QAGIU). The inner integrand is a Gaussian in m centred on μₙ with
    /// sd σ/√κₙ, so ±12 sd holds all but e⁻⁷² of it. Quadrature at 1e-9 relative, nested,
    /// leaves ~1e-8 on the evidence: we allow 1e-6 relative (1e-6 on the log).
    @Test func oneDimensionMatchesNumericalIntegration() throws {
        let (mu0, kappa0, psi0, nu0) = (-0.5, 0.8, 2.0, 4.0)
        let xs = [0.4, -1.1, 1.3]
        let prior = try NormalInverseWishart(mean: [mu0], meanPrecision: kappa0, scale: Matrix([[psi0]]), degreesOfFreedom: nu0)
        func evidence(_ data: [Double]) throws -> Double {
            let n = Double(data.count), kappaN = kappa0 + n
            let muN = (kappa0 * mu0 + data.reduce(0, +)) / kappaN
            return try integrate(from: 0, toInfinity: (), relativeTolerance: 1e-9) { variance in
                guard variance > 0 else { return 0 }
                let alpha = nu0 / 2, beta = psi0 / 2
                let logIG = alpha * log(beta) - lgamma(alpha) - (alpha + 1) * log(variance) - beta / variance
                let half = 12 * (variance / kappaN).squareRoot()
                let inner = try integrate(from: muN - half, to: muN + half, relativeTolerance: 1e-9) { m in
                    let priorSquare: Double = kappa0 * (m - mu0) * (m - mu0) / (2 * variance)
                    var logp: Double = -0.5 * log(2 * Double.pi * variance / kappa0) - priorSquare
                    for x in data {
                        let square: Double = (x - m) * (x - m) / (2 * variance)
                        logp += -0.5 * log(2 * Double.pi * variance) - square
                    }
                    return exp(logp + logIG)
                }
                return inner.value
            }.value
        }
        let numeric = try evidence(xs)
        let closed = try prior.logMarginalLikelihood(ClassStatistics(points: xs.map { [$0] }))
        #expect(abs(log(numeric) - closed) < 1e-6)
        let query = 0.7
        let numericPredictive = try evidence(xs + [query]) / numeric
        let closedPredictive = try prior.posterior(ClassStatistics(points: xs.map { [$0] })).predictive().logDensity([query])
        #expect(abs(log(numericPredictive) - closedPredictive) < 2e-6)
    }

    /// The analytic gradient of ℓ in the unconstrained coordinates against central differences
    /// (step 1e-5: truncation error O(h²) ≈ 1e-10 times third derivatives of O(100) for these
    /// 6 classes, round-off ≈ 1e-16 · |ℓ| / h ≈ 1e-9), for each Ψ structure: 1e-5 absolute.
    @Test(arguments: CovarianceStructure.allCases)
    func gradientMatchesFiniteDifferences(structure: CovarianceStructure) throws {
        let stream = RandomStream(seed: 11)
        let truth = try Self.prior3()
        var classes: [ClassStatistics] = []
        for _ in 0..<6 {
            let (m, sigma) = try truth.sample(using: stream)
            let normal = try MultivariateNormal(mean: m, covariance: sigma)
            classes.append(try ClassStatistics(points: (0..<4).map { _ in normal.sample(using: stream) }))
        }
        let coordinates = NIWCoordinates(dimension: 3, structure: structure)
        let likelihood = NIWMarginalLikelihood(classes: classes, coordinates: coordinates)
        var u = try coordinates.coordinates(of: truth)
        u[0] += 0.2; u[3] -= 0.3; u[4] += 0.1
        var gradient: [Double] = []
        _ = try likelihood.value(at: u, gradient: &gradient)
        var scratch: [Double] = []
        for k in u.indices {
            let h = 1e-5
            var up = u, down = u
            up[k] += h; down[k] -= h
            let numeric = (try likelihood.value(at: up, gradient: &scratch) - likelihood.value(at: down, gradient: &scratch)) / (2 * h)
            #expect(abs(numeric - gradient[k]) < 1e-5, "coordinate \(k): \(numeric) vs \(gradient[k])")
        }
    }

    /// Hostile priors are refused with an InputError, never a trap.
    @Test func invalidPriorsAreRefused() throws {
        let psi = Matrix.identity(2)
        let cases: [() throws -> NormalInverseWishart] = [
            { try NormalInverseWishart(mean: [], meanPrecision: 1, scale: psi, degreesOfFreedom: 3) },
            { try NormalInverseWishart(mean: [0, 0], meanPrecision: 0, scale: psi, degreesOfFreedom: 3) },
            { try NormalInverseWishart(mean: [0, 0], meanPrecision: 1, scale: psi, degreesOfFreedom: 1) },
            { try NormalInverseWishart(mean: [0, .nan], meanPrecision: 1, scale: psi, degreesOfFreedom: 3) },
            { try NormalInverseWishart(mean: [0, 0], meanPrecision: 1, scale: Matrix([[1, 0.5], [0, 1]]), degreesOfFreedom: 3) },
            { try NormalInverseWishart(mean: [0, 0], meanPrecision: 1, scale: Matrix([[1, 2], [2, 1]]), degreesOfFreedom: 3) },
            { try NormalInverseWishart(mean: [0, 0, 0], meanPrecision: 1, scale: psi, degreesOfFreedom: 3) },
        ]
        for make in cases { #expect(throws: InputError.self) { _ = try make() } }
    }
}
