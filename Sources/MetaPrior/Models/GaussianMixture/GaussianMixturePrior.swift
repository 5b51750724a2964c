// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// θ of the mixture prior with its feature map: the ``TaskPrior`` a `gaussian_mixture` prior
/// file holds. φ ~ Σ_k π_k N(μ_k, Σ_k), y | x, φ ~ N(f(x)ᵀφ, σ²).
///
/// Its prior-file keys: `basis`, `features`, `weights` (π), `means` (a list of μ_k),
/// `covariances` (a list of row-major nested Σ_k), `noise_variance` and, when K was chosen by
/// held-out predictive density, `component_selection` (one row per K tried).
public struct GaussianMixturePrior: TaskPrior, Equatable {
    /// The feature map f.
    public let basis: FeatureMap
    /// The validated θ.
    public let mixture: GaussianMixture
    /// The table of the choice of K (`--components auto`), empty when K was given.
    public let selection: [ComponentChoice]

    /// A prior from its parts.
    /// - Throws: ``InputError`` when the basis and θ disagree in size.
    public init(basis: FeatureMap, mixture: GaussianMixture, selection: [ComponentChoice] = []) throws {
        guard mixture.dimension == basis.dimension else {
            throw InputError(column: "features", kind: .inconsistent, "\(basis.dimension) features but \(mixture.dimension) means per component; the file is inconsistent")
        }
        self.basis = basis
        self.mixture = mixture
        self.selection = selection
    }

    /// `gaussian_mixture`.
    public var model: String { GaussianMixtureFamily.name }
    /// The input columns the feature map reads.
    public var inputs: [String] { basis.inputNames }
    /// The feature names: φ_j is the coefficient of feature j.
    public var parameterNames: [String] { basis.featureNames }
    /// The basis spec (`rbf:10`).
    public var featureDescription: String { basis.spec }

    /// The mixture posterior (``GaussianMixturePosterior``): each component's exact posterior,
    /// reweighted by π_k p(D | k).
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        try mixturePosterior(inputs: inputs, targets: targets)
    }

    /// The same posterior, as its concrete type.
    public func mixturePosterior(inputs: Matrix, targets: [Double]) throws -> GaussianMixturePosterior {
        try GaussianMixturePosterior(basis: basis, mixture: mixture, design: try basis.design(inputs), targets: targets)
    }

    /// Whether `other` is a mixture prior with the same basis, θ and selection table.
    public func isEqual(to other: any TaskPrior) -> Bool { (other as? GaussianMixturePrior) == self }

    /// π, μ_k and the diagonal of Σ_k of each component, σ², and the table of K.
    public func reportLines() -> [String] {
        var lines = ["mixture prior: K = \(mixture.componentCount) components, features \(basis.spec) (d = \(mixture.dimension)), σ² = \(significant(mixture.noiseVariance, 6))"]
        for (k, component) in mixture.components.enumerated() {
            let means = component.mean.prefix(6).map { significant($0, 4) }.joined(separator: ", ")
            let sds = component.standardDeviations.prefix(6).map { significant($0, 4) }.joined(separator: ", ")
            let more = mixture.dimension > 6 ? ", …" : ""
            lines.append("  component \(k + 1): π = \(significant(mixture.weights[k], 4)); μ = (\(means)\(more)); √diag Σ = (\(sds)\(more))")
        }
        if !selection.isEmpty { lines += ComponentChoice.reportLines(selection) }
        return lines
    }
}

extension GaussianMixturePrior {
    enum CodingKeys: String, CodingKey {
        case basis, features, weights, means, covariances, noiseVariance, componentSelection
    }

    /// Writes the family's keys (listed on the type).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(basis, forKey: .basis)
        try container.encode(basis.featureNames, forKey: .features)
        try container.encode(mixture.weights, forKey: .weights)
        try container.encode(mixture.components.map(\.mean), forKey: .means)
        try container.encode(mixture.components.map(\.covariance.nestedRows), forKey: .covariances)
        try container.encode(mixture.noiseVariance, forKey: .noiseVariance)
        if !selection.isEmpty { try container.encode(selection, forKey: .componentSelection) }
    }

    /// Reads the family's keys and validates θ: π non-negative and summing to 1, every Σ_k
    /// symmetric positive semi-definite, sizes consistent with each other and the basis, σ² > 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let basis = try container.decode(FeatureMap.self, forKey: .basis)
        let features = try container.decode([String].self, forKey: .features)
        let means = try container.decode([[Double]].self, forKey: .means)
        let covariances = try container.decode([[[Double]]].self, forKey: .covariances)
        guard features == basis.featureNames else {
            throw InputError(column: "features", kind: .inconsistent, "the features do not match the basis \(basis.spec); the file is inconsistent")
        }
        if let bad = means.firstIndex(where: { $0.count != features.count }) {
            throw InputError(column: "means", kind: .inconsistent, "component \(bad + 1) has \(means[bad].count) means for \(features.count) features")
        }
        let matrices: [Matrix]
        do {
            matrices = try covariances.map { try Matrix($0) }
        } catch {
            throw InputError(column: "covariances", kind: .invalidValue, "a covariance is not a rectangular matrix (\(error))")
        }
        let mixture = try GaussianMixture(weights: try container.decode([Double].self, forKey: .weights), means: means,
                                          covariances: matrices, noiseVariance: try container.decode(Double.self, forKey: .noiseVariance))
        try self.init(basis: basis, mixture: mixture,
                      selection: try container.decodeIfPresent([ComponentChoice].self, forKey: .componentSelection) ?? [])
    }
}
