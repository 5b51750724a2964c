// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension EpisodeSampler {
    /// Episodes as CSV: `episode, task, role (support|query), inputs…, target`; for N-way
    /// classification the target holds the episode label (0..<N) and a last column
    /// `<target>_class` the original class name. Support rows come before query rows.
    /// Formatted in parallel chunks; the bytes do not depend on the number of threads.
    public func csvBytes(_ episodes: [Episode]) -> [UInt8] {
        var header = CSVWriter()
        let classNames = dataset.classNames
        let remapped = spec.ways != nil
        header.row(["episode", dataset.taskColumn, "role"] + dataset.inputNames + [dataset.targetName]
                   + (remapped ? ["\(dataset.targetName)_class"] : []))
        let chunkSize = 512
        let chunks = (episodes.count + chunkSize - 1) / chunkSize
        let slots = ResultSlots<[UInt8]>(count: chunks)
        let dataset = self.dataset
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var writer = CSVWriter()
            for episode in episodes[(c * chunkSize)..<min(episodes.count, (c + 1) * chunkSize)] {
                let task = dataset.tasks[episode.task]
                for (role, rows, labels) in [("support", episode.support, episode.supportLabels), ("query", episode.query, episode.queryLabels)] {
                    for (i, r) in rows.enumerated() {
                        writer.field(episode.index)
                        writer.field(task.id)
                        writer.field(role)
                        for j in 0..<task.inputs.columns { writer.field(task.inputs[r, j]) }
                        if let labels {
                            writer.field(labels[i])
                            writer.field(classNames![Int(task.targets[r])])
                        } else if let classNames {
                            writer.field(classNames[Int(task.targets[r])])
                        } else {
                            writer.field(task.targets[r])
                        }
                        writer.endRow()
                    }
                }
            }
            slots[c] = writer.bytes
        }
        var bytes = header.bytes
        for chunk in slots.values { bytes += chunk! }
        return bytes
    }
}
