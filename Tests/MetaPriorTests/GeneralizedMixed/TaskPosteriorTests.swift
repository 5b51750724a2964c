// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A new task's posterior under a fitted GLMM prior: the Laplace approximation and the MCMC draws
/// against exact answers.
@Suite("GLM task posterior")
struct TaskPosteriorTests {
    /// One coefficient (a task intercept), prior N(−0.4, 0.9²), eight Bernoulli outcomes with a
    /// known part 0.3·x of η.
    static let x = [-1.2, -0.6, -0.1, 0.2, 0.5, 0.9, 1.4, 2.0]
    static let y = [0.0, 0, 1, 0, 1, 1, 0, 1]
    static func posterior() throws -> GeneralizedTaskPosterior {
        try GeneralizedTaskPosterior(family: .binomial, priorMean: [-0.4], priorFactor: [0.9], specific: x.map { _ in 1 },
                                     response: y, known: x.map { 0.3 * $0 })
    }

    static func logPosterior(_ phi: Double) -> Double {
        var l = -0.5 * ((phi + 0.4) / 0.9) * ((phi + 0.4) / 0.9)
        for (xj, yj) in zip(x, y) { l += ResponseFamily.binomial.terms(response: yj, size: 1, eta: phi + 0.3 * xj).logLikelihood }
        return l
    }

    /// The Laplace mean is the posterior mode (the log density's central-difference slope there
    /// is 0 to 1e-7), and its variance is the inverse curvature there (to 1e-5 relative).
    @Test func laplaceIsTheModeAndCurvature() throws {
        let post = try Self.posterior()
        let mode = post.laplaceMean[0], h = 1e-4
        let slope = (Self.logPosterior(mode + h) - Self.logPosterior(mode - h)) / (2 * h)
        let curvature = (Self.logPosterior(mode + h) - 2 * Self.logPosterior(mode) + Self.logPosterior(mode - h)) / (h * h)
        #expect(abs(slope) < 1e-7)
        #expect(abs(post.laplaceCovariance[0] * -curvature - 1) < 1e-5)
    }

    /// The draws' mean and 5 % / 95 % quantiles within 3 Monte Carlo standard errors of the
    /// exact posterior's (quadrature with GSL's QAGS and bisection on its CDF); R̂ ≤ 1.01 and
    /// both ESS ≥ 400, as the diagnostics demand of reported draws.
    @Test func drawsMatchTheExactPosterior() throws {
        let density: (Double) -> Double = { exp(Self.logPosterior($0)) }
        let mass = try integrate(from: -15, to: 15, relativeTolerance: 1e-12, density).value
        let mean = try integrate(from: -15, to: 15, relativeTolerance: 1e-12) { $0 * density($0) }.value / mass
        func quantile(_ p: Double) throws -> Double {
            var low = -15.0, high = 15.0
            for _ in 0..<60 {
                let middle = (low + high) / 2
                if try integrate(from: -15, to: middle, relativeTolerance: 1e-12, density).value / mass < p { low = middle } else { high = middle }
            }
            return (low + high) / 2
        }
        let run = try Self.posterior().sample(chains: 4, warmup: 500, draws: 1000, seed: 17)
        let chains = run.parameter(0)
        let d = try ChainDiagnostics(chains: chains)
        #expect(d.rHat <= 1.01 && d.bulkESS >= 400 && d.tailESS >= 400, "\(d)")
        let all = chains.flatMap { $0 }, sorted = all.sorted()
        let drawMean = all.reduce(0, +) / Double(all.count)
        #expect(abs(drawMean - mean) < 3 * d.meanStandardError, "mean \(drawMean) vs exact \(mean)")
        for p in [0.05, 0.95] {
            let exact = try quantile(p), q = typeSevenQuantile(sorted, p)
            let se = try ChainDiagnostics.quantileStandardError(chains: chains, probability: p)
            #expect(abs(q - exact) < 3 * se, "quantile \(p): \(q) vs exact \(exact) ± \(se)")
        }
    }

    /// Simulation-based calibration (Talts et al. 2018) over 500 simulated tasks: φ drawn from
    /// the prior (intercept and slope, correlated), ten Bernoulli outcomes, 99 draws kept (every
    /// 5th of one chain after 50 warm-up steps, so nearly independent); the rank of the true φ
    /// among them is uniform on 0…99 when the sampler is exact. Ranks go in 10 bins of 10; the
    /// χ² statistic with 9 degrees of freedom must have p > 0.01 for each coefficient (fixed
    /// seeds: the test is deterministic; a correct sampler fails it with probability 0.02).
    @Test func simulationBasedCalibration() throws {
        var generator = SplitMix(state: 2018)
        func uniform() -> Double { Double(generator.next() >> 11 | 1) / 9007199254740992 }
        func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        let mean = [-0.5, 1.0], factor = [0.8, 0, 0.3, 0.6]
        var bins = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 2)
        for task in 0..<500 {
            let u = [normal(), normal()]
            let phi = [mean[0] + factor[0] * u[0], mean[1] + factor[2] * u[0] + factor[3] * u[1]]
            let x = (0..<10).map { _ in uniform() * 4 - 2 }
            let y = x.map { xj -> Double in uniform() < 1 / (1 + exp(-(phi[0] + phi[1] * xj))) ? 1 : 0 }
            let post = try GeneralizedTaskPosterior(family: .binomial, priorMean: mean, priorFactor: factor,
                                                    specific: x.flatMap { [1, $0] }, response: y)
            let chain = try post.sample(chains: 1, warmup: 50, draws: 495, seed: UInt64(task)).chains[0]
            let kept = stride(from: 4, to: 495, by: 5).map { chain[$0].parameters }
            for k in 0..<2 {
                let rank = kept.filter { $0[k] < phi[k] }.count
                bins[k][rank / 10] += 1
            }
        }
        for k in 0..<2 {
            let chiSquared = bins[k].reduce(0.0) { $0 + (Double($1) - 50) * (Double($1) - 50) / 50 }
            let pValue = try Gamma(shape: 4.5, rate: 0.5).upperTailProbability(chiSquared)
            #expect(pValue > 0.01, "coefficient \(k): ranks \(bins[k]), χ² \(chiSquared), p \(pValue)")
        }
    }

    /// A prior with a zero variance (Λ's second column 0): every draw keeps φ in m + range(Λ).
    @Test func singularPriorConfinesTheDraws() throws {
        let post = try GeneralizedTaskPosterior(family: .poisson, priorMean: [0.2, 0.1], priorFactor: [0.5, 0, 1.0, 0],
                                                specific: [1, 0.5, 1, -0.5, 1, 1.5], response: [2, 0, 5])
        let run = try post.sample(chains: 2, warmup: 20, draws: 50, seed: 4)
        for draw in run.chains.flatMap({ $0 }) {
            // range(Λ) is spanned by (0.5, 1): φ − m ∝ (0.5, 1).
            let d0 = draw.parameters[0] - 0.2, d1 = draw.parameters[1] - 0.1
            #expect(abs(d1 - 2 * d0) < 1e-12)
        }
    }
}
