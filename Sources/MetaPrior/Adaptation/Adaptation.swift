// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A new task adapted under a prior file: what `adapt` and `predict` share, for any model
/// family. Reads the prior, reads the task's rows in the prior's columns, and computes the
/// posterior p(φ | D_train, θ) through the family's ``TaskPrior``.
public struct Adaptation: Sendable {
    /// The prior file, with its digest.
    public let prior: LoadedPrior
    /// The new task's data file as the user named it (a path, or `-` for standard input).
    public let dataFile: String
    /// SHA-256 (`sha256:<hex>`) of the bytes the task's rows were read from, for the sample
    /// CSV's `data_digest` comment.
    public let dataDigest: String
    /// The new task's rows (D_train).
    public let task: TaskData
    /// Its posterior.
    public let posterior: any TaskPosterior
    /// For a classifier prior (``FewShotClassifierPrior``), the class names of the task's
    /// labels (its targets are positions in this list); `nil` otherwise.
    public let classNames: [String]?
    /// For a conjugate prior adapted with an explicit choice, θ̂ or full Bayes; `nil` for the
    /// prior file's own method.
    public let hyper: ConjugateHyperChoice?
    /// The prior the task was adapted under: the file's, or for a prior with descriptors the
    /// one at the task's z (``DescriptorInput``).
    public let taskPrior: any TaskPrior
    /// The warning of `--no-descriptor` (the average descriptor, or the average of a task-level
    /// column, was used), if any: one line per kind.
    public let descriptorWarning: String?
    /// A formula prior's task-level values for this task, which its query rows take too.
    let taskLevelValues: TaskLevelValues?

    /// Adapts the prior at `priorPath` to the task in `dataFile`.
    /// - Parameters:
    ///   - priorPath: the prior file written by `metaprior fit` (``PriorFile``).
    ///   - dataFile: a CSV with the prior's input columns and the target column: D_train, which
    ///     may hold fewer rows than parameters, or none (the posterior is then the prior).
    ///   - target: the target column (default: the prior's).
    ///   - taskID: the task to use when the file holds several (it has the prior's task column).
    ///   - sampling: how to represent a posterior without a closed form (MCMC chains or the
    ///     Laplace approximation); `nil` for the family's default. Exact posteriors ignore it.
    ///   - hyper: for a conjugate prior (``ConjugatePrior``), condition on θ̂ or mix over the
    ///     hyper-posterior; `nil` for the prior file's own method (full Bayes when it has one).
    ///   - descriptor: the new task's z for a prior with descriptors (``DescriptorInput``).
    /// - Throws: ``InputError`` for a bad prior file, missing columns, bad numbers or an
    ///   ambiguous task, an MCMC posterior that cannot be sampled, `hyper` for a prior that is
    ///   not conjugate, or full Bayes for a prior without a hyper-posterior; a prior with
    ///   descriptors and no `descriptor`, or one without and a `descriptor`.
    public init(priorPath: String, dataFile: String, target: String? = nil, taskID: String? = nil,
                sampling: PosteriorSampling? = nil, hyper: ConjugateHyperChoice? = nil, descriptor: DescriptorInput? = nil) throws {
        let prior = try LoadedPrior(path: priorPath)
        let file = prior.file
        var task: TaskData, dataDigest: String, descriptor = descriptor
        var taskLevelValues: TaskLevelValues?, taskLevelWarning: String?
        if file.prior is any FewShotClassifierPrior {
            // Labels may be text (class names) or numbers; either way they only group points.
            let read = try MetaDataset.readLabelledTaskAndDigest(csv: dataFile, inputs: file.inputs, target: target ?? file.target,
                                                                 taskColumn: file.taskColumn, taskID: taskID)
            (task, dataDigest, classNames) = (read.task, read.sourceDigest, read.classNames)
        } else {
            let read: (task: TaskData, digest: String, values: TaskLevelValues?, descriptor: DescriptorInput?, warning: String?)
            do {
                read = try TaskLevelValues.readTask(file, dataFile: dataFile, target: target, taskID: taskID, descriptor: descriptor)
            } catch let error as InputError {
                throw file.explainingMissingColumn(error, priorPath: priorPath)
            }
            (task, dataDigest, classNames) = (read.task, read.digest, nil)
            (taskLevelValues, descriptor, taskLevelWarning) = (read.values, read.descriptor, read.warning)
        }
        let resolved = try DescriptorInput.resolve(descriptor, prior: file.prior, task: task.id, taskColumn: file.taskColumn)
        taskPrior = resolved.prior
        let warnings = [taskLevelWarning, resolved.warning].compactMap { $0 }
        descriptorWarning = warnings.isEmpty ? nil : warnings.joined(separator: "\n")
        self.taskLevelValues = taskLevelValues
        self.prior = prior
        self.dataFile = dataFile
        self.dataDigest = dataDigest
        self.task = task
        self.hyper = hyper
        if let hyper {
            guard let conjugate = file.prior as? ConjugatePrior else {
                throw InputError(file: priorPath, kind: .invalidValue,
                                 "--hyper is for the conjugate models (normal_normal, beta_binomial, gamma_poisson), not \(file.prior.model)")
            }
            do {
                self.posterior = try conjugate.posterior(inputs: task.inputs, targets: task.targets, hyper: hyper)
            } catch var error as InputError where error.file == nil {
                error.file = hyper == .fullBayes && conjugate.fullBayes == nil ? priorPath : dataFile
                throw error
            }
            return
        }
        do {
            if let sampling {
                self.posterior = try taskPrior.posterior(inputs: task.inputs, targets: task.targets, sampling: sampling)
            } else {
                self.posterior = try taskPrior.posterior(inputs: task.inputs, targets: task.targets)
            }
        } catch var error as InputError where error.file == nil {
            // The prior file was validated when read; what is left is the data's fault.
            error.file = dataFile
            throw error
        }
    }

