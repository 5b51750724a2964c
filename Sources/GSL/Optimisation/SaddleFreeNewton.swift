// SPDX-License-Identifier: GPL-3.0-or-later

/// Minimises f by saddle-free Newton steps from `start`: the Hessian from central differences of
/// the analytic gradient (``hessianByCentralDifferences(at:relativeStep:gradient:)``), made
/// positive definite by taking the absolute value of its eigenvalues (floored at 1e-10 of the
/// largest), so that every step descends even where the Hessian is indefinite (Dauphin et al.
/// 2014), and a backtracking line search (Armijo, sufficient decrease 1e-4).
///
/// For polishing the end of a quasi-Newton search on a handful of parameters, where BFGS stops
/// short (its line search meets round-off on a flat stretch): each step costs 2k gradients.
///
/// - Parameters:
///   - start: the starting point.
///   - maximumSteps: the most Newton steps.
///   - evaluate: f and ∇f at a point; `nil` where f is undefined (the line search backs off).
///   - done: called with f and ∇f before each step; `true` stops there.
/// - Returns: the best point reached (the start if no step was taken).
/// - Throws: whatever `evaluate` throws.
public func minimizeBySaddleFreeNewton(from start: [Double], maximumSteps: Int = 50,
                                       evaluate: ([Double]) throws -> (value: Double, gradient: [Double])?,
                                       done: (_ value: Double, _ gradient: [Double]) -> Bool) rethrows -> [Double] {
    guard var (f, g) = try evaluate(start) else { return start }
    var x = start
    let k = x.count
    for _ in 0..<maximumSteps where !done(f, g) {
        guard let hessian = try hessianByCentralDifferences(at: x, gradient: { try evaluate($0)?.gradient }),
              let eigen = try? SymmetricEigen(hessian) else { return x }
        let largest = eigen.values.map(abs).max() ?? 0
        guard largest > 0 else { return x }
        // s = −V |Λ|⁻¹ Vᵀ g.
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
            if let (fTrial, gTrial) = try evaluate(trial), fTrial <= f + 1e-4 * t * slope {
                (x, f, g) = (trial, fTrial, gTrial)
                accepted = true
                break
            }
            t /= 2
        }
        if !accepted { break }
    }
    return x
}
