// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The empirical-Bayes fit of Model B's prior covariance V over meta-train episodes: EM on
/// the marginal likelihood Σ_t log p(D_t | V), its E-step by importance sampling from the
/// Laplace approximation.
///
/// - E-step: per episode t, the Laplace approximation N(Ŵ_t, H_t⁻¹) of p(W | D_t, V)
///   (``SoftmaxEpisode/mode(precision:start:)``, warm-started from the last iteration's
///   mode), then E[w_c w_cᵀ | D_t] by self-normalised importance sampling with the proposal
///   N(Ŵ_t, 1.5 H_t⁻¹) (widened so the weights have light tails) and S fixed draws per episode
///   (common random numbers: the same z for every iteration, so the iteration is a
///   deterministic map). With S = 0 the E-step is the Laplace moments ŵŵᵀ + H⁻¹ alone
///   ("Laplace-EM", PQL-like); it is biased low — on simulated data with 10 points per class
///   it returned about two thirds of the true V — which is why it is not the default.
/// - M-step: V ← (1/C) Σ_t Σ_c E[w_tc w_tcᵀ | D_t], C = Σ_t N_t classes, then restricted to the
///   structure (its diagonal, or tr/p · I). This maximises Σ_t E[log p(W_t | V) | D_t].
///
/// The fixed point solves the EM score equation with the importance-sampled posterior
/// moments (exact as S → ∞; self-normalisation leaves a bias of order 1/S). Stops when every
/// entry of V changes by less than `tolerance` relative to its diagonal scale, or after
/// `maxIterations`.
///
/// The prior mean is fixed at m = 0: with w_c ~ N(m, V) for every class, m adds mᵀx̃ to every
/// class's logit, which the softmax cancels, so the likelihood of the labels does not depend
/// on m at all (it is not identified; a test checks the invariance).
struct SoftmaxFit {
    /// V̂ (p × p, row-major).
    let covariance: [Double]
    /// The Laplace-approximated log marginal likelihood at V̂: Σ_t [log p(D_t | Ŵ_t) −
    /// ½ Σ_c ŵ_tcᵀV⁻¹ŵ_tc − (N_t/2) log|V| − ½ log|H_t|].
    let logLikelihood: Double
    /// EM iterations.
    let iterations: Int
    /// Whether the relative change fell below the tolerance.
    let converged: Bool
    /// The largest relative change of V at the last iteration.
    let lastChange: Double
    /// C = Σ_t N_t.
    let classCount: Int

    /// Importance draws per episode of the default E-step.
    static let defaultDraws = 256

    init(episodes: [SoftmaxEpisode], structure: CovarianceStructure, maxIterations: Int = 500, tolerance: Double = 1e-6,
         importanceDraws: Int = SoftmaxFit.defaultDraws) throws {
        guard let p = episodes.first?.width, !episodes.isEmpty else {
            throw InputError(kind: .invalidValue, "the softmax prior needs at least one meta-train task")
        }
        var v = [Double](repeating: 0, count: p * p)
        for j in 0..<p { v[j * p + j] = 1 }
        var modes: [[Double]?] = episodes.map { _ in nil }
        var iterations = 0, converged = false, change = Double.infinity
        let classCount = episodes.reduce(0) { $0 + $1.classes }
        while iterations < maxIterations {
            iterations += 1
            let statistics = try Self.expectedStatistics(episodes, covariance: v, starts: &modes, draws: importanceDraws)
            var next = statistics.map { $0 / Double(classCount) }
            Self.restrict(&next, to: structure, width: p)
            change = 0
            for j in 0..<p { for k in 0..<p {
                let scale = (next[j * p + j] * next[k * p + k]).squareRoot()
                change = max(change, abs(next[j * p + k] - v[j * p + k]) / max(scale, 1e-300))
            } }
            v = next
            if change < tolerance { converged = true; break }
        }
        covariance = v
        logLikelihood = try Self.laplaceLogLikelihood(episodes, covariance: v, starts: &modes)
        self.iterations = iterations
        self.converged = converged
        lastChange = change
        self.classCount = classCount
    }

    /// Σ_t Σ_c E[w_tc w_tcᵀ | D_t] under V (p × p), updating the warm starts: by importance
    /// sampling with `draws` draws per episode, or the Laplace moments for `draws` = 0.
    static func expectedStatistics(_ episodes: [SoftmaxEpisode], covariance v: [Double], starts: inout [[Double]?],
                                   draws: Int = defaultDraws) throws -> [Double] {
        let p = episodes[0].width
        let precision = try precisionOf(v, width: p)
        // Episodes in parallel chunks, each on its own random stream, summed in order: the
        // same bits whatever the number of threads.
        var results = [Result<(mode: [Double], moments: [Double]), Error>](repeating: .success(([], [])), count: episodes.count)
        let previous = starts
        results.withUnsafeMutableBufferPointer { slots in
            DeterministicParallel.forEachChunk(count: episodes.count, chunkSize: 8) { _, range in
                for t in range {
                    slots[t] = Result { try episodeMoments(episodes[t], precision: precision, start: previous[t], draws: draws, stream: t) }
                }
            }
        }
        var total = [Double](repeating: 0, count: p * p)
        for (t, result) in results.enumerated() {
            let (mode, moments) = try result.get()
            starts[t] = mode
            for k in total.indices { total[k] += moments[k] }
        }
        return total
    }

