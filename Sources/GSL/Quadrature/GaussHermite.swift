// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import Foundation

/// The n-point Gauss–Hermite rule, ∫ f(x) e^(−x²) dx ≈ Σ_k w_k f(x_k), exact for polynomials of
/// degree below 2n (GSL's fixed-order quadrature, `gsl_integration_fixed_hermite`, which finds
/// the nodes as the eigenvalues of the Jacobi matrix).
public struct GaussHermiteRule: Sendable, Equatable {
    /// The nodes x_k, ascending.
    public let nodes: [Double]
    /// The weights w_k (positive; they sum to √π).
    public let weights: [Double]

    /// The rule with `points` nodes.
    /// - Throws: ``GSLError/Code/invalidArgument`` unless 1 ≤ points ≤ 1000;
    ///   ``GSLError/Code/failed`` if GSL cannot build the rule.
    public init(points: Int) throws {
        let operation = "Gauss–Hermite rule with \(points) points"
        guard points >= 1, points <= 1000 else { throw GSLError.invalid(operation, "the number of points must be 1 to 1000") }
        prepareGSL()
        guard let workspace = gsl_integration_fixed_alloc(metaprior_fixed_hermite(), points, 0, 1, 0, 0) else {
            throw GSLError(.failed, operation: operation, reason: "GSL could not build the rule")
        }
        defer { gsl_integration_fixed_free(workspace) }
        let x = gsl_integration_fixed_nodes(workspace)!, w = gsl_integration_fixed_weights(workspace)!
        nodes = (0..<points).map { x[$0] }
        weights = (0..<points).map { w[$0] }
    }
}
