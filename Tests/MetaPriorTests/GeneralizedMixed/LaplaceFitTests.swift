// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The Laplace fit of a binomial GLMM against lme4, and its gradient against central differences.
@Suite("GLMM Laplace fit")
struct LaplaceFitTests {
    /// lme4's `cbpp` (contagious bovine pleuropneumonia: incidence of new cases out of herd size,
    /// 15 herds over 4 periods), exported with `write.csv(lme4::cbpp)`.
    static var rows: [(herd: Int, incidence: Double, size: Double, period: Int)] { [
        (1, 2, 14, 1), (1, 3, 12, 2), (1, 4, 9, 3), (1, 0, 5, 4), (2, 3, 22, 1), (2, 1, 18, 2),
        (2, 1, 21, 3), (3, 8, 22, 1), (3, 2, 16, 2), (3, 0, 16, 3), (3, 2, 20, 4), (4, 2, 10, 1),
        (4, 0, 10, 2), (4, 2, 9, 3), (4, 0, 6, 4), (5, 5, 18, 1), (5, 0, 25, 2), (5, 0, 24, 3),
        (5, 1, 4, 4), (6, 3, 17, 1), (6, 0, 17, 2), (6, 0, 18, 3), (6, 1, 20, 4), (7, 8, 16, 1),
        (7, 1, 10, 2), (7, 3, 9, 3), (7, 0, 5, 4), (8, 12, 34, 1), (9, 2, 9, 1), (9, 0, 6, 2),
        (9, 0, 8, 3), (9, 0, 6, 4), (10, 1, 22, 1), (10, 1, 22, 2), (10, 0, 18, 3), (10, 2, 22, 4),
        (11, 0, 25, 1), (11, 5, 27, 2), (11, 3, 22, 3), (11, 1, 22, 4), (12, 2, 10, 1), (12, 1, 8, 2),
        (12, 0, 6, 3), (12, 0, 5, 4), (13, 1, 21, 1), (13, 2, 24, 2), (13, 0, 19, 3), (13, 0, 23, 4),
        (14, 11, 19, 1), (14, 0, 2, 2), (14, 0, 3, 3), (14, 0, 2, 4), (15, 1, 19, 1), (15, 1, 15, 2),
        (15, 1, 15, 3), (15, 0, 15, 4),
    ] }

    /// cbind(incidence, size − incidence) ~ period + (1 | herd): shared columns (intercept,
    /// period2, period3, period4 — treatment contrasts), a task-specific intercept per herd.
    static func cbppTasks() throws -> [GeneralizedTask] {
        try (1...15).map { herd in
            let mine = rows.filter { $0.herd == herd }
            let shared = mine.flatMap { row in [1.0] + (2...4).map { row.period == $0 ? 1.0 : 0.0 } }
            return try GeneralizedTask(family: .binomial, shared: shared, p: 4, specific: mine.map { _ in 1.0 }, q: 1,
                                       response: mine.map(\.incidence), size: mine.map(\.size))
        }
    }

