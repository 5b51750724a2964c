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
}
