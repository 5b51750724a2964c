// SPDX-License-Identifier: GPL-3.0-or-later

/// The outcome of ``minimizeBFGS(start:initialStep:lineSearchTolerance:gradientTolerance:maxIterations:shouldStop:objective:)``
/// or ``minimizeNelderMead(start:stepSizes:sizeTolerance:maxIterations:objective:)``.
///
/// Not converging is a result, not an error: the best point found is still useful, and the
/// caller decides whether `converged == false` is acceptable (a warning, a restart, a throw).
public struct MinimizationResult: Sendable {
    /// The best point found.
    public let x: [Double]
    /// The objective at ``x``.
    public let value: Double
    /// The gradient at ``x`` (empty for Nelder–Mead, which uses none).
    public let gradient: [Double]
    /// Iterations taken (calls of the GSL `iterate` step, not objective evaluations).
    public let iterations: Int
    /// Whether the convergence test passed (gradient norm, or simplex size, below tolerance).
    public let converged: Bool

    /// A result from its parts (the minimisers make these; tests and callers may too).
    public init(x: [Double], value: Double, gradient: [Double], iterations: Int, converged: Bool) {
        self.x = x
        self.value = value
        self.gradient = gradient
        self.iterations = iterations
        self.converged = converged
    }
}

/// Checks the arguments every minimiser shares.
func validateStart(_ start: [Double], maxIterations: Int, _ operation: String) throws {
    guard !start.isEmpty else { throw GSLError.invalid(operation, "start is empty") }
    try validateFinite(start, operation, name: "start")
    guard maxIterations > 0 else {
        throw GSLError.invalid(operation, "maxIterations must be positive, got \(maxIterations)")
    }
}

/// Checks a tolerance or step parameter: finite and positive (or non-negative).
func validateTolerance(_ value: Double, _ name: String, _ operation: String, allowZero: Bool = false) throws {
    guard value.isFinite, allowZero ? value >= 0 : value > 0 else {
        throw GSLError.invalid(operation, "\(name) must be finite and \(allowZero ? "non-negative" : "positive"), got \(value)")
    }
}
