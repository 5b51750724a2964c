// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// `fit --formula` end to end in the library: the linear_mixed family behind the seam, its
/// prior file, and a new task's posterior and predictions against lme4.
///
/// References: R 4, lme4 1.1 on Orthodont read from its CSV (so Sex is text and Female, first
/// in sort order, is the reference level), with the tight optimiser of ``MixedModelFitTests``:
///
///     d <- read.csv("orthodont.csv")
///     ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-4, rhoend = 2e-11))
///     f <- lmer(distance ~ age + Sex + (age | Subject), d, REML = reml, control = ctl)
///     coef(f)$Subject["F03", c("(Intercept)", "age")]           # posterior mean of φ
///     attr(ranef(f, condVar = TRUE)$Subject, "postVar")[, , i]  # posterior covariance of φ
///     predict(f, newdata = data.frame(age = c(14, 16), Sex = c("Female", "Male"),
///                                     Subject = c("F03", "F03")))
///
/// lme4's conditional modes and variances are the posterior of b given y at θ̂ with β at β̂,
/// which is what `adapt` computes for a task's rows; agreement is asked to 5 significant
/// digits, the accuracy to which both fits locate θ̂ on this flat likelihood.
@Suite("The linear mixed family (fit --formula)")
struct LinearMixedFamilyTests {
    struct Reference: Sendable {
        var reml: Bool
        var coefF03: [Double]
        var postVarF03: [Double]
        var coefM01: [Double]
        var predictF03: [Double]
    }

    static var references: [Reference] {
        [Reference(reml: false, coefF03: [15.507635682504, 0.739293036113],
                   postVarF03: [3.7892852356780, -0.3164308093655, -0.3164308093655, 0.0293230086972],
                   coefM01: [16.472526083618, 0.799927681344], predictF03: [25.8577381881, 29.4818133925]),
         Reference(reml: true, coefF03: [15.475859360366, 0.742923482243],
                   postVarF03: [4.0595056569466, -0.3401848247671, -0.3401848247671, 0.0314412373374],
                   coefM01: [16.451650152011, 0.804066440586], predictF03: [25.8767881118, 29.5081241578])]
    }

    static func close(_ a: Double, _ b: Double, digits: Double = 5) -> Bool {
        abs(a - b) <= pow(10, -digits) * Swift.max(abs(b), 1e-3)
    }

