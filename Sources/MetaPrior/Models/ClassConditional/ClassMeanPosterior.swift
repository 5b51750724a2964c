// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The posterior of one class's mean m after its points, with Σ integrated out: under
/// NIW(μₙ, κₙ, Ψₙ, νₙ), m | X ~ t_{νₙ−d+1}(μₙ, Ψₙ/(κₙ(νₙ − d + 1))) (Murphy 2007, §9).
///
/// This is what `adapt` can say about a class on the task seam. A class-conditional model has
/// no target y, so the y predictive of ``TaskPosterior`` is refused; class probabilities come
/// from ``ClassConditionalClassifier``.
public struct ClassMeanPosterior: TaskPosterior {
    /// The marginal posterior of m.
    public let distribution: MultivariateStudentT
    /// n, the class's points.
    public let observations: Int

    /// d.
    public var parameterCount: Int { distribution.dimension }
    /// 4096, as for the other families.
    public var drawsPerChunk: Int { 4096 }
    /// What `lp__` holds.
    public var logDensityDescription: String { "log density of the class mean m under its multivariate t posterior" }

    /// The posterior of m after `data` under `prior`.
    /// - Parameters:
    ///   - prior: the NIW shared by classes.
    ///   - data: the class's statistics, or nil for no points (the posterior is then the prior).
    /// - Throws: ``InputError`` for a dimension mismatch.
    public init(prior: NormalInverseWishart, data: ClassStatistics?) throws {
        let post = try data.map { try prior.posterior($0) } ?? prior
        let dof = post.degreesOfFreedom - Double(post.dimension) + 1
        distribution = try MultivariateStudentT(degreesOfFreedom: dof, location: post.mean,
                                                scale: (1 / (post.meanPrecision * dof)) * post.scale)
        observations = data?.count ?? 0
    }

    /// Draws `range` of chunk `chunk` (the whole chunk, as ``TaskPosterior`` asks for it):
    /// substream `chunk` of `seed`, from its start, as the other families draw.
    public func draws(chunk: Int, range: Range<Int>, seed: UInt64) -> [Double] {
        let stream = RandomStream(seed: seed, stream: UInt64(chunk))
        var out: [Double] = []
        out.reserveCapacity(range.count * (parameterCount + 1))
        for _ in range {
            let m = distribution.sample(using: stream)
            out.append((try? distribution.logDensity(m)) ?? -.infinity)
            out.append(contentsOf: m)
        }
        return out
    }

    /// log p(m | X).
    /// - Parameter phi: a class mean m.
    public func logDensity(_ phi: [Double]) throws -> Double { try distribution.logDensity(phi) }

    /// Per coordinate: the marginal t_{ν'}(μᵢ, √Sᵢᵢ)'s mean, sd (∞ for ν' ≤ 2) and central interval.
    /// - Parameter level: the interval's probability, in (0, 1).
    public func summary(level: Double) throws -> [IntervalSummary] {
        let scale = distribution.scale
        return try (0..<parameterCount).map { i in
            let t = try StudentT(degreesOfFreedom: distribution.degreesOfFreedom, location: distribution.location[i],
                                 scale: scale[i, i].squareRoot())
            return IntervalSummary(mean: t.mean, standardDeviation: t.variance.squareRoot(),
                                   lower: try t.quantile((1 - level) / 2), upper: try t.quantile((1 + level) / 2))
        }
    }

    /// Refused: a class-conditional model predicts class labels, not a target y.
    /// - Parameters:
    ///   - inputs: unused.
    ///   - level: unused.
    public func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] { throw Self.noTarget }

    /// Refused, as ``predictive(at:level:)``.
    /// - Parameter inputs: unused.
    public func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) { throw Self.noTarget }

    /// Refused, as ``predictive(at:level:)``.
    /// - Parameters:
    ///   - inputs: unused.
    ///   - chunk: unused.
    ///   - range: unused.
    ///   - seed: unused.
    public func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        throw Self.noTarget
    }

    static let noTarget = InputError(column: "model", kind: .invalidValue,
                                     "class_gaussian models a class's inputs and has no target y to predict; class probabilities of query points are not on the command line yet")
}
