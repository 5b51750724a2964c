// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The sufficient statistics of one class's points under a Gaussian with unknown mean and
/// covariance: the count n, the sample mean x̄ and the scatter S = Σᵢ (xᵢ − x̄)(xᵢ − x̄)ᵀ.
///
/// Everything the normal–inverse-Wishart algebra needs, so a class is reduced once and its
/// points are never read again during a fit.
public struct ClassStatistics: Sendable, Equatable {
    /// n ≥ 1.
    public let count: Int
    /// x̄, of length d.
    public let mean: [Double]
    /// S (d×d, symmetric positive semi-definite), row-major.
    public let scatter: [Double]

    /// d.
    public var dimension: Int { mean.count }

    /// Reduces a class's points (each of length d).
    /// - Parameter points: at least one point, all of the same length d ≥ 1, all finite.
    /// - Throws: ``InputError`` for no points, ragged lengths or non-finite values.
    public init(points: [[Double]]) throws {
        guard let first = points.first, !first.isEmpty else {
            throw InputError(kind: .empty, "a class needs at least one point with at least one feature")
        }
        let d = first.count
        var mean = [Double](repeating: 0, count: d)
        for point in points {
            guard point.count == d else {
                throw InputError(kind: .inconsistent, "class points have \(d) and \(point.count) features")
            }
            guard point.allSatisfy(\.isFinite) else { throw InputError(kind: .badNumber, "a class point is not finite") }
            for j in 0..<d { mean[j] += point[j] }
        }
        let n = Double(points.count)
        for j in 0..<d { mean[j] /= n }
        var scatter = [Double](repeating: 0, count: d * d)
        for point in points {
            for i in 0..<d {
                let a = point[i] - mean[i]
                for j in 0...i { scatter[i * d + j] += a * (point[j] - mean[j]) }
            }
        }
        for i in 0..<d { for j in 0..<i { scatter[j * d + i] = scatter[i * d + j] } }
        self.init(count: points.count, mean: mean, scatter: scatter)
    }

    /// Statistics computed elsewhere (no validation: internal callers only).
    init(count: Int, mean: [Double], scatter: [Double]) {
        self.count = count
        self.mean = mean
        self.scatter = scatter
    }
}