    /// What each entry of φ is, in order: the prior file's features, or for a softmax prior
    /// the weights of each of the episode's N classes (its φ has N blocks, the file names two).
    public var parameterFeatures: [String] {
        if let softmax = prior.file.prior as? SoftmaxPrior { return softmax.weightNames(classes: posterior.parameterCount / softmax.width) }
        return prior.file.features
    }

    /// `path: …` when the task's size is outside what the prior was meta-trained for; for a
    /// class prior fitted on N-way K-shot episodes, when the support set's N classes or a
    /// class's K support points differ from those.
    public var supportSizeWarning: String? {
        if prior.file.prior is any FewShotClassifierPrior {
            let counts = Dictionary(grouping: task.targets, by: { $0 }).keys.sorted().map { label in task.targets.filter { $0 == label }.count }
            return prior.file.training.classConditionsMismatch(ways: counts.count, shots: counts).map { "\(prior.path): \($0)" }
        }
        return prior.file.training.supportSizeMismatch(task.count).map { "\(prior.path): \($0)" }
    }

    /// The provenance comments of a sample CSV made by `command` with `seed`.
    public func provenance(command: String, seed: UInt64) -> [(String, String)] {
        [("metaprior", MetaPriorVersion.string), ("command", command), ("seed", "\(seed)"),
         ("prior", prior.path), ("prior_digest", prior.digest),
         ("data", dataFile), ("data_digest", dataDigest),
         ("task", "\(task.id) (\(task.count) observations)")]
            + ((prior.file.prior as? ConjugatePrior).flatMap { c in hyper.map { c.sampleComments(hyper: $0) } } ?? prior.file.prior.sampleComments)
    }

    /// Posterior draws of φ as a Stan-style CSV.
    public func drawsCSV(draws: Int, seed: UInt64, command: String) -> [UInt8] {
        PosteriorExport.drawsCSV(posterior, features: parameterFeatures, draws: draws, seed: seed,
                                 provenance: provenance(command: command, seed: seed))
    }

    /// The bytes of ``drawsCSV(draws:seed:command:)``, streamed to `write` in bounded pieces
    /// (see ``PosteriorExport/writeDrawsCSV(_:features:draws:seed:provenance:to:)``), e.g.
    /// `try AtomicFile.write(to: path) { sink in try adaptation.writeDrawsCSV(…, to: sink.write) }`.
    public func writeDrawsCSV(draws: Int, seed: UInt64, command: String,
                              to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try PosteriorExport.writeDrawsCSV(posterior, features: parameterFeatures, draws: draws, seed: seed,
                                          provenance: provenance(command: command, seed: seed), to: write)
    }

    /// The chains of an MCMC posterior (chunk c is chain c), or 0 when the draws are independent.
    public var chains: Int { (posterior as? any ChainedPosterior)?.chainCount ?? 0 }

    /// Chain `chain` (0-based) as its own Stan-style CSV, streamed to `write`; see
    /// ``PosteriorExport/writeChainCSV(_:chain:features:seed:provenance:to:)``.
    public func writeChainCSV(chain: Int, seed: UInt64, command: String, to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let chained = posterior as? any ChainedPosterior, chained.chainCount > chain else {
            throw InputError(kind: .invalidValue, "the posterior has no chain \(chain + 1)")
        }
        try PosteriorExport.writeChainCSV(chained, chain: chain, features: parameterFeatures, seed: seed,
                                          provenance: provenance(command: command, seed: seed), to: write)
    }

