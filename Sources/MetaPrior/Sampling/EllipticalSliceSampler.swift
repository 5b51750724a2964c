// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Elliptical slice sampling (Murray, Adams & MacKay 2010) of a density written as a Gaussian
/// reference times a remainder, p(φ) ∝ N(φ; m, RRᵀ) · exp(r(φ)).
///
/// Each step draws ν ~ N(0, RRᵀ), a slice level log u + r(φ), and moves along the ellipse
/// φ(θ) = m + (φ − m) cos θ + ν sin θ, shrinking a bracket on θ until the remainder clears the
/// level. Every proposal on the ellipse keeps the Gaussian factor invariant, so the step needs
/// no tuning (no step size, no mass matrix) and always moves: the reason it is the sampler for a
/// Gaussian prior times a likelihood. The usual split is m, R from the prior and r the
/// log-likelihood; for a strong likelihood pass instead the Laplace approximation of the
/// posterior as the reference and r = log prior + log likelihood − log reference, which makes
/// the ellipses match the posterior's shape ("preconditioned" ESS; Nishihara, Murray & Adams
/// 2014) — the chain is exact either way, only its efficiency changes. With `adaptsReference`
/// each chain also moves the reference to its own warm-up estimate of the target's mean and
/// covariance, for targets whose mode (where a Laplace reference sits) is off their mean.
///
/// Chain c draws from random stream (seed, c): the draws are the same for a seed whatever the
/// number of threads, and chains run in parallel on ``DeterministicParallel``.
public struct EllipticalSliceSampler {
    /// The reference mean m (d entries).
    public let mean: [Double]
    /// A square root R of the reference covariance (d × k, any k ≥ 1: a singular reference
    /// confines the chain to m + range(R)).
    public let factor: Matrix
    /// r(φ), the log density up to a constant minus the reference's log density. It may return
    /// −∞ (outside the support); it must not return NaN or +∞.
    public let logRemainder: @Sendable ([Double]) throws -> Double

    /// Whether warm-up moves the reference to the chain's own estimate of the target's mean and
    /// covariance (`ReferenceAdaptation`); the kept draws then come from that fixed reference.
    public let adaptsReference: Bool

    /// A sampler for N(m, RRᵀ)·exp(r).
    /// - Parameters:
    ///   - mean: m.
    ///   - factor: R (d × k).
    ///   - adaptsReference: re-centre and re-shape the reference during warm-up (see
    ///     `ReferenceAdaptation`); needs a square, invertible R, and is skipped otherwise.
    ///   - logRemainder: r.
    /// - Throws: ``SamplerError/shape(_:)`` when `factor` does not have `mean.count` rows.
    public init(mean: [Double], factor: Matrix, adaptsReference: Bool = false,
                logRemainder: @escaping @Sendable ([Double]) throws -> Double) throws {
        guard factor.rows == mean.count, factor.columns >= 1, !mean.isEmpty else {
            throw SamplerError.shape("reference factor is \(factor.rows)×\(factor.columns) for \(mean.count) parameters")
        }
        self.mean = mean
        self.factor = factor
        self.adaptsReference = adaptsReference
        self.logRemainder = logRemainder
    }

    /// Runs `chains` chains from `start` (default m): `warmup` steps discarded, then `draws`
    /// kept per chain.
    ///
    /// - Parameters:
    ///   - chains: ≥ 1.
    ///   - warmup: ≥ 0 steps before the kept draws.
    ///   - draws: ≥ 1 kept draws per chain.
    ///   - seed: chain c uses `RandomStream(seed: seed, stream: c)`.
    ///   - start: a point with finite r; m when nil.
    /// - Returns: the draws, chain by chain, with their log densities (up to a constant).
    /// - Throws: ``SamplerError`` when the start has no finite density, r returns NaN or +∞, or a
    ///   step's bracket shrinks to nothing; whatever r throws.
    public func sample(chains: Int, warmup: Int, draws: Int, seed: UInt64, start: [Double]? = nil) throws -> SampledChains {
        guard chains >= 1, warmup >= 0, draws >= 1 else {
            throw SamplerError.shape("chains \(chains), warm-up \(warmup), draws \(draws): need ≥ 1, ≥ 0, ≥ 1")
        }
        let origin = start ?? mean
        guard origin.count == mean.count else { throw SamplerError.shape("start has \(origin.count) entries, not \(mean.count)") }
        var results = [Result<[ChainDraw], Error>](repeating: .success([]), count: chains)
        results.withUnsafeMutableBufferPointer { slots in
            DeterministicParallel.forEachChunk(count: chains, chunkSize: 1) { chain, _ in
                slots[chain] = Result {
                    try runChain(RandomStream(seed: seed, stream: UInt64(chain)), from: origin, warmup: warmup, draws: draws)
                }
            }
        }
        return SampledChains(chains: try results.map { try $0.get() })
    }

