// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior inspect`: reads a meta-dataset and summarises it (also the ingest benchmark).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Read a tasks CSV and summarise it: tasks, rows per task, columns, classes, descriptors.",
        discussion: "Checks a file the way every other command reads it, so errors show up here first."
    )

    @OptionGroup var dataOptions: DataOptions

    @Flag(help: "Print one CSV row per task (task, rows, and classes for classification) instead of the summary.")
    var perTask = false

    @Flag(help: "Report the time spent reading the data on standard error.")
    var timing = false

    @Option(help: ArgumentHelp("Write the summary here instead of standard output.", valueName: "file"))
    var output: String?

    /// The data set read, kept from being freed at the end of ``run()``.
    nonisolated(unsafe) private static var keptUntilExit: MetaDataset? = nil

    func validate() throws {
        try dataOptions.requireData()
    }

    func run() throws {
        _ = try CLIOutput.prepare([output])  // a misnamed output fails before the data is read
        let start = DispatchTime.now().uptimeNanoseconds
        let dataset = try dataOptions.load()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // Not freed: the process ends in a moment and the kernel takes back its memory
        // wholesale; freeing a million-row data set's arrays first took 2 ms of a 70 ms run.
        InspectCommand.keptUntilExit = dataset
        if timing {
            CLIOutput.note(String(format: "ingest: %.4f s (%d rows, %d tasks)", seconds, dataset.observationCount, dataset.tasks.count))
        }
        if perTask {
            var writer = CSVWriter()
            writer.row([dataset.taskColumn, "rows"] + (dataset.classNames != nil ? ["classes"] : []))
            for task in dataset.tasks {
                writer.field(task.id)
                writer.field(task.count)
                if dataset.classNames != nil { writer.field(Set(task.targets).count) }
                writer.endRow()
            }
            try CLIOutput.write(writer.bytes, to: output)
            return
        }
        // The targets' mean and range (a million dependent additions, 1.5 ms) are worked out
        // on another thread while this one formats the rest (the first `formatted()` loads
        // ICU, about a millisecond).
        let targetSummary = TargetSummary()
        let summarised = DispatchSemaphore(value: 0)
        if dataset.classNames == nil {
            let tasks = dataset.tasks
            DispatchQueue.global().async {
                targetSummary.add(tasks)
                summarised.signal()
            }
        }
        let sizes = dataset.tasks.map(\.count).sorted()
        let median = sizes.count % 2 == 1 ? Double(sizes[sizes.count / 2]) : Double(sizes[sizes.count / 2 - 1] + sizes[sizes.count / 2]) / 2
        var lines = [
            "file: \(dataOptions.data)",
            "tasks: \(dataset.tasks.count) (column '\(dataset.taskColumn)')",
            "observations: \(dataset.observationCount)",
            "rows per task: min \(sizes.first ?? 0), median \(median.formatted()), max \(sizes.last ?? 0)",
            "inputs: \(dataset.inputNames.isEmpty ? "(none)" : dataset.inputNames.joined(separator: ", "))",
        ]
        if let classes = dataset.classNames {
            lines.append("target: \(dataset.targetName) (classification, \(classes.count) classes: \(classes.prefix(20).joined(separator: ", "))\(classes.count > 20 ? ", …" : ""))")
        } else {
            summarised.wait()
            let (sum, count, low, high) = (targetSummary.sum, targetSummary.count, targetSummary.low, targetSummary.high)
            let mean = sum / Double(max(count, 1))
            lines.append("target: \(dataset.targetName) (regression, mean \(mean.formatted(.number.precision(.significantDigits(4)))), range \(count > 0 ? low : 0) to \(count > 0 ? high : 0))")
        }
        lines.append("descriptors: \(dataset.descriptorNames.isEmpty ? "(none)" : dataset.descriptorNames.prefix(20).joined(separator: ", "))")
        try CLIOutput.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: output)
    }
}

/// Sum, count and range of the targets of tasks, filled by one thread and read by another
/// after a semaphore.
private final class TargetSummary: @unchecked Sendable {
    var sum = 0.0, count = 0
    // Values are finite, so the first always replaces these (as `min()`/`max()` start).
    var low = Double.infinity, high = -Double.infinity

    /// One pass over the tasks' targets, summed in the same order as one flattened array
    /// would be (the same mean to the bit), without copying a million of them.
    func add(_ tasks: [TaskData]) {
        var sum = 0.0, count = 0, low = Double.infinity, high = -Double.infinity
        for task in tasks {
            task.targets.withUnsafeBufferPointer { targets in
                for v in targets {
                    sum += v
                    if v < low { low = v }
                    if v > high { high = v }
                }
            }
            count += task.targets.count
        }
        (self.sum, self.count, self.low, self.high) = (sum, count, low, high)
    }
}
