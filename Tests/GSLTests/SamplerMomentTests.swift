// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

/// Sample moments of every sampler at a fixed seed. Reference moments are SciPy 1.17.1's
/// `dist.stats(moments='mvk')` (call beside each case); the tolerance is 5 standard errors,
/// SE(mean) = σ/√n and SE(variance) ≈ σ²√((κ + 2)/n) with κ the excess kurtosis
/// (see ``standardErrors(variance:excessKurtosis:n:)``).
struct SamplerCase: Sendable, CustomTestStringConvertible {
    let name: String
    let mean: Double
    let variance: Double
    let excessKurtosis: Double
    /// The distribution's own ``mean``/``variance`` properties, checked against SciPy too.
    let modelMean: Double
    let modelVariance: Double
    let draw: @Sendable (RandomStream) -> Double
    var testDescription: String { name }

    init<D: UnivariateContinuousDistribution>(_ d: D, _ name: String, mean: Double, variance: Double, kurtosis: Double) {
        self.name = name
        self.mean = mean
        self.variance = variance
        self.excessKurtosis = kurtosis
        self.modelMean = d.mean
        self.modelVariance = d.variance
        self.draw = { d.sample(using: $0) }
    }

    init(_ name: String, mean: Double, variance: Double, kurtosis: Double, modelMean: Double, modelVariance: Double,
         draw: @escaping @Sendable (RandomStream) -> Double) {
        self.name = name
        self.mean = mean
        self.variance = variance
        self.excessKurtosis = kurtosis
        self.modelMean = modelMean
        self.modelVariance = modelVariance
        self.draw = draw
    }
}

@Suite("Sampler moments")
struct SamplerMomentTests {
    static let n = 200_000
    static let a = LinearAlgebraTests.a
    static let v2 = MultivariateDensityTests.v2

