// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The `binomial` and `poisson` keys of a prior file: `response_family` (the family again, with
/// `link`, `logit` or `log`, for readers), `formula`, `basis` (only with a `basis(x)` term),
/// `exposure` (a Poisson model's exposure column, when it has one), `approximation` (`laplace`,
/// or `adaptive_gauss_hermite`) with `quadrature_points` (glmer's nAGQ), `input_levels`,
/// `shared_terms`, `shared_estimates`, `shared_standard_errors` (for readers; recomputed from
/// `shared_covariance` when read), `shared_covariance`, `features` (the task-specific terms),
/// `mean` (ν), `theta` (Λ's lower triangle column by column, lme4's `theta`), `covariance`
/// (Σ = ΛΛᵀ, for readers; checked against `theta` when read) and `singular`; with task
/// descriptors also the linear-Gaussian family's `descriptor_names`, `descriptor_coefficients`
/// (B, a row per shared term), `descriptor_standard_errors` and `descriptor_mean`, and
/// `descriptor_covariance` (vcov of vec B in the fit's order), `shared_estimates` being B z̃̄;
/// and `task_level_columns` with `task_level_means`: the formula's columns that were constant
/// within every meta-train task (``TaskLevelColumns``; empty arrays when none was, absent from a
/// file written before they were recorded).
extension GeneralizedMixedPrior {
    enum CodingKeys: String, CodingKey {
        case responseFamily, link, formula, basis, exposure, approximation, quadraturePoints, inputLevels, sharedTerms, sharedEstimates,
             sharedStandardErrors, sharedCovariance, features, mean, theta, covariance, singular
        case descriptorNames, descriptorCoefficients, descriptorStandardErrors, descriptorMean, descriptorCovariance
        case taskLevelColumns, taskLevelMeans
    }

