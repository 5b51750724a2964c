// SPDX-License-Identifier: GPL-3.0-or-later

/// The outcome of ``integrate(from:to:absoluteTolerance:relativeTolerance:limit:_:)`` or
/// ``integrate(from:toInfinity:absoluteTolerance:relativeTolerance:limit:_:)``.
public struct IntegrationResult: Sendable {
    /// The estimate of the integral.
    public let value: Double
    /// GSL's estimate of |value − exact|; it met max(absoluteTolerance, relativeTolerance·|value|).
    public let absoluteError: Double

    /// A result from its parts (the integrators make these; tests and callers may too).
    public init(value: Double, absoluteError: Double) {
        self.value = value
        self.absoluteError = absoluteError
    }
}
