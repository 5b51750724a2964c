// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The last step of a parse: each task's inputs and targets made straight into their arrays
/// from its blocks in each stretch (stretches in file order), tasks split across threads
/// (each task is built the same way whichever thread builds it).
struct TaskAssembly {
    let chunks: [ChunkResult]
    let columns: ColumnPlan
    /// Task identifiers in order of first appearance.
    let baseIDs: [String]
    let targetNames: [String]
    let multiLabel: Bool
    /// Rows before each task (`offsets[t + 1] - offsets[t]` rows in task t).
    var offsets: [Int]
    /// Which local task of each stretch each task is (-1: none).
    var localTask: [[Int]]
    let parts: Int

    init(chunks: [ChunkResult], merged: MergedTables, columns: ColumnPlan, header: CSVHeader, options: CSVReadOptions,
         rowCount: Int, threads: Int) {
        self.chunks = chunks
        self.columns = columns
        baseIDs = merged.tasks.keys
        targetNames = columns.targets.map { header.names[$0] }
        multiLabel = options.targetColumns != nil
        let taskCount = merged.tasks.count
        offsets = Array(repeating: 0, count: taskCount + 1)
        localTask = Array(repeating: Array(repeating: -1, count: taskCount), count: chunks.count)
        for (c, chunk) in chunks.enumerated() {
            for k in 0..<chunk.tasks.count {
                let t = Int(merged.taskMaps[c][k])
                offsets[t + 1] += chunk.rows.count(k)
                localTask[c][t] = k
            }
        }
        for t in 0..<taskCount { offsets[t + 1] += offsets[t] }
        parts = rowCount >= 1 << 16 ? max(1, min(threads, taskCount)) : 1
    }

    /// The tasks (one per task and target column), and each one's weight-column values
    /// (empty without a weight column).
    func build() -> ([TaskData], [TaskWeightValues]) {
        let built = ResultSlots<([TaskData], [TaskWeightValues])>(count: parts)
        let taskCount = baseIDs.count
        let work: (Int) -> Void = { part in
            var made: [TaskData] = []
            var weights: [TaskWeightValues] = []
            for t in (taskCount * part / parts)..<(taskCount * (part + 1) / parts) {
                buildTask(t, into: &made, weights: &weights)
            }
            built[part] = (made, weights)
        }
        if parts > 1 {
            DispatchQueue.concurrentPerform(iterations: parts, execute: work)
        } else {
            work(0)
        }
        let all = built.values.map { $0! }
        return (all.flatMap(\.0), all.flatMap(\.1))
    }

    /// Task `t`'s tasks, one per target column, sharing one input matrix.
    private func buildTask(_ t: Int, into made: inout [TaskData], weights: inout [TaskWeightValues]) {
        let n = offsets[t + 1] - offsets[t]
        let p = columns.features.count
        let inputs = [Double](unsafeUninitializedCapacity: n * p) { buffer, initialized in
            if var out = buffer.baseAddress {
                forEachBlock(of: t) { block, rows in
                    out.initialize(from: block, count: rows * p)
                    out += rows * p
                }
            }
            initialized = n * p
        }
        // Rows × p elements by construction: this cannot throw.
        let matrix = try! Matrix(rows: n, columns: p, elements: inputs)
        let weight = columns.weight == nil ? nil : weightValues(of: t)
        for k in 0..<targetNames.count {
            let targets = [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
                if var out = buffer.baseAddress {
                    forEachBlock(of: t) { block, rows in
                        out.initialize(from: storedColumn(k, of: block), count: rows)
                        out += rows
                    }
                }
                initialized = n
            }
            let id: String
            if multiLabel {
                id = columns.task != nil ? "\(baseIDs[t])/\(targetNames[k])" : targetNames[k]
            } else {
                id = baseIDs[t]
            }
            made.append(TaskData(id: id, inputs: matrix, targets: targets))
            if let weight { weights.append(weight) }
        }
    }

    /// The first value of task `t`'s weight column and whether any other differs.
    private func weightValues(of t: Int) -> TaskWeightValues {
        var first: Double?
        var varies = false
        forEachBlock(of: t) { block, rows in
            let column = storedColumn(columns.targets.count, of: block)
            let value = first ?? column[0]
            first = value
            for i in 0..<rows where column[i] != value { varies = true }
        }
        return TaskWeightValues(first: first ?? 1, varies: varies)
    }

    /// Stored column `k` (a target, or the weight after the targets) of a block.
    @inline(__always)
    private func storedColumn(_ k: Int, of block: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> {
        block + TaskBuckets.blockRows * columns.features.count + k * TaskBuckets.blockRows
    }

    /// Calls `body(block, rows)` for each block of task `t`: its blocks in each stretch,
    /// stretches in file order.
    @inline(__always)
    private func forEachBlock(of t: Int, _ body: (UnsafeMutablePointer<Double>, Int) -> Void) {
        for c in chunks.indices where localTask[c][t] >= 0 {
            chunks[c].rows.forEachBlock(localTask[c][t], body)
        }
    }
}
