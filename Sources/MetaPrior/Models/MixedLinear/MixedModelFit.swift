// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A linear mixed model fitted as lme4's `lmer` fits it: shared coefficients β (fixed effects)
/// profiled out by generalised least squares at every Λ, the task-specific part b_i ~ N(0, Σ)
/// with Σ = σ² ΛΛᵀ, by maximum likelihood or REML (lme4's profiled deviance, Bates et al. 2015 §3).
public struct MixedModelFit: Sendable {
    /// Shared coefficients β̂ (p).
    public var beta: [Double]
    /// Their covariance σ̂² (FᵀWF)⁻¹ (p×p, row-major): lme4's `vcov`.
    public var betaCovariance: [Double]
    /// Standard errors of β̂: the square roots of ``betaCovariance``'s diagonal.
    public var betaStandardErrors: [Double] {
        let p = beta.count
        return (0..<p).map { betaCovariance[$0 * p + $0].squareRoot() }
    }
    /// Covariance Σ of the task-specific coefficients (q×q, row-major): lme4's `VarCorr`.
    public var covariance: [Double]
    /// Residual variance σ̂².
    public var noiseVariance: Double
    /// The relative covariance factor's entries θ (lme4's `getME(fit, "theta")`, up to the
    /// sign of each column).
    public var theta: [Double]
    /// Whether the criterion is REML.
    public var reml: Bool
    /// The minimised criterion: −2 log L (ML, lme4's `deviance`) or the REML criterion
    /// (lme4's `REMLcrit`).
    public var criterion: Double
    /// The maximised log-likelihood (ML) or restricted log-likelihood (REML): −criterion / 2.
    public var logLikelihood: Double { -criterion / 2 }
    /// Function evaluations of the search.
    public var evaluations: Int
    /// Whether the fit is stationary: every entry of ∂d/∂θ is at most 1e-7 of the criterion d
    /// (a test that does not depend on the data's size, as both grow with the observations).
    public var converged: Bool
    /// Whether the deadline stopped the search at the best point reached.
    public var stoppedAtDeadline = false
    /// The stationarity the fit ended with: the largest |∂d/∂θ| relative to max(1, |d|), the
    /// criterion d (converged when at most 1e-7).
    public var stationarity: Double

