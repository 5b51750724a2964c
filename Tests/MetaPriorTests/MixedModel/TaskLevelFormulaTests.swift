// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A formula can name task-level columns (constant within every task) as shared terms and
/// interact them with the task-specific ones: the linear mixed family then fits the
/// descriptor-conditioned prior mean, as lmer does.
@Suite("Task-level columns in formulas")
struct TaskLevelFormulaTests {
    /// The deterministic data of DescriptorFitTests.agreesWithLme4 (T = 15 tasks of 6 points),
    /// with z1 and z2 on every row of their task.
    static func csv() -> String {
        var text = "task,x,z1,z2,y\n"
        for t in 0..<15 {
            let tt = Double(t)
            let z1 = cos(0.9 * tt + 0.2), z2 = sin(2.1 * tt + 0.5)
            let b0 = 1 + 0.8 * z1 - 0.5 * z2 + 0.7 * sin(3.3 * tt + 1)
            let b1 = 2 + 0.3 * z1 + 0.6 * z2 + 0.4 * cos(2.7 * tt)
            for j in 0..<6 {
                let g = Double(t * 6 + j)
                let x = 1.5 * sin(1.7 * g + 0.3)
                text += "\(t),\(x),\(z1),\(z2),\(b0 + b1 * x + 0.5 * sin(7.1 * g + 2.2))\n"
            }
        }
        return text
    }

    /// lmer's fit of the same data (the R call and its numbers are in DescriptorFitTests):
    ///
    ///     lmer(y ~ x * (z1 + z2) + (x | task), data = d, REML = FALSE,
    ///          control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-10)))
    ///     logLik(m)  # -71.1761737172
    ///     fixef(m)   # (Intercept) 0.992596165703, x 2.029868537891, z1 0.810609802288,
    ///                # z2 -0.547899346482, x:z1 0.436902190382, x:z2 0.530993388794
    ///
    /// held as the formula-vs-lme4 tests hold a fit (LinearMixedFamilyTests): the estimates to
    /// 5 significant digits, ℓ at least lmer's within 1e-9 relative. The same model through
    /// `--descriptors` (linear_gaussian) reaches the same ℓ, checked there to 5e-5.
    @Test func interactedTaskLevelColumnsMatchLmer() throws {
        let frame = try FormulaFrame.parse(csv: Array(Self.csv().utf8), formula: try ModelFormula(parsing: "y ~ x * z1 + x * z2 + (x | task)"))
        let fitted = try LinearMixedFamily.fit(frame, request: FitRequest())
        #expect(fitted.converged)
        #expect(fitted.logMarginalLikelihood >= -71.1761737172 - 1e-9 * 71.18, "ℓ \(fitted.logMarginalLikelihood)")
        #expect(LinearMixedFamilyTests.close(fitted.logMarginalLikelihood, -71.1761737172))
        let prior = try #require(fitted.prior as? LinearMixedPrior)
        let lme4: [String: Double] = ["(Intercept)": 0.992596165703, "x": 2.029868537891, "z1": 0.810609802288,
                                      "z2": -0.547899346482, "x:z1": 0.436902190382, "x:z2": 0.530993388794]
        #expect(Set(prior.shared.columnNames) == Set(lme4.keys), "\(prior.shared.columnNames)")
        for (name, value) in zip(prior.shared.columnNames, prior.beta) {
            #expect(LinearMixedFamilyTests.close(value, lme4[name] ?? .nan), "\(name): \(value) vs lmer \(lme4[name] ?? .nan)")
        }
    }
}
