// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior statistics`: reduce a shard of rows to per-task sufficient statistics, for
/// `fit --statistics` (and for a distributed engine such as Spark to run per partition).
struct StatisticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statistics",
        abstract: "Reduce tasks to per-task sufficient statistics (n, yᵀy, Φᵀy, ΦᵀΦ) that fit --statistics reads and merges.",
        discussion: """
        The linear-Gaussian model's likelihood depends on a task's rows only through n_i, c_i = yᵀy, b_i = Φᵀy and A_i = ΦᵀΦ (Φ the task's features), and each is a sum over rows: the statistics of one task from two shards add up. So a data set too large for one machine is reduced shard by shard (here or in Spark: examples/spark/statistics.py), and `fit --statistics s1.csv s2.csv …` fits θ from the merged sums, the same prior as `fit` on all the rows.

        The file (format version 1) is a `# metaprior-statistics {…}` line (JSON: format_version, family, target, task_column, feature_map, feature_map_digest), the column names `task,n,c,b_1,…,b_d,A_1_1,A_1_2,…,A_d_d` (A's upper triangle, row by row), and one row per task, numbers in the shortest form that reads back exactly.

        Every shard must use the same feature map. linear and poly:P depend on nothing but the inputs; rbf, fourier and rff place their centres, period or centring from the data, so fix them first with --basis-from (a prior file, e.g. from `fit` on a sample, or a statistics file).

        Only --model linear_gaussian has exact statistics; the formula, generalised, classification and conjugate families are refused.

        Example:
          metaprior statistics --data shard1.csv --output stats1.csv
          metaprior fit --statistics stats1.csv stats2.csv --output prior.json
        """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Model family (only \(LinearGaussianFamily.name) has exact sufficient statistics).", valueName: "name"))
    var model: String = LinearGaussianFamily.name

    @Option(help: ArgumentHelp("An lme4 formula: not available (statistics of shared terms are not in format 1).", valueName: "formula"))
    var formula: String?

    @Option(help: ArgumentHelp("Feature basis: linear (default) or poly:P. Bases placed from the data (rbf, fourier, rff) need --basis-from.", valueName: "spec"),
            transform: parsing(BasisSpec.init(parsing:)))
    var basis: BasisSpec?

    @Option(help: ArgumentHelp("Take the feature map from this prior file (its basis) or statistics file (its header), so every shard uses the same features.", valueName: "file"))
    var basisFrom: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the statistics here (default: standard output).", valueName: "file"))
    var output: String?

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        try dataOptions.requireData()
        guard model == LinearGaussianFamily.name else {
            guard ModelRegistry.names.contains(model) else {
                throw ValidationError("--model must be one of \(ModelRegistry.names.joined(separator: ", ")), not \(InputError.quoted(model))")
            }
            throw ValidationError("sufficient statistics are not available for --model \(model): only \(LinearGaussianFamily.name) is exact in per-task sums (its fit reads nothing else); fit \(model) from the rows")
        }
        if formula != nil {
            throw ValidationError("--formula: statistics are not available for the formula (linear_mixed) family yet; format 1 holds the task-specific terms of the column form only")
        }
        if basis != nil && basisFrom != nil { throw ValidationError("give --basis or --basis-from, not both") }
        if dataOptions.targets != nil || dataOptions.descriptors != nil || dataOptions.oneHot {
            throw ValidationError("--targets, --descriptors and --one-hot are not available for statistics (format 1 holds one target and no descriptors)")
        }
        switch basis ?? .linear {
        case .linear, .polynomial: break
        case .automatic, .learned:
            throw ValidationError("--basis \(basis?.description ?? ""): a basis chosen or tuned by evidence needs every row at once; fit it on a sample (metaprior fit --basis \(basis?.description ?? "") --data sample.csv -o prior.json) and pass --basis-from prior.json")
        case .pca:
            throw ValidationError("--basis \(basis?.description ?? ""): pca is a basis of the class families, which have no statistics here")
        case .radial, .fourier, .randomFourier:
            throw ValidationError("--basis \(basis?.description ?? ""): this basis places its centres, period or centring from the data, so each shard would get different features; fix the map first (metaprior fit --basis \(basis?.description ?? "") on a sample, or any prior file with that basis) and pass --basis-from prior.json")
        }
    }

    func run() throws {
        let outputs = try CLIOutput.prepare([output])
        let fixed = try basisFrom.map(Self.featureMap(from:))
        var options = dataOptions.readOptions()
        if let fixed, dataOptions.features == nil { options.featureColumns = fixed.inputNames }
        // Streamed: memory holds the per-task sums, not the rows.
        let read = try StreamingStatistics(path: dataOptions.data, options: options) { inputs in
            do {
                return try fixed ?? FeatureMap(spec: basis ?? .linear, inputNames: inputs, trainingInputs: [])
            } catch var error as InputError where error.file == nil && !(error.column ?? "").hasPrefix("--") {
                error.file = dataOptions.data
                throw error
            }
        }
        for note in read.notes { CLIOutput.note(note) }
        let statistics = read.statistics
        try outputs.write(try statistics.csvBytes(), to: output)
        try outputs.commit()
        let rows = statistics.counts.reduce(0, +)
        if read.omittedRows > 0 { reporting.say("note: \(read.omittedRows) rows with a missing value omitted (--na-action omit)") }
        reporting.say("statistics of \(statistics.taskCount) tasks (\(rows) rows) under the basis '\(statistics.header.featureMap.spec)' (d = \(statistics.dimension))"
                      + (output.map { $0 == "-" ? "" : " written to \($0)" } ?? ""))
    }

    /// The feature map a prior file (its `basis`) or a statistics file (its header) records.
    static func featureMap(from path: String) throws -> FeatureMap {
        let head = FileHandle(forReadingAtPath: path).map { handle in
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 22)) ?? Data()
        }
        if let head, head == Data("# metaprior-statistics".utf8) {
            return try SufficientStatistics.read(file: path).header.featureMap
        }
        let prior = try PriorFile.read(path)
        guard let linear = prior.prior as? LinearGaussianPrior else {
            throw InputError(file: path, column: "model", kind: .invalidValue, "is \(InputError.quoted(prior.model)); --basis-from takes the basis of a \(LinearGaussianFamily.name) prior")
        }
        return linear.basis
    }
}
