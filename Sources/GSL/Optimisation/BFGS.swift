// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// Minimises a smooth function with the BFGS quasi-Newton method (GSL
/// `gsl_multimin_fdfminimizer_vector_bfgs2`, Fletcher's line search).
///
/// BFGS builds an approximation of the inverse Hessian from successive gradients, so it
/// converges superlinearly near a minimum at the cost of one gradient per step — the right
/// tool for log-likelihoods with analytic gradients.
///
/// Convergence: `gsl_multimin_test_gradient`, i.e. ‖∇f‖₂ < `gradientTolerance`. If GSL stops
/// with `GSL_ENOPROG` (the line search can make no further progress, typical at a minimum
/// where round-off dominates), the result is reported as converged when the gradient passes
/// that test and as not converged otherwise — never thrown.
///
/// - Parameters:
///   - start: the starting point (finite, non-empty).
///   - initialStep: the size of the first trial step (GSL `step_size`).
///   - lineSearchTolerance: accuracy of the line search, in (0, 1) (GSL `tol`; 0.1 is GSL's
///     recommendation for BFGS).
///   - gradientTolerance: the convergence threshold on ‖∇f‖₂ (≥ 0).
///   - maxIterations: the most iterations to take (> 0).
///   - shouldStop: called after every iteration with its number and f at the current point;
///     returning `true` ends the search there (e.g. progress reports, or a stall rule of the
///     caller's). The result is then `converged` only if the gradient test holds.
///   - objective: returns f(x) and writes ∇f(x) into `gradient` (already sized to x).
/// - Returns: the last point, its value and gradient, the iterations taken and whether the
///   gradient test passed.
/// - Throws: whatever `objective` throws (rethrown after GSL returns);
///   ``GSLError/Code/badFunction`` if f or ∇f is not finite at `start`;
///   ``GSLError/Code/invalidArgument`` for bad arguments; any other GSL status.
public func minimizeBFGS(start: [Double], initialStep: Double = 0.01, lineSearchTolerance: Double = 0.1,
                         gradientTolerance: Double = 1e-8, maxIterations: Int = 1000,
                         shouldStop: ((_ iteration: Int, _ value: Double) -> Bool)? = nil,
                         objective: (_ x: [Double], _ gradient: inout [Double]) throws -> Double) throws -> MinimizationResult {
    let operation = "BFGS minimisation"
    try validateStart(start, maxIterations: maxIterations, operation)
    try validateTolerance(initialStep, "initialStep", operation)
    try validateTolerance(lineSearchTolerance, "lineSearchTolerance", operation)
    guard lineSearchTolerance < 1 else {
        throw GSLError.invalid(operation, "lineSearchTolerance must be below 1, got \(lineSearchTolerance)")
    }
    try validateTolerance(gradientTolerance, "gradientTolerance", operation, allowZero: true)
    let n = start.count

    return try withoutActuallyEscaping(objective) { objective in
        let box = GradientObjectiveBox(dimension: n, objective: objective)
        return try withExtendedLifetime(box) {
            var function = gsl_multimin_function_fdf(
                f: { x, params in GradientObjectiveBox.from(params).evaluate(x!) },
                df: { x, params, g in
                    let box = GradientObjectiveBox.from(params)
                    _ = box.evaluate(x!)
                    copy(box.gradient, into: g!)
                },
                fdf: { x, params, f, g in
                    let box = GradientObjectiveBox.from(params)
                    f!.pointee = box.evaluate(x!)
                    copy(box.gradient, into: g!)
                },
                n: n,
                params: Unmanaged.passUnretained(box).toOpaque())

            prepareGSL()
            guard let s = gsl_multimin_fdfminimizer_alloc(metaprior_multimin_bfgs2(), n) else {
                throw GSLError(.outOfMemory, operation: operation, reason: "cannot allocate the minimiser")
            }
            defer { gsl_multimin_fdfminimizer_free(s) }

            let setStatus = start.withGSLVector { x0 in
                gsl_multimin_fdfminimizer_set(s, &function, x0, initialStep, lineSearchTolerance)
            }
            if let error = box.error { throw error }
            try GSLError.check(setStatus, operation)
            var gradient = [Double](), x = [Double]()
            copy(gsl_multimin_fdfminimizer_gradient(s)!, into: &gradient)
            let startValue = gsl_multimin_fdfminimizer_minimum(s)
            guard startValue.isFinite, gradient.allSatisfy(\.isFinite) else {
                throw GSLError(.badFunction, operation: operation,
                               reason: "objective or gradient is not finite at the start (value \(startValue), gradient \(gradient))")
            }

            var iterations = 0
            var converged = gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s), gradientTolerance) == 0
            while !converged && iterations < maxIterations {
                iterations += 1
                let status = gsl_multimin_fdfminimizer_iterate(s)
                if let error = box.error { throw error }
                let gradientStatus = gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s), gradientTolerance)
                if status == GSLError.Code.noProgress.rawValue {
                    converged = gradientStatus == 0
                    break
                }
                try GSLError.check(status, operation)
                converged = gradientStatus == 0
                if !converged, let shouldStop, shouldStop(iterations, gsl_multimin_fdfminimizer_minimum(s)) { break }
            }
            copy(gsl_multimin_fdfminimizer_x(s)!, into: &x)
            copy(gsl_multimin_fdfminimizer_gradient(s)!, into: &gradient)
            return MinimizationResult(x: x, value: gsl_multimin_fdfminimizer_minimum(s), gradient: gradient,
                                      iterations: iterations, converged: converged)
        }
    }
}
