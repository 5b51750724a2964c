// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Every invalid input throws the documented ``GSLError`` (never a trap), and the message
/// names the parameter.
@Suite("Bad input")
struct BadInputTests {
    static let a = LinearAlgebraTests.a

    @Test func singularLUSolve() throws {
        let singular = try Matrix([[1, 2], [2, 4]])
        let error = expectGSLError(.singular) { _ = try LUDecomposition(singular).solve([1, 1]) }
        #expect(error?.reason.contains("singular") == true)
        #expect(expectGSLError(.singular) { _ = try singular.solve([1, 1]) } != nil)
    }

    @Test func notPositiveDefiniteCholesky() throws {
        let indefinite = try Matrix([[1, 2], [2, 1]])
        #expect(expectGSLError(.domain) { _ = try Cholesky(indefinite) } != nil)
        #expect(expectGSLError(.domain) { _ = try MultivariateNormal(mean: [0, 0], covariance: indefinite) } != nil)
        // Allowed jitter still refuses a matrix that is far from positive definite …
        #expect(expectGSLError(.domain) { _ = try Cholesky(indefinite, jitter: .allowed(maximum: 1e-6)) } != nil)
        // … and repairs a semi-definite one, reporting the ε it added (first try: 1e-10·mean diag).
        let semidefinite = try Matrix([[1, 1], [1, 1]])
        #expect(expectGSLError(.domain) { _ = try Cholesky(semidefinite) } != nil)
        let repaired = try Cholesky(semidefinite, jitter: .allowed(maximum: 1e-6))
        #expect(repaired.jitter > 0 && repaired.jitter <= 1e-6)
        #expect(isClose(repaired.reconstructed, [[1 + repaired.jitter, 1], [1, 1 + repaired.jitter]], relative: 1e-12))
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteEntries(_ bad: Double) throws {
        let m = try Matrix([[1, bad], [bad, 1]])
        #expect(expectGSLError(.invalidArgument) { _ = try Cholesky(m) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try LUDecomposition(m) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try SymmetricEigen(m) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try MultivariateNormal(mean: [0, bad], covariance: .identity(2)) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try Cholesky(Self.a).solve([1, bad, 0]) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try MultivariateNormal(mean: [0, 0, 0], covariance: Self.a).logDensity([0, bad, 0]) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try Normal(mean: bad, standardDeviation: 1) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try Gamma(shape: bad, rate: 1) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try Wishart(degreesOfFreedom: bad, scale: .identity(2)) } != nil)
    }

    @Test func mismatchedDimensions() throws {
        #expect(expectGSLError(.badLength) { _ = try Matrix(rows: 2, columns: 2, elements: [1, 2, 3]) } != nil)
        #expect(expectGSLError(.badLength) { _ = try Matrix([[1, 2], [3]]) } != nil)
        #expect(expectGSLError(.badLength) { _ = try Cholesky(Self.a).solve([1, 2]) } != nil)
        #expect(expectGSLError(.badLength) { _ = try LUDecomposition(Self.a).solve([1, 2]) } != nil)
        #expect(expectGSLError(.badLength) { _ = try Self.a.multiplied(by: Matrix.identity(2)) } != nil)
        #expect(expectGSLError(.badLength) { _ = try Self.a.multiplied(by: [1, 2]) } != nil)
        #expect(expectGSLError(.badLength) { _ = try MultivariateNormal(mean: [0, 0], covariance: Self.a) } != nil)
        #expect(expectGSLError(.badLength) { _ = try MultivariateNormal(mean: [0, 0], cholesky: Cholesky(Self.a)) } != nil)
        #expect(expectGSLError(.badLength) { _ = try MultivariateNormal(mean: [0, 0, 0], covariance: Self.a).logDensity([0, 0]) } != nil)
        #expect(expectGSLError(.badLength) { _ = try MultivariateStudentT(degreesOfFreedom: 3, location: [0], scale: Self.a) } != nil)
        #expect(expectGSLError(.badLength) { _ = try MultivariateStudentT(degreesOfFreedom: 3, location: [0, 0, 0], scale: Self.a).logDensity([0]) } != nil)
    }

    @Test func nonSquare() throws {
        let m = try Matrix(rows: 2, columns: 3, elements: [1, 0, 0, 0, 1, 0])
        #expect(expectGSLError(.notSquare) { _ = try Cholesky(m) } != nil)
        #expect(expectGSLError(.notSquare) { _ = try LUDecomposition(m) } != nil)
        #expect(expectGSLError(.notSquare) { _ = try SymmetricEigen(m) } != nil)
        #expect(expectGSLError(.notSquare) { _ = try Wishart(degreesOfFreedom: 5, scale: m) } != nil)
        #expect(expectGSLError(.notSquare) { _ = try InverseWishart(degreesOfFreedom: 5, scale: m) } != nil)
    }

    @Test(arguments: [0.0, -1.0])
    func nonPositiveScaleParameters(_ bad: Double) {
        let cases: [(String, () throws -> Void)] = [
            ("standardDeviation", { _ = try Normal(mean: 0, standardDeviation: bad) }),
            ("scale", { _ = try StudentT(degreesOfFreedom: 3, location: 0, scale: bad) }),
            ("degreesOfFreedom", { _ = try StudentT(degreesOfFreedom: bad) }),
            ("shape", { _ = try Gamma(shape: bad, rate: 1) }),
            ("rate", { _ = try Gamma(shape: 1, rate: bad) }),
            ("shape", { _ = try InverseGamma(shape: bad, scale: 1) }),
            ("scale", { _ = try InverseGamma(shape: 1, scale: bad) }),
            ("alpha", { _ = try Beta(alpha: bad, beta: 1) }),
            ("beta", { _ = try Beta(alpha: 1, beta: bad) }),
            ("degreesOfFreedom", { _ = try MultivariateStudentT(degreesOfFreedom: bad, location: [0], scale: .identity(1)) }),
        ]
        for (name, body) in cases {
            let error = expectGSLError(.domain, body)
            #expect(error?.reason.contains(name) == true, "\(name): \(String(describing: error))")
        }
        // A negative variance in a covariance matrix is a non-positive-definite one.
        #expect(expectGSLError(.domain) { _ = try MultivariateNormal(mean: [0], covariance: .diagonal([bad])) } != nil)
        #expect(expectGSLError(.domain) { _ = try Poisson(rate: -1) } != nil)
    }

    @Test(arguments: [-0.1, 1.1])
    func probabilityOutsideUnitInterval(_ p: Double) {
        let error = expectGSLError(.domain) { _ = try Binomial(trials: 10, probability: p) }
        #expect(error?.reason.contains("probability") == true)
    }

    @Test func binomialTrials() throws {
        #expect(expectGSLError(.invalidArgument) { _ = try Binomial(trials: 2.5, probability: 0.5) }?.reason.contains("trials") == true)
        #expect(expectGSLError(.invalidArgument) { _ = try Binomial(trials: Double.nan, probability: 0.5) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try Binomial(trials: Double.infinity, probability: 0.5) } != nil)
        #expect(expectGSLError(.domain) { _ = try Binomial(trials: -3.0, probability: 0.5) } != nil)
        #expect(expectGSLError(.domain) { _ = try Binomial(trials: -1, probability: 0.5) } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try Binomial(trials: 10, probability: .nan) } != nil)
        #expect(try Binomial(trials: 12.0, probability: 0.5).trials == 12)
    }

    @Test(arguments: [(2, 1.0), (2, 0.5), (3, 2.0), (3, -1.0)])
    func wishartDegreesOfFreedomAtOrBelowDimensionMinusOne(dimension: Int, nu: Double) {
        let scale = Matrix.identity(dimension)
        let error = expectGSLError(.domain) { _ = try Wishart(degreesOfFreedom: nu, scale: scale) }
        #expect(error?.reason.contains("degreesOfFreedom") == true)
        #expect(expectGSLError(.domain) { _ = try InverseWishart(degreesOfFreedom: nu, scale: scale) } != nil)
    }

    @Test func samplesWithNegativeCount() throws {
        let stream = RandomStream(seed: 1)
        #expect(expectGSLError(.invalidArgument) { _ = try Normal().samples(-1, using: stream) } != nil)
        #expect(expectGSLError(.invalidArgument) {
            _ = try MultivariateNormal(mean: [0], covariance: .identity(1)).samples(-1, using: stream)
        } != nil)
    }
}
