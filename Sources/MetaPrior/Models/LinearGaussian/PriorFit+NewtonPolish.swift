// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension PriorFit {
    /// Newton steps on the analytic gradient in the dimensionless parameters θ̂ = scale ⊙ θ,
    /// with the exact Hessian (``ProfiledLikelihood/hessian(at:)``, one pass over the tasks);
    /// with task descriptors, whose Hessian is not written, from central differences of the
    /// gradient (2k passes).
    ///
    /// Why: near the optimum the profiled likelihood is so flat that BFGS's line search can no
    /// longer see a decrease in the *value* (a change of 1e-16 relative), and it stops with the
    /// gradient still well above the tolerance. Newton's method needs only the gradient, which
    /// stays accurate there, and converges quadratically. Used only while the parameter count is
    /// small (the Hessian costs 2k gradient evaluations); a step is kept if it raises ℓ, or lowers
    /// the stationarity measure without lowering ℓ beyond round-off.
    ///
    /// Also returns ℓ at the start, and the Newton decrement at the final point, ½ gᵀ(−H)⁻¹g per observation: the
    /// gain in ℓ/N that one more exact Newton step promises (+∞ where −H is not positive
    /// definite, i.e. not at a maximum). When the gradient stops shrinking because it has
    /// reached the precision the likelihood can be evaluated to, this says how far from the
    /// maximum the point still is (``FitCriterion/newtonDecrement``).
    ///
    /// With `precision` (in nats: a multiple of ℓ's measured round-off, ``polishToPrecision``)
    /// a step, or a point of the flat-direction search, is kept only if it raises ℓ by more than
    /// that, and the steps go on until none does (`exhausted`) or `maximumSteps` are taken.
    static func newtonPolish(_ likelihood: ProfiledLikelihood, start theta0: [Double], scale: [Double],
                             options: PriorFitOptions, maximumSteps: Int = 30, precision: Double? = nil) throws
        -> (theta: [Double], steps: Int, logLikelihood: Double, timedOut: Bool, decrement: Double, stationarity: Double,
            startLogLikelihood: Double, exhausted: Bool) {
        let observations = likelihood.statistics.weightedObservations
        var u = zip(theta0, scale).map { $0 * $1 }
        func theta(_ u: [Double]) -> [Double] { zip(u, scale).map { $0 / $1 } }
        func evaluate(_ u: [Double]) throws -> (ll: Double, gradient: [Double], evaluation: ProfiledLikelihood.Evaluation) {
            let e = try likelihood.evaluate(theta(u))
            return (e.logLikelihood, zip(e.gradient, scale).map { $0 / $1 / observations }, e)
        }
        // ℓ alone (no gradient), for the line search along flat directions; nil where it fails.
        func value(_ u: [Double]) -> Double? { (try? likelihood.evaluate(theta(u), gradient: false))?.logLikelihood }
        func norm(_ g: [Double]) -> Double { g.reduce(0) { Swift.max($0, abs($1)) } }
        // An accurate Hessian keeps Newton's convergence quadratic, which is what ends the fit
        // where BFGS crawls: the exact one in θ̂ (H_θ / (scale_i scale_j N)), or central
        // differences of the gradient (2k evaluations) with descriptors.
        let exact = likelihood.statistics.descriptors == nil
        func hessian(at u: [Double], _ e: ProfiledLikelihood.Evaluation) throws -> Matrix {
            let k = u.count
            var hessian = Matrix(rows: k, columns: k)
            if exact {
                let h = try likelihood.hessian(at: e)
                for i in 0..<k { for j in 0..<k { hessian[i, j] = h[i * k + j] / (scale[i] * scale[j] * observations) } }
                return hessian
            }
            for i in 0..<k {
                let h = 1e-5 * Swift.max(1, abs(u[i]))
                var plus = u, minus = u
                plus[i] += h
                minus[i] -= h
                let gp = try evaluate(plus).gradient, gm = try evaluate(minus).gradient
                for j in 0..<k { hessian[j, i] = (gp[j] - gm[j]) / (2 * h) }
            }
            return hessian
        }
        func decrement(_ negative: Matrix, _ g: [Double]) -> Double {
            guard let step = try? Cholesky(negative).solve(g) else { return .infinity }
            return 0.5 * zip(g, step).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var current = try evaluate(u)
        let startLogLikelihood = current.ll
        var steps = 0
        var lastHessianAt: [Double]?
        var lastDecrement = Double.infinity
        // The damping of the last accepted step (relative to −H's largest diagonal entry; 0 for a
        // full Newton step): the next step's ladder starts from it (`dampingLadder(after:)`).
        var lastDamping = 0.0
        var exhausted = false
        while steps < maximumSteps, norm(current.gradient) > options.gradientTolerance {
            if options.expired { return (theta(u), steps, current.ll, true, .infinity, norm(current.gradient), startLogLikelihood, false) }
            let k = u.count
            let hessian = try hessian(at: u, current.evaluation)
            // Levenberg–Marquardt damping: solve (−H + λI) δ = g, λ growing from 0 until the step
            // is defined (−H + λI positive definite) and improves ℓ. Near a singular boundary −H
            // is only semi-definite, and undamped Newton would not be safe there. The rungs are
            // √10 apart, starting from the last accepted λ (see `dampingLadder(after:)`).
            let negative = symmetrized(-1 * hessian)
            lastHessianAt = u
            lastDecrement = decrement(negative, current.gradient)
            let (previousLL, previousNorm) = (current.ll, norm(current.gradient))
            let size = Swift.max(negative.diagonalEntries.map(abs).max() ?? 1, 1e-300)
            var accepted = false
            for damping in dampingLadder(after: lastDamping) {
                var damped = negative
                for i in 0..<k { damped[i, i] += damping * size }
                guard let step = try? Cholesky(damped).solve(current.gradient) else { continue }
                let candidateU = zip(u, step).map { $0 + $1 }
                // Kept if it raises ℓ (a trust-region step), or, once ℓ is flat to round-off,
                // if it lowers the gradient without lowering ℓ (with `precision`, if it halves
                // the gradient: a gain within ℓ's precision is no gain, and halving cannot
                // go on past the gradient's own round-off).
                let roundOff = precision ?? 1e-12 * abs(current.ll)
                guard let candidate = try? evaluate(candidateU),
                      candidate.ll > current.ll + roundOff
                        || (candidate.ll >= current.ll - roundOff
                            && norm(candidate.gradient) < (precision == nil ? 1 : 0.5) * norm(current.gradient)) else { continue }
                u = candidateU
                current = candidate
                lastDamping = damping
                accepted = true
                break
            }
            // Where −H is not positive definite only because ℓ is flat to the Hessian's precision
            // along some directions, damping keeps every step short along them; a line search
            // along them goes where the step cannot (`searchFlatDirections`; from the point the
            // step reached, along the eigenvectors of the Hessian before it).
            if lastDecrement == .infinity,
               let flat = try searchFlatDirections(at: u, gradient: current.gradient, value: current.ll, negative: negative,
                                                   roundOff: precision ?? 1e-12 * abs(current.ll), evaluate: value) {
                u = flat.u
                current = try evaluate(u)
                accepted = true
            }
            if !accepted { exhausted = true; break }
            steps += 1
            // Crawling (ℓ gains less than 1e-10 relative and the gradient did not halve): a
            // direction is vanishing and Newton's model is degenerate there; hand back to the
            // caller, which removes such directions.
            if precision == nil, current.ll - previousLL < 1e-10 * abs(current.ll) && norm(current.gradient) > 0.5 * previousNorm { break }
            options.progress?(FitProgress(phase: "newton", iteration: steps, logLikelihood: current.ll, change: 0))
        }
        // The decrement at the final point (the loop's last Hessian was taken before its last
        // step); none is needed where the gradient already meets the tolerance.
        if norm(current.gradient) > options.gradientTolerance && lastHessianAt != u && !options.expired {
            lastDecrement = decrement(symmetrized(-1 * (try hessian(at: u, current.evaluation))), current.gradient)
        }
        return (theta(u), steps, current.ll, false, lastDecrement, norm(current.gradient), startLogLikelihood, exhausted)
    }

    /// The Levenberg–Marquardt shifts λ one step of ``newtonPolish`` tries, in this order
    /// (relative to the largest |diagonal entry| of −H): 0, the full Newton step, then rungs
    /// √10 apart from max(10⁻¹², `last`/100) up to 100, where `last` is the λ of the previous
    /// accepted step.
    ///
    /// Why √10 apart: the first λ that gives an ascent step is kept, and the least such λ
    /// usually lies between two rungs; along the weakly curved directions the step shrinks in
    /// proportion to λ, so with rungs 100× apart (0, 10⁻¹⁰, 10⁻⁸, …, 100, the ladder before)
    /// a kept step could be up to 100× too short. That is what left the harmonic
    /// `fourier:16:auto` fit (issue 11) not converged: at period 7.2652641199776395 (516
    /// parameters) the kept steps were ~40× shorter than needed, each dense Newton step
    /// gained only 0.03–0.3 in ℓ (release log of main), and the fit ended stalled.
    /// With rungs √10 apart a kept step is at most ~3× too damped.
    ///
    /// Why start from the last λ (the classic LM memory): a rung that fails after its Cholesky
    /// succeeded costs an evaluation (a pass over the tasks), and the λ a step needs changes
    /// slowly from one step to the next; climbing a ladder three times as fine from 10⁻¹²
    /// at every step would triple those failures. Two decades below the last λ lets it fall
    /// 100× per step, and full Newton, tried first, ends the damping once the quadratic model
    /// holds.
    static func dampingLadder(after last: Double) -> [Double] {
        let first = Swift.max(1e-12, last / 100)
        // Rungs 10^(j/2) from the one at or just below `first` (a fixed lattice, so a λ kept
        // once is met again exactly); the margin keeps log10 of a rung, computed a rounding
        // error below its half-integer, from starting one rung lower.
        let start = (2 * log10(first) + 1e-9).rounded(.down)
        return [0] + stride(from: start, through: 4, by: 1).map { pow(10, $0 / 2) }
    }

    /// Newton steps before BFGS, where the exact Hessian is available (no task descriptors):
    /// `nil` otherwise. `done` when they met the stationarity criterion (the gradient, or the
    /// Newton decrement where the gradient can shrink no further) or the deadline passed.
    ///
    /// Why first: with the Hessian in one pass a Newton step costs about two gradient
    /// evaluations, and from EM's point (or the previous rank's optimum) a few steps reach the
    /// criterion where BFGS spent tens of evaluations only to get near it (1,000,000 tasks,
    /// d = 3: 3 BFGS iterations took 20 gradient evaluations). Where they do not converge (a
    /// direction vanishing, or the start too far), the caller runs BFGS and Newton as before
    /// from the better point, so nothing is lost but the steps taken.
    static func newtonFirst(_ likelihood: ProfiledLikelihood, start: [Double], scale: [Double], options: PriorFitOptions,
                            iterationsSoFar: Int, stages: inout [PriorFitPhase])
        throws -> (theta: [Double], iterations: Int, logLikelihood: Double, stationarity: Double, timedOut: Bool,
                   decrement: Double, done: Bool)? {
        guard likelihood.statistics.descriptors == nil, iterationsSoFar < options.maximumIterations else { return nil }
        let polished = try newtonPolish(likelihood, start: start, scale: scale, options: options,
                                        maximumSteps: Swift.min(30, options.maximumIterations - iterationsSoFar))
        if polished.steps > 0 {
            stages.append(PriorFitPhase(name: "newton", rank: likelihood.columns, iterations: polished.steps, logLikelihood: polished.logLikelihood))
        }
        let done = polished.timedOut || polished.stationarity <= options.gradientTolerance || polished.decrement <= options.decrementTolerance
        return (polished.theta, iterationsSoFar + polished.steps, polished.logLikelihood, polished.stationarity, polished.timedOut,
                polished.decrement, done)
    }
}
