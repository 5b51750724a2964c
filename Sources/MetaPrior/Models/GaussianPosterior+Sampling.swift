// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension GaussianPosterior {
    /// Draws per random substream. Fixed, so draw k comes from the same substream and position
    /// whatever the number of threads.
    public static let drawsPerStream = 4096

    /// Draws φ ~ N(m, S) into `out` (row-major, `count` × d) and lp__ = log N(φ; m, S) into `logDensity`.
    ///
    /// Draw k uses substream ⌊k / 4096⌋ of `seed` and φ = m + G z with z ~ N(0, I) from
    /// that substream, so the draws are identical on any number of threads; lp__ is
    /// −r/2·log 2π − ½·log pdet S − ½‖z_active‖² (exact for a degenerate S too).
    public func sample(count: Int, seed: UInt64, into out: inout [Double], logDensity: inout [Double]) {
        let d = mean.count
        out = [Double](repeating: 0, count: count * d)
        logDensity = [Double](repeating: 0, count: count)
        let active = (0..<d).map { j in (0..<d).contains { factor[$0, j] != 0 } }
        let g = factor.elements
        out.withUnsafeMutableBufferPointer { phi in
        logDensity.withUnsafeMutableBufferPointer { lp in
            DeterministicParallel.forEachChunk(count: count, chunkSize: Self.drawsPerStream) { chunk, range in
                let stream = RandomStream(seed: seed, stream: UInt64(chunk))
                var z = [Double](repeating: 0, count: d)
                for k in range {
                    stream.fillStandardNormal(&z)
                    var square = 0.0
                    for j in 0..<d where active[j] { square += z[j] * z[j] }
                    lp[k] = logNormaliser - 0.5 * square
                    let row = phi.baseAddress! + k * d
                    for i in 0..<d { row[i] = mean[i] }
                    z.withUnsafeBufferPointer { zp in
                        g.withUnsafeBufferPointer { gp in
                            PointerKernels.multiply(gp.baseAddress!, vector: zp.baseAddress!, into: row,
                                                    rows: d, columns: d, beta: 1)
                        }
                    }
                }
            }
        } }
    }

    /// log N(φ; m, S) of a given φ (in the range of S for a degenerate posterior).
    public func logDensity(_ phi: [Double]) throws -> Double {
        let d = mean.count
        let difference = zip(phi, mean).map { $0 - $1 }
        if rank == d {
            let z = try Cholesky(covariance).solveLower(difference)
            return logNormaliser - 0.5 * z.reduce(0) { $0 + $1 * $1 }
        }
        let eigen = try SymmetricEigen(covariance)
        let scale = Swift.max(eigen.values.last ?? 0, 1e-300)
        var square = 0.0
        for j in 0..<d where eigen.values[j] > 1e-12 * scale {
            var projection = 0.0
            for i in 0..<d { projection += eigen.vectors[i, j] * difference[i] }
            square += projection * projection / eigen.values[j]
        }
        return logNormaliser - 0.5 * square
    }
}
