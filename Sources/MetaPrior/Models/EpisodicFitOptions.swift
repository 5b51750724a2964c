// SPDX-License-Identifier: GPL-3.0-or-later

/// How to fit a prior by the episodic objective.
public struct EpisodicFitOptions: Sendable {
    /// Support sizes.
    public var shots: ShotRange
    /// Query points per episode (per class with ``ways``).
    public var query: Int
    /// Classes N per episode: N-way K-shot classification episodes (K support and Q query
    /// points per class), for the class families; `nil` for regression episodes.
    public var ways: Int?
    /// Episodes in the fixed training set (or per mini-batch, see ``batchEpisodes``).
    public var episodes: Int
    /// Seed of the episodes: the sampler's `EpisodeSpec.seed`.
    public var seed: UInt64
    /// Mini-batches: when set, each round draws this many fresh episodes (episode numbers
    /// continue from round to round, so every batch is seeded and reproducible) and runs
    /// ``iterationsPerRound`` BFGS iterations on them, warm-started.
    public var batchEpisodes: Int?
    /// BFGS iterations on each mini-batch before fresh episodes are drawn (each round
    /// warm-started from the previous round's θ).
    public var iterationsPerRound: Int = 20
    /// Iterations in all: BFGS iterations and Newton steps (on a fixed episode set, at least
    /// half of the budget, and at least its last 50, are kept for Newton).
    public var maximumIterations: Int = 500
    /// BFGS's own stopping test (GSL: ‖∇‖₂ of the mean log predictive density per query
    /// point in the preconditioned coordinates u); by mini-batches, the convergence test on the
    /// last batch (largest |∂/∂u|).
    public var gradientTolerance: Double = 1e-6
    /// Convergence on one fixed episode set, where Σ = LLᵀ with L of size d×r (r: the rank of
    /// the start's Σ, grown while the boundary test fails). All three, in nats per query point:
    /// - at rank r, the Newton decrement ½ gᵀ|H|⁻¹g — the gain in mean log predictive density
    ///   per query point that one more Newton step promises, H the exact (analytic) Hessian in
    ///   (μ, L, log σ²) — is at most this, with no direction of increase in the Hessian (no
    ///   eigenvalue of H above 1e-6 of its largest |eigenvalue|);
    /// - when r < d, the boundary (KKT) condition: with G = ∂/∂Σ of that density and P an
    ///   orthonormal basis of the directions outside Σ's range, v the top eigenvector of
    ///   PᵀGP, the gain ½ (vᵀGv)²/(−f''(0)) that adding variance s·vvᵀ promises (0 when
    ///   vᵀGv ≤ 0) is at most this;
    /// - the asymptote test: for each eigen-direction v of Σ (eigenvalue λ), the gain
    ///   lim_{t→∞} f(Σ − λvvᵀ + t·vvᵀ) − f(Σ) of letting that variance grow without bound, in
    ///   closed form (``EpisodicFitResult/asymptoteGain``), is at most this.
    ///
    /// 1e-9 nats per query point
    /// is 1e-5 nats over 10,000 query points: far below any difference a held-out score can
    /// show. It is scale-free: the objective is a log density averaged per point, and the
    /// decrement is invariant to the units of y and of the features.
    public var tolerance: Double = 1e-9
    /// Whether the (μ, L) stage on a fixed episode set (full structure) hands over to the
    /// natural-coordinate stage once its Newton steps stop converging at a settled rank
    /// (`EpisodicFit.finish`), rather than spending the rest of ``maximumIterations`` there.
    /// Off only to compare with the old path (tests).
    var handOverToNatural = true
    /// Stop at the best point reached when the clock passes this (the whole fit's time
    /// limit); the result is then marked not converged, ending ``FitStage/Ending/timeLimit``.
    public var deadline: ContinuousClock.Instant?
    /// Called after every round of BFGS iterations (for progress on a terminal).
    public var progress: (@Sendable (FitProgress) -> Void)?

    /// Options for episodes of `shots` support and `query` query points, `episodes` of them
    /// from `seed`, on one fixed set (no mini-batches).
    public init(shots: ShotRange, query: Int, episodes: Int, seed: UInt64) {
        self.shots = shots
        self.query = query
        self.episodes = episodes
        self.seed = seed
    }

    /// The sampler's spec: K_max support and Q query rows (a smaller K is cut from the K_max).
    public var spec: EpisodeSpec { EpisodeSpec(shots: shots.upper, query: .count(query), withReplacement: true, seed: seed) }

    /// Checks the sizes before any work: 1 to ``EpisodeSpec/maximumShots`` query points and
    /// K_max, 1 to ``EpisodeSampler/maximumEpisodes`` episodes (and per batch).
    /// - Throws: ``InputError`` naming the option (`query`, `shots`, `episodes`, `batch-episodes`).
    public func validate() throws {
        guard query >= 1 else { throw InputError(column: "query", "the number of query points must be at least 1, not \(query)") }
        guard query <= EpisodeSpec.maximumShots else {
            throw InputError(column: "query", kind: .invalidValue, "the number of query points must be from 1 to \(EpisodeSpec.maximumShots), not \(query)")
        }
        guard shots.upper <= EpisodeSpec.maximumShots else {
            throw InputError(column: "shots", kind: .invalidValue, "the number of support points must be at most \(EpisodeSpec.maximumShots), not \(shots.upper)")
        }
        guard episodes >= 1 else { throw InputError(column: "episodes", "the number of episodes must be at least 1, not \(episodes)") }
        let most = EpisodeSampler.maximumEpisodes
        guard episodes <= most else {
            throw InputError(column: "episodes", kind: .invalidValue, "the number of episodes must be from 1 to \(most) (every episode is kept in memory), not \(episodes)")
        }
        if let batchEpisodes {
            guard batchEpisodes >= 1 else { throw InputError(column: "batch-episodes", "must be at least 1") }
            guard batchEpisodes <= most else {
                throw InputError(column: "batch-episodes", kind: .invalidValue, "must be from 1 to \(most) (every episode of a batch is kept in memory), not \(batchEpisodes)")
            }
        }
    }
}
