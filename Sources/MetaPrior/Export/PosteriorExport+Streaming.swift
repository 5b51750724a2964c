// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension PosteriorExport {
    /// The bytes of ``predictiveDrawsCSV(_:inputNames:queries:draws:seed:provenance:inputLevels:)``,
    /// identical to the byte, handed to `write` a batch of chunks at a time: each chunk of
    /// draws (``TaskPosterior/drawsPerChunk``) is drawn and formatted on its own, 2 × the
    /// thread count of them in parallel, then written in order — so memory stays bounded
    /// however many draws and query points are asked for.
    /// - Throws: ``InputError`` when draws × query points exceeds ``maximumPredictiveDraws``.
    public static func writePredictiveDrawsCSV(_ posterior: any TaskPosterior, inputNames: [String], queries: Matrix,
                                               draws: Int, seed: UInt64, provenance: [(String, String)],
                                               inputLevels: [String: [String]] = [:],
                                               to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        let levels = inputNames.map { inputLevels[$0] }
        // Memory is bounded here, but the file is not: a row per draw and query point.
        try checkPredictiveDrawCount(draws: draws, queries: queries.rows)
        var head = CSVWriter()
        head.row(["draw"] + inputNames + ["y"])
        try (SampleCSV.comments(provenance) + head.bytes).withUnsafeBytes { try write($0) }
        let size = Swift.max(1, posterior.drawsPerChunk)
        let chunks = DeterministicParallel.chunkCount(count: draws, chunkSize: size)
        let batch = Swift.max(1, SampleCSV.chunksPerThreadInBatch * DeterministicParallel.threadCount)
        let q = queries.rows
        var first = 0
        while first < chunks {
            let count = Swift.min(batch, chunks - first)
            var pieces = [[UInt8]](repeating: [], count: count)
            var failures = [(any Error)?](repeating: nil, count: count)
            pieces.withUnsafeMutableBufferPointer { pieceSlots in
            failures.withUnsafeMutableBufferPointer { failureSlots in
                DeterministicParallel.forEachChunk(count: count, chunkSize: 1) { local, _ in
                    let chunk = first + local
                    let range = (chunk * size)..<Swift.min(draws, (chunk + 1) * size)
                    do {
                        let y = try posterior.predictiveDraws(at: queries, chunk: chunk, range: range, seed: seed)
                        var writer = CSVWriter()
                        for (r, k) in range.enumerated() {
                            for i in 0..<q {
                                writer.field(k + 1)
                                writeInputs(&writer, queries, row: i, levels: levels)
                                writer.field(y[r * q + i])
                                writer.endRow()
                            }
                        }
                        pieceSlots[local] = writer.bytes
                    } catch {
                        failureSlots[local] = error
                    }
                }
            } }
            if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
            for piece in pieces { try piece.withUnsafeBytes { try write($0) } }
            first += count
        }
    }
}
