// SPDX-License-Identifier: GPL-3.0-or-later

extension SampleCSV {
    /// Chunks formatted per batch of a streamed CSV, per thread: enough to keep every thread
    /// busy while the previous batch is written, few enough that memory stays a few megabytes.
    static let chunksPerThreadInBatch = 2

    /// The bytes of `formattedRows`, byte
    /// for byte, handed to `write` piece by piece instead of built whole: chunks are made in
    /// batches of 2 × the thread count, each batch in parallel into one reused buffer, then
    /// written in chunk order. Memory is O(batch) whatever the number of rows (a hundred
    /// million draws held whole took 7.8 GB); chunk c is still chunk c of `fill`, so the bytes
    /// do not depend on the thread count or the batch size.
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
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(1, batch * slotBytes))
        defer { buffer.deallocate() }
        var lengths = [Int](repeating: 0, count: batch)
        var first = 0
        while first < chunks {
            let count = Swift.min(batch, chunks - first)
            let firstRow = first * size
            let batchRows = Swift.min(rows, (first + count) * size) - firstRow
            lengths.withUnsafeMutableBufferPointer { lengthSlots in
                // Local chunk k of the batch is global chunk first + k, rows shifted to match.
                DeterministicParallel.forEachChunk(count: batchRows, chunkSize: size) { local, localRange in
                    let range = (firstRow + localRange.lowerBound)..<(firstRow + localRange.upperBound)
                    let values = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, range.count * columns))
                    defer { values.deallocate() }
                    fill(first + local, range, values)
                    lengthSlots[local] = formatChunk(range, columns: columns, leadingIndex: leadingIndex,
                                                     values: values, to: buffer + local * slotBytes)
                }
            }
            for local in 0..<count {
                try write(UnsafeRawBufferPointer(start: buffer + local * slotBytes, count: lengths[local]))
            }
            first += count
        }
    }
}
