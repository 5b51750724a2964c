// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A binomial formula prior with a task-level column, `y ~ x * z + (x | task)`: a new task's z
/// by `--descriptor`, by its rows, or at the meta-train average, checked against glmer.
@Suite("Task-level columns of a new task: binomial")
struct TaskLevelGLMTests {
    /// 60 tasks of 16 binary points, made with integer arithmetic only (so that the Python
    /// generator below writes the same file for R): z = (5t mod 9 − 4)/4 per task,
    /// x = (7g mod 13 − 6)/4 per row g, and y = 1 when a hash of g falls below a success
    /// percentage that rises with x, z, x·z and task effects on the intercept and the slope.
    ///
    ///     for t in range(60):
    ///         zi = (t * 5 % 9) - 4; ui = (t * 11 % 7) - 3; vi = (t * 3 % 5) - 2
    ///         for j in range(16):
    ///             g = t * 16 + j; xi = (g * 7 % 13) - 6
    ///             prob = max(3, min(97, 50 + 6 * xi + 5 * zi + (xi * zi) // 2 + 12 * ui + 5 * vi * xi))
    ///             y = 1 if (((g * 2654435761 + 12345) % 2**32) >> 8) % 100 < prob else 0
    ///             rows.append(f"{t},{xi / 4!r},{zi / 4!r},{y}")
    static func csv() -> String {
        var text = "task,x,z,y\n"
        for t in 0..<60 {
            let zi = (t * 5 % 9) - 4, ui = (t * 11 % 7) - 3, vi = (t * 3 % 5) - 2
            for j in 0..<16 {
                let g = t * 16 + j, xi = (g * 7 % 13) - 6
                let product = xi * zi
                let half = product >= 0 ? product / 2 : -((-product + 1) / 2)  // Python's floor division
                let prob = Swift.max(3, Swift.min(97, 50 + 6 * xi + 5 * zi + half + 12 * ui + 5 * vi * xi))
                let hash = ((UInt64(g) * 2_654_435_761 + 12345) % (1 << 32)) >> 8
                text += "\(t),\(Double(xi) / 4),\(Double(zi) / 4),\(hash % 100 < UInt64(prob) ? 1 : 0)\n"
            }
        }
        return text
    }

    /// glmer on the same file, written by the generator above (tight controls: the default
    /// ones stop earlier, at ℓ = −519.426189259):
    ///
    ///     m <- glmer(y ~ x * z + (x | task), data = d, family = binomial, nAGQ = 1,
    ///                control = glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12,
    ///                                       optCtrl = list(rhobeg = 0.02, rhoend = 1e-12, maxfun = 1e6)))
    ///     logLik(m)  # -519.426188945
    ///     fixef(m)   # (Intercept) -0.0590450454872, x 1.2311809754332, z 0.9668939802748, x:z 0.4895527351906
    ///     new <- data.frame(x = c(-1, 0, 0.5, 1.25), z = 0.3)
    ///     predict(m, newdata = new, re.form = NA, type = "link")
    ///         # -1.147023647395 0.231023148595 0.920046546590 1.953581643583
    ///     zbar <- mean(tapply(d$z, d$task, function(v) v[1]))  # -0.0125
    ///     predict(m, newdata = data.frame(x = c(-1, 0, 0.5, 1.25), z = zbar), re.form = NA, type = "link")
    ///         # -1.2961927864839 -0.0711312202406 0.5413995628810 1.4601957375635
    ///
    /// Our fit reaches ℓ = −519.4261805, 8.5e-6 above glmer's, with β̂ within 1e-5 of glmer's
    /// (5e-5 of a standard error): the predictors are compared to 1e-4, below 1e-3 of the SE of
    /// η (≥ 0.18 here), and far below what a wrong z moves them (0.3 in z moves η by 0.29 at x = 0).
    static let glmerAtZ = [-1.147023647395, 0.231023148595, 0.920046546590, 1.953581643583]
    static let glmerAtMean = [-1.2961927864839, -0.0711312202406, 0.5413995628810, 1.4601957375635]
    static let queryX = [-1.0, 0, 0.5, 1.25]

    static func fitted() throws -> URL {
        let frame = try FormulaFrame.parse(csv: Array(Self.csv().utf8), formula: try ModelFormula(parsing: "y ~ x * z + (x | task)"))
        let trained = try PriorTraining.train(frame, family: BinomialMixedFamily.self, request: FitRequest(),
                                              source: PriorTraining.Source(file: "d.csv", digest: nil))
        return try TaskLevelConditioningTests.directory(trained.file, files: [
            "rows.csv": "x,z,y\n-1,0.3,0\n0.5,0.3,1\n1.25,0.3,1\n0,0.3,0\n",
            "bare.csv": "x,y\n-1,0\n0.5,1\n1.25,1\n0,0\n",
            "mean.csv": "x,z,y\n-1,-0.0125,0\n0.5,-0.0125,1\n1.25,-0.0125,1\n0,-0.0125,0\n",
            "empty.csv": "x,y\n",
            "query.csv": "x\n-1\n0\n0.5\n1.25\n",
        ])
    }

