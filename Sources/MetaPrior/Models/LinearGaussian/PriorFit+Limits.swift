// SPDX-License-Identifier: GPL-3.0-or-later

/// The limits that bound the work of the marginal fit's optimiser.
extension PriorFit {
    /// Gradient evaluations allowed per iteration of ``PriorFitOptions/maximumIterations``,
    /// checked between rounds: a Newton step counts as one iteration but may cost up to 2k
    /// gradients (a dense Hessian) or 100 (truncated), so the iteration limit alone does not
    /// bound the work. 20: the converging fits measured used at most 15 per iteration
    /// (sinusoid, noise sd 0.1, rbf:20: 2915 gradients within 200 iterations).
    static let gradientBudgetPerIteration = 20

    /// Largest parameter count for Newton steps: each Hessian cost 2k gradient evaluations by
    /// differences, at k = 100 about what 150 BFGS iterations cost. The exact Hessian
    /// (ProfiledLikelihood+Hessian.swift) costs one pass of O(k²) per task instead; this limit
    /// and the ones below were tuned with differences.
    ///
    /// Re-measured with the exact Hessian and kept (debug build, loaded machine; harmonic
    /// `simulate --seed 1`, 60 tasks × 40 points, `fit --basis fourier:16:7.265
    /// --max-iterations 200`, d = 33): one exact Hessian at 561 parameters cost about 0.7 s
    /// CPU, about 150 gradient evaluations (4.5 ms each) against 1122 by differences. Yet
    /// raising this limit to 600 made the fit worse: dense Newton steps crawl at the noise
    /// floor (124 Hessians, 89 s CPU, ℓ 7003.98 at the iteration cap) where the present
    /// path reaches ℓ 7093.27 (cap, 3.8 s CPU); on 60 tasks × 40 points with fourier:12
    /// (220 parameters) both converge to the same ℓ, with 115 Hessians (20 s CPU) against
    /// 4 (5 s). The cost of a Hessian is not what stops convergence there.
    static let newtonParameterLimit = 100

    /// Largest parameter count for the full treatment: dense Newton steps after truncated ones
    /// (a dense Hessian costs 2k gradients, about a second at k = 300 for 1000 tasks in d = 21,
    /// half a minute at k = 600 in d = 33), BFGS limited to make room for Newton steps, and rank
    /// changes by gain where the optimiser crawls. Beyond it each rank gets 100 BFGS iterations
    /// and a round of truncated steps, and drops only directions below the signal-to-noise
    /// threshold, as before ranks were chosen by gain: at d = 33 (harmonic, fourier:16, 561
    /// parameters) the full treatment raised ℓ (99546 against 95095) but did not converge, and
    /// the final fit alone took 78 s (period fixed at 6.06443, 1000 tasks, a loaded machine).
    /// Raised to 600 with the exact Hessian (one pass; about 150 gradient evaluations at 561
    /// parameters, against 1122 by differences), with dense steps finishing truncated ones at
    /// any stationarity past ``wideFinishParameters`` (``denseFinishLimit(parameters:)``):
    /// harmonic `simulate --seed 1`, 1000 tasks × 40 points, `fit --basis fourier:16:7.265
    /// --max-iterations 200` (the period `fourier:16:auto` chooses) then converged, ℓ
    /// 109138.9569, stationarity 2e-10, rank 24, 20 Hessians (3.6 s wall each, load ~15),
    /// 44 s CPU; at 300 it stopped at the iteration cap, ℓ 109129.1823, stationarity 3.1e-5,
    /// rank 32, 20.5 s CPU (release build, one run each). Not yet enough: at the period the
    /// search itself hands over (7.26526, `fourier:16:auto`) the same fit stalled at ℓ
    /// 109136.1821, stationarity 2.1e-7, rank 24 (before: cap, ℓ 109126, 1.1e-5, rank 32).
    static let densePolishLimit = 600

    /// Most steps of ``polishToPrecision`` (each a Hessian and, where −H is flat to its
    /// precision, a line search of up to 156 evaluations of ℓ), within the iteration limit. The
    /// noise-free sinusoid-line `rbf:20:1.01043` fit of 100 tasks × 40 points took 91 (ℓ
    /// 15121.397 → 15127.388, release build); with at most 50 it stopped stalled on the way
    /// (ℓ 15126.376).
    static let precisionPolishSteps = 100

    /// Parameter count past which truncated steps hand over to dense ones at any stationarity:
    /// there (the noise floor of a rich basis) truncated steps crawl, and a dense step with the
    /// exact Hessian (about 150 gradients at 561 parameters) costs about what one truncated
    /// step does (up to 100), so waiting for ``denseFinishLimit`` wastes the round.
    static let wideFinishParameters = 300

    /// ``denseFinishLimit`` up to ``wideFinishParameters``, no limit beyond.
    static func denseFinishLimit(parameters: Int) -> Double {
        parameters > wideFinishParameters ? .infinity : denseFinishLimit
    }

    /// Most truncated Newton steps before the rank is checked again (the growth and shrink
    /// tests between rounds cost a few dozen evaluations of ℓ, less than one step).
    static let truncatedStepsPerRound = 10

    /// Largest stationarity (per observation) at which truncated steps hand over to dense
    /// ones (up to ``densePolishLimit`` parameters). Near it Newton's convergence with an exact
    /// Hessian is quadratic where truncated steps, which cannot resolve ℓ's flat directions in
    /// 50 CG iterations, go on linearly: sinusoid, noise sd 0.1, rbf:20 (231 parameters)
    /// converged by dense steps from there (to 5e-11 in 40 iterations, 2913 gradients).
    /// Further away a dense Hessian (2k gradients) would often be spent at a point a change of
    /// rank then leaves.
    static let denseFinishLimit = 1e-3
}
