// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Convergence and precision diagnostics of the MCMC draws of one scalar quantity across
/// several chains, as Vehtari et al. (2021) define them and ArviZ and Stan report them.
///
/// - ``rHat``: the rank-normalised split-R̂, the larger of the bulk R̂ (on the normal scores of
///   the ranks of the split chains) and the tail R̂ (the same on the draws folded about their
///   median, |θ − median|). Near 1 when the chains agree; above 1.01 they have not mixed.
/// - ``bulkESS``: the effective sample size of the rank-normalised split chains: how many
///   independent draws would estimate the centre of the distribution as well.
/// - ``tailESS``: the smaller of the effective sample sizes of the indicators θ ≤ q₀.₀₅ and
///   θ ≤ q₀.₉₅: how well the 5 % and 95 % quantiles (a 90 % interval) are estimated.
/// - ``meanStandardError``: the Monte Carlo standard error of the posterior mean, sd/√ESS with
///   the ESS of the split chains on their own scale.
///
/// Vehtari et al. recommend at least 4 chains, R̂ ≤ 1.01, and bulk and tail ESS ≥ 400 before
/// the draws are trusted (``warnings(for:)``).
public struct ChainDiagnostics: Sendable, Equatable {
    /// Rank-normalised split-R̂ (the larger of bulk and tail); NaN with a single chain.
    public let rHat: Double
    /// Bulk effective sample size.
    public let bulkESS: Double
    /// Tail effective sample size (5 % and 95 % quantiles).
    public let tailESS: Double
    /// Monte Carlo standard error of the mean.
    public let meanStandardError: Double

    /// The diagnostics of `chains`, the draws of one quantity, one array per chain.
    ///
    /// - Parameter chains: at least one chain; all of the same length, at least 4 draws; all
    ///   values finite. R̂ needs at least two chains and is NaN for one.
    /// - Throws: ``DiagnosticsError`` naming what is wrong with the chains.
    public init(chains: [[Double]]) throws {
        try Self.validate(chains)
        let split = splitChains(chains)
        let all = chains.flatMap { $0 }
        if chains.count >= 2 {
            let bulk = potentialScaleReduction(try rankNormalised(split))
            let centre = median(split.flatMap { $0 })  // of the halves, as ArviZ: an odd chain's middle draw is out
            let folded = split.map { $0.map { abs($0 - centre) } }
            let tail = potentialScaleReduction(try rankNormalised(folded))
            rHat = max(bulk, tail)
        } else {
            rHat = .nan
        }
        bulkESS = try effectiveSampleSize(try rankNormalised(split))
        let sorted = all.sorted()
        tailESS = min(try Self.quantileESS(chains, sorted, 0.05), try Self.quantileESS(chains, sorted, 0.95))
        let mean = all.reduce(0, +) / Double(all.count)
        let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count - 1)
        meanStandardError = (variance / (try effectiveSampleSize(split))).squareRoot()
    }

    /// The Monte Carlo standard error of the p-quantile of `chains` (Vehtari et al. 2021, §4.3):
    /// half the distance between the order statistics at the 15.9 % and 84.1 % points of the
    /// Beta(ESS·p + 1, ESS·(1 − p) + 1) distribution of the quantile's rank, with the ESS of the
    /// indicator θ ≤ q_p. The same numbers as `arviz.mcse(…, method="quantile", prob=p)`.
    ///
    /// - Parameters:
    ///   - chains: as for ``init(chains:)``.
    ///   - probability: p, strictly between 0 and 1.
    /// - Throws: ``DiagnosticsError`` for bad chains or p.
    public static func quantileStandardError(chains: [[Double]], probability: Double) throws -> Double {
        try validate(chains)
        guard probability > 0, probability < 1 else { throw DiagnosticsError.probability(probability) }
        let sorted = chains.flatMap { $0 }.sorted()
        let ess = try quantileESS(chains, sorted, probability)
        let rankDistribution = try Beta(alpha: ess * probability + 1, beta: ess * (1 - probability) + 1)
        let size = Double(sorted.count)
        let low = max(try rankDistribution.quantile(0.1586553) * size - 1, 0)
        let high = min(try rankDistribution.quantile(0.8413447) * size - 1, size - 1)
        guard low.isFinite, high.isFinite else { return .nan }
        return (sorted[Int(high.rounded(.up))] - sorted[Int(low.rounded(.down))]) / 2
    }

    /// What a user should be told about these draws: R̂ above 1.01, or a bulk or tail ESS below
    /// 400 (Vehtari et al. 2021's thresholds), each as one sentence naming `quantity`.
    public func warnings(for quantity: String) -> [String] {
        var lines: [String] = []
        if rHat > 1.01 {
            lines.append("\(quantity): R-hat \(rHat) > 1.01; the chains disagree, so run them longer or check the model")
        }
        if !(bulkESS >= 400 && tailESS >= 400) {  // NaN (undefined) warns too
            func whole(_ x: Double) -> String { x.isFinite ? String(Int(x.rounded())) : "undefined" }
            lines.append("\(quantity): effective sample size bulk \(whole(bulkESS)), tail \(whole(tailESS)) < 400; "
                         + "draw more (Monte Carlo error is large)")
        }
        return lines
    }

    private static func quantileESS(_ chains: [[Double]], _ sorted: [Double], _ p: Double) throws -> Double {
        let q = typeSevenQuantile(sorted, p)
        return try effectiveSampleSize(splitChains(chains.map { $0.map { $0 <= q ? 1 : 0 } }))
    }

    private static func validate(_ chains: [[Double]]) throws {
        guard let first = chains.first else { throw DiagnosticsError.noChains }
        guard first.count >= 4 else { throw DiagnosticsError.tooFewDraws(first.count) }
        if let other = chains.first(where: { $0.count != first.count }) {
            throw DiagnosticsError.unequalLengths(first.count, other.count)
        }
        guard chains.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw DiagnosticsError.nonFinite }
    }
}

/// Why chains cannot be diagnosed.
public enum DiagnosticsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No chains were given.
    case noChains
    /// Chains need at least 4 draws each (2 per half after splitting).
    case tooFewDraws(Int)
    /// Chains of different lengths.
    case unequalLengths(Int, Int)
    /// A draw is NaN or infinite.
    case nonFinite
    /// A quantile probability outside (0, 1).
    case probability(Double)

    /// One sentence for the user.
    public var description: String {
        switch self {
        case .noChains: "MCMC diagnostics: no chains"
        case .tooFewDraws(let n): "MCMC diagnostics: each chain needs at least 4 draws, got \(n)"
        case .unequalLengths(let a, let b): "MCMC diagnostics: chains of unequal length (\(a) and \(b) draws)"
        case .nonFinite: "MCMC diagnostics: a draw is NaN or infinite"
        case .probability(let p): "MCMC diagnostics: quantile probability must be in (0, 1), got \(p)"
        }
    }
}
