// SPDX-License-Identifier: GPL-3.0-or-later

/// The shape of the prior covariance Σ of task parameters.
public enum CovarianceStructure: String, Sendable, Codable, CaseIterable {
    /// Any symmetric positive semi-definite Σ: d(d+1)/2 parameters (lme4's `(x | task)`).
    case full
    /// Independent parameters: Σ = diag(τ₁², …, τ_d²) (lme4's `(x || task)`).
    case diagonal
    /// One shared variance: Σ = τ²·I.
    case isotropic

    /// Number of free entries of the relative covariance factor Λ.
    public func parameterCount(dimension d: Int) -> Int {
        switch self {
        case .full: return d * (d + 1) / 2
        case .diagonal: return d
        case .isotropic: return 1
        }
    }

    /// Writes the lower-triangular d×d factor Λ for the parameter vector `theta` into `lambda`.
    func fillFactor(_ theta: [Double], dimension d: Int, into lambda: inout [Double]) {
        for i in lambda.indices { lambda[i] = 0 }
        switch self {
        case .full:
            var k = 0
            for i in 0..<d { for j in 0...i { lambda[i * d + j] = theta[k]; k += 1 } }
        case .diagonal:
            for i in 0..<d { lambda[i * d + i] = theta[i] }
        case .isotropic:
            for i in 0..<d { lambda[i * d + i] = theta[0] }
        }
    }

    /// The parameter vector of a lower-triangular factor (the inverse of ``fillFactor``).
    func parameters(ofFactor lambda: [Double], dimension d: Int) -> [Double] {
        switch self {
        case .full:
            var theta: [Double] = []
            for i in 0..<d { for j in 0...i { theta.append(lambda[i * d + j]) } }
            return theta
        case .diagonal:
            return (0..<d).map { lambda[$0 * d + $0] }
        case .isotropic:
            let meanSquare = (0..<d).reduce(0.0) { $0 + lambda[$1 * d + $1] * lambda[$1 * d + $1] } / Double(d)
            return [meanSquare.squareRoot()]
        }
    }

    /// Projects a gradient with respect to the full d×d Λ onto the parameters.
    func projectGradient(_ gradient: [Double], dimension d: Int) -> [Double] {
        switch self {
        case .full:
            var g: [Double] = []
            for i in 0..<d { for j in 0...i { g.append(gradient[i * d + j]) } }
            return g
        case .diagonal:
            return (0..<d).map { gradient[$0 * d + $0] }
        case .isotropic:
            return [(0..<d).reduce(0.0) { $0 + gradient[$1 * d + $1] }]
        }
    }
}