    /// Chain `chain` of ``sample(chains:warmup:draws:seed:start:)`` alone, the same draws bit
    /// for bit: so a caller can hand chain c to whoever asks for it (the sample CSV's chunk c)
    /// without running the others.
    /// - Throws: as ``sample(chains:warmup:draws:seed:start:)``.
    public func chain(_ chain: Int, warmup: Int, draws: Int, seed: UInt64, start: [Double]? = nil) throws -> [ChainDraw] {
        guard chain >= 0, warmup >= 0, draws >= 1 else {
            throw SamplerError.shape("chain \(chain), warm-up \(warmup), draws \(draws): need ≥ 0, ≥ 0, ≥ 1")
        }
        let origin = start ?? mean
        guard origin.count == mean.count else { throw SamplerError.shape("start has \(origin.count) entries, not \(mean.count)") }
        return try runChain(RandomStream(seed: seed, stream: UInt64(chain)), from: origin, warmup: warmup, draws: draws)
    }

    private func runChain(_ stream: RandomStream, from origin: [Double], warmup: Int, draws: Int) throws -> [ChainDraw] {
        let d = mean.count
        var reference = ReferenceAdaptation.Reference(mean: mean, factor: factor.elements, columns: factor.columns)
        let adaptation = adaptsReference ? ReferenceAdaptation(mean: mean, factor: factor, warmup: warmup) : nil
        var phi = origin
        // r(φ) against the given reference (what ChainDraw reports), and against the current one.
        var base = try checked(logRemainder(origin))
        guard base > -.infinity else { throw SamplerError.start }
        var remainder = base
        var kept: [ChainDraw] = []
        kept.reserveCapacity(draws)
        var window: [[Double]] = []
        var nu = [Double](repeating: 0, count: d), candidate = [Double](repeating: 0, count: d)
        var z = [Double](repeating: 0, count: factor.columns)
        for step in 0..<(warmup + draws) {
            if let adaptation {
                if adaptation.ends(at: step) {
                    if let adapted = adaptation.reference(from: window) {
                        reference = adapted
                        remainder = base + adaptation.correction(reference, at: phi)
                    }
                    window.removeAll(keepingCapacity: true)
                }
            }
            let k = reference.columns
            if z.count != k { z = [Double](repeating: 0, count: k) }
            for j in 0..<k { z[j] = stream.standardNormal() }
            for i in 0..<d {
                var s = 0.0
                for j in 0..<k { s += reference.factor[i * k + j] * z[j] }
                nu[i] = s
            }
            let level = remainder + log(stream.uniform())
            var angle = stream.uniform() * 2 * .pi
            var low = angle - 2 * .pi, high = angle
            while true {
                let c = cos(angle), s = sin(angle)
                for i in 0..<d { candidate[i] = reference.mean[i] + (phi[i] - reference.mean[i]) * c + nu[i] * s }
                let candidateBase = try checked(logRemainder(candidate))
                let value = candidateBase + (adaptation?.correction(reference, at: candidate) ?? 0)
                if value > level {
                    phi = candidate
                    base = candidateBase
                    remainder = value
                    break
                }
                if angle < 0 { low = angle } else { high = angle }
                // The bracket always contains θ = 0 (the current point, which clears the level),
                // so it can only close up by rounding: after ~50 halvings.
                guard high - low > 1e-15 else { throw SamplerError.bracketCollapsed }
                angle = low + stream.uniform() * (high - low)
            }
            if let adaptation, adaptation.collects(at: step) { window.append(phi) }
            if step >= warmup { kept.append(ChainDraw(parameters: phi, logRemainder: base)) }
        }
        return kept
    }

    private func checked(_ value: Double) throws -> Double {
        guard !value.isNaN, value != .infinity else { throw SamplerError.badRemainder(value) }
        return value
    }
}

/// One kept state of a chain: φ and r(φ).
public struct ChainDraw: Sendable, Equatable {
    /// φ.
    public let parameters: [Double]
    /// r(φ), the log remainder at φ (add the reference's log density for the target's).
    public let logRemainder: Double
}

/// The kept draws of every chain.
public struct SampledChains: Sendable, Equatable {
    /// Chain by chain, draw by draw.
    public let chains: [[ChainDraw]]

    /// The draws of parameter `index`, one array per chain (for ``ChainDiagnostics``).
    public func parameter(_ index: Int) -> [[Double]] {
        chains.map { $0.map { $0.parameters[index] } }
    }
}

/// Why a sampler stopped.
public enum SamplerError: Error, Equatable, CustomStringConvertible {
    /// Sizes that do not fit together.
    case shape(String)
    /// The start point has zero density.
    case start
    /// The log remainder returned NaN or +∞.
    case badRemainder(Double)
    /// The slice bracket shrank to nothing (the density is not continuous along the ellipse).
    case bracketCollapsed

    /// One sentence for the user.
    public var description: String {
        switch self {
        case .shape(let text): "sampler: \(text)"
        case .start: "sampler: the starting point has zero posterior density"
        case .badRemainder(let value): "sampler: the log density evaluated to \(value)"
        case .bracketCollapsed: "sampler: the slice shrank to nothing (is the density continuous?)"
        }
    }
}
