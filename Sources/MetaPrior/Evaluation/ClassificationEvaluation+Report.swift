// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension ClassificationEvaluation {
    /// What an `evaluate --ways` report records beside the figures: the episodes scored and
    /// the priors compared.
    public struct ReportSettings: Sendable {
        /// N, classes per episode.
        public var ways: Int
        /// K, support points per class.
        public var shots: Int
        /// Q, query points per class.
        public var query: Int
        /// Episodes scored.
        public var episodes: Int
        /// Seed of the episodes.
        public var seed: UInt64
        /// The prior files, in the order of their rows.
        public var priors: [String]
        /// The data file scored.
        public var data: String
        /// Warnings given (train and test conditions that do not match).
        public var warnings: [String]

        /// Settings from their parts.
        public init(ways: Int, shots: Int, query: Int, episodes: Int, seed: UInt64, priors: [String], data: String, warnings: [String]) {
            self.ways = ways
            self.shots = shots
            self.query = query
            self.episodes = episodes
            self.seed = seed
            self.priors = priors
            self.data = data
            self.warnings = warnings
        }
    }

    /// The figures' names in the report, in column order.
    static let metricNames = ["accuracy", "nll", "brier", "ece"]

    func figures(_ s: Scores) -> [(value: Double, standardError: Double)] { [s.accuracy, s.nll, s.brier, s.ece] }

    /// The report as JSON (snake_case keys, sorted): the settings, `clusters`, and per method
    /// `{method, accuracy: {estimate, standard_error}, nll, brier, ece}`. A standard error
    /// that is undefined (one cluster) is `null`.
    /// - Parameter settings: the episodes and files the figures are for.
    public func json(_ settings: ReportSettings) throws -> [UInt8] {
        struct Figure: Encodable { var estimate: Double?; var standardError: Double? }
        struct Method: Encodable { var method: String; var accuracy, nll, brier, ece: Figure }
        struct Report: Encodable {
            var kind = "classification"
            var ways, shots, query, episodes: Int
            var seed: UInt64
            var priors: [String]
            var data: String
            var clusters: Int
            var warnings: [String]
            var methods: [Method]
        }
        func figure(_ f: (value: Double, standardError: Double)) -> Figure {
            Figure(estimate: f.value.isFinite ? f.value : nil, standardError: f.standardError.isFinite ? f.standardError : nil)
        }
        let methods = scores.map { s in
            Method(method: s.method, accuracy: figure(s.accuracy), nll: figure(s.nll), brier: figure(s.brier), ece: figure(s.ece))
        }
        let report = Report(ways: settings.ways, shots: settings.shots, query: settings.query, episodes: settings.episodes, seed: settings.seed,
                            priors: settings.priors, data: settings.data, clusters: clusters, warnings: settings.warnings, methods: methods)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(report)) + [UInt8(ascii: "\n")]
    }

    /// The report as CSV: `method,metric,estimate,standard_error`, one row per method and
    /// figure (accuracy, nll, brier, ece), an undefined standard error left empty; numbers
    /// in the shortest form that reads back to the same double.
    public func csv() -> [UInt8] {
        var writer = CSVWriter()
        writer.row(["method", "metric", "estimate", "standard_error"])
        for s in scores {
            for (name, f) in zip(Self.metricNames, figures(s)) {
                writer.field(s.method)
                writer.field(name)
                writer.field(f.value)
                if f.standardError.isFinite { writer.field(f.standardError) } else { writer.emptyField() }
                writer.endRow()
            }
        }
        return writer.bytes
    }
}
