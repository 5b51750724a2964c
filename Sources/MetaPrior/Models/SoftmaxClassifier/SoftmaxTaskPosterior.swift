// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The posterior of one episode's softmax weights W under a ``SoftmaxPrior``:
///
/// - Laplace: Ŵ the MAP (Newton with the exact Hessian) and N(Ŵ, H⁻¹), H = −∇²L(Ŵ);
/// - MCMC: elliptical slice sampling with the Laplace approximation as the Gaussian reference
///   and the remainder L(W) + ½(W − Ŵ)ᵀH(W − Ŵ) (``EllipticalSliceSampler``, the GLM
///   sampler), reference adapted in warm-up; exact whatever the approximation's quality.
///   Chain c is draw chunk c.
///
/// Class probabilities of a query x (``logProbabilities(_:)``) are the posterior predictive
/// E[softmax(W x̃) | D] by self-normalised importance sampling: 1,000 draws of W from the
/// widened Laplace approximation N(Ŵ, 1.5 H⁻¹), weighted by posterior over proposal, from a
/// fixed random stream (reproducible). The Laplace approximation alone is overconfident: on
/// simulated episodes its top-class probability exceeded its accuracy by 0.028 (3.5 SE).
public struct SoftmaxTaskPosterior: TaskPosterior {
    let episode: SoftmaxEpisode
    /// V⁻¹ (p × p, row-major).
    let precision: [Double]
    /// The labels of the episode's classes, in the order of φ's blocks.
    public let classLabels: [Int]
    /// Ŵ, class-major (N·p).
    public let mode: [Double]
    /// H⁻¹ (Np × Np).
    public let laplaceCovariance: Matrix
    let factor: Cholesky
    /// How draws are made.
    public let sampling: PosteriorSampling
    /// The predictive's importance draws of W and their normalised weights.
    let predictiveDraws: [[Double]], predictiveWeights: [Double]

    init(episode: SoftmaxEpisode, prior: SoftmaxPrior, classLabels: [Int], sampling: PosteriorSampling) throws {
        self.episode = episode
        precision = try SoftmaxFit.precisionOf(prior.covariance.elements, width: prior.width)
        let fit: (mode: [Double], factor: Cholesky, converged: Bool)
        do {
            fit = try episode.mode(precision: precision)
        } catch {
            throw InputError(kind: .invalidValue, "the episode's posterior mode could not be found (non-finite inputs?)")
        }
        mode = fit.mode
        factor = fit.factor
        laplaceCovariance = try fit.factor.inverse()
        self.classLabels = classLabels
        self.sampling = sampling
        (predictiveDraws, predictiveWeights) = try Self.importanceDraws(episode, mode: fit.mode, factor: fit.factor, precision: precision)
    }

    /// 1,000 draws from N(Ŵ, 1.5 H⁻¹) on stream (15, 0), with self-normalised weights
    /// ∝ exp(L(W)) / proposal density.
    static func importanceDraws(_ episode: SoftmaxEpisode, mode: [Double], factor: Cholesky, precision: [Double]) throws
        -> ([[Double]], [Double]) {
        let stream = RandomStream(seed: 15, stream: 0), size = mode.count, widen = 1.5.squareRoot()
        var draws: [[Double]] = [], logWeights: [Double] = []
        for _ in 0..<1000 {
            let z = (0..<size).map { _ in stream.standardNormal() }
            let x = try factor.solveUpper(z)
            let w = (0..<size).map { mode[$0] + widen * x[$0] }
            logWeights.append(episode.logPosterior(w, precision: precision) + 0.5 * z.reduce(0) { $0 + $1 * $1 })
            draws.append(w)
        }
        let top = logWeights.max() ?? 0
        let weights = logWeights.map { exp($0 - top) }
        let sum = weights.reduce(0, +)
        return (draws, weights.map { $0 / sum })
    }

    /// N·p.
    public var parameterCount: Int { mode.count }
    /// The episode's labelled points.
    public var observations: Int { episode.count }
    /// Kept draws per chain (MCMC) or per chunk (Laplace).
    public var drawsPerChunk: Int { sampling.drawsPerChain }
    /// What `lp__` holds.
    public var logDensityDescription: String {
        sampling.method == .laplace ? "log density of the Laplace approximation N(Ŵ, H⁻¹)"
            : "log posterior density of the weights up to a constant (likelihood × N(0, V) prior)"
    }

    /// L(W), the log posterior up to its constant.
    /// - Parameter phi: the weights, class-major.
    public func logDensity(_ phi: [Double]) throws -> Double {
        guard phi.count == parameterCount else { throw InputError(kind: .inconsistent, "φ needs \(parameterCount) entries") }
        return episode.logPosterior(phi, precision: precision)
    }

