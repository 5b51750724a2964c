// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension DeterministicParallel {
    /// `body(i)` for every i in `0..<count`, in parallel fixed chunks, the values in index
    /// order; when some fail, the error of the lowest failing index (so the result, and the
    /// error, do not depend on the number of threads).
    static func map<Value>(count: Int, chunkSize: Int, _ body: (Int) throws -> Value) throws -> [Value] {
        var values = [Value?](repeating: nil, count: count)
        var failure: (Int, any Error)?
        let lock = NSLock()
        values.withUnsafeMutableBufferPointer { buffer in
            let out = buffer
            forEachChunk(count: count, chunkSize: chunkSize) { _, range in
                for i in range {
                    do { out[i] = try body(i) } catch {
                        lock.lock(); if failure.map({ i < $0.0 }) ?? true { failure = (i, error) }; lock.unlock()
                    }
                }
            }
        }
        if let (_, error) = failure { throw error }
        return values.map { $0! }
    }
}
