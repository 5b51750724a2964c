// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

/// `adapt --hyper eb|full` on a conjugate prior: a new pump (3 failures in 10 thousand hours)
/// under the pumps' θ̂ and under their hyper-posterior.
@Suite("CLI: adapt a conjugate prior under θ̂ and full Bayes")
struct ConjugateAdaptCLITests {
    /// Under θ̂ the posterior is exactly Gamma(α̂ + 3, rate β̂ + 10), α̂ = 0.822965,
    /// β̂ = 1.26165: mean 0.339468, sd 0.173619 (α̂, β̂ to 6 digits, so these to ~1e-6).
    /// Under full Bayes it is the mixture of those Gammas over p(α, β | pumps, new pump),
    /// reference from a 2500 × 2500 log grid in NumPy (the grid reproduces the issue's
    /// E α = 0.697169): mean 0.338188, sd 0.176139. Its variance is
    /// E[Var(φ | θ)] + Var(E[φ | θ]) = 0.030718 + 0.000307, against 0.030144 at θ̂: both terms
    /// add here, so the full-Bayes sd is the larger, by 1.4%. Both are met to 1e-3 relative
    /// (the issue's 3 significant digits for the pumps; the quadrature converges to a small
    /// fraction of a posterior sd), which tells the two apart.
    @Test func newPumpUnderBoth() throws {
        let dir = try makeTemporaryDirectory()
        try ConjugateCLITests.pumps.write(to: dir.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        try "pump,failures,hours\nnew,3,10\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        let fit = try runCLI(ConjugateCLITests.poisson + ["--full-bayes"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        var posterior: [String: (mean: Double, sd: Double)] = [:]
        for hyper in ["eb", "full"] {
            let adapt = try runCLI(["adapt", "--prior", "out.json", "--data", "new.csv", "--hyper", hyper, "--draws", "10",
                                    "--output", "a-\(hyper).csv", "--summary", "s-\(hyper).csv"], in: dir)
            #expect(adapt.status == 0, "\(adapt.stderr)")
            // Both lines whichever the draws are from.
            #expect(adapt.stderr.contains("phi under empirical Bayes (theta-hat): mean 0.339"), "\(adapt.stderr)")
            #expect(adapt.stderr.contains("phi under full Bayes (mixed over the hyper-posterior): mean 0.338"), "\(adapt.stderr)")
            let summary = try String(contentsOf: dir.appendingPathComponent("s-\(hyper).csv"), encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("#") }
            let header = summary[0].split(separator: ",").map(String.init), row = summary[1].split(separator: ",").map(String.init)
            let value = { (name: String) in Double(row[header.firstIndex(of: name)!])! }
            posterior[hyper] = (value("posterior_mean"), value("posterior_sd"))
            let draws = try String(contentsOf: dir.appendingPathComponent("a-\(hyper).csv"), encoding: .utf8)
            #expect(draws.contains(hyper == "eb" ? "# prior: alpha = 0.8229" : "# prior: full Bayes over (alpha, beta)"), "\(draws)")
        }
        let close = { (x: Double, reference: Double) in abs(x / reference - 1) < 1e-3 }
        let eb = try #require(posterior["eb"]), full = try #require(posterior["full"])
        #expect(close(eb.mean, 0.339468) && close(eb.sd, 0.173619), "\(eb)")
        #expect(close(full.mean, 0.338188) && close(full.sd, 0.176139), "\(full)")
        #expect(full.sd > eb.sd)
    }

    /// A prior fitted by empirical Bayes has no hyper-posterior: `--hyper full` is refused
    /// with one line naming the prior file, and `--hyper eb` (the default) works.
    @Test func fullRefusedWithoutHyperPosterior() throws {
        let dir = try makeTemporaryDirectory()
        try ConjugateCLITests.pumps.write(to: dir.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        try "pump,failures,hours\nnew,3,10\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        #expect(try runCLI(ConjugateCLITests.poisson, in: dir).status == 0)
        let refused = try runCLI(["adapt", "--prior", "out.json", "--data", "new.csv", "--hyper", "full", "--output", "a.csv"], in: dir)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("out.json: the prior holds no hyper-posterior (it was fitted by empirical Bayes): use --hyper eb, or refit with `fit --full-bayes`"),
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.csv").path))
        let eb = try runCLI(["adapt", "--prior", "out.json", "--data", "new.csv", "--output", "a.csv"], in: dir)
        #expect(eb.status == 0 && !eb.stderr.contains("full Bayes"), "\(eb.stderr)")
    }
}
