// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The directions along which a linear-Gaussian prior is flat (improper): what an episodic fit
/// reaches when its optimum is Σ⁻¹ singular (`EpisodicNaturalObjective`).
///
/// With U (d×f, orthonormal columns) and η (f numbers) the prior over φ is
///
///     φ = ψ + Uα,   ψ ~ N(μ, Σ) with Uᵀμ = 0 and ΣU = 0,   p(α) ∝ exp(ηᵀα) (improper),
///
/// ψ and α independent: log p(φ) = log N(ψ; μ, Σ) + ηᵀUᵀφ + const, ψ = (I − UUᵀ)φ. In natural
/// coordinates this is P = Σ⁺ (null(P) ⊇ span U) and h = Σ⁺μ + Uη, so η = Uᵀh is the part of
/// h the flat directions keep: unlike μ, it is not absorbed by flatness, and the predictive
/// depends on it (it acts as a pseudo-observation ηᵀα, a linear term with no curvature).
///
/// It is the limit of the proper priors N(μ + λUη, Σ + λUUᵀ) as λ → ∞: along α their log
/// density is −(α − λη)ᵀ(α − λη)/(2λ) = ηᵀα − αᵀα/(2λ) + const → ηᵀα. So every posterior
/// under it is the λ → ∞ limit of the proper posteriors (tested), and it is proper exactly
/// when the task's design Φ is full rank on span U (``LinearGaussianPrior`` refuses otherwise).
///
/// Prior-file keys (absent when f = 0, so files without flat directions are unchanged):
/// `flat_directions`, f arrays of d numbers (the columns of U, in φ's feature order), and
/// `flat_tilt`, η.
public struct FlatDirections: Sendable, Equatable {
    /// U, d×f with orthonormal columns.
    public let basis: Matrix
    /// η = Uᵀh, the linear term of the log prior along each column of U.
    public let tilt: [Double]

    /// f, the number of flat directions.
    public var count: Int { basis.columns }

    /// Largest |UᵀU − I| entry accepted. A basis computed in double precision (an eigen or QR
    /// factorisation) is orthonormal to ~1e-15·d; JSON round-trips doubles exactly; 1e-10 leaves
    /// room for d up to 1e4 and still makes the projections I − UUᵀ exact to 1e-10.
    public static let orthonormalityTolerance = 1e-10
    /// Largest |ΣU| and |Uᵀμ| entry accepted, relative to the largest |Σ| entry (resp. max(1, |μ|∞)):
    /// the same 1e-10 as orthonormality, since ΣU and Uᵀμ of a projected Σ and μ are round-off.
    public static let complementTolerance = 1e-10

    /// Flat directions for a prior N(μ, Σ) on their complement.
    /// - Parameters:
    ///   - directions: the f columns of U, d numbers each.
    ///   - tilt: η, f numbers.
    ///   - mean: μ, which must have no component along U.
    ///   - covariance: Σ, which must vanish on U.
    /// - Throws: ``InputError`` naming `flat_directions` or `flat_tilt` for a wrong shape, a
    ///   non-finite entry, columns that are not orthonormal, f ≥ d, or a μ or Σ not on U's complement.
    public init(directions: [[Double]], tilt: [Double], mean: [Double], covariance: Matrix) throws {
        let d = mean.count, f = directions.count
        guard f > 0, f < d else {
            throw InputError(column: "flat_directions", kind: .invalidValue, "has \(f) directions; a prior over \(d) parameters can be flat in 1 to \(d - 1)")
        }
        if let bad = directions.firstIndex(where: { $0.count != d }) {
            throw InputError(column: "flat_directions", kind: .inconsistent, "direction \(bad + 1) has \(directions[bad].count) numbers, expected \(d) (one per feature)")
        }
        guard directions.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw InputError(column: "flat_directions", kind: .invalidValue, "contains NaN or infinite values")
        }
        guard tilt.count == f else {
            throw InputError(column: "flat_tilt", kind: .inconsistent, "has \(tilt.count) numbers, expected \(f) (one per flat direction)")
        }
        guard tilt.allSatisfy(\.isFinite) else { throw InputError(column: "flat_tilt", kind: .invalidValue, "contains NaN or infinite values") }
        var u = Matrix(rows: d, columns: f)
        for j in 0..<f { for i in 0..<d { u[i, j] = directions[j][i] } }
        for a in 0..<f {
            for b in 0...a {
                let dot = (0..<d).reduce(0.0) { $0 + u[$1, a] * u[$1, b] }
                guard abs(dot - (a == b ? 1 : 0)) <= Self.orthonormalityTolerance else {
                    throw InputError(column: "flat_directions", kind: .invalidValue,
                                     "directions \(b + 1) and \(a + 1) have inner product \(dot); they must be orthonormal (within \(Self.orthonormalityTolerance))")
                }
            }
        }
        let scale = covariance.elements.reduce(0.0) { Swift.max($0, abs($1)) }
        for j in 0..<f {
            for i in 0..<d {
                let x = (0..<d).reduce(0.0) { $0 + covariance[i, $1] * u[$1, j] }
                guard abs(x) <= Self.complementTolerance * Swift.max(scale, 1e-300) else {
                    throw InputError(column: "flat_directions", kind: .inconsistent,
                                     "direction \(j + 1) is not in the null space of the covariance (entry \(i + 1) of Σu is \(x)); Σ must be the covariance on the directions' complement")
                }
            }
            let along = (0..<d).reduce(0.0) { $0 + mean[$1] * u[$1, j] }
            let meanScale = mean.reduce(1.0) { Swift.max($0, abs($1)) }
            guard abs(along) <= Self.complementTolerance * meanScale else {
                throw InputError(column: "flat_directions", kind: .inconsistent,
                                 "the mean has component \(along) along direction \(j + 1); it must be the mean on the directions' complement")
            }
        }
        basis = u
        self.tilt = tilt
    }

    /// The columns of U, as the prior file holds them.
    var directions: [[Double]] { (0..<count).map { j in (0..<basis.rows).map { basis[$0, j] } } }
}
