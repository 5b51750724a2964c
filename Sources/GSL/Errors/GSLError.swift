// SPDX-License-Identifier: GPL-3.0-or-later

/// An error from the numerical layer: a GSL status code or an argument rejected before GSL
/// was called, with the operation that failed and the reason in words.
///
/// Every GSL status anywhere in the package becomes one of these (see ``GSLError/check(_:_:)``);
/// GSL's own error handler is switched off, so GSL never prints or aborts.
public struct GSLError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kind of failure. The raw value is GSL's status code (`gsl_errno.h`).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
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

        public var description: String { "GSL status \(rawValue)" }
    }

    /// The kind of failure.
    public let code: Code
    /// What was being done, e.g. `"Cholesky factorisation"`.
    public let operation: String
    /// Why it failed, in words a user can act on.
    public let reason: String

    public init(_ code: Code, operation: String, reason: String) {
        self.code = code
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation): \(reason)" }

    /// An argument rejected on the Swift side before GSL was reached.
    public static func invalid(_ operation: String, _ reason: String) -> GSLError {
        GSLError(.invalidArgument, operation: operation, reason: reason)
    }
}
