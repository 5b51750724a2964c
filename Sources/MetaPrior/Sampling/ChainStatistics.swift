// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

// The building blocks of the diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
// "Rank-normalization, folding, and localization: an improved R̂ for assessing convergence of
// MCMC", Bayesian Analysis 16(2). Each is written to give the same numbers as ArviZ 0.23
// (`arviz.rhat`, `arviz.ess`, `arviz.mcse`), which users will compare against; the tests check
// that on fixed chains.

/// Each chain cut into its first and last halves (the middle draw of an odd-length chain is
/// dropped), so that a trend within a chain shows up as disagreement between chains.
func splitChains(_ chains: [[Double]]) -> [[Double]] {
    chains.flatMap { chain -> [[Double]] in
        let half = chain.count / 2
        return [Array(chain[..<half]), Array(chain[(chain.count - half)...])]
    }
}

/// Every draw replaced by the normal score of its rank among all draws of all chains:
/// Φ⁻¹((r − 3/8)/(S + 1/4)) (Blom's offset), ties given their average rank. This makes R̂ and
/// ESS well defined for heavy tails and invariant to monotone transformations.
func rankNormalised(_ chains: [[Double]]) throws -> [[Double]] {
    let all = chains.flatMap { $0 }
    let order = all.indices.sorted { all[$0] < all[$1] }
    var ranks = [Double](repeating: 0, count: all.count)
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count, all[order[end + 1]] == all[order[start]] { end += 1 }
        let averageRank = Double(start + end) / 2 + 1  // ranks count from 1
        for k in start...end { ranks[order[k]] = averageRank }
        start = end + 1
    }
    let total = Double(all.count)
    let standard = try Normal(mean: 0, standardDeviation: 1)
    let scores = try ranks.map { try standard.quantile(($0 - 0.375) / (total + 0.25)) }
    var offset = 0
    return chains.map { chain in
        defer { offset += chain.count }
        return Array(scores[offset..<(offset + chain.count)])
    }
}

/// The p-quantile of all draws by R's default (Hyndman & Fan type 7): linear interpolation
/// between order statistics at position (S − 1)p.
func typeSevenQuantile(_ sorted: [Double], _ p: Double) -> Double {
    let position = Double(sorted.count - 1) * p
    let below = Int(position.rounded(.down))
    let above = min(below + 1, sorted.count - 1)
    return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
}

/// The median of all draws of all chains (the centre that folding measures distance from).
func median(_ values: [Double]) -> Double {
    typeSevenQuantile(values.sorted(), 0.5)
}

/// The potential scale reduction √((N − 1)/N + B/(N·W)) of equal-length chains (Gelman et
/// al., BDA3 §11.4): B/N the variance of the chain means, W the mean within-chain variance.
func potentialScaleReduction(_ chains: [[Double]]) -> Double {
    let n = Double(chains[0].count)
    let means = chains.map { $0.reduce(0, +) / n }
    let grandMean = means.reduce(0, +) / Double(means.count)
    let between = n * means.reduce(0) { $0 + ($1 - grandMean) * ($1 - grandMean) } / Double(means.count - 1)
    let within = zip(chains, means).reduce(0) { sum, pair in
        sum + pair.0.reduce(0) { $0 + ($1 - pair.1) * ($1 - pair.1) } / (n - 1)
    } / Double(chains.count)
    return ((between / within + n - 1) / n).squareRoot()
}

/// The effective sample size of equal-length chains by Geyer's initial monotone sequence on
/// the multi-chain autocorrelation estimate (BDA3 §11.5; Vehtari et al. 2021, eq. 10): the
/// autocorrelations are summed in pairs while each pair is positive, pairs are made monotone,
/// and τ̂ is bounded below by 1/log₁₀(S) so that antithetic chains cannot claim more than
/// S·log₁₀(S) draws. Constant draws count as S independent ones.
func effectiveSampleSize(_ chains: [[Double]]) throws -> Double {
    let all = chains.flatMap { $0 }
    let total = Double(all.count)
    guard let lowest = all.min(), let highest = all.max() else { return .nan }
    if highest - lowest < 1e-15 { return total }  // numpy's finfo(float).resolution, as ArviZ
    let m = Double(chains.count), n = chains[0].count
    let covariances = try chains.map { try autocovariance($0) }
    func meanCovariance(_ lag: Int) -> Double { covariances.reduce(0) { $0 + $1[lag] } / m }
    let meanVariance = meanCovariance(0) * Double(n) / Double(n - 1)
    var variancePlus = meanVariance * Double(n - 1) / Double(n)
    if chains.count > 1 {
        let means = chains.map { $0.reduce(0, +) / Double(n) }
        let grand = means.reduce(0, +) / m
        variancePlus += means.reduce(0) { $0 + ($1 - grand) * ($1 - grand) } / (m - 1)
    }
    var rho = [Double](repeating: 0, count: n)
    var even = 1.0
    var odd = 1 - (meanVariance - meanCovariance(1)) / variancePlus
    rho[0] = even
    rho[1] = odd
    var t = 1
    while t < n - 3, even + odd > 0 {
        even = 1 - (meanVariance - meanCovariance(t + 1)) / variancePlus
        odd = 1 - (meanVariance - meanCovariance(t + 2)) / variancePlus
        if even + odd >= 0 {
            rho[t + 1] = even
            rho[t + 2] = odd
        }
        t += 2
    }
    let last = t - 2
    if even > 0 { rho[last + 1] = even }
    t = 1
    while t <= last - 2 {
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t] {
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2
            rho[t + 2] = rho[t + 1]
        }
        t += 2
    }
    var tau = -1 + 2 * (last >= 0 ? rho[0...last].reduce(0, +) : 0)
    if last + 1 < n { tau += rho[last + 1] }
    tau = max(tau, 1 / log10(total))
    return rho.contains(where: \.isNaN) ? .nan : total / tau
}
