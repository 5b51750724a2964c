// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The score, Hessian and Fisher information of the profiled ℓ in Σ̃ (PriorFit+SigmaHessian.swift) against central
/// differences of quantities computed independently of them.
@Suite("Prior fit: the Hessian and information in Σ̃")
struct SigmaHessianTests {
    /// 30 tasks of 5 points under a linear basis in two inputs (d = 3), and a full-rank Σ̃.
    static func setting() throws -> (likelihood: ProfiledLikelihood, sigma: [Double]) {
        let s = try ProfiledLikelihoodTests.statistics()
        let likelihood = ProfiledLikelihood(statistics: s, structure: .full, columns: 3)
        let sigma = [1.3, 0.2, -0.1, 0.2, 0.8, 0.15, -0.1, 0.15, 0.5]
        return (likelihood, sigma)
    }

    static func theta(_ likelihood: ProfiledLikelihood, _ sigma: [Double]) throws -> [Double] {
        let lower = try Cholesky(symmetrized(try Matrix(rows: 3, columns: 3, elements: sigma))).lower.elements
        return likelihood.parameters(ofFactor: lower)
    }

    /// S_p for the pair p = (a, b): e_a e_bᵀ + e_b e_aᵀ, or e_a e_aᵀ when a = b.
    static func direction(_ a: Int, _ b: Int, dimension d: Int = 3) -> [Double] {
        var s = [Double](repeating: 0, count: d * d)
        s[a * d + b] = 1; s[b * d + a] = 1
        return s
    }

