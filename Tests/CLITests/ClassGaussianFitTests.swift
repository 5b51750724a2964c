// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import MetaPrior
import Testing

/// `fit --model class_gaussian` (Model A, issue 15) through the command line, and its prior
/// file read back, valid and hostile.
@Suite("CLI: class_gaussian fit and prior file")
struct ClassGaussianFitTests {
    /// 100 tasks × 5 classes × 10 points of `simulate gaussian-classes` (d = 2), fitted.
    static func fitted(psi: String) throws -> (URL, CLIResult) {
        let dir = try makeTemporaryDirectory()
        let simulate = try runCLI(["simulate", "gaussian-classes", "--tasks", "100", "--points", "10", "--seed", "3",
                                   "--output", "classes.csv"], in: dir)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let fit = try runCLI(["fit", "--data", "classes.csv", "--task", "task", "--target", "label", "--model", "class_gaussian",
                              "--psi", psi, "--output", "prior.json"], in: dir, timeout: 300)
        return (dir, fit)
    }

    @Test func fitsAndReadsBack() throws {
        let (dir, fit) = try Self.fitted(psi: "isotropic")
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("NIW prior over 500 meta-train classes (Ψ isotropic)"))
        let file = try PriorFile.read(dir.appendingPathComponent("prior.json").path)
        let prior = try #require(file.prior as? ClassGaussianPrior)
        #expect(file.model == "class_gaussian")
        #expect(prior.structure == .isotropic && prior.classes == 500 && prior.inputs == ["x1", "x2"])
        #expect(prior.niw.scale[0, 1] == 0 && prior.niw.scale[0, 0] == prior.niw.scale[1, 1])
        let again = try PriorFile.decode(try file.encoded(), file: "again.json")
        #expect(again.prior.isEqual(to: prior))
    }

    /// Hand-edited values: each must be an InputError naming the file, never a trap.
    @Test func hostilePriorFilesAreRefused() throws {
        let (dir, fit) = try Self.fitted(psi: "full")
        #expect(fit.status == 0, "\(fit.stderr)")
        let data = try Data(contentsOf: dir.appendingPathComponent("prior.json"))
        let edits: [(String, Any?)] = [
            ("kappa", 0.0), ("kappa", -1.0), ("kappa", "x"), ("nu", 1.0), ("nu", 0.5), ("nu", nil),
            ("psi", [[1.0, 0.5], [0.0, 1.0]]), ("psi", [[1.0, 2.0], [2.0, 1.0]]), ("psi", [[1.0]]),
            ("psi", [[1.0, 0.0], [0.0]]), ("prior_mean", [0.0]), ("prior_mean", [Double]()),
            ("psi_structure", "banana"), ("classes", 1), ("inputs", ["x1"]),
        ]
        for (key, value) in edits {
            var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            json[key] = value
            let edited = try JSONSerialization.data(withJSONObject: json)
            #expect(throws: InputError.self, "\(key) = \(String(describing: value))") {
                _ = try PriorFile.decode(edited, file: "edited.json")
            }
        }
    }

    /// Bad input of the fit itself: a real-valued target, a bad --psi.
    @Test func refusesRealTargetsAndBadShapes() throws {
        let dir = try makeTemporaryDirectory()
        _ = try runCLI(["simulate", "sinusoid", "--tasks", "20", "--points", "10", "--seed", "1", "--output", "sin.csv"], in: dir)
        let real = try runCLI(["fit", "--data", "sin.csv", "--model", "class_gaussian", "--output", "p.json"], in: dir)
        #expect(real.status != 0 && real.stderr.contains("class labels"), "\(real.stderr)")
        let shape = try runCLI(["fit", "--data", "sin.csv", "--model", "class_gaussian", "--psi", "banana"], in: dir)
        #expect(shape.status != 0 && !shape.signalled)
    }

    /// `predict` on a new 5-way 5-shot episode: a `# classes:` header, probabilities that sum
    /// to 1 (to 1e-12: five rounded exponentials normalised by their sum) and `predicted` the
    /// most probable class; a support set with one class, or a text feature, is refused.
    @Test func predictsClassProbabilities() throws {
        let (dir, fit) = try Self.fitted(psi: "full")
        #expect(fit.status == 0, "\(fit.stderr)")
        _ = try runCLI(["simulate", "gaussian-classes", "--tasks", "1", "--points", "10", "--seed", "99", "--output", "new.csv"], in: dir)
        let rows = try String(contentsOf: dir.appendingPathComponent("new.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let body = rows.dropFirst()
        let support = [rows[0]] + body.enumerated().filter { $0.offset % 10 < 5 }.map(\.element)
        let query = ["x1,x2"] + body.enumerated().filter { $0.offset % 10 >= 5 }.map { $0.element.split(separator: ",")[1...2].joined(separator: ",") }
        try (support.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("support.csv"), atomically: true, encoding: .utf8)
        try (query.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("query.csv"), atomically: true, encoding: .utf8)
        let run = try runCLI(["predict", "--prior", "prior.json", "--support", "support.csv", "--query", "query.csv",
                              "--target", "label", "--output", "probs.csv"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let out = try String(contentsOf: dir.appendingPathComponent("probs.csv"), encoding: .utf8).split(separator: "\n")
        #expect(out[1] == "# classes: 0, 1, 2, 3, 4")
        #expect(out[2] == "x1,x2,p.0,p.1,p.2,p.3,p.4,predicted")
        #expect(out.count == 3 + 25)
        for line in out.dropFirst(3) {
            let cells = line.split(separator: ",").map(String.init)
            let p = cells[2...6].compactMap(Double.init)
            #expect(p.count == 5 && abs(p.reduce(0, +) - 1) < 1e-12)
            #expect(cells[7] == "\(p.indices.max { p[$0] < p[$1] }!)")
        }
        let one = [rows[0]] + body.prefix(5)
        try (one.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("one.csv"), atomically: true, encoding: .utf8)
        let single = try runCLI(["predict", "--prior", "prior.json", "--support", "one.csv", "--query", "query.csv", "--target", "label"], in: dir)
        #expect(single.status != 0 && !single.signalled && single.stderr.contains("at least two"), "\(single.stderr)")
        try "x1,x2\n1,abc\n".write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let text = try runCLI(["predict", "--prior", "prior.json", "--support", "support.csv", "--query", "bad.csv", "--target", "label"], in: dir)
        #expect(text.status != 0 && !text.signalled, "\(text.stderr)")
    }
}
