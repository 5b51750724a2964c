// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension EpisodicFit {
    /// Where the Newton stage of an episodic fit stopped.
    struct NewtonOutcome {
        /// The best point, in θ = (μ, L, log σ²).
        var theta: [Double]
        /// Newton steps taken.
        var steps: Int
        /// The convergence criterion at `theta` (``newtonDecrement(gradient:eigen:)``), in
        /// nats per query point.
        var decrement: Double
        /// Whether the Hessian of the objective at `theta` has a direction of clear increase
        /// (a saddle: at a singular Σ, more variance along its null space would help).
        var ascentDirection: Bool
        /// Whether the decrement met the tolerance with no ascent direction.
        var converged: Bool
        /// Whether the deadline stopped it.
        var timedOut: Bool
    }

    /// Newton's method with a Levenberg–Marquardt trust region on the mean log predictive
    /// density per query point, in the preconditioned coordinates u (θ = scale ⊙ u).
    ///
    /// Why Newton: at the fits that matter (a family with few degrees of freedom) Σ is nearly
    /// singular and the objective is flat along the factor's vanishing columns, with curvature
    /// that differs by many orders of magnitude between directions; BFGS's Hessian estimate
    /// does not catch up with that in hundreds of iterations. The Hessian is the exact one
    /// (`EpisodicObjective.secondOrder`, one pass over the episodes; a Hessian by central
    /// differences of the gradient had errors ~1e-10 of its largest curvature, the size of the
    /// ridge curvatures at the noise-free fits, which flipped their sign from step to step). It
    /// is eigendecomposed, and each step solves the trust-region subproblem exactly in that
    /// eigenbasis (Moré & Sorensen 1983), so directions of negative curvature — saddles at a
    /// vanishing column of L — are followed rather than stalled on.
    ///
    /// Convergence (scale-free, first-order): the Newton decrement ½ gᵀ|H|⁻¹g — the gain in
    /// mean log predictive density per query point that a full Newton step promises — is at
    /// most `tolerance`, and no eigenvalue of the objective's Hessian is positive beyond
    /// 1e-6 of the largest curvature (no ascent direction left, which at a singular Σ is the
    /// KKT condition on its null space). It is invariant to affine reparametrisation, so to
    /// the units of y and of the features.
    static func newton(_ objective: EpisodicObjective, theta start: [Double], scale: [Double], tolerance: Double,
                       maximumSteps: Int, deadline: ContinuousClock.Instant?,
                       progress: ((_ step: Int, _ value: Double) -> Void)?) throws -> NewtonOutcome {
        let n = objective.statistics.queryPoints
        // F(u) = −f(scale ⊙ u)/n and its gradient in u.
        func evaluate(_ u: [Double]) throws -> (value: Double, gradient: [Double]) {
            let e = try objective.evaluate(zip(u, scale).map { $0 * $1 })
            return (-e.value / n, zip(e.gradient, scale).map { -$0 * $1 / n })
        }
        // The exact Hessian of F in u: −diag(scale)·∇²f·diag(scale)/n (`secondOrder`).
        func hessian(_ u: [Double]) throws -> Matrix {
            let k = u.count
            let second = try objective.secondOrder(zip(u, scale).map { $0 * $1 })
            var hessian = Matrix(rows: k, columns: k)
            for i in 0..<k { for j in 0..<k { hessian[i, j] = -second.hessian[i, j] * scale[i] * scale[j] / n } }
            return hessian
        }
        var outcome = try trustRegionNewton(start: zip(start, scale).map { $0 / $1 }, evaluate: evaluate, hessian: hessian,
                                            tolerance: tolerance, maximumSteps: maximumSteps, deadline: deadline, progress: progress)
        outcome.theta = zip(outcome.theta, scale).map { $0 * $1 }
        return outcome
    }

    /// The trust-region Newton iteration of `newton` on any F(u) to be minimised (F is minus
    /// the mean log predictive density per query point), given F with its gradient and the
    /// Hessian of F; returns u in `theta`.
    ///
    /// With `scaledByDiagonal`, each step works in ũ = Du, D = diag(√|H_ii|) of that step's
    /// Hessian (Jacobi scaling; the trust region is the ellipsoid ‖D δ‖ ≤ Δ): for coordinates
    /// whose curvatures differ by many orders of magnitude and carry no preconditioning of
    /// their own (the natural stage's). Unscaled, the eigenvalue floor (1e-12 of the largest)
    /// replaced genuine small curvatures by the floor, so the "Newton" step moved along them by
    /// a fraction λ/floor of the way and the decrement, which used the same floor, understated
    /// what was left (issue 11). The decrement is the same quantity in either coordinates when
    /// the Hessian is positive definite (½gᵀH⁻¹g is invariant under u ↦ Du), and the ascent
    /// test then compares curvatures on the scaled Hessian, whose diagonal is 1.
    static func trustRegionNewton(start: [Double], evaluate: ([Double]) throws -> (value: Double, gradient: [Double]),
                                  hessian: ([Double]) throws -> Matrix, scaledByDiagonal: Bool = false, tolerance: Double, maximumSteps: Int,
                                  deadline: ContinuousClock.Instant?,
                                  progress: ((_ step: Int, _ value: Double) -> Void)?) throws -> NewtonOutcome {
        let k = start.count
        func expired() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
        var u = start
        var current = try evaluate(u)
        var steps = 0
        var decrement = Double.infinity
        var ascent = false
        var timedOut = false
        var radius = 1.0
        while true {
            if expired() { timedOut = true; break }
            var hessian = try hessian(u)
            guard hessian.isFinite else {
                throw InputError(kind: .invalidValue, "the episodic objective's curvature is not finite at the current prior; the data have extreme values")
            }
            // Jacobi scaling (`scaledByDiagonal`): the step, the trust region and the criterion
            // are taken in ũ = D u, D = diag(√|H_ii|), where H̃ = D⁻¹HD⁻¹ has a unit diagonal.
            let diagonal = scaledByDiagonal ? jacobiScale(hessian) : [Double](repeating: 1, count: k)
            if scaledByDiagonal { for i in 0..<k { for j in 0..<k { hessian[i, j] /= diagonal[i] * diagonal[j] } } }
            let eigen = try SymmetricEigen(hessian)
            let largest = Swift.max(eigen.values.map(abs).max() ?? 0, 1e-300)
            // F is minimised: an eigenvalue below −1e-6·largest is a direction in which the
            // objective f rises at second order.
            ascent = (eigen.values.first ?? 0) < -1e-6 * largest
            let g = zip(current.gradient, diagonal).map { $0 / $1 }
            let projections = (0..<k).map { c in (0..<k).reduce(0.0) { $0 + eigen.vectors[$1, c] * g[$1] } }
            let floor = 1e-12 * largest
            decrement = 0.5 * zip(projections, eigen.values).reduce(0.0) { $0 + $1.0 * $1.0 / Swift.max(abs($1.1), floor) }
            progress?(steps, -current.value)
            if decrement <= tolerance && !ascent { break }
            if steps >= maximumSteps || expired() { timedOut = expired(); break }
            // Trust-region step (Moré & Sorensen): δ(τ) = −Σ_c (v_cᵀg)/(λ_c + τ) v_c with
            // τ ≥ max(0, −λ_min) chosen so that ‖δ‖ ≤ Δ; along a direction of negative
            // curvature with no gradient (a saddle, e.g. a vanishing column of L) the step is
            // completed to the boundary along it. Δ grows after good steps, shrinks after bad.
            let lowest = eigen.values.first ?? 0
            func step(_ tau: Double) -> [Double] {
                var s = [Double](repeating: 0, count: k)
                for c in 0..<k {
                    let w = -projections[c] / Swift.max(eigen.values[c] + tau, floor)
                    for r in 0..<k { s[r] += w * eigen.vectors[r, c] }
                }
                return s
            }
            func norm(_ s: [Double]) -> Double { s.reduce(0) { $0 + $1 * $1 }.squareRoot() }
            var accepted = false
            for _ in 0..<30 {
                var tau = Swift.max(0, -lowest) + (lowest <= 0 ? floor : 0)
                var s = step(tau)
                if norm(s) > radius {
                    // ‖δ(τ)‖ falls as τ grows: bisect on log τ.
                    var low = tau, high = Swift.max(tau, floor) * 2
                    while norm(step(high)) > radius { high *= 4 }
                    for _ in 0..<60 {
                        let mid = low == 0 ? high / 2 : (low * high).squareRoot()
                        if norm(step(mid)) > radius { low = mid } else { high = mid }
                    }
                    tau = high
                    s = step(tau)
                } else if lowest < -floor {
                    // Interior solution with negative curvature: go to the boundary along v_min.
                    let extra = (radius * radius - norm(s) * norm(s)).squareRoot()
                    let sign: Double = projections[0] > 0 ? -1 : 1
                    for r in 0..<k { s[r] += sign * extra * eigen.vectors[r, 0] }
                }
                // Predicted decrease of F from the quadratic model.
                var predicted = 0.0
                for c in 0..<k {
                    let a = (0..<k).reduce(0.0) { $0 + eigen.vectors[$1, c] * s[$1] }
                    predicted -= projections[c] * a + 0.5 * eigen.values[c] * a * a
                }
                let candidate = (0..<k).map { u[$0] + s[$0] / diagonal[$0] }
                let trial = try? evaluate(candidate)
                let actual = trial.map { current.value - $0.value } ?? -Double.infinity
                let ratio = predicted > 0 ? actual / predicted : (actual >= 0 ? 1 : -1)
                if ratio < 0.25 { radius = 0.25 * norm(s) } else if ratio > 0.75 && norm(s) >= 0.99 * radius { radius *= 2 }
                if let trial, trial.value.isFinite, ratio > 0.1 || (actual >= 0 && predicted <= 1e-15 * abs(current.value)) {
                    u = candidate
                    current = trial
                    accepted = true
                    break
                }
                if radius < 1e-14 { break }
            }
            if !accepted { break }
            steps += 1
        }
        return NewtonOutcome(theta: u, steps: steps, decrement: decrement, ascentDirection: ascent,
                             converged: decrement <= tolerance && !ascent && !timedOut, timedOut: timedOut)
    }

    /// D = √|diag H| for Jacobi scaling, each entry floored at 1e-8 of the largest (a zero
    /// diagonal, e.g. a parameter the objective does not see, keeps a finite scale).
    static func jacobiScale(_ hessian: Matrix) -> [Double] {
        let roots = (0..<hessian.rows).map { abs(hessian[$0, $0]).squareRoot() }
        let top = Swift.max(roots.max() ?? 0, 1e-300)
        return roots.map { Swift.max($0, 1e-8 * top) }
    }
}
