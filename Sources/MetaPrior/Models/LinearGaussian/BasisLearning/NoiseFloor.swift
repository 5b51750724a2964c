// SPDX-License-Identifier: GPL-3.0-or-later

/// The smallest noise variance a fit reports without a warning: 10⁻⁶ × the pooled variance of
/// all targets about their grand mean.
///
/// Why warn and not bound: σ² → 0 is the right answer for noise-free data that the basis can
/// represent, and the profiled likelihood owns σ². But a σ² six orders of magnitude below the
/// spread of y (a standard deviation 0.1 % of it) almost always means the basis has at least as
/// many features as a task has points and interpolates every task, as fourier:32 (d = 65)
/// does on 40-point harmonic tasks: the predictive intervals then carry only the prior's spread,
/// and were overconfident there (90 % intervals covering 0.80). The ratio is scale-free, so the
/// rule means the same in any units.
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

    /// A warning when `noiseVariance` is below the floor of `statistics`, else `nil`.
    public static func warning(noiseVariance: Double, statistics: TaskStatistics) -> String? {
        let floor = floor(statistics)
        guard noiseVariance < floor else { return nil }
        return "warning: the noise variance σ² = \(significant(noiseVariance, 3)) is below 1e-6 × the variance of the target "
            + "(\(significant(floor, 3))): the basis (nearly) interpolates every task, so predictive intervals may be too narrow; "
            + "use fewer features than points per task or check calibration with `metaprior evaluate`"
    }
}
