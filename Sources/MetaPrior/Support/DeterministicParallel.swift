// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch

/// Parallel loops whose results do not depend on the number of threads.
///
/// Work is cut into chunks of a fixed size (never derived from the core count), each chunk
/// writes only its own slot, and partial sums are combined in chunk order afterwards. The same
/// input therefore gives bit-identical floating-point results on 1 core or 64.
public enum DeterministicParallel {
    /// Threads to use; 1 forces a serial run (tests use it to check thread-independence).
    /// Set through the `METAPRIOR_THREADS` environment variable or directly.
    public static var maximumThreads: Int = {
        if let text = getenvString("METAPRIOR_THREADS"), let n = Int(text), n >= 1 { return n }
        return 0  // 0: as many as Dispatch likes
    }()

    /// Threads a parallel loop runs on: ``maximumThreads``, or the online cores when it is 0.
    /// For sizing work in flight (e.g. a streamed CSV's batch), never for cutting chunks.
    static var threadCount: Int {
        maximumThreads > 0 ? maximumThreads : Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Calls `body(chunkIndex, range)` for each chunk of `0..<count`, in parallel.
    public static func forEachChunk(count: Int, chunkSize: Int, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let size = Swift.max(1, chunkSize)
        let chunks = (count + size - 1) / size
        func range(_ chunk: Int) -> Range<Int> { (chunk * size)..<Swift.min(count, (chunk + 1) * size) }
        if chunks == 1 || maximumThreads == 1 {
            for chunk in 0..<chunks { body(chunk, range(chunk)) }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks) { body($0, range($0)) }
        }
    }

    /// Number of chunks ``forEachChunk(count:chunkSize:_:)`` will make.
    public static func chunkCount(count: Int, chunkSize: Int) -> Int {
        count == 0 ? 0 : (count + Swift.max(1, chunkSize) - 1) / Swift.max(1, chunkSize)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
