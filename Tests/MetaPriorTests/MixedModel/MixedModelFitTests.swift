// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import MetaPrior

/// The linear mixed model against lme4 1.1 (R 4.x). References come from
///
///     ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-4, rhoend = 2e-11))
///     m <- lmer(formula, data, REML = …, control = ctl)
///     REMLcrit(m) or logLik(m); fixef(m); sqrt(diag(vcov(m))); as.data.frame(VarCorr(m))
///
/// with the tight optimiser, so that they are the optimum itself: lme4's default optimiser
/// stops earlier on flat likelihoods (Orthodont ML: logLik −216.417580756 by default against
/// −216.417580482 tight, and the intercept variance 6.99796 against 6.99462), so comparing
/// variances to 5 digits is only meaningful at the optimum. Each test asks for 5 significant
/// digits, and for a criterion at least as good as lme4's within 1e-9 relative.
@Suite("Linear mixed model (lme4 references)")
struct MixedModelFitTests {
    /// Per-task statistics with F = X = [1, x] (the formula y ~ x + (x | g)), or with only an
    /// intercept when `slope` is false.
    static func tasks(_ csv: String, y: Int, x: Int, group: Int, sharedExtra: ((([Substring]) -> Double))? = nil,
                      slope: Bool = true) -> [MixedTaskStatistics] {
        var byGroup: [(String, [[Substring]])] = []
        var index: [String: Int] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let g = String(fields[group])
            if index[g] == nil { index[g] = byGroup.count; byGroup.append((g, [])) }
            byGroup[index[g]!].1.append(fields)
        }
        return byGroup.map { _, rows in
            var f: [Double] = [], xs: [Double] = [], ys: [Double] = []
            for r in rows {
                let xv = Double(r[x])!
                let specific = slope ? [1, xv] : [1]
                f += specific + (sharedExtra.map { [$0(r)] } ?? [])
                xs += specific
                ys.append(Double(r[y])!)
            }
            let q = slope ? 2 : 1
            return MixedTaskStatistics(shared: f, p: q + (sharedExtra == nil ? 0 : 1), specific: xs, q: q, targets: ys)
        }
    }

    static func close(_ a: Double, _ b: Double, digits: Double = 5) -> Bool {
        abs(a - b) <= 0.5 * pow(10, -digits + 1) * abs(b)
    }

    @Test func sleepStudyREML() throws {
        let fit = try MixedModelFit(tasks: Self.tasks(EmbeddedData.sleepStudyCSV, y: 0, x: 1, group: 2), reml: true, diagonal: false)
        #expect(fit.converged)
        #expect(fit.criterion <= 1743.62827196 * (1 + 1e-9), "REML criterion \(fit.criterion)")
        #expect(Self.close(fit.criterion, 1743.62827196, digits: 10))
        #expect(Self.close(fit.beta[0], 251.4051048485) && Self.close(fit.beta[1], 10.4672859596))
        #expect(Self.close(fit.betaStandardErrors[0], 6.8245564) && Self.close(fit.betaStandardErrors[1], 1.5457888))
        #expect(Self.close(fit.covariance[0], 612.089893128) && Self.close(fit.covariance[3], 35.071654940))
        #expect(Self.close(fit.covariance[1], 9.604339543, digits: 4))
        #expect(Self.close(fit.noiseVariance, 654.941040192))
    }

    @Test func sleepStudyUncorrelatedREML() throws {
        let fit = try MixedModelFit(tasks: Self.tasks(EmbeddedData.sleepStudyCSV, y: 0, x: 1, group: 2), reml: true, diagonal: true)
        #expect(fit.converged)
        #expect(fit.criterion <= 1743.66929358 * (1 + 1e-9), "REML criterion \(fit.criterion)")
        #expect(Self.close(fit.covariance[0], 627.56911993) && Self.close(fit.covariance[3], 35.85819811))
        #expect(fit.covariance[1] == 0 && fit.covariance[2] == 0)
        #expect(Self.close(fit.noiseVariance, 653.58381106))
        #expect(Self.close(fit.betaStandardErrors[0], 6.8853815) && Self.close(fit.betaStandardErrors[1], 1.5595659))
    }

    @Test func sleepStudyInterceptOnlyML() throws {
        let fit = try MixedModelFit(tasks: Self.tasks(EmbeddedData.sleepStudyCSV, y: 0, x: 1, group: 2, slope: false), reml: false, diagonal: false)
        #expect(fit.converged)
        #expect(fit.logLikelihood >= -955.270529037 - 1e-9 * 955.27)
        #expect(Self.close(fit.beta[0], 298.507891667) && Self.close(fit.betaStandardErrors[0], 8.794957))
        #expect(Self.close(fit.covariance[0], 1196.436303) && Self.close(fit.noiseVariance, 1958.865192))
    }

    /// distance ~ age + Sex + (age | Subject): SexMale is a shared column only.
    static let orthodont = tasks(Orthodont.csv, y: 0, x: 1, group: 2, sharedExtra: { $0[3] == "Male" ? 1 : 0 })

    @Test func orthodontML() throws {
        let fit = try MixedModelFit(tasks: Self.orthodont, reml: false, diagonal: false)
        #expect(fit.converged)
        #expect(fit.logLikelihood >= -216.417580482 - 1e-9 * 216.4, "logLik \(fit.logLikelihood)")
        for (b, r) in zip(fit.beta, [15.489710143913, 0.660185185185, 2.145489132146]) { #expect(Self.close(b, r), "\(b) vs \(r)") }
        for (s, r) in zip(fit.betaStandardErrors, [0.919815123, 0.069921316, 0.728860088]) { #expect(Self.close(s, r), "\(s) vs \(r)") }
        #expect(Self.close(fit.covariance[0], 6.9946187759) && Self.close(fit.covariance[3], 0.0461925566))
        #expect(Self.close(fit.covariance[1], -0.4321054254))
        #expect(Self.close(fit.noiseVariance, 1.7162037139))
    }

    @Test func orthodontREML() throws {
        let fit = try MixedModelFit(tasks: Self.orthodont, reml: true, diagonal: false)
        #expect(fit.converged)
        #expect(fit.criterion <= 435.233857445 * (1 + 1e-9), "REML criterion \(fit.criterion)")
        for (b, r) in zip(fit.beta, [15.489710173895, 0.660185185185, 2.145489081553]) { #expect(Self.close(b, r), "\(b) vs \(r)") }
        for (s, r) in zip(fit.betaStandardErrors, [0.944286594, 0.071253269, 0.757453606]) { #expect(Self.close(s, r), "\(s) vs \(r)") }
        #expect(Self.close(fit.covariance[0], 7.82333287731) && Self.close(fit.covariance[3], 0.05126957588))
        #expect(Self.close(fit.noiseVariance, 1.71620378253))
    }

    @Test func collinearSharedColumnsAreAnError() {
        // The shared part [1, Days, Days]: Days twice.
        let tasks = Self.tasks(EmbeddedData.sleepStudyCSV, y: 0, x: 1, group: 2, sharedExtra: { Double($0[1])! })
        #expect(throws: InputError.self) { try MixedModelFit(tasks: tasks, reml: true, diagonal: false) }
    }
}
