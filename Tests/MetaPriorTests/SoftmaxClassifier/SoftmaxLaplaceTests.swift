// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Model B's per-episode algebra: gradient and Hessian against central differences, the MAP,
/// the softmax's invariance that leaves the prior mean unidentified, and the Laplace
/// posterior against a long MCMC run.
@Suite("Softmax episode: Laplace and MCMC (Model B)")
struct SoftmaxLaplaceTests {
    static let variances = [0.5, 1.0, 2.0]
    static var episode: SoftmaxEpisode {
        SoftmaxSimulation.episodes(1, classes: 3, points: 30, variances: variances, seed: 11)[0]
    }

    /// Central differences with h = 1e-5 have error O(h²·L‴) ≈ 1e-9 plus rounding
    /// ε·|L|/h ≈ 1e-10; 1e-6 relative to (1 + |entry|) leaves room for both.
    @Test func gradientAndHessianMatchCentralDifferences() throws {
        let e = Self.episode, precision = SoftmaxSimulation.precision(Self.variances)
        let stream = RandomStream(seed: 2, stream: 0)
        let w = (0..<(e.classes * e.width)).map { _ in stream.standardNormal() }
        let (gradient, negativeHessian) = try e.derivatives(w, precision: precision)
        let h = 1e-5
        for a in w.indices {
            var plus = w, minus = w
            plus[a] += h; minus[a] -= h
            let numeric = (e.logPosterior(plus, precision: precision) - e.logPosterior(minus, precision: precision)) / (2 * h)
            #expect(abs(numeric - gradient[a]) < 1e-6 * (1 + abs(gradient[a])), "∂L/∂w[\(a)]: \(numeric) vs \(gradient[a])")
            let gPlus = try e.derivatives(plus, precision: precision).gradient
            let gMinus = try e.derivatives(minus, precision: precision).gradient
            for b in w.indices {
                let numericH = -(gPlus[b] - gMinus[b]) / (2 * h)
                #expect(abs(numericH - negativeHessian[b, a]) < 1e-6 * (1 + abs(numericH)), "−∂²L/∂w[\(b)]∂w[\(a)]")
            }
        }
    }

    /// At the MAP the gradient vanishes (to the Newton stopping test) and L is no lower at
    /// any of 200 random nearby points.
    @Test func newtonFindsTheMaximum() throws {
        let e = Self.episode, precision = SoftmaxSimulation.precision(Self.variances)
        let fit = try e.mode(precision: precision)
        #expect(fit.converged)
        let gradient = try e.derivatives(fit.mode, precision: precision).gradient
        #expect(gradient.map(abs).max()! < 1e-9 * Double(1 + e.count))
        let best = e.logPosterior(fit.mode, precision: precision)
        let stream = RandomStream(seed: 3, stream: 0)
        for _ in 0..<200 {
            let nearby = fit.mode.map { $0 + 0.05 * stream.standardNormal() }
            #expect(e.logPosterior(nearby, precision: precision) <= best)
        }
    }

    /// The likelihood is unchanged by W → W + 1aᵀ (so the prior mean m, which shifts every
    /// class alike, is not identified): equal to 1e-9 relative.
    @Test func likelihoodIgnoresACommonShift() {
        let e = Self.episode
        let stream = RandomStream(seed: 4, stream: 0)
        let w = (0..<(e.classes * e.width)).map { _ in stream.standardNormal() }
        let a = (0..<e.width).map { _ in 3 * stream.standardNormal() }
        let shifted = w.indices.map { w[$0] + a[$0 % e.width] }
        let base = e.logLikelihood(w)
        #expect(abs(e.logLikelihood(shifted) - base) < 1e-9 * abs(base))
    }

    /// 4 chains × 5,000 draws of the exact posterior against (i) self-normalised importance
    /// sampling with the Laplace approximation as proposal (40,000 draws; also exact in the
    /// limit): |difference| < 4 √(MCSE² + SE_IS²) per weight; and (ii) the Laplace mean Ŵ:
    /// within 0.25 posterior sd (a Laplace approximation with 30 points over 9 weights is
    /// accurate to O(1/n) of an sd; measured ≤ 0.1) plus 4 MCSE.
    @Test func laplaceAndMCMCAgree() throws {
        let e = Self.episode
        let p = e.width
        let prior = try SoftmaxPrior(inputs: ["x1", "x2"], covariance: Matrix([[0.5, 0, 0], [0, 1, 0], [0, 0, 2]]), structure: .diagonal,
                                     classes: 2, episodes: 1)
        let posterior = try SoftmaxTaskPosterior(episode: e, prior: prior, classLabels: [0, 1, 2], sampling: PosteriorSampling(method: .laplace))
        let run = try posterior.sample(chains: 4, warmup: 1000, draws: 5000, seed: 9)
        // Importance sampling: weights L(W) − log q(W).
        let stream = RandomStream(seed: 21, stream: 0)
        let size = e.classes * p
        var logWeights: [Double] = [], samples: [[Double]] = []
        for _ in 0..<40000 {
            let z = (0..<size).map { _ in stream.standardNormal() }
            let x = try posterior.factor.solveUpper(z)
            let w = zip(posterior.mode, x).map(+)
            logWeights.append(try posterior.logDensity(w) + 0.5 * z.reduce(0) { $0 + $1 * $1 })
            samples.append(w)
        }
        let top = logWeights.max()!
        let weights = logWeights.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        for a in 0..<size {
            let d = try ChainDiagnostics(chains: run.parameter(a))
            let chainMean = run.parameter(a).flatMap { $0 }.reduce(0, +) / Double(4 * 5000)
            let isMean = zip(weights, samples).reduce(0) { $0 + $1.0 * $1.1[a] } / total
            // Delta-method SE of a self-normalised IS mean: √(Σ w_i²(x_i − μ)²)/Σ w_i.
            let isSE = zip(weights, samples).reduce(0) { $0 + $1.0 * $1.0 * pow($1.1[a] - isMean, 2) }.squareRoot() / total
            let tolerance = 4 * (d.meanStandardError * d.meanStandardError + isSE * isSE).squareRoot()
            #expect(abs(chainMean - isMean) < tolerance, "w[\(a)]: MCMC \(chainMean) vs IS \(isMean) ± \(tolerance)")
            let sd = posterior.laplaceCovariance[a, a].squareRoot()
            #expect(abs(chainMean - posterior.mode[a]) < 0.25 * sd + 4 * d.meanStandardError,
                    "w[\(a)]: MCMC \(chainMean) vs Laplace \(posterior.mode[a]) (sd \(sd))")
            #expect(d.rHat < 1.01)
        }
    }
}
