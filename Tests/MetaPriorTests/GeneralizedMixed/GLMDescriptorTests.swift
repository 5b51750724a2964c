// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Task descriptors in the binomial family: β_i = B z̃_i fitted with θ, against glmer on the
/// interacted formula, and B recovered from simulated tasks.
@Suite("GLM task descriptors")
struct GLMDescriptorTests {
    /// 40 tasks of 16 Bernoulli points: g = 16t + j, x = 1.5 sin(1.7g + 0.3), the task-level
    /// z1 = cos(0.9t + 0.2), and y drawn in R (the string below is R's y, row by row):
    ///
    ///     d <- expand.grid(j = 0:15, t = 0:39); g <- d$t * 16 + d$j
    ///     d$x <- 1.5 * sin(1.7 * g + 0.3); d$z1 <- cos(0.9 * d$t + 0.2); d$task <- factor(d$t)
    ///     set.seed(16); b0 <- rnorm(40, 0, 0.6); b1 <- rnorm(40, 0, 0.6)
    ///     eta <- (-0.5 + 0.8 * d$z1 + b0[d$t + 1]) + (1 + 0.5 * d$z1 + b1[d$t + 1]) * d$x
    ///     d$y <- rbinom(nrow(d), 1, plogis(eta))
    static let responses = "0100000011001101100110110011001101110000110011110000000010000000000100000001111000110000010000001100100011001100100110011011001101110010011001101100110110000001000111111001000000010000001000001110110010001000101110011011011111101111110010110110010010001000100101010001101100101101100010101100010011001000110100100010100101000010010000000110110011011010111110010011001101101000010000001000000001000001101001000011001010001011011101110110010011011101100111011101000101110010001000101000000100011000101010101011000000111011000000000110010010001100100010011001101110000011011001110010111100010100100010000011000011000100001010000010000000000100"

    /// The data CSV (task, x, y, and z1 on every row for the formula route) and the
    /// descriptors CSV (task, z1).
    static func csv() -> (data: String, descriptors: String) {
        let y = Array(responses)
        var data = "task,x,z1,y\n", descriptors = "task,z1\n"
        for t in 0..<40 {
            let z1 = cos(0.9 * Double(t) + 0.2)
            descriptors += "\(t),\(z1)\n"
            for j in 0..<16 {
                let g = Double(t * 16 + j)
                data += "\(t),\(1.5 * sin(1.7 * g + 0.3)),\(z1),\(y[t * 16 + j])\n"
            }
        }
        return (data, descriptors)
    }

