// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Cuts `bytes[start..<end]` into about `parts` stretches of whole records at line breaks, or
/// returns `nil` for a small file. Only right when the file has no quotes (a line break
/// inside quotes is inside a record): each stretch checks that for itself as it is parsed
/// (``parseChunk``'s `requirePlain`), rather than a pass over the whole file here first.
func recordBoundaries(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, parts: Int) -> [Int]? {
    guard parts > 1, end - start > 1 << 20 else { return nil }
    var cuts = [start]
    for k in 1..<parts {
        var cut = max(start + (end - start) * k / parts, cuts.last!)
        guard let newline = memchr(bytes + cut, Int32(UInt8(ascii: "\n")), end - cut) else { break }
        cut = UnsafeRawPointer(newline).assumingMemoryBound(to: UInt8.self) - bytes + 1
        if cut > cuts.last! && cut < end { cuts.append(cut) }
    }
    cuts.append(end)
    return cuts
}

/// Thrown by a stretch of a parallel parse that has a quote in it.
struct QuotedStretch: Error {}

/// Parses the stretches `cuts[k]..<cuts[k+1]` on separate threads; `nil` if any fails (the
/// caller then parses serially to report the first error with its true line number).
func parseInParallel(_ bytes: UnsafePointer<UInt8>, cuts: [Int], limit: Int, header: CSVHeader, columns: ColumnPlan, file: String) -> [ChunkResult]? {
    let parts = cuts.count - 1
    let results = ResultSlots<ChunkResult>(count: parts)
    let address = UInt(bitPattern: bytes)
    DispatchQueue.concurrentPerform(iterations: parts) { k in
        let bytes = UnsafePointer<UInt8>(bitPattern: address)!
        results[k] = try? parseChunk(bytes, start: cuts[k], end: cuts[k + 1], limit: limit, firstLine: 0,
                                     header: header, columns: columns, file: file, requirePlain: true)
    }
    let all = results.values
    guard all.allSatisfy({ $0 != nil }) else { return nil }
    return all.map { $0! }
}
