// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch

extension SampleCSV {
    /// Chunks formatted per batch of a streamed CSV, per thread: enough to keep every thread
    /// busy while the previous batch is written, few enough that memory stays a few megabytes.
    static let chunksPerThreadInBatch = 2

    /// The bytes of `formattedRows`, byte
    /// for byte, handed to `write` piece by piece instead of built whole: chunks are made in
    /// batches of 2 × the thread count, each batch in parallel into one of two buffers, and
    /// written in chunk order. Memory is O(batch) whatever the number of rows (a hundred
    /// million draws held whole took 7.8 GB); chunk c is still chunk c of `fill`, so the bytes
    /// do not depend on the thread count or the batch size.
    ///
    /// Writing overlaps formatting: batch k is written while batch k + 1 is drawn and
    /// formatted into the other buffer. Writing a sample file is mostly the kernel copying
    /// it into the page cache (407 MB for a million 20-d draws: about as much CPU time as
    /// formatting), so writing batch by batch between parallel formatting steps left the
    /// other cores idle for a third of the run. The write is one more work item of the same
    /// parallel loop (taken first), so the threads that format also share out the writing.
    static func streamRows(prefix: [UInt8], rows: Int, columns: Int, leadingIndex: Bool, chunkSize: Int,
                           fill: (Int, Range<Int>, UnsafeMutablePointer<Double>) -> Void,
                           write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try prefix.withUnsafeBytes { try write($0) }
        let fieldBytes = CSVWriter.maximumNumberLength + 1  // number and its separator
        let rowBytes = (columns + (leadingIndex ? 1 : 0)) * fieldBytes + 1
        let size = Swift.max(1, chunkSize)
        let chunks = DeterministicParallel.chunkCount(count: rows, chunkSize: size)
        let batch = Swift.max(1, Swift.min(chunks, chunksPerThreadInBatch * DeterministicParallel.threadCount))
        let slotBytes = Swift.min(size, Swift.max(rows, 1)) * rowBytes
        let batches = (chunks + batch - 1) / batch
        // Two buffers: batch k is formatted into buffer k % 2 while batch k - 1 is written.
        let buffers = [UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(1, batch * slotBytes)),
                       UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(1, batch * slotBytes))]
        // Bytes of each slot of the two buffers (pointers: one step writes the lengths of one
        // buffer while it reads those of the other).
        let lengths = UnsafeMutablePointer<Int>.allocate(capacity: 2 * batch)
        lengths.initialize(repeating: 0, count: 2 * batch)
        // The numbers of each chunk slot, reused batch after batch (a fresh 700 kB per chunk
        // cost a page fault per 4 kB: a tenth of the CPU time of a million draws).
        let valueCount = Swift.max(1, Swift.min(size, Swift.max(rows, 1)) * columns)
        let values = UnsafeMutablePointer<Double>.allocate(capacity: batch * valueCount)
        defer {
            for buffer in buffers { buffer.deallocate() }
            lengths.deallocate()
            values.deallocate()
        }

        /// Formats local chunk `local` of batch `k` into its slot of buffer k % 2.
        func format(batch k: Int, local: Int) {
            let chunk = k * batch + local
            let range = (chunk * size)..<Swift.min(rows, (chunk + 1) * size)
            let slot = values + local * valueCount
            fill(chunk, range, slot)
            lengths[(k % 2) * batch + local] = formatChunk(range, columns: columns, leadingIndex: leadingIndex,
                                                           values: slot, to: buffers[k % 2] + local * slotBytes)
        }
        /// Chunks in batch `k`.
        func count(_ k: Int) -> Int { k < batches ? Swift.min(batch, chunks - k * batch) : 0 }
        /// Writes batch `k` from buffer k % 2, in chunk order.
        func writeBatch(_ k: Int) throws {
            for local in 0..<count(k) {
                try write(UnsafeRawBufferPointer(start: buffers[k % 2] + local * slotBytes, count: lengths[(k % 2) * batch + local]))
            }
        }

        let serial = DeterministicParallel.maximumThreads == 1
        // Step k formats batch k and writes batch k - 1 (steps 0 and `batches` do only one).
        for k in 0...batches {
            let formatting = count(k)
            if serial || k == 0 || k == batches {
                if k > 0 { try writeBatch(k - 1) }
                for local in 0..<formatting { format(batch: k, local: local) }
                continue
            }
            // Item 0 writes the previous batch (buffer and lengths (k - 1) % 2, which this
            // step's formatting does not touch); items 1… format this batch's chunks.
            let failure = ResultSlots<any Error>(count: 1)
            DispatchQueue.concurrentPerform(iterations: 1 + formatting) { item in
                if item == 0 {
                    do { try writeBatch(k - 1) } catch { failure[0] = error }
                } else {
                    format(batch: k, local: item - 1)
                }
            }
            if let error = failure.values[0] { throw error }
        }
    }
}
