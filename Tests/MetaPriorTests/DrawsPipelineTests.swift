// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The draws path after it was made faster: the same bits as before, on any thread count.
@Suite("Draws: kernel and pipelined CSV")
struct DrawsPipelineTests {
    /// φ = m + G z by ``GaussianPosterior/addProduct(_:_:to:into:d:)`` is bit for bit what GSL's
    /// `gsl_blas_dgemv` (through `PointerKernels.multiply` with β = 1, the call it replaced)
    /// gives, for d = 1…11 (four-lane blocks and every remainder), random G, z and m with
    /// magnitudes over many binades, and a lower-triangular G with exact zeros.
    @Test func productHasTheBitsOfGSLsDgemv() {
        let stream = RandomStream(seed: 5)
        for d in 1...11 {
            for trial in 0..<50 {
                let g = (0..<(d * d)).map { k -> Double in
                    let (i, j) = (k / d, k % d)
                    if trial % 2 == 1 && j > i { return 0 }
                    return stream.standardNormal() * Foundation.exp(6 * stream.standardNormal())
                }
                let z = (0..<d).map { _ in stream.standardNormal() }
                let m = (0..<d).map { _ in stream.standardNormal() * 100 }
                var expected = m
                g.withUnsafeBufferPointer { gp in z.withUnsafeBufferPointer { zp in expected.withUnsafeMutableBufferPointer { yp in
                    PointerKernels.multiply(gp.baseAddress!, vector: zp.baseAddress!, into: yp.baseAddress!,
                                            rows: d, columns: d, beta: 1)
                } } }
                let gt = (0..<(d * d)).map { k in g[(k % d) * d + k / d] }
                var got = [Double](repeating: .nan, count: d)
                gt.withUnsafeBufferPointer { gp in z.withUnsafeBufferPointer { zp in m.withUnsafeBufferPointer { mp in
                    got.withUnsafeMutableBufferPointer { yp in
                        GaussianPosterior.addProduct(gp.baseAddress!, zp.baseAddress!, to: mp.baseAddress!, into: yp.baseAddress!, d: d)
                    }
                } } }
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "d = \(d), trial \(trial)")
            }
        }
    }

    /// A 6-d posterior (one four-lane block and a remainder of two) streamed with many batches
    /// in flight: 1, 2 and 3 threads (batches of 2, 4 and 6 chunks, so the write of one batch
    /// overlaps the formatting of the next) give the in-memory CSV byte for byte, and a write
    /// that fails part-way reports its error instead of a partial success.
    @Test func pipelinedStreamIsTheInMemoryCSV() throws {
        let d = 6
        var covariance = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d { covariance[i, j] = Foundation.pow(0.5, Double(abs(i - j))) } }
        let prior = try GaussianPrior(mean: (0..<d).map { Double($0) - 2.5 }, covariance: covariance, noiseVariance: 0.3)
        var design = Matrix(rows: 4, columns: d)
        for i in 0..<4 { for j in 0..<d { design[i, j] = j == 0 ? 1 : Foundation.sin(Double(3 * i + j)) } }
        let gaussian = try prior.posterior(design: design, targets: [0.5, -1, 2, 0.25])
        let names = (1..<d).map { "x\($0)" }
        let basis = try FeatureMap(spec: .linear, inputNames: names, trainingInputs: [try Matrix(rows: 2, columns: d - 1, elements: [Double](repeating: 0, count: d - 1) + [Double](repeating: 1, count: d - 1))])
        let posterior = LinearGaussianPosterior(basis: basis, gaussian: gaussian)
        let features = (1...d).map { "f\($0)" }
        let draws = 11 * 4096 + 17  // 12 chunks
        let whole = PosteriorExport.drawsCSV(posterior, features: features, draws: draws, seed: 11, provenance: [])
        for threads in [1, 2, 3] {
            let saved = DeterministicParallel.maximumThreads
            DeterministicParallel.maximumThreads = threads
            defer { DeterministicParallel.maximumThreads = saved }
            var streamed: [UInt8] = []
            try PosteriorExport.writeDrawsCSV(posterior, features: features, draws: draws, seed: 11, provenance: []) {
                streamed.append(contentsOf: $0)
            }
            #expect(streamed == whole, "\(threads) threads")
            struct Full: Error {}
            var writes = 0
            #expect(throws: Full.self) {
                try PosteriorExport.writeDrawsCSV(posterior, features: features, draws: draws, seed: 11, provenance: []) { _ in
                    writes += 1
                    if writes == 5 { throw Full() }
                }
            }
        }
    }
}
