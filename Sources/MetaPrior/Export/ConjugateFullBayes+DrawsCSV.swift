// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

// In the Export layer, not beside the family: the rows are formatted by the sample CSV's own
// formatter (SampleCSV), which the Models layer below cannot use.
extension ConjugateFullBayes {
    /// The joint draws as a Stan-style CSV: `#` comments (the model, the hyperprior, the
    /// columns and what `lp__` holds, the seed), then `lp__`, θ's ``ConjugateKind/summaryNames``,
    /// `phi.1` … `phi.J`. The bytes of ``writeDrawsCSV(count:seed:comments:to:)``, held whole.
    public func drawsCSV(count: Int, seed: UInt64, comments: [(String, String)] = []) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try writeDrawsCSV(count: count, seed: seed, comments: comments) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The joint draws CSV handed to `write` piece by piece, in order: the numbers spelled as
    /// ``SampleCSV`` spells them (shortest round-trip), draws made and formatted in chunks of 8
    /// on every core and streamed, so memory stays a few megabytes whatever the count (held
    /// whole, formatting reserved the longest text per number: 1.1 GB for 4,000 draws of
    /// 10,000 tasks). The bytes are the same on any number of threads: draw k is random
    /// substream k.
    public func writeDrawsCSV(count: Int, seed: UInt64, comments: [(String, String)] = [],
                              to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        let kind = tasks.kind
        var head = comments.map { "# \($0.0): \($0.1)\n" }.joined()
        head += "# model: \(kind.rawValue), full Bayes over (\(kind.hyperNames.joined(separator: ", ")))\n"
        head += "# hyperprior: \(hyperprior.description)\n"
        head += "# seed: \(seed)\n"
        head += "# columns: " + (kind.summaryNames + (1...tasks.count).map { "phi.\($0) = task \(tasks.ids[$0 - 1])" }).joined(separator: ", ") + "\n"
        head += "# lp__: log p(u | y) + sum_i log p(phi_i | theta, y_i), u the quadrature's coordinates of theta\n"
        head += (["lp__"] + kind.summaryNames + (1...tasks.count).map { "phi.\($0)" }).joined(separator: ",") + "\n"
        let sampler = JointDrawSampler(self), columns = 3 + tasks.count
        // A draw that fails (it cannot, for valid θ) is reported by its chunk, the first such
        // chunk's error thrown, so the error does not depend on the thread count either.
        let failure = ResultSlots<any Error>(count: DeterministicParallel.chunkCount(count: count, chunkSize: 8))
        try SampleCSV.streamRows(prefix: Array(head.utf8), rows: count, columns: columns, leadingIndex: false, chunkSize: 8, fill: { chunk, range, values in
            for (r, k) in range.enumerated() {
                do {
                    try sampler.draw(k, seed: seed, into: values + r * columns)
                } catch {
                    if failure[chunk] == nil { failure[chunk] = error }
                    (values + r * columns).update(repeating: .nan, count: columns)
                }
            }
        }, write: write)
        if let error = failure.values.lazy.compactMap({ $0 }).first { throw error }
    }
}