    /// The references, from R 4.2 with lme4 1.1-31 (Debian bookworm). glmer's defaults:
    ///
    ///     g <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial, data = cbpp)
    ///     logLik(g)  # -92.0265663895; fixef(g)  # -1.398342864 -0.991924975 -1.128216216 -1.579745414
    ///
    /// Those stop the inner mode search (PIRLS) at glmer's default `tolPwrss = 1e-7`, short of
    /// the mode: evaluated exactly there, the Laplace approximation is −92.02628620 (the same by
    /// an independent 1-D maximisation in SciPy), and with the inner loop run to convergence
    /// glmer moves its optimum to ours:
    ///
    ///     g2 <- update(g, control = glmerControl(tolPwrss = 1e-12, optimizer = "bobyqa",
    ///                                            optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))
    ///     logLik(g2)  # -92.0262818715
    ///     fixef(g2)   # -1.3985320592 -0.9923327942 -1.1286722331 -1.5803139390
    ///     getME(g2, "theta")  # 0.6422613859;  VarCorr(g2)$herd[1]  # 0.4124996878
    ///     coef(g2)$herd[1, 1]  # -0.8085120875
    ///
    /// So the fit is held to g2 at 1e-6 relative (both are stationary to about 1e-9), and to a
    /// log-likelihood at least the default fit's. Against the default fit's estimates the
    /// differences are 1.4e-4 to 6e-4 relative, all of them glmer's early inner stop.
    @Test func cbppMatchesGlmer() throws {
        let fit = try GeneralizedMixedFit(tasks: Self.cbppTasks(), family: .binomial)
        #expect(fit.converged, "stationarity \(fit.stationarity)")
        #expect(fit.logLikelihood >= -92.0265663895, "logLik \(fit.logLikelihood) below glmer's default fit")
        func close(_ value: Double, _ reference: Double, _ what: String) {
            #expect(abs(value - reference) <= 1e-6 * abs(reference), "\(what): \(value) vs glmer \(reference)")
        }
        close(fit.logLikelihood, -92.0262818715, "logLik")
        let beta = [-1.3985320592, -0.9923327942, -1.1286722331, -1.5803139390]
        for k in 0..<4 { close(fit.beta[k], beta[k], "β[\(k)]") }
        close(fit.theta[0], 0.6422613859, "θ")
        close(fit.covariance[0], 0.4124996878, "herd variance")
        close(fit.beta[0] + fit.theta[0] * fit.modes[0][0], -0.8085120875, "herd 1's intercept")
        // sqrt(diag(vcov(g2))) (lme4's finite-difference Hessian in (θ, β)); both Hessians are by
        // differences, so 1e-4 relative.
        let se = [0.2324717631, 0.3066421057, 0.3266373818, 0.4274357366]
        for k in 0..<4 { #expect(abs(fit.betaStandardErrors[k] - se[k]) <= 1e-4 * se[k], "SE[\(k)] \(fit.betaStandardErrors[k]) vs \(se[k])") }
    }

    /// The analytic gradient of the Laplace approximation (through the mode and W's slope)
    /// against central differences of its value, for binomial and Poisson tasks with q = 2
    /// (so that off-diagonal Λ entries are exercised). Step 1e-6: the central-difference error
    /// is O(h²·f‴), below 1e-10 of the entries here (at 1e-5 the Poisson case's was 2e-6), so 1e-6 relative is a safe margin for a correct
    /// gradient and far below any error in a term of the formula.
    @Test(arguments: ResponseFamily.allCases)
    func gradientMatchesCentralDifferences(family: ResponseFamily) throws {
        var generator = SplitMix(state: family == .binomial ? 3 : 4)
        func uniform() -> Double { Double(generator.next() >> 11) / 9007199254740992 }
        let tasks = try (0..<6).map { _ -> GeneralizedTask in
            let n = 8
            let x = (0..<n).map { _ in uniform() * 2 - 1 }
            let shared = x.flatMap { [1.0, $0 * $0] }
            let specific = x.flatMap { [1.0, $0] }
            let response = (0..<n).map { _ in family == .binomial ? Double(Int(uniform() * 6)) : Double(Int(uniform() * 5)) }
            return try GeneralizedTask(family: family, shared: shared, p: 2, specific: specific, q: 2, response: response,
                                       size: family == .binomial ? [Double](repeating: 5, count: n) : nil,
                                       offset: family == .poisson ? x.map { 0.3 * $0 } : nil)
        }
        let objective = LaplaceObjective(tasks: tasks, family: family)
        let psi = [-0.2, 0.4, 0.7, -0.3, 0.5]
        let analytic = try #require(objective.evaluate(psi)).gradient
        for k in psi.indices {
            var up = psi, down = psi
            up[k] += 1e-6; down[k] -= 1e-6
            let numeric = (try #require(objective.evaluate(up)).value - (try #require(objective.evaluate(down)).value)) / 2e-6
            #expect(abs(analytic[k] - numeric) <= 1e-6 * Swift.max(1, abs(numeric)), "∂/∂ψ[\(k)]: \(analytic[k]) vs \(numeric)")
        }
    }

    /// 600 tasks (three chunks of 256): the fit is bit-for-bit the same on one thread and on many.
    @Test func fitDoesNotDependOnThreads() throws {
        var generator = SplitMix(state: 600)
        func uniform() -> Double { Double(generator.next() >> 11 | 1) / 9007199254740992 }
        let tasks = try (0..<600).map { _ -> GeneralizedTask in
            let intercept = -0.3 + 0.7 * (uniform() - 0.5) * 3.46
            let x = (0..<6).map { _ in uniform() * 2 - 1 }
            let y = x.map { uniform() < 1 / (1 + exp(-(intercept + 0.8 * $0))) ? 1.0 : 0.0 }
            return try GeneralizedTask(family: .binomial, shared: x.flatMap { [1, $0] }, p: 2, specific: x.map { _ in 1 }, q: 1, response: y)
        }
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try GeneralizedMixedFit(tasks: tasks, family: .binomial)
        DeterministicParallel.maximumThreads = 0
        let parallel = try GeneralizedMixedFit(tasks: tasks, family: .binomial)
        #expect(serial.logLikelihood == parallel.logLikelihood && serial.beta == parallel.beta && serial.theta == parallel.theta)
        #expect(serial.converged)
    }

    /// The reported modes go with the reported (sign-normalised) θ: each herd's effect Λû equals
    /// the mode b of log p(y | β̂, b) + log N(b; 0, Σ̂), found here independently by Newton's
    /// method directly in b (q = 1, 50 steps from 0: far past convergence for this concave
    /// function), to 1e-8.
    @Test func reportedModesMatchTheReportedFactor() throws {
        let fit = try GeneralizedMixedFit(tasks: Self.cbppTasks(), family: .binomial)
        let sigma2 = fit.covariance[0]
        for (task, mode) in zip(try Self.cbppTasks(), fit.modes) {
            var b = 0.0
            for _ in 0..<50 {
                var g = -b / sigma2, h = -1 / sigma2
                for j in 0..<task.count {
                    var eta = b
                    for k in 0..<4 { eta += task.shared[j * 4 + k] * fit.beta[k] }
                    let t = ResponseFamily.binomial.terms(response: task.response[j], size: task.size[j], eta: eta)
                    g += t.score
                    h -= t.weight
                }
                b -= g / h
            }
            #expect(abs(fit.theta[0] * mode[0] - b) <= 1e-8 * Swift.max(1, abs(b)), "Λû \(fit.theta[0] * mode[0]) vs b \(b)")
        }
    }
}
