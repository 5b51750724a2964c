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
        // Gᵀ, so that column j of G is contiguous: four rows of φ are then summed at once.
        let transposed = factor.transposed.elements
        transposed.withUnsafeBufferPointer { gt in
        mean.withUnsafeBufferPointer { m in
            for r in 0..<range.count {
                stream.fillStandardNormal(&z)
                var square = 0.0
                for j in 0..<d where active[j] { square += z[j] * z[j] }
                logDensity[r * logDensityStride] = logNormaliser - 0.5 * square
                guard d > 0 else { continue }
                z.withUnsafeBufferPointer { zp in
                    Self.addProduct(gt.baseAddress!, zp.baseAddress!, to: m.baseAddress!, into: phi + r * phiStride, d: d)
                }
            }
        } }
    }

    /// φ = m + G z for the d×d factor G given as Gᵀ (row-major), with the bits of GSL's
    /// reference `cblas_dgemv` (which this replaced; a sixth of a draw's time went to its call
    /// overhead and scalar loop): φ_i = m_i + t_i with t_i = ((0 + G_i0 z_0) + G_i1 z_1) + …,
    /// summed in j order. Four rows at a time in SIMD lanes, each lane summing in that same
    /// order (no fused multiply-add), so every φ_i is the same double as before.
    @inline(__always)
    static func addProduct(_ gt: UnsafePointer<Double>, _ z: UnsafePointer<Double>, to m: UnsafePointer<Double>,
                           into phi: UnsafeMutablePointer<Double>, d: Int) {
        var i = 0
        while i + 4 <= d {
            var sum = SIMD4<Double>(repeating: 0)
            for j in 0..<d {
                let column = UnsafeRawPointer(gt + j * d + i).loadUnaligned(as: SIMD4<Double>.self)
                sum = sum + column * SIMD4(repeating: z[j])
            }
            let result = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD4<Double>.self) + sum
            UnsafeMutableRawPointer(phi + i).storeBytes(of: result, as: SIMD4<Double>.self)
            i += 4
        }
        while i < d {
            var sum = 0.0
            for j in 0..<d { sum = sum + gt[j * d + i] * z[j] }
            phi[i] = m[i] + sum
            i += 1
        }
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
