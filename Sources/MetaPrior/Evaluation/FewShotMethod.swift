// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A way to predict an episode's query points from its support points.
public struct FewShotMethod: Sendable {
    /// How the method predicts.
    public enum Kind: Sendable {
        /// Bayesian adaptation under a prior of any family: the posterior from the support
        /// set, and its joint predictive at the query inputs.
        case prior(any TaskPrior)
        /// Least squares pooled over every *other* task of the evaluation data (leave the
        /// episode's task out) in this basis, used as is: one φ shared by all tasks, no
        /// adaptation; the predictive is N(f(x)ᵀφ̂, σ̂²) with σ̂² the pooled residual variance.
        case pooled(FeatureMap)
    }
    /// Short name for tables (`marginal prior`, `independent`, …).
    public var name: String
    /// One sentence on what it is.
    public var description: String
    /// How it predicts: Bayesian adaptation under a prior, or a pooled fit.
    public var kind: Kind

    /// A method from its parts.
    public init(name: String, description: String, kind: Kind) {
        self.name = name
        self.description = description
        self.kind = kind
    }

    /// A linear-Gaussian prior θ in the feature map `basis`.
    public init(name: String, description: String, gaussian: GaussianPrior, basis: FeatureMap) throws {
        self.init(name: name, description: description,
                  kind: .prior(try LinearGaussianPrior(basis: basis, structure: .full, gaussian: gaussian)))
    }

    /// The "independent" baseline: each task alone under a weak fixed prior
    /// φ ~ N(0, `priorVariance`·I), with the noise variance σ² given (taken from a learned
    /// prior's file, so that only μ and Σ differ from the learned prior).
    public static func independent(basis: FeatureMap, priorVariance: Double = 1e4, noiseVariance: Double) throws -> FewShotMethod {
        let d = basis.dimension
        let prior = try GaussianPrior(mean: [Double](repeating: 0, count: d), covariance: priorVariance * Matrix.identity(d),
                                      noiseVariance: noiseVariance)
        return try FewShotMethod(name: "independent",
                                 description: "each task alone: phi ~ N(0, \(significant(priorVariance))·I), noise variance \(significant(noiseVariance)) from the prior file",
                                 gaussian: prior, basis: basis)
    }

    /// The "pooled" baseline (see ``Kind/pooled(_:)``).
    public static func pooled(basis: FeatureMap) -> FewShotMethod {
        FewShotMethod(name: "pooled", description: "one phi for every task: least squares on all other evaluation tasks (leave-task-out), no adaptation",
                      kind: .pooled(basis))
    }

    /// The baselines for a learned prior: for the linear-Gaussian family, ``independent(basis:priorVariance:noiseVariance:)``
    /// and ``pooled(basis:)`` in its basis; for binomial and poisson priors the same two ideas as
    /// priors of their model (``GeneralizedMixedPrior/independentBaseline(priorVariance:)``,
    /// ``GeneralizedMixedPrior/pooledBaseline()``); none for families that have no such
    /// baselines yet.
    public static func baselines(for prior: any TaskPrior, independentVariance: Double) throws -> [FewShotMethod] {
        if let glm = prior as? GeneralizedMixedPrior {
            return [FewShotMethod(name: "independent",
                                  description: "each task alone: its task-specific phi ~ N(0, \(significant(independentVariance))·I), shared-only terms at the prior's estimates",
                                  kind: .prior(try glm.independentBaseline(priorVariance: independentVariance))),
                    FewShotMethod(name: "pooled", description: "one phi for every task: the prior's mean nu (Sigma = 0), no adaptation",
                                  kind: .prior(try glm.pooledBaseline()))]
        }
        guard let linear = prior as? LinearGaussianPrior else { return [] }
        return [try .independent(basis: linear.basis, priorVariance: independentVariance, noiseVariance: linear.gaussian.noiseVariance),
                .pooled(basis: linear.basis)]
    }
}

extension FewShotMethod {
    /// The method for one task: a prior whose mean depends on task descriptors
    /// (``DescriptorConditionedPrior/descriptors``) is conditioned on the task's z, read by name from
    /// the evaluation data's descriptors; other methods are unchanged.
    /// - Throws: ``InputError`` naming the descriptor columns the data lack.
    func forTask(_ task: TaskData, descriptorNames: [String]) throws -> FewShotMethod {
        guard case .prior(let prior) = kind, let conditioned = prior as? any DescriptorConditionedPrior, let fit = conditioned.descriptors else { return self }
        let needed = Array(fit.columnNames.dropFirst())
        let missing = needed.filter { !descriptorNames.contains($0) }
        guard missing.isEmpty, let z = task.descriptor else {
            throw InputError(column: "--descriptors", kind: .invalidValue,
                             "the prior's mean depends on the task descriptors \(InputError.list(needed)), but the evaluation data have no \(InputError.list(missing.isEmpty ? needed : missing)); give them with --descriptors file.csv")
        }
        var method = self
        method.kind = .prior(try conditioned.descriptorConditioned(on: needed.map { z[descriptorNames.firstIndex(of: $0)!] }))
        return method
    }
}