    static let pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]

    /// Σ_i w_i log|I + ΛᵀA_iΛ| (= Σ w log|Ṽ_i|) by GSL's Cholesky, independent of the
    /// likelihood's kernels.
    static func logDeterminants(_ statistics: TaskStatistics, _ sigma: [Double]) throws -> Double {
        let d = statistics.dimension
        let lambda = try Cholesky(symmetrized(try Matrix(rows: d, columns: d, elements: sigma))).lower
        var total = 0.0
        for t in 0..<statistics.taskCount {
            let a = try Matrix(rows: d, columns: d, elements: Array(statistics.gram[(t * d * d)..<((t + 1) * d * d)]))
            var m = try lambda.multiplied(by: try a.multiplied(by: lambda), transposeLeft: true)
            for i in 0..<d { m[i, i] += 1 }
            total += statistics.weights[t] * (try Cholesky(symmetrized(m)).logDeterminant)
        }
        return total
    }

    /// The score entry p is ⟨G, S_p⟩ = dℓ/dt at Σ̃ + tS_p (μ and σ² profiled; by the envelope
    /// theorem the same as at them fixed). Central differences with h = 1e-5: truncation
    /// O(h²)·ℓ''' ≈ 1e-10·|ℓ'''|, round-off ≈ 1e-16·|ℓ|/h ≈ 1e-9 for |ℓ| ≈ 100; 1e-6 relative
    /// (or absolute) leaves a margin for both.
    @Test func scoreMatchesCentralDifferences() throws {
        let (likelihood, sigma) = try Self.setting()
        let e = try likelihood.evaluate(try Self.theta(likelihood, sigma))
        let score = try PriorFit.fisherSystem(likelihood, at: e, basis: nil).score
        let h = 1e-5
        for (p, (a, b)) in Self.pairs.enumerated() {
            let s = Self.direction(a, b)
            func value(_ t: Double) throws -> Double {
                try likelihood.evaluate(try Self.theta(likelihood, zip(sigma, s).map { $0 + t * $1 }), gradient: false).logLikelihood
            }
            let numeric = (try value(h) - value(-h)) / (2 * h)
            #expect(abs(score[p] - numeric) <= 1e-6 * Swift.max(1, abs(numeric)), "pair \(a),\(b): \(score[p]) vs \(numeric)")
        }
    }

    /// The information F_pq = ½ Σ w tr(X S_p X S_q) is minus ½ the mixed second derivative of
    /// Σ w log|Ṽ| along S_p and S_q (d log|Ṽ| = tr(XΔ), dX = −XΔX). Four-point central
    /// differences with h = 1e-4: truncation O(h²) ≈ 1e-8 relative, round-off
    /// ≈ 1e-16·|Σ log|Ṽ||/h² ≈ 1e-6 for a sum near 100; 1e-4 relative (or absolute) allowed.
    @Test func informationMatchesSecondDifferencesOfTheLogDeterminant() throws {
        let (likelihood, sigma) = try Self.setting()
        let e = try likelihood.evaluate(try Self.theta(likelihood, sigma))
        let information = try PriorFit.fisherSystem(likelihood, at: e, basis: nil).information
        let h = 1e-4
        let n = Self.pairs.count
        for (p, (a, b)) in Self.pairs.enumerated() {
            for (q, (c, f)) in Self.pairs.enumerated() {
                let sp = Self.direction(a, b), sq = Self.direction(c, f)
                func value(_ s: Double, _ t: Double) throws -> Double {
                    try Self.logDeterminants(likelihood.statistics, (0..<9).map { sigma[$0] + s * sp[$0] + t * sq[$0] })
                }
                let mixed = (try value(h, h) - value(h, -h) - value(-h, h) + value(-h, -h)) / (4 * h * h)
                let expected = -0.5 * mixed
                #expect(abs(information[p * n + q] - expected) <= 1e-4 * Swift.max(1, abs(expected)),
                        "pair \(a),\(b) with \(c),\(f): \(information[p * n + q]) vs \(expected)")
            }
        }
    }

    /// Σ̃ + t·C S_p Cᵀ for the pair p = (a, b) of a d×k basis C (row-major).
    static func moved(_ sigma: [Double], basis c: [Double], columns k: Int, pair: (Int, Int), by t: Double) -> [Double] {
        let d = 3
        var out = sigma
        for i in 0..<d { for j in 0..<d {
            var v = c[i * k + pair.0] * c[j * k + pair.1]
            if pair.0 != pair.1 { v += c[i * k + pair.1] * c[j * k + pair.0] }
            out[i * d + j] += t * v
        } }
        return out
    }

    /// With σ² held at a floor (here 3 × the profiled σ̂², so the bound binds) the Hessian in the
    /// entries of T, Σ̃ = Σ̃₀ + C T Cᵀ, for a 3×2 basis C, against central differences of the
    /// score (itself checked above) with h = 1e-5: truncation O(h²) ≈ 1e-10 relative,
    /// round-off ≈ 1e-16·|score|/h ≈ 1e-9 relative to the score; 1e-5 relative to the largest
    /// entry allowed.
    /// The same with σ² profiled (no floor): the Hessian then includes σ²'s Schur complement.
    @Test(arguments: [true, false])
    func hessianMatchesDifferencesOfTheScore(floored: Bool) throws {
        let (profiled, sigma) = try Self.setting()
        let free = try profiled.evaluate(try Self.theta(profiled, sigma), gradient: false)
        let likelihood = ProfiledLikelihood(statistics: profiled.statistics, structure: .full, columns: 3,
                                            noiseFloor: floored ? 3 * free.noiseVariance : nil)
        let c = [0.9, -0.3, 0.2, 1.1, -0.4, 0.5]
        let k = 2
        let pairs = [(0, 0), (0, 1), (1, 1)]
        func system(_ s: [Double]) throws -> (information: [Double], hessian: [Double], score: [Double]) {
            let e = try likelihood.evaluate(try Self.theta(likelihood, s))
            #expect(PriorFit.atNoiseFloor(likelihood, e) == floored)
            return try PriorFit.fisherSystem(likelihood, at: e, basis: c, columns: k)
        }
        let hessian = try system(sigma).hessian
        let largest = hessian.map(abs).max() ?? 1
        let h = 1e-5
        for (q, pair) in pairs.enumerated() {
            let plus = try system(Self.moved(sigma, basis: c, columns: k, pair: pair, by: h)).score
            let minus = try system(Self.moved(sigma, basis: c, columns: k, pair: pair, by: -h)).score
            for p in 0..<pairs.count {
                let numeric = (plus[p] - minus[p]) / (2 * h)
                #expect(abs(hessian[p * pairs.count + q] - numeric) <= 1e-5 * largest,
                        "entry \(p),\(q): \(hessian[p * pairs.count + q]) vs \(numeric)")
            }
        }
    }
}
