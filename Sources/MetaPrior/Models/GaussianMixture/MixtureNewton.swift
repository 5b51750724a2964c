// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Damped Newton steps on ℓ in the coordinates of ``MixtureFactorObjective``, with its exact
/// Hessian (`MixtureFactorObjective+Hessian`: one pass over the tasks; p ≤ ``maximumCoordinates``).
///
/// A step solves (−H + λI)δ = g with λ growing from 0 (Levenberg–Marquardt, ``shifts(_:size:definite:)``)
/// until −H + λI is positive definite and ℓ(x + δ) ≥ ℓ(x); a point is accepted only then, so ℓ
/// never falls.
/// The stationarity measure is the Newton decrement per task, ½gᵀ(−H)⁻¹g / Σw: the gain in ℓ
/// per task that one more exact Newton step promises (+∞ where −H is not positive definite, so
/// a saddle or a flat direction never passes).
enum MixtureNewton {
    /// Largest number of coordinates the finish takes on (its Hessian is p×p, its solve O(p³)).
    static let maximumCoordinates = 600

    /// What the steps reached.
    struct Outcome {
        var x: [Double]
        var evaluation: MixtureFactorObjective.Evaluation
        /// Accepted steps.
        var steps: Int
        /// ℓ at every accepted point after the start.
        var history: [Double]
        /// ½gᵀ(−H)⁻¹g per task at the final point (+∞ where −H is not positive definite).
        var decrement: Double
    }

    /// Newton from `x` until the decrement per task is at most `tolerance`, no step raises ℓ,
    /// or `maximumSteps` steps.
    static func run(_ objective: MixtureFactorObjective, from x0: [Double], tolerance: Double, maximumSteps: Int) throws -> Outcome {
        let weight = objective.taskWeights.reduce(0, +)
        var x = x0
        var current = try objective.evaluate(x)
        var outcome = Outcome(x: x, evaluation: current, steps: 0, history: [], decrement: .infinity)
        while true {
            let negative = symmetrized(-1 * (try hessian(objective, at: x)))
            let g = current.gradient
            outcome.decrement = decrement(negative, g) / weight
            guard outcome.decrement > tolerance, outcome.steps < maximumSteps else { break }
            let size = Swift.max((0..<negative.rows).map { abs(negative[$0, $0]) }.max() ?? 1, 1e-300)
            var accepted = false
            var first = true
            trials: for damping in try shifts(negative, size: size, definite: outcome.decrement.isFinite) {
                var damped = negative
                for i in 0..<damped.rows { damped[i, i] += damping }
                guard let step = try? Cholesky(damped).solve(g) else { continue }
                // The least shift that gives a direction also tries fractions of its step: where ℓ
                // is far from quadratic (quartic in a small column of a factor) the whole step
                // overshoots, and the next shift, 10²× larger, would cut the step along the
                // weakly curved directions a hundredfold.
                for fraction in first ? [1, 0.5, 0.25, 0.125, 0.0625] : [1.0] {
                    let candidate = zip(x, step).map { $0 + fraction * $1 }
                    guard let e = try? objective.evaluate(candidate), e.logLikelihood.isFinite, e.logLikelihood >= current.logLikelihood else { continue }
                    x = candidate
                    current = e
                    accepted = true
                    break trials
                }
                first = false
            }
            guard accepted else { break }
            outcome.steps += 1
            outcome.history.append(current.logLikelihood)
        }
        outcome.x = x
        outcome.evaluation = current
        return outcome
    }

    /// The shifts λ to try, ascending: 0, then 10⁻¹⁰ … 10² times `size` (the largest |diagonal
    /// entry| of −H). Where −H is not positive definite (`definite` false), also 1.01, 1.1, 2
    /// and 10 times its most negative eigenvalue's magnitude: the curvatures of the coordinates
    /// differ by up to 10⁸ (means against a small column of a factor), so the ladder alone can
    /// overshoot a small negative curvature a hundredfold, and the step along that direction,
    /// where ℓ still rises, shrinks by as much. That crawl (ℓ up ~1e-7 per step for 120 steps)
    /// is what left K = 3 of the README's choice of K "not converged".
    static func shifts(_ negative: Matrix, size: Double, definite: Bool) throws -> [Double] {
        let ladder = [0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1, 100].map { $0 * size }
        guard !definite, let lowest = try SymmetricEigen(negative).values.first, lowest < 0 else { return ladder }
        return (ladder + [1.01, 1.1, 2, 10].map { -lowest * $0 }).sorted()
    }

    /// ½gᵀ(−H)⁻¹g, +∞ unless −H is positive definite.
    static func decrement(_ negative: Matrix, _ g: [Double]) -> Double {
        guard let step = try? Cholesky(negative).solve(g) else { return .infinity }
        let value = 0.5 * zip(g, step).reduce(0) { $0 + $1.0 * $1.1 }
        return value >= 0 ? value : .infinity
    }

    /// ∂²ℓ/∂x², exact (``MixtureFactorObjective/hessian(_:)``: one pass over the tasks).
    static func hessian(_ objective: MixtureFactorObjective, at x: [Double]) throws -> Matrix {
        try Matrix(rows: x.count, columns: x.count, elements: try objective.hessian(x))
    }
}
