// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The first-order (KKT) conditions of max ℓ over Σ̃ = Σ/σ² ⪰ 0, measured without units.
///
/// μ and σ² are profiled out exactly, so their conditions hold by construction. With
/// G = ∂ℓ/∂Σ̃ = ½(E/σ̂² − Σ wX) (see `ProfiledLikelihood`) and Σ̃ = ΛΛᵀ, Λ of size d×r,
/// a maximum satisfies GΛ = 0 (stationarity on the rank-r set) and G ⪯ 0 (no direction
/// outside the range of Σ̃ along which adding variance raises ℓ). Both are measured so that
/// rescaling x or y does not change them:
///
/// - ``stationarity``: max_ij |∂ℓ/∂Λ̂_ij| / N, the gradient per observation (N = Σ w n) in
///   the dimensionless factor Λ̂ = D^{1/2}Λ, D = diag(Σ wA)/N (the mean square of each
///   feature per point, so Λ̂Λ̂ᵀ is the between-task variance of each feature's contribution
///   relative to the noise). Rescaling feature j by a (x in other units) scales Λ's row j by
///   1/a and D_jj by a², so Λ̂ is unchanged; rescaling y leaves Σ̃ unchanged.
/// - ``boundaryExcess``: λ_max − 1 for the largest generalised eigenvalue λ of
///   (E/σ̂², Σ wX). λ ≤ 1 is exactly G ⪯ 0; on the range of Σ̃ every eigenvalue is 1 at a
///   stationary point, so at a maximum λ_max = 1 (or, for Σ̃ = 0, ≤ 1). A generalised
///   eigenvalue is invariant under any invertible change of feature coordinates and under
///   rescaling y. Its meaning: adding variance s·vvᵀ along the eigenvector v
///   (vᵀΣ wXv = 1) changes ℓ at the rate ½(λ − 1).
/// - ``growthGain``: where λ_max − 1 exceeds its tolerance, what that direction is worth —
///   max over s ≥ 0 of ℓ(Σ̃ + s·vvᵀ) − ℓ(Σ̃), μ and σ² profiled again, per task (Σ w), in
///   nats (so free of units). The boundary condition holds if either the slope or this gain
///   is within its tolerance (``meetsBoundary(tolerance:growthTolerance:)``): the rank is
///   chosen by likelihood gain. A slope is a poor guide at the noise floor, where Σ̃ = Σ/σ²
///   is huge: a slope of several units can come with a gain of a fraction of a nat.
///
/// Where σ² is held at its floor (``PriorFitOptions/noiseFloor``), the conditions above are
/// taken at that fixed σ² (G = ½(E/σ² − Σ wX) holds at any σ², and μ̂ does not depend on it),
/// and one more condition belongs to the bounded problem: ℓ must fall as σ² rises from the
/// bound, ``noiseSlope`` = (σ²/N)·∂ℓ/∂σ² = ½(r/(Nσ²) − 1) ≤ 0 (r the weighted residual
/// Σ w q − μ̂ᵀΣ wz). Taken at fixed Σ̃; at fixed Σ it differs by ⟨G, Σ̃⟩/N, which vanishes
/// where the stationarity condition holds (GΛ = 0). It holds by construction (the bound binds
/// only where r/N is below it) and is reported so that a reader can see how hard the floor
/// binds: −½ means the tasks are fitted exactly.
///
/// Stationarity is met either by the gradient or, where the gradient has stopped shrinking at
/// the precision the likelihood can be computed to (typically 1e-8–1e-7 per observation when
/// Σ̃ is large and each task's X = A − UᵀU cancels), by ``newtonDecrement``: the gain in ℓ per
/// observation that one more exact Newton step promises, ½ gᵀ(−H)⁻¹g, which is +∞ unless −H
/// is positive definite (so a saddle or a flat direction never passes). At the default
/// 1e-12 per observation the remaining gain is below 1e-12·N in ℓ: far below statistical
/// meaning and near the round-off of ℓ itself.
///
/// Where neither holds because the tolerances lie below what double precision gives at the
/// point (at the noise floor of a rich basis Σ̃ has entries near 10¹⁰, and ℓ is computed only
/// to about 10⁻⁸ relative), stationarity is met *at the precision of ℓ*
/// (``precision``): the round-off of ℓ and of the gradient are measured at the point (the
/// largest change of each when every parameter moves by a few units in the last place), no
/// Newton step, however damped, and no point of a line search along the directions where ℓ is
/// flat to the Hessian's precision raises ℓ by more than ``roundOffMultiple`` times ℓ's
/// round-off, and the gradient is within ``roundOffMultiple`` times its own.
public struct FitCriterion: Sendable, Equatable {
    /// Largest |∂ℓ/∂Λ̂| per observation.
    public let stationarity: Double
    /// λ_max(E/σ̂², Σ wX) − 1 (≤ 0 when no direction outside Σ's range would raise ℓ).
    public let boundaryExcess: Double
    /// ½ gᵀ(−H)⁻¹g per observation at the fit, from the Newton steps at its rank (`nil` when
    /// none were taken: too many parameters, or the rank changed after them).
    public var newtonDecrement: Double?
    /// The gain in ℓ per task (Σ w) of the best rank-one growth of Σ̃ along the direction of
    /// ``boundaryExcess``: max over s ≥ 0 of ℓ(Σ̃ + s·vvᵀ) − ℓ(Σ̃), μ and σ² profiled again
    /// (`nil` when it was not needed: ``boundaryExcess`` within its tolerance, or Σ̃ of full
    /// rank).
    public var growthGain: Double?
    /// At the noise floor, (σ²/N)·∂ℓ/∂σ² at fixed Σ̃: ½(r/(Nσ²) − 1), ≤ 0 when the bound is
    /// a genuine maximum in σ² (the KKT sign); `nil` where σ² is profiled (its derivative is
    /// then zero).
    public var noiseSlope: Double?
    /// Where the fit was checked at the precision ℓ is computed to, what that precision is
    /// (`nil` where the check was not run or failed: see the type's discussion).
    public var precision: Precision?

