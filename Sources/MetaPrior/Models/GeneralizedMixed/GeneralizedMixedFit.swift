// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A generalised linear mixed model fitted as lme4's `glmer` fits it by default (nAGQ = 1): the
/// shared coefficients β and the task covariance Σ = ΛΛᵀ maximise the sum over tasks of the
/// Laplace approximation to each task's log-likelihood (``GeneralizedTask``'s `laplace`).
///
/// The search is BFGS on the analytic gradient in ψ = (β, θ), θ the entries of Λ's lower
/// triangle column by column (lme4's `theta`), from the pooled GLM's β and Λ = I (lme4's start),
/// then saddle-free Newton steps on a Hessian from central differences of the gradient, until
/// the stated criterion holds: every |∂ℓ/∂ψ| ≤ 1e-7 · max(1, |ℓ|). Λ's columns enter only
/// through ΛΛᵀ, so a variance that goes to zero is an interior point of ψ where the gradient
/// vanishes by symmetry: the boundary needs no constraint and the same criterion applies there.
public struct GeneralizedMixedFit: Sendable {
    /// The response family.
    public var family: ResponseFamily
    /// β̂ (p).
    public var beta: [Double]
    /// The covariance of β̂ (p × p row-major): the β block of the inverse Hessian of −ℓ in
    /// ψ = (β, θ), as lme4's `vcov` (its default `use.hessian = TRUE`); where that Hessian is
    /// not positive definite (a boundary fit, flat in θ), the inverse of its β block alone
    /// (θ held at θ̂).
    public var betaCovariance: [Double]
    /// The inverse Hessian of −ℓ in ψ = (β, θ) ((p + q(q+1)/2)², row-major) at ψ̂ before Λ's
    /// columns were sign-normalised; `nil` where that Hessian is not positive definite.
    var parameterCovariance: [Double]?
    /// Standard errors of β̂: the square roots of ``betaCovariance``'s diagonal.
    public var betaStandardErrors: [Double] {
        let p = beta.count
        return (0..<p).map { betaCovariance[$0 * p + $0].squareRoot() }
    }
    /// θ̂: Λ's lower triangle, column by column, each column's diagonal entry ≥ 0 (lme4's `theta`).
    public var theta: [Double]
    /// Σ̂ = ΛΛᵀ (q × q row-major): lme4's `VarCorr`.
    public var covariance: [Double]
    /// The maximised Laplace log-likelihood (lme4's `logLik`).
    public var logLikelihood: Double
    /// Per task, the mode û of its standardised effects; its effects are b = Λû (lme4's `ranef`).
    public var modes: [[Double]]
    /// Gradient evaluations of the search.
    public var evaluations: Int
    /// The criterion's value: max |∂ℓ/∂ψ| / max(1, |ℓ|).
    public var stationarity: Double
    /// Whether ``stationarity`` ≤ 1e-7.
    public var converged: Bool
    /// Gauss–Hermite points per task (lme4's nAGQ): 1 is the Laplace approximation.
    public var quadraturePoints: Int

