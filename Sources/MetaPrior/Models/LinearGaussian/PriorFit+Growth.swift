// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Rank chosen by likelihood gain: the finite version of the boundary condition.
extension PriorFit {
    /// The best rank-one growth of Σ̃ along the boundary direction v
    /// (``ProfiledLikelihood/boundaryDirection(_:)``): max over s ≥ 0 of the profiled ℓ at the
    /// factor [Λ, √s·v] (rank r + 1, μ and σ² profiled again), its gain over ℓ at Λ, and the
    /// point reached.
    ///
    /// Why: λ_max − 1 is a slope (the rate at which variance along v raises ℓ), and at the
    /// noise floor, where Σ̃ = Σ/σ² is huge, a slope of several units can come with a gain of
    /// a fraction of a nat: ℓ rises along v only in the few tasks whose residual lies along
    /// it, and an optimiser at rank r + 1 then lets the new column vanish again (the rank
    /// went round in circles, and the fit was reported not converged). The gain says whether
    /// the direction is worth a column; the slope only says that it points uphill.
    ///
    /// The search: s on the grid s₀·4^k, k = −6…4, around the one-dimensional Newton step
    /// s₀ = (λ − 1)·Σw (slope ½(λ − 1), curvature about ½Σ_i (vᵀX_iv)² ≈ 1/(2Σw) when the
    /// tasks share vᵀ(Σ wX)v = 1 evenly), then golden-section search in log s
    /// between the neighbours of the best grid point (14 halvings of the interval by the
    /// golden ratio: log s to within 0.3% of the interval, where ℓ is flat to second order,
    /// so the gain is found to well within 1e-3 of itself). 25 evaluations of ℓ without the
    /// gradient. A gain of zero (and no point) when λ ≤ 1 or no s raises ℓ.
    static func bestGrowth(_ likelihood: ProfiledLikelihood, from current: ProfiledLikelihood.Evaluation,
                           along top: (value: Double, vector: [Double])) throws
        -> (gain: Double, likelihood: ProfiledLikelihood, theta: [Double])? {
        let statistics = likelihood.statistics
        let d = statistics.dimension, r = current.columns
        guard likelihood.structure == .full, r < d, top.value > 1 else { return nil }
        let larger = ProfiledLikelihood(statistics: statistics, structure: .full, columns: r + 1, noiseFloor: likelihood.noiseFloor)
        let base = (top.value - 1) * statistics.weights.reduce(0, +)
        func theta(_ logS: Double) -> [Double] {
            let s = (base * exp(logS)).squareRoot()
            var lambda = [Double](repeating: 0, count: d * (r + 1))
            for i in 0..<d {
                for j in 0..<r { lambda[i * (r + 1) + j] = current.factor[i * r + j] }
                lambda[i * (r + 1) + r] = s * top.vector[i]
            }
            return larger.parameters(ofFactor: trapezoidal(lambda, rows: d, columns: r + 1))
        }
        func value(_ logS: Double) -> Double {
            guard let v = try? larger.evaluate(theta(logS), gradient: false).logLikelihood, v.isFinite else { return -.infinity }
            return v
        }
        let step = log(4.0)
        let grid = (-6...4).map { Double($0) * step }
        let values = grid.map(value)
        guard let bestIndex = values.indices.max(by: { values[$0] < values[$1] }), values[bestIndex] > current.logLikelihood else { return nil }
        var (a, b) = (grid[bestIndex] - step, grid[bestIndex] + step)
        let ratio = (5.0.squareRoot() - 1) / 2
        var best = (x: grid[bestIndex], value: values[bestIndex])
        var x1 = b - ratio * (b - a), x2 = a + ratio * (b - a)
        var f1 = value(x1), f2 = value(x2)
        for _ in 0..<12 {
            if f1 >= f2 {
                b = x2; x2 = x1; f2 = f1
                x1 = b - ratio * (b - a); f1 = value(x1)
            } else {
                a = x1; x1 = x2; f1 = f2
                x2 = a + ratio * (b - a); f2 = value(x2)
            }
        }
        for (x, f) in [(x1, f1), (x2, f2)] where f > best.value { best = (x, f) }
        return (best.value - current.logLikelihood, larger, theta(best.x))
    }

    /// Σ̃ without its k weakest directions (smallest eigenvalues of D^{1/2}Σ̃D^{1/2}, the
    /// per-point signal-to-noise ratios) for the largest k < r whose removal costs at most
    /// `tolerance` in ℓ (μ and σ² profiled again), trying k = 1, 2, … and stopping at the
    /// first that costs more. Nil when even one costs more.
    ///
    /// Why by cost and not by signal-to-noise ratio: at the noise floor a direction that is
    /// vanishing under the optimiser (ℓ rises as it shrinks, slowly, so Newton and BFGS crawl)
    /// can still have a ratio far above any fixed threshold; removing it then raises ℓ.
    static func cheapestShrink(_ likelihood: ProfiledLikelihood, at current: ProfiledLikelihood.Evaluation, tolerance: Double) throws
        -> (cost: Double, likelihood: ProfiledLikelihood, theta: [Double])? {
        let statistics = likelihood.statistics
        let d = statistics.dimension, r = current.columns
        guard likelihood.structure == .full, r > 1 else { return nil }
        let scales = likelihood.featureScales
        let eigen = try whitenedEigen(current.factor, columns: r, scales: scales)
        var best: (cost: Double, likelihood: ProfiledLikelihood, theta: [Double])?
        for k in 1..<r {
            let (columns, reduced) = factor(along: Array(((d - r + k)..<d).reversed()), of: eigen, scales: scales)
            let smaller = ProfiledLikelihood(statistics: statistics, structure: .full, columns: columns, noiseFloor: likelihood.noiseFloor)
            let theta = smaller.parameters(ofFactor: reduced)
            guard let value = try? smaller.evaluate(theta, gradient: false).logLikelihood, value.isFinite,
                  current.logLikelihood - value <= tolerance else { break }
            best = (current.logLikelihood - value, smaller, theta)
        }
        return best
    }
}
