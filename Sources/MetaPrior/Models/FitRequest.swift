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

    /// A request; by default the linear basis, a full Σ and the marginal likelihood.
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
    /// The fitted θ, ready to write into a prior file or adapt to a new task.
    public var prior: any TaskPrior
    /// Σ_i w_i log p(D_i | θ) at the fit.
    public var logMarginalLikelihood: Double
    /// Iterations in all.
    public var iterations: Int
    /// Largest gradient entry at the fit.
    public var gradientNorm: Double
    /// Whether the convergence tolerance was met.
    public var converged: Bool
    /// Number of meta-train tasks fitted.
    public var tasks: Int
    /// Number of observations fitted, Σ_i w_i n_i (weighted when tasks have weights).
    public var observations: Int
    /// One line on the optimiser's run (`converged after 12 EM + 9 quasi-Newton iterations`).
    public var account: String
    /// Notes and warnings about the fit for a person (boundary, floors, non-convergence).
    public var notes: [String]
    /// The episodic objective's result, for an episodic fit.
    public var episodic: EpisodicSummary?

    /// A fit from its parts, as a ``ModelFamily`` reports it; notes and the episodic summary
    /// are optional.
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
        /// Mean log p(y_q | D_s, θ) per query point at the marginal-likelihood start.
        public var startLogPredictive: Double
        /// Mean log p(y_q | D_s, θ) per query point at the episodic fit; higher than
        /// ``startLogPredictive`` when the episodic objective helped on the training episodes.
        public var logPredictive: Double
        /// Episodes in the (last) training set.
        public var episodes: Int
        /// BFGS iterations of the episodic fit.
        public var iterations: Int
        /// Whether the episodic fit met its gradient tolerance.
        public var converged: Bool

        /// A summary from its parts.
        public init(startLogPredictive: Double, logPredictive: Double, episodes: Int, iterations: Int, converged: Bool) {
            self.startLogPredictive = startLogPredictive
            self.logPredictive = logPredictive
            self.episodes = episodes
            self.iterations = iterations
            self.converged = converged
        }
    }
}
