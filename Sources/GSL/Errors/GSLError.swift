// SPDX-License-Identifier: GPL-3.0-or-later

/// An error from the numerical layer: a GSL status code or an argument rejected before GSL
/// was called, with the operation that failed and the reason in words.
///
/// Every GSL status anywhere in the package becomes one of these, through one internal funnel
/// that checks each call's return code; GSL's own error handler (`gsl_set_error_handler_off`) is
/// switched off before the first GSL call, so GSL never prints or calls `abort()`. The
/// ``code`` says what kind of failure it was (GSL's `GSL_E…` constants, as ``Code`` values);
/// ``operation`` and ``reason`` say what was being done and why it failed, in words a user can
/// act on, and ``description`` joins them as `operation: reason`.
///
/// ```swift
/// do {
///     _ = try Cholesky(Matrix([[1, 2], [2, 1]]))
/// } catch let error as GSLError where error.code == .domain {
///     print(error)  // Cholesky factorisation: matrix is not positive definite
/// }
/// ```
public struct GSLError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kind of failure. The raw value is GSL's status code (`gsl_errno.h`).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// GSL's status code, as `gsl_errno.h` defines it (`GSL_SUCCESS` = 0 is never an error).
        public let rawValue: Int32
        /// The code for a GSL status; any value is accepted, including codes without a name here.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `GSL_EDOM`: an input outside the domain (e.g. a matrix that is not positive definite).
        public static let domain = Code(rawValue: 1)
        /// `GSL_ERANGE`: the result cannot be represented.
        public static let range = Code(rawValue: 2)
        /// `GSL_EFAULT`: an invalid pointer.
        public static let fault = Code(rawValue: 3)
        /// `GSL_EINVAL`: an invalid argument (bad parameter, NaN, mismatched sizes).
        public static let invalidArgument = Code(rawValue: 4)
        /// `GSL_EFAILED`: a generic failure.
        public static let failed = Code(rawValue: 5)
        /// `GSL_EBADFUNC`: a user-supplied function misbehaved (e.g. returned a non-finite value).
        public static let badFunction = Code(rawValue: 9)
        /// `GSL_ENOMEM`: allocation failed.
        public static let outOfMemory = Code(rawValue: 8)
        /// `GSL_EMAXITER`: an iteration limit was reached.
        public static let maximumIterations = Code(rawValue: 11)
        /// `GSL_EROUND`: round-off prevented the requested tolerance.
        public static let roundOff = Code(rawValue: 18)
        /// `GSL_EBADLEN`: vectors or matrices of incompatible sizes.
        public static let badLength = Code(rawValue: 19)
        /// `GSL_ENOTSQR`: a matrix that must be square is not.
        public static let notSquare = Code(rawValue: 20)
        /// `GSL_ESING`: a singular matrix or an apparent singularity.
        public static let singular = Code(rawValue: 21)
        /// `GSL_EDIVERGE`: an integral or series diverges.
        public static let divergent = Code(rawValue: 22)
        /// `GSL_ENOPROG`: an iteration is making no progress.
        public static let noProgress = Code(rawValue: 27)

        /// `GSL status N`, N the raw value (GSL's own text for it is `gsl_strerror(N)`).
        public var description: String { "GSL status \(rawValue)" }
    }

    /// The kind of failure.
    public let code: Code
    /// What was being done, e.g. `"Cholesky factorisation"`.
    public let operation: String
    /// Why it failed, in words a user can act on.
    public let reason: String

    /// An error of kind `code` from `operation`, because of `reason`.
    public init(_ code: Code, operation: String, reason: String) {
        self.code = code
        self.operation = operation
        self.reason = reason
    }

    /// `operation: reason`, the one line a command prints.
    public var description: String { "\(operation): \(reason)" }

    /// An argument rejected on the Swift side before GSL was reached: code
    /// ``Code/invalidArgument`` (`GSL_EINVAL`).
    public static func invalid(_ operation: String, _ reason: String) -> GSLError {
        GSLError(.invalidArgument, operation: operation, reason: reason)
    }
}