    /// Writes the family's keys (listed on the extension) into the prior file's object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(family.rawValue, forKey: .responseFamily)
        try container.encode(family == .binomial ? "logit" : "log", forKey: .link)
        try container.encode(formula.description, forKey: .formula)
        try container.encodeIfPresent(shared.basisMap ?? taskSpecific.basisMap, forKey: .basis)
        try container.encodeIfPresent(exposureColumn, forKey: .exposure)
        try container.encode(quadraturePoints == 1 ? "laplace" : "adaptive_gauss_hermite", forKey: .approximation)
        try container.encode(quadraturePoints, forKey: .quadraturePoints)
        try container.encode(inputLevels, forKey: .inputLevels)
        try container.encode(shared.columnNames, forKey: .sharedTerms)
        try container.encode(beta, forKey: .sharedEstimates)
        try container.encode(betaStandardErrors, forKey: .sharedStandardErrors)
        try container.encode(betaCovariance.nestedRows, forKey: .sharedCovariance)
        try container.encode(taskSpecific.columnNames, forKey: .features)
        try container.encode(mean, forKey: .mean)
        try container.encode(theta, forKey: .theta)
        try container.encode(covariance.nestedRows, forKey: .covariance)
        try container.encode(isSingular, forKey: .singular)
        if let descriptors, let descriptorCovariance {
            let p = descriptors.columns
            func rows(_ flat: [Double]) -> [[Double]] { stride(from: 0, to: flat.count, by: p).map { Array(flat[$0..<($0 + p)]) } }
            try container.encode(Array(descriptors.columnNames.dropFirst()), forKey: .descriptorNames)
            try container.encode(rows(descriptors.coefficients), forKey: .descriptorCoefficients)
            try container.encode(rows(descriptors.standardErrors), forKey: .descriptorStandardErrors)
            try container.encode(descriptors.meanDescriptor, forKey: .descriptorMean)
            try container.encode(descriptorCovariance.nestedRows, forKey: .descriptorCovariance)
        }
        try TaskLevelColumns.encode(taskLevelRecord, into: &container, names: .taskLevelColumns, means: .taskLevelMeans)
    }

    /// Reads the family's keys for the family `model` names: the formula is parsed again and its
    /// designs rebuilt from the stored levels and checked against the stored term names; θ is
    /// validated (sizes, finite numbers, Λ's diagonal ≥ 0, `covariance` = ΛΛᵀ, vcov(β̂)
    /// symmetric with non-negative variances, `mean` = ν).
    /// - Throws: ``InputError`` naming the key, or `DecodingError` for a missing or mistyped key.
    init(from decoder: any Decoder, family: ResponseFamily) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let stated = try container.decode(String.self, forKey: .responseFamily)
        guard stated == family.rawValue else {
            throw InputError(column: "response_family", kind: .inconsistent, "is \(InputError.quoted(stated)), but the model is \(InputError.quoted(family.rawValue)); the file is inconsistent")
        }
        let text = try container.decode(String.self, forKey: .formula)
        let formula: ModelFormula
        do {
            formula = try ModelFormula(parsing: text)
        } catch var error as InputError {
            error.column = "formula"
            throw error
        }
        guard formula.taskSpecific != nil, !formula.uncorrelated else {
            throw InputError(column: "formula", kind: .invalidValue, "\(InputError.quoted(text)) must have one task-specific part (x | task)")
        }
        let approximation = try container.decode(String.self, forKey: .approximation)
        let points = try container.decode(Int.self, forKey: .quadraturePoints)
        guard (approximation == "laplace" && points == 1) || (approximation == "adaptive_gauss_hermite" && points > 1) else {
            throw InputError(column: "approximation", kind: .invalidValue, "is \(InputError.quoted(approximation)) with \(points) quadrature points; it must be \"laplace\" with 1, or \"adaptive_gauss_hermite\" with 2 or more")
        }
        let levels = try container.decode([String: [String]].self, forKey: .inputLevels)
        let (shared, specific) = try FormulaDesigns.fromPriorFile(
            formula: formula, levels: levels, basis: try container.decodeIfPresent(FeatureMap.self, forKey: .basis),
            sharedTerms: try container.decode([String].self, forKey: .sharedTerms),
            features: try container.decode([String].self, forKey: .features))
        let beta = try container.decode([Double].self, forKey: .sharedEstimates)
        var descriptors: DescriptorFit?, descriptorCovariance: Matrix?
        if let names = try container.decodeIfPresent([String].self, forKey: .descriptorNames) {
            // B z̃̄ must be the shared estimates (DescriptorFit checks it, as for linear_gaussian).
            descriptors = try DescriptorFit(names: names, coefficients: try container.decode([[Double]].self, forKey: .descriptorCoefficients),
                                            standardErrors: try container.decode([[Double]].self, forKey: .descriptorStandardErrors),
                                            meanDescriptor: try container.decode([Double].self, forKey: .descriptorMean), mean: beta)
            descriptorCovariance = try FormulaDesigns.matrix(try container.decode([[Double]].self, forKey: .descriptorCovariance), key: "descriptor_covariance")
        }
        try self.init(family: family, formula: formula, shared: shared, taskSpecific: specific, inputLevels: levels,
                      exposureColumn: try container.decodeIfPresent(String.self, forKey: .exposure),
                      beta: beta,
                      betaCovariance: try FormulaDesigns.matrix(try container.decode([[Double]].self, forKey: .sharedCovariance), key: "shared_covariance"),
                      theta: try container.decode([Double].self, forKey: .theta), quadraturePoints: points,
                      descriptors: descriptors, descriptorCovariance: descriptorCovariance,
                      taskLevel: try TaskLevelColumns.decode(from: container, names: .taskLevelColumns, means: .taskLevelMeans,
                                                             formula: formula, levels: levels))
        guard try container.decode([Double].self, forKey: .mean) == mean else {
            throw InputError(column: "mean", kind: .inconsistent, "must be the shared estimate of each task-specific term that is also shared, and 0 for the others; the file is inconsistent")
        }
        // Σ is written from θ as ΛΛᵀ; the same sums in the same order give the same bits.
        let stored = try FormulaDesigns.matrix(try container.decode([[Double]].self, forKey: .covariance), key: "covariance")
        guard stored == covariance else {
            throw InputError(column: "covariance", kind: .inconsistent, "must be ΛΛᵀ of theta, as the fit wrote it; the file is inconsistent")
        }
    }

}
