// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

extension PredictCommand {
    /// `predict` with a `class_gaussian` or `softmax` prior: the support file is a labelled episode (the
    /// target column holds each row's class), and the output gives each query's class
    /// probabilities instead of a y predictive.
    func predictClasses(_ prior: any FewShotClassifierPrior, _ adapted: Adaptation, _ outputs: OutputPlan) throws {
        if let warning = adapted.supportSizeWarning { reporting.say("warning: " + warning) }
        let queries = try adapted.queries(csv: query)
        let bytes: [UInt8]
        do {
            bytes = try prior.classProbabilitiesCSV(support: adapted.task.inputs, labels: adapted.task.targets, queries: queries,
                                                   names: adapted.classNames)
        } catch var error as InputError where error.file == nil {
            error.file = support
            throw error
        }
        try outputs.write(bytes, to: output)
        try outputs.commit()
        reporting.say("class probabilities of \(queries.rows) query points from \(adapted.task.count) support points")
    }
}