    /// Draws of chunk `chunk`: Laplace draws Ŵ + L⁻ᵀz from stream (seed, chunk), or chain
    /// `chunk` of the sampler.
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double] {
        var out: [Double] = []
        if sampling.method == .laplace {
            let stream = RandomStream(seed: seed, stream: UInt64(chunk))
            let halfLogDet = 0.5 * factor.logDeterminant, q = Double(parameterCount)
            for k in 0..<range.upperBound {
                let z = (0..<parameterCount).map { _ in stream.standardNormal() }
                guard k >= range.lowerBound, let x = try? factor.solveUpper(z) else { continue }
                out.append(halfLogDet - 0.5 * q * log(2 * .pi) - 0.5 * z.reduce(0) { $0 + $1 * $1 })
                out.append(contentsOf: zip(mode, x).map(+))
            }
            return out
        }
        guard let chain = try? sampler().chain(chunk, warmup: sampling.warmup, draws: sampling.drawsPerChain, seed: seed) else { return [] }
        for draw in chain[range] { out.append(episode.logPosterior(draw.parameters, precision: precision)); out.append(contentsOf: draw.parameters) }
        return out
    }

    /// MCMC chains of the exact posterior, as ``sampling`` sets them (or the arguments).
    /// - Throws: ``SamplerError`` if the sampler fails.
    public func sample(chains: Int, warmup: Int, draws: Int, seed: UInt64) throws -> SampledChains {
        try sampler().sample(chains: chains, warmup: warmup, draws: draws, seed: seed, start: mode)
    }

    func sampler() throws -> EllipticalSliceSampler {
        let size = parameterCount
        // The reference N(Ŵ, H⁻¹) has the factor L⁻ᵀ: column j solves Lᵀx = e_j.
        var columns = [Double](repeating: 0, count: size * size)
        for j in 0..<size {
            var e = [Double](repeating: 0, count: size)
            e[j] = 1
            let x = try factor.solveUpper(e)
            for i in 0..<size { columns[i * size + j] = x[i] }
        }
        let episode = episode, precision = precision, mode = mode, lower = factor.lower.elements
        return try EllipticalSliceSampler(mean: mode, factor: Matrix(rows: size, columns: size, elements: columns), adaptsReference: true) { w in
            // + ½ |Lᵀ(W − Ŵ)|² = ½ (W − Ŵ)ᵀH(W − Ŵ).
            var quadratic = 0.0
            for a in 0..<size {
                var s = 0.0
                for b in a..<size { s += lower[b * size + a] * (w[b] - mode[b]) }
                quadratic += s * s
            }
            return episode.logPosterior(w, precision: precision) + 0.5 * quadratic
        }
    }

    /// Per weight: the Laplace mean, sd and normal interval.
    /// - Parameter level: the interval's probability, in (0, 1).
    public func summary(level: Double) throws -> [IntervalSummary] {
        let z = try Normal().quantile((1 + level) / 2)
        return (0..<parameterCount).map { a in
            let sd = laplaceCovariance[a, a].squareRoot()
            return IntervalSummary(mean: mode[a], standardDeviation: sd, lower: mode[a] - z * sd, upper: mode[a] + z * sd)
        }
    }

    /// log p(c | x, D) for each class of the episode (see the type's notes).
    /// - Parameter x: a query point (d entries).
    public func logProbabilities(_ x: [Double]) -> [Double] {
        let n = episode.classes, p = episode.width
        let row = [1] + x
        var total = [Double](repeating: 0, count: n), a = total
        for (w, omega) in zip(predictiveDraws, predictiveWeights) {
            var top = -Double.infinity
            for c in 0..<n {
                var s = 0.0
                for j in 0..<p { s += w[c * p + j] * row[j] }
                a[c] = s
                top = max(top, s)
            }
            var sum = 0.0
            for c in 0..<n { a[c] = exp(a[c] - top); sum += a[c] }
            for c in 0..<n { total[c] += omega * a[c] / sum }
        }
        return total.map { log($0) }
    }

    /// Refused: Model B predicts classes, not a target y (``logProbabilities(_:)``).
    /// - Parameters:
    ///   - inputs: unused.
    ///   - level: unused.
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] { throw Self.noTarget }

    /// Refused, as ``predictive(at:level:)``.
    /// - Parameter inputs: unused.
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) { throw Self.noTarget }

    /// Refused, as ``predictive(at:level:)``.
    /// - Parameters:
    ///   - inputs: unused.
    ///   - chunk: unused.
    ///   - range: unused.
    ///   - seed: unused.
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] { throw Self.noTarget }

    static let noTarget = InputError(column: "model", kind: .invalidValue,
                                     "softmax predicts class labels, not a target y: use predict with a labelled support set for class probabilities")
}