    static let cases: [SamplerCase] = {
        let binomialSmall = try! Binomial(trials: 20, probability: 0.3)
        let binomialLarge = try! Binomial(trials: 1000, probability: 0.02)
        let poissonSmall = try! Poisson(rate: 3.5)
        let poissonLarge = try! Poisson(rate: 150)
        let mvn = try! MultivariateNormal(mean: [1, -1, 0.5], covariance: a)
        let mvt = try! MultivariateStudentT(degreesOfFreedom: 9, location: [1, -1, 0.5], scale: a)
        let wishart = try! Wishart(degreesOfFreedom: 6, scale: v2)
        let inverseWishart = try! InverseWishart(degreesOfFreedom: 14, scale: 10 * v2)
        return [
            // st.norm(1.5, 2.0).stats(moments='mvk') -> 1.5, 4.0, 0.0
            SamplerCase(try! Normal(mean: 1.5, standardDeviation: 2), "Normal", mean: 1.5, variance: 4, kurtosis: 0),
            // st.t(10.0, -1.0, 0.5).stats(moments='mvk') -> -1.0, 0.3125, 1.0
            SamplerCase(try! StudentT(degreesOfFreedom: 10, location: -1, scale: 0.5), "StudentT", mean: -1, variance: 0.3125, kurtosis: 1),
            // st.gamma(2.5, scale=1/4.0).stats(moments='mvk') -> 0.625, 0.15625, 2.4
            SamplerCase(try! Gamma(shape: 2.5, rate: 4), "Gamma(2.5, 4)", mean: 0.625, variance: 0.15625, kurtosis: 2.4),
            // st.gamma(0.3, scale=1/1.0).stats(moments='mvk') -> 0.3, 0.3, 20.0   (shape < 1 path)
            SamplerCase(try! Gamma(shape: 0.3, rate: 1), "Gamma(0.3, 1)", mean: 0.3, variance: 0.3, kurtosis: 20),
            // st.invgamma(7.0, scale=3.0).stats(moments='mvk') -> 0.5, 0.04999999999999999, 12.0
            SamplerCase(try! InverseGamma(shape: 7, scale: 3), "InverseGamma", mean: 0.5, variance: 0.04999999999999999, kurtosis: 12),
            // st.beta(2.0, 5.0).stats(moments='mvk') -> 0.2857142857142857, 0.025510204081632654, -0.12
            SamplerCase(try! Beta(alpha: 2, beta: 5), "Beta(2, 5)", mean: 0.2857142857142857, variance: 0.025510204081632654, kurtosis: -0.12),
            // st.beta(0.5, 0.5).stats(moments='mvk') -> 0.5, 0.125, -1.5
            SamplerCase(try! Beta(alpha: 0.5, beta: 0.5), "Beta(0.5, 0.5)", mean: 0.5, variance: 0.125, kurtosis: -1.5),
            // st.binom(20, 0.3).stats(moments='mvk') -> 6.0, 4.2, -0.06190476190476191
            SamplerCase("Binomial(20, 0.3)", mean: 6, variance: 4.2, kurtosis: -0.06190476190476191,
                        modelMean: binomialSmall.mean, modelVariance: binomialSmall.variance) { Double(binomialSmall.sample(using: $0)) },
            // st.binom(1000, 0.02).stats(moments='mvk') -> 20.0, 19.6, 0.045020408163265316
            SamplerCase("Binomial(1000, 0.02)", mean: 20, variance: 19.6, kurtosis: 0.045020408163265316,
                        modelMean: binomialLarge.mean, modelVariance: binomialLarge.variance) { Double(binomialLarge.sample(using: $0)) },
            // st.poisson(3.5).stats(moments='mvk') -> 3.5, 3.5, 0.2857142857142857
            SamplerCase("Poisson(3.5)", mean: 3.5, variance: 3.5, kurtosis: 0.2857142857142857,
                        modelMean: poissonSmall.mean, modelVariance: poissonSmall.variance) { Double(poissonSmall.sample(using: $0)) },
            // st.poisson(150.0).stats(moments='mvk') -> 150.0, 150.0, 0.006666666666666667
            SamplerCase("Poisson(150)", mean: 150, variance: 150, kurtosis: 0.006666666666666667,
                        modelMean: poissonLarge.mean, modelVariance: poissonLarge.variance) { Double(poissonLarge.sample(using: $0)) },
            // Marginal 0 of N([1, -1, 0.5], A) is N(1, A_00 = 4): st.norm(1, 2).stats -> 1, 4, 0
            SamplerCase("MultivariateNormal[0]", mean: 1, variance: 4, kurtosis: 0,
                        modelMean: mvn.mean[0], modelVariance: mvn.covariance[0, 0]) { mvn.sample(using: $0)[0] },
            // Marginal 2 is N(0.5, A_22 = 3): st.norm(0.5, np.sqrt(3)).stats -> 0.5, 3, 0
            SamplerCase("MultivariateNormal[2]", mean: 0.5, variance: 3, kurtosis: 0,
                        modelMean: mvn.mean[2], modelVariance: mvn.covariance[2, 2]) { mvn.sample(using: $0)[2] },
            // Marginal 0 of t_9([1, -1, 0.5], A) is t(9, 1, 2):
            // st.t(9.0, 1.0, 2.0).stats(moments='mvk') -> 1.0, 5.142857142857143, 1.2
            SamplerCase("MultivariateStudentT[0]", mean: 1, variance: 5.142857142857143, kurtosis: 1.2,
                        modelMean: mvt.mean[0], modelVariance: mvt.covariance[0, 0]) { mvt.sample(using: $0)[0] },
            // X_00 of W(6, V2) is V2_00 · χ²_6: st.chi2(6.0, scale=2.0).stats(moments='mvk') -> 12.0, 48.0, 2.0
            SamplerCase("Wishart[0,0]", mean: 12, variance: 48, kurtosis: 2,
                        modelMean: wishart.mean[0, 0], modelVariance: wishart.variance[0, 0]) { wishart.sample(using: $0)[0, 0] },
            // X_00 of IW(14, 10·V2) is InvGamma((ν − p + 1)/2, Ψ_00/2):
            // st.invgamma((14.0 - 2 + 1) / 2, scale=20.0 / 2).stats(moments='mvk')
            //   -> 1.8181818181818183, 0.7346189164370982, 14.742857142857142
            SamplerCase("InverseWishart[0,0]", mean: 1.8181818181818183, variance: 0.7346189164370982, kurtosis: 14.742857142857142,
                        modelMean: inverseWishart.mean[0, 0], modelVariance: inverseWishart.variance[0, 0]) { inverseWishart.sample(using: $0)[0, 0] },
        ]
    }()

