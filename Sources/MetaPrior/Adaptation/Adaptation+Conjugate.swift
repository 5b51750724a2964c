// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension Adaptation {
    /// For a conjugate prior, φ's posterior under each method the prior file allows — θ̂
    /// always, full Bayes when the file holds a hyper-posterior — one line each
    /// (`phi under …: mean, sd, level% [lower, upper]`), so that `adapt` shows both side by
    /// side whichever one its draws are from; empty for other priors.
    /// - Parameter level: the central interval's probability.
    /// - Throws: ``InputError`` when the task's rows are bad (they were already read once).
    public func hyperComparison(level: Double) throws -> [String] {
        guard let conjugate = prior.file.prior as? ConjugatePrior else { return [] }
        // A prior fitted to one task has no θ̂: full Bayes alone.
        let choices: [ConjugateHyperChoice] = conjugate.fullBayes == nil ? [.empiricalBayes]
            : conjugate.criterion == ConjugatePrior.noEstimate ? [.fullBayes] : [.empiricalBayes, .fullBayes]
        return try choices.map { choice in
            let s = try conjugate.posterior(inputs: task.inputs, targets: task.targets, hyper: choice).mixture.summary(level: level)
            func f(_ x: Double) -> String { String(format: "%.6g", x) }
            return "phi under \(choice.description): mean \(f(s.mean)), sd \(f(s.standardDeviation)), "
                + "\(f(100 * level))% [\(f(s.lower)), \(f(s.upper))]"
        }
    }
}