    /// Fits the model to the tasks' statistics.
    /// - Parameters:
    ///   - tasks: per-task statistics, all with the same p ≥ 0 and q ≥ 1.
    ///   - reml: REML (lme4's default) or maximum likelihood.
    ///   - diagonal: Σ diagonal (`(x || g)`).
    ///   - deadline: stop the search at the best point reached when this passes (`fit
    ///     --time-limit`); `nil`: no limit.
    /// - Throws: ``InputError`` when there are no tasks, too few observations for the
    ///   criterion, or the shared columns are collinear.
    public init(tasks: [MixedTaskStatistics], reml: Bool, diagonal: Bool, deadline: ContinuousClock.Instant? = nil) throws {
        guard let first = tasks.first else { throw InputError(kind: .empty, "no tasks to fit") }
        guard first.q >= 1 else { throw InputError(kind: .invalidValue, "the formula has no task-specific term; add one, such as (1 | task)") }
        let model = MixedDeviance(tasks: tasks, reml: reml, diagonal: diagonal)
        guard model.observations > model.p else {
            throw InputError(kind: .invalidValue, "\(counted(model.observations, "observation")) cannot fit \(counted(model.p, "shared coefficient"))")
        }
        // lme4's start: Λ = I.
        var start = [Double](repeating: 0, count: model.parameterCount)
        if diagonal {
            for j in 0..<model.q { start[j] = 1 }
        } else {
            var k = 0
            for j in 0..<model.q { for i in j..<model.q { start[k] = i == j ? 1 : 0; k += 1 } }
        }
        var evaluations = 0
        func expired() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
        func objective(_ theta: [Double]) throws -> Double {
            evaluations += 1
            return try model.profile(theta)?.deviance ?? .infinity
        }
        // BFGS on the analytic gradient (MixedDeviance+Gradient), to a gradient small against
        // the criterion's size; the deviance is smooth in θ wherever it is finite. At most
        // 20 + 5k iterations for k entries of θ: where BFGS has not converged by then it
        // crawls (1,000 iterations and 4,000 evaluations for k = 28 in one measured case), and
        // the Newton steps below finish in a few dozen (4,315 → 2,203 evaluations there;
        // Orthodont 469 → 169).
        let scale = Swift.max(1, abs(try objective(start)))
        var best = try minimizeBFGS(start: start, initialStep: 0.1, lineSearchTolerance: 0.1,
                                    gradientTolerance: 1e-9 * scale, maxIterations: 20 + 5 * start.count,
                                    shouldStop: { _, _ in expired() }) { theta, gradient in
            evaluations += 1
            guard let profile = try model.profile(theta) else {
                for i in gradient.indices { gradient[i] = .nan }
                return .infinity
            }
            gradient = try model.gradient(theta, at: profile)
            return profile.deviance
        }
        // Stationary: every entry of ∂d/∂θ at most 1e-7 of the criterion (which grows with the
        // observations as the gradient does, so the test does not depend on the data's size).
        // GSL's BFGS often ends with "no progress" once the line search meets round-off; on a
        // 20,000-task REML fit that happens at |∂d/∂θ| ≈ 5e-3 against d ≈ 5e5, with d already
        // at its optimum to 1e-11, so this test, not GSL's absolute one, decides.
        func relativeGradient(_ theta: [Double]) throws -> Double {
            guard let profile = try model.profile(theta) else { return .infinity }
            return try model.gradient(theta, at: profile).reduce(0) { Swift.max($0, abs($1)) } / Swift.max(1, abs(profile.deviance))
        }
        func stationary(_ theta: [Double]) throws -> Bool { try relativeGradient(theta) <= 1e-7 }
        // Where BFGS stops short of that (a line search with no progress on a flat stretch),
        // Newton steps from its point (MixedDeviance+Newton); if those cannot reach it either,
        // Nelder–Mead from the best point, restarted with a smaller simplex until a restart gains
        // nothing — a simplex can collapse before the optimum, and a restart is the standard
        // remedy (Press et al., Numerical Recipes §10.5).
        if !best.converged, !expired(), try !stationary(best.x) {
            let polished = try model.newtonPolish(from: best.x, evaluations: &evaluations) { d, g in
                expired() || g.allSatisfy { abs($0) <= 1e-9 * Swift.max(1, abs(d)) }
            }
            if let value = try model.profile(polished)?.deviance, value <= best.value {
                best = MinimizationResult(x: polished, value: value, gradient: [], iterations: best.iterations, converged: false)
            }
        }
        if !best.converged, !expired(), try !stationary(best.x) {
            for _ in 0..<5 where !expired() {
                let again = try minimizeNelderMead(start: best.x, stepSizes: best.x.map { _ in 0.05 }, sizeTolerance: 1e-11,
                                                   maxIterations: 20_000, objective: objective)
                let gained = best.value - again.value
                if again.value < best.value { best = again }
                if gained <= 1e-12 * Swift.max(1, abs(best.value)) { break }
            }
        }
        let theta = Self.normalisedSigns(best.x, model: model)
        guard let profile = try model.profile(theta) else {
            throw InputError(kind: .invalidValue, "the mixed model could not be fitted: its criterion is not finite at the optimum (a perfect fit, with zero residual variance?)")
        }
        let p = model.p, q = model.q
        // vcov(β̂) = σ̂² (FᵀWF)⁻¹.
        var inverse = [Double](repeating: 0, count: p * p)
        if p > 0 {
            let matrix = try Matrix(rows: p, columns: p, elements: profile.fwf)
            let cholesky = try Cholesky(matrix)
            inverse = try cholesky.inverse().elements.map { $0 * profile.sigma2 }
        }
        let lambda = model.factor(theta)
        var sigma = [Double](repeating: 0, count: q * q)
        for i in 0..<q { for j in 0..<q {
            var s = 0.0
            for k in 0..<q { s += lambda[i * q + k] * lambda[j * q + k] }
            sigma[i * q + j] = profile.sigma2 * s
        } }
        self.beta = profile.beta
        self.betaCovariance = inverse
        self.covariance = sigma
        self.noiseVariance = profile.sigma2
        self.theta = theta
        self.reml = reml
        self.criterion = profile.deviance
        self.evaluations = evaluations
        self.stationarity = try relativeGradient(theta)
        // The stated criterion alone: a Nelder–Mead "converged" (a small simplex) says nothing
        // about stationarity.
        self.converged = stationarity <= 1e-7
        self.stoppedAtDeadline = !converged && expired()
    }

    /// θ with each column of Λ flipped so that its diagonal entry is non-negative (ΛΛᵀ, and so
    /// the fit, is unchanged), as lme4 reports it.
    static func normalisedSigns(_ theta: [Double], model: MixedDeviance) -> [Double] {
        if model.diagonal { return theta.map(abs) }
        var out = theta
        var k = 0
        for j in 0..<model.q {
            let count = model.q - j
            if out[k] < 0 { for i in 0..<count { out[k + i] = -out[k + i] } }
            k += count
        }
        return out
    }
}
