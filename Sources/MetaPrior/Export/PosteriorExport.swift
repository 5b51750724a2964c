// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The CSV files of adaptation and prediction.
public enum PosteriorExport {
    /// Stan-style parameter names `phi.1` … `phi.d`.
    public static func parameterNames(_ d: Int) -> [String] { (1...Swift.max(d, 1)).prefix(d).map { "phi.\($0)" } }

    /// Posterior draws of φ: comments (`provenance` plus the parameter names), then
    /// `lp__,phi.1,…,phi.d`, one row per draw.
    public static func drawsCSV(_ posterior: GaussianPosterior, features: [String], draws: Int, seed: UInt64,
                                provenance: [(String, String)]) -> [UInt8] {
        // Drawn and formatted chunk by chunk (the chunks of GaussianPosterior.sample, so the
        // same draws), straight into the file's bytes: no whole-sample arrays.
        let d = posterior.mean.count
        let names = parameterNames(d)
        var comments = provenance
        comments.append(("parameters", zip(names, features).map { "\($0) = \($1)" }.joined(separator: ", ")))
        comments.append(("lp__", "log posterior density of the draw, log N(phi; m, S)"))
        var head = CSVWriter()
        head.row(["lp__"] + names)
        let active = posterior.activeCoordinates
        return SampleCSV.formattedRows(prefix: SampleCSV.comments(comments) + head.bytes, rows: draws, columns: d + 1,
                                       leadingIndex: false, chunkSize: GaussianPosterior.drawsPerStream) { chunk, range, values in
            posterior.draw(chunk: chunk, range: range, seed: seed, active: active,
                           phi: values + 1, phiStride: d + 1, logDensity: values, logDensityStride: d + 1)
        }
    }

    /// Per parameter: prior and posterior mean, sd and central interval at `level`.
    public static func summaryCSV(prior: GaussianPrior, posterior: GaussianPosterior, features: [String], level: Double) throws -> [UInt8] {
        var writer = CSVWriter()
        writer.row(["parameter", "feature", "prior_mean", "prior_sd", "posterior_mean", "posterior_sd", "lower", "upper"])
        let priorSD = prior.standardDeviations, postSD = posterior.standardDeviations
        for j in 0..<prior.dimension {
            let interval = try interval(mean: posterior.mean[j], sd: postSD[j], level: level)
            writer.field("phi.\(j + 1)")
            writer.field(features[j])
            for v in [prior.mean[j], priorSD[j], posterior.mean[j], postSD[j], interval.lower, interval.upper] { writer.field(v) }
            writer.endRow()
        }
        return writer.bytes
    }

    /// Predictive mean, sd and central interval at `level` for each query row.
    public static func predictionsCSV(_ posterior: GaussianPosterior, basis: FeatureMap, queries: Matrix, level: Double) throws -> [UInt8] {
        let design = try basis.design(queries)
        var writer = CSVWriter()
        writer.row(basis.inputNames + ["mean", "sd", "lower", "upper"])
        for i in 0..<queries.rows {
            let f = (0..<design.columns).map { design[i, $0] }
            let (mean, variance) = posterior.predictive(features: f)
            let sd = variance.squareRoot()
            let interval = try interval(mean: mean, sd: sd, level: level)
            for j in 0..<queries.columns { writer.field(queries[i, j]) }
            for v in [mean, sd, interval.lower, interval.upper] { writer.field(v) }
            writer.endRow()
        }
        return writer.bytes
    }

    /// Predictive draws y = f(x)ᵀφ + ε, φ from the posterior, ε ~ N(0, σ²): columns `draw`,
    /// the query inputs, `y`; one row per draw and query point. Draw k uses the φ of
    /// ``drawsCSV`` draw k (same seed), and the noise of substream 2^32 + ⌊k / 4096⌋.
    public static func predictiveDrawsCSV(_ posterior: GaussianPosterior, basis: FeatureMap, queries: Matrix,
                                          draws: Int, seed: UInt64, provenance: [(String, String)]) throws -> [UInt8] {
        let design = try basis.design(queries)
        var phi: [Double] = [], lp: [Double] = []
        posterior.sample(count: draws, seed: seed, into: &phi, logDensity: &lp)
        let d = design.columns, q = queries.rows, p = queries.columns
        let sigma = posterior.noiseVariance.squareRoot()
        var rows = [Double](repeating: 0, count: draws * q * (p + 2))
        rows.withUnsafeMutableBufferPointer { out in
            DeterministicParallel.forEachChunk(count: draws, chunkSize: GaussianPosterior.drawsPerStream) { chunk, range in
                let noise = RandomStream(seed: seed, stream: (1 << 32) + UInt64(chunk))
                for k in range {
                    for i in 0..<q {
                        var y = 0.0
                        for j in 0..<d { y += design[i, j] * phi[k * d + j] }
                        y += sigma * noise.standardNormal()
                        let row = (k * q + i) * (p + 2)
                        out[row] = Double(k + 1)
                        for j in 0..<p { out[row + 1 + j] = queries[i, j] }
                        out[row + 1 + p] = y
                    }
                }
            }
        }
        var writer = CSVWriter()
        writer.row(["draw"] + basis.inputNames + ["y"])
        for r in 0..<(draws * q) {
            writer.field(Int(rows[r * (p + 2)]))
            for j in 0..<(p + 1) { writer.field(rows[r * (p + 2) + 1 + j]) }
            writer.endRow()
        }
        return SampleCSV.comments(provenance) + writer.bytes
    }

    static func interval(mean: Double, sd: Double, level: Double) throws -> (lower: Double, upper: Double) {
        guard sd > 0 else { return (mean, mean) }
        return try Normal(mean: mean, standardDeviation: sd).centralInterval(level: level)
    }
}
