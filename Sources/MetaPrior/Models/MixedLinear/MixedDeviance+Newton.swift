// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension MixedDeviance {
    /// Newton steps on the profiled deviance from `theta`, for where BFGS stops short of
    /// stationarity (its line search meets round-off on a flat likelihood, such as Orthodont's):
    /// ``minimizeBySaddleFreeNewton(from:maximumSteps:evaluate:done:)`` on the analytic gradient
    /// (θ has a handful of entries: q(q+1)/2). Stops when `done` says the point is stationary,
    /// when no step lowers the deviance, or after `maximumSteps`.
    /// - Returns: the best point reached; `evaluations` counts the deviance evaluations.
    func newtonPolish(from theta: [Double], maximumSteps: Int = 50, evaluations: inout Int,
                      done: (_ deviance: Double, _ gradient: [Double]) -> Bool) throws -> [Double] {
        func evaluate(_ x: [Double]) throws -> (Double, [Double])? {
            evaluations += 1
            guard let profile = try profile(x) else { return nil }
            return (profile.deviance, try gradient(x, at: profile))
        }
        return try minimizeBySaddleFreeNewton(from: theta, maximumSteps: maximumSteps, evaluate: evaluate, done: done)
    }
}
