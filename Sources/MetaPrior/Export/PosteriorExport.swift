// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The CSV files of adaptation and prediction, for a posterior of any family.
public enum PosteriorExport {
    /// Stan-style parameter names `phi.1` … `phi.d`.
    public static func parameterNames(_ d: Int) -> [String] { (1...Swift.max(d, 1)).prefix(d).map { "phi.\($0)" } }

    /// Posterior draws of φ: comments (`provenance` plus the parameter names), then
    /// `lp__,phi.1,…,phi.d`, one row per draw, and a last column `component` (1 … K) for a
    /// mixture posterior (``ComponentLabelledPosterior``).
    public static func drawsCSV(_ posterior: any TaskPosterior, features: [String], draws: Int, seed: UInt64,
                                provenance: [(String, String)]) -> [UInt8] {
        // Drawn and formatted chunk by chunk (the posterior's own chunks, so the same draws
        // whatever the thread count), straight into the file's bytes.
        return SampleCSV.formattedRows(prefix: drawsHead(posterior, features: features, provenance: provenance), rows: draws,
                                       columns: drawsColumns(posterior), leadingIndex: false, chunkSize: posterior.drawsPerChunk) { chunk, range, values in
            fillDraws(posterior, chunk: chunk, range: range, seed: seed, values)
        }
    }

    /// The bytes of ``drawsCSV(_:features:draws:seed:provenance:)``, identical to the byte,
    /// handed to `write` a batch of chunks at a time: memory stays a few megabytes however
    /// many draws are asked for. Give it an ``AtomicFile/Sink``'s `write`.
    public static func writeDrawsCSV(_ posterior: any TaskPosterior, features: [String], draws: Int, seed: UInt64,
                                     provenance: [(String, String)],
                                     to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try SampleCSV.streamRows(prefix: drawsHead(posterior, features: features, provenance: provenance), rows: draws,
                                 columns: drawsColumns(posterior), leadingIndex: false, chunkSize: posterior.drawsPerChunk,
                                 fill: { chunk, range, values in fillDraws(posterior, chunk: chunk, range: range, seed: seed, values) },
                                 write: write)
    }

    /// The comments and header row of the draws CSV.
    static func drawsHead(_ posterior: any TaskPosterior, features: [String], provenance: [(String, String)]) -> [UInt8] {
        let names = parameterNames(posterior.parameterCount)
        var comments = provenance
        comments.append(("parameters", zip(names, features).map { "\($0) = \($1)" }.joined(separator: ", ")))
        comments.append(("lp__", posterior.logDensityDescription))
        let labelled = posterior is any ComponentLabelledPosterior
        if labelled { comments.append(("component", "the mixture component (1, 2, ...) the draw came from")) }
        var head = CSVWriter()
        head.row(["lp__"] + names + (labelled ? ["component"] : []))
        return SampleCSV.comments(comments) + head.bytes
    }

    /// Columns of the draws CSV: lp__, φ and, for a mixture, the component.
    private static func drawsColumns(_ posterior: any TaskPosterior) -> Int {
        posterior.parameterCount + 1 + (posterior is any ComponentLabelledPosterior ? 1 : 0)
    }

    /// Rows `range` of chunk `chunk` of the draws into `values`.
    private static func fillDraws(_ posterior: any TaskPosterior, chunk: Int, range: Range<Int>, seed: UInt64,
                                  _ values: UnsafeMutablePointer<Double>) {
        guard let mixture = posterior as? any ComponentLabelledPosterior else {
            posterior.draws(chunk: chunk, range: range, seed: seed, into: values)
            return
        }
        let width = posterior.parameterCount + 1
        let rows = posterior.draws(chunk: chunk, range: range, seed: seed)
        let labels = mixture.drawComponents(chunk: chunk, range: range, seed: seed)
        for r in 0..<range.count {
            for j in 0..<width { values[r * (width + 1) + j] = rows[r * width + j] }
            values[r * (width + 1) + width] = Double(labels[r] + 1)
        }
    }

