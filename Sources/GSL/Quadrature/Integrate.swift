// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// ∫_a^b f(x) dx by adaptive Gauss–Kronrod quadrature with Wynn ε-extrapolation
/// (GSL QAGS, `gsl_integration_qags`).
///
/// QAGS bisects the worst subinterval and extrapolates the sequence of estimates, which is
/// what lets it handle integrable singularities at the end points (∫_0^1 log x dx) as well as
/// smooth integrands. The integrand is never evaluated at the end points themselves.
///
/// - Parameters:
///   - lower: the finite lower limit a.
///   - upper: the finite upper limit b (b < a gives the negated integral); `upper = +∞` is
///     handed to QAGIU, as ``integrate(from:toInfinity:absoluteTolerance:relativeTolerance:limit:_:)``.
///   - absoluteTolerance: the target is |error| ≤ max(absoluteTolerance, relativeTolerance ·
///     |result|); ≥ 0.
///   - relativeTolerance: ≥ 0; either the absolute tolerance is positive or this is at least
///     50 ε ≈ 1.1e-14 (GSL's floor, below which double precision cannot deliver).
///   - limit: the most subintervals (the workspace size), ≥ 1.
///   - f: the integrand; it may throw, and must return finite values.
/// - Returns: the estimate and GSL's bound on its absolute error.
/// - Throws: whatever `f` throws; ``GSLError/Code/divergent`` (divergent or slowly convergent),
///   ``GSLError/Code/roundOff``, ``GSLError/Code/singular`` (bad integrand behaviour),
///   ``GSLError/Code/maximumIterations`` (limit reached) from GSL;
///   ``GSLError/Code/badFunction`` if the integrand returned NaN or ±∞;
///   ``GSLError/Code/invalidArgument`` for bad arguments.
public func integrate(from lower: Double, to upper: Double, absoluteTolerance: Double = 0,
                      relativeTolerance: Double = 1e-10, limit: Int = 1000,
                      _ f: (Double) throws -> Double) throws -> IntegrationResult {
    if upper == .infinity, lower.isFinite {
        return try integrate(from: lower, toInfinity: (), absoluteTolerance: absoluteTolerance,
                             relativeTolerance: relativeTolerance, limit: limit, f)
    }
    let operation = "integral over [\(lower), \(upper)] (QAGS)"
    try requireFinite(lower, "lower", operation)
    try requireFinite(upper, "upper", operation)
    return try runQuadrature(operation, absoluteTolerance, relativeTolerance, limit, f) { function, workspace, result, error in
        gsl_integration_qags(function, lower, upper, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
}

/// ∫_a^∞ f(x) dx (GSL QAGIU, `gsl_integration_qagiu`): the substitution x = a + (1 − t)/t
/// maps the half-line onto (0, 1], where QAGS does the work.
///
/// Call as `integrate(from: 0, toInfinity: ()) { exp(-$0 * $0) }` (the `toInfinity`
/// argument is a label only; `integrate(from: 0, to: .infinity)` does the same).
///
/// - Parameters:
///   - lower: the finite lower limit a.
///   - toInfinity: a label only, `()`.
///   - absoluteTolerance: as in ``integrate(from:to:absoluteTolerance:relativeTolerance:limit:_:)``.
///   - relativeTolerance: as there.
///   - limit: as there.
///   - f: the integrand, as there.
/// - Returns: the estimate and GSL's bound on its absolute error.
/// - Throws: as ``integrate(from:to:absoluteTolerance:relativeTolerance:limit:_:)``.
public func integrate(from lower: Double, toInfinity: Void, absoluteTolerance: Double = 0,
                      relativeTolerance: Double = 1e-10, limit: Int = 1000,
                      _ f: (Double) throws -> Double) throws -> IntegrationResult {
    let operation = "integral over [\(lower), ∞) (QAGIU)"
    try requireFinite(lower, "lower", operation)
    return try runQuadrature(operation, absoluteTolerance, relativeTolerance, limit, f) { function, workspace, result, error in
        gsl_integration_qagiu(function, lower, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
    }
}

/// Validates tolerances, allocates the workspace for this call only, passes `f` through the
/// `params` pointer, and turns every failure into a thrown error.
private func runQuadrature(
    _ operation: String, _ absoluteTolerance: Double, _ relativeTolerance: Double, _ limit: Int,
    _ f: (Double) throws -> Double,
    _ routine: (UnsafeMutablePointer<gsl_function>, UnsafeMutablePointer<gsl_integration_workspace>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Int32
) throws -> IntegrationResult {
    try validateTolerance(absoluteTolerance, "absoluteTolerance", operation, allowZero: true)
    try validateTolerance(relativeTolerance, "relativeTolerance", operation, allowZero: true)
    guard absoluteTolerance > 0 || relativeTolerance >= 50 * Double.ulpOfOne else {
        throw GSLError.invalid(operation,
            "absoluteTolerance must be positive or relativeTolerance at least \(50 * Double.ulpOfOne), got \(absoluteTolerance) and \(relativeTolerance)")
    }
    guard limit >= 1 else { throw GSLError.invalid(operation, "limit must be at least 1, got \(limit)") }

    return try withoutActuallyEscaping(f) { f in
        let box = ScalarFunctionBox<Double>(f)
        return try withExtendedLifetime(box) {
            var function = gsl_function(
                function: { x, params in ScalarFunctionBox<Double>.from(params).evaluate(x) },
                params: Unmanaged.passUnretained(box).toOpaque())
            prepareGSL()
            guard let workspace = gsl_integration_workspace_alloc(limit) else {
                throw GSLError(.outOfMemory, operation: operation, reason: "cannot allocate a workspace of \(limit) intervals")
            }
            defer { gsl_integration_workspace_free(workspace) }
            var value = 0.0, error = 0.0
            let status = routine(&function, workspace, &value, &error)
            if let thrown = box.error { throw thrown }
            if let bad = box.firstNonFinite {
                throw GSLError(.badFunction, operation: operation,
                               reason: "the integrand returned \(bad.value) at x = \(bad.argument)")
            }
            try GSLError.check(status, operation)
            guard value.isFinite, error.isFinite else {
                throw GSLError(.badFunction, operation: operation,
                               reason: "the integrand returned a non-finite value (estimate \(value) ± \(error))")
            }
            return IntegrationResult(value: value, absoluteError: error)
        }
    }
}
