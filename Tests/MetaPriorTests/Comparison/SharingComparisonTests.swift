// SPDX-License-Identifier: GPL-3.0-or-later
import GSL
@testable import MetaPrior
import Testing

/// The sharing spectrum (`metaprior compare`): soft sharing's limits, and the comparison's
/// verdicts on data where sharing must help and where one shared prior must hurt.
@Suite("Sharing comparison")
struct SharingComparisonTests {
    /// The first `train` tasks of a simulated set fit, the rest are scored.
    static func split(_ settings: SimulationSettings, train: Int) throws -> (MetaDataset, MetaDataset) {
        let data = try simulateTasks(settings).dataset
        let ids = data.tasks.map(\.id)
        return (try data.subset(ids: Array(ids[..<train])), try data.subset(ids: Array(ids[train...])))
    }

    /// λ → 0 is independent and λ → ∞ pooled, to first order: the posterior precision differs
    /// by λI (relative size λσ²/eig(Φ_sᵀΦ_s)) and σ²(λ) moves by O(λ) from its limit, so the
    /// largest per-episode difference must shrink ten-fold (ratio in [0.05, 0.2], first order
    /// with room for the second) when λ does, and be below 1e-3 at λ = 1e-4; the same in 1/λ
    /// at the other end, below 1e-3 at λ = 1e5 (there the gap is about c/λ with c of the
    /// order of eig(Φ_sᵀΦ_s)/σ², some tens here: 1.7e-3 at λ = 1e4, measured). A σ² or φ̄ not shared between the levels would leave a constant gap
    /// (ratio near 1).
    @Test func softSharingReachesIndependentAndPooled() throws {
        let (train, test) = try Self.split(SimulationSettings(family: .linearGaussian, tasks: 60, points: 20, seed: 3), train: 40)
        let levels: [SharingLevel] = [.independent, .pooled, .soft(1e-3), .soft(1e-4), .soft(1e4), .soft(1e5)]
        let run = try SharingComparison(train: train, test: test,
                                        settings: .init(levels: levels, basis: .linear, shots: 5, query: 10, episodesPerTask: 3, seed: 1))
        let gap = { (l: Int, reference: Int) in zip(run.perEpisode[l], run.perEpisode[reference]).map { abs($0 - $1) }.max()! }
        let (small, smaller) = (gap(2, 0), gap(3, 0))
        #expect(smaller < 1e-3 && (0.05...0.2).contains(smaller / small), "λ → 0: \(small), \(smaller)")
        let (large, larger) = (gap(4, 1), gap(5, 1))
        #expect(larger < 1e-3 && (0.05...0.2).contains(larger / large), "λ → ∞: \(large), \(larger)")
        // And the levels really differ: independent is not pooled.
        #expect(gap(0, 1) > 0.01)
    }

    /// With a tight Σ (tasks alike) and K = 3 support points for d = 2, learned must beat
    /// independent by more than 2 paired SE over tasks.
    @Test func learnedBeatsIndependentWhenTasksAreAlike() throws {
        var settings = SimulationSettings(family: .linearGaussian, tasks: 120, points: 15, seed: 5)
        settings.covariance = try Matrix([[0.05, 0], [0, 0.05]])
        let (train, test) = try Self.split(settings, train: 80)
        let run = try SharingComparison(train: train, test: test,
                                        settings: .init(levels: [.learned, .independent], basis: .linear, shots: 3, query: 10, episodesPerTask: 10, seed: 2))
        let independent = try #require(run.scores[1].versusLearned)
        #expect(-independent.mean > 2 * independent.se, "independent − learned = \(independent.mean) ± \(independent.se)")
    }

    /// Half sines, half lines: one shared φ̄ (pooled) must hurt tasks against independent, and
    /// the 2-component mixture must hurt far fewer. Asserted: pooled hurts (> 2 SE) at least
    /// a quarter of the tasks, and the mixture at most a quarter as many as pooled.
    @Test func mixtureRemovesMostNegativeTransfer() throws {
        let (train, test) = try Self.split(SimulationSettings(family: .sinusoidLine, tasks: 200, points: 40, seed: 11, noise: 0.3), train: 150)
        let run = try SharingComparison(train: train, test: test,
                                        settings: .init(levels: [.independent, .pooled, .mixture], basis: .polynomial(degree: 3),
                                                        shots: 8, query: 10, episodesPerTask: 10, seed: 3))
        let transfer = run.transfer
        let pooled = transfer[0].hurt.count, mixture = transfer[1].hurt.count
        #expect(pooled >= run.tasks.count / 4 && 4 * mixture <= pooled, "pooled hurts \(pooled), mixture \(mixture) of \(run.tasks.count)")
        #expect(transfer[0].gaining + transfer[0].losing == run.tasks.count)
    }

    @Test func refusesWhatCannotBeScored() throws {
        let (train, test) = try Self.split(SimulationSettings(family: .linearGaussian, tasks: 20, points: 8, seed: 1), train: 12)
        func message(_ levels: [SharingLevel], shots: Int) -> String {
            do {
                _ = try SharingComparison(train: train, test: test, settings: .init(levels: levels, basis: .linear, shots: shots, query: 3, episodesPerTask: 2, seed: 1))
                return ""
            } catch { return "\(error)" }
        }
        #expect(message([.independent], shots: 1).contains("needs at least d = 2 support points"))
        #expect(message([.descriptors], shots: 2).contains("--descriptors"))
        #expect(message([.pooled], shots: 7).contains("K + Q") || message([.pooled], shots: 7).contains("rows"))
        #expect(throws: InputError.self) { try SharingLevel(parsing: "shared") }
        #expect(throws: InputError.self) { try SharingLevel(parsing: "soft:0") }
        #expect(throws: InputError.self) { try SharingLevel(parsing: "soft:-1") }
    }
}
