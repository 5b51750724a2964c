// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

/// A random spec for property tests, from a seeded stream.
private func randomSpec(_ rng: RandomStream, classification: Bool) -> EpisodeSpec {
    EpisodeSpec(shots: rng.integer(below: 4), query: rng.integer(below: 4) == 0 ? .allRemaining : .count(1 + rng.integer(below: 5)),
                ways: classification ? 2 + rng.integer(below: 3) : nil, withReplacement: rng.integer(below: 2) == 0,
                seed: UInt64(rng.integer(below: 1_000_000)))
}

/// The same data set with its tasks in another order (rows of each task keep their order).
private func reordered(_ dataset: MetaDataset, seed: UInt64) -> MetaDataset {
    var copy = dataset
    RandomStream(seed: seed, stream: 99).shuffle(&copy.tasks)
    return copy
}

@Suite("Episodes: sampler properties")
struct EpisodesSamplerTests {
    let regression = try! simulateTasks(SimulationSettings(family: .sinusoid, tasks: 30, points: 12, seed: 1)).dataset
    let classes = try! simulateTasks(SimulationSettings(family: .gaussianClasses, tasks: 12, points: 8, seed: 2, classes: 6)).dataset

    @Test func regressionEpisodesAreDisjointExactAndDeterministic() throws {
        let rng = RandomStream(seed: 11, stream: 0)
        for _ in 0..<40 {
            let spec = randomSpec(rng, classification: false)
            let sampler = try EpisodeSampler(dataset: regression, spec: spec)
            let episodes = sampler.episodes(count: 60, threads: 1)
            for e in episodes {
                let n = regression.tasks[e.task].count
                #expect(Set(e.support).isDisjoint(with: e.query))
                #expect(Set(e.support).count == spec.shots && e.support.count == spec.shots)
                switch spec.query {
                case .count(let q): #expect(e.query.count == q && Set(e.query).count == q)
                case .allRemaining: #expect(e.query.count == n - spec.shots)
                }
                #expect((e.support + e.query).allSatisfy { $0 >= 0 && $0 < n })
            }
            // Same episodes with many threads, and with the tasks in another order.
            #expect(sampler.episodes(count: 60, threads: 0) == episodes)
            let other = reordered(regression, seed: UInt64(spec.seed))
            let again = try EpisodeSampler(dataset: other, spec: spec).episodes(count: 60, threads: 0)
            #expect(again.map { other.tasks[$0.task].id } == episodes.map { regression.tasks[$0.task].id })
            #expect(again.map(\.support) == episodes.map(\.support))
            #expect(again.map(\.query) == episodes.map(\.query))
            #expect(sampler.episode(17) == episodes[17])
        }
    }

    @Test func classificationEpisodesRemapLabelsBijectively() throws {
        let rng = RandomStream(seed: 12, stream: 0)
        for _ in 0..<40 {
            let spec = randomSpec(rng, classification: true)
            let sampler = try EpisodeSampler(dataset: classes, spec: spec)
            let episodes = sampler.episodes(count: 40, threads: 0)
            for e in episodes {
                let ways = spec.ways!
                let task = classes.tasks[e.task]
                let chosen = try #require(e.classes)
                #expect(chosen.count == ways && Set(chosen).count == ways)
                #expect(Set(e.support).isDisjoint(with: e.query))
                let supportLabels = try #require(e.supportLabels), queryLabels = try #require(e.queryLabels)
                #expect(Set(supportLabels + queryLabels).isSubset(of: Set(0..<ways)))
                for j in 0..<ways {
                    #expect(supportLabels.filter { $0 == j }.count == spec.shots)
                    if case .count(let q) = spec.query { #expect(queryLabels.filter { $0 == j }.count == q) }
                }
                // Each row's episode label maps back to its true class.
                for (row, label) in zip(e.support + e.query, supportLabels + queryLabels) {
                    #expect(Int(task.targets[row]) == chosen[label])
                }
            }
            #expect(sampler.episodes(count: 40, threads: 1) == episodes)
        }
    }

    @Test func labelOrderIsRandomAcrossEpisodes() throws {
        let spec = EpisodeSpec(shots: 1, query: .count(1), ways: 3, seed: 4)
        let episodes = try EpisodeSampler(dataset: classes, spec: spec).episodes(count: 200)
        // Label 0 is not always the smallest chosen class.
        #expect(episodes.contains { $0.classes![0] != $0.classes!.min()! })
    }

    @Test func withoutReplacementVisitsEachTaskOncePerPass() throws {
        let spec = EpisodeSpec(shots: 2, query: .count(3), withReplacement: false, seed: 9)
        let sampler = try EpisodeSampler(dataset: regression, spec: spec)
        let episodes = sampler.episodes(count: 60)
        #expect(Set(episodes.prefix(30).map(\.task)).count == 30)
        #expect(Set(episodes.suffix(30).map(\.task)).count == 30)
    }

    @Test func smallTasksAreSkippedAndCountedOrRejected() throws {
        var data = regression
        data.tasks[3].targets = Array(data.tasks[3].targets.prefix(4))
        data.tasks[3].inputs = try Matrix(rows: 4, columns: 1, elements: Array(data.tasks[3].inputs.elements.prefix(4)))
        let spec = EpisodeSpec(shots: 3, query: .count(2), seed: 1)
        let sampler = try EpisodeSampler(dataset: data, spec: spec)
        #expect(sampler.skippedTasks == [data.tasks[3].id])
        #expect(sampler.eligibleTasks.count == 29)
        #expect(!sampler.episodes(count: 200).contains { $0.task == 3 })
        var reject = spec
        reject.smallTasks = .reject
        #expect(throws: InputError.self) { try EpisodeSampler(dataset: data, spec: reject) }
        #expect(throws: InputError.self) { try EpisodeSampler(dataset: data, spec: EpisodeSpec(shots: 20, query: .count(1), seed: 1)) }
    }

    @Test func restrictsToNamedTasks() throws {
        let ids = ["3", "7", "11"]
        let episodes = try EpisodeSampler(dataset: regression, spec: EpisodeSpec(shots: 1, query: .count(1), seed: 2), taskIDs: ids).episodes(count: 50)
        #expect(Set(episodes.map { regression.tasks[$0.task].id }).isSubset(of: Set(ids)))
    }

    @Test func materialisesSupportAndQuerySets() throws {
        let e = try EpisodeSampler(dataset: classes, spec: EpisodeSpec(shots: 2, query: .count(1), ways: 3, seed: 2)).episode(0)
        let (x, y) = e.supportSet(in: classes)
        #expect(x.rows == 6 && x.columns == 2)
        #expect(y == [0, 0, 1, 1, 2, 2])
        #expect(e.querySet(in: classes).targets == [0, 1, 2])
    }
}
