// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Empirical Bayes (ML-II) for the beta–binomial and gamma–Poisson hierarchies: (α̂, β̂)
/// maximising Σ_i log p(y_i | α, β), the exact marginal likelihood of
/// ``ConjugateTasks/logMarginal(_:)``.
///
/// Coordinates: u = (log m, log κ) where m is the prior mean of φ and κ the prior's
/// concentration — for the beta, m = α/(α+β) on the logit scale and κ = α + β; for the
/// gamma, m = α/β (the mean rate) and κ = α. In them the likelihood is smooth and unbounded
/// in neither direction except κ → ∞, the limit in which every φ_i equals m: the tasks
/// look like one binomial (one Poisson process) and show no overdispersion. GSL's BFGS with
/// the analytic gradient (digamma) maximises; when κ passes ``concentrationLimit`` the fit
/// stops and reports that boundary: the marginal likelihood has no maximum, φ is estimated
/// as the pooled rate, and a hyperprior (full Bayes) gives a proper answer.
public struct CountMarginalFit: Sendable, Equatable {
    /// α̂.
    public var alpha: Double
    /// β̂ (a rate for the gamma).
    public var beta: Double
    /// Σ_i log p(y_i | α̂, β̂), constants included.
    public var logLikelihood: Double
    /// BFGS iterations.
    public var iterations: Int
    /// The largest |∂ log L/∂u| at the end.
    public var gradientNorm: Double
    /// Whether the gradient test passed at an interior maximum: ‖∇ log L‖₂ ≤ 1e-6 per task in
    /// u (1e-6 · J). Per task, because log L is a sum of J terms whose round-off grows with J:
    /// at J = 1000 BFGS's line search stops near ‖∇‖ ~ 1e-4, where log L is within ~1e-11 of
    /// its maximum and u within ~1e-7, while an absolute 1e-6 could not be met.
    public var converged: Bool
    /// Whether κ ran past ``concentrationLimit``: no overdispersion, no finite maximum.
    public var noOverdispersion: Bool
    /// The pooled rate Σ y / Σ n (or Σ y / Σ t), the limit of m as κ → ∞.
    public var pooledRate: Double

    /// κ beyond which the fit is declared to run to the no-overdispersion boundary: the prior
    /// sd of φ is then below 1e-4 of its mean for any m, far below what tasks can resolve.
    public static let concentrationLimit = 1e8

    /// Fits `tasks` (beta–binomial or gamma–Poisson).
    /// - Throws: ``InputError`` for a normal–normal set or one task (a single task cannot
    ///   separate the spread of φ from its sampling noise: only m is estimable, as y/n);
    ///   GSL errors if the optimiser fails.
    public init(_ tasks: ConjugateTasks) throws {
        guard tasks.kind != .normalNormal else {
            throw InputError(column: "--model", kind: .invalidValue, "ML-II by (α, β) is for the beta–binomial and gamma–Poisson models")
        }
        guard tasks.count >= 2 else {
            throw InputError(kind: .other, "one task: its rate y/\(tasks.kind == .betaBinomial ? "n" : "t") can be estimated, but not the spread of φ between tasks (α, β need at least 2 tasks)")
        }
        let beta = tasks.kind == .betaBinomial
        let pooled = tasks.responses.reduce(0, +) / tasks.scales.reduce(0, +)
        // Start at the pooled mean (clamped inside (0, 1) for the beta) and κ = 1 (a broad prior).
        let m0 = beta ? Swift.min(Swift.max(pooled, 0.01), 0.99) : Swift.max(pooled, 1e-3)
        let start = [beta ? log(m0 / (1 - m0)) : log(m0), 0.0]
        var escaped = false
        // Tasks with equal (y, scale) contribute equal terms: once per pair, times its count.
        let groups = ConjugateTaskGroups(tasks)
        let result = try minimizeBFGS(start: start, initialStep: 0.1, gradientTolerance: 1e-9, maxIterations: 2000,
                                      shouldStop: { _, _ in escaped }) { u, gradient in
            let (a, b) = CountMarginalFit.hyper(u, beta: beta)
            if u[1] > log(CountMarginalFit.concentrationLimit) { escaped = true }
            var value = 0.0, ga = 0.0, gb = 0.0
            for g in 0..<groups.count {
                let y = groups.responses[g], s = groups.scales[g], w = groups.multiplicity[g]
                value += w * (try ConjugateTasks.logMarginal(kind: tasks.kind, response: y, scale: s, (a, b)))
                if beta {
                    let common = try digamma(a + b) - digamma(a + b + s)
                    ga += w * (try digamma(a + y) - digamma(a) + common)
                    gb += w * (try digamma(b + s - y) - digamma(b) + common)
                } else {
                    ga += w * (try digamma(y + a) - digamma(a) + log(b / (b + s)))
                    gb += w * (a / b - (a + y) / (b + s))
                }
            }
            // Chain rule to u: beta (logit m, log κ): ∂α/∂u₀ = m(1−m)κ = −∂β/∂u₀, ∂/∂u₁ = (α, β);
            // gamma (log m, log κ): α = κ, β = κ/m, so ∂β/∂u₀ = −β, ∂α/∂u₁ = α, ∂β/∂u₁ = β.
            if beta {
                let d = a * b / (a + b)
                gradient[0] = -(ga * d - gb * d)
            } else {
                gradient[0] = -(-gb * b)
            }
            gradient[1] = -(ga * a + gb * b)
            return -value
        }
        (alpha, self.beta) = CountMarginalFit.hyper(result.x, beta: beta)
        logLikelihood = -result.value
        iterations = result.iterations
        gradientNorm = result.gradient.map(abs).max() ?? 0
        noOverdispersion = escaped || result.x[1] > log(CountMarginalFit.concentrationLimit)
        // BFGS is asked for 1e-9 so it goes as far as round-off lets it (its line search then
        // stops); the criterion met is the stated 1e-6 per task.
        let norm = (result.gradient.map { $0 * $0 }.reduce(0, +)).squareRoot()
        converged = norm <= 1e-6 * Double(tasks.count) && !noOverdispersion
        pooledRate = pooled
    }

    /// (α, β) at u: the beta's (logit m, log κ) or the gamma's (log m, log κ).
    static func hyper(_ u: [Double], beta: Bool) -> (Double, Double) {
        let kappa = exp(u[1])
        if beta {
            let m = 1 / (1 + exp(-u[0]))
            return (m * kappa, (1 - m) * kappa)
        }
        return (kappa, kappa / exp(u[0]))
    }
}