    /// The round-off measured at a fit (``FitCriterion/precision``).
    public struct Precision: Sendable, Equatable {
        /// The round-off of ℓ, in nats: no step raised ℓ by more than ``roundOffMultiple`` times it.
        public var logLikelihood: Double
        /// The round-off of ``FitCriterion/stationarity`` (per observation).
        public var stationarity: Double
    }

    /// How many times its measured round-off a gain or a gradient may be and still count as
    /// none (``precision``): a margin over the spread of a few evaluations, which
    /// underestimates the round-off's range.
    public static let roundOffMultiple = 4.0

    /// The criterion with the Newton decrement measured at the same point.
    func with(newtonDecrement: Double?) -> FitCriterion {
        var copy = self
        copy.newtonDecrement = newtonDecrement
        return copy
    }

    /// Whether the point is stationary on its rank: the gradient within `tolerance`, the
    /// Newton decrement within `decrementTolerance`, or the gradient within
    /// ``roundOffMultiple`` times its round-off where no step gains beyond ℓ's (``precision``).
    public func isStationary(tolerance: Double, decrementTolerance: Double) -> Bool {
        stationarity <= tolerance || (newtonDecrement.map { $0 <= decrementTolerance } ?? false) || isStationaryAtPrecision
    }

    /// Whether stationarity holds at the precision of ℓ (``precision``).
    public var isStationaryAtPrecision: Bool {
        precision.map { stationarity <= Self.roundOffMultiple * $0.stationarity } ?? false
    }

    /// Whether the boundary condition holds: ``boundaryExcess`` within `tolerance` (no
    /// direction outside Σ's range raises ℓ at a rate beyond it), or, where some direction
    /// still points uphill, the best rank-one growth along it gains at most `growthTolerance`
    /// per task (``growthGain``).
    public func meetsBoundary(tolerance: Double, growthTolerance: Double) -> Bool {
        boundaryExcess <= tolerance || (growthGain.map { $0 <= growthTolerance } ?? false)
    }

    /// Whether the conditions hold: stationary (``isStationary(tolerance:decrementTolerance:)``),
    /// the boundary condition (``meetsBoundary(tolerance:growthTolerance:)``) and, at the noise
    /// floor, the sign of ``noiseSlope``.
    public func holds(stationarityTolerance: Double, decrementTolerance: Double, boundaryTolerance: Double,
                      growthTolerance: Double = PriorFitOptions.defaultGrowthTolerance) -> Bool {
        isStationary(tolerance: stationarityTolerance, decrementTolerance: decrementTolerance)
            && meetsBoundary(tolerance: boundaryTolerance, growthTolerance: growthTolerance)
            && (noiseSlope ?? 0) <= 0
    }
}

