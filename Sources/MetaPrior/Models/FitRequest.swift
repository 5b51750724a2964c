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
    /// The time limit in seconds the fit was given (`fit --time-limit`), recorded in the prior
    /// file; the deadlines themselves are ``PriorFitOptions/deadline`` and
    /// ``EpisodicFitOptions/deadline``.
    public var timeLimit: Double?
    /// Maximise the restricted likelihood (REML, lme4's default) instead of the likelihood:
    /// for a family with shared parameters (``FormulaModelFamily``); others refuse it.
    public var reml = false
    /// Gauss–Hermite points per task for a generalised mixed model (`--quadrature-points`,
    /// glmer's nAGQ): 1 is the Laplace approximation; more needs a single task-specific term.
    /// Other families refuse anything but 1.
    public var quadraturePoints = 1
    /// Full Bayes over θ as well as empirical Bayes, for a conjugate hierarchy
    /// (``ConjugateFullBayes``); others refuse it.
    public var fullBayes = false
    /// The hyperprior of full Bayes (the hierarchy's documented default when `nil`).
    public var hyperprior: ConjugateHyperprior?
    /// Settings the caller set by hand, even to their default values (`fit --weights` on a
    /// column of ones, say), so that a family that cannot honour them refuses them
    /// (``refuseSettings(unhonouredBy:weighted:)``); the rest are read from the values.
    public var explicitSettings: Set<FitSetting> = []
    /// The components of a mixture prior (`--components`) and its seed, for
    /// ``GaussianMixtureFamily``; `nil` for its default (K = 2). Other families refuse it.
    public var mixture: MixtureRequest?

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
    /// One line on how the fit the user asked for ended (`converged`, or `NOT converged: …`
    /// and why), the last line of the report.
    public var account: String
    /// The stages of the fit in order (marginal likelihood, then episodic objective), each
    /// with its iterations, value, criterion and ending; empty for a family that does not
    /// report stages.
    public var stages: [FitStage] = []
    /// Whether the time limit stopped the fit (``FitRequest/timeLimit``).
    public var stoppedAtTimeLimit = false
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
        /// Iterations of the episodic fit (BFGS and Newton).
        public var iterations: Int
        /// Whether the episodic fit met its convergence criterion.
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
