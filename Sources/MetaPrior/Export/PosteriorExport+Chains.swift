// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension PosteriorExport {
    /// The file of chain `chain` (1-based) of `draws.csv`, as CmdStan names one file per chain
    /// (`output_1.csv`, …): `draws_1.csv`, `draws_2.csv`, …; a name without an extension gets
    /// `_1`, `_2`, … at its end. `arviz.from_cmdstan(["draws_1.csv", …])` reads each as a chain.
    public static func chainPath(_ path: String, chain: Int) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        if let dot = path[slash...].lastIndex(of: "."), dot > slash {
            return String(path[..<dot]) + "_\(chain)" + String(path[dot...])
        }
        return path + "_\(chain)"
    }

    /// Chain `chain` (0-based; the posterior's chunk `chain`) of a ``ChainedPosterior`` as its own
    /// Stan-style CSV: the comments of ``writeDrawsCSV(_:features:draws:seed:provenance:to:)``
    /// with `chain` (1-based, of the chains) and CmdStan's `num_warmup = 0` and
    /// `save_warmup = 0` (no warm-up draws are in the file, so ArviZ keeps every row), then
    /// `lp__,phi.1,…`, one row per kept draw. Streamed to `write`.
    public static func writeChainCSV(_ posterior: any ChainedPosterior, chain: Int, features: [String], seed: UInt64,
                                     provenance: [(String, String)],
                                     to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        let d = posterior.parameterCount, size = posterior.drawsPerChunk
        var comments = provenance
        comments.append(("chain", "\(chain + 1) of \(posterior.chainCount), \(size) kept draws, random stream (seed, \(chain))"))
        let head = SampleCSV.comments(comments) + SampleCSV.commentLines(["num_warmup = 0", "save_warmup = 0"])
        try SampleCSV.streamRows(prefix: head + drawsHead(posterior, features: features, provenance: []),
                                 rows: size, columns: d + 1, leadingIndex: false, chunkSize: size,
                                 fill: { _, range, values in
                                     let global = (chain * size + range.lowerBound)..<(chain * size + range.upperBound)
                                     posterior.draws(chunk: chain, range: global, seed: seed, into: values)
                                 },
                                 write: write)
    }
}

extension SampleCSV {
    /// `# text` lines, each as given (for CmdStan's `key = value` comments, which ArviZ parses).
    static func commentLines(_ lines: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines { out.append(contentsOf: "# \(line)\n".utf8) }
        return out
    }
}
