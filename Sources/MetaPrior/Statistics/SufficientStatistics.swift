// SPDX-License-Identifier: GPL-3.0-or-later

/// Per-task sufficient statistics of the linear-Gaussian model under one feature map, as a
/// statistics file holds them: for task i with rows (x_ij, y_ij), n_i, c_i = Σ_j y_ij²,
/// b_i = Φ_iᵀy_i and A_i = Φ_iᵀΦ_i. The marginal likelihood of θ depends on the data only
/// through these, and each is a sum over rows, so the statistics of one task computed on two
/// shards of its rows add up to those of all its rows (``merged(_:)``).
public struct SufficientStatistics: Sendable {
    /// The format version, family, columns and feature map.
    public var header: StatisticsHeader
    /// Task identifiers, in order of first appearance.
    public var taskIDs: [String]
    /// n_i.
    public var counts: [Int]
    /// c_i = y_iᵀy_i.
    public var targetSquares: [Double]
    /// b_i = Φ_iᵀy_i, task after task (T·d).
    public var cross: [Double]
    /// A_i = Φ_iᵀΦ_i, full and row-major, task after task (T·d·d).
    public var gram: [Double]
    /// The files these statistics were read from, with their digests (empty when computed
    /// from rows).
    public var sources: [RecordedStatistics] = []

    /// Number of features d.
    public var dimension: Int { header.featureMap.dimension }
    /// Number of tasks T.
    public var taskCount: Int { taskIDs.count }

    /// The statistics of every task of `dataset` under `featureMap` (rows in parallel, by
    /// ``TaskStatistics``, so a fit from them matches a fit from the rows bit for bit).
    /// - Throws: ``InputError`` for class-label targets, inputs that do not match the map, or
    ///   sums that overflow.
    public init(dataset: MetaDataset, featureMap: FeatureMap) throws {
        guard dataset.classNames == nil else {
            throw InputError(column: dataset.targetName, "sufficient statistics are for a real-valued target, but the target holds class labels")
        }
        let statistics = try TaskStatistics(dataset: dataset, featureMap: featureMap)
        header = try StatisticsHeader(family: LinearGaussianFamily.name, target: dataset.targetName, taskColumn: dataset.taskColumn,
                                      featureMap: featureMap)
        taskIDs = dataset.tasks.map(\.id)
        counts = statistics.counts
        targetSquares = statistics.targetSquares
        cross = statistics.cross
        // A's upper triangle is what a file keeps; mirrored here, so that these statistics
        // are the ones a file of them reads back (the kernel's two triangles may differ in
        // the last bit).
        gram = Self.mirroringUpper(statistics.gram, dimension: featureMap.dimension)
    }

    /// `gram` (T matrices d×d) with each lower triangle replaced by the upper one.
    static func mirroringUpper(_ gram: [Double], dimension d: Int) -> [Double] {
        var gram = gram
        for start in stride(from: 0, to: gram.count, by: d * d) {
            for j in 0..<d { for k in (j + 1)..<max(j + 1, d) { gram[start + k * d + j] = gram[start + j * d + k] } }
        }
        return gram
    }

    /// Statistics from their parts (the reader's; sizes as documented on each property).
    init(header: StatisticsHeader, taskIDs: [String], counts: [Int], targetSquares: [Double], cross: [Double], gram: [Double]) {
        self.header = header
        self.taskIDs = taskIDs
        self.counts = counts
        self.targetSquares = targetSquares
        self.cross = cross
        self.gram = gram
    }

    /// The statistics the fit reads, every task of weight 1.
    public var taskStatistics: TaskStatistics {
        TaskStatistics(dimension: dimension, gram: gram, cross: cross, targetSquares: targetSquares, counts: counts,
                       weights: [Double](repeating: 1, count: taskCount))
    }

