// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Cuts tasks into episodes according to an ``EpisodeSpec``.
///
/// Deterministic: tasks are taken in canonical order (sorted identifiers), and episode e draws
/// only from `RandomStream(seed, e)` (plus, without replacement, the stream of its pass), so
/// the same seed gives the same episodes whatever the order of the file and however many
/// threads run.
public struct EpisodeSampler: Sendable {
    /// The spec episodes follow.
    public let spec: EpisodeSpec
    /// The data set episodes are cut from.
    public let dataset: MetaDataset
    /// Positions of the tasks large enough for the spec, in canonical order.
    public let eligibleTasks: [Int]
    /// Identifiers of the tasks skipped as too small, in canonical order.
    public let skippedTasks: [String]
    /// N-way: for each eligible task, its classes with enough rows, each with its rows.
    private let classRows: [[(label: Int, rows: [Int])]]

    /// Prepares a sampler over the tasks of `dataset` (or only those named in `taskIDs`).
    /// - Throws: ``InputError`` for a bad spec, N-way episodes of regression data, a task too
    ///   small when ``EpisodeSpec/smallTasks`` is `reject`, or no task large enough.
    public init(dataset: MetaDataset, spec: EpisodeSpec, taskIDs: [String]? = nil) throws {
        try spec.validate()
        self.spec = spec
        self.dataset = dataset
        var candidates = dataset.canonicalTaskOrder
        if let taskIDs {
            let wanted = Set(taskIDs)
            let known = Set(dataset.tasks.map(\.id))
            if let unknown = taskIDs.first(where: { !known.contains($0) }) {
                throw InputError(column: dataset.taskColumn, "no task \(InputError.quoted(unknown)) in the data")
            }
            candidates = candidates.filter { wanted.contains(dataset.tasks[$0].id) }
        }
        if spec.ways != nil && dataset.classNames == nil {
            throw InputError(column: dataset.targetName, "N-way episodes need class labels, but the target is read as real numbers (use --kind classification)")
        }
        let needed = spec.rowsNeeded
        var eligible: [Int] = []
        var skipped: [String] = []
        var classRows: [[(label: Int, rows: [Int])]] = []
        for index in candidates {
            let task = dataset.tasks[index]
            if let ways = spec.ways {
                let classes = dataset.rowsByClass(of: task).filter { $0.rows.count >= needed }
                if classes.count >= ways {
                    eligible.append(index)
                    classRows.append(classes)
                } else if spec.smallTasks == .reject {
                    if let error = Self.realValuedTarget(dataset, spec) { throw error }
                    throw InputError(column: dataset.taskColumn,
                                     "task \(InputError.quoted(task.id)) has \(classes.count) classes with at least K + Q = \(needed) rows, fewer than the \(ways) ways asked for (use --small-tasks skip to leave such tasks out)")
                } else {
                    skipped.append(task.id)
                }
            } else if task.count >= needed {
                eligible.append(index)
            } else if spec.smallTasks == .reject {
                throw InputError(column: dataset.taskColumn,
                                 "task \(InputError.quoted(task.id)) has \(task.count) rows, fewer than K + Q = \(needed) (use --small-tasks skip to leave such tasks out)")
            } else {
                skipped.append(task.id)
            }
        }
        guard !eligible.isEmpty else {
            if let error = Self.realValuedTarget(dataset, spec) { throw error }
            var largest = ""
            if spec.ways == nil, let biggest = candidates.max(by: { dataset.tasks[$0].count < dataset.tasks[$1].count }) {
                largest = "; the largest, '\(dataset.tasks[biggest].id)', has \(dataset.tasks[biggest].count) rows"
            }
            throw InputError(column: dataset.taskColumn,
                             "no task is large enough for \(spec.ways.map { "\($0) ways × " } ?? "")K + Q = \(needed) rows\(spec.ways != nil ? " per class" : "") (\(skipped.count) skipped\(largest))")
        }
        self.eligibleTasks = eligible
        self.skippedTasks = skipped
        self.classRows = classRows
    }

    /// N-way episodes of a target read as labels but holding real numbers (`0.53`): the
    /// reason no task has enough rows per class is that the target is not class labels.
    private static func realValuedTarget(_ dataset: MetaDataset, _ spec: EpisodeSpec) -> InputError? {
        guard spec.ways != nil,
              let real = dataset.classNames?.first(where: { Double($0).map { $0.isFinite && $0.rounded() != $0 } ?? false }) else { return nil }
        return InputError(column: dataset.targetName, kind: .invalidValue,
                          "holds real numbers (e.g. \(real)), not class labels: N-way episodes (--ways) need a column of class labels (choose it with --target)")
    }

    /// The slot in ``eligibleTasks`` that episode `index` uses.
    private func taskSlot(_ index: Int, stream: RandomStream, permutation: [Int]?) -> Int {
        if spec.withReplacement { return stream.integer(below: eligibleTasks.count) }
        return permutation![index % eligibleTasks.count]
    }

    /// Without replacement, pass k visits the tasks in the order of this permutation.
    private func passPermutation(_ pass: Int) -> [Int] {
        let stream = RandomStream(seed: spec.seed ^ 0x5DEE_CE66_D1CE_4E5B, stream: UInt64(pass))
        var order = Array(eligibleTasks.indices)
        stream.shuffle(&order)
        return order
    }

    /// Episode number `index`.
    public func episode(_ index: Int) -> Episode {
        let permutation = spec.withReplacement ? nil : passPermutation(index / eligibleTasks.count)
        return episode(index, permutation: permutation)
    }

