// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// `fit --statistics`: the marginal linear-Gaussian fit from statistics files.
extension FitCommand {
    /// Options that need rows, or another family, are refused with --statistics.
    func validateStatistics() throws {
        let option = streaming ? "--streaming" : "--statistics"
        if streaming {
            if !statistics.isEmpty { throw ValidationError("--streaming reads --data; --statistics files are already reduced") }
            try dataOptions.requireData()
            switch basis {
            case .linear, .polynomial: break
            default: throw ValidationError("--streaming needs a fixed basis (linear or poly:P); '\(basis)' is placed from all the rows (use metaprior statistics --basis-from and fit --statistics)")
            }
        } else if dataOptions.dataFile != nil {
            throw ValidationError("give --data or --statistics, not both")
        }
        if model != nil && model != LinearGaussianFamily.name {
            throw ValidationError("\(option) fits \(LinearGaussianFamily.name) only (the one family exact in per-task sums); leave --model out")
        }
        var clashing: [(String, Bool)] = [("--formula", formula != nil), ("--weights", weights != nil), ("--objective episodic", objective == .episodic),
                                          ("--split and task lists", splitOptions.isActive),
                                          ("--targets, --descriptors and --one-hot", dataOptions.targets != nil || dataOptions.descriptors != nil || dataOptions.oneHot)]
        if !streaming {
            clashing.append(("--task, --target and --features", [dataOptions.task, dataOptions.target, dataOptions.features].contains { $0 != nil }))
        }
        if let (clash, _) = clashing.first(where: \.1) {
            throw ValidationError("\(clash) cannot be used with \(option): the fit reads only per-task sums (n, yᵀy, Φᵀy, ΦᵀΦ) of one target")
        }
        try hierarchy.check(model: LinearGaussianFamily.name)
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
        try OptionRange.check("--max-iterations", maxIterations, 1...OptionRange.iterations, "a fit that needs more has not converged for another reason")
        if let timeLimit {
            try OptionRange.checkSeconds("--time-limit", timeLimit, upper: OptionRange.timeLimitSeconds, "leave the option out for no limit")
        }
    }

    /// Reads and merges the statistics files, fits, writes the prior.
    func runStatistics(deadline: ContinuousClock.Instant?) throws {
        let outputs = try CLIOutput.prepare([output])
        let outcome: PriorTraining.Outcome
        let source: String
        if streaming {
            let read = try StreamingStatistics(path: dataOptions.data, options: dataOptions.readOptions()) { inputs in
                try FeatureMap(spec: basis, inputNames: inputs, trainingInputs: [])
            }
            for note in read.notes { CLIOutput.note(note) }
            if read.omittedRows > 0 { reporting.say("note: \(read.omittedRows) rows with a missing value omitted (--na-action omit)") }
            var training = try StatisticsTraining.train(read.statistics, request: request(deadline: deadline))
            training.file.training.dataFile = dataOptions.data
            training.file.training.statistics = nil
            if read.omittedRows > 0 { training.file.training.rowsOmitted = read.omittedRows }
            outcome = training
            source = "  streamed: the rows were reduced to per-task statistics while reading"
        } else {
            outcome = try StatisticsTraining.train(files: statistics, request: request(deadline: deadline))
            source = "  from the statistics of \(statistics.count == 1 ? "1 file" : "\(statistics.count) files")"
        }
        try outputs.write(Array(try outcome.file.encoded()), to: output)
        try outputs.commit()
        reporting.say(outcome.report + "\n" + source + (output.map { $0 == "-" ? "" : "\n  prior written to \($0)" } ?? ""))
    }
}