    /// The statistics of several files as one: a task that appears in more than one (or more
    /// than once) gets the sum of its statistics; tasks keep the order of first appearance.
    /// - Throws: ``InputError`` when the parts disagree in feature map (digest), target or
    ///   task column; the message names the first part that differs by its index (callers
    ///   that read files name them, see ``read(files:)``).
    public static func merged(_ parts: [SufficientStatistics]) throws -> SufficientStatistics {
        guard let first = parts.first else { throw InputError("no statistics to merge") }
        let d = first.dimension
        let total = parts.reduce(0) { $0 + $1.taskCount }
        guard total < Int(Int32.max) else { throw InputError("more than \(Int32.max - 1) task rows in the statistics to merge") }
        var index = TaskIndex(capacity: total)
        var result = SufficientStatistics(header: first.header, taskIDs: [], counts: [], targetSquares: [], cross: [], gram: [])
        for (p, part) in parts.enumerated() {
            result.sources += part.sources
            if let why = first.header.mismatch(part.header) {
                throw InputError(kind: .inconsistent, "statistics part \(p + 1) differs from part 1: \(why); every shard must be computed with the same feature map and columns")
            }
            // Where each task goes: new tasks are appended in order of first appearance
            // (in bulk when the part brings only new tasks, the usual single file: per-task
            // appends and their dictionary of a million ids took 15% of a 1,000,000-task fit; ids are
            // found through `TaskIndex`, hashed on all cores);
            // repeats are added afterwards, in the order they appear, so sums are as before.
            let base = result.taskCount
            var fresh: [Int] = []
            var repeats: [(task: Int, into: Int)] = []
            let hashes = TaskIndex.hashes(of: part.taskIDs)
            for t in 0..<part.taskCount {
                let id = part.taskIDs[t]
                if let at = index.position(of: id, hash: hashes[t], inserting: base + fresh.count,
                                           ids: { $0 < base ? result.taskIDs[$0] : part.taskIDs[fresh[$0 - base]] }) {
                    repeats.append((t, at))
                    continue
                }
                fresh.append(t)
            }
            if fresh.count == part.taskCount && base == 0 {
                // The first part, every task new (a single file): its arrays as they are,
                // shared rather than copied.
                (result.taskIDs, result.counts, result.targetSquares, result.cross, result.gram)
                    = (part.taskIDs, part.counts, part.targetSquares, part.cross, part.gram)
            } else if fresh.count == part.taskCount {
                result.taskIDs += part.taskIDs
                result.counts += part.counts
                result.targetSquares += part.targetSquares
                result.cross += part.cross
                result.gram += part.gram
            } else {
                for t in fresh {
                    result.taskIDs.append(part.taskIDs[t])
                    result.counts.append(part.counts[t])
                    result.targetSquares.append(part.targetSquares[t])
                    result.cross += part.cross[(t * d)..<((t + 1) * d)]
                    result.gram += part.gram[(t * d * d)..<((t + 1) * d * d)]
                }
            }
            for (t, at) in repeats {
                result.counts[at] += part.counts[t]
                result.targetSquares[at] += part.targetSquares[t]
                for k in 0..<d { result.cross[at * d + k] += part.cross[t * d + k] }
                for k in 0..<(d * d) { result.gram[at * d * d + k] += part.gram[t * d * d + k] }
            }
        }
        return result
    }
}

extension StatisticsHeader {
    /// Why statistics under `other` cannot be added to these (`another feature map …`), or
    /// `nil` when they can.
    func mismatch(_ other: StatisticsHeader) -> String? {
        if other.formatVersion != formatVersion { return "format_version \(other.formatVersion) against \(formatVersion)" }
        if other.featureMapDigest != featureMapDigest {
            return "another feature map ('\(other.featureMap.spec)', digest \(other.featureMapDigest), against '\(featureMap.spec)', \(featureMapDigest))"
        }
        if other.target != target || other.taskColumn != taskColumn {
            return "other columns (target \(InputError.quoted(other.target)) and task \(InputError.quoted(other.taskColumn)), against \(InputError.quoted(target)) and \(InputError.quoted(taskColumn)))"
        }
        return nil
    }
}
