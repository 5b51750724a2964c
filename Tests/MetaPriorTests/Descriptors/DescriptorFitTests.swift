// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The fit of μ_i = B z̃_i: recovery of a known B, and lme4 on the same model.
@Suite("Descriptor-conditioned fit")
struct DescriptorFitTests {
    /// On `simulate linear-gaussian` with B₁ = [[0.8, −0.5], [0.3, 0.6]], μ = (1, 2), the default Σ
    /// and σ = 0.5 (200 tasks of 8 points, seed 2026), every entry of B̂ is within 3 SE of the
    /// truth (for one fixed seed a 3-SE miss has probability about 1.6 % over the six entries,
    /// so the test can fail when B̂ or its SEs are wrong). Conditioning also raises ℓ over the
    /// unconditioned fit (the models are nested).
    @Test func recoversTheTrueCoefficients() throws {
        let (_, _, s) = try DescriptorLikelihoodTests.data(tasks: 200, points: 8, seed: 2026)
        let fit = try PriorFit.fit(s)
        #expect(fit.converged)
        let b = try #require(fit.descriptorFit)
        #expect(b.columnNames == ["(intercept)", "z1", "z2"])
        let truth = [1, 0.8, -0.5, 2, 0.3, 0.6]
        for i in truth.indices {
            #expect(abs(b.coefficients[i] - truth[i]) <= 3 * b.standardErrors[i], "B entry \(i): \(b.coefficients[i]) ± \(b.standardErrors[i])")
        }
        var plain = s
        plain.descriptors = nil
        let unconditioned = try PriorFit.fit(plain)
        #expect(fit.logMarginalLikelihood > unconditioned.logMarginalLikelihood)
        // The prior's mean is B̂ at the average descriptor.
        let average = try b.mean(descriptor: Array(b.meanDescriptor.dropFirst()))
        for (u, w) in zip(average, fit.prior.mean) { #expect(abs(u - w) <= 1e-12 * Swift.max(1, abs(u))) }
    }

    /// `--basis auto` with descriptors compares the candidates by the evidence of the
    /// conditioned model and returns that fit itself: on linear-Gaussian tasks with a known B
    /// it picks `linear` over `poly:2` and `poly:3` (which contain it; the penalty counts B's
    /// d × (q + 1) entries), and its fit is the one of the conditioned statistics at that
    /// basis — the same ℓ to 1e-12 relative (one code path, so only the order of the work
    /// could differ), with B fitted, not dropped. (The comparison `auto` runs, on three fixed
    /// candidates: the learned ones' scale searches would cost minutes in a debug build.)
    @Test func automaticBasisIsChosenByTheConditionedEvidence() throws {
        let (data, _, s) = try DescriptorLikelihoodTests.data(tasks: 40, points: 8, seed: 7)
        let options = PriorFitOptions()
        let chosen = try BasisSelection.compare([.linear, .polynomial(degree: 2), .polynomial(degree: 3)], dataset: data, options: options)
        #expect(chosen.map.spec == "linear", "\(chosen.notes.joined(separator: "\n"))")
        #expect(chosen.fit.descriptorFit != nil)
        let direct = try PriorFit.fit(s, options: BasisSelection.bounded(options, s))
        #expect(abs(chosen.fit.logMarginalLikelihood - direct.logMarginalLikelihood) <= 1e-12 * abs(direct.logMarginalLikelihood))
    }

    /// lme4 fits the same model as `y ~ x * (z1 + z2) + (x | task)` with the task-level z
    /// columns on every row. The data are deterministic (no random stream, so R builds them
    /// bit for bit the same): T = 15 tasks of n = 6 points, g = t·n + j,
    ///
    ///     x = 1.5 sin(1.7g + 0.3), z1 = cos(0.9t + 0.2), z2 = sin(2.1t + 0.5),
    ///     y = (1 + 0.8z1 − 0.5z2 + 0.7 sin(3.3t + 1)) + (2 + 0.3z1 + 0.6z2 + 0.4 cos(2.7t))·x
    ///         + 0.5 sin(7.1g + 2.2).
    ///
    /// R 4 / lme4:
    ///
    ///     d <- expand.grid(j = 0:5, t = 0:14); g <- d$t * 6 + d$j  (columns as above), task = factor(t)
    ///     m <- lmer(y ~ x * (z1 + z2) + (x | task), data = d, REML = FALSE,
    ///               control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-10)))
    ///     logLik(m)  # -71.1761737172 (df = 10)
    ///     fixef(m)   # (Intercept) 0.992596165703, x 2.029868537891, z1 0.810609802288,
    ///                # z2 -0.547899346482, x:z1 0.436902190382, x:z2 0.530993388794
    ///     sqrt(diag(vcov(m)))  # 0.13685278589 0.07114602378 0.18776862483 0.19307752869
    ///                          # 0.09714777262 0.10015481010
    ///
    /// The optimum is interior (task SDs 0.50 and 0.22, correlation −0.21), so both optimisers
    /// reach it to far better than the stated agreement: ℓ to 5 significant digits, B̂ to
    /// 1e-4 relative, the SEs to 1e-3 relative (they depend on Σ̂ to first order).
    @Test func agreesWithLme4() throws {
        let (T, n) = (15, 6)
        var tasks: [TaskData] = []
        for t in 0..<T {
            let tt = Double(t)
            let z1 = cos(0.9 * tt + 0.2), z2 = sin(2.1 * tt + 0.5)
            let b0 = 1 + 0.8 * z1 - 0.5 * z2 + 0.7 * sin(3.3 * tt + 1)
            let b1 = 2 + 0.3 * z1 + 0.6 * z2 + 0.4 * cos(2.7 * tt)
            var x: [Double] = [], y: [Double] = []
            for j in 0..<n {
                let g = Double(t * n + j)
                let xv = 1.5 * sin(1.7 * g + 0.3)
                x.append(xv)
                y.append(b0 + b1 * xv + 0.5 * sin(7.1 * g + 2.2))
            }
            tasks.append(TaskData(id: String(t), inputs: try Matrix(rows: n, columns: 1, elements: x), targets: y, descriptor: [z1, z2]))
        }
        let data = MetaDataset(inputNames: ["x"], targetName: "y", descriptorNames: ["z1", "z2"], tasks: tasks)
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let s = try TaskStatistics(dataset: data, featureMap: map).conditioned(on: data)
        let fit = try PriorFit.fit(s)
        #expect(fit.converged)
        #expect(abs(fit.logMarginalLikelihood - -71.1761737172) <= 5e-5 * 71.18)
        let b = try #require(fit.descriptorFit)
        // B row-major d×p: (intercept, z1, z2) for the intercept feature, then for x.
        let lme4 = [0.992596165703, 0.810609802288, -0.547899346482, 2.029868537891, 0.436902190382, 0.530993388794]
        let lme4SE = [0.13685278589, 0.18776862483, 0.19307752869, 0.07114602378, 0.09714777262, 0.10015481010]
        for i in lme4.indices {
            #expect(abs(b.coefficients[i] - lme4[i]) <= 1e-4 * abs(lme4[i]), "B entry \(i)")
            #expect(abs(b.standardErrors[i] - lme4SE[i]) <= 1e-3 * lme4SE[i], "SE entry \(i)")
        }
    }
}
