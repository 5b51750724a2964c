// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import MetaPrior

/// `fit` options of the conjugate hierarchies (`--model normal_normal | beta_binomial |
/// gamma_poisson`): full Bayes, the hyperprior, the shrinkage report and the joint draws.
struct HierarchyOptions: ParsableArguments {
    @Flag(help: "Conjugate models: full Bayes over θ as well (the hyper-posterior by quadrature), recorded in the prior file; adapt then mixes over it.")
    var fullBayes = false

    @Option(help: ArgumentHelp("Conjugate models with --full-bayes: the hyperprior: uniform-tau (normal_normal default), half-cauchy:SCALE (on tau), concentration-power:P (beta_binomial, p(α,β) ∝ (α+β)^−P, default 2.5), gamma:A1:B1:A2:B2 (gamma_poisson, α ~ Gamma(A1, rate B1), β ~ Gamma(A2, rate B2), default 1:1:0.1:1).", valueName: "spec"),
            transform: parsing(ConjugateHyperprior.init(parsing:)))
    var hyperprior: ConjugateHyperprior?

    @Option(help: ArgumentHelp("Conjugate models: write the per-task shrinkage (raw estimate, posterior mean, sd, 95% interval, shrinkage factor) as CSV here; the table is printed with the report.", valueName: "file"))
    var shrinkage: String?

    @Option(help: ArgumentHelp("Conjugate models with --full-bayes: write independent joint draws (θ, phi.1 … phi.J) as a Stan-style CSV here.", valueName: "file"))
    var jointDraws: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Number of joint draws (default 4000).", valueName: "n"))
    var drawCount = 4000

    /// The conjugate hierarchy called `model`, if it is one.
    static func kind(_ model: String) -> ConjugateKind? { ConjugateKind(rawValue: model) }

    /// Refuses these options for a model that is not conjugate, and draws without full Bayes.
    func check(model: String) throws {
        let used = fullBayes || hyperprior != nil || shrinkage != nil || jointDraws != nil
        if used, Self.kind(model) == nil {
            throw ValidationError("--full-bayes, --hyperprior, --shrinkage and --joint-draws are for --model normal_normal, beta_binomial or gamma_poisson")
        }
        if (jointDraws != nil || hyperprior != nil), !fullBayes { throw ValidationError("--joint-draws and --hyperprior need --full-bayes") }
        try OptionRange.check("--draw-count", drawCount, 1...1_000_000, "every draw is written")
    }

    /// Writes the shrinkage CSV and the joint draws of a fitted conjugate prior into `outputs`,
    /// and returns the shrinkage table for the report when `--shrinkage` asked for it.
    func writeOutputs(prior: any TaskPrior, dataset: MetaDataset, seed: UInt64, outputs: OutputPlan) throws -> String? {
        guard let prior = prior as? ConjugatePrior else { return nil }
        if let jointDraws, let full = prior.fullBayes {
            try outputs.write(to: jointDraws) { sink in try full.writeDrawsCSV(count: drawCount, seed: seed, to: sink.write) }
        }
        // The table has a line per task: printed only when asked for, with its CSV.
        guard let shrinkage else { return nil }
        let table = try ConjugateShrinkage(prior: prior, tasks: try ConjugateFit.tasks(prior.kind, dataset), level: 0.95)
        try outputs.write(Array(table.csv.utf8), to: shrinkage)
        return "shrinkage (\(prior.fullBayes == nil ? "empirical Bayes" : "full Bayes")):\n" + table.table
    }
}
