// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// Switches GSL's error handler off, exactly once per process, before the first GSL call.
///
/// A Swift global is initialised lazily and atomically (`swift_once`), so touching it from any
/// thread is safe. With the handler off GSL reports failures only through return codes, which
/// ``GSLError/check(_:_:)`` turns into thrown errors: nothing in the package can reach
/// GSL's default handler, which prints and calls `abort()`.
///
/// The same once-only step makes OpenBLAS (when the build linked it) run each call on one
/// thread: the per-task loops already use every core, and one thread per call also keeps a
/// product's summation order fixed.
private let errorHandlerSwitchedOff: Void = {
    _ = gsl_set_error_handler_off()
    metaprior_blas_single_thread()
}()

/// Call before any GSL function. Cheap after the first call.
@inline(__always)
func prepareGSL() {
    _ = errorHandlerSwitchedOff
}

extension GSLError {
    /// The funnel: turns a GSL status into a thrown ``GSLError`` naming the operation.
    ///
    /// - Parameters:
    ///   - status: the value GSL returned (`GSL_SUCCESS` is 0).
    ///   - operation: what was being done, for the message.
    ///   - reason: a better explanation than GSL's generic text, where the caller knows one.
    @inline(__always)
    static func check(_ status: Int32, _ operation: @autoclosure () -> String,
                      reason: @autoclosure () -> String? = nil) throws {
        guard status != 0 else { return }
        let text = reason() ?? String(cString: gsl_strerror(status))
        throw GSLError(Code(rawValue: status), operation: operation(), reason: text)
    }

    /// Runs a GSL call with the handler switched off and funnels its status.
    @inline(__always)
    static func call(_ operation: @autoclosure () -> String,
                     reason: @autoclosure () -> String? = nil,
                     _ body: () -> Int32) throws {
        prepareGSL()
        try check(body(), operation(), reason: reason())
    }
}
