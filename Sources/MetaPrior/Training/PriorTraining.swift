// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Meta-training end to end, for any ``ModelFamily``: take the meta-train part of the split,
/// fit θ, and describe the result as a ``PriorFile`` that records the training conditions.
public enum PriorTraining {
    /// Where the training data came from, as the prior file records it.
    public struct Source: Sendable {
        /// The data file as the user named it.
        public var file: String
        /// SHA-256 of its bytes (`sha256:…`), when known.
        public var digest: String?
        /// The column per-task weights came from, if any.
        public var weightsColumn: String?

        /// A source as the prior file's `training` object will record it.
        public init(file: String, digest: String?, weightsColumn: String? = nil) {
            self.file = file
            self.digest = digest
            self.weightsColumn = weightsColumn
        }
    }

    /// The prior file, the fit, the split used, and the report of one meta-training.
    public struct Outcome: Sendable {
        /// The prior file to write: θ, its columns, and the training conditions.
        public var file: PriorFile
        /// The fit as the family reported it: θ, the optimiser's account, notes and, for an
        /// episodic fit, its summary.
        public var fit: FittedModel
        /// The split of the data's tasks, when one was asked for.
        public var split: MetaSplit?

        /// The account of the fit for a person (several lines, no trailing newline): the
        /// prior's first line, the data, one line per stage (what it maximised, how, how it
        /// ended, its value, criterion and rank of Σ), the result — whether the fit asked for
        /// converged — then the prior's details and the notes.
        public var report: String {
            var lines: [String] = []
            var details = fit.prior.reportLines()
            if !details.isEmpty { lines.append(details.removeFirst()) }
            if fit.stages.isEmpty {
                lines.append("  from \(counted(file.tasks, "task")), \(counted(file.observations, "observation")); log marginal likelihood \(significant(file.logMarginalLikelihood, 10))")
                lines.append("  " + fit.account)
            } else {
                lines.append("  from \(counted(file.tasks, "task")), \(counted(file.observations, "observation"))")
                lines += FitStage.reportLines(fit.stages, dimension: file.features.count)
                lines.append("  \(fit.account); log marginal likelihood \(significant(file.logMarginalLikelihood, 10))")
                if fit.stages.count > 1, let e = fit.episodic {
                    lines.append("  mean log predictive density per query point on the training episodes: \(significant(e.startLogPredictive, 7)) at the marginal start → \(significant(e.logPredictive, 7))")
                }
            }
            lines += details
            lines += fit.notes.map { "  " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    /// Fits a prior of `family` to `dataset` (to the chosen part of `split`, when given).
    public static func train(_ dataset: MetaDataset, family: any ModelFamily.Type = LinearGaussianFamily.self, request: FitRequest,
                             source: Source, split: SplitRequest? = nil) throws -> Outcome {
        var data = dataset
        var madeSplit: MetaSplit?
        if let split {
            (madeSplit, data) = try split.apply(to: dataset)
        }
        var fit: FittedModel
        var request = request
        if !data.descriptorNames.isEmpty { request.explicitSettings.insert(.descriptors) }
        do {
            fit = try family.fit(data, request: request)
        } catch var error as InputError where error.file == nil && !(error.column ?? "").hasPrefix("--") {
            // A complaint about the data (not an option) is about the data file.
            error.file = source.file
            throw error
        } catch let error as GSLError {
            // Inputs are checked finite before the fit; a numerical failure left over is still
            // the data's to explain (degenerate or extreme values), so say which file.
            throw InputError(file: source.file, kind: .invalidValue,
                             "the prior cannot be fitted to these data (\(error)); check the target and input columns for extreme or degenerate values")
        }
        for column in data.taskLevelInputColumns {
            fit.notes.append("warning: the input \(InputError.quoted(column)) is constant within every task (a task-level covariate), so its task-specific coefficient cannot be estimated from any task; "
                             + "leave it out with --features, make it a shared term of a formula, or give it as a task descriptor (--descriptors)")
        }
        var training = conditions(data, request: request, source: source)
        if let split {
            training.split = split.rule.recorded
            training.splitSeed = split.rule.seed
            training.partition = split.partition
        }
        if let e = fit.episodic {
            training.startLogPredictive = e.startLogPredictive
            training.logPredictive = e.logPredictive
        }
        if !fit.stages.isEmpty { training.stages = fit.stages }
        training.timeLimit = request.timeLimit
        if dataset.omittedRows > 0 { training.rowsOmitted = dataset.omittedRows }
        if fit.stoppedAtTimeLimit { training.stoppedAtTimeLimit = true }
        return Outcome(file: PriorFile(fit: fit, dataset: data, training: training), fit: fit, split: madeSplit)
    }

    /// Fits a prior of `family` to the data a formula read (`fit --formula`). `source.digest`
    /// defaults to the digest of the bytes the frame was read from.
    public static func train(_ frame: FormulaFrame, family: any FormulaModelFamily.Type = LinearMixedFamily.self, request: FitRequest,
                             source: Source) throws -> Outcome {
        let fit: FittedModel
        var request = request
        // As for the column form: a family that does not fit B refuses descriptors, not ignores them.
        if !frame.descriptorNames.isEmpty { request.explicitSettings.insert(.descriptors) }
        do {
            fit = try family.fit(frame, request: request)
        } catch var error as InputError where error.file == nil && !(error.column ?? "").hasPrefix("--") {
            error.file = source.file
            throw error
        } catch let error as GSLError {
            throw InputError(file: source.file, kind: .invalidValue,
                             "the model cannot be fitted to these data (\(error)); check the formula's columns for extreme or degenerate values")
        }
        var training = PriorFile.TrainingConditions(objective: request.objective, dataFile: source.file,
                                                    dataDigest: source.digest ?? frame.sourceDigest, weights: nil)
        if !fit.stages.isEmpty { training.stages = fit.stages }
        training.timeLimit = request.timeLimit
        training.taskSizeMin = frame.rowsOfTask.map(\.count).min()
        training.taskSizeMax = frame.rowsOfTask.map(\.count).max()
        if frame.omittedRows > 0 { training.rowsOmitted = frame.omittedRows }
        if fit.stoppedAtTimeLimit { training.stoppedAtTimeLimit = true }
        training.trainingTaskDigests = frame.tasks.map(\.contentDigest).sorted()
        let file = PriorFile(fit: fit, target: frame.formula.response, taskColumn: frame.taskColumn, training: training)
        return Outcome(file: file, fit: fit, split: nil)
    }

    /// The linear-Gaussian fit as its own types, for programs that use θ directly (tests): the
    /// prior file and the empirical-Bayes result. The data file's digest is the one `dataset`
    /// carries (``MetaDataset/sourceDigest``); the file is not read again.
    public static func fit(_ dataset: MetaDataset, basis spec: BasisSpec, options: PriorFitOptions,
                           dataFile: String, weightsColumn: String? = nil) throws -> (file: PriorFile, result: PriorFitResult) {
        let request = FitRequest(basis: spec, options: options)
        let detail = try LinearGaussianFamily.fitInDetail(dataset, request: request)
        let training = conditions(dataset, request: request, source: Source(file: dataFile, digest: dataset.sourceDigest, weightsColumn: weightsColumn))
        return (PriorFile(fit: detail.fitted, dataset: dataset, training: training), detail.marginal)
    }

    private static func conditions(_ dataset: MetaDataset, request: FitRequest, source: Source) -> PriorFile.TrainingConditions {
        var training = PriorFile.TrainingConditions(objective: request.objective, dataFile: source.file, dataDigest: source.digest,
                                                    weights: source.weightsColumn)
        if let episodic = request.episodic {
            training.shots = episodic.shots.description
            training.query = "\(episodic.query)"
            training.ways = episodic.ways
            training.seed = episodic.seed
            training.episodes = episodic.episodes
            training.batchEpisodes = episodic.batchEpisodes
        }
        training.taskSizeMin = dataset.tasks.map(\.count).min()
        training.taskSizeMax = dataset.tasks.map(\.count).max()
        training.trainingTaskDigests = dataset.taskContentDigests
        return training
    }
}
