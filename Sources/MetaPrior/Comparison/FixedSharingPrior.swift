// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The fixed-λ levels of the sharing spectrum: φ_i ~ N(φ̄, I/λ), y | x, φ ~ N(f(x)ᵀφ, σ²).
///
/// - λ = 0 is `independent`: a flat prior on each task's φ (no sharing). The posterior is
///   proper only when the support design has full column rank (K ≥ d), so a support set
///   with fewer points than features is refused rather than scored with an improper
///   predictive.
/// - λ = ∞ is `pooled`: φ_i = φ̄ for every task (hard sharing), the query predictive is
///   N(f(x)ᵀφ̄, σ²) and ignores the support set.
/// - 0 < λ < ∞ is `soft:λ`: the lecture's penalty (λ/2)‖φ_i − φ̄‖² read as a Gaussian prior.
///
/// φ̄ is the least-squares φ of all meta-train rows pooled, (Σ A_i)⁻¹ Σ b_i, for every λ (so
/// that λ → ∞ is exactly `pooled`). σ² is fitted on the meta-train tasks by maximising their
/// marginal likelihood Σ_i log N(y_i; Φ_iφ̄, σ²I + Φ_iΦ_iᵀ/λ) over σ² at the fixed φ̄ and λ;
/// its limits are the within-task estimate Σ RSS_i / Σ (n_i − r_i) at λ = 0 (r_i the rank of
/// Φ_i) and the pooled estimate Σ ‖y_i − Φ_iφ̄‖² / Σ n_i at λ = ∞, so the three levels are
/// one family, continuous in λ.
public struct FixedSharingPrior: Sendable, Equatable {
    /// The shared mean φ̄.
    public let mean: [Double]
    /// The prior precision λ: 0 for a flat prior, `.infinity` for φ = φ̄.
    public let precision: Double
    /// σ², fitted on the meta-train tasks at this λ.
    public let noiseVariance: Double

    /// The prior at precision `lambda`, with φ̄ and σ² fitted on `statistics` (meta-train).
    /// - Throws: ``InputError`` when the pooled normal equations are singular (fewer
    ///   independent meta-train rows than features).
    public init(statistics s: TaskStatistics, precision lambda: Double) throws {
        let d = s.dimension
        var a = Matrix(rows: d, columns: d), b = [Double](repeating: 0, count: d)
        for t in 0..<s.taskCount {
            for i in 0..<d { b[i] += s.cross[t * d + i]; for j in 0..<d { a[i, j] += s.gram[t * d * d + i * d + j] } }
        }
        let pooled: Cholesky
        do { pooled = try Cholesky(a) } catch {
            throw InputError("the meta-train rows do not determine one pooled φ (their features are collinear); pooled and soft sharing need Σ_i Φ_iᵀΦ_i invertible")
        }
        mean = try pooled.solve(b)
        precision = lambda
        noiseVariance = try Self.noiseVariance(s, mean: mean, precision: lambda)
    }

    /// Residual sums of task t about φ̄: ‖y − Φφ̄‖² and Φᵀ(y − Φφ̄).
    static func residual(_ s: TaskStatistics, task t: Int, mean m: [Double]) -> (squares: Double, cross: [Double]) {
        let d = s.dimension
        var cross = [Double](repeating: 0, count: d), squares = s.targetSquares[t]
        for i in 0..<d {
            var am = 0.0
            for j in 0..<d { am += s.gram[t * d * d + i * d + j] * m[j] }
            cross[i] = s.cross[t * d + i] - am
            squares += m[i] * (am - 2 * s.cross[t * d + i])
        }
        return (Swift.max(squares, 0), cross)
    }

    /// σ² maximising the meta-train marginal likelihood at (φ̄, λ); closed forms at the limits.
    static func noiseVariance(_ s: TaskStatistics, mean m: [Double], precision lambda: Double) throws -> Double {
        let observations = s.counts.reduce(0, +)
        if lambda == .infinity {
            let rss = (0..<s.taskCount).reduce(0.0) { $0 + residual(s, task: $1, mean: m).squares }
            return Swift.max(rss / Double(observations), 1e-300)
        }
        if lambda == 0 {
            // Per-task least squares on each task's range (eigenvalues above 1e-10 of the largest).
            var rss = 0.0, dof = 0
            for t in 0..<s.taskCount where s.counts[t] > 0 {
                let (squares, cross) = residual(s, task: t, mean: m)
                let eigen = try SymmetricEigen(gram(s, task: t))
                let top = eigen.values.max() ?? 0
                var explained = 0.0, rank = 0
                for (k, value) in eigen.values.enumerated() where value > 1e-10 * top {
                    var u = 0.0
                    for i in 0..<s.dimension { u += eigen.vectors[i, k] * cross[i] }
                    explained += u * u / value
                    rank += 1
                }
                rss += Swift.max(squares - explained, 0)
                dof += s.counts[t] - rank
            }
            guard dof > 0 else { throw InputError("no meta-train task has more rows than features, so the independent fit leaves no residual to estimate σ² from") }
            return Swift.max(rss / Double(dof), 1e-300)
        }
        // Golden-section search on log σ² between the limits, widened by e² each way: the
        // optimum moves continuously from one limit to the other as λ grows.
        let low = try noiseVariance(s, mean: m, precision: 0), high = try noiseVariance(s, mean: m, precision: .infinity)
        var a = log(Swift.min(low, high)) - 2, b = log(Swift.max(low, high)) + 2
        let ratio = (5.0.squareRoot() - 1) / 2
        var c = b - ratio * (b - a), e = a + ratio * (b - a)
        var fc = try logMarginal(s, mean: m, precision: lambda, noiseVariance: exp(c))
        var fe = try logMarginal(s, mean: m, precision: lambda, noiseVariance: exp(e))
        for _ in 0..<200 where b - a > 1e-13 {
            if fc > fe { b = e; e = c; fe = fc; c = b - ratio * (b - a); fc = try logMarginal(s, mean: m, precision: lambda, noiseVariance: exp(c)) }
            else { a = c; c = e; fc = fe; e = a + ratio * (b - a); fe = try logMarginal(s, mean: m, precision: lambda, noiseVariance: exp(e)) }
        }
        return exp((a + b) / 2)
    }

