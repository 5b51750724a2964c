// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A mean with its standard error.
public struct MeanWithError: Sendable, Equatable, Codable {
    /// The mean.
    public var mean: Double
    /// Its standard error: sd/√n of the values averaged.
    public var se: Double

    /// Mean and SE of `values` (at least two).
    init(_ values: [Double]) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let squares = values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) }
        self.mean = mean
        se = (squares / (n - 1)).squareRoot() / n.squareRoot()
    }
}

/// One level's scores: per task and overall.
public struct LevelScore: Sendable, Equatable, Codable {
    /// The level (`independent`, `soft:0.1`, …).
    public var level: String
    /// Mean over tasks of each task's mean log predictive per query point; SE over tasks.
    public var logPredictive: MeanWithError
    /// This level minus `learned`, per task, averaged over tasks; SE over tasks of the
    /// per-task differences (`nil` without a learned level).
    public var versusLearned: MeanWithError?
    /// Per task: the mean over its episodes, SE over them.
    public var tasks: [MeanWithError]
}

/// The negative-transfer report of one level against `independent`.
public struct TransferSummary: Sendable, Equatable, Codable {
    /// The level compared with `independent`.
    public var level: String
    /// Per task: this level's log predictive minus `independent`'s, episode by episode,
    /// averaged over the task's episodes with the SE over them.
    public var tasks: [MeanWithError]
    /// Tasks where sharing hurts by more than 2 SE (difference < −2 SE), in task order.
    public var hurt: [String]
    /// Tasks whose difference is above 0, their mean and their total gain.
    public var gaining: Int, meanGain: Double, totalGain: Double
    /// Tasks whose difference is below 0, their mean and their total loss (negative numbers).
    public var losing: Int, meanLoss: Double, totalLoss: Double
}

extension SharingComparison {
    /// Indices of each task's episodes, in the order of ``tasks``.
    private var episodesByTask: [[Int]] {
        var byTask: [Int: [Int]] = [:]
        for (e, episode) in episodes.enumerated() { byTask[episode.task, default: []].append(e) }
        return byTask.keys.sorted().map { byTask[$0]! }
    }

    /// Scores of every level, in the order of ``Settings/levels``.
    public var scores: [LevelScore] {
        let groups = episodesByTask
        let perTask = perEpisode.map { values in groups.map { MeanWithError($0.map { values[$0] }) } }
        let learned = settings.levels.firstIndex(of: .learned)
        return settings.levels.enumerated().map { l, level in
            let versus = learned.map { r in MeanWithError(zip(perTask[l], perTask[r]).map { $0.mean - $1.mean }) }
            return LevelScore(level: level.description, logPredictive: MeanWithError(perTask[l].map(\.mean)),
                              versusLearned: versus, tasks: perTask[l])
        }
    }

    /// The negative-transfer report of every other level against `independent`, or empty
    /// when `independent` is not among the levels.
    public var transfer: [TransferSummary] {
        guard let reference = settings.levels.firstIndex(of: .independent) else { return [] }
        let groups = episodesByTask
        return settings.levels.enumerated().filter { $0.offset != reference }.map { l, level in
            let differences = groups.map { MeanWithError($0.map { perEpisode[l][$0] - perEpisode[reference][$0] }) }
            let gains = differences.map(\.mean).filter { $0 > 0 }, losses = differences.map(\.mean).filter { $0 < 0 }
            let mean = { (values: [Double]) in values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
            return TransferSummary(level: level.description, tasks: differences,
                                   hurt: zip(tasks, differences).filter { $1.mean < -2 * $1.se }.map(\.0),
                                   gaining: gains.count, meanGain: mean(gains), totalGain: gains.reduce(0, +),
                                   losing: losses.count, meanLoss: mean(losses), totalLoss: losses.reduce(0, +))
        }
    }
}
