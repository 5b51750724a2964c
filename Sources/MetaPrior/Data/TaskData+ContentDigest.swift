// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension TaskData {
    /// A short content digest of the task's data: the first 16 hex digits of the SHA-256 of
    /// its inputs and targets (IEEE 754 bits, little-endian, row by row). The identifier is not
    /// part of it, so the same task renamed, or found in another file, has the same digest.
    public var contentDigest: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 * (inputs.elements.count + targets.count) + 16)
        func append(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        append(UInt64(inputs.rows)); append(UInt64(inputs.columns))
        for v in inputs.elements { append(v.bitPattern) }
        for v in targets { append(v.bitPattern) }
        return String(Digest.sha256(bytes).dropFirst("sha256:".count).prefix(16))
    }
}

extension MetaDataset {
    /// The sorted content digests of every task, hashed in parallel (a prior file carries
    /// one per task: at 20,000 tasks hashing one after another took 4 % of a d = 3 fit).
    public var taskContentDigests: [String] {
        let tasks = self.tasks
        var digests = [String](repeating: "", count: tasks.count)
        digests.withUnsafeMutableBufferPointer { out in
            DeterministicParallel.forEachChunk(count: tasks.count, chunkSize: 512) { _, range in
                for t in range { out[t] = tasks[t].contentDigest }
            }
        }
        return digests.sorted()
    }
}
