// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension SharingComparison {
    /// The comparison as the JSON report holds it.
    struct Report: Codable {
        var shots: Int, query: Int, episodesPerTask: Int, seed: UInt64, basis: String
        var trainingTasks: Int, tasks: [String]
        var scores: [LevelScore]
        var transfer: [TransferSummary]
    }

    /// One line on what was compared.
    public var heading: String {
        "sharing spectrum: K = \(settings.shots) support, Q = \(settings.query) query points, \(counted(settings.episodesPerTask, "episode")) per task (seed \(settings.seed)) on \(counted(tasks.count, "meta-test task")); fitted on \(counted(trainingTasks, "meta-train task")); basis \(settings.basis.description)"
    }

    /// The table of levels and the negative-transfer summary, for a person.
    public func table() -> String {
        let scores = self.scores
        var rows = [["level", "log predictive", "SE", "minus learned", "paired SE"]]
        for s in scores {
            rows.append([s.level, fourDecimals(s.logPredictive.mean), fourDecimals(s.logPredictive.se)]
                        + (s.versusLearned.map { [fourDecimals($0.mean), fourDecimals($0.se)] } ?? ["", ""]))
        }
        var lines = [heading] + Self.aligned(rows)
        lines.append("log p(y_query | y_support) / Q: mean over tasks of each task's mean over its episodes; SE over tasks; minus learned: paired by task")
        let transfer = self.transfer
        guard !transfer.isEmpty else {
            lines.append("(no negative-transfer report: independent is not among the levels)")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("")
        lines.append("negative transfer: each level minus independent, per task (SE over the task's episodes)")
        var summary = [["level", "gain", "mean gain", "total gain", "lose", "mean loss", "total loss", "hurt by > 2 SE"]]
        for t in transfer {
            summary.append([t.level, "\(t.gaining)", fourDecimals(t.meanGain), fourDecimals(t.totalGain), "\(t.losing)", fourDecimals(t.meanLoss),
                            fourDecimals(t.totalLoss), "\(t.hurt.count)"])
        }
        lines += Self.aligned(summary)
        for t in transfer where !t.hurt.isEmpty {
            let shown = t.hurt.prefix(10).joined(separator: ", ") + (t.hurt.count > 10 ? ", … (\(t.hurt.count - 10) more)" : "")
            lines.append("  \(t.level) hurts: \(shown)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Pretty JSON, sorted snake_case keys: the settings, ``scores`` and ``transfer``.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(Report(shots: settings.shots, query: settings.query, episodesPerTask: settings.episodesPerTask,
                                         seed: settings.seed, basis: settings.basis.description, trainingTasks: trainingTasks,
                                         tasks: tasks, scores: scores, transfer: transfer))
    }

    /// CSV: one `task` row per level × task (its log predictive and SE over episodes, minus
    /// independent with its paired SE) and one `summary` row per level (mean and SE over
    /// tasks, minus learned with its paired SE, and the transfer counts).
    public func csv() -> [UInt8] {
        var writer = CSVWriter()
        writer.row(["row", "level", "task", "log_predictive", "se", "minus_independent", "minus_independent_se",
                    "minus_learned", "minus_learned_se", "hurt", "gaining", "losing", "mean_gain", "mean_loss"])
        let transfer = Dictionary(uniqueKeysWithValues: self.transfer.map { ($0.level, $0) })
        for s in scores {
            let t = transfer[s.level]
            for (i, id) in tasks.enumerated() {
                writer.field("task"); writer.field(s.level); writer.field(id)
                writer.field(s.tasks[i].mean); writer.field(s.tasks[i].se)
                if let t { writer.field(t.tasks[i].mean); writer.field(t.tasks[i].se) } else { writer.emptyField(); writer.emptyField() }
                writer.emptyField(); writer.emptyField()
                if let t { writer.field(t.hurt.contains(id) ? "yes" : "no") } else { writer.emptyField() }
                for _ in 0..<4 { writer.emptyField() }
                writer.endRow()
            }
            writer.field("summary"); writer.field(s.level); writer.emptyField()
            writer.field(s.logPredictive.mean); writer.field(s.logPredictive.se)
            writer.emptyField(); writer.emptyField()
            if let v = s.versusLearned { writer.field(v.mean); writer.field(v.se) } else { writer.emptyField(); writer.emptyField() }
            if let t {
                writer.field(t.hurt.count); writer.field(t.gaining); writer.field(t.losing); writer.field(t.meanGain); writer.field(t.meanLoss)
            } else { for _ in 0..<5 { writer.emptyField() } }
            writer.endRow()
        }
        return writer.bytes
    }

    private static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }
}

/// Four decimals, for the table.
private func fourDecimals(_ value: Double) -> String { String(format: "%.4f", value) }