    /// One episode's mode and Σ_c E[w_c w_cᵀ | D]: importance-sampled, or the Laplace moments
    /// ŵ_c ŵ_cᵀ + (H⁻¹)_cc when `draws` is 0.
    static func episodeMoments(_ episode: SoftmaxEpisode, precision: [Double], start: [Double]?, draws: Int, stream: Int) throws
        -> (mode: [Double], moments: [Double]) {
        let fit = try episode.mode(precision: precision, start: start)
        if draws > 0 {
            return (fit.mode, try importanceMoments(episode, mode: fit.mode, factor: fit.factor, precision: precision, draws: draws, stream: stream))
        }
        let p = episode.width, size = fit.mode.count
        let inverse = try fit.factor.inverse().elements
        var out = [Double](repeating: 0, count: p * p)
        for c in 0..<episode.classes { for j in 0..<p { for k in 0..<p {
            let a = c * p + j, b = c * p + k
            out[j * p + k] += fit.mode[a] * fit.mode[b] + inverse[a * size + b]
        } } }
        return (fit.mode, out)
    }

    /// Σ_c E[w_c w_cᵀ | D] (p × p) by self-normalised importance sampling from N(Ŵ, 1.5 H⁻¹),
    /// draws from random stream (0x50f7, `stream`).
    static func importanceMoments(_ episode: SoftmaxEpisode, mode: [Double], factor: Cholesky, precision: [Double],
                                  draws: Int, stream index: Int) throws -> [Double] {
        let p = episode.width, size = mode.count, widen = 1.5.squareRoot()
        let stream = RandomStream(seed: 0x50f7, stream: UInt64(index))
        var samples: [[Double]] = [], logWeights: [Double] = []
        samples.reserveCapacity(draws)
        for _ in 0..<draws {
            let z = (0..<size).map { _ in stream.standardNormal() }
            let x = try factor.solveUpper(z)
            let w = (0..<size).map { mode[$0] + widen * x[$0] }
            // log target − log proposal, up to constants common to every draw.
            logWeights.append(episode.logPosterior(w, precision: precision) + 0.5 * z.reduce(0) { $0 + $1 * $1 })
            samples.append(w)
        }
        let top = logWeights.max() ?? 0
        let weights = logWeights.map { exp($0 - top) }
        let sum = weights.reduce(0, +)
        var out = [Double](repeating: 0, count: p * p)
        for (weight, w) in zip(weights, samples) {
            let omega = weight / sum
            for c in 0..<episode.classes { for j in 0..<p { for k in 0..<p { out[j * p + k] += omega * w[c * p + j] * w[c * p + k] } } }
        }
        return out
    }

    /// The Laplace log marginal likelihood of every episode under V (see ``logLikelihood``).
    static func laplaceLogLikelihood(_ episodes: [SoftmaxEpisode], covariance v: [Double], starts: inout [[Double]?]) throws -> Double {
        let p = episodes[0].width
        let precision = try precisionOf(v, width: p)
        let logDetV = try Cholesky(Matrix(rows: p, columns: p, elements: v)).logDeterminant
        var total = 0.0
        for (t, episode) in episodes.enumerated() {
            let fit = try episode.mode(precision: precision, start: starts[t])
            starts[t] = fit.mode
            total += episode.logPosterior(fit.mode, precision: precision) - 0.5 * Double(episode.classes) * logDetV
                - 0.5 * fit.factor.logDeterminant
        }
        return total
    }

    /// V⁻¹ (p × p, row-major).
    static func precisionOf(_ v: [Double], width p: Int) throws -> [Double] {
        do {
            return try Cholesky(Matrix(rows: p, columns: p, elements: v)).inverse().elements
        } catch {
            throw InputError(column: "weight_covariance", kind: .invalidValue, "the prior covariance of the weights is not positive definite")
        }
    }

    /// Projects a symmetric V onto the structure: its diagonal, or its mean diagonal times I.
    static func restrict(_ v: inout [Double], to structure: CovarianceStructure, width p: Int) {
        switch structure {
        case .full: return
        case .diagonal:
            for j in 0..<p { for k in 0..<p where j != k { v[j * p + k] = 0 } }
        case .isotropic:
            let mean = (0..<p).reduce(0.0) { $0 + v[$1 * p + $1] } / Double(p)
            for j in 0..<p { for k in 0..<p { v[j * p + k] = j == k ? mean : 0 } }
        }
    }
}
