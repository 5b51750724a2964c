// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Empirical Bayes for the normal–normal hierarchy y_i ~ N(μ, s_i² + τ²): τ² by maximum
/// likelihood or REML, μ profiled out by its weighted mean, as R's metafor `rma(yi, vi,
/// method = "ML" | "REML")` fits it.
///
/// With w_i = 1/(s_i² + τ²), μ̂(τ²) = Σ w_i y_i / Σ w_i, and the score of the profiled
/// (restricted) log likelihood in τ² is
///
///     ML:   U(τ²) = ½ Σ w_i² (y_i − μ̂)² − ½ Σ w_i
///     REML: U(τ²) = ½ Σ w_i² (y_i − μ̂)² − ½ Σ w_i + ½ Σ w_i² / Σ w_i
///
/// (μ̂ is stationary, so it drops out of the derivative). τ̂² = 0 when U(0) ≤ 0 — the
/// boundary answer "no between-task variance", common in meta-analysis and reported, never
/// an error; otherwise τ̂² is the root of U, bracketed by doubling and found by bisection to
/// the last bit (a 1-D root needs nothing more). SE(μ̂) = (Σ w_i)^(−1/2) at τ̂², as metafor.
public struct NormalNormalFit: Sendable, Equatable {
    /// τ̂².
    public var tau2: Double
    /// μ̂ at τ̂².
    public var mu: Double
    /// SE(μ̂) = (Σ w_i)^(−1/2).
    public var muStandardError: Double
    /// The log likelihood Σ log N(y_i; μ̂, s_i² + τ̂²) (metafor's ML `logLik`); for REML the
    /// restricted log likelihood, that plus ½ log 2π + ½ log J − ½ log Σ w_i (metafor's REML
    /// `logLik`, which keeps Harville's ½ log |XᵀX| = ½ log J for the intercept-only X).
    public var logLikelihood: Double
    /// Whether REML was maximised.
    public var reml: Bool
    /// Whether τ̂² = 0 is the boundary answer (U(0) ≤ 0).
    public var atBoundary: Bool
    /// Bisection steps taken.
    public var iterations: Int

    /// Fits `tasks` (a normal–normal set) by ML, or REML when `reml`.
    /// - Throws: ``InputError`` if the tasks are not normal–normal, or REML with one task
    ///   (the restricted likelihood of one task has no information on τ²).
    public init(_ tasks: ConjugateTasks, reml: Bool) throws {
        guard tasks.kind == .normalNormal else {
            throw InputError(column: "--model", kind: .invalidValue, "ML/REML for τ² is for the normal–normal model, not \(tasks.kind.rawValue)")
        }
        guard tasks.count >= 2 else {
            throw InputError(kind: .other, "one task: μ̂ = y₁ is its own estimate and τ² cannot be estimated (it needs at least 2 tasks)")
        }
        let y = tasks.responses, v = tasks.scales.map { $0 * $0 }
        func score(_ t2: Double) -> Double {
            var sw = 0.0, swy = 0.0, sw2 = 0.0
            for i in y.indices { let w = 1 / (v[i] + t2); sw += w; swy += w * y[i]; sw2 += w * w }
            let mu = swy / sw
            var u = 0.0
            for i in y.indices { let w = 1 / (v[i] + t2), r = y[i] - mu; u += w * w * r * r }
            return 0.5 * (u - sw) + (reml ? 0.5 * sw2 / sw : 0)
        }
        var steps = 0
        var tau2 = 0.0
        if score(0) > 0 {
            // Bracket: the score is negative once τ² is well above every (y_i − ȳ)², the
            // squared spread of the data; doubling from the mean s_i² gets there in a few steps.
            var low = 0.0, high = Swift.max(v.reduce(0, +) / Double(v.count), 1e-300)
            while score(high) > 0 {
                low = high; high *= 2; steps += 1
                guard high.isFinite else { throw InputError(kind: .other, "the τ² score did not turn negative: the estimates are not finite-spread") }
            }
            while true {
                let middle = 0.5 * (low + high)
                guard middle > low, middle < high else { break }
                if score(middle) > 0 { low = middle } else { high = middle }
                steps += 1
            }
            tau2 = 0.5 * (low + high)
        }
        var sw = 0.0, swy = 0.0
        for i in y.indices { let w = 1 / (v[i] + tau2); sw += w; swy += w * y[i] }
        let mu = swy / sw
        var ll = 0.0
        for i in y.indices { let s2 = v[i] + tau2, r = y[i] - mu; ll -= 0.5 * (log(2 * Double.pi * s2) + r * r / s2) }
        if reml { ll += 0.5 * log(2 * Double.pi) + 0.5 * log(Double(y.count)) - 0.5 * log(sw) }
        self.tau2 = tau2
        self.mu = mu
        self.muStandardError = 1 / sw.squareRoot()
        self.logLikelihood = ll
        self.reml = reml
        self.atBoundary = tau2 == 0
        self.iterations = steps
    }
}
