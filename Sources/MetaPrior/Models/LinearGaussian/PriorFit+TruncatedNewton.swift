// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension PriorFit {
    /// Newton steps past ``newtonParameterLimit`` parameters: a truncated Newton method with
    /// a trust region (Steihaug 1983, Toint 1981; Nocedal & Wright 2006, Algorithm 7.2), in the
    /// dimensionless parameters θ̂ = scale ⊙ θ on F = −ℓ/N.
    ///
    /// Why: a learned basis at its noise floor keeps Λ at full rank, so a fit has thousands of
    /// parameters (fourier:32: d = 65, 2145 entries of Λ); a dense Hessian would cost 2k
    /// gradients per step, and BFGS crawls there (its curvature estimate does not catch up
    /// with eigenvalues that span many orders of magnitude). Conjugate gradients need only
    /// Hessian–vector products, each taken here as a central difference of the analytic
    /// gradient along the vector, Hv ≈ (∇F(u + hv) − ∇F(u − hv))/(2h) (two gradients, error
    /// O(h²) relative, h = 1e-5 in the scale of u as in ``newtonPolish``). CG stops at the
    /// trust-region boundary, at a direction of non-positive curvature (followed to the
    /// boundary, so a saddle is left rather than stalled on), or when the residual has fallen
    /// by the forcing factor min(0.1, √‖g‖∞) — loose far from the optimum, tight near it,
    /// which keeps the convergence superlinear (Dembo, Eisenstat & Steihaug 1982).
    ///
    /// A step is kept, as in ``newtonPolish``, if it raises ℓ (ratio of actual to predicted
    /// gain above 0.1), or, once ℓ is flat to round-off, if it lowers the gradient without
    /// lowering ℓ. Convergence is judged only by the gradient (``FitCriterion/stationarity``):
    /// CG never forms −H, so it cannot certify the Newton decrement's positive-definiteness
    /// condition, and no decrement is reported.
    static func truncatedNewton(_ likelihood: ProfiledLikelihood, start theta0: [Double], scale: [Double],
                                options: PriorFitOptions, maximumSteps: Int)
        throws -> (theta: [Double], steps: Int, logLikelihood: Double, timedOut: Bool) {
        let observations = likelihood.statistics.weightedObservations
        // Column scaling, a fixed diagonal preconditioner: u = θ̂/c with c_j the norm of
        // column j of Λ̂ at the start. At the noise floor the columns' sizes span orders of
        // magnitude, and ℓ's curvature along an entry scales as 1/(its column's norm)², so in
        // θ̂ the Hessian's condition number is the square of that span and CG crawls; in u
        // every column has unit size.
        let columnOf: [Int]
        switch likelihood.structure {
        case .full:
            let (d, r) = (likelihood.statistics.dimension, likelihood.columns)
            columnOf = (0..<d).flatMap { i in Array(0...Swift.min(i, r - 1)) }
        case .diagonal, .isotropic:
            columnOf = Array(theta0.indices)
        }
        let hat = zip(theta0, scale).map { $0 * $1 }
        var norms = [Double](repeating: 0, count: (columnOf.max() ?? 0) + 1)
        for (i, j) in columnOf.enumerated() { norms[j] += hat[i] * hat[i] }
        let top = norms.max().map { $0.squareRoot() } ?? 1
        let column = columnOf.map { j -> Double in
            let c = norms[j].squareRoot()
            return c > 1e-8 * top && c.isFinite ? c : Swift.max(1e-8 * top, 1e-300)
        }
        let combined = zip(scale, column).map { $0 / $1 }
        var u = zip(hat, column).map { $0 / $1 }
        let k = u.count
        // F(u) = −ℓ/N, its gradient in u, and the stationarity measure (largest |∂ℓ/∂Λ̂|/N).
        func evaluate(_ u: [Double]) throws -> (value: Double, gradient: [Double], stationarity: Double) {
            let e = try likelihood.evaluate(zip(u, combined).map { $0 / $1 })
            let gradient = zip(e.gradient, combined).map { -$0 / $1 / observations }
            let stationarity = zip(gradient, column).reduce(0.0) { Swift.max($0, abs($1.0 / $1.1)) }
            return (-e.logLikelihood / observations, gradient, stationarity)
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        func largest(_ g: [Double]) -> Double { g.reduce(0) { Swift.max($0, abs($1)) } }
        func hessianTimes(_ v: [Double], at u: [Double]) throws -> [Double] {
            let size = largest(v)
            guard size > 0 else { return [Double](repeating: 0, count: k) }
            let h = 1e-5 * Swift.max(1, largest(u)) / size
            let gp = try evaluate(zip(u, v).map { $0 + h * $1 }).gradient
            let gm = try evaluate(zip(u, v).map { $0 - h * $1 }).gradient
            return zip(gp, gm).map { ($0 - $1) / (2 * h) }
        }
        // The τ ≥ 0 with ‖z + τd‖ = Δ.
        func toBoundary(_ z: [Double], _ d: [Double], _ radius: Double) -> Double {
            let a = dot(d, d), b = 2 * dot(z, d), c = dot(z, z) - radius * radius
            return (-b + Swift.max(b * b - 4 * a * c, 0).squareRoot()) / (2 * a)
        }

        var current = try evaluate(u)
        var radius = Swift.max(1, dot(u, u).squareRoot())
        var steps = 0
        var history: [Double] = []
        let cgLimit = Swift.min(k, 250)
        while steps < maximumSteps, current.stationarity > options.gradientTolerance {
            if options.expired { return (zip(u, combined).map { $0 / $1 }, steps, -current.value * observations, true) }
            let g = current.gradient
            let gNorm = dot(g, g).squareRoot()
            let forcing = Swift.min(0.1, largest(g).squareRoot())
            // Steihaug CG on m(s) = gᵀs + ½sᵀHs, ‖s‖ ≤ Δ. The products Hd are kept so that the
            // model's prediction costs no further gradients.
            var z = [Double](repeating: 0, count: k)
            var hz = [Double](repeating: 0, count: k)
            var r = g
            var d = g.map { -$0 }
            var rr = gNorm * gNorm
            for _ in 0..<cgLimit {
                let hd = try hessianTimes(d, at: u)
                let curvature = dot(d, hd)
                let alpha = rr / curvature
                let next = zip(z, d).map { $0 + alpha * $1 }
                if curvature <= 0 || dot(next, next).squareRoot() >= radius {
                    let tau = toBoundary(z, d, radius)
                    for i in 0..<k { z[i] += tau * d[i]; hz[i] += tau * hd[i] }
                    break
                }
                z = next
                for i in 0..<k { hz[i] += alpha * hd[i]; r[i] += alpha * hd[i] }
                let rrNext = dot(r, r)
                if rrNext.squareRoot() <= forcing * gNorm { break }
                let beta = rrNext / rr
                rr = rrNext
                for i in 0..<k { d[i] = -r[i] + beta * d[i] }
            }
            let predicted = -(dot(g, z) + 0.5 * dot(z, hz))
            let candidateU = zip(u, z).map { $0 + $1 }
            let trial = try? evaluate(candidateU)
            let actual = trial.map { current.value - $0.value } ?? -Double.infinity
            let ratio = predicted > 0 ? actual / predicted : -1
            let stepNorm = dot(z, z).squareRoot()
            if ratio < 0.25 { radius = 0.25 * stepNorm } else if ratio > 0.75 && stepNorm >= 0.99 * radius { radius *= 2 }
            let roundOff = 1e-12 * abs(current.value)
            guard let trial, trial.value.isFinite else {
                if radius < 1e-14 { break }
                continue
            }
            if ratio > 0.1 || (actual >= -roundOff && trial.stationarity < current.stationarity) {
                u = candidateU
                current = trial
                steps += 1
                options.progress?(FitProgress(phase: "newton-cg", iteration: steps, logLikelihood: -current.value * observations, change: actual * observations))
                // Crawling: the stationarity measure has not halved over 5 steps. At a rank
                // too high for the optimum a column of Λ is vanishing, ℓ is flat along it and
                // Newton converges only linearly there; hand back to the caller, which removes
                // such directions (`shrink`) and optimises the rank below.
                history.append(current.stationarity)
                if history.count > 5 && current.stationarity > 0.5 * history[history.count - 6] { break }
            } else if radius < 1e-14 {
                break
            }
        }
        return (zip(u, combined).map { $0 / $1 }, steps, -current.value * observations, false)
    }
}
