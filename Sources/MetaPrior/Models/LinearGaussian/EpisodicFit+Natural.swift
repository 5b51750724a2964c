// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension EpisodicFit {
    /// Where Newton in natural coordinates (`EpisodicNaturalObjective`) stopped.
    struct NaturalOutcome {
        var objective: EpisodicNaturalObjective
        /// The Newton iteration's outcome; `theta` in the natural coordinates.
        var newton: NewtonOutcome
        /// The eigenvalues of Q = Σ⁻¹ on the subspace, ascending, scaled by the largest.
        var relativePrecisions: [Double]
    }

    /// Newton in natural coordinates from θ = (μ, L, log σ²) of `objective` (full structure):
    /// the subspace is the range of Σ = LLᵀ (its rank r = L's columns), the prior on it is
    /// written by (Q = RRᵀ, k) with Σ = BQ⁻¹Bᵀ (`EpisodicNaturalObjective`). The Hessian is the
    /// exact one (`EpisodicNaturalObjective.secondOrder`, one pass over the episodes).
    ///
    /// The steps are Jacobi-scaled (`trustRegionNewton(scaledByDiagonal:)`): these coordinates
    /// have no preconditioning, and their curvatures span ~15 orders of magnitude (on the
    /// sinusoid `rbf:10` K = 10 fit, Hessian eigenvalues 1.8e-8 to 3.6e6 against the floor
    /// 3.6e-6, so full "Newton" steps with acceptance ratio 1.00 crept, the decrement falling
    /// ~5% a step to 3.1e-9 at the 100-step cap; scaled, 1.1e1 is the largest eigenvalue and
    /// the stage converges in 33 steps).
    ///
    /// Why: a limit in which Σ's variance along v and μ·v grow together is the finite point
    /// Q·v = 0 here, a stationary point with a negative-definite Hessian when ∂f/∂(vᵀQv) < 0
    /// (in R, f depends on R's column along v through its square), so Newton converges to it
    /// quadratically with the same decrement criterion.
    static func naturalNewton(_ objective: EpisodicObjective, theta: [Double], tolerance: Double, maximumSteps: Int,
                              deadline: ContinuousClock.Instant?,
                              progress: ((_ step: Int, _ value: Double) -> Void)?) throws -> NaturalOutcome {
        let d = objective.statistics.dimension
        let (mean, factor, noise) = objective.unpack(theta)
        var sigma = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d { sigma[i, j] = (0..<d).reduce(0.0) { $0 + factor[i * d + $1] * factor[j * d + $1] } } }
        let pivots = EpisodicNaturalObjective.pivots(of: sigma, rank: objective.columns)
        let natural = EpisodicNaturalObjective(statistics: objective.statistics, pivots: pivots)
        let start = try natural.parameters(mean: mean, covariance: sigma, noiseVariance: noise)
        let n = objective.statistics.queryPoints
        func evaluate(_ u: [Double]) throws -> (value: Double, gradient: [Double]) {
            let e = try natural.evaluate(u)
            return (-e.value / n, e.gradient.map { -$0 / n })
        }
        // The exact Hessian of F = −f/n (`EpisodicNaturalObjective.secondOrder`).
        func hessian(_ u: [Double]) throws -> Matrix {
            let second = try natural.secondOrder(u).hessian
            var h = Matrix(rows: u.count, columns: u.count)
            for i in 0..<u.count { for j in 0..<u.count { h[i, j] = -second[i, j] / n } }
            return h
        }
        let outcome = try trustRegionNewton(start: start, evaluate: evaluate, hessian: hessian, scaledByDiagonal: true, tolerance: tolerance,
                                            maximumSteps: maximumSteps, deadline: deadline, progress: progress)
        let r = natural.columns
        let q = natural.unpack(outcome.theta).q
        let values = (try? SymmetricEigen(symmetrized(Matrix(rows: r, columns: r, elements: q))).values) ?? []
        let top = Swift.max(values.last ?? 1, 1e-300)
        return NaturalOutcome(objective: natural, newton: outcome, relativePrecisions: values.map { $0 / top })
    }
}