    /// A temporary file holding `text`.
    static func file(_ text: String, _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("glmdesc-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `y ~ x + (x | task)` with the descriptors file attached, fitted as `fit --model binomial`.
    static func descriptorFrame() throws -> FormulaFrame {
        let (data, descriptors) = csv()
        var frame = try FormulaFrame.parse(csv: Array(data.utf8), formula: try ModelFormula(parsing: "y ~ x + (x | task)"))
        try frame.attachDescriptors(csv: try file(descriptors, "z.csv"))
        return frame
    }

    static func descriptorFit() throws -> (prior: GeneralizedMixedPrior, fitted: FittedModel) {
        let frame = try descriptorFrame()
        var request = FitRequest()
        request.explicitSettings.insert(.descriptors)
        let fitted = try BinomialMixedFamily.fit(frame, request: request)
        return (try #require(fitted.prior as? GeneralizedMixedPrior), fitted)
    }

    /// glmer on the interacted formula, run with its inner and outer searches to convergence
    /// (as the cbpp reference in LaplaceFitTests, R 4.2, lme4 1.1-31):
    ///
    ///     m <- glmer(y ~ x * z1 + (x | task), data = d, family = binomial, nAGQ = 1,
    ///                control = glmerControl(tolPwrss = 1e-12, optimizer = "bobyqa",
    ///                                       optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))
    ///     logLik(m)            # -355.859809425
    ///     fixef(m)             # (Intercept) -0.469717902481, x 0.985509198987,
    ///                          # z1 0.588688905917, x:z1 0.635515485587
    ///     sqrt(diag(vcov(m)))  # 0.1198572067 0.1428318848 0.1639747623 0.1930957801
    ///     getME(m, "theta")    # 0.3978272991 -0.1615398221 0.5573394418
    ///
    /// (glmer's default controls stop at ℓ = −355.860181526.) B is the fixed effects: row
    /// (Intercept) is ((Intercept), z1), row x is (x, x:z1). Held as the cbpp fit is: ℓ, B̂ and θ̂
    /// to 1e-6 relative (B̂'s entries are O(1)), the SEs to 1e-4 relative (both Hessians are by
    /// differences). The same model written with z1 as a data column, y ~ x * z1 + (x | task),
    /// gives the same ℓ to 1e-9 relative: the interacted design is that formula's.
    @Test func agreesWithGlmer() throws {
        let (prior, fitted) = try Self.descriptorFit()
        #expect(fitted.converged)
        func close(_ value: Double, _ reference: Double, _ tolerance: Double, _ what: String) {
            #expect(abs(value - reference) <= tolerance * Swift.max(1, abs(reference)), "\(what): \(value) vs glmer \(reference)")
        }
        close(fitted.logMarginalLikelihood, -355.859809425, 1e-6, "logLik")
        let b = try #require(prior.descriptors)
        #expect(b.columnNames == ["(intercept)", "z1"])
        let reference = [-0.469717902481, 0.588688905917, 0.985509198987, 0.635515485587]
        let se = [0.1198572067, 0.1639747623, 0.1428318848, 0.1930957801]
        for k in 0..<4 {
            close(b.coefficients[k], reference[k], 1e-6, "B[\(k)]")
            #expect(abs(b.standardErrors[k] - se[k]) <= 1e-4 * se[k], "SE[\(k)] \(b.standardErrors[k]) vs \(se[k])")
        }
        for (value, theta) in zip(prior.theta, [0.3978272991, -0.1615398221, 0.5573394418]) { close(value, theta, 1e-6, "θ") }
        // The shared estimates are B at the average z̃ (1, z̄1).
        let zbar = b.meanDescriptor[1]
        close(prior.beta[0], reference[0] + zbar * reference[1], 1e-6, "β(z̄)[0]")

        let frame = try FormulaFrame.parse(csv: Array(Self.csv().data.utf8), formula: try ModelFormula(parsing: "y ~ x * z1 + (x | task)"))
        let plain = try BinomialMixedFamily.fit(frame, request: FitRequest())
        close(plain.logMarginalLikelihood, fitted.logMarginalLikelihood, 1e-9, "the formula's ℓ")
    }

    /// On `simulate logistic-tasks --descriptors 1` (μ = (−0.5, 1), B₁ = (0.5, −0.5)ᵀ, the
    /// default Σ; 1,500 tasks of 12 points, seed 16) every entry of B̂ is within k = 4 SE of
    /// the truth B = [[−0.5, 0.5], [1, −0.5]]: for a correct fit and SEs a miss has probability
    /// about 2.5e-4 over the four entries, and the Laplace bias at 12 Bernoulli points is well
    /// below 1 SE at 1,500 tasks (GLMRecoveryTests).
    @Test func recoversTheTrueCoefficients() throws {
        var settings = SimulationSettings(family: .logisticTasks, tasks: 1500, points: 12, seed: 16)
        settings.descriptorCoefficients = try Matrix([[0.5], [-0.5]])
        let simulated = try simulateTasks(settings)
        let plain = try GLMRecoveryTests.tasks(simulated, family: .binomial)
        let design = try DescriptorDesign(names: simulated.dataset.descriptorNames, descriptors: simulated.dataset.tasks.map(\.descriptor))
        let tasks = try plain.enumerated().map { t, task in try task.interacted(with: Array(design.rows[(2 * t)..<(2 * t + 2)]), family: .binomial) }
        let fit = try GeneralizedMixedFit(tasks: tasks, family: .binomial)
        #expect(fit.converged)
        let parts = try BinomialMixedFamily.descriptorParts(beta: fit.beta, covariance: fit.betaCovariance, p: 2, design: design)
        let truth = [-0.5, 0.5, 1, -0.5]
        for k in 0..<4 {
            #expect(abs(parts.fit.coefficients[k] - truth[k]) <= 4 * parts.fit.standardErrors[k],
                    "B entry \(k): \(parts.fit.coefficients[k]) ± \(parts.fit.standardErrors[k]) vs \(truth[k])")
        }
    }

    /// The prior file keeps B (read back bit for bit); a new task's prior is β = B̂ z̃; without a
    /// z the posterior is refused, naming the descriptor and --no-descriptor; --no-descriptor
    /// gives the average prior with a warning.
    @Test func priorFileAndNewTasks() throws {
        // Through the seam, as `fit --model binomial --descriptors` trains: the request gets
        // the descriptors setting from the frame.
        let file = try PriorTraining.train(try Self.descriptorFrame(), family: BinomialMixedFamily.self, request: FitRequest(),
                                           source: PriorTraining.Source(file: "d.csv", digest: nil)).file
        let prior = try file.prior(as: GeneralizedMixedPrior.self)
        let bytes = try file.encoded()
        let read = try PriorFile.decode(bytes, file: "p.json")
        #expect(try read.encoded() == bytes)
        let back = try read.prior(as: GeneralizedMixedPrior.self)
        #expect(back == prior)
        let b = try #require(back.descriptors)
        let at = try #require(try back.descriptorConditioned(on: [0.7]) as? GeneralizedMixedPrior)
        for j in 0..<2 {
            let expected = b.coefficients[j * 2] + 0.7 * b.coefficients[j * 2 + 1]
            #expect(abs(at.beta[j] - expected) <= 1e-12 * Swift.max(1, abs(expected)))
        }
        #expect(at.descriptors == nil && at.theta == back.theta)
        let inputs = try Matrix(rows: 1, columns: 1, elements: [0.5])
        let refused = try #require(throws: InputError.self) { try back.posterior(inputs: inputs, targets: [1]) }
        #expect("\(refused)".contains("z1") && "\(refused)".contains("--no-descriptor"))
        let average = try DescriptorInput.resolve(.average, prior: back, task: "new", taskColumn: "task")
        #expect(average.warning?.contains("--no-descriptor") == true)
        #expect(try #require(average.prior as? GeneralizedMixedPrior).beta == back.beta)
        _ = try average.prior.posterior(inputs: inputs, targets: [1], sampling: PosteriorSampling(method: .laplace))
        let none = try #require(throws: InputError.self) { try DescriptorInput.resolve(nil, prior: back, task: "new", taskColumn: "task") }
        #expect("\(none)".contains("--descriptor") && "\(none)".contains("--no-descriptor"))
    }

    /// Bad descriptors, each one InputError naming the column: constant across the tasks (B
    /// unidentifiable), a task with no row, a value that is not a finite number.
    @Test(arguments: [
        ("constant", "task,z1\n" + (0..<40).map { "\($0),2\n" }.joined(), "unidentifiable"),
        ("missing task", "task,z1\n" + (0..<39).map { "\($0),\($0)\n" }.joined(), "no descriptor row"),
        ("not finite", "task,z1\n" + (0..<40).map { "\($0),\($0 == 3 ? "inf" : "1.\($0)")\n" }.joined(), "z1"),
    ])
    func badDescriptorsAreRefused(name: String, descriptors: String, message: String) throws {
        let error = try #require(throws: InputError.self) {
            var frame = try FormulaFrame.parse(csv: Array(Self.csv().data.utf8), formula: try ModelFormula(parsing: "y ~ x + (x | task)"))
            try frame.attachDescriptors(csv: try Self.file(descriptors, "bad-\(name.count).csv"))
            var request = FitRequest()
            request.explicitSettings.insert(.descriptors)
            _ = try BinomialMixedFamily.fit(frame, request: request)
        }
        #expect("\(error)".contains(message), "\(name): \(error)")
    }

    /// The linear mixed formula family does not fit B, so it refuses descriptors by name.
    @Test func linearMixedRefusesDescriptors() throws {
        var frame = try FormulaFrame.parse(csv: Array(Self.csv().data.utf8), formula: try ModelFormula(parsing: "y ~ x + (x | task)"))
        try frame.attachDescriptors(csv: try Self.file(Self.csv().descriptors, "lmm.csv"))
        let error = try #require(throws: InputError.self) {
            _ = try PriorTraining.train(frame, family: LinearMixedFamily.self, request: FitRequest(), source: PriorTraining.Source(file: "d.csv", digest: nil))
        }
        #expect(error.column == "--descriptors")
    }
}
