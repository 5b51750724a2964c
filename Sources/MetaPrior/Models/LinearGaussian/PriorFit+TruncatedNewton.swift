// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension PriorFit {
    /// Most CG iterations in one truncated Newton step (each costs two gradients). Unbounded
    /// (250), one step of a fit at the noise floor cost up to 500 gradients while counting as one
    /// iteration; with 50 a step costs at most about as much as a dense Hessian at 50 parameters.
    static let conjugateGradientLimit = 50

    /// Gain in ℓ per task (Σ w) below which 5 truncated steps that did not halve the
    /// stationarity measure count as crawling: 5 steps cost up to 500 gradients, and at a gain
    /// of 1e-2 nats per task over them (10 nats for 1000 tasks) BFGS, at about one gradient per
    /// iteration, gains more per gradient (measured on sinusoid-line, rbf:20 at the noise floor:
    /// 0.007 nats per gradient by truncated steps, 0.2 by BFGS from the same point).
    static let crawlGain = 1e-2

    /// Newton steps past ``newtonParameterLimit`` parameters: a truncated Newton method with
    /// a trust region (Steihaug 1983, Toint 1981; Nocedal & Wright 2006, Algorithm 7.2) on
    /// F = −ℓ/N, in relative coordinates u centred on the current factor and re-centred after
    /// every accepted step (``RelativeCoordinates``: u = 1 doubles a column of Λ, u = −1
    /// removes it). The trust region is a ball in u.
    ///
    /// Why: a learned basis at its noise floor keeps Λ at full rank, so a fit has thousands of
    /// parameters (fourier:32: d = 65, 2145 entries of Λ); a dense Hessian would cost 2k
    /// gradients per step, and BFGS crawls there (its curvature estimate does not catch up
    /// with eigenvalues that span many orders of magnitude). Conjugate gradients need only
    /// Hessian–vector products, each taken here as a central difference of the analytic
    /// gradient along the vector, Hv ≈ (∇F(u + hv) − ∇F(u − hv))/(2h) (two gradients, error
    /// O(h²) relative, h = 1e-5 relative change of a column). In the entries of Λ (even
    /// column-scaled, as this method first did) CG used all its iterations at the noise floor
    /// and the fits stopped at the iteration limit with ℓ still rising by ~100 per step; in
    /// relative coordinates the same fits converge. CG stops at the
    /// trust-region boundary, at a direction of non-positive curvature (followed to the
    /// boundary, so a saddle is left rather than stalled on), or when the residual has fallen
    /// by the forcing factor min(0.1, √‖g‖∞) — loose far from the optimum, tight near it,
    /// which keeps the convergence superlinear (Dembo, Eisenstat & Steihaug 1982).
    ///
    /// A step is kept, as in ``newtonPolish``, if it raises ℓ (ratio of actual to predicted
    /// gain above 0.1), or, once ℓ is flat to round-off, if it lowers the gradient without
    /// lowering ℓ. Convergence is judged only by the gradient (``FitCriterion/stationarity``):
    /// CG never forms −H, so it cannot certify the Newton decrement's positive-definiteness
    /// condition, and no decrement is reported; where the gradient stops at working precision
    /// the caller finishes with dense Newton steps (up to ``densePolishLimit`` parameters).
    static func truncatedNewton(_ likelihood: ProfiledLikelihood, start theta0: [Double], scale: [Double],
                                options: PriorFitOptions, maximumSteps: Int)
        throws -> (theta: [Double], steps: Int, logLikelihood: Double, timedOut: Bool) {
        let observations = likelihood.statistics.weightedObservations
        // Relative coordinates centred on the current point, re-centred after every accepted
        // step (``RelativeCoordinates``): a preconditioner that follows Λ.
        var theta = theta0
        var coordinates = RelativeCoordinates(likelihood, at: theta)
        let k = theta0.count
        // F(u) = −ℓ/N, its gradient in u, the gradient in θ, and the stationarity measure
        // (largest |∂ℓ/∂Λ̂|/N).
        func evaluate(_ u: [Double]) throws -> (value: Double, gradient: [Double], theta: [Double], thetaGradient: [Double], stationarity: Double) {
            let t = coordinates.theta(u)
            let e = try likelihood.evaluate(t)
            let gTheta = e.gradient.map { -$0 / observations }
            let stationarity = zip(gTheta, scale).reduce(0.0) { Swift.max($0, abs($1.0 / $1.1)) }
            return (-e.logLikelihood / observations, coordinates.pullback(gTheta), t, gTheta, stationarity)
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        func largest(_ g: [Double]) -> Double { g.reduce(0) { Swift.max($0, abs($1)) } }
        func hessianTimes(_ v: [Double], at u: [Double]) throws -> [Double] {
            let size = largest(v)
            guard size > 0 else { return [Double](repeating: 0, count: k) }
            let h = 1e-5 * Swift.max(1, largest(u)) / size
            let gp = try evaluate(zip(u, v).map { $0 + h * $1 }).gradient
            let gm = try evaluate(zip(u, v).map { $0 - h * $1 }).gradient
            return zip(gp, gm).map { ($0 - $1) / (2 * h) }
        }
        // The τ ≥ 0 with ‖z + τd‖ = Δ.
        func toBoundary(_ z: [Double], _ d: [Double], _ radius: Double) -> Double {
            let a = dot(d, d), b = 2 * dot(z, d), c = dot(z, z) - radius * radius
            return (-b + Swift.max(b * b - 4 * a * c, 0).squareRoot()) / (2 * a)
        }

        var u = [Double](repeating: 0, count: k)
        var current = try evaluate(u)
        // A unit step in u doubles (or removes) a column of Λ.
        var radius = 1.0
        var steps = 0
        var history: [(stationarity: Double, loss: Double)] = []
        // Bounded work per step: at most `conjugateGradientLimit` CG iterations (two gradients
        // each). Past that CG is resolving directions along which ℓ is nearly flat; the step
        // taken so far is already a descent direction, and the next step starts from a better
        // point with a fresh model.
        let cgLimit = Swift.min(k, conjugateGradientLimit)
        while steps < maximumSteps, current.stationarity > options.gradientTolerance {
            if options.expired { return (theta, steps, -current.value * observations, true) }
            let g = current.gradient
            let gNorm = dot(g, g).squareRoot()
            let forcing = Swift.min(0.1, largest(g).squareRoot())
            // Steihaug CG on m(s) = gᵀs + ½sᵀHs, ‖s‖ ≤ Δ. The products Hd are kept so that the
            // model's prediction costs no further gradients.
            var z = [Double](repeating: 0, count: k)
            var hz = [Double](repeating: 0, count: k)
            var r = g
            var d = g.map { -$0 }
            var rr = gNorm * gNorm
            for _ in 0..<cgLimit {
                let hd = try hessianTimes(d, at: u)
                let curvature = dot(d, hd)
                let alpha = rr / curvature
                let next = zip(z, d).map { $0 + alpha * $1 }
                if curvature <= 0 || dot(next, next).squareRoot() >= radius {
                    let tau = toBoundary(z, d, radius)
                    for i in 0..<k { z[i] += tau * d[i]; hz[i] += tau * hd[i] }
                    break
                }
                z = next
                for i in 0..<k { hz[i] += alpha * hd[i]; r[i] += alpha * hd[i] }
                let rrNext = dot(r, r)
                if rrNext.squareRoot() <= forcing * gNorm { break }
                let beta = rrNext / rr
                rr = rrNext
                for i in 0..<k { d[i] = -r[i] + beta * d[i] }
            }
            let predicted = -(dot(g, z) + 0.5 * dot(z, hz))
            let candidateU = zip(u, z).map { $0 + $1 }
            let trial = try? evaluate(candidateU)
            let actual = trial.map { current.value - $0.value } ?? -Double.infinity
            let ratio = predicted > 0 ? actual / predicted : -1
            let stepNorm = dot(z, z).squareRoot()
            if ratio < 0.25 { radius = 0.25 * stepNorm } else if ratio > 0.75 && stepNorm >= 0.99 * radius { radius *= 2 }
            let roundOff = 1e-12 * abs(current.value)
            guard let trial, trial.value.isFinite else {
                if radius < 1e-14 { break }
                continue
            }
            if ratio > 0.1 || (actual >= -roundOff && trial.stationarity < current.stationarity) {
                theta = trial.theta
                coordinates = RelativeCoordinates(likelihood, at: theta)
                u = [Double](repeating: 0, count: k)
                current = trial
                current.gradient = coordinates.pullback(trial.thetaGradient)
                steps += 1
                options.progress?(FitProgress(phase: "newton-cg", iteration: steps, logLikelihood: -current.value * observations, change: actual * observations))
                // Crawling: over 5 steps the stationarity measure has not halved, and either ℓ
                // has gained less than `crawlGain` per task or a direction of Σ̃ has fallen
                // below the signal-to-noise ratio `shrink` removes. At a rank too high
                // for the optimum a column of Λ is vanishing, ℓ is flat along it and Newton
                // converges only linearly there; hand back to the caller, which removes such
                // directions (`shrink`) and optimises the rank below. (Far from the optimum the
                // trust region limits the steps and ℓ rises by much more: that is progress.)
                history.append((current.stationarity, current.value * observations))
                if history.count > 5, current.stationarity > 0.5 * history[history.count - 6].stationarity {
                    let gain = history[history.count - 6].loss - history[history.count - 1].loss
                    if gain < crawlGain * likelihood.statistics.weights.reduce(0, +) { break }
                    if try vanishingDirections(likelihood, theta: theta, threshold: shrinkThreshold) > 0 { break }
                }
            } else if radius < 1e-14 {
                break
            }
        }
        return (theta, steps, -current.value * observations, false)
    }
}
