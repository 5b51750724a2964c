// SPDX-License-Identifier: GPL-3.0-or-later

/// The baselines `evaluate` scores beside a binomial or poisson prior, as priors of the same
/// model, so they adapt and predict through the same code (Laplace adaptation, discrete
/// predictive) on the same episodes.
extension GeneralizedMixedPrior {
    /// "Independent": each task alone. Its task-specific parameters get the weak prior
    /// N(0, `priorVariance`·I) in place of the learned N(ν, Σ); a term that is only shared
    /// (a fixed effect with no task-specific part) keeps its estimate, since no single task
    /// could estimate it.
    /// - Throws: ``InputError`` if `priorVariance` is not a positive finite number.
    public func independentBaseline(priorVariance: Double) throws -> GeneralizedMixedPrior {
        guard priorVariance > 0, priorVariance.isFinite else {
            throw InputError(column: "independent prior variance", kind: .invalidValue, "must be a positive number, not \(priorVariance)")
        }
        let q = taskSpecific.columnNames.count
        var diagonal = [Double](repeating: 0, count: q * (q + 1) / 2)
        var k = 0
        for j in 0..<q {
            diagonal[k] = priorVariance.squareRoot()
            k += q - j
        }
        let specific = Set(taskSpecific.columnNames)
        let sharedOnly = zip(shared.columnNames, beta).map { specific.contains($0.0) ? 0 : $0.1 }
        return try replacing(beta: sharedOnly, theta: diagonal)
    }

    /// "Pooled": one φ = ν for every task, no adaptation (Σ = 0): the fit's estimates of the
    /// terms, used as they are.
    public func pooledBaseline() throws -> GeneralizedMixedPrior {
        let q = taskSpecific.columnNames.count
        return try replacing(beta: beta, theta: [Double](repeating: 0, count: q * (q + 1) / 2))
    }

    private func replacing(beta: [Double], theta: [Double]) throws -> GeneralizedMixedPrior {
        try GeneralizedMixedPrior(family: family, formula: formula, shared: shared, taskSpecific: taskSpecific,
                                  inputLevels: inputLevels, exposureColumn: exposureColumn, beta: beta,
                                  betaCovariance: betaCovariance, theta: theta, quadraturePoints: 1)
    }
}
