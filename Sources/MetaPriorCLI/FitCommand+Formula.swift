// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// `fit --formula`: the formula families' path through the command.
extension FitCommand {
    /// `fit --formula`: read the formula's columns, fit a formula family, write the prior.
    func runFormula(_ formula: ModelFormula, deadline: ContinuousClock.Instant?) throws {
        let outputs = try CLIOutput.prepare([output])
        guard let family = try ModelRegistry.family(named: modelName) as? any FormulaModelFamily.Type else {
            throw ValidationError("--model \(modelName) does not read a formula; leave --model out to fit \(LinearMixedFamily.name)")
        }
        var frame = try FormulaFrame.read(csv: dataOptions.data, formula: formula, missingValues: dataOptions.naAction, exposure: exposure)
        if let path = dataOptions.descriptors {
            try frame.attachDescriptors(csv: path, descriptorColumns: dataOptions.descriptorColumns.map(splitList))
        }
        var request = request(deadline: deadline)
        request.quadraturePoints = quadraturePoints
        let outcome = try PriorTraining.train(frame, family: family, request: request,
                                              source: PriorTraining.Source(file: dataOptions.data, digest: nil))
        try outputs.write(Array(try outcome.file.encoded()), to: output)
        try outputs.commit()
        reporting.say(outcome.report + (output.map { $0 == "-" ? "" : "\n  prior written to \($0)" } ?? ""))
    }
}
