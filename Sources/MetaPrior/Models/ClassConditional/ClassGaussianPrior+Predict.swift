// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension ClassGaussianPrior {
    /// Class probabilities of query points given a new episode's labelled support set: each
    /// class's posterior predictive (a multivariate t) and Bayes' rule with a uniform class
    /// prior (``ClassConditionalClassifier``). The probabilities are exact under the model —
    /// (m, Σ) of every class are integrated out — so they carry no interval of their own.
    /// - Parameters:
    ///   - support: the support points, one per row, in the prior's input columns.
    ///   - labels: each support row's class label (a whole number), as the data reader gives it.
    ///   - queries: the query points, one per row.
    /// - Returns: the class labels in increasing order, and per query its probabilities in
    ///   that order.
    /// - Throws: ``InputError`` for a support set with fewer than two classes, a label that is
    ///   not a whole number, or a size mismatch.
    public func classProbabilities(support: Matrix, labels: [Double], queries: Matrix) throws
        -> (classes: [Int], probabilities: [[Double]]) {
        guard labels.count == support.rows, support.columns == inputs.count, queries.columns == inputs.count else {
            throw InputError(kind: .inconsistent, "the support set and queries need the prior's \(inputs.count) input columns and one label per support row")
        }
        var byLabel: [Int: [[Double]]] = [:]
        for (row, label) in zip(support.nestedRows, labels) {
            guard label.isFinite, label == label.rounded(), abs(label) < 1e9 else {
                throw InputError(kind: .badNumber, "a class label must be a whole number, not \(label)")
            }
            byLabel[Int(label), default: []].append(row)
        }
        let classes = byLabel.keys.sorted()
        guard classes.count >= 2 else {
            throw InputError(kind: .invalidValue, "the support set holds \(classes.count) class; classifying needs at least two")
        }
        let model = try ClassConditionalClassifier(prior: niw, support: classes.map { try ClassStatistics(points: byLabel[$0] ?? []) })
        let probabilities = try queries.nestedRows.map { try model.logProbabilities($0).map(exp) }
        return (classes, probabilities)
    }

    /// ``classProbabilities(support:labels:queries:)`` as CSV: a `# classes:` comment naming
    /// the classes, then the inputs, `p.<class>` per class and `predicted` (the most probable
    /// class) for each query.
    /// - Parameters:
    ///   - support: as there.
    ///   - labels: as there.
    ///   - queries: as there.
    /// - Throws: as there.
    public func classProbabilitiesCSV(support: Matrix, labels: [Double], queries: Matrix) throws -> [UInt8] {
        let (classes, probabilities) = try classProbabilities(support: support, labels: labels, queries: queries)
        var text = "# model: class_gaussian (uniform class prior over the support set's classes)\n"
        text += "# classes: \(classes.map(String.init).joined(separator: ", "))\n"
        text += (inputs + classes.map { "p.\($0)" } + ["predicted"]).joined(separator: ",") + "\n"
        for (row, p) in zip(queries.nestedRows, probabilities) {
            let best = p.indices.max { p[$0] < p[$1] } ?? 0
            text += (row.map { "\($0)" } + p.map { "\($0)" } + ["\(classes[best])"]).joined(separator: ",") + "\n"
        }
        return Array(text.utf8)
    }
}
