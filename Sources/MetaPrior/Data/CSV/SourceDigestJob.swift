// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch

/// The SHA-256 of a file's bytes (``FileBytes/sha256``), worked out on another thread.
///
/// Started before a parse and collected after it: hashing the 15 MB of a 20,000-task file
/// took about 7 ms, a seventh of its ingest, on the critical path after the parse. On a serial queue of its own, so it
/// gets a thread even while the parse's `concurrentPerform` occupies the global pool. The job
/// keeps the bytes alive until it is done; the reader waits for it on every way out, a thrown
/// error included, so that it never outlives the read.
final class SourceDigestJob: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the job before `done` is signalled; read only after waiting for it.
    private var digest = ""

    init(_ bytes: FileBytes) {
        DispatchQueue(label: "metaprior.source-digest").async { [self] in
            digest = bytes.sha256
            done.signal()
        }
    }

    /// Waits for the digest (`sha256:<hex>`).
    func wait() -> String {
        done.wait()
        return digest
    }
}
