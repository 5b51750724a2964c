// SPDX-License-Identifier: GPL-3.0-or-later

/// Stan-style CSV of draws: `#` comment lines (provenance), one header row, one row per draw,
/// numbers in shortest round-trip form. Readable by `pandas.read_csv(path, comment="#")`,
/// R's `read.csv(path, comment.char = "#")` and ArviZ's CmdStan reader.
public enum SampleCSV {
    /// Rows formatted per parallel chunk; fixed, so output bytes never depend on thread count.
    static let rowsPerChunk = 8192

    /// The comment block: one `# key: value` line each.
    public static func comments(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in pairs {
            let clean = value.replacingOccurrences(of: "\n", with: " ")
            out.append(contentsOf: "# \(key): \(clean)\n".utf8)
        }
        return out
    }

    /// A CSV of `rows` × `columns` numbers in row-major `values`, with optional leading
    /// integer column (`leading`, e.g. `draw`) and the given header.
    public static func table(header: [String], values: [Double], columns: Int, leadingIndex: Bool = false) -> [UInt8] {
        var head = CSVWriter()
        head.row(header)
        let rows = columns == 0 ? 0 : values.count / columns
        return values.withUnsafeBufferPointer { v in
            formattedRows(prefix: head.bytes, rows: rows, columns: columns, leadingIndex: leadingIndex,
                          chunkSize: rowsPerChunk) { _, range, out in
                guard columns > 0 else { return }
                out.update(from: v.baseAddress! + range.lowerBound * columns, count: range.count * columns)
            }
        }
    }

    /// `prefix`, then `rows` CSV rows of `columns` numbers each (after a leading 1-based row
    /// number when `leadingIndex`), spelled as ``CSVWriter`` spells them.
    ///
    /// Rows are made in chunks of `chunkSize`, in parallel: `fill(chunk, range, values)` puts
    /// the numbers of rows `range` (row-major, `range.count × columns`) into `values`, and the
    /// chunk is formatted straight into its own slot of the result, sized for the longest
    /// possible text; the slots are then moved together in chunk order. No per-number `String`
    /// and no per-chunk arrays to concatenate, and the bytes do not depend on the thread count.
    static func formattedRows(prefix: [UInt8], rows: Int, columns: Int, leadingIndex: Bool, chunkSize: Int,
                              fill: (Int, Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> [UInt8] {
        let fieldBytes = CSVWriter.maximumNumberLength + 1  // number and its separator
        let rowBytes = (columns + (leadingIndex ? 1 : 0)) * fieldBytes + 1
        let size = Swift.max(1, chunkSize)
        let chunks = DeterministicParallel.chunkCount(count: rows, chunkSize: size)
        var lengths = [Int](repeating: 0, count: chunks)
        return [UInt8](unsafeUninitializedCapacity: prefix.count + rows * rowBytes) { buffer, initialized in
            let base = buffer.baseAddress!
            prefix.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { base.update(from: source, count: p.count) }
            }
            lengths.withUnsafeMutableBufferPointer { lengthSlots in
                DeterministicParallel.forEachChunk(count: rows, chunkSize: size) { chunk, range in
                    let values = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, range.count * columns))
                    defer { values.deallocate() }
                    fill(chunk, range, values)
                    let start = base + prefix.count + range.lowerBound * rowBytes
                    let at = start + formatChunk(range, columns: columns, leadingIndex: leadingIndex, values: values, to: start)
                    lengthSlots[chunk] = at - start
                }
            }
            // Close the gaps: each slot moves down (never up), in chunk order.
            var end = prefix.count
            for chunk in 0..<chunks {
                let source = base + prefix.count + chunk * size * rowBytes
                if base + end != source {  // overlapping ranges: copyMemory is memmove
                    UnsafeMutableRawPointer(base + end).copyMemory(from: source, byteCount: lengths[chunk])
                }
                end += lengths[chunk]
            }
            initialized = end
        }
    }
}

extension SampleCSV {
    /// Spells rows `range` (numbered from 1 when `leadingIndex`) of `values` (row-major,
    /// `range.count × columns`) at `out`, which must hold `range.count` × the longest row;
    /// returns the bytes written. The one formatter of both the in-memory and the streamed CSV,
    /// so they cannot differ by a byte.
    static func formatChunk(_ range: Range<Int>, columns: Int, leadingIndex: Bool,
                            values: UnsafePointer<Double>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var at = out
        var v = values
        let tables = ShortestDouble.Tables.shared
        for r in range {
            if leadingIndex {
                at += CSVWriter.writeInteger(r + 1, to: at)
                if columns > 0 { at.pointee = UInt8(ascii: ","); at += 1 }
            }
            for c in 0..<columns {
                if c > 0 { at.pointee = UInt8(ascii: ","); at += 1 }
                at += CSVWriter.writeNumber(v.pointee, to: at, tables: tables)
                v += 1
            }
            at.pointee = UInt8(ascii: "\n"); at += 1
        }
        return at - out
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
