// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The `linear_mixed` keys of a prior file: `formula`, `basis` (the feature map of a
/// `basis(x)` term, as a `linear_gaussian` file writes it; only with such a term), `criterion` (`reml` or `ml`),
/// `input_levels` (each text input's levels), `shared_terms`, `shared_estimates`,
/// `shared_standard_errors` (written for readers; recomputed from `shared_covariance` when
/// read), `shared_covariance`, `features` (the task-specific terms), `mean` (ν), `covariance`
/// (Σ), `noise_variance` (σ²), `singular`, and `task_level_columns` with `task_level_means`: the
/// formula's columns that were constant within every meta-train task (``TaskLevelColumns``;
/// empty arrays when none was, absent from a file written before they were recorded).
extension LinearMixedPrior {
    enum CodingKeys: String, CodingKey {
        case formula, basis, criterion, inputLevels, sharedTerms, sharedEstimates, sharedStandardErrors, sharedCovariance, features, mean,
             covariance, noiseVariance, singular, taskLevelColumns, taskLevelMeans
    }

    /// Writes the family's keys (listed on the extension) into the prior file's object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formula.description, forKey: .formula)
        try container.encodeIfPresent(shared.basisMap ?? taskSpecific.basisMap, forKey: .basis)
        try container.encode(reml ? "reml" : "ml", forKey: .criterion)
        try container.encode(inputLevels, forKey: .inputLevels)
        try container.encode(shared.columnNames, forKey: .sharedTerms)
        try container.encode(beta, forKey: .sharedEstimates)
        try container.encode(betaStandardErrors, forKey: .sharedStandardErrors)
        try container.encode(betaCovariance.nestedRows, forKey: .sharedCovariance)
        try container.encode(taskSpecific.columnNames, forKey: .features)
        try container.encode(gaussian.mean, forKey: .mean)
        try container.encode(gaussian.covariance.nestedRows, forKey: .covariance)
        try container.encode(gaussian.noiseVariance, forKey: .noiseVariance)
        try container.encode(isSingular, forKey: .singular)
        try TaskLevelColumns.encode(taskLevelRecord, into: &container, names: .taskLevelColumns, means: .taskLevelMeans)
    }

    /// Reads the family's keys: the formula is parsed again and its designs rebuilt from the
    /// stored levels, then checked against the stored term names; θ is validated (sizes,
    /// finiteness, symmetry, definiteness, σ² > 0, ν consistent with β̂).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .formula)
        let formula: ModelFormula
        do {
            formula = try ModelFormula(parsing: text)
        } catch var error as InputError {
            error.column = "formula"
            throw error
        }
        guard formula.taskSpecific != nil else {
            throw InputError(column: "formula", kind: .invalidValue, "\(InputError.quoted(text)) has no task-specific part")
        }
        let criterion = try container.decode(String.self, forKey: .criterion)
        guard criterion == "reml" || criterion == "ml" else {
            throw InputError(column: "criterion", kind: .invalidValue, "is \(InputError.quoted(criterion)); it must be \"reml\" or \"ml\"")
        }
        let levels = try container.decode([String: [String]].self, forKey: .inputLevels)
        let (shared, specific) = try FormulaDesigns.fromPriorFile(
            formula: formula, levels: levels, basis: try container.decodeIfPresent(FeatureMap.self, forKey: .basis),
            sharedTerms: try container.decode([String].self, forKey: .sharedTerms),
            features: try container.decode([String].self, forKey: .features))
        let beta = try container.decode([Double].self, forKey: .sharedEstimates)
        let betaCovariance = try FormulaDesigns.matrix(try container.decode([[Double]].self, forKey: .sharedCovariance), key: "shared_covariance")
        let gaussian: GaussianPrior
        do {
            gaussian = try GaussianPrior(mean: try container.decode([Double].self, forKey: .mean),
                                         covariance: try FormulaDesigns.matrix(try container.decode([[Double]].self, forKey: .covariance), key: "covariance"),
                                         noiseVariance: try container.decode(Double.self, forKey: .noiseVariance))
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(column: "covariance", kind: .invalidValue, "\(error)")
        }
        try self.init(formula: formula, shared: shared, taskSpecific: specific, inputLevels: levels, beta: beta,
                      betaCovariance: betaCovariance, gaussian: gaussian, reml: criterion == "reml",
                      taskLevel: try TaskLevelColumns.decode(from: container, names: .taskLevelColumns, means: .taskLevelMeans,
                                                             formula: formula, levels: levels))
    }

}
