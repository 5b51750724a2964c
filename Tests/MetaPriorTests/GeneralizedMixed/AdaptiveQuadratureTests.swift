// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Adaptive Gauss–Hermite quadrature (nAGQ) against lme4 and against the exact integral.
@Suite("GLMM adaptive quadrature")
struct AdaptiveQuadratureTests {
    /// R 4.2, lme4 1.1-31, the inner loop run to convergence as in ``LaplaceFitTests``:
    ///
    ///     g25 <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial,
    ///                  data = cbpp, nAGQ = 25, control = glmerControl(tolPwrss = 1e-12,
    ///                  optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))
    ///     fixef(g25)  # -1.3992304677 -0.9914036526 -1.1278194661 -1.5794707027
    ///     VarCorr(g25)$herd[1]  # 0.4192801716
    ///
    /// (glmer's defaults give −1.39922373, −0.99140888, −1.12780959, −1.57948095 and 0.41928204:
    /// within 1e-5 of these.) lme4's logLik for nAGQ > 1 adds a constant, so only the estimates
    /// are compared, at 1e-6 relative.
    @Test func cbppWith25PointsMatchesGlmer() throws {
        let fit = try GeneralizedMixedFit(tasks: LaplaceFitTests.cbppTasks(), family: .binomial, quadraturePoints: 25)
        #expect(fit.converged, "stationarity \(fit.stationarity)")
        let beta = [-1.3992304677, -0.9914036526, -1.1278194661, -1.5794707027]
        for k in 0..<4 { #expect(abs(fit.beta[k] - beta[k]) <= 1e-6 * abs(beta[k]), "β[\(k)] \(fit.beta[k]) vs \(beta[k])") }
        #expect(abs(fit.covariance[0] - 0.4192801716) <= 1e-6 * 0.42, "herd variance \(fit.covariance[0])")
    }

    /// One herd's log p(y | β, Λ) by 25-point quadrature equals the integral by GSL's QAGS to
    /// 1e-9 (the 25-point rule is exact for this smooth integrand to far below that), and
    /// one point reproduces the Laplace value exactly.
    @Test func quadratureMatchesTheExactIntegral() throws {
        let task = try LaplaceFitTests.cbppTasks()[0]
        let beta = [-1.4, -1.0, -1.1, -1.6], lambda = [0.9]
        let agq = try #require(task.adaptiveGaussHermite(family: .binomial, beta: beta, lambda: lambda, start: [0],
                                                         rule: GaussHermiteRule(points: 25)))
        let one = try #require(task.adaptiveGaussHermite(family: .binomial, beta: beta, lambda: lambda, start: [0],
                                                         rule: GaussHermiteRule(points: 1)))
        let laplace = try #require(task.laplace(family: .binomial, beta: beta, lambda: lambda, start: [0], gradient: false))
        #expect(abs(one.value - laplace.value) <= 1e-12 * abs(laplace.value))
        // ∫ p(y | u) N(u; 0, 1) du on [−12, 12] (the normal factor is below 1e-31 outside).
        let exact = try integrate(from: -12, to: 12, relativeTolerance: 1e-13) { u -> Double in
            var l = task.constant - 0.5 * u * u - 0.5 * log(2 * Double.pi)
            for j in 0..<task.count {
                var eta = lambda[0] * u
                for k in 0..<4 { eta += task.shared[j * 4 + k] * beta[k] }
                l += ResponseFamily.binomial.terms(response: task.response[j], size: task.size[j], eta: eta).logLikelihood
            }
            return exp(l)
        }.value
        #expect(abs(agq.value - log(exact)) <= 1e-9, "quadrature \(agq.value) vs exact \(log(exact))")
        #expect(abs(laplace.value - log(exact)) > 1e-6, "the Laplace value should differ visibly here")
    }
}
