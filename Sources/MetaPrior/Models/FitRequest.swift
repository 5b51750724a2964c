// SPDX-License-Identifier: GPL-3.0-or-later

/// What to fit: the settings every family is handed by ``ModelFamily/fit(_:request:)``. A
/// family uses those that apply to it and refuses, with an ``InputError``, those it cannot
/// honour.
public struct FitRequest: Sendable {
    /// The feature basis f(x).
    public var basis: BasisSpec
    /// Shape of Σ, tolerance, iteration limits and progress.
    public var options: PriorFitOptions
    /// The episodic objective's episodes, or `nil` for the marginal likelihood.
    public var episodic: EpisodicFitOptions?

    public init(basis: BasisSpec = .linear, options: PriorFitOptions = PriorFitOptions(), episodic: EpisodicFitOptions? = nil) {
        self.basis = basis
        self.options = options
        self.episodic = episodic
    }

    /// The objective this request maximises.
    public var objective: TrainingObjective { episodic == nil ? .marginal : .episodic }
}

/// What meta-training maximises.
public enum TrainingObjective: String, Sendable, Codable, CaseIterable {
    /// The marginal likelihood of whole tasks (empirical Bayes).
    case marginal
    /// The predictive density of query points given support points, over sampled episodes.
    case episodic
}

/// A fitted prior and the optimiser's account of how it got there.
public struct FittedModel: Sendable {
    /// θ.
    public var prior: any TaskPrior
    /// Σ_i w_i log p(D_i | θ) at the fit.
    public var logMarginalLikelihood: Double
    /// Iterations in all.
    public var iterations: Int
    /// Largest gradient entry at the fit.
    public var gradientNorm: Double
    /// Whether the convergence tolerance was met.
    public var converged: Bool
    /// Tasks and (weighted) observations fitted.
    public var tasks: Int
    public var observations: Int
    /// One line on the optimiser's run (`converged after 12 EM + 9 quasi-Newton iterations`).
    public var account: String
    /// Notes and warnings about the fit for a person (boundary, floors, non-convergence).
    public var notes: [String]
    /// The episodic objective's result, for an episodic fit.
    public var episodic: EpisodicSummary?

    public init(prior: any TaskPrior, logMarginalLikelihood: Double, iterations: Int, gradientNorm: Double, converged: Bool,
                tasks: Int, observations: Int, account: String, notes: [String] = [], episodic: EpisodicSummary? = nil) {
        self.prior = prior
        self.logMarginalLikelihood = logMarginalLikelihood
        self.iterations = iterations
        self.gradientNorm = gradientNorm
        self.converged = converged
        self.tasks = tasks
        self.observations = observations
        self.account = account
        self.notes = notes
        self.episodic = episodic
    }

    /// How an episodic fit went: mean log predictive density per query point on the training
    /// episodes at the marginal start and at the fit.
    public struct EpisodicSummary: Sendable {
        public var startLogPredictive: Double
        public var logPredictive: Double
        public var episodes: Int
        public var iterations: Int
        public var converged: Bool

        public init(startLogPredictive: Double, logPredictive: Double, episodes: Int, iterations: Int, converged: Bool) {
            self.startLogPredictive = startLogPredictive
            self.logPredictive = logPredictive
            self.episodes = episodes
            self.iterations = iterations
            self.converged = converged
        }
    }
}
