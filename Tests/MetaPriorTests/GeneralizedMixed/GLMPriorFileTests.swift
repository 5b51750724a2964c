// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The `binomial` and `poisson` prior files (their keys, read back exactly, hand edits refused
/// by key) and the posterior behind the seam (chunk c is chain c of the library's sampler).
@Suite("GLM prior files and posteriors on the seam")
struct GLMPriorFileTests {
    static let cbppFormula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"

    /// The cbpp fit through the seam, as `fit --model binomial` makes it.
    static func cbppFile() throws -> PriorFile {
        let frame = try FormulaFrame.parse(csv: Array(GLMFormulaDataTests.cbppCSV.utf8), name: "cbpp.csv",
                                           formula: try ModelFormula(parsing: cbppFormula))
        return try PriorTraining.train(frame, family: BinomialMixedFamily.self, request: FitRequest(),
                                       source: PriorTraining.Source(file: "cbpp.csv", digest: nil)).file
    }

    /// Counts over an exposure: y ~ x + (x | g) with offset log t, small but not degenerate.
    static let countsCSV = "g,x,t,y\na,0,1,2\na,1,2,5\na,-1,0.5,0\nb,0,1,1\nb,1,1.5,2\nb,2,1,4\nc,0,2,3\nc,-1,1,1\nc,1,1,3\nd,0,1,0\nd,1,1,2\nd,2,3,9\n"

    @Test func priorFilesReadBackExactly() throws {
        let bytes = try Self.cbppFile().encoded()
        let file = try PriorFile.decode(bytes, file: "p.json")
        #expect(try file.encoded() == bytes)
        #expect(file.model == "binomial" && file.inputs == ["period", "size"] && file.target == "incidence")

        let frame = try FormulaFrame.parse(csv: Array(Self.countsCSV.utf8), formula: try ModelFormula(parsing: "y ~ x + (x | g)"), exposure: "t")
        let counts = try PriorTraining.train(frame, family: PoissonMixedFamily.self, request: FitRequest(),
                                             source: PriorTraining.Source(file: "c.csv", digest: nil)).file
        let read = try PriorFile.decode(try counts.encoded(), file: "c.json")
        #expect(read == counts && read.inputs == ["x", "t"])
        #expect(try read.prior(as: GeneralizedMixedPrior.self).exposureColumn == "t")

        // A basis(x) term keeps its feature map in the file.
        let basisFrame = try FormulaFrame.parse(csv: Array(Self.countsCSV.utf8), formula: try ModelFormula(parsing: "y ~ basis(x) + (1 | g)"), exposure: "t")
        let withBasis = try PriorTraining.train(basisFrame, family: PoissonMixedFamily.self, request: FitRequest(basis: try BasisSpec(parsing: "poly:2")),
                                                source: PriorTraining.Source(file: "c.csv", digest: nil)).file
        let readBasis = try PriorFile.decode(try withBasis.encoded(), file: "b.json")
        #expect(readBasis == withBasis && readBasis.features == ["(Intercept)"])
        #expect(try readBasis.prior(as: GeneralizedMixedPrior.self).shared.columnNames.count == 3)
    }

    /// Hand-edited files: each edit is one InputError naming the key.
    @Test(arguments: [
        ("model", "\"gamma\"", "model"),
        ("response_family", "\"gamma\"", "response_family"),
        ("formula", "\"cbind(incidence, size - incidence) ~ period + (1 | herd\"", "formula"),
        ("formula", "\"cbind(incidence, size - incidence) ~ period + (1 || herd)\"", "formula"),
        ("approximation", "\"agq\"", "approximation"),
        ("quadrature_points", "3", "approximation"),
        ("theta", "[-0.5]", "theta"),
        ("theta", "[0.5, 0.1]", "theta"),
        ("covariance", "[[0.5]]", "covariance"),
        ("covariance", "[[1, 2], [3, 4]]", "covariance"),
        ("shared_estimates", "[1, 2]", "shared_estimates"),
        ("shared_covariance", "[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]]", "shared_covariance"),
        ("shared_covariance", "[[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]", "shared_covariance"),
        ("shared_covariance", "[[1, 0], [0, 1]]", "shared_estimates"),
        ("mean", "[0]", "mean"),
        ("exposure", "\"t\"", "exposure"),
        ("shared_terms", "[\"(Intercept)\"]", "formula"),
    ])
    func editedPriorFilesAreRefusedByKey(key: String, value: String, named: String) throws {
        var json = try #require(try JSONSerialization.jsonObject(with: try Self.cbppFile().encoded()) as? [String: Any])
        json[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        let edited = try JSONSerialization.data(withJSONObject: json)
        #expect { try PriorFile.decode(edited, file: "prior.json") } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.file == "prior.json" && error.column == named && !error.description.contains("\n")
        }
    }

