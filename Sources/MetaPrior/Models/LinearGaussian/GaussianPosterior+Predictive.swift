// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The posterior predictive of y = aᵀφ + o + ε, φ ~ N(m, S), ε ~ N(0, σ²), at design rows a
/// with offsets o: what every linear-Gaussian posterior predicts with, whether its design rows
/// come from a feature basis (no offset) or a formula (the shared part as the offset).
extension GaussianPosterior {
    /// Per row: mean, sd and the central interval of N(aᵀm + o, aᵀS a + σ²) at `level`.
    /// `inputNames` name the inputs in an error about a row.
    func predictiveSummaries(design: Matrix, offsets: [Double]?, level: Double, inputNames: [String]) throws -> [IntervalSummary] {
        try (0..<design.rows).map { i in
            let (mean, variance) = predictive(features: (0..<design.columns).map { design[i, $0] })
            do {
                return try LinearGaussianPosterior.normalSummary(mean: mean + (offsets?[i] ?? 0), sd: variance.squareRoot(), level: level)
            } catch var error as InputError {
                error.column = inputNames.joined(separator: ", ")
                error.message = "query row \(i + 1): " + error.message
                throw error
            }
        }
    }

    /// The joint predictive N(A m + o, A S Aᵀ + σ²I) of the design rows A; the covariance is
    /// symmetrised against rounding.
    func jointPredictive(design: Matrix, offsets: [Double]?) throws -> (mean: [Double], covariance: Matrix) {
        var mean = try design.multiplied(by: self.mean)
        if let offsets { for i in mean.indices { mean[i] += offsets[i] } }
        var covariance = try design.multiplied(by: try self.covariance.multiplied(by: design, transposeRight: true))
        for i in 0..<covariance.rows {
            covariance[i, i] += noiseVariance
            for j in 0..<i { let v = 0.5 * (covariance[i, j] + covariance[j, i]); covariance[i, j] = v; covariance[j, i] = v }
        }
        return (mean, covariance)
    }

    /// y = aᵀφ + o + ε for each of `draws` (rows of `lp__` then φ, `width` numbers each), ε ~
    /// N(0, σ²) from substream 2³² + `chunk` of `seed`; draw-major.
    func predictiveDraws(design: Matrix, offsets: [Double]?, draws rows: [Double], width: Int, count: Int,
                         chunk: Int, seed: UInt64) -> [Double] {
        let d = design.columns, q = design.rows
        let sigma = noiseVariance.squareRoot()
        let noise = RandomStream(seed: seed, stream: (1 << 32) + UInt64(chunk))
        var y = [Double](repeating: 0, count: count * q)
        for r in 0..<count {
            for i in 0..<q {
                var value = offsets?[i] ?? 0
                for j in 0..<d { value += design[i, j] * rows[r * width + 1 + j] }
                y[r * q + i] = value + sigma * noise.standardNormal()
            }
        }
        return y
    }
}
