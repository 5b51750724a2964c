// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The class-mean posterior that `adapt` reports for a class_gaussian prior.
@Suite("Class mean posterior (Model A)")
struct ClassMeanPosteriorTests {
    /// m | X ~ t_{νₙ−d+1}(μₙ, Ψₙ/(κₙ(νₙ − d + 1))): the summary's sd is √(ν'/(ν' − 2) Sᵢᵢ), its
    /// interval the t quantiles; 4096 draws of chunk 0 have a mean within 4 SE (sd/√4096) of
    /// μₙ per coordinate (a false failure has probability 6e-5 per coordinate), and the same
    /// seed gives the same bits.
    @Test func summaryAndDrawsMatchTheMultivariateT() throws {
        let prior = try NIWAlgebraTests.prior3()
        let data = try ClassStatistics(points: NIWAlgebraTests.points3)
        let posterior = try ClassMeanPosterior(prior: prior, data: data)
        let post = try prior.posterior(data)
        let dof = post.degreesOfFreedom - 2
        #expect(abs(posterior.distribution.degreesOfFreedom - dof) < 1e-12)
        let summary = try posterior.summary(level: 0.9)
        let draws = posterior.draws(chunk: 0, range: 0..<4096, seed: 3)
        #expect(draws == posterior.draws(chunk: 0, range: 0..<4096, seed: 3))
        for i in 0..<3 {
            let scaleSquared = post.scale[i, i] / (post.meanPrecision * dof)
            let sd = (dof / (dof - 2) * scaleSquared).squareRoot()
            #expect(abs(summary[i].standardDeviation - sd) < 1e-12 * sd)
            #expect(abs(summary[i].mean - post.mean[i]) < 1e-12)
            #expect(summary[i].lower < post.mean[i] && summary[i].upper > post.mean[i])
            let sampleMean = stride(from: 1 + i, to: draws.count, by: 4).reduce(0) { $0 + draws[$1] } / 4096
            #expect(abs(sampleMean - post.mean[i]) < 4 * sd / 64)
        }
        #expect(throws: InputError.self) { _ = try posterior.predictive(at: Matrix(rows: 1, columns: 3), level: 0.9) }
    }
}