    private func episode(_ index: Int, permutation: [Int]?) -> Episode {
        let stream = RandomStream(seed: spec.seed, stream: UInt64(index))
        let slot = taskSlot(index, stream: stream, permutation: permutation)
        let taskIndex = eligibleTasks[slot]
        let task = dataset.tasks[taskIndex]
        guard let ways = spec.ways else {
            let (support, query) = split(Array(0..<task.count), stream: stream)
            return Episode(index: index, task: taskIndex, support: support, query: query)
        }
        // N-way: a random ordered choice of N classes; label j is the j-th class chosen.
        var classes = classRows[slot]
        for j in 0..<ways { classes.swapAt(j, j + stream.integer(below: classes.count - j)) }
        var support: [Int] = [], query: [Int] = [], supportLabels: [Int] = [], queryLabels: [Int] = []
        for j in 0..<ways {
            let (s, q) = split(classes[j].rows, stream: stream)
            support += s
            query += q
            supportLabels += Array(repeating: j, count: s.count)
            queryLabels += Array(repeating: j, count: q.count)
        }
        return Episode(index: index, task: taskIndex, support: support, query: query,
                       classes: classes.prefix(ways).map(\.label), supportLabels: supportLabels, queryLabels: queryLabels)
    }

    /// K support and Q query rows out of `rows` without replacement (partial Fisher–Yates),
    /// each set sorted.
    private func split(_ rows: [Int], stream: RandomStream) -> (support: [Int], query: [Int]) {
        var rows = rows
        let k = spec.shots
        let taken: Int
        switch spec.query {
        case .count(let q): taken = k + q
        case .allRemaining: taken = k
        }
        for i in 0..<taken { rows.swapAt(i, i + stream.integer(below: rows.count - i)) }
        let support = rows[0..<k].sorted()
        let query: [Int]
        switch spec.query {
        case .count: query = rows[k..<taken].sorted()
        case .allRemaining: query = rows[k...].sorted()
        }
        return (support, query)
    }

    /// The most episodes one call of ``episodes(count:threads:)`` makes: 10,000,000. Every
    /// episode is kept in memory as a record with its own row lists (about 200 bytes even for
    /// K = Q = 1, so 2 GB at the bound); few-shot benchmarks use thousands to a million.
    public static let maximumEpisodes = 10_000_000
    /// The most support and query rows all the episodes of one call may hold together:
    /// 200,000,000 row numbers (1.6 GB), and one CSV row each in `metaprior episodes`.
    public static let maximumEpisodeRows = 200_000_000

    /// The most rows one episode can take: N·(K + Q) (or K + Q), or with `"all"` the largest
    /// eligible task (class sizes summed over its N largest classes).
    public var largestEpisodeRows: Int {
        let perSet: Int
        if case .count = spec.query {
            perSet = spec.rowsNeeded
        } else if spec.ways != nil {
            perSet = classRows.map { $0.map(\.rows.count).max() ?? 0 }.max() ?? 0
        } else {
            perSet = eligibleTasks.map { dataset.tasks[$0].count }.max() ?? 0
        }
        let (rows, overflow) = perSet.multipliedReportingOverflow(by: spec.ways ?? 1)
        return overflow ? Int.max : rows
    }

    /// Checks that `count` episodes fit in memory before any is made: at most
    /// ``maximumEpisodes``, and at most ``maximumEpisodeRows`` rows in all.
    /// - Parameters:
    ///   - count: the number of episodes asked for.
    ///   - option: the option or key to name in the message (e.g. `--episodes`).
    /// - Throws: ``InputError`` saying what fits.
    public func checkCount(_ count: Int, option: String = "episodes") throws {
        guard count >= 1, count <= Self.maximumEpisodes else {
            throw InputError(column: option, kind: .invalidValue,
                             "the number of episodes must be from 1 to \(Self.maximumEpisodes) (every episode is kept in memory), not \(count)")
        }
        let perEpisode = largestEpisodeRows
        let (rows, overflow) = perEpisode.multipliedReportingOverflow(by: count)
        guard !overflow, rows <= Self.maximumEpisodeRows else {
            throw InputError(column: option, kind: .invalidValue,
                             "\(count) episodes of up to \(perEpisode) rows each would hold more than \(Self.maximumEpisodeRows) rows in memory; ask for at most \(max(1, Self.maximumEpisodeRows / max(perEpisode, 1))) episodes, or fewer shots")
        }
    }

    /// Episodes `0..<count`, computed on up to `threads` threads (0: as many as there are
    /// cores); the result does not depend on the number of threads. Call ``checkCount(_:option:)``
    /// first for a count that comes from a user.
    public func episodes(count: Int, threads: Int = 0) -> [Episode] {
        guard count > 0 else { return [] }
        let passes = spec.withReplacement ? 0 : (count - 1) / eligibleTasks.count + 1
        let permutations = (0..<passes).map(passPermutation)
        let chunkSize = 256
        let chunks = (count + chunkSize - 1) / chunkSize
        let slots = ResultSlots<[Episode]>(count: chunks)
        let work: @Sendable (Int) -> Void = { c in
            let range = (c * chunkSize)..<min(count, (c + 1) * chunkSize)
            slots[c] = range.map { e in self.episode(e, permutation: permutations.isEmpty ? nil : permutations[e / self.eligibleTasks.count]) }
        }
        let workers = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        if workers == 1 || chunks == 1 {
            for c in 0..<chunks { work(c) }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
        }
        return slots.values.flatMap { $0! }
    }
}
