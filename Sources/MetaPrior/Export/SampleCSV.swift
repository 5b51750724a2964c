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
        let chunks = DeterministicParallel.chunkCount(count: rows, chunkSize: rowsPerChunk)
        var pieces = [[UInt8]](repeating: [], count: chunks)
        pieces.withUnsafeMutableBufferPointer { slots in
            values.withUnsafeBufferPointer { v in
                DeterministicParallel.forEachChunk(count: rows, chunkSize: rowsPerChunk) { chunk, range in
                    var writer = CSVWriter(capacity: range.count * columns * 20)
                    for r in range {
                        if leadingIndex { writer.field(r + 1) }
                        for c in 0..<columns { writer.field(v[r * columns + c]) }
                        writer.endRow()
                    }
                    slots[chunk] = writer.bytes
                }
            }
        }
        var out = head.bytes
        out.reserveCapacity(out.count + pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { out.append(contentsOf: piece) }
        return out
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
