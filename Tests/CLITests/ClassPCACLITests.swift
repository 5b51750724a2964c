// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `fit --basis pca:k` for the class families through the command line: the basis in the
/// prior file, read back, refused when edited, used by `evaluate --ways`; other bases refused.
@Suite("CLI: pca:k features of the class families")
struct ClassPCACLITests {
    /// 60 training and 100 held-out tasks of `simulate gaussian-classes` with d = 3, both
    /// class families fitted on pca:2.
    static func fitted() throws -> URL {
        let dir = try makeTemporaryDirectory()
        for (name, tasks, seed) in [("train.csv", "60", "3"), ("test.csv", "100", "7")] {
            let run = try runCLI(["simulate", "gaussian-classes", "--tasks", tasks, "--points", "10", "--dimension", "3", "--seed", seed, "--output", name], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        for model in ["class_gaussian", "softmax"] {
            let fit = try runCLI(["fit", "--data", "train.csv", "--task", "task", "--target", "label", "--model", model, "--basis", "pca:2",
                                  "--covariance", "diagonal", "--output", "\(model).json"], in: dir, timeout: 300)
            #expect(fit.status == 0, "\(fit.stderr)")
            #expect(fit.stderr.contains("pca:2 of the 3 inputs"), "\(fit.stderr)")
        }
        return dir
    }

    /// The basis is in each file with 3-entry mean and two 3-entry components, survives a
    /// round trip, and `evaluate --ways` reads the raw columns through it (every row scored).
    @Test func fitsReadsBackAndEvaluates() throws {
        let dir = try Self.fitted()
        for (model, dimension) in [("class_gaussian", { (p: any TaskPrior) in (p as? ClassGaussianPrior)?.niw.dimension }),
                                   ("softmax", { (p: any TaskPrior) in (p as? SoftmaxPrior).map { $0.covariance.rows - 1 } })] {
            let file = try PriorFile.read(dir.appendingPathComponent("\(model).json").path)
            #expect(dimension(file.prior) == 2, "\(model)")
            let again = try PriorFile.decode(try file.encoded(), file: "again.json")
            #expect(again.prior.isEqual(to: file.prior), "\(model)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(model).json"))) as? [String: Any])
            let features = try #require(json["features"] as? [String: Any])
            #expect(features["kind"] as? String == "pca" && (features["mean"] as? [Double])?.count == 3)
            #expect((features["components"] as? [[Double]]).map { $0.count == 2 && $0.allSatisfy { $0.count == 3 } } == true)
        }
        let run = try runCLI(["evaluate", "--prior", "class_gaussian.json", "--prior", "softmax.json", "--data", "test.csv", "--ways", "5",
                              "--shots", "5", "--query", "5", "--seed", "1", "--episodes", "50"], in: dir, timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("class_gaussian:class_gaussian.json") && run.stdout.contains("softmax:softmax.json"), "\(run.stdout)")
    }

    /// Hand-edited bases: each an InputError (or a decoding error for a wrong type), never a trap.
    @Test func hostileBasesAreRefused() throws {
        let dir = try Self.fitted()
        let r = 0.5.squareRoot()
        let edits: [(String, Any)] = [
            ("kind", "ica"), ("mean", [0.0, 0.0]), ("mean", [0.0, 0.0, "x"] as [Any]),
            ("components", [[1.0, 0.0, 0.0], [0.0, 1.0]]), ("components", [[1.0, 0.0, 0.0]]),  // k ≠ the prior's dimension
            ("components", [[1.0, 0.0, 0.0], [r, r, 0.0]]), ("components", [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
            ("components", [[Double]]()), ("components", [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [r, r, 0]]),
        ]
        for model in ["class_gaussian", "softmax"] {
            let data = try Data(contentsOf: dir.appendingPathComponent("\(model).json"))
            for (key, value) in edits {
                var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                var features = try #require(json["features"] as? [String: Any])
                features[key] = value
                json["features"] = features
                let edited = try JSONSerialization.data(withJSONObject: json)
                #expect(throws: (any Error).self, "\(model): \(key) = \(value)") { _ = try PriorFile.decode(edited, file: "edited.json") }
                try edited.write(to: dir.appendingPathComponent("edited.json"))
                let run = try runCLI(["evaluate", "--prior", "edited.json", "--data", "test.csv", "--ways", "5", "--episodes", "5"], in: dir)
                #expect(run.status != 0 && !run.signalled, "\(model): \(key) = \(value): \(run.stderr)")
            }
        }
    }

    /// k > d, another basis for a class family, and pca for a regression: refused by option.
    @Test func otherBasesAndTooManyComponentsAreRefused() throws {
        let dir = try makeTemporaryDirectory()
        _ = try runCLI(["simulate", "gaussian-classes", "--tasks", "10", "--points", "6", "--dimension", "3", "--seed", "1", "--output", "c.csv"], in: dir)
        _ = try runCLI(["simulate", "sinusoid", "--tasks", "10", "--points", "6", "--seed", "1", "--output", "s.csv"], in: dir)
        for model in ["class_gaussian", "softmax"] {
            let many = try runCLI(["fit", "--data", "c.csv", "--target", "label", "--model", model, "--basis", "pca:4"], in: dir)
            #expect(many.status != 0 && many.stderr.contains("k must be 1 to 3"), "\(model): \(many.stderr)")
            let poly = try runCLI(["fit", "--data", "c.csv", "--target", "label", "--model", model, "--basis", "poly:2"], in: dir)
            #expect(poly.status != 0 && poly.stderr.contains("takes linear (the raw inputs) or pca:k"), "\(model): \(poly.stderr)")
        }
        let regression = try runCLI(["fit", "--data", "s.csv", "--basis", "pca:1"], in: dir)
        #expect(regression.status != 0 && regression.stderr.contains("not of a regression"), "\(regression.stderr)")
    }
}