    @Test(arguments: cases)
    func sampleMomentsWithinFiveStandardErrors(_ c: SamplerCase) {
        #expect(isClose(c.modelMean, c.mean))
        #expect(isClose(c.modelVariance, c.variance))
        let stream = RandomStream(seed: 20_240_601, stream: 7)
        let draws = (0..<Self.n).map { _ in c.draw(stream) }
        let (mean, variance) = sampleMoments(draws)
        let se = standardErrors(variance: c.variance, excessKurtosis: c.excessKurtosis, n: Self.n)
        #expect(abs(mean - c.mean) <= allowedStandardErrors * se.mean, "mean \(mean), expected \(c.mean) ± \(5 * se.mean)")
        #expect(abs(variance - c.variance) <= allowedStandardErrors * se.variance,
                "variance \(variance), expected \(c.variance) ± \(5 * se.variance)")
    }

    /// Off-diagonal moments of the matrix and vector samplers: every entry's mean within 5 SE,
    /// SE = √(Var(X_ij)/n) from the closed-form entry variances.
    @Test func matrixSamplerEntryMeans() throws {
        let n = 50_000
        let stream = RandomStream(seed: 11, stream: 3)
        let wishart = try Wishart(degreesOfFreedom: 6, scale: Self.v2)
        let inverseWishart = try InverseWishart(degreesOfFreedom: 14, scale: 10 * Self.v2)
        let cases: [(String, () -> Matrix, Matrix, Matrix)] = [
            ("Wishart", { wishart.sample(using: stream) }, wishart.mean, wishart.variance),
            ("InverseWishart", { inverseWishart.sample(using: stream) }, inverseWishart.mean, inverseWishart.variance),
        ]
        for (name, draw, mean, variance) in cases {
            var sum = Matrix(rows: 2, columns: 2)
            for _ in 0..<n { sum = sum + draw() }
            for i in 0..<2 { for j in 0..<2 {
                let se = (variance[i, j] / Double(n)).squareRoot()
                #expect(abs(sum[i, j] / Double(n) - mean[i, j]) <= allowedStandardErrors * se, "\(name)[\(i),\(j)]")
            } }
        }
    }

    /// The sample covariance of N(μ, A) draws through the allocation-free path: for a normal,
    /// Var(x_i x_j estimate) ≈ (A_ii A_jj + A_ij²)/n, so SE = √((A_ii A_jj + A_ij²)/n).
    @Test func multivariateNormalCovarianceThroughBufferPath() throws {
        let n = 100_000
        let d = try MultivariateNormal(mean: [1, -1, 0.5], covariance: Self.a)
        let stream = RandomStream(seed: 5, stream: 1)
        var buffer = [Double](repeating: 0, count: 3)
        var sums = [Double](repeating: 0, count: 3)
        var products = Matrix(rows: 3, columns: 3)
        for _ in 0..<n {
            try d.sample(using: stream, into: &buffer)
            for i in 0..<3 {
                sums[i] += buffer[i]
                for j in 0..<3 { products[i, j] += (buffer[i] - d.mean[i]) * (buffer[j] - d.mean[j]) }
            }
        }
        for i in 0..<3 {
            #expect(abs(sums[i] / Double(n) - d.mean[i]) <= allowedStandardErrors * (Self.a[i, i] / Double(n)).squareRoot())
            for j in 0..<3 {
                let se = ((Self.a[i, i] * Self.a[j, j] + Self.a[i, j] * Self.a[i, j]) / Double(n)).squareRoot()
                #expect(abs(products[i, j] / Double(n) - Self.a[i, j]) <= allowedStandardErrors * se, "cov[\(i),\(j)]")
            }
        }
        let matrix = try d.samples(10, using: stream)
        #expect(matrix.rows == 10 && matrix.columns == 3)
        #expect(expectGSLError(.badLength) { var short = [0.0]; try d.sample(using: stream, into: &short) } != nil)
    }

    @Test func wishartDrawsAreSymmetricPositiveDefinite() throws {
        let stream = RandomStream(seed: 2)
        for _ in 0..<100 {
            let w = try Wishart(degreesOfFreedom: 3.5, scale: Self.a).sample(using: stream)
            #expect(w.asymmetry == 0)
            _ = try Cholesky(w)
            let iw = try InverseWishart(degreesOfFreedom: 3.5, scale: Self.a).sample(using: stream)
            #expect(iw.asymmetry == 0)
            _ = try Cholesky(iw)
        }
    }
}
