// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// One level of the sharing spectrum that `metaprior compare` scores.
public enum SharingLevel: Sendable, Equatable, CustomStringConvertible {
    /// No sharing: a flat prior on each task's φ (``FixedSharingPrior`` at λ = 0).
    case independent
    /// Hard sharing: one φ̄ for every task (``FixedSharingPrior`` at λ = ∞).
    case pooled
    /// Soft sharing: φ_i ~ N(φ̄, I/λ), the penalty (λ/2)‖φ_i − φ̄‖² as a prior.
    case soft(Double)
    /// Empirical Bayes `linear_gaussian`: φ_i ~ N(μ, Σ) with μ, Σ, σ² fitted on meta-train.
    case learned
    /// The same with the descriptor-conditioned mean μ_i = B z̃_i.
    case descriptors
    /// The `gaussian_mixture` prior.
    case mixture

    /// Reads `independent`, `pooled`, `soft:λ` (λ > 0, finite), `learned`, `descriptors` or
    /// `mixture`.
    /// - Throws: ``InputError`` for another name or a λ that is not a positive number.
    public init(parsing text: String) throws {
        switch text {
        case "independent": self = .independent
        case "pooled": self = .pooled
        case "learned": self = .learned
        case "descriptors": self = .descriptors
        case "mixture": self = .mixture
        default:
            guard text.hasPrefix("soft:") else {
                throw InputError(column: "--levels", kind: .invalidValue,
                                 "unknown level \(InputError.quoted(text)); the levels are independent, pooled, soft:λ, learned, descriptors and mixture")
            }
            let lambda = try Self.lambda(String(text.dropFirst(5)))
            self = .soft(lambda)
        }
    }

    /// A soft-sharing precision λ: a finite number above 0.
    /// - Throws: ``InputError`` otherwise.
    public static func lambda(_ text: String) throws -> Double {
        guard let value = Double(text), value > 0, value.isFinite else {
            throw InputError(column: "--lambdas", kind: .invalidValue,
                             "λ must be a finite number above 0 (the prior precision of soft sharing), not \(InputError.quoted(text))")
        }
        return value
    }

    /// The default levels: independent, pooled, soft at each λ, learned, descriptors when the
    /// data have descriptors, and mixture.
    public static func defaults(lambdas: [Double], descriptors: Bool) -> [SharingLevel] {
        [.independent, .pooled] + lambdas.map { .soft($0) } + [.learned] + (descriptors ? [.descriptors] : []) + [.mixture]
    }

    /// The default λ grid, 0.01 to 100 by factors of 10.
    public static let defaultLambdas: [Double] = [0.01, 0.1, 1, 10, 100]

    /// `independent`, `soft:0.1`, …
    public var description: String {
        switch self {
        case .independent: "independent"
        case .pooled: "pooled"
        case .soft(let lambda): "soft:\(significant(lambda))"
        case .learned: "learned"
        case .descriptors: "descriptors"
        case .mixture: "mixture"
        }
    }
}
