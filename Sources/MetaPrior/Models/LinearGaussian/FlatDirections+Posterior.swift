// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension FlatDirections {
    /// Smallest eigenvalue of UᵀΦᵀΦU, relative to tr ΦᵀΦ, for a flat direction to count as
    /// seen by the task. Round-off in UᵀAU is ~f·1e-16·tr A, so 1e-12 is far above it; below
    /// it the posterior variance along that direction would exceed σ²·1e12/tr A, i.e. the task
    /// does not determine it.
    static let seenTolerance = 1e-12

    /// The posterior of a task with design Φ (n×d) and targets y under the prior `proper` on
    /// U's complement and flat along U, in information form.
    ///
    /// With F a factor of Σ (FFᵀ = Σ, its columns ⊥ U), G = [F U] and t = (z, α), φ = μ + Gt has
    /// log prior −½zᵀz + ηᵀα and log likelihood −|y − Φμ − ΦGt|²/(2σ²), so with A = ΦᵀΦ,
    /// b = Φᵀy:
    ///
    ///     K = σ²·diag(I_d, 0_f) + GᵀAG = LLᵀ,   r = (0, σ²η) + Gᵀ(b − Aμ),
    ///     Y = L⁻¹Gᵀ,   m = μ + Yᵀ(L⁻¹r),   S = σ² YᵀY
    ///
    /// (K/σ² is t's posterior precision, K⁻¹r its mean). K is positive definite exactly when
    /// ΦU has rank f: tᵀKt = σ²|z|² + |ΦGt|² vanishes only for z = 0 and ΦUα = 0. This is
    /// the λ → ∞ limit of the proper posterior under N(μ + λUη, Σ + λUUᵀ).
    /// - Throws: ``InputError`` when the task does not determine every flat direction (naming
    ///   how many it lacks and the features they load on), or when floating point gives out.
    func posterior(proper: GaussianPrior, design: Matrix, targets: [Double], featureNames: [String]) throws -> GaussianPosterior {
        let (a, b) = try proper.sums(design: design, targets: targets)
        return try posterior(proper: proper, gram: a, cross: b, points: design.rows, featureNames: featureNames)
    }

    /// The same posterior from the task's statistics A = ΦᵀΦ, b = Φᵀy and n.
    func posterior(proper: GaussianPrior, gram a: Matrix, cross b: [Double], points: Int, featureNames: [String]) throws -> GaussianPosterior {
        let d = proper.dimension, f = count, s = proper.noiseVariance
        try requireSeen(gram: a, points: points, featureNames: featureNames)
        var g = Matrix(rows: d, columns: d + f)
        for i in 0..<d {
            for j in 0..<d { g[i, j] = proper.factor[i, j] }
            for j in 0..<f { g[i, d + j] = basis[i, j] }
        }
        var k = try g.multiplied(by: try a.multiplied(by: g), transposeLeft: true)
        for i in 0..<d { k[i, i] += s }
        let aMu = try a.multiplied(by: proper.mean)
        var r = try g.multiplied(by: zip(b, aMu).map { $0 - $1 }, transpose: true)
        for j in 0..<f { r[d + j] += s * tilt[j] }
        guard k.isFinite, r.allSatisfy(\.isFinite) else {
            throw InputError(kind: .invalidValue, "the task's inputs are too large for this prior: GᵀΦᵀΦG overflows; rescale the inputs")
        }
        do {
            let chol = try Cholesky(symmetrized(k))
            let y = try chol.solveLower(g.transposed)
            let shift = try y.multiplied(by: try chol.solveLower(r), transpose: true)
            let mean = zip(proper.mean, shift).map { $0 + $1 }
            let covariance = symmetrized(s * (try y.multiplied(by: y, transposeLeft: true)))
            return try GaussianPosterior.make(mean: mean, covariance: covariance, noiseVariance: s, observations: points)
        } catch let error as GSLError {
            throw InputError(kind: .invalidValue, "the posterior cannot be computed in floating point (\(error.reason)): the data are too large, or the noise variance \(s) too small, for this prior; rescale the inputs or targets")
        }
    }

    /// Throws unless ΦU has rank f (every eigenvalue of UᵀAU above ``seenTolerance``·tr A).
    func requireSeen(gram a: Matrix, points n: Int, featureNames: [String]) throws {
        let d = basis.rows, f = count
        let projected = symmetrized(try basis.multiplied(by: try a.multiplied(by: basis), transposeLeft: true))
        let eigen = try SymmetricEigen(projected)
        let threshold = Self.seenTolerance * Swift.max(a.trace, 1e-300)
        let missing = (0..<f).filter { eigen.values[$0] <= threshold }
        guard !missing.isEmpty else { return }
        let described = missing.map { column -> String in
            let direction = (0..<d).map { i in (0..<f).reduce(0.0) { $0 + basis[i, $1] * eigen.vectors[$1, column] } }
            let top = direction.indices.sorted { abs(direction[$0]) > abs(direction[$1]) }.prefix(3)
            return top.map { "\(significant(direction[$0], 3))·\(featureNames[$0])" }.joined(separator: " + ")
        }
        throw InputError(kind: .invalidValue,
                         "the prior is flat (improper) in \(counted(f, "direction")) and this task's \(counted(n, "point")) determine only \(f - missing.count) of them, so its posterior would be improper; it needs at least \(counted(missing.count, "more point")) whose features vary along \(described.map { "(\($0))" }.joined(separator: ", "))")
    }
}
