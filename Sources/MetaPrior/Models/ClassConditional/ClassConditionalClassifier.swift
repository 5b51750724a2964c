// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Model A for one episode: each class's posterior predictive under a shared NIW prior, and
/// class probabilities for query points by Bayes' rule with a uniform class prior,
///
///     p(c | x*) = t_c(x*) / Σ_k t_k(x*),   t_c = p(x* | support of c) (a multivariate t).
public struct ClassConditionalClassifier: Sendable {
    /// The per-class posterior predictives, in the order of the support sets.
    public let predictives: [MultivariateStudentT]

    /// Conditions the prior on each class's support set.
    /// - Parameters:
    ///   - prior: the NIW shared by classes.
    ///   - support: one ``ClassStatistics`` per class (at least one), of the prior's dimension.
    /// - Throws: ``InputError`` for no classes or a dimension mismatch.
    public init(prior: NormalInverseWishart, support: [ClassStatistics]) throws {
        guard !support.isEmpty else { throw InputError(kind: .empty, "an episode needs at least one class") }
        predictives = try support.map { try prior.posterior($0).predictive() }
    }

    /// log p(c | x*) for every class (log-sum-exp normalised, so extreme densities do not
    /// underflow).
    /// - Parameter query: one point x* of the prior's dimension.
    /// - Throws: a GSL error for a query of the wrong length or with non-finite values.
    public func logProbabilities(_ query: [Double]) throws -> [Double] {
        let logDensities = try predictives.map { try $0.logDensity(query) }
        let top = logDensities.max() ?? 0
        let normaliser = top + log(logDensities.reduce(0) { $0 + exp($1 - top) })
        return logDensities.map { $0 - normaliser }
    }
}
