// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `metaprior episodes` and `inspect` on bad tasks files, bad options and bad episode specs.
@Suite("CLI: bad input table — episodes, inspect")
struct BadInputEpisodesTests {
    static let run = ["episodes", "--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--output", "out.csv"]
    static let lg = ["episodes", "--data", "lg.csv", "--output", "out.csv"]

    static let csvCases: [BadCase] = badTaskCSVs.flatMap { bad in
        [BadCase("episodes: " + bad.name, run + ["--data", "data.csv"], raw: ["data.csv": bad.bytes], bad.expected),
         BadCase("inspect: " + bad.name, ["inspect", "--data", "data.csv", "--output", "out.txt"], raw: ["data.csv": bad.bytes], bad.expected)]
    }

    static let optionCases: [BadCase] = [
        BadCase("shots near Int.max", lg + ["--shots", "9223372036854775807", "--query", "1", "--episodes", "3", "--seed", "1"], "--shots must be from 0 to 100000000"),
        BadCase("query near Int.max", lg + ["--shots", "1", "--query", "9223372036854775807", "--episodes", "3", "--seed", "1"], "--query must be from 1 to 100000000"),
        BadCase("shots + query overflow", lg + ["--shots", "4611686018427387904", "--query", "4611686018427387904", "--episodes", "3", "--seed", "1"], "--shots must be from 0 to"),
        BadCase("episodes 1e12", lg + ["--shots", "1", "--query", "1", "--episodes", "1000000000000", "--seed", "1"], "--episodes must be from 1 to 10000000"),
        BadCase("episodes Int.max", lg + ["--shots", "1", "--query", "1", "--episodes", "9223372036854775807", "--seed", "1"], "--episodes must be from 1 to"),
        BadCase("episodes beyond Int", lg + ["--shots", "1", "--query", "1", "--episodes", "99999999999999999999", "--seed", "1"], "--episodes"),
        BadCase("episodes negative", lg + ["--shots", "1", "--query", "1", "--episodes", "-5", "--seed", "1"], "--episodes must be at least 1, not -5"),
        BadCase("episodes zero", lg + ["--shots", "1", "--query", "1", "--episodes", "0", "--seed", "1"], "--episodes must be at least 1, not 0"),
        BadCase("episodes not a number", lg + ["--shots", "1", "--query", "1", "--episodes", "many", "--seed", "1"], "--episodes"),
        BadCase("shots negative", lg + ["--shots", "-1", "--query", "1", "--episodes", "3", "--seed", "1"], "--shots must be 0 or more, not -1"),
        BadCase("shots fraction", lg + ["--shots", "1.5", "--query", "1", "--episodes", "3", "--seed", "1"], "--shots"),
        BadCase("query zero", lg + ["--shots", "1", "--query", "0", "--episodes", "3", "--seed", "1"], "--query must be at least 1"),
        BadCase("query negative", lg + ["--shots", "1", "--query", "-2", "--episodes", "3", "--seed", "1"], "--query must be at least 1"),
        BadCase("query word", lg + ["--shots", "1", "--query", "most", "--episodes", "3", "--seed", "1"], "--query must be a number or 'all', not 'most'"),
        BadCase("ways one", lg + ["--shots", "1", "--query", "1", "--ways", "1", "--episodes", "3", "--seed", "1"], "--ways must be at least 2, not 1"),
        BadCase("ways negative", lg + ["--shots", "1", "--query", "1", "--ways", "-3", "--episodes", "3", "--seed", "1"], "--ways must be at least 2, not -3"),
        BadCase("ways huge", lg + ["--shots", "1", "--query", "1", "--ways", "9223372036854775807", "--episodes", "3", "--seed", "1"], "--ways must be from 2 to 100000"),
        BadCase("ways on a regression target", lg + ["--shots", "1", "--query", "1", "--ways", "2", "--episodes", "3", "--seed", "1"], "lg.csv: column 'y': holds real numbers"),
        BadCase("ways on a regression target, reject", lg + ["--shots", "1", "--query", "1", "--ways", "2", "--episodes", "3", "--seed", "1", "--small-tasks", "reject"], "column 'y': holds real numbers"),
        BadCase("more ways than classes", ["episodes", "--data", "classes.csv", "--shots", "1", "--query", "1", "--ways", "9", "--episodes", "3", "--seed", "1", "--output", "out.csv"], "classes.csv: column 'task': no task is large enough for 9 ways"),
        BadCase("K + Q larger than every task", lg + ["--shots", "50", "--query", "50", "--episodes", "3", "--seed", "1"], "lg.csv: column 'task': no task is large enough for K + Q = 100 rows (20 skipped; the largest, '0', has 10 rows)"),
        BadCase("K + Q too large, reject", lg + ["--shots", "50", "--query", "50", "--episodes", "3", "--seed", "1", "--small-tasks", "reject"], "task '0' has 10 rows, fewer than K + Q = 100"),
        BadCase("too many episode rows", ["episodes", "--data", "big.csv", "--output", "out.csv", "--shots", "1", "--query", "all", "--episodes", "10000000", "--seed", "1"],
                files: ["big.csv": "task,x,y\n" + (0..<100).map { "a,\($0),\($0)\n" }.joined()],
                "big.csv: option '--episodes': 10000000 episodes of up to 100 rows each would hold more than 200000000 rows"),
        BadCase("threads negative", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--threads", "-1"], "--threads must be 0 (all cores) or more, not -1"),
        BadCase("threads huge", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--threads", "1000000000"], "--threads must be from 0 to 1024"),
        BadCase("seed negative", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "-1"], "--seed"),
        BadCase("seed beyond UInt64", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "18446744073709551616"], "--seed"),
        BadCase("missing --seed", lg + ["--shots", "1", "--query", "1", "--episodes", "3"], "give --seed"),
        BadCase("missing --shots", lg + ["--query", "1", "--episodes", "3", "--seed", "1"], "give --shots K"),
        BadCase("missing --query", lg + ["--shots", "1", "--episodes", "3", "--seed", "1"], "give --query Q"),
        BadCase("unknown small-tasks policy", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--small-tasks", "drop"], "--small-tasks must be skip or reject, not 'drop'"),
        BadCase("split not adding to 1", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--split", "0.5,0.6,0.1"], "--split fractions must add up to 1"),
        BadCase("split with two parts", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--split", "0.5,0.5"], "--split needs three non-negative fractions"),
        BadCase("split and lists", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--split", "0.8,0.1,0.1", "--test-tasks", "1"], "give --split fractions or task lists, not both"),
        BadCase("unknown test task", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--test-tasks", "nobody"], "no task 'nobody' in the data"),
        BadCase("partition without split", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--partition", "test"], "--partition and --split-output need --split or task lists"),
        BadCase("unknown partition", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--split", "0.8,0.1,0.1", "--partition", "dev"], "--partition must be train, validation or test, not 'dev'"),
        BadCase("unknown kind", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--kind", "ordinal"], "--kind must be"),
        BadCase("target and targets", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--target", "y", "--targets", "y,x"], "give --target or --targets, not both"),
        BadCase("empty feature name", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--features", "x,"], "--features: empty column name in 'x,'"),
        BadCase("unknown feature", lg + ["--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1", "--features", "z"], "lg.csv:1: column 'z': no such feature column"),
        BadCase("missing data file", ["episodes", "--data", "nope.csv", "--output", "out.csv", "--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1"], "nope.csv: no such file"),
        BadCase("data is a directory", ["episodes", "--data", "dir", "--output", "out.csv", "--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1"], directories: ["dir"], "dir: is a directory"),
        BadCase("empty data name", ["episodes", "--data", "", "--output", "out.csv", "--shots", "1", "--query", "1", "--episodes", "3", "--seed", "1"], "--data: give a file name"),
        BadCase("spec and shots", lg + ["--spec", "spec.json", "--shots", "1", "--episodes", "3"], "--spec gives shots, query, ways and replacement"),
        BadCase("missing spec", lg + ["--spec", "nope.json", "--episodes", "3"], "nope.json: no such file"),
        BadCase("spec truncated", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\n  \"shots\": 2,\n  \"query_shots\": "], "bad.json: not a valid episode spec (invalid JSON at line 3, column 18"),
        BadCase("spec trailing comma", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": 2,}"], "bad.json: not a valid episode spec (invalid JSON at line 1, column 13"),
        BadCase("spec not JSON", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "shots = 2\n"], "bad.json: not a valid episode spec (invalid JSON at line 1, column 1"),
        BadCase("spec empty", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": ""], "bad.json: not a valid episode spec (invalid JSON at line 1, column 1"),
        BadCase("spec missing shots", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"query_shots\": 2, \"seed\": 1}"], "bad.json: column 'shots': missing key"),
        BadCase("spec negative shots", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": -2, \"query_shots\": 2, \"seed\": 1}"], "bad.json: column 'shots': the number of support shots must be from 0 to 100000000, not -2"),
        BadCase("spec huge shots", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": 9223372036854775807, \"query_shots\": 9223372036854775807, \"seed\": 1}"], "bad.json: column 'shots'"),
        BadCase("spec huge query", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": 1, \"query_shots\": 9223372036854775807, \"seed\": 1}"], "bad.json: column 'query_shots': the number of query shots must be from 1 to 100000000"),
        BadCase("spec query word", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": 1, \"query_shots\": \"most\", \"seed\": 1}"], "bad.json: column 'query_shots'"),
        BadCase("spec ways one", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": 1, \"query_shots\": 1, \"ways\": 1, \"seed\": 1}"], "bad.json: column 'ways': ways must be at least 2"),
        BadCase("spec negative seed", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"shots\": 1, \"query_shots\": 1, \"seed\": -1}"], "bad.json: column 'seed': must be a whole number from 0 to 18446744073709551615, not -1"),
        BadCase("spec wrong format", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"format\": \"other\", \"shots\": 1, \"query_shots\": 1, \"seed\": 1}"], "bad.json: column 'format': not an episode spec (format 'other')"),
        BadCase("spec newer version", lg + ["--spec", "bad.json", "--episodes", "3"], files: ["bad.json": "{\"version\": 9, \"shots\": 1, \"query_shots\": 1, \"seed\": 1}"], "bad.json: column 'version': episode spec version 9 is newer"),
        BadCase("spec is a directory", lg + ["--spec", "dir", "--episodes", "3"], directories: ["dir"], "dir"),
        BadCase("inspect: missing file", ["inspect", "--data", "nope.csv"], "nope.csv: no such file"),
        BadCase("inspect: directory", ["inspect", "--data", "dir"], directories: ["dir"], "dir: is a directory"),
        BadCase("inspect: descriptors without task", ["inspect", "--data", "lg.csv", "--descriptors", "d.csv", "--output", "out.txt"], files: ["d.csv": "task,z\n0,1\n"], "lg.csv:12: column 'task': task '1' has no descriptor row in d.csv"),
        BadCase("inspect: weight column without descriptors", ["inspect", "--data", "lg.csv", "--weight-column", "w"], "--descriptor-columns and --weight-column need --descriptors"),
        BadCase("inspect: one-hot and descriptors", ["inspect", "--data", "lg.csv", "--one-hot", "--descriptors", "d.csv"], "give --descriptors or --one-hot, not both"),
    ]

    @Test(arguments: csvCases + optionCases)
    func failsWithOneClearLine(_ bad: BadCase) throws { try checkBadInput(bad) }
}