    static func train(reml: Bool) throws -> PriorTraining.Outcome {
        let formula = try ModelFormula(parsing: "distance ~ age + Sex + (age | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), name: "orthodont.csv", formula: formula)
        var request = FitRequest()
        request.reml = reml
        return try PriorTraining.train(frame, request: request, source: PriorTraining.Source(file: "orthodont.csv", digest: nil))
    }

    /// A task's rows in the prior's input columns (age, then Sex as the position of its level).
    static func rows(of subject: String, prior: any TaskPrior) throws -> (inputs: Matrix, targets: [Double]) {
        let levels = try #require(prior.inputLevels["Sex"])
        var inputs: [Double] = [], targets: [Double] = []
        for line in Orthodont.csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f[2] == subject else { continue }
            inputs += [Double(f[1])!, Double(try #require(levels.firstIndex(of: f[3])))]
            targets.append(Double(f[0])!)
        }
        return (try Matrix(rows: targets.count, columns: 2, elements: inputs), targets)
    }

    @Test(arguments: references)
    func adaptingATrainingTaskGivesLme4sConditionalModes(reference: Reference) throws {
        let outcome = try Self.train(reml: reference.reml)
        let prior = try outcome.file.prior(as: LinearMixedPrior.self)
        #expect(outcome.file.model == "linear_mixed" && outcome.fit.converged)
        #expect(prior.inputs == ["age", "Sex"] && prior.inputLevels == ["Sex": ["Female", "Male"]])
        #expect(prior.parameterNames == ["(Intercept)", "age"] && prior.shared.columnNames == ["(Intercept)", "age", "SexMale"])
        for (subject, coef) in [("F03", reference.coefF03), ("M01", reference.coefM01)] {
            let (inputs, targets) = try Self.rows(of: subject, prior: prior)
            let posterior = try #require(try prior.posterior(inputs: inputs, targets: targets) as? LinearMixedPosterior)
            for (m, r) in zip(posterior.gaussian.mean, coef) { #expect(Self.close(m, r), "\(subject) \(m) vs \(r)") }
            if subject == "F03" {
                for (s, r) in zip(posterior.gaussian.covariance.elements, reference.postVarF03) { #expect(Self.close(s, r), "\(s) vs \(r)") }
                // lme4's predict() for subject F03: shared part at β̂ plus F03's conditional mode.
                let queries = try Matrix(rows: 2, columns: 2, elements: [14, 0, 16, 1])
                let predicted = try posterior.predictive(at: queries, level: 0.9).map(\.mean)
                for (p, r) in zip(predicted, reference.predictF03) { #expect(Self.close(p, r), "\(p) vs \(r)") }
                let joint = try posterior.jointPredictive(at: queries).mean
                for (p, r) in zip(joint, reference.predictF03) { #expect(Self.close(p, r)) }
            }
        }
    }

    @Test func thePriorFileReadsBackExactlyAndTheReportIsLme4s() throws {
        let outcome = try Self.train(reml: true)
        let bytes = try outcome.file.encoded()
        let read = try PriorFile.decode(bytes, file: "prior.json")
        #expect(read == outcome.file)
        #expect(try read.encoded() == bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"criterion\" : \"reml\"") && text.contains("\"shared_standard_errors\""))
        let report = outcome.report
        #expect(report.contains("fitted a linear mixed model by REML: distance ~ 1 + age + Sex + (1 + age | Subject)"), "\(report)")
        #expect(report.contains("SexMale") && report.contains("result: converged (the REML fit)"))
        // The REML criterion and σ̂², against lme4's (MixedModelFitTests quotes the call).
        let prior = try read.prior(as: LinearMixedPrior.self)
        #expect(-2 * read.logMarginalLikelihood <= 435.233857445 * (1 + 1e-9))
        for (s, r) in zip(prior.betaStandardErrors, [0.944286594, 0.071253269, 0.757453606]) { #expect(Self.close(s, r)) }
    }

    /// An intercept-only model (`y ~ 1 + (1 | g)`), a rough edge of the issue. lme4 reference:
    /// `lmer(distance ~ 1 + (1 | Subject), d, REML = FALSE, control = ctl)`: logLik
    /// −257.745573994, fixef 24.0231481481 (se 0.421628744149), variances 3.56736556895 and
    /// 4.92978389665.
    @Test func interceptOnly() throws {
        let formula = try ModelFormula(parsing: "distance ~ 1 + (1 | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), formula: formula)
        let outcome = try PriorTraining.train(frame, request: FitRequest(), source: PriorTraining.Source(file: "o.csv", digest: nil))
        let prior = try outcome.file.prior(as: LinearMixedPrior.self)
        #expect(outcome.file.inputs.isEmpty && prior.parameterNames == ["(Intercept)"])
        #expect(outcome.file.logMarginalLikelihood >= -257.745573994 - 1e-7 * 257.7)
        #expect(Self.close(prior.beta[0], 24.0231481481) && Self.close(prior.betaStandardErrors[0], 0.421628744149))
        #expect(Self.close(prior.gaussian.covariance[0, 0], 3.56736556895) && Self.close(prior.gaussian.noiseVariance, 4.92978389665))
        let posterior = try prior.posterior(inputs: Matrix(rows: 2, columns: 0), targets: [20, 21])
        #expect(try posterior.predictive(at: Matrix(rows: 1, columns: 0), level: 0.9).count == 1)
    }

    /// The formula `Reaction ~ Days + (Days | Subject)` is the column form's model: the same
    /// maximum likelihood (−875.9696722, lme4's, quoted in SleepStudyFitTests).
    @Test func theFormulaOfTheColumnFormGivesItsLikelihood() throws {
        let formula = try ModelFormula(parsing: "Reaction ~ Days + (Days | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(EmbeddedData.sleepStudyCSV.utf8), formula: formula)
        let outcome = try PriorTraining.train(frame, request: FitRequest(), source: PriorTraining.Source(file: "s.csv", digest: nil))
        let column = try PriorTraining.fit(try SleepStudyFitTests.sleepStudy(), basis: .linear, options: PriorFitOptions(), dataFile: "s.csv")
        #expect(abs(outcome.file.logMarginalLikelihood - column.file.logMarginalLikelihood) <= 1e-9 * 875.97)
        #expect(outcome.file.logMarginalLikelihood >= -875.9696722 - 1e-7 * 875.97)
        let mixed = try outcome.file.prior(as: LinearMixedPrior.self), linear = try column.file.prior(as: LinearGaussianPrior.self)
        for (a, b) in zip(mixed.gaussian.mean, linear.gaussian.mean) { #expect(Self.close(a, b, digits: 6)) }
        for (a, b) in zip(mixed.gaussian.covariance.elements, linear.gaussian.covariance.elements) { #expect(Self.close(a, b, digits: 5)) }
        // The same training tasks, recognised by content whichever form read them.
        #expect(outcome.file.training.trainingTaskDigests == column.file.training.trainingTaskDigests)
    }

    /// `basis(x)` with `--basis`: the formula `Reaction ~ basis(Days) + (basis(Days) | Subject)`
    /// with `poly:2` is the column form's `--basis poly:2` model (every feature task-specific):
    /// the same maximum likelihood and the same predictions; the map is stored in the prior
    /// file and a file without it is refused.
    @Test func aBasisInTheFormulaIsTheColumnFormsBasis() throws {
        let formula = try ModelFormula(parsing: "Reaction ~ basis(Days) + (basis(Days) | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(EmbeddedData.sleepStudyCSV.utf8), formula: formula)
        var request = FitRequest()
        request.basis = try BasisSpec(parsing: "poly:2")
        let outcome = try PriorTraining.train(frame, request: request, source: PriorTraining.Source(file: "s.csv", digest: nil))
        let column = try PriorTraining.fit(try SleepStudyFitTests.sleepStudy(), basis: try BasisSpec(parsing: "poly:2"),
                                           options: PriorFitOptions(), dataFile: "s.csv")
        #expect(outcome.fit.converged && column.file.converged)
        #expect(abs(outcome.file.logMarginalLikelihood - column.file.logMarginalLikelihood) <= 1e-8 * 875)
        let mixed = try outcome.file.prior(as: LinearMixedPrior.self)
        #expect(mixed.parameterNames == ["(Intercept)", "Days", "Days^2"] && mixed.inputs == ["Days"])
        let support = try Matrix(rows: 2, columns: 1, elements: [0, 3]), query = try Matrix(rows: 2, columns: 1, elements: [5, 9])
        let a = try mixed.posterior(inputs: support, targets: [250, 290]).predictive(at: query, level: 0.9)
        let b = try column.file.prior.posterior(inputs: support, targets: [250, 290]).predictive(at: query, level: 0.9)
        for (x, y) in zip(a, b) { #expect(Self.close(x.mean, y.mean, digits: 5) && Self.close(x.standardDeviation, y.standardDeviation, digits: 4)) }

        let bytes = try outcome.file.encoded()
        #expect(try PriorFile.decode(bytes, file: "p.json") == outcome.file)
        var json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        json["basis"] = nil
        #expect { try PriorFile.decode(try JSONSerialization.data(withJSONObject: json), file: "p.json") } throws: { ($0 as? InputError)?.column == "basis" }

        for (text, spec) in [("Reaction ~ Days + (Days | Subject)", "rbf:3"), ("Reaction ~ basis(Days) + (1 | Subject)", "rbf:3:auto")] {
            var bad = FitRequest()
            bad.basis = try BasisSpec(parsing: spec)
            let badFrame = try FormulaFrame.parse(csv: Array(EmbeddedData.sleepStudyCSV.utf8), formula: try ModelFormula(parsing: text))
            #expect { try LinearMixedFamily.fit(badFrame, request: bad) } throws: { ($0 as? InputError)?.column == "--basis" }
        }
        #expect(throws: InputError.self) { try ModelFormula(parsing: "y ~ basis(a) + (basis(b) | g)") }
    }

    /// `fit --time-limit`: a deadline already past stops the search at its best point, marked
    /// not converged and stopped at the time limit, in the report and the prior file.
    @Test func aPassedDeadlineStopsTheFit() throws {
        let formula = try ModelFormula(parsing: "distance ~ age + Sex + (age | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), formula: formula)
        var request = FitRequest()
        request.options.deadline = .now
        request.timeLimit = 0
        let outcome = try PriorTraining.train(frame, request: request, source: PriorTraining.Source(file: "o.csv", digest: nil))
        #expect(!outcome.file.converged && outcome.fit.stoppedAtTimeLimit && outcome.file.training.stoppedAtTimeLimit == true)
        #expect(outcome.report.contains("result: NOT converged: stopped at the time limit (the ML fit)"), "\(outcome.report)")
    }

    /// What a sample CSV says about a formula prior: which term each φ is and the shared
    /// estimates held fixed.
    @Test func sampleCommentsNameTheTermsAndTheSharedValues() throws {
        let prior = try Self.train(reml: false).file.prior
        let comments = Dictionary(uniqueKeysWithValues: prior.sampleComments)
        let shared = try #require(comments["shared"])
        #expect(shared.contains("SexMale = 2.1454") && shared.contains("no posterior"), "\(shared)")
        #expect(comments["model"]?.contains("coef()") == true)
    }

    @Test func optionsTheModelCannotHonourAreRefused() throws {
        let formula = try ModelFormula(parsing: "distance ~ age + (1 | Subject)")
        let frame = try FormulaFrame.parse(csv: Array(Orthodont.csv.utf8), formula: formula)
        var episodic = FitRequest()
        episodic.episodic = EpisodicFitOptions(shots: try ShotRange(parsing: "2"), query: 2, episodes: 10, seed: 1)
        var basis = FitRequest()
        basis.basis = try BasisSpec(parsing: "rbf:3")
        var isotropic = FitRequest()
        isotropic.options.structure = .isotropic
        for (request, option) in [(episodic, "--objective"), (basis, "--basis"), (isotropic, "--covariance")] {
            #expect { try LinearMixedFamily.fit(frame, request: request) } throws: { ($0 as? InputError)?.column == option }
        }
        var reml = FitRequest()
        reml.reml = true
        let data = try SleepStudyFitTests.sleepStudy()
        #expect { try LinearGaussianFamily.fit(data, request: reml) } throws: { ($0 as? InputError)?.column == "--reml" }
        #expect { try LinearMixedFamily.fit(data, request: FitRequest()) } throws: { ($0 as? InputError)?.column == "--formula" }
    }

    @Test func anUnseenLevelOrABadPositionIsNamed() throws {
        let prior = try Self.train(reml: false).file.prior
        let bad = try Matrix(rows: 1, columns: 2, elements: [10, 2])
        #expect { try prior.posterior(inputs: bad, targets: [20]) } throws: { ($0 as? InputError)?.column == "Sex" }
        let half = try Matrix(rows: 1, columns: 2, elements: [10, 0.5])
        #expect { try prior.posterior(inputs: half, targets: [20]) } throws: { ($0 as? InputError)?.column == "Sex" }
    }

    /// A new task's text input is read as the position of its level, by the task reader and
    /// the query reader alike, even where a level looks like a number (the fast numeric path
    /// must not read "1" as the number 1, which would be the position of level "a").
    @Test func newTaskReadersMapLevelsToPositions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mp-levels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.csv").path
        try "y,x,k\n1.5,2,a\n2.5,3,1\n3.5,4,\"a\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let levels = ["k": ["1", "a"]]
        let task = try MetaDataset.readTask(csv: path, inputs: ["x", "k"], target: "y", taskColumn: "task", levels: levels)
        #expect(task.inputs.elements == [2, 1, 3, 0, 4, 1] && task.targets == [1.5, 2.5, 3.5])
        let queries = try MetaDataset.readInputs(csv: path, inputs: ["k", "x"], levels: levels)
        #expect(queries.elements == [1, 2, 0, 3, 1, 4])
        try "y,x,k\n1.5,2,b\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try MetaDataset.readTask(csv: path, inputs: ["x", "k"], target: "y", taskColumn: "task", levels: levels) } throws: { error in
            (error as? InputError).map { $0.column == "k" && $0.line == 2 && $0.message.contains("'b'") } ?? false
        }
        #expect { try MetaDataset.readInputs(csv: path, inputs: ["k"], levels: levels) } throws: { ($0 as? InputError)?.column == "k" }
    }

    /// Hand-edited `linear_mixed` prior files: each edit is one InputError naming the key.
    @Test(arguments: [
        ("formula", "distance ~ age + (age | Subject", "formula"),
        ("formula", "distance ~ age + Sex", "formula"),
        ("formula", "distance ~ age + Sex + (age | Subject) + (1 | Sex)", "formula"),
        ("criterion", "reml2", "criterion"),
        ("shared_terms", "[\"(Intercept)\", \"age\"]", "formula"),
        ("input_levels", "{\"Sex\": [\"Male\", \"Female\"]}", "input_levels"),
        ("input_levels", "{\"Sex\": []}", "input_levels"),
        ("input_levels", "{\"Color\": [\"a\"]}", "input_levels"),
        ("mean", "[0, 0]", "mean"),
        ("shared_estimates", "[1, 2]", "shared_estimates"),
        ("shared_covariance", "[[1, 0], [0, 1]]", "shared_estimates"),
        ("covariance", "[[1, 2], [2, 1]]", "covariance"),
        ("noise_variance", "-1", "noise_variance"),
    ])
    func editedPriorFilesAreRefusedByKey(key: String, value: String, named: String) throws {
        let bytes = try Self.train(reml: false).file.encoded()
        var json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        if value.hasPrefix("[") || value.hasPrefix("{") || Double(value) != nil {
            json[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        } else {
            json[key] = value
        }
        let edited = try JSONSerialization.data(withJSONObject: json)
        #expect { try PriorFile.decode(edited, file: "prior.json") } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.file == "prior.json" && error.column == named
        }
    }
}
