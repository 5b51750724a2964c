// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// `metaprior demo`: the main job on embedded data, end to end — meta-train a prior, adapt it
/// to a new task from a few points, export draws and predictions — on the sleep-study data
/// (real, with lme4 as the reference) and on simulated sinusoid tasks (the MAML family).
public struct DemoJob {
    /// Where the files go.
    public var outputDirectory: String
    /// Seed of the simulation and of the draws.
    public var seed: UInt64 = 1
    /// Posterior draws to write per task.
    public var draws: Int = 1000
    /// Called with progress lines.
    public var progress: ((String) -> Void)?

    /// A demo that writes its files into `outputDirectory` (created if missing), with seed 1 and
    /// 1000 draws per task.
    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }

    func path(_ name: String) -> String { (outputDirectory as NSString).appendingPathComponent(name) }

    /// Runs both parts and returns the report. The files are staged as they are made and
    /// moved into place together at the end, so a run that fails writes none of them (and
    /// removes the directory again if it made it).
    /// - Throws: ``InputError`` naming the directory when it is a file or cannot be made.
    public func run() throws -> String {
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: outputDirectory, isDirectory: &isDirectory)
        if existed && !isDirectory.boolValue {
            throw InputError(file: outputDirectory, kind: .invalidValue, "is a file, not a directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            let reason = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            throw InputError(file: outputDirectory, kind: .unreadable, "cannot create the directory" + (reason.map { ": \($0)" } ?? ""))
        }
        let files = AtomicFile.Group()
        do {
            let report = try sleepStudy(files) + "\n" + sinusoid(files)
            try files.commit()
            return report + "\nFiles are in \(outputDirectory)/. Read the draws with pandas.read_csv(path, comment=\"#\") or arviz.from_cmdstan(path).\n"
        } catch {
            files.discard()
            if !existed { rmdir(outputDirectory) }  // only if still empty
            throw error
        }
    }

    /// Part 1: subjects of the sleep study as tasks; subject 308 is held out and adapted to
    /// from its first 3 days only.
    func sleepStudy(_ files: AtomicFile.Group) throws -> String {
        progress?("sleep study: fitting the prior over 18 subjects")
        let options = CSVReadOptions(taskColumn: "Subject", targetColumn: "Reaction", featureColumns: ["Days"])
        var all = try MetaDataset.parse(csv: Array(EmbeddedData.sleepStudyCSV.utf8), name: "sleepstudy.csv", options: options)
        let sleepStudyFile = EmbeddedData.sleepStudyCSV + "\n"
        try files.stage(sleepStudyFile, to: path("sleepstudy.csv"))
        // The priors record the digest of the file written, from the bytes written.
        all.sourceDigest = Digest.sha256(Array(sleepStudyFile.utf8))
        let full = try fit(all, basis: .linear, dataFile: path("sleepstudy.csv"))
        try files.stage(try full.file.encoded(), to: path("sleepstudy-prior.json"))
        let fullPrior = try full.file.prior(as: LinearGaussianPrior.self).gaussian

        // Hold out subject 308: meta-train on the other 17, adapt from days 0–2, predict days 3–9.
        var train = all
        train.tasks.removeAll { $0.id == "308" }
        guard let heldOut = all.tasks.first(where: { $0.id == "308" }) else { throw InputError("subject 308 is missing from the embedded data") }
        var trainCSV = CSVWriter()
        trainCSV.row(["Reaction", "Days", "Subject"])
        for task in train.tasks { for i in 0..<task.count { trainCSV.field(task.targets[i]); trainCSV.field(task.inputs[i, 0]); trainCSV.field(task.id); trainCSV.endRow() } }
        try files.stage(Data(trainCSV.bytes), to: path("sleepstudy-without-308.csv"))
        train.sourceDigest = Digest.sha256(trainCSV.bytes)
        let file = try fit(train, basis: .linear, dataFile: path("sleepstudy-without-308.csv")).file
        try files.stage(try file.encoded(), to: path("sleepstudy-prior-without-308.json"))
        let support = try heldOut.rows(0..<3)
        let posterior = try file.prior.posterior(inputs: support.inputs, targets: support.targets)
        let adapted308 = try posterior.summary(level: 0.9)
        let provenance: [(String, String)] = [("metaprior", MetaPriorVersion.string), ("command", "metaprior demo"),
                                              ("seed", "\(seed)"), ("prior", "sleepstudy-prior-without-308.json"),
                                              ("task", "308, days 0-2 (3 observations)")]
        try files.stage(Data(PosteriorExport.drawsCSV(posterior, features: file.features, draws: draws, seed: seed, provenance: provenance)),
                             to: path("sleepstudy-308-samples.csv"))
        try files.stage(Data(try PosteriorExport.predictionsCSV(posterior, inputNames: file.inputs, queries: heldOut.inputs, level: 0.9)),
                             to: path("sleepstudy-308-predictions.csv"))
        // Leave each subject out in turn: meta-train on the other 17, adapt from days 0–2,
        // score days 3–9 — the learned prior against each subject's own least squares.
        var squares = (prior: 0.0, alone: 0.0), covered = 0, scored = 0
        for heldOutTask in all.tasks {
            var others = all
            others.tasks.removeAll { $0.id == heldOutTask.id }
            let otherPrior = try fit(others, basis: .linear, dataFile: path("sleepstudy.csv")).file.prior(as: LinearGaussianPrior.self)
            let first = try heldOutTask.rows(0..<3), rest = try heldOutTask.rows(3..<heldOutTask.count)
            let adapted = try otherPrior.posterior(inputs: first.inputs, targets: first.targets)
            let score = try PredictionScore(posterior: adapted, inputs: rest.inputs, targets: rest.targets, level: 0.9)
            let alone = try PredictionScore.leastSquaresRMSE(support: first, query: rest, basis: otherPrior.basis)
            squares.prior += score.mse * Double(score.count)
            squares.alone += alone * alone * Double(score.count)
            covered += score.covered
            scored += score.count
        }

        return """
        1. Sleep study (Belenky et al. 2003; 18 subjects × 10 days, reaction time in ms)
           Prior over (intercept, slope per day) fitted to all 18 subjects:
             mean (\(f(fullPrior.mean[0]))  \(f(fullPrior.mean[1]))), sd (\(f(fullPrior.standardDeviations[0]))  \(f(fullPrior.standardDeviations[1]))), noise sd \(f(fullPrior.noiseVariance.squareRoot()))
             log marginal likelihood \(f(full.fit.logMarginalLikelihood, 10)) — lme4 1.1-31 lmer(Reaction ~ Days + (Days | Subject), REML = FALSE) gives -875.9697
             \(fitAccount(full, indent: "     "))
           Few-shot test, each subject held out in turn (prior from the other 17, adapted from days 0–2):
             predicting days 3–9: RMSE \(f((squares.prior / Double(scored)).squareRoot())) ms with the learned prior, \(f((squares.alone / Double(scored)).squareRoot())) ms from the 3 days alone (least squares);
             \(covered) of \(scored) held-out days inside the 90% predictive interval
           Example files: subject 308 adapted from days 0–2 (posterior mean \(f(adapted308[0].mean))  \(f(adapted308[1].mean)), sd \(f(adapted308[0].standardDeviation))  \(f(adapted308[1].standardDeviation)))

        """
    }

    /// Part 2: simulated sinusoid tasks y = A sin(x − p); a generic RBF basis, 5-shot adaptation.
    func sinusoid(_ files: AtomicFile.Group) throws -> String {
        let tasks = 1000, points = 10, shots = 5
        progress?("sinusoid: simulating \(tasks) tasks and fitting the prior (basis rbf:10)")
        let simulated = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: tasks, points: points, seed: seed, noise: 0.1))
        let trainingCSV = simulated.tasksCSV()
        try files.stage(Data(trainingCSV), to: path("sinusoid-train.csv"))
        var training = simulated.dataset
        training.sourceDigest = Digest.sha256(trainingCSV)
        var options = PriorFitOptions()
        options.maximumIterations = 300
        let trained = try fit(training, basis: .radial(centres: 10, width: nil), options: options, dataFile: path("sinusoid-train.csv"))
        let (file, fit) = (trained.file, trained.fit)
        try files.stage(try file.encoded(), to: path("sinusoid-prior.json"))

        // A new task from another seed: K = 5 noisy support points, the true curve on a grid.
        let new = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 1, points: shots, seed: seed &+ 1_000_003, noise: 0.1))
        guard case .number(let amplitude) = new.parameters[0][0][0], case .number(let phase) = new.parameters[0][0][1] else {
            throw InputError("the sinusoid simulator gave no amplitude and phase")
        }
        let task = new.dataset.tasks[0]
        try files.stage(Data(new.tasksCSV()), to: path("sinusoid-new-task.csv"))
        let grid = try Matrix(rows: 101, columns: 1, elements: (0...100).map { -5 + 0.1 * Double($0) })
        let truth = grid.elements.map { amplitude * sin($0 - phase) }
        let posterior = try file.prior.posterior(inputs: task.inputs, targets: task.targets)
        let provenance: [(String, String)] = [("metaprior", MetaPriorVersion.string), ("command", "metaprior demo"),
                                              ("seed", "\(seed)"), ("prior", "sinusoid-prior.json"),
                                              ("task", "new sinusoid task, amplitude \(amplitude), phase \(phase) (\(shots) observations)")]
        try files.stage(Data(PosteriorExport.drawsCSV(posterior, features: file.features, draws: draws, seed: seed, provenance: provenance)),
                             to: path("sinusoid-new-samples.csv"))
        try files.stage(Data(try PosteriorExport.predictionsCSV(posterior, inputNames: file.inputs, queries: grid, level: 0.9)),
                             to: path("sinusoid-new-predictions.csv"))
        let score = try PredictionScore(posterior: posterior, inputs: grid, targets: truth, level: 0.9)
        let priorScore = try PredictionScore(posterior: try file.prior.asPosterior, inputs: grid, targets: truth, level: 0.9)
        return """
        2. Sinusoid tasks (MAML family: y = A sin(x − p) + N(0, 0.1²), A ~ U[0.1, 5], p ~ U[0, π], x ~ U[−5, 5])
           Prior fitted to \(tasks) simulated tasks × \(points) points with a generic basis (rbf:10, 11 parameters):
             noise sd \(f(try file.prior(as: LinearGaussianPrior.self).gaussian.noiseVariance.squareRoot())) (true 0.1); log marginal likelihood \(f(fit.logMarginalLikelihood, 8))
             \(fitAccount(trained, indent: "     "))\(fit.converged ? "" : "\n     (the family has 2 degrees of freedom, so Σ is nearly singular and the likelihood is flat along its vanishing directions)")
           New task (A = \(f(amplitude, 3)), p = \(f(phase, 3))) from \(shots) points:
             RMSE against the true curve on [−5, 5]: \(f(score.rmse, 3)) adapted, \(f(priorScore.rmse, 3)) before adapting (prior mean)

        """
    }

    /// Meta-trains a linear-Gaussian prior through the model-family seam.
    private func fit(_ dataset: MetaDataset, basis: BasisSpec, options: PriorFitOptions = PriorFitOptions(),
                     dataFile: String) throws -> PriorTraining.Outcome {
        try PriorTraining.train(dataset, family: LinearGaussianFamily.self, request: FitRequest(basis: basis, options: options),
                                source: PriorTraining.Source(file: dataFile, digest: dataset.sourceDigest))
    }

    /// The fit's stage lines and result, worded as `fit` reports them (``FitStage``).
    private func fitAccount(_ outcome: PriorTraining.Outcome, indent: String) -> String {
        (FitStage.reportLines(outcome.fit.stages, dimension: outcome.file.features.count, indent: "") + [outcome.fit.account])
            .joined(separator: "\n" + indent)
    }

    private func f(_ x: Double, _ digits: Int = 5) -> String { String(format: "%.\(digits)g", x) }
}