extension ProfiledLikelihood {
    /// D^{1/2}: the root mean square of each feature per point, 1 for a feature that is zero
    /// everywhere (its row of Λ does not enter the likelihood).
    var featureScales: [Double] {
        let d = statistics.dimension
        let n = statistics.weightedObservations
        return (0..<d).map { j in
            let s = (weightedGram[j * d + j] / n).squareRoot()
            return s > 0 && s.isFinite ? s : 1
        }
    }

    /// ∂ℓ/∂θ̂ for the parameters θ̂ = scale ⊙ θ of Λ̂ (row i of Λ multiplied by D_ii^{1/2}).
    func parameterScales() -> [Double] {
        let d = statistics.dimension, r = columns
        let s = featureScales
        switch structure {
        case .full:
            var out: [Double] = []
            for i in 0..<d { for _ in 0...Swift.min(i, r - 1) { out.append(s[i]) } }
            return out
        case .diagonal: return s
        case .isotropic: return [(s.reduce(0) { $0 + $1 * $1 } / Double(d)).squareRoot()]
        }
    }

    /// The criterion at an evaluation made with the gradient.
    func criterion(_ e: Evaluation) throws -> FitCriterion {
        let scales = parameterScales()
        let n = statistics.weightedObservations
        let stationarity = zip(e.gradient, scales).reduce(0.0) { Swift.max($0, abs($1.0 / $1.1)) } / n
        let top = try boundaryDirection(e)
        var criterion = FitCriterion(stationarity: stationarity, boundaryExcess: top.value - 1)
        if let bound = noiseFloor, e.noiseVariance <= bound {
            criterion.noiseSlope = 0.5 * (e.residual / (n * e.noiseVariance) - 1)
        }
        return criterion
    }

    /// The largest generalised eigenvalue of (E/σ̂², Σ wX) and its eigenvector v, normalised
    /// so that vᵀ(Σ wX)v = 1: the direction along which adding variance raises ℓ fastest.
    /// For the diagonal and isotropic structures only the directions they allow count: the
    /// coordinate axes (λ_j = E_jj/(σ̂² X_jj)), or their sum (tr E/σ̂² / tr Σ wX).
    func boundaryDirection(_ e: Evaluation) throws -> (value: Double, vector: [Double]) {
        let d = statistics.dimension
        let x = e.weightedProjection, outer = e.residualOuter
        switch structure {
        case .diagonal:
            var best = (value: -Double.infinity, vector: [Double](repeating: 0, count: d))
            for j in 0..<d {
                let value = outer[j * d + j] / (e.noiseVariance * x[j * d + j])
                if value > best.value {
                    var v = [Double](repeating: 0, count: d); v[j] = 1 / x[j * d + j].squareRoot()
                    best = (value, v)
                }
            }
            return best
        case .isotropic:
            let te = (0..<d).reduce(0.0) { $0 + outer[$1 * d + $1] }, tx = (0..<d).reduce(0.0) { $0 + x[$1 * d + $1] }
            return (te / (e.noiseVariance * tx), [Double](repeating: 1 / tx.squareRoot(), count: d))
        case .full:
            // C = chol(Σ wX); eigen of C⁻¹(E/σ̂²)C⁻ᵀ; v = C⁻ᵀw.
            let cholesky = try Cholesky(try Matrix(rows: d, columns: d, elements: x))
            let scaled = try Matrix(rows: d, columns: d, elements: outer.map { $0 / e.noiseVariance })
            let left = try cholesky.solveLower(scaled)                  // C⁻¹ E/σ̂²
            var leftT = left
            for i in 0..<d { for j in 0..<d { leftT[i, j] = left[j, i] } }
            let both = try cholesky.solveLower(leftT)                  // C⁻¹ (C⁻¹ E/σ̂²)ᵀ
            let eigen = try SymmetricEigen(symmetrized(both))
            let w = (0..<d).map { eigen.vectors[$0, d - 1] }
            let v = try cholesky.solveUpper(w)
            return (eigen.values[d - 1], v)
        }
    }
}
