// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The (μ, L) stage's finish on a fixed episode set: Newton rounds, the boundary and asymptote
/// tests, rank growth, and the handover to the natural stage.
extension EpisodicFit {
    /// The finish on one fixed episode set: Newton at the current rank r; once its decrement
    /// meets the tolerance, the asymptote test (`asymptoteTest(_:theta:)`) and, at r < d, the
    /// boundary test; while the boundary test fails, r grows by one along the boundary
    /// direction, followed by BFGS (stall rule) and Newton at the new rank. A Newton optimum
    /// below the limit of the objective at infinite variance along an eigen-direction of Σ is
    /// not a supremum: the fit then ends `stalled` (Newton cannot go to infinity).
    ///
    /// With `handOver` (full structure, followed by the natural stage), the stage also ends —
    /// `handedOn` — after the first round of `newtonRound` Newton steps that does not converge
    /// at a settled rank (r = d, or the boundary test's gain within the tolerance): near a
    /// regular optimum Newton converges quadratically, so ten steps without meeting the
    /// tolerance mean the (μ, L) coordinates are degenerate there (Σ nearly singular, L flat
    /// along its vanishing columns) and further steps crawl; the natural coordinates
    /// (`naturalStage`), in which that limit is a finite point, finish it. Measured on the
    /// sinusoid rbf:10 K = 5/10/20 fits (issue 11): at rank 7 each further round of 10 steps
    /// gained 1e-8 to 7e-8 nats per query point with the decrement flat at 3e-7 to 7e-7.
    static func finish(_ start: EpisodicObjective, theta: [Double], iterations: Int, startValue: Double, options: EpisodicFitOptions,
                       handOver: Bool = false) throws
        -> (objective: EpisodicObjective, theta: [Double], iterations: Int, decrement: Double?, boundaryGain: Double?,
            asymptoteGain: Double?, ending: FitStage.Ending) {
        var objective = start, theta = theta, iterations = iterations
        let d = objective.statistics.dimension
        func expired() -> Bool { options.deadline.map { ContinuousClock.now >= $0 } ?? false }
        while true {
            let scale = preconditioning(objective, theta: theta)
            // Newton in rounds of at most `newtonRound` steps at rank r < d: between rounds the
            // boundary test decides whether the objective rises faster outside Σ's range (at a
            // rank too low, Newton within it crawls: the rank-r optimum is not where f wants to go).
            // Rounds at r = d too when the stage may hand over (the handover test runs between them).
            let canGrow = objective.structure == .full && objective.columns < d
            let remaining = Swift.max(options.maximumIterations - iterations, 0)
            let newtonBudget = canGrow || handOver ? Swift.min(remaining, Self.newtonRound) : remaining
            let soFar = iterations
            let newton = try newton(objective, theta: theta, scale: scale, tolerance: options.tolerance,
                                    maximumSteps: newtonBudget, deadline: options.deadline) { step, value in
                options.progress?(FitProgress(phase: "episodic newton", iteration: soFar + step, logLikelihood: value,
                                              change: value - startValue))
            }
            theta = newton.theta
            iterations += newton.steps
            let decrement = newton.decrement.isFinite ? newton.decrement : nil
            // The gain left at infinite variance (full structure; a point where it exceeds the
            // tolerance is not converged whatever the decrement says).
            let asymptote = objective.structure == .full ? try asymptoteTest(objective, theta: theta).map { Swift.max($0.gain, 0) } : nil
            let saturated = (asymptote ?? 0) <= options.tolerance
            let outOfBudget = iterations >= options.maximumIterations
            if handOver && !canGrow && !newton.converged && !newton.timedOut && newton.steps == newtonBudget && !outOfBudget {
                return (objective, theta, iterations, decrement, nil, asymptote, .handedOn)
            }
            guard newton.converged || (canGrow && !newton.timedOut) else {
                let ending: FitStage.Ending = newton.timedOut ? .timeLimit : outOfBudget ? .iterationLimit : .stalled
                return (objective, theta, iterations, decrement, nil, asymptote, ending)
            }
            guard canGrow else { return (objective, theta, iterations, decrement, nil, asymptote, saturated ? .converged : .stalled) }
            let test = try boundaryTest(objective, theta: theta)
            if newton.converged && test.gain <= options.tolerance {
                return (objective, theta, iterations, decrement, test.gain, asymptote, saturated ? .converged : .stalled)
            }
            if expired() { return (objective, theta, iterations, decrement, test.gain, asymptote, .timeLimit) }
            if outOfBudget { return (objective, theta, iterations, decrement, test.gain, asymptote, .iterationLimit) }
            let stalled = !newton.converged && newton.steps < newtonBudget
            if !newton.converged && test.gain <= Swift.max(options.tolerance, decrement ?? 0) {
                // Within rank r is still where the gain is: go on there (or stop if stalled), or
                // hand over to the natural stage (the rank is settled and Newton crawls).
                if stalled { return (objective, theta, iterations, decrement, test.gain, asymptote, .stalled) }
                // Only at a gain within the tolerance: the natural stage's convergence rests on
                // this test, which it cannot repeat (its prior may be flat).
                if handOver && test.gain <= options.tolerance {
                    return (objective, theta, iterations, decrement, test.gain, asymptote, .handedOn)
                }
                continue
            }
            guard let grown = try grow(objective, theta: theta, along: test) else {
                return (objective, theta, iterations, decrement, test.gain, asymptote, .stalled)
            }
            objective = grown.objective
            theta = grown.theta
            let budget = Swift.max(Swift.min(options.maximumIterations - iterations - Self.newtonReserve, 100), 1)
            let result = try bfgs(objective, theta: theta, scale: preconditioning(objective, theta: theta), budget: budget, stallRule: true,
                                  phase: "episodic bfgs", iterationsSoFar: iterations, startValue: startValue, options: options)
            theta = result.theta
            iterations += result.iterations
        }
    }
}
