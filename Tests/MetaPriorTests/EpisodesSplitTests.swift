// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

@Suite("Episodes: meta-splits and the spec file")
struct EpisodesSplitTests {
    @Test func fractionSplitsAreDisjointCompleteAndStable() throws {
        let rng = RandomStream(seed: 5, stream: 0)
        for trial in 0..<50 {
            let n = 1 + rng.integer(below: 200)
            var ids = (0..<n).map { "task-\($0 * 7919 % 100_003)" }
            let a = rng.uniform(), b = rng.uniform() * (1 - a)
            let split = try MetaSplit.byFractions(ids: ids, train: a, validation: b, test: 1 - a - b, seed: UInt64(trial))
            let parts = [split.train, split.validation, split.test].map(Set.init)
            #expect(parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2]) && parts[1].isDisjoint(with: parts[2]))
            #expect(parts[0].union(parts[1]).union(parts[2]) == Set(ids))
            #expect(abs(Double(split.train.count) - a * Double(n)) < 1 + 1e-9)
            RandomStream(seed: 5, stream: UInt64(trial + 1)).shuffle(&ids)
            #expect(try MetaSplit.byFractions(ids: ids, train: a, validation: b, test: 1 - a - b, seed: UInt64(trial)) == split)
        }
    }

    @Test func seedChangesTheSplit() throws {
        let ids = (0..<100).map(String.init)
        let one = try MetaSplit.byFractions(ids: ids, train: 0.5, validation: 0, test: 0.5, seed: 1)
        let two = try MetaSplit.byFractions(ids: ids, train: 0.5, validation: 0, test: 0.5, seed: 2)
        #expect(one != two)
        #expect(one.train.count == 50)
    }

    @Test func explicitListsAreChecked() throws {
        let ids = ["a", "b", "c", "d"]
        let split = try MetaSplit.explicit(ids: ids, train: nil, validation: ["b"], test: ["d"])
        #expect(split.train == ["a", "c"])
        #expect(split.partition(of: "d") == .test)
        #expect(throws: InputError.self) { try MetaSplit.explicit(ids: ids, train: nil, validation: ["b"], test: ["b"]) }
        #expect(throws: InputError.self) { try MetaSplit.explicit(ids: ids, train: ["zzz"], validation: nil, test: nil) }
        #expect(throws: InputError.self) { try MetaSplit.byFractions(ids: ids, train: 0.5, validation: 0.1, test: 0.1, seed: 0) }
        #expect(String(decoding: split.csvBytes(), as: UTF8.self) == "task,split\na,train\nb,validation\nc,train\nd,test\n")
    }

    @Test func specRoundTripsThroughSnakeCaseJSON() throws {
        for spec in [EpisodeSpec(shots: 5, query: .count(10), seed: 3),
                     EpisodeSpec(shots: 1, query: .allRemaining, ways: 5, withReplacement: false, seed: UInt64.max, smallTasks: .reject)] {
            let data = try spec.jsonData()
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("\"query_shots\""))
            #expect(text.contains("\"with_replacement\""))
            #expect(text.contains("\"small_tasks\""))
            #expect(try JSONDecoder().decode(EpisodeSpec.self, from: data) == spec)
        }
        let json = #"{"shots": 2, "query_shots": "all", "seed": 4}"#
        let decoded = try JSONDecoder().decode(EpisodeSpec.self, from: Data(json.utf8))
        #expect(decoded == EpisodeSpec(shots: 2, query: .allRemaining, seed: 4))
        #expect(throws: InputError.self) { try EpisodeSpec(shots: -1, query: .count(1), seed: 0).validate() }
        #expect(throws: InputError.self) { try EpisodeSpec(shots: 1, query: .count(0), seed: 0).validate() }
        #expect(throws: InputError.self) { try EpisodeSpec(shots: 1, query: .count(1), ways: 1, seed: 0).validate() }
    }
}