    /// A new herd's MCMC posterior through the seam: chunk c is chain c of
    /// `GeneralizedTaskPosterior.sample`, bit for bit, with the posterior's seed and with another.
    @Test func chunksAreTheSamplersChains() throws {
        let prior = try Self.cbppFile().prior(as: GeneralizedMixedPrior.self)
        // period (level positions a–d), size; 2/14, 3/12, 4/9, 0/5.
        let inputs = try Matrix([[0, 14], [1, 12], [2, 9], [3, 5]])
        let targets: [Double] = [2, 3, 4, 0]
        let sampling = PosteriorSampling(chains: 3, warmup: 50, drawsPerChain: 40, seed: 11)
        let posterior = try #require(try prior.posterior(inputs: inputs, targets: targets, sampling: sampling) as? GeneralizedMixedPosterior)
        #expect(posterior.chainCount == 3 && posterior.drawsPerChunk == 40)
        for seed: UInt64 in [11, 12] {
            let reference = try posterior.base.sample(chains: 3, warmup: 50, draws: 40, seed: seed)
            for c in 0..<3 {
                let rows = posterior.draws(chunk: c, range: (c * 40)..<((c + 1) * 40), seed: seed)
                #expect((0..<40).map { rows[$0 * 2 + 1] } == reference.chains[c].map { $0.parameters[0] }, "chain \(c), seed \(seed)")
            }
        }
        let diagnostics = try posterior.diagnostics()
        #expect(diagnostics.count == 1 && diagnostics[0].rHat.isFinite)
    }

    /// The Laplace predictive of a probability: the interval is the logistic of a ± z·s exactly
    /// (the inverse link is increasing), and the Gauss–Hermite mean agrees with the mean over
    /// 40,000 Laplace draws to 4 Monte Carlo standard errors (a false alarm about 1 in 16,000).
    @Test func laplacePredictiveOfAProbability() throws {
        let prior = try Self.cbppFile().prior(as: GeneralizedMixedPrior.self)
        let inputs = try Matrix([[0, 14], [1, 12], [2, 9], [3, 5]])
        let sampling = PosteriorSampling(method: .laplace)
        let posterior = try #require(try prior.posterior(inputs: inputs, targets: [2, 3, 4, 0], sampling: sampling) as? GeneralizedMixedPosterior)
        #expect(posterior.chainCount == 0)
        let query = try Matrix([[3, 10]])
        let point = try #require(try posterior.predictive(at: query, level: 0.9).first)
        let mean = posterior.base.laplaceMean[0], sd = posterior.base.laplaceCovariance[0].squareRoot()
        let a = prior.beta[3] + mean, z = try Normal().quantile(0.95)
        func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        #expect(abs(point.lower - logistic(a - z * sd)) <= 1e-12 && abs(point.upper - logistic(a + z * sd)) <= 1e-12, "\(point)")
        var values: [Double] = []
        for chunk in 0..<10 {
            let rows = posterior.draws(chunk: chunk, range: (chunk * 4096)..<(chunk * 4096 + 4000), seed: 5)
            values += (0..<4000).map { logistic(prior.beta[3] + rows[$0 * 2 + 1]) }
        }
        let monteCarlo = values.reduce(0, +) / Double(values.count)
        let standardError = point.standardDeviation / Double(values.count).squareRoot()
        #expect(abs(monteCarlo - point.mean) <= 4 * standardError, "GH \(point.mean), Monte Carlo \(monteCarlo) ± \(standardError)")
    }
}
