// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// Minimises a function without derivatives by the Nelder–Mead simplex method (GSL
/// `gsl_multimin_fminimizer_nmsimplex2`).
///
/// For objectives with no gradient, or a noisy or non-smooth one. It is slow in many
/// dimensions and has no optimality guarantee, so prefer
/// ``minimizeBFGS(start:initialStep:lineSearchTolerance:gradientTolerance:maxIterations:shouldStop:objective:)``
/// when a gradient is available.
///
/// Convergence: `gsl_multimin_test_size`, i.e. the simplex's mean distance from its centre
/// is below `sizeTolerance`. Reaching `maxIterations` first is reported as not converged.
///
/// - Parameters:
///   - start: the starting point (finite, non-empty).
///   - stepSizes: the initial simplex's extent along each axis (one per coordinate, non-zero).
///   - sizeTolerance: the convergence threshold on the simplex size (> 0).
///   - maxIterations: the most iterations to take (> 0).
///   - objective: f(x); it may return +∞ to mark a point as infeasible, and may throw.
/// - Returns: the best vertex of the final simplex; `gradient` is empty.
/// - Throws: whatever `objective` throws (rethrown after GSL returns);
///   ``GSLError/Code/badFunction`` if the objective is not finite at the start (GSL's
///   `GSL_EBADFUNC`); ``GSLError/Code/badLength`` if `stepSizes` has the wrong length;
///   ``GSLError/Code/invalidArgument`` for other bad arguments; any other GSL status.
public func minimizeNelderMead(start: [Double], stepSizes: [Double], sizeTolerance: Double = 1e-8,
                               maxIterations: Int = 10_000,
                               objective: ([Double]) throws -> Double) throws -> MinimizationResult {
    let operation = "Nelder–Mead minimisation"
    try validateStart(start, maxIterations: maxIterations, operation)
    try validateLength(stepSizes, start.count, operation, name: "stepSizes")
    if let bad = stepSizes.firstIndex(where: { !$0.isFinite || $0 == 0 }) {
        throw GSLError.invalid(operation, "stepSizes entry \(bad + 1) must be finite and non-zero, got \(stepSizes[bad])")
    }
    try validateTolerance(sizeTolerance, "sizeTolerance", operation)
    let n = start.count

    return try withoutActuallyEscaping(objective) { objective in
        let box = ScalarFunctionBox<[Double]>(objective)
        var point = [Double](repeating: 0, count: n)
        return try withExtendedLifetime(box) {
            var function = gsl_multimin_function(
                f: { x, params in
                    let box = ScalarFunctionBox<[Double]>.from(params)
                    var point = [Double]()
                    copy(x!, into: &point)
                    return box.evaluate(point)
                },
                n: n,
                params: Unmanaged.passUnretained(box).toOpaque())

            prepareGSL()
            guard let s = gsl_multimin_fminimizer_alloc(metaprior_multimin_nmsimplex2(), n) else {
                throw GSLError(.outOfMemory, operation: operation, reason: "cannot allocate the minimiser")
            }
            defer { gsl_multimin_fminimizer_free(s) }

            let setStatus = start.withGSLVector { x0 in
                stepSizes.withGSLVector { steps in gsl_multimin_fminimizer_set(s, &function, x0, steps) }
            }
            if let error = box.error { throw error }
            try GSLError.check(setStatus, operation,
                               reason: setStatus == GSLError.Code.badFunction.rawValue
                                   ? "objective is not finite at the start or on the initial simplex" : nil)

            var iterations = 0
            var converged = false
            while iterations < maxIterations {
                iterations += 1
                let status = gsl_multimin_fminimizer_iterate(s)
                if let error = box.error { throw error }
                if status == GSLError.Code.noProgress.rawValue { break }
                try GSLError.check(status, operation)
                if gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), sizeTolerance) == 0 {
                    converged = true
                    break
                }
            }
            copy(gsl_multimin_fminimizer_x(s)!, into: &point)
            return MinimizationResult(x: point, value: gsl_multimin_fminimizer_minimum(s), gradient: [],
                                      iterations: iterations, converged: converged)
        }
    }
}
