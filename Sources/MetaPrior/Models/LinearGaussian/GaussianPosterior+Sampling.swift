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
        let active = activeCoordinates
        out.withUnsafeMutableBufferPointer { phi in
        logDensity.withUnsafeMutableBufferPointer { lp in
            DeterministicParallel.forEachChunk(count: count, chunkSize: Self.drawsPerStream) { chunk, range in
                draw(chunk: chunk, range: range, seed: seed, active: active,
                     phi: phi.baseAddress! + range.lowerBound * d, phiStride: d,
                     logDensity: lp.baseAddress! + range.lowerBound, logDensityStride: 1)
            }
        } }
    }

    /// Which coordinates of z reach φ (a column of the factor that is not all zero).
    var activeCoordinates: [Bool] {
        let d = mean.count
        return (0..<d).map { j in (0..<d).contains { factor[$0, j] != 0 } }
    }

    /// The draws `range` of chunk `chunk` (substream `chunk` of `seed`, chunks of
    /// ``drawsPerStream``), as ``sample(count:seed:into:logDensity:)`` makes them: draw
    /// `range.lowerBound + r` goes to `phi + r·phiStride` (d contiguous values) and its lp__ to
    /// `logDensity[r·logDensityStride]`. Lets a caller draw and use one chunk at a time (the
    /// sample CSV writes lp__ and φ of a draw side by side) with the same bits as `sample`.
    func draw(chunk: Int, range: Range<Int>, seed: UInt64, active: [Bool],
              phi: UnsafeMutablePointer<Double>, phiStride: Int,
              logDensity: UnsafeMutablePointer<Double>, logDensityStride: Int) {
        let d = mean.count
        guard !range.isEmpty else { return }
        let stream = RandomStream(seed: seed, stream: UInt64(chunk))
        var z = [Double](repeating: 0, count: d)
        factor.elements.withUnsafeBufferPointer { gp in
        mean.withUnsafeBufferPointer { m in
            for r in 0..<range.count {
                stream.fillStandardNormal(&z)
                var square = 0.0
                for j in 0..<d where active[j] { square += z[j] * z[j] }
                logDensity[r * logDensityStride] = logNormaliser - 0.5 * square
                let row = phi + r * phiStride
                guard d > 0 else { continue }
                row.update(from: m.baseAddress!, count: d)
                z.withUnsafeBufferPointer { zp in
                    PointerKernels.multiply(gp.baseAddress!, vector: zp.baseAddress!, into: row,
                                            rows: d, columns: d, beta: 1)
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
