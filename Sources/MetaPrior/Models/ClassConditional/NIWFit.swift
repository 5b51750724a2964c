// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// An ML-II fit of NIW(μ₀, κ, Ψ, ν) to meta-train classes.
public struct NIWFit: Sendable {
    /// θ̂.
    public let prior: NormalInverseWishart
    /// The structure Ψ was restricted to.
    public let structure: CovarianceStructure
    /// ℓ(θ̂) = Σ_c log p(X_c | θ̂).
    public let logLikelihood: Double
    /// BFGS iterations taken.
    public let iterations: Int
    /// Whether BFGS met its gradient test (‖∇(−ℓ/C)‖₂ < 1e-6 over C classes).
    public let converged: Bool
    /// The number of classes fitted.
    public let classCount: Int
    /// ‖∇(−ℓ/C)‖₂ at θ̂ in the unconstrained coordinates (the convergence test's quantity).
    public let gradientNorm: Double

    /// Fits θ by maximising the exact marginal likelihood Σ_c log p(X_c | θ) over classes with
    /// BFGS (GSL `vector_bfgs2`) in the unconstrained coordinates (μ₀, ln κ, ln(ν − d + 1), ψ)
    /// where ψ parameterises Ψ by `structure` (a Cholesky factor with log diagonal, log standard
    /// deviations, or one log scale).
    ///
    /// The start is by moments: μ₀ the mean of class means, ν = d + 2, Ψ = (ν − d − 1) W for the
    /// pooled within-class covariance W (so E[Σ] = W), and κ = tr W / (tr B − tr W / n̄) from
    /// the covariance B of class means (Cov(x̄) = E[Σ](1/κ + 1/n)), clamped to [1e-3, 1e3].
    ///
    /// - Parameters:
    ///   - classes: at least two classes, all of the same dimension d; their pooled
    ///     within-class scatter must be positive definite (so Σ n_c − C ≥ d).
    ///   - structure: the shape of Ψ.
    ///   - maxIterations: the most BFGS iterations.
    /// - Throws: ``InputError`` for too few classes, mixed dimensions or singular scatter.
    public init(classes: [ClassStatistics], structure: CovarianceStructure = .full, maxIterations: Int = 2000) throws {
        guard classes.count >= 2, let d = classes.first?.dimension else {
            throw InputError(kind: .invalidValue, "the NIW prior needs at least two classes, not \(classes.count)")
        }
        guard classes.allSatisfy({ $0.dimension == d }) else {
            throw InputError(kind: .inconsistent, "the classes have different numbers of features")
        }
        let coordinates = NIWCoordinates(dimension: d, structure: structure)
        let start = try coordinates.coordinates(of: Self.momentStart(classes))
        let likelihood = NIWMarginalLikelihood(classes: classes, coordinates: coordinates)
        let scale = 1 / Double(classes.count)
        let result = try minimizeBFGS(start: start, initialStep: 0.1, gradientTolerance: 1e-6,
                                      maxIterations: maxIterations) { u, gradient in
            let value = try likelihood.value(at: u, gradient: &gradient)
            for k in gradient.indices { gradient[k] *= -scale }
            return -value * scale
        }
        self.prior = try coordinates.prior(result.x)
        self.structure = structure
        self.logLikelihood = -result.value * Double(classes.count)
        self.iterations = result.iterations
        self.converged = result.converged
        self.classCount = classes.count
        self.gradientNorm = result.gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    static func momentStart(_ classes: [ClassStatistics]) throws -> NormalInverseWishart {
        let d = classes[0].dimension, c = Double(classes.count)
        var mean = [Double](repeating: 0, count: d), within = [Double](repeating: 0, count: d * d)
        var pooledCount = 0.0, averageCount = 0.0
        for data in classes {
            for j in 0..<d { mean[j] += data.mean[j] / c }
            for k in 0..<(d * d) { within[k] += data.scatter[k] }
            pooledCount += Double(data.count - 1)
            averageCount += Double(data.count) / c
        }
        guard pooledCount > 0 else {
            throw InputError(kind: .invalidValue, "every class has one point: the within-class covariance is unknown")
        }
        for k in within.indices { within[k] /= pooledCount }
        var betweenTrace = 0.0
        for data in classes { for j in 0..<d { betweenTrace += pow(data.mean[j] - mean[j], 2) / (c - 1) } }
        let withinTrace = (0..<d).reduce(0) { $0 + within[$1 * d + $1] }
        let excess = betweenTrace - withinTrace / averageCount
        let kappa = excess > 0 ? min(max(withinTrace / excess, 1e-3), 1e3) : 1e-3
        do {
            return try NormalInverseWishart(mean: mean, meanPrecision: kappa,
                                            scale: Matrix(rows: d, columns: d, elements: within),
                                            degreesOfFreedom: Double(d + 2))
        } catch {
            throw InputError(kind: .invalidValue,
                             "the pooled within-class covariance is singular (a constant or collinear feature?)")
        }
    }
}