    /// Fits the model.
    /// - Parameters:
    ///   - tasks: every task with the same p and q ≥ 1.
    ///   - family: the response distribution.
    ///   - quadraturePoints: 1 (the Laplace approximation) or, for a single task-specific term
    ///     (q = 1), the points of adaptive Gauss–Hermite quadrature per task (lme4's nAGQ; at
    ///     most 100). The quadrature fit starts from the Laplace fit's optimum.
    /// - Throws: ``InputError`` when there are no tasks, no task-specific column, tasks whose
    ///   column counts differ, quadrature asked for with q > 1 or with a bad number of points,
    ///   or a likelihood that is not finite at the start.
    public init(tasks: [GeneralizedTask], family: ResponseFamily, quadraturePoints: Int = 1) throws {
        guard let first = tasks.first else { throw InputError(kind: .empty, "no tasks to fit") }
        let p = first.p, q = first.q
        guard q >= 1 else { throw InputError(kind: .invalidValue, "the model has no task-specific term; add one, such as (1 | task)") }
        guard tasks.allSatisfy({ $0.p == p && $0.q == q }) else {
            throw InputError(kind: .inconsistent, "every task needs the same \(p) shared and \(q) task-specific columns")
        }
        guard (1...100).contains(quadraturePoints) else {
            throw InputError(column: "--quadrature-points", kind: .invalidValue, "the points per task must be 1 to 100, got \(quadraturePoints)")
        }
        guard quadraturePoints == 1 || q == 1 else {
            throw InputError(column: "--quadrature-points", kind: .invalidValue, "adaptive quadrature needs a single task-specific term (such as (1 | task)); this model has \(q)")
        }
        let model = LaplaceObjective(tasks: tasks, family: family)
        var evaluations = 0
        // Start: β of the pooled GLM (the objective at Λ = 0 is exactly its log-likelihood),
        // by the same Newton steps; then Λ = I.
        var start = [Double](repeating: 0, count: p + q * (q + 1) / 2)
        if p > 0 {
            let pooled = model.newtonPolish(from: start, free: 0..<p, evaluations: &evaluations)
            for k in 0..<p { start[k] = pooled[k] }
        }
        var k = p
        for j in 0..<q { start[k] = 1; k += q - j }
        guard let initial = model.evaluate(start) else {
            throw InputError(kind: .invalidValue, "the model's likelihood is not finite at its start (β of the pooled GLM, Σ = I)")
        }
        let scale = Swift.max(1, abs(initial.value))
        var best = try minimizeBFGS(start: start, initialStep: 0.1, lineSearchTolerance: 0.1,
                                    gradientTolerance: 1e-9 * scale, maxIterations: 50 + 20 * start.count) { x, gradient in
            evaluations += 1
            guard let e = model.evaluate(x) else {
                for i in gradient.indices { gradient[i] = .nan }
                return .infinity
            }
            for i in gradient.indices { gradient[i] = -e.gradient[i] }
            return -e.value
        }.x
        if let e = model.evaluate(best), !Self.stationary(e) {
            best = model.newtonPolish(from: best, free: 0..<best.count, evaluations: &evaluations)
        }
        if quadraturePoints > 1 {
            model.quadrature = try GaussHermiteRule(points: quadraturePoints)
            guard let atLaplace = model.evaluate(best) else {
                throw InputError(kind: .invalidValue, "the quadrature likelihood is not finite at the Laplace fit's optimum")
            }
            if !Self.stationary(atLaplace) {
                best = model.newtonPolish(from: best, free: 0..<best.count, evaluations: &evaluations)
            }
        }
        (betaCovariance, parameterCovariance) = try Self.covariances(model, at: best, p: p)
        // Λ's columns with non-negative diagonals (lme4's convention); the modes are evaluated
        // there, so that each task's effects Λû keep their sign.
        let theta = normalisedColumnSigns(Array(best[p...]), q: q)
        guard let final = model.evaluate(Array(best[..<p]) + theta) else {
            throw InputError(kind: .invalidValue, "the model's likelihood is not finite at the optimum")
        }
        let lambda = lowerFactor(theta, q: q)
        var sigma = [Double](repeating: 0, count: q * q)
        for i in 0..<q { for j in 0..<q { for k in 0..<q { sigma[i * q + j] += lambda[i * q + k] * lambda[j * q + k] } } }
        self.family = family
        beta = Array(best[..<p])
        self.theta = theta
        covariance = sigma
        logLikelihood = final.value
        modes = final.modes
        self.evaluations = evaluations
        stationarity = Self.criterion(final)
        converged = stationarity <= 1e-7
        self.quadraturePoints = quadraturePoints
    }

    /// The β block of the inverse Hessian of −ℓ (central differences of the gradient), and the
    /// whole inverse where the Hessian is positive definite.
    static func covariances(_ model: LaplaceObjective, at psi: [Double], p: Int) throws -> ([Double], [Double]?) {
        guard let hessian = hessianByCentralDifferences(at: psi, gradient: { x in model.evaluate(x).map { $0.gradient.map { -$0 } } }) else {
            throw InputError(kind: .invalidValue, "the standard errors could not be computed: the likelihood is not finite near the optimum")
        }
        if let full = try? Cholesky(hessian), let inverse = try? full.inverse() {
            return ((0..<(p * p)).map { inverse[$0 / p, $0 % p] }, inverse.elements)
        }
        guard p > 0 else { return ([], nil) }
        var block = Matrix(rows: p, columns: p)
        for i in 0..<p { for j in 0..<p { block[i, j] = hessian[i, j] } }
        guard let factor = try? Cholesky(block), let inverse = try? factor.inverse() else {
            throw InputError(kind: .invalidValue, "the shared coefficients are not identified (their information matrix is singular): are two shared columns collinear, or is an outcome separated?")
        }
        return (inverse.elements, nil)
    }

    static func criterion(_ e: LaplaceObjective.Evaluation) -> Double {
        e.gradient.reduce(0) { Swift.max($0, abs($1)) } / Swift.max(1, abs(e.value))
    }

    static func stationary(_ e: LaplaceObjective.Evaluation) -> Bool { criterion(e) <= 1e-7 }
}

/// Λ (q × q row-major, lower triangular) from θ, its lower triangle column by column.
func lowerFactor(_ theta: [Double], q: Int) -> [Double] {
    var lambda = [Double](repeating: 0, count: q * q)
    var k = 0
    for j in 0..<q { for i in j..<q { lambda[i * q + j] = theta[k]; k += 1 } }
    return lambda
}

/// θ with each column of Λ negated where its diagonal entry is negative (ΛΛᵀ is unchanged).
func normalisedColumnSigns(_ theta: [Double], q: Int) -> [Double] {
    var out = theta
    var k = 0
    for j in 0..<q {
        if out[k] < 0 { for i in 0..<(q - j) { out[k + i] = -out[k + i] } }
        k += q - j
    }
    return out
}
