// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// One SQUAREM cycle of the mixture EM (Varadhan & Roland 2008, scheme S3), in the
/// unconstrained coordinates of `MixtureCoordinates`:
///
///     θ₁ = F(θ₀),  θ₂ = F(θ₁)                        (two EM steps)
///     r = θ₁ − θ₀,  v = θ₂ − 2θ₁ + θ₀,  α = −min(max(‖r‖/‖v‖, 1), c)
///     θ′ = θ₀ − 2αr + α²v                            (Σ_k then floored as EM floors it)
///     next θ₀ = F(θ′) if ℓ(θ′) ≥ ℓ(θ₁), else θ₂      (the monotonicity safeguard)
///
/// α = −1 gives θ′ = θ₂, plain EM; a larger |α| continues the path EM is crawling along. The
/// cap c (``MixtureEM/stepLimit``, from 4) adapts as in Varadhan & Roland's implementation:
/// ×4 after an accepted cycle that reached it, ÷4 (not below 2: at 1 it would never extrapolate
/// again) after a rejected one, so a cycle is not spent again and again on an |α| that
/// overshoots. F(θ′) (the stabilising EM step) is never below ℓ(θ′), and θ₂ never below ℓ(θ₁), so the accepted
/// points ℓ(θ₀) ≤ ℓ(θ₁) ≤ [ℓ(θ′)] ≤ next ℓ(θ₀) rise as plain EM's do. The convergence test is
/// plain EM's, on the step θ₀ → θ₁ of each cycle.
struct MixtureCycle {
    /// ℓ at the accepted points of the cycle, in order: θ₀, θ₁ and, when accepted, θ′.
    var history: [Double] = []
    /// ℓ(θ₁) − ℓ(θ₀), the rise of the plain EM step (infinite when the cycle stopped before it).
    var rise = Double.infinity
    /// The largest π_k or scaled μ_k entry change of the plain EM step θ₀ → θ₁.
    var change = Double.infinity
    /// Components dropped as empty.
    var dropped = 0
    /// EM steps taken (E-steps over all tasks): 1 to 4.
    var evaluations = 0
    /// Whether θ′ was accepted.
    var extrapolated = false
    /// The step length α tried (−1 when the cycle did not extrapolate).
    var alpha = -1.0
    /// Whether the accepted point was a boundary move (`MixtureBoundary`).
    var boundaryMove = false
}

extension MixtureEM {
    /// Boundary moves are tried only once a plain EM step rises by at most this many nats per
    /// task: earlier, a small eigenvalue may be shrinking only because the rest of θ is still
    /// far off, and an eigenvalue on the floor grows back only as slowly as it shrank.
    static let boundaryRise = 1e-6

    /// One cycle from the current θ, with at most `budget` (≥ 1) EM steps; with fewer than 3
    /// (or after a component was dropped, or when a Σ_k is not numerically positive definite)
    /// it takes plain EM steps only.
    mutating func acceleratedCycle(meanScale: Double, budget: Int) throws -> MixtureCycle {
        var cycle = MixtureCycle()
        let start = mixture
        let first = try step(meanScale: meanScale)
        cycle.evaluations = 1
        cycle.history.append(first.logLikelihood)
        cycle.change = first.change
        cycle.dropped = first.dropped.count
        guard first.dropped.isEmpty, budget >= 2 else { return cycle }
        let middle = mixture
        let second = try step(meanScale: meanScale)
        cycle.evaluations = 2
        cycle.history.append(second.logLikelihood)
        cycle.rise = second.logLikelihood - first.logLikelihood
        cycle.dropped += second.dropped.count
        guard second.dropped.isEmpty, budget >= 3,
              let p0 = MixtureCoordinates.pack(start), let p1 = MixtureCoordinates.pack(middle), let p2 = MixtureCoordinates.pack(mixture)
        else { return cycle }
        let plain = mixture
        var rr = 0.0, vv = 0.0
        for i in p0.indices {
            let r = p1[i] - p0[i], v = p2[i] - 2 * p1[i] + p0[i]
            rr += r * r
            vv += v * v
        }
        let alpha = vv > 0 ? -Swift.min(Swift.max((rr / vv).squareRoot(), 1), stepLimit) : -1
        var extrapolated: GaussianMixture?
        if alpha < -1 {
            cycle.alpha = alpha
            let candidate = p0.indices.map { i in
                let r = p1[i] - p0[i], v = p2[i] - 2 * p1[i] + p0[i]
                return p0[i] - 2 * alpha * r + alpha * alpha * v
            }
            extrapolated = try? MixtureCoordinates.unpack(candidate, components: start.componentCount, dimension: start.dimension, floor: floor)
        }
        let nearlyConverged = cycle.rise <= Self.boundaryRise * taskWeights.reduce(0, +)
        let snapped = !nearlyConverged ? nil : try? MixtureBoundary.snapped(extrapolated ?? plain, previous: middle, latest: plain, floor: floor, limit: snapLimit)
        // The boundary move first (on top of the extrapolation), then the extrapolation alone.
        for (candidate, isSnap) in [(snapped, true), (extrapolated, false)] {
            guard let candidate, cycle.evaluations < budget else { continue }
            mixture = candidate
            // A θ′ so far out that a task's likelihood underflows, or a factorisation fails, is
            // rejected like one of lower ℓ.
            let third = try? step(meanScale: meanScale)
            cycle.evaluations += 1
            if let third, third.dropped.isEmpty, third.logLikelihood.isFinite, third.logLikelihood >= second.logLikelihood {
                cycle.history.append(third.logLikelihood)
                cycle.extrapolated = alpha < -1
                cycle.boundaryMove = isSnap
                if alpha < -1, -alpha >= stepLimit { stepLimit *= 4 }
                return cycle
            }
            mixture = plain
            if isSnap { snapLimit = Swift.max(1, snapLimit / 10) } else { stepLimit = Swift.max(2, stepLimit / 4) }
        }
        return cycle
    }
}
