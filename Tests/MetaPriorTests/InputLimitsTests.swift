// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import MetaPrior
import Testing

/// Where JSON first breaks, how user text is echoed, and the size bounds of the library.
@Suite("Input limits and messages")
struct InputLimitsTests {
    @Test(arguments: [
        ("{\"a\": 1}", nil),
        ("", JSONSyntax.Problem(line: 1, column: 1, reason: "the text ends where a value was expected")),
        ("{\n  \"a\": [1,\n  2", JSONSyntax.Problem(line: 3, column: 4, reason: "the text ends where ',' or ']' in the array was expected")),
        ("{\"a\": 1,}", JSONSyntax.Problem(line: 1, column: 9, reason: "expected a key in double quotes")),
        ("{\"a\" 1}", JSONSyntax.Problem(line: 1, column: 6, reason: "expected ':' after the key")),
        ("[1.]", JSONSyntax.Problem(line: 1, column: 4, reason: "invalid number: no digits after the decimal point")),
        ("{\"a\": tru}", JSONSyntax.Problem(line: 1, column: 7, reason: "expected a value (an object, array, string, number, true, false or null)")),
        ("\"abc", JSONSyntax.Problem(line: 1, column: 5, reason: "the text ends inside a string (a missing closing quote)")),
        ("{} x", JSONSyntax.Problem(line: 1, column: 4, reason: "unexpected text after the JSON value")),
        ("[\"\\q\"]", JSONSyntax.Problem(line: 1, column: 4, reason: "invalid escape in a string")),
    ] as [(String, JSONSyntax.Problem?)])
    func jsonSyntaxFindsTheFirstProblem(text: String, expected: JSONSyntax.Problem?) {
        #expect(JSONSyntax.firstProblem(in: Array(text.utf8)) == expected)
    }

    @Test func deepNestingIsReportedNotRecursedInto() {
        let problem = JSONSyntax.firstProblem(in: Array(String(repeating: "[", count: 100_000).utf8))
        #expect(problem?.reason == "nested more than 512 levels deep")
    }

    @Test func quotedEscapesControlCharactersAndShortens() {
        #expect(InputError.quoted("x") == "'x'")
        #expect(InputError.quoted("a\u{1b}[31m\n") == "'a\\u{1b}[31m\\u{a}'")
        #expect(InputError.quoted(String(repeating: "z", count: 40)) == "'" + String(repeating: "z", count: 40) + "'")
        #expect(InputError.quoted(String(repeating: "z", count: 10_000_000)) == "'" + String(repeating: "z", count: 37) + "...'")
        #expect(InputError.list((0..<30).map { "c\($0)" }).hasSuffix("c19, … (30 in all)"))
        #expect(InputError(file: "f.csv", line: 1, column: "x\u{7}", "bad").description == "f.csv:1: column 'x\\u{7}': bad")
    }

    @Test func countsNearIntMaxAreRefusedWithoutTrapping() throws {
        let spec = EpisodeSpec(shots: Int.max, query: .count(Int.max), seed: 1)
        #expect(spec.rowsNeeded == Int.max)
        #expect(throws: InputError.self) { try spec.validate() }
        #expect(throws: InputError.self) { try EpisodeSpec(shots: 1, query: .count(1), ways: Int.max, seed: 1).validate() }
        var options = EpisodicFitOptions(shots: try ShotRange(parsing: "2"), query: 2, episodes: Int.max, seed: 1)
        #expect(throws: InputError.self) { try options.validate() }
        options.episodes = 10
        options.batchEpisodes = Int.max
        #expect(throws: InputError.self) { try options.validate() }
        let settings = SimulationSettings(family: .gaussianClasses, tasks: Int.max, points: Int.max, seed: 1, classes: Int.max, dimension: Int.max)
        #expect(settings.inputValueCount == nil)
        #expect(throws: InputError.self) { try settings.validate() }
    }

    @Test func samplerBoundsEpisodesAndTheirRows() throws {
        let csv = "task,x,y\n" + (0..<30).map { "t\($0 % 3),\($0),\($0)\n" }.joined()
        let dataset = try MetaDataset.parse(csv: Array(csv.utf8))
        let sampler = try EpisodeSampler(dataset: dataset, spec: EpisodeSpec(shots: 1, query: .allRemaining, seed: 1))
        #expect(sampler.largestEpisodeRows == 10)
        try sampler.checkCount(1000)
        #expect(throws: InputError.self) { try sampler.checkCount(EpisodeSampler.maximumEpisodes + 1) }
        #expect(throws: InputError.self) { try sampler.checkCount(0) }
        let one = try MetaDataset.parse(csv: Array(("task,x,y\n" + (0..<30).map { "t,\($0),\($0)\n" }.joined()).utf8))
        let wide = try EpisodeSampler(dataset: one, spec: EpisodeSpec(shots: 1, query: .allRemaining, seed: 1))
        #expect(wide.largestEpisodeRows == 30)
        #expect(throws: InputError.self) { try wide.checkCount(EpisodeSampler.maximumEpisodes) }
    }
}
