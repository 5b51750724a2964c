// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Mean and its standard error, clustered: values from the same cluster (episodes cut from one
/// task share its φ) are correlated, so the variance is that of the per-cluster sums of
/// deviations, SE² = G/(G − 1) · Σ_g (Σ_{e∈g} (x_e − x̄))² / E² over the G clusters met. With
/// one value per cluster it is the usual s/√E; with one cluster the SE is NaN.
///
/// Here, not in `Evaluation/`, because both the evaluation and the mixture prior's choice of K
/// (in `Models/`) score held-out episodes with it.
func clusteredMeanAndStandardError(_ x: [Double], clusters: [Int]) -> (mean: Double, se: Double) {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    var sums: [Int: Double] = [:]
    for (value, cluster) in zip(x, clusters) { sums[cluster, default: 0] += value - mean }
    let g = Double(sums.count)
    guard sums.count > 1 else { return (mean, .nan) }
    let total = sums.keys.sorted().reduce(0.0) { $0 + sums[$1]! * sums[$1]! }
    return (mean, (g / (g - 1) * total).squareRoot() / n)
}