    /// The chains' diagnostics per parameter (empty without chains).
    public func diagnostics() throws -> [ChainDiagnostics] {
        guard let chained = posterior as? any ChainedPosterior, chained.chainCount > 0 else { return [] }
        return try chained.diagnostics()
    }

    /// The diagnostics' warnings (R̂ > 1.01, bulk or tail ESS < 400), one line each, with the
    /// parameter named as `phi.j = feature`.
    public func diagnosticWarnings() throws -> [String] {
        let features = parameterFeatures
        return try diagnostics().enumerated().flatMap { j, d in d.warnings(for: "phi.\(j + 1) = \(features[j])") }
    }

    /// Per parameter: prior and posterior mean, sd and central interval; for an MCMC
    /// posterior also `r_hat`, `ess_bulk` and `ess_tail`.
    public func summaryCSV(level: Double) throws -> [UInt8] {
        try PosteriorExport.summaryCSV(prior: try priorAsPosterior, posterior: posterior,
                                       features: parameterFeatures, level: level, diagnostics: try diagnostics())
    }

    /// Reads the query inputs of `path` (the prior's input columns; others are ignored).
    /// A formula prior's task-level columns may be left out: query rows without them take the
    /// task's values.
    public func queries(csv path: String) throws -> Matrix {
        let inputs = prior.file.inputs, levels = prior.file.prior.inputLevels
        do {
            guard let taskLevelValues else { return try MetaDataset.readInputs(csv: path, inputs: inputs, levels: levels) }
            let read = try MetaDataset.readInputs(csv: path, inputs: inputs, levels: levels, optional: taskLevelValues.names)
            return taskLevelValues.fill(read.inputs, inputNames: inputs)
        } catch let error as InputError {
            throw prior.file.explainingMissingColumn(error, priorPath: prior.path)
        }
    }

    /// The predictive mean, sd and central interval at each query row; `file`, the queries'
    /// file, is named in an error about them (query inputs too large for the basis).
    public func predictionsCSV(queries: Matrix, level: Double, file: String? = nil) throws -> [UInt8] {
        try Self.naming(file) {
            try PosteriorExport.predictionsCSV(posterior, inputNames: prior.file.inputs, queries: queries, level: level,
                                               inputLevels: prior.file.prior.inputLevels)
        }
    }

    /// Predictive draws of y at each query row; `file` as for ``predictionsCSV(queries:level:file:)``.
    public func predictiveDrawsCSV(queries: Matrix, draws: Int, seed: UInt64, command: String, file: String? = nil) throws -> [UInt8] {
        try Self.naming(file) {
            try PosteriorExport.predictiveDrawsCSV(posterior, inputNames: prior.file.inputs, queries: queries, draws: draws, seed: seed,
                                                   provenance: provenance(command: command, seed: seed), inputLevels: prior.file.prior.inputLevels)
        }
    }

    /// Runs `body`, putting `file` on an ``InputError`` that names no file.
    private static func naming<T>(_ file: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as InputError where error.file == nil {
            error.file = file
            throw error
        }
    }

    /// The bytes of ``predictiveDrawsCSV(queries:draws:seed:command:file:)``, streamed to `write` in
    /// bounded pieces.
    public func writePredictiveDrawsCSV(queries: Matrix, draws: Int, seed: UInt64, command: String, file: String? = nil,
                                        to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try Self.naming(file) {
            try PosteriorExport.writePredictiveDrawsCSV(posterior, inputNames: prior.file.inputs, queries: queries, draws: draws,
                                                        seed: seed, provenance: provenance(command: command, seed: seed),
                                                        inputLevels: prior.file.prior.inputLevels, to: write)
        }
    }

    /// The prior as a posterior with no data, under the same θ̂ or full-Bayes choice as the
    /// posterior.
    private var priorAsPosterior: any TaskPosterior {
        get throws {
            if let hyper, let conjugate = prior.file.prior as? ConjugatePrior {
                return try conjugate.posterior(inputs: Matrix(rows: 0, columns: 1), targets: [], hyper: hyper)
            }
            if let softmax = prior.file.prior as? SoftmaxPrior {
                // Its "no data" posterior would need two classes; the prior of this episode's
                // N classes' weights is N(0, I_N ⊗ V).
                return try softmax.episodePrior(classes: posterior.parameterCount / softmax.width)
            }
            return try taskPrior.asPosterior
        }
    }
}
