// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// Evaluates a GSL special function in its `_e` form, which reports failure through a status
/// (and an error estimate) instead of returning NaN or calling the error handler.
///
/// NaN arguments are rejected here, before GSL: not every `gsl_sf_*_e` routine checks for
/// them, and a NaN that came back silently would travel far before anyone noticed.
///
/// - Parameters:
///   - operation: the function being evaluated, for the message (e.g. `"lnGamma(0.0)"`).
///   - arguments: the real arguments, checked for NaN.
///   - body: calls the `_e` routine with a result to fill.
/// - Throws: ``GSLError/Code/invalidArgument`` for NaN arguments; any GSL status through
///   ``GSLError/check(_:_:reason:)`` (``GSLError/Code/domain`` at poles, ``GSLError/Code/range``
///   on overflow); ``GSLError/Code/range`` if GSL succeeded but the value is not finite.
func evaluateSpecialFunction(_ operation: @autoclosure () -> String,
                             arguments: [(name: String, value: Double)],
                             reason: @autoclosure () -> String? = nil,
                             _ body: (UnsafeMutablePointer<gsl_sf_result>) -> Int32) throws -> Double {
    for argument in arguments where argument.value.isNaN {
        throw GSLError.invalid(operation(), "\(argument.name) is NaN")
    }
    var result = gsl_sf_result(val: 0, err: 0)
    try GSLError.call(operation(), reason: reason()) { body(&result) }
    guard result.val.isFinite || arguments.contains(where: { $0.value.isInfinite }) else {
        throw GSLError(.range, operation: operation(), reason: "result is not representable (\(result.val))")
    }
    return result.val
}
