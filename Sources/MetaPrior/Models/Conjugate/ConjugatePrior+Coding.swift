// SPDX-License-Identifier: GPL-3.0-or-later

/// The keys of a conjugate prior file: `response_column`, `scale_column`, `criterion`,
/// `estimate` (θ̂ by name), `no_overdispersion`, and with full Bayes `hyperprior` (form and
/// parameters), `hyperprior_description`, `task_summaries` (the meta-train summaries the
/// hyper-posterior is rebuilt from: ids, responses, scales) and `hyper_posterior` (its
/// summary, for readers; recomputed when read).
extension ConjugatePrior {
    enum CodingKeys: String, CodingKey {
        case responseColumn, scaleColumn, criterion, estimate, noOverdispersion, hyperprior, hyperpriorDescription, taskSummaries, hyperPosterior
    }

    struct StoredTasks: Codable {
        var ids: [String]
        var responses: [Double]
        var scales: [Double]
    }

    struct StoredSummary: Codable {
        var name: String
        var mean: Double
        var sd: Double
    }

    /// Writes the family's keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(responseColumn, forKey: .responseColumn)
        try container.encode(scaleColumn, forKey: .scaleColumn)
        try container.encode(criterion, forKey: .criterion)
        try container.encode([kind.hyperNames[0]: estimate.0, kind.hyperNames[1]: estimate.1], forKey: .estimate)
        try container.encode(noOverdispersion, forKey: .noOverdispersion)
        if let fullBayes {
            try container.encode(fullBayes.hyperprior, forKey: .hyperprior)
            try container.encode(fullBayes.hyperprior.description, forKey: .hyperpriorDescription)
            try container.encode(StoredTasks(ids: fullBayes.tasks.ids, responses: fullBayes.tasks.responses, scales: fullBayes.tasks.scales), forKey: .taskSummaries)
            let summary = zip(kind.summaryNames, fullBayes.hyperSummary(level: 0.95)).map { StoredSummary(name: $0, mean: $1.mean, sd: $1.standardDeviation) }
            try container.encode(summary, forKey: .hyperPosterior)
        }
    }

    /// Reads the family's keys for hierarchy `kind`, validating θ̂ and the stored tasks and
    /// rebuilding the hyper-posterior.
    /// - Throws: `DecodingError` for a missing or mistyped key; ``InputError`` for values that
    ///   do not make a prior.
    public init(kind: ConjugateKind, from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let estimate = try container.decode([String: Double].self, forKey: .estimate)
        guard let first = estimate[kind.hyperNames[0]], let second = estimate[kind.hyperNames[1]] else {
            throw InputError(column: "estimate", kind: .missingColumn, "needs \(kind.hyperNames.joined(separator: " and "))")
        }
        let valid = first.isFinite && second.isFinite && second >= 0 && (kind == .normalNormal || (first > 0 && second > 0))
        guard valid else { throw InputError(column: "estimate", kind: .invalidValue, "\(kind.hyperNames[0]) = \(first), \(kind.hyperNames[1]) = \(second) is not a \(kind.rawValue) prior") }
        var full: ConjugateFullBayes?
        if let hyperprior = try container.decodeIfPresent(ConjugateHyperprior.self, forKey: .hyperprior) {
            let checked = try ConjugateHyperprior(form: hyperprior.form, parameters: hyperprior.parameters)
            let stored = try container.decode(StoredTasks.self, forKey: .taskSummaries)
            let tasks = try ConjugateTasks(kind: kind, responses: stored.responses, scales: stored.scales, ids: stored.ids,
                                           responseColumn: "task_summaries.responses", scaleColumn: "task_summaries.scales")
            full = try ConjugateFullBayes(tasks, hyperprior: checked)
        }
        self.init(kind: kind, responseColumn: try container.decode(String.self, forKey: .responseColumn),
                  scaleColumn: try container.decode(String.self, forKey: .scaleColumn), estimate: (first, second),
                  criterion: try container.decode(String.self, forKey: .criterion),
                  noOverdispersion: try container.decode(Bool.self, forKey: .noOverdispersion), fullBayes: full)
    }
}