    static func adapt(_ dir: URL, _ data: String, _ descriptor: DescriptorInput? = nil) throws -> Adaptation {
        try Adaptation(priorPath: dir.appendingPathComponent("prior.json").path, dataFile: dir.appendingPathComponent(data).path,
                       sampling: PosteriorSampling(method: .laplace), descriptor: descriptor)
    }

    /// The linear predictor at the prior mean, f*ᵀβ̂ (the shared-only terms' offset plus X*ν),
    /// at the query rows as the adaptation fills them: glmer's `predict(…, re.form = NA)`.
    static func populationLink(_ adapted: Adaptation, _ dir: URL) throws -> [Double] {
        let prior = try #require(adapted.taskPrior as? GeneralizedMixedPrior)
        let queries = try adapted.queries(csv: dir.appendingPathComponent("query.csv").path)
        let rows = try prior.designs(queries)
        let q = prior.taskSpecific.columnNames.count
        return (0..<queries.rows).map { i in rows.known[i] + (0..<q).reduce(0.0) { $0 + rows.specific[i * q + $1] * prior.mean[$1] } }
    }

    /// The conditioned prior's linear predictor is glmer's population-level prediction at the
    /// task's z (given by `--descriptor`) and at the average z (`--no-descriptor`), to 1e-4 (see
    /// above), and to 1e-12 the closed form β̂₀ + β̂₁x + β̂₂z + β̂₃xz from the prior's own β̂.
    @Test func theConditionedPredictorIsGlmers() throws {
        let dir = try Self.fitted()
        let prior = try PriorFile.read(dir.appendingPathComponent("prior.json").path).prior(as: GeneralizedMixedPrior.self)
        #expect(prior.taskLevel?.names == ["z"] && prior.taskLevel?.means == [-0.0125])
        #expect(prior.shared.columnNames == ["(Intercept)", "x", "z", "x:z"])
        let b = prior.beta
        func closedForm(_ z: Double) -> [Double] { Self.queryX.map { x in b[0] + b[1] * x + b[2] * z + b[3] * x * z } }
        let atZ = try Self.populationLink(try Self.adapt(dir, "bare.csv", .values(["z": 0.3])), dir)
        for (ours, glmer) in zip(atZ, Self.glmerAtZ) { #expect(abs(ours - glmer) <= 1e-4, "\(ours) vs glmer \(glmer)") }
        #expect(TaskLevelConditioningTests.close(atZ, closedForm(0.3)), "\(atZ) vs \(closedForm(0.3))")
        let average = try Self.adapt(dir, "empty.csv", .average)
        #expect(average.descriptorWarning?.contains("z = -0.0125") == true, "\(average.descriptorWarning ?? "")")
        let atMean = try Self.populationLink(average, dir)
        for (ours, glmer) in zip(atMean, Self.glmerAtMean) { #expect(abs(ours - glmer) <= 1e-4, "\(ours) vs glmer \(glmer)") }
        #expect(TaskLevelConditioningTests.close(atMean, closedForm(-0.0125)), "\(atMean) vs \(closedForm(-0.0125))")
    }

    /// Posterior (Laplace) and predictive numbers: means and sds of φ, then of p at the queries.
    static func numbers(_ adapted: Adaptation, _ dir: URL) throws -> [Double] {
        try TaskLevelConditioningTests.numbers(adapted, query: dir.appendingPathComponent("query.csv"))
    }

    /// `--descriptor z=0.3` on rows without z is the task with z = 0.3 on its rows, and
    /// `--no-descriptor` the task with the average z on its rows (to 1e-12 relative).
    @Test func descriptorAndAverageEqualTheRows() throws {
        let dir = try Self.fitted()
        let rows = try Self.numbers(try Self.adapt(dir, "rows.csv"), dir)
        let given = try Self.numbers(try Self.adapt(dir, "bare.csv", .values(["z": 0.3])), dir)
        #expect(TaskLevelConditioningTests.close(given, rows), "\(given) vs \(rows)")
        let mean = try Self.numbers(try Self.adapt(dir, "mean.csv"), dir)
        let average = try Self.numbers(try Self.adapt(dir, "bare.csv", .average), dir)
        #expect(TaskLevelConditioningTests.close(average, mean), "\(average) vs \(mean)")
        #expect(!TaskLevelConditioningTests.close(average, rows, 1e-6))
        let missing = try #require(throws: InputError.self) { _ = try Self.adapt(dir, "bare.csv") }
        #expect("\(missing)".contains("no value for the task-level column z"), "\(missing)")
    }
}
