// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// θ of the mixture prior: p(φ) = Σ_k π_k N(μ_k, Σ_k), with one noise variance σ² shared by
/// every component, y | x, φ ~ N(f(x)ᵀφ, σ²).
public struct GaussianMixture: Sendable, Equatable {
    /// Mixture weights π_k (non-negative, summing to 1).
    public let weights: [Double]
    /// The components N(μ_k, Σ_k), each carrying the shared σ².
    public let components: [GaussianPrior]

    /// How far Σ_k π_k may be from 1 in a prior file: rounding of K ≤ 100 weights written with
    /// 17 significant digits is below 1e-14; a file off by more was edited or corrupted.
    static let weightSumTolerance = 1e-9

    /// A mixture from its parts.
    /// - Throws: ``InputError`` naming `weights`, `means` or `covariances` when the sizes
    ///   disagree, a weight is negative or not finite, the weights do not sum to 1 (within
    ///   1e-9), or a Σ_k is not symmetric positive semi-definite (see ``GaussianPrior``).
    public init(weights: [Double], means: [[Double]], covariances: [Matrix], noiseVariance: Double) throws {
        let k = weights.count
        guard k >= 1 else { throw InputError(column: "weights", kind: .invalidValue, "the mixture has no components") }
        guard means.count == k, covariances.count == k else {
            throw InputError(column: "means", kind: .inconsistent, "\(k) weights but \(means.count) means and \(covariances.count) covariances; the file is inconsistent")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw InputError(column: "weights", kind: .invalidValue, "must be non-negative numbers, got \(weights)")
        }
        let sum = weights.reduce(0, +)
        guard abs(sum - 1) <= Self.weightSumTolerance else {
            throw InputError(column: "weights", kind: .invalidValue, "must sum to 1, but sum to \(sum)")
        }
        let d = means[0].count
        var components: [GaussianPrior] = []
        for c in 0..<k {
            guard means[c].count == d else {
                throw InputError(column: "means", kind: .inconsistent, "component \(c + 1) has \(means[c].count) means, component 1 has \(d)")
            }
            do {
                components.append(try GaussianPrior(mean: means[c], covariance: covariances[c], noiseVariance: noiseVariance))
            } catch var error as InputError {
                error.message = "component \(c + 1): " + error.message
                if error.column == "covariance" { error.column = "covariances" }
                if error.column == "mean" { error.column = "means" }
                throw error
            } catch {
                throw InputError(column: "covariances", kind: .invalidValue, "component \(c + 1): \(error)")
            }
        }
        self.weights = weights
        self.components = components
    }

    /// Number of components K.
    public var componentCount: Int { weights.count }
    /// Dimension d of φ.
    public var dimension: Int { components[0].dimension }
    /// The shared noise variance σ².
    public var noiseVariance: Double { components[0].noiseVariance }

    /// Free parameters of θ, for BIC: K − 1 weights, K·(d + d(d+1)/2) for the components and σ².
    public var parameterCount: Int {
        let d = dimension
        return componentCount - 1 + componentCount * (d + d * (d + 1) / 2) + 1
    }
}
