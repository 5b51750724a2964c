// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `metaprior demo`: the whole job on built-in data, no arguments needed.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole job on built-in data: fit a prior, adapt it to a new task, write draws and predictions.",
        discussion: """
        Part 1 meta-trains on the sleep-study data (18 subjects; lme4's sleepstudy) and adapts to a held-out subject from 3 days. Part 2 meta-trains on 1,000 simulated sinusoid tasks with a generic RBF basis and adapts to a new task from 5 points. Writes prior JSON files, Stan-style sample CSVs and prediction CSVs, and prints a report.
        """
    )

    @Option(help: ArgumentHelp("Directory for the files (created if missing).", valueName: "dir"))
    var outputDir: String = "metaprior-demo"

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the simulation and the draws.", valueName: "seed"))
    var seed: UInt64 = 1

    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: outputDir, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--output-dir \(InputError.quoted(outputDir)) is a file, not a directory")
        }
        if outputDir.isEmpty { throw ValidationError("--output-dir: give a directory name") }
    }

    func run() throws {
        var job = DemoJob(outputDirectory: outputDir)
        job.seed = seed
        if !reporting.quiet { job.progress = { CLIOutput.note($0) } }
        print(try job.run(), terminator: "")
    }
}
