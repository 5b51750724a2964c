// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension MixedDeviance {
    /// Newton steps on the profiled deviance from `theta`, for where BFGS stops short of
    /// stationarity (its line search meets round-off on a flat likelihood, such as Orthodont's):
    /// the analytic gradient, a Hessian from central differences of it (θ has a handful of
    /// entries: q(q+1)/2), made positive definite by taking the absolute value of its
    /// eigenvalues (a saddle-free Newton step, so a step always descends), and a backtracking
    /// line search (Armijo). Stops when `done` says the point is stationary, when no step
    /// lowers the deviance, or after `maximumSteps`.
    /// - Returns: the best point reached; `evaluations` counts the deviance evaluations.
    func newtonPolish(from theta: [Double], maximumSteps: Int = 50, evaluations: inout Int,
                      done: (_ deviance: Double, _ gradient: [Double]) -> Bool) throws -> [Double] {
        func evaluate(_ x: [Double]) throws -> (Double, [Double])? {
            evaluations += 1
            guard let profile = try profile(x) else { return nil }
            return (profile.deviance, try gradient(x, at: profile))
        }
        guard var (d, g) = try evaluate(theta) else { return theta }
        var x = theta
        let k = x.count
        for _ in 0..<maximumSteps where !done(d, g) {
            guard let hessian = try hessianByCentralDifferences(at: x, gradient: { try evaluate($0)?.1 }),
                  let eigen = try? SymmetricEigen(hessian) else { return x }
            let largest = eigen.values.map(abs).max() ?? 0
            guard largest > 0 else { return x }
            // s = −V |Λ|⁻¹ Vᵀ g, eigenvalues floored at 1e-10 of the largest.
            var step = [Double](repeating: 0, count: k)
            for e in 0..<k {
                var projection = 0.0
                for i in 0..<k { projection += eigen.vectors[i, e] * g[i] }
                let scale = projection / Swift.max(abs(eigen.values[e]), 1e-10 * largest)
                for i in 0..<k { step[i] -= eigen.vectors[i, e] * scale }
            }
            let slope = zip(g, step).reduce(0) { $0 + $1.0 * $1.1 }
            var t = 1.0, accepted = false
            while t >= 1e-8 {
                let trial = zip(x, step).map { $0 + t * $1 }
                if let (dTrial, gTrial) = try evaluate(trial), dTrial <= d + 1e-4 * t * slope {
                    (x, d, g) = (trial, dTrial, gTrial)
                    accepted = true
                    break
                }
                t /= 2
            }
            if !accepted { break }
        }
        return x
    }
}
