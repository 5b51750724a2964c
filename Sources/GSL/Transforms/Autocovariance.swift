// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// The biased sample autocovariance of a series at every lag,
/// γ̂(t) = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄) for t = 0 … n − 1, by GSL's radix-2 real FFT
/// (`gsl_fft_real_radix2_transform`, `gsl_fft_halfcomplex_radix2_inverse`).
///
/// The series is centred and zero-padded to a power of two at least 2n, so the circular
/// correlation the FFT computes equals the linear one: O(n log n) work where the direct sum is
/// O(n²) at every lag, which matters for long, strongly autocorrelated chains whose
/// effective-sample-size estimate reads far into the lags. The 1/n (not 1/(n − t)) weighting
/// keeps the sequence positive semi-definite, as Geyer's estimators assume.
///
/// - Parameter series: the values x_0 … x_{n−1}; at least one, all finite.
/// - Returns: γ̂(0) … γ̂(n − 1).
/// - Throws: ``GSLError/Code/invalidArgument`` for an empty or non-finite series, or one too
///   long to pad (n > 2⁶⁰); GSL's status from the transforms otherwise.
public func autocovariance(_ series: [Double]) throws -> [Double] {
    let n = series.count
    let operation = "autocovariance of a series of \(n) values"
    guard n >= 1 else { throw GSLError.invalid(operation, "the series is empty") }
    guard n <= 1 << 60 else { throw GSLError.invalid(operation, "the series is too long") }
    guard series.allSatisfy(\.isFinite) else { throw GSLError.invalid(operation, "a value is NaN or infinite") }
    var length = 1
    while length < 2 * n { length <<= 1 }
    let mean = series.reduce(0, +) / Double(n)
    var data = [Double](repeating: 0, count: length)
    for i in 0..<n { data[i] = series[i] - mean }
    try data.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        try GSLError.call(operation) { gsl_fft_real_radix2_transform(base, 1, length) }
        // Half-complex layout: data[0] = Re X₀, data[k] = Re X_k and data[length − k] = Im X_k for
        // 0 < k < length/2, data[length/2] = Re X_{length/2}. The power spectrum |X_k|² is real, so
        // its imaginary halves are zero.
        base[0] *= base[0]
        base[length / 2] *= base[length / 2]
        var k = 1
        while k < length / 2 {
            let re = base[k], im = base[length - k]
            base[k] = re * re + im * im
            base[length - k] = 0
            k += 1
        }
        try GSLError.call(operation) { gsl_fft_halfcomplex_radix2_inverse(base, 1, length) }
    }
    return (0..<n).map { data[$0] / Double(n) }
}
