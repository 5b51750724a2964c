// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The normal–inverse-Wishart prior NIW(μ₀, κ, Ψ, ν) over a class's Gaussian (m, Σ):
///
///     Σ ~ IW(ν, Ψ),   m | Σ ~ N(μ₀, Σ/κ),   x | m, Σ ~ N(m, Σ).
///
/// Conjugate, so the posterior after a class's points, the class's marginal likelihood and
/// the posterior predictive are closed forms (Murphy 2007, "Conjugate Bayesian analysis of
/// the Gaussian distribution", §9): with n points, mean x̄ and scatter S,
///
///     κₙ = κ + n,  νₙ = ν + n,  μₙ = (κ μ₀ + n x̄)/κₙ,
///     Ψₙ = Ψ + S + (κ n/κₙ)(x̄ − μ₀)(x̄ − μ₀)ᵀ,
///     log p(X) = −(nd/2) ln π + ln Γ_d(νₙ/2) − ln Γ_d(ν/2) + (ν/2) ln|Ψ| − (νₙ/2) ln|Ψₙ|
///                + (d/2)(ln κ − ln κₙ),
///     p(x* | X) = t_{νₙ−d+1}(μₙ, Ψₙ (κₙ + 1)/(κₙ (νₙ − d + 1))).
public struct NormalInverseWishart: Sendable, Equatable {
    /// μ₀, of length d.
    public let mean: [Double]
    /// κ > 0: how many points' worth of information μ₀ carries about a class mean.
    public let meanPrecision: Double
    /// Ψ, d×d symmetric positive definite.
    public let scale: Matrix
    /// ν > d − 1.
    public let degreesOfFreedom: Double

    /// d.
    public var dimension: Int { mean.count }

    /// NIW(μ₀, κ, Ψ, ν), validated.
    /// - Parameters:
    ///   - mean: μ₀ (finite, d ≥ 1 entries).
    ///   - meanPrecision: κ > 0, finite.
    ///   - scale: Ψ, d×d, symmetric (to 1e-10 of its largest entry) and positive definite.
    ///   - degreesOfFreedom: ν > d − 1, finite.
    /// - Throws: ``InputError`` (kind `invalidValue`) naming the first condition that fails.
    public init(mean: [Double], meanPrecision: Double, scale: Matrix, degreesOfFreedom: Double) throws {
        let d = mean.count
        func fail(_ field: String, _ message: String) -> InputError {
            InputError(column: field, kind: .invalidValue, message)
        }
        guard d >= 1 else { throw fail("mean", "the prior mean is empty") }
        guard mean.allSatisfy(\.isFinite) else { throw fail("mean", "the prior mean is not finite") }
        guard meanPrecision.isFinite, meanPrecision > 0 else {
            throw fail("kappa", "κ must be a positive finite number, not \(meanPrecision)")
        }
        guard degreesOfFreedom.isFinite, degreesOfFreedom > Double(d - 1) else {
            throw fail("nu", "ν must exceed d − 1 = \(d - 1), not \(degreesOfFreedom)")
        }
        guard scale.rows == d, scale.columns == d else {
            throw fail("psi", "Ψ is \(scale.rows)×\(scale.columns) but the mean has \(d) entries")
        }
        guard scale.isFinite else { throw fail("psi", "Ψ has non-finite entries") }
        let largest = scale.elements.map(abs).max() ?? 0
        guard scale.asymmetry <= 1e-10 * largest else { throw fail("psi", "Ψ is not symmetric") }
        guard (try? Cholesky(scale)) != nil else { throw fail("psi", "Ψ is not positive definite") }
        self.mean = mean
        self.meanPrecision = meanPrecision
        self.scale = scale
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// The posterior NIW(μₙ, κₙ, Ψₙ, νₙ) after a class's points.
    /// - Parameter data: the class's statistics n, x̄, S.
    /// - Throws: ``InputError`` if the statistics have another dimension.
    public func posterior(_ data: ClassStatistics) throws -> NormalInverseWishart {
        try requireDimension(data)
        let d = dimension, n = Double(data.count), kappaN = meanPrecision + n
        let shrink = meanPrecision * n / kappaN
        let delta = (0..<d).map { data.mean[$0] - mean[$0] }
        var psi = scale.elements
        for i in 0..<d { for j in 0..<d { psi[i * d + j] += data.scatter[i * d + j] + shrink * delta[i] * delta[j] } }
        let location = (0..<d).map { (meanPrecision * mean[$0] + n * data.mean[$0]) / kappaN }
        return try NormalInverseWishart(mean: location, meanPrecision: kappaN,
                                        scale: Matrix(rows: d, columns: d, elements: psi),
                                        degreesOfFreedom: degreesOfFreedom + n)
    }

    /// log p(X), the class's exact marginal likelihood with (m, Σ) integrated out.
    /// - Parameter data: the class's statistics n, x̄, S.
    /// - Throws: ``InputError`` if the statistics have another dimension.
    public func logMarginalLikelihood(_ data: ClassStatistics) throws -> Double {
        let post = try posterior(data)
        let d = dimension, n = Double(data.count)
        return -n * Double(d) / 2 * log(Double.pi)
            + (try lnMultivariateGamma(post.degreesOfFreedom / 2, dimension: d))
            - (try lnMultivariateGamma(degreesOfFreedom / 2, dimension: d))
            + degreesOfFreedom / 2 * (try Cholesky(scale)).logDeterminant
            - post.degreesOfFreedom / 2 * (try Cholesky(post.scale)).logDeterminant
            + Double(d) / 2 * (log(meanPrecision) - log(post.meanPrecision))
    }

    /// The prior predictive of one point, t_{ν−d+1}(μ₀, Ψ (κ + 1)/(κ (ν − d + 1))); applied to
    /// a ``posterior(_:)`` it is the posterior predictive.
    /// - Throws: a GSL error if the scaled Ψ does not factorise (never for a validated prior).
    public func predictive() throws -> MultivariateStudentT {
        let dof = degreesOfFreedom - Double(dimension) + 1
        let factor = (meanPrecision + 1) / (meanPrecision * dof)
        return try MultivariateStudentT(degreesOfFreedom: dof, location: mean, scale: factor * scale)
    }

    /// One class's (m, Σ) drawn from the prior: Σ ~ IW(ν, Ψ), then m ~ N(μ₀, Σ/κ).
    /// - Parameter stream: the seeded random stream to draw from.
    /// - Returns: the class mean m and covariance Σ.
    /// - Throws: a GSL error if a drawn Σ/κ is not positive definite in floating point.
    public func sample(using stream: RandomStream) throws -> (mean: [Double], covariance: Matrix) {
        let covariance = try InverseWishart(degreesOfFreedom: degreesOfFreedom, scale: scale).sample(using: stream)
        let spread = try MultivariateNormal(mean: mean, covariance: (1 / meanPrecision) * covariance)
        return (spread.sample(using: stream), covariance)
    }

    private func requireDimension(_ data: ClassStatistics) throws {
        guard data.dimension == dimension else {
            throw InputError(kind: .inconsistent, "a class has \(data.dimension) features but the prior has \(dimension)")
        }
    }
}