    /// Per parameter: prior and posterior mean, sd and central interval at `level`.
    /// With `diagnostics` (one per parameter, from MCMC chains), three more columns:
    /// `r_hat`, `ess_bulk`, `ess_tail`.
    public static func summaryCSV(prior: any TaskPosterior, posterior: any TaskPosterior, features: [String], level: Double,
                                  diagnostics: [ChainDiagnostics] = []) throws -> [UInt8] {
        var writer = CSVWriter()
        writer.row(["parameter", "feature", "prior_mean", "prior_sd", "posterior_mean", "posterior_sd", "lower", "upper"]
                   + (diagnostics.isEmpty ? [] : ["r_hat", "ess_bulk", "ess_tail"]))
        let before = try prior.summary(level: level), after = try posterior.summary(level: level)
        for j in 0..<posterior.parameterCount {
            writer.field("phi.\(j + 1)")
            writer.field(features[j])
            for v in [before[j].mean, before[j].standardDeviation, after[j].mean, after[j].standardDeviation, after[j].lower, after[j].upper] {
                writer.field(v)
            }
            if diagnostics.indices.contains(j) {
                for v in [diagnostics[j].rHat, diagnostics[j].bulkESS, diagnostics[j].tailESS] { writer.field(v) }
            }
            writer.endRow()
        }
        return writer.bytes
    }

    /// Predictive mean, sd and central interval at `level` for each query row; `inputNames`
    /// head the query columns, and a text input listed in `inputLevels` is written as its level.
    public static func predictionsCSV(_ posterior: any TaskPosterior, inputNames: [String], queries: Matrix, level: Double,
                                      inputLevels: [String: [String]] = [:]) throws -> [UInt8] {
        let predictive = try posterior.predictive(at: queries, level: level)
        let levels = inputNames.map { inputLevels[$0] }
        var writer = CSVWriter()
        writer.row(inputNames + ["mean", "sd", "lower", "upper"])
        for (i, point) in predictive.enumerated() {
            writeInputs(&writer, queries, row: i, levels: levels)
            for v in [point.mean, point.standardDeviation, point.lower, point.upper] { writer.field(v) }
            writer.endRow()
        }
        return writer.bytes
    }

    /// Row `i` of the query inputs: numbers, or for a text input (its `levels` given) the
    /// level whose position the number is, as the user wrote it.
    static func writeInputs(_ writer: inout CSVWriter, _ queries: Matrix, row i: Int, levels: [[String]?]) {
        for j in 0..<queries.columns {
            let value = queries[i, j]
            if let names = levels[j], let k = Int(exactly: value), names.indices.contains(k) {
                writer.field(names[k])
            } else {
                writer.field(value)
            }
        }
    }

    /// The most predictive draws (draws × query points) a predictive-draws CSV holds:
    /// 100,000,000, the bound of `--draws` for one point. The CSV has a row for each, about
    /// 6 GB at this bound.
    public static let maximumPredictiveDraws = 100_000_000

    /// Refuses more than ``maximumPredictiveDraws`` predictive draws (or a product that
    /// overflows).
    static func checkPredictiveDrawCount(draws: Int, queries: Int) throws {
        let (cells, overflow) = Swift.max(draws, 0).multipliedReportingOverflow(by: queries)
        guard !overflow, cells <= maximumPredictiveDraws else {
            throw InputError(column: "draws", kind: .invalidValue,
                             "\(draws) draws × \(queries) query points is more than \(maximumPredictiveDraws) predictive draws, a CSV row each; ask for fewer draws")
        }
    }

    /// Predictive draws of y at the query rows: columns `draw`, the query inputs, `y`; one row
    /// per draw and query point (see ``TaskPosterior/predictiveDraws(at:chunk:range:seed:)``).
    /// The bytes of ``writePredictiveDrawsCSV(_:inputNames:queries:draws:seed:provenance:inputLevels:to:)``,
    /// collected in memory.
    /// - Throws: ``InputError`` when draws × query points exceeds ``maximumPredictiveDraws``.
    public static func predictiveDrawsCSV(_ posterior: any TaskPosterior, inputNames: [String], queries: Matrix,
                                          draws: Int, seed: UInt64, provenance: [(String, String)],
                                          inputLevels: [String: [String]] = [:]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try writePredictiveDrawsCSV(posterior, inputNames: inputNames, queries: queries, draws: draws, seed: seed,
                                    provenance: provenance, inputLevels: inputLevels) { bytes.append(contentsOf: $0) }
        return bytes
    }
}
