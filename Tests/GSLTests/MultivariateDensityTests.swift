// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Multivariate log-densities against SciPy 1.17.1 (`import scipy.stats as st`,
/// `import numpy as np`), with A as in ``LinearAlgebraTests``,
/// V2 = np.array([[2, .3], [.3, 1]]) and X2 = np.array([[3, .5], [.5, 2]]).
/// 1e-12 relative.
@Suite("Multivariate densities")
struct MultivariateDensityTests {
    static let a = LinearAlgebraTests.a
    static let v2 = try! Matrix([[2, 0.3], [0.3, 1]])
    static let x2 = try! Matrix([[3, 0.5], [0.5, 2]])

    @Test(arguments: [
        ([0.3, 0.2, 1.1], [1.0, -1, 0.5], -4.984013257966136),
        // st.multivariate_normal.logpdf([0.3, 0.2, 1.1], mean=[1, -1, 0.5], cov=A)
        ([10.0, -4, 2], [0.0, 0, 0], -29.24399977757398),
        // st.multivariate_normal.logpdf([10.0, -4.0, 2.0], mean=[0, 0, 0], cov=A)
    ])
    func multivariateNormal(x: [Double], mean: [Double], expected: Double) throws {
        let d = try MultivariateNormal(mean: mean, covariance: Self.a)
        #expect(isClose(try d.logDensity(x), expected))
        let shared = try MultivariateNormal(mean: mean, cholesky: Cholesky(Self.a))
        #expect(isClose(try shared.logDensity(x), expected))
    }

    @Test(arguments: [
        ([0.3, 0.2, 1.1], [1.0, -1, 0.5], 4.5, -5.0406099247319975),
        // st.multivariate_t.logpdf([0.3, 0.2, 1.1], loc=[1, -1, 0.5], shape=A, df=4.5)
        ([10.0, -4, 2], [0.0, 0, 0], 1.0, -11.978446138189447),
        // st.multivariate_t.logpdf([10.0, -4.0, 2.0], loc=[0, 0, 0], shape=A, df=1.0)
    ])
    func multivariateStudentT(x: [Double], location: [Double], nu: Double, expected: Double) throws {
        let d = try MultivariateStudentT(degreesOfFreedom: nu, location: location, scale: Self.a)
        #expect(isClose(try d.logDensity(x), expected))
    }

    @Test func wishart() throws {
        // st.wishart.logpdf(X2, df=5, scale=V2)
        #expect(isClose(try Wishart(degreesOfFreedom: 5, scale: Self.v2).logDensity(Self.x2), -5.945268668105114))
        // st.wishart.logpdf(A, df=3.5, scale=np.eye(3) * 2)
        #expect(isClose(try Wishart(degreesOfFreedom: 3.5, scale: 2 * Matrix.identity(3)).logDensity(Self.a),
                        -12.94291873899505))
        // st.wishart.logpdf(A, df=12.0, scale=A / 10)
        #expect(isClose(try Wishart(degreesOfFreedom: 12, scale: 0.1 * Self.a).logDensity(Self.a), -7.087936108529236))
    }

    @Test func inverseWishart() throws {
        // st.invwishart.logpdf(X2, df=5, scale=V2)
        #expect(isClose(try InverseWishart(degreesOfFreedom: 5, scale: Self.v2).logDensity(Self.x2), -10.28443372594021))
        // st.invwishart.logpdf(A, df=3.5, scale=np.eye(3) * 2)
        #expect(isClose(try InverseWishart(degreesOfFreedom: 3.5, scale: 2 * Matrix.identity(3)).logDensity(Self.a),
                        -16.635211608443186))
        // st.invwishart.logpdf(A, df=12.0, scale=A * 2)
        #expect(isClose(try InverseWishart(degreesOfFreedom: 12, scale: 2 * Self.a).logDensity(Self.a),
                        -24.057818532343035))
    }

    @Test func matrixOutsideTheSupportThrows() throws {
        let notPD = try Matrix([[1, 2], [2, 1]])
        #expect(expectGSLError(.domain) { _ = try Wishart(degreesOfFreedom: 5, scale: Self.v2).logDensity(notPD) } != nil)
        #expect(expectGSLError(.domain) { _ = try InverseWishart(degreesOfFreedom: 5, scale: Self.v2).logDensity(notPD) } != nil)
        #expect(expectGSLError(.badLength) { _ = try Wishart(degreesOfFreedom: 5, scale: Self.v2).logDensity(Self.a) } != nil)
    }

    @Test func momentsAreTheClosedForms() throws {
        let w = try Wishart(degreesOfFreedom: 6, scale: Self.v2)
        #expect(isClose(w.mean, [[12, 1.8], [1.8, 6]]))
        // Var(X_ij) = ν (V_ij² + V_ii V_jj): 6·(4 + 4), 6·(0.09 + 2), 6·(1 + 1)
        #expect(isClose(w.variance, [[48, 12.54], [12.54, 12]]))
        let iw = try InverseWishart(degreesOfFreedom: 14, scale: 10 * Self.v2)
        let expectedMean: [[Double]] = [[20.0 / 11, 3.0 / 11], [3.0 / 11, 10.0 / 11]]  // Ψ/(ν − p − 1)
        #expect(isClose(iw.mean, expectedMean))
        let t = try MultivariateStudentT(degreesOfFreedom: 4, location: [0, 0, 0], scale: Self.a)
        #expect(isClose(t.covariance, (2 * Self.a).nestedRows))
    }

    /// Seeded draws are part of the output contract (same seed, same file): these bit patterns
    /// were recorded before the normal and Student-t samplers were folded into one path
    /// (`sampleLocationScale`), and must not change. The normal's equal
    /// `gsl_ran_multivariate_gaussian`'s draws for the same generator state.
    @Test func seededDrawsArePinned() throws {
        let a = try Matrix([[4, 1, 0.5], [1, 3, -0.2], [0.5, -0.2, 2]])
        let mvn = try MultivariateNormal(mean: [1, -1, 0.5], covariance: a)
        let mvt = try MultivariateStudentT(degreesOfFreedom: 4.5, location: [1, -1, 0.5], scale: a)
        let stream = RandomStream(seed: 7, stream: 3)
        func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
        #expect(bits(mvn.sample(using: stream)) == [0x3fa0_7bbf_0c43_9950, 0xbfee_1d98_7c3c_8109, 0x3fd5_1b52_42cd_e5e4])
        #expect(bits(mvn.sample(using: stream)) == [0x400b_c2d4_c540_221b, 0xbfb2_f058_fdf7_2030, 0x3fda_0f11_65a0_156d])
        for _ in 0..<3 { _ = mvn.sample(using: stream) }
        #expect(bits(mvt.sample(using: stream)) == [0xbfd0_d475_0fc9_7814, 0x3fa9_2f45_3116_9640, 0x3fe9_2a87_c1ee_90b2])
    }
}
