// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension PriorFit {
    /// Eigenvalues of −H at or below this fraction of its largest count as flat: ℓ's curvature
    /// along them is at the precision the Hessian is computed to.
    static let flatCurvature = 1e-7

    /// Most flat directions searched per Newton step (the flattest first): each costs up to
    /// 13 evaluations of ℓ per side, 26 in all.
    static let flatDirectionsSearched = 6

    /// A line search along the directions where ℓ is flat to the Hessian's precision, for a
    /// Newton step whose −H is not positive definite only because of them: every eigenvalue of
    /// `negative` (−H) is at least −``flatCurvature`` times its largest, and some are at most
    /// that. Along each of the ``flatDirectionsSearched`` flattest eigenvectors v, uphill side
    /// first (the sign of gᵀv; the other side where it gains nothing), tries u ± αv for
    /// α = 1, √10, 10, … up to 10⁶ (in the units of the dimensionless u, whose entries reach
    /// 10⁵ at the noise floor), until ℓ falls a nat below the best point of that ray. Returns
    /// the best point found and its ℓ when it beats `value` by more than `roundOff`, else `nil`
    /// (also when the condition above does not hold).
    ///
    /// Why: at the noise floor of a rich basis (Σ̃ = Σ/σ² with entries near 10¹⁰) the Hessian is
    /// computed to about 10⁻⁹ of its largest eigenvalue, and ℓ can rise along directions whose
    /// curvature is below that. There −H is indefinite at round-off level, Cholesky fails and
    /// Levenberg–Marquardt damping keeps each step short: the sinusoid-line `rbf:20:1.01043`
    /// fit (1,000 tasks × 40 points, `simulate sinusoid-line --seed 1 --noise 0`, rank 6 of 21,
    /// 111 parameters) gained 0.05–0.3 nats per damped step and stalled at ℓ 151284.84. Along
    /// the flat eigenvectors ℓ rose by up to 3 nats before falling steeply (at α of 300–3000);
    /// alternating this search with Newton steps, the gains shrank geometrically to nothing at
    /// ℓ 151292.32: a finite maximum, 7.5 nats higher (release build, temporary trace).
    static func searchFlatDirections(at u: [Double], gradient: [Double], value: Double, negative: Matrix, roundOff: Double,
                                     evaluate: ([Double]) -> Double?) throws -> (u: [Double], value: Double)? {
        let eigen = try SymmetricEigen(negative)
        guard let top = eigen.values.last, top > 0, let lowest = eigen.values.first,
              lowest >= -flatCurvature * top, lowest <= flatCurvature * top else { return nil }
        let k = u.count
        var best = (u: u, value: value)
        for c in 0..<Swift.min(k, flatDirectionsSearched) where eigen.values[c] <= flatCurvature * top {
            let v = (0..<k).map { eigen.vectors[$0, c] }
            let slope = zip(v, gradient).reduce(0.0) { $0 + $1.0 * $1.1 }
            for sign in slope >= 0 ? [1.0, -1.0] : [-1.0, 1.0] {
                let before = best.value
                var rayBest = value
                for rung in 0...12 {
                    let alpha = pow(10, Double(rung) / 2)
                    let candidate = zip(u, v).map { $0 + sign * alpha * $1 }
                    guard let ll = evaluate(candidate) else { break }
                    if ll > best.value { best = (candidate, ll) }
                    if ll < rayBest - 1 { break }
                    rayBest = Swift.max(rayBest, ll)
                }
                if best.value > before { break }
            }
        }
        return best.value > value + roundOff ? best : nil
    }
}
