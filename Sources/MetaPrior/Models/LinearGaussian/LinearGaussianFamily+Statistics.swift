// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension TaskStatistics {
    /// Statistics given directly (read from statistics files, ``SufficientStatistics``), with
    /// no rows kept: the likelihood of a task with fewer points than features then takes the
    /// d×d form instead of the thin one, which is the same function of θ.
    /// - Precondition: the arrays have T·d·d, T·d, T and T entries.
    init(dimension d: Int, gram: [Double], cross: [Double], targetSquares: [Double], counts: [Int], weights: [Double]) {
        let t = counts.count
        precondition(gram.count == t * d * d && cross.count == t * d && targetSquares.count == t && weights.count == t,
                     "TaskStatistics: arrays of the wrong size")
        self.dimension = d
        self.taskCount = t
        self.gram = gram
        self.cross = cross
        self.targetSquares = targetSquares
        self.counts = counts
        self.weights = weights
        self.rows = TaskRows(counts: [Int](repeating: 0, count: t), dimension: d)
    }
}

extension LinearGaussianFamily {
    /// The marginal fit from per-task statistics alone (no rows): the same θ as
    /// ``fit(_:request:)`` on the rows those statistics came from, because the profiled
    /// likelihood, its gradient and EM read nothing else.
    /// - Throws: ``InputError`` for a request the statistics cannot serve (the episodic
    ///   objective or an automatic basis need the rows), or the errors of ``PriorFit``.
    public static func fit(statistics: TaskStatistics, basis: FeatureMap, request: FitRequest) throws -> FittedModel {
        try request.refuseSettings(unhonouredBy: self, weighted: statistics.weights.contains { $0 != 1 })
        guard request.episodic == nil else {
            throw InputError(column: "--objective", "the episodic objective samples support and query points from each task's rows; statistics files hold only sums, so fit the marginal likelihood (the default)")
        }
        do {
            let marginal = try PriorFit.fit(statistics, options: BasisSelection.bounded(request.options, statistics))
            var fitted = try marginalOnly(marginal, basis: basis, request: request, observations: statistics.weightedObservations).fitted
            if let warning = NoiseFloor.warning(noiseVariance: marginal.prior.noiseVariance, statistics: statistics) {
                fitted.notes.append(warning)
            }
            return fitted
        } catch let error as GSLError {
            throw InputError(kind: .invalidValue,
                             "the fit broke down in floating point (\(error.operation)): the statistics hold values too extreme or degenerate for double precision")
        }
    }
}