    /// Σ_i log N(y_i; Φ_iφ̄, σ²I + Φ_iΦ_iᵀ/λ) from the statistics (Woodbury, d × d per task).
    static func logMarginal(_ s: TaskStatistics, mean m: [Double], precision lambda: Double, noiseVariance v: Double) throws -> Double {
        var total = 0.0
        for t in 0..<s.taskCount where s.counts[t] > 0 {
            let (squares, cross) = residual(s, task: t, mean: m)
            var shifted = try gram(s, task: t)
            for i in 0..<s.dimension { shifted[i, i] += lambda * v }
            let chol = try Cholesky(shifted)
            let solved = try chol.solve(cross)
            let quadratic = (squares - zip(cross, solved).reduce(0) { $0 + $1.0 * $1.1 }) / v
            let logDet = Double(s.counts[t]) * log(v) + chol.logDeterminant - Double(s.dimension) * log(lambda * v)
            total -= 0.5 * (Double(s.counts[t]) * log(2 * Double.pi) + logDet + quadratic)
        }
        return total
    }

    static func gram(_ s: TaskStatistics, task t: Int) throws -> Matrix {
        let d = s.dimension
        return try Matrix(rows: d, columns: d, elements: Array(s.gram[(t * d * d)..<((t + 1) * d * d)]))
    }

    /// log p(y_query | y_support) of one episode, divided by Q: the joint predictive
    /// N(Φ_q m, σ²I + Φ_q P⁻¹Φ_qᵀ) with P = λI + Φ_sᵀΦ_s/σ² and m = P⁻¹(λφ̄ + Φ_sᵀy_s/σ²).
    /// - Throws: ``InputError`` at λ = 0 when Φ_s has fewer rows than columns or is rank
    ///   deficient (the flat-prior posterior is improper).
    public func logPredictive(supportDesign support: Matrix, supportTargets ys: [Double], queryDesign query: Matrix, queryTargets yq: [Double]) throws -> Double {
        let d = mean.count, v = noiseVariance
        var predictiveMean = try query.multiplied(by: mean)
        var covariance = Matrix.identity(query.rows)
        for i in 0..<query.rows { covariance[i, i] = v }
        if precision < .infinity {
            guard precision > 0 || support.rows >= d else {
                throw InputError(column: "--shots", kind: .invalidValue,
                                 "independent (a flat prior on φ) needs at least d = \(d) support points for a proper predictive, but K = \(support.rows); use a larger --shots, a smaller basis, or soft:λ with a small λ as a weak prior")
            }
            var p = try support.multiplied(by: support, transposeLeft: true)
            let sy = try support.multiplied(by: ys, transpose: true)
            var rhs = [Double](repeating: 0, count: d)
            for i in 0..<d {
                for j in 0..<d { p[i, j] /= v }
                p[i, i] += precision
                rhs[i] = precision * mean[i] + sy[i] / v
            }
            let chol: Cholesky
            do { chol = try Cholesky(p) } catch {
                throw InputError(column: "--shots", kind: .invalidValue, "the support points of an episode do not determine φ under a flat prior (their features are collinear); use a larger --shots or a smaller basis")
            }
            let m = try chol.solve(rhs)
            predictiveMean = try query.multiplied(by: m)
            let spread = try chol.solveLower(query.transposed)   // L⁻¹Φ_qᵀ, d × Q
            let extra = try spread.multiplied(by: spread, transposeLeft: true)
            for i in 0..<query.rows { for j in 0..<query.rows { covariance[i, j] += extra[i, j] } }
        }
        let chol = try Cholesky(covariance)
        let white = try chol.solveLower(zip(yq, predictiveMean).map { $0 - $1 })
        let q = Double(yq.count)
        let squares: Double = white.reduce(0) { $0 + $1 * $1 }
        let constant: Double = q * log(2 * Double.pi)
        return -0.5 * (constant + chol.logDeterminant + squares) / q
    }
}
