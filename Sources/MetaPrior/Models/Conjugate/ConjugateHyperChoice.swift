// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Which hyperparameters a new task's posterior under a ``ConjugatePrior`` is conditioned on:
/// the point estimate θ̂ (empirical Bayes), or the hyper-posterior p(θ | y) mixed over (full
/// Bayes, only when the prior file holds one).
///
/// By the law of total variance the full-Bayes posterior variance is
/// E_θ[Var(φ | y_new, θ)] + Var_θ(E[φ | y_new, θ]): the second term is the uncertainty in θ that
/// empirical Bayes leaves out. It is usually, not always, the larger: the first term averages
/// over θ where θ̂ is a single (modal) point, so it can be smaller than Var(φ | y_new, θ̂).
public enum ConjugateHyperChoice: String, CaseIterable, Sendable {
    /// θ̂: the exact conjugate posterior at the empirical-Bayes estimate.
    case empiricalBayes = "eb"
    /// The mixture of conjugate posteriors over the hyper-posterior.
    case fullBayes = "full"

    /// How the summary lines name it.
    public var description: String { self == .empiricalBayes ? "empirical Bayes (theta-hat)" : "full Bayes (mixed over the hyper-posterior)" }
}

extension ConjugatePrior {
    /// The new task's posterior under `choice`.
    /// - Throws: ``InputError`` when `choice` is full Bayes and the prior holds no
    ///   hyper-posterior (it was fitted without `--full-bayes`), when it is empirical Bayes and
    ///   the prior has no θ̂ (fitted to one task), or the task's rows are bad.
    public func posterior(inputs: Matrix, targets: [Double], hyper choice: ConjugateHyperChoice) throws -> ConjugateTaskPosterior {
        if choice == .empiricalBayes, criterion == Self.noEstimate {
            throw InputError(kind: .invalidValue, "the prior was fitted to one task, from which empirical Bayes cannot estimate \(kind.hyperNames.joined(separator: " and ")): use --hyper full")
        }
        if choice == .fullBayes, fullBayes == nil {
            throw InputError(kind: .invalidValue, "the prior holds no hyper-posterior (it was fitted by empirical Bayes): use --hyper eb, or refit with `fit --full-bayes`")
        }
        return try posterior(inputs: inputs, targets: targets, fullBayes: choice == .fullBayes)
    }

    /// The sample CSV's comments for draws under `choice` (the `prior` line names the method).
    public func sampleComments(hyper choice: ConjugateHyperChoice) -> [(String, String)] {
        let full = choice == .fullBayes ? fullBayes : nil
        return [("phi", kind == .normalNormal ? "the task's true effect" : kind == .betaBinomial ? "the task's success probability" : "the task's rate per unit exposure"),
                ("prior", full.map { "full Bayes over (\(kind.hyperNames.joined(separator: ", "))), hyperprior \($0.hyperprior.description)" }
                    ?? "\(kind.hyperNames[0]) = \(estimate.0), \(kind.hyperNames[1]) = \(estimate.1) (empirical Bayes, \(criterion))")]
    }
}
