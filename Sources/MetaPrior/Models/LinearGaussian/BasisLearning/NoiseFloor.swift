// SPDX-License-Identifier: GPL-3.0-or-later

/// The smallest noise variance a fit may reach: 10⁻⁶ × the pooled variance of all targets
/// about their grand mean. `fit` bounds σ² there (``PriorFitOptions/noiseFloor``) and warns.
///
/// Why a bound and not only a warning: σ² → 0 happens when the basis has about as many
/// features as a task has points and interpolates every task (fourier:16 with a learned period
/// on 40-point harmonic tasks reached σ² = 1.6e-13), and then adapting the prior fails in
/// floating point (A/σ² swamps Σ⁻¹: "matrix is not positive definite"); the intervals of such a
/// prior carry only the prior's spread and were overconfident (fourier:32: 90 % intervals
/// covering 0.80). Why 10⁻⁶: a noise standard deviation of 0.1 % of the spread of y is below
/// any measurement noise worth modelling, and far above round-off, so a legitimate fit of noisy
/// data is never touched, while a noise-free one is only held at a tiny σ². The ratio is
/// scale-free, so the rule means the same in any units.
public enum NoiseFloor {
    /// Ratio of the floor to the pooled variance of y.
    public static let relative = 1e-6

    /// The floor for these statistics: ``relative`` × (Σ w c_i / N − ȳ²), with
    /// ȳ = Σ w b_i,0 / N (feature 0 is the intercept, so b_i,0 = Σ_j y_ij).
    public static func floor(_ statistics: TaskStatistics) -> Double {
        let n = statistics.weightedObservations
        guard n > 0 else { return 0 }
        let d = statistics.dimension
        var sum = 0.0, squares = 0.0
        for t in 0..<statistics.taskCount {
            let w = statistics.weights[t]
            sum += w * statistics.cross[t * d]
            squares += w * statistics.targetSquares[t]
        }
        let mean = sum / n
        return relative * Swift.max(0, squares / n - mean * mean)
    }

    /// A warning when `noiseVariance` is at (or below) the floor of `statistics`, else `nil`.
    public static func warning(noiseVariance: Double, statistics: TaskStatistics) -> String? {
        let floor = floor(statistics)
        guard noiseVariance <= floor * (1 + 1e-9) else { return nil }
        return "warning: the noise variance σ² = \(significant(noiseVariance, 3)) is at its floor, 1e-6 × the variance of the target "
            + "(\(significant(floor, 3))): the basis (nearly) interpolates every task, so predictive intervals may be too narrow; "
            + "use fewer features than points per task, and check calibration with `metaprior evaluate`"
    }
}
