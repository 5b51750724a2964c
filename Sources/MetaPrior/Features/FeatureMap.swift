// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A basis made concrete: f(x) ∈ R^d for inputs x ∈ R^p, with everything needed to rebuild it
/// (centres, widths, periods, random frequencies) so that a prior file alone reproduces the
/// features on a new task. Every basis starts with an intercept feature.
public struct FeatureMap: Sendable, Equatable, Codable {
    /// The spec the map was built from, e.g. `rbf:20`.
    public let spec: String
    /// Names of the input columns, in the order the map reads them.
    public let inputNames: [String]
    /// Names of the features, in order (`(Intercept)`, `x`, `x^2`, `rbf.1`, …).
    public let featureNames: [String]
    /// Polynomial degree (poly).
    public let degree: Int?
    /// RBF centres, one row per centre (rbf).
    public let centres: [[Double]]?
    /// RBF width (rbf) or RFF lengthscale (rff).
    public let width: Double?
    /// Start of the period of each input (fourier): its smallest meta-train value; the input
    /// enters the harmonics as t = 2π (x − origin) / period.
    public let origins: [Double]?
    /// Length of the period of each input, in the input's units (fourier): its meta-train
    /// range (1 when the range is empty), so the harmonics span the data once.
    public let periods: [Double]?
    /// Number of harmonics (fourier).
    public let harmonics: Int?
    /// Random frequencies ω_k, one row per feature (rff): f_k(x) ∝ cos(ω_kᵀx + b_k).
    public let frequencies: [[Double]]?
    /// Random phases b_k ~ U[0, 2π), one per feature (rff); ω_k ~ N(0, I/ℓ²) for the
    /// lengthscale ℓ in ``width``.
    public let phases: [Double]?
    /// Seed of the random features (rff).
    public let seed: UInt64?
    /// Mean of each feature after the intercept over the meta-train rows (rbf, rff), subtracted
    /// from it: f_k(x) − c_k. The RBF bumps sum to nearly a constant, so uncentred they are
    /// almost collinear with the intercept, and a fitted μ reads "intercept −31, every weight
    /// +12"; centred, the intercept is the mean level of the data. With a full Σ this is an
    /// exact reparametrisation (φ ↦ Tφ for an invertible T), so the marginal likelihood and
    /// every prediction are unchanged. `nil` (every file written before it existed): not
    /// centred.
    public let centring: [Double]?

    enum CodingKeys: String, CodingKey {
        case spec, inputNames = "inputs", featureNames = "features", degree, centres, width,
             origins, periods, harmonics, frequencies, phases, seed, centring
    }

    /// Number of features d.
    public var dimension: Int { featureNames.count }

    /// Builds the map for `spec` from the meta-train inputs (their range places RBF centres
    /// and Fourier periods). A learned spec (`rbf:K:auto`, …) gets its hyperparameter
    /// `scale` times its default (see ``LearnableBasis/scaleRange``); `nil` means 1.
    /// - Throws: ``InputError`` when the inputs cannot support the basis (e.g. no input columns
    ///   for an RBF basis, or a constant input), or for `auto`, which names no single basis.
    public init(spec: BasisSpec, inputNames: [String], trainingInputs: [Matrix], scale: Double? = nil) throws {
        let p = inputNames.count
        var lower = [Double](repeating: .infinity, count: p)
        var upper = [Double](repeating: -.infinity, count: p)
        for inputs in trainingInputs {
            for i in 0..<inputs.rows { for j in 0..<p {
                lower[j] = Swift.min(lower[j], inputs[i, j]); upper[j] = Swift.max(upper[j], inputs[i, j])
            } }
        }
        func requireInputs() throws {
            guard p > 0 else { throw InputError(column: "--basis", "\(InputError.quoted("\(spec)")) needs at least one input column") }
            guard lower.allSatisfy({ $0.isFinite }) else {
                throw InputError(column: "--basis", "\(InputError.quoted("\(spec)")) needs meta-train observations to place its features")
            }
        }
        var names = ["(Intercept)"]
        var degree: Int?, centres: [[Double]]?, width: Double?, origins: [Double]?, periods: [Double]?
        var harmonics: Int?, frequencies: [[Double]]?, phases: [Double]?, seed: UInt64?
        let ranges = zip(lower, upper).map { $1 - $0 }
        let meanRange = p > 0 ? ranges.reduce(0, +) / Double(p) : 0
        /// The default width of K RBF centres: their spacing (1 when the inputs are constant).
        func spacing(_ K: Int) -> Double {
            let s = meanRange / Swift.max(1, pow(Double(K), 1 / Double(p)) - (p == 1 ? 1 : 0))
            return s > 0 ? s : 1
        }
        func randomFeatures(_ K: Int, _ lengthscale: Double, _ s: UInt64) {
            seed = s
            width = lengthscale
            let stream = RandomStream(seed: s)
            frequencies = (0..<K).map { _ in (0..<p).map { _ in stream.standardNormal() / lengthscale } }
            phases = (0..<K).map { _ in 2 * Double.pi * stream.uniform() }
            names += (1...K).map { "rff.\($0)" }
        }
        let factor = scale ?? 1
        guard factor.isFinite, factor > 0 else {
            throw InputError(column: "--basis", kind: .invalidValue, "the scale of '\(spec)' must be a positive number, got \(factor)")
        }
        switch spec {
        case .automatic:
            throw InputError(column: "--basis", "'auto' names a set of candidate bases, not one basis to build")
        case .pca:
            throw InputError(column: "--basis", "'\(spec)' is a feature basis of the class families (class_gaussian, softmax), not of a regression")
        case .learned(.radial(let K)):
            try requireInputs()
            centres = FeatureMap.spreadCentres(count: K, lower: lower, upper: upper)
            width = factor * spacing(K)
            names += (1...K).map { "rbf.\($0)" }
        case .learned(.fourier(let K)):
            try requireInputs()
            harmonics = K
            origins = lower
            periods = ranges.map { factor * ($0 > 0 ? $0 : 1) }
            for name in inputNames { for k in 1...K { names += ["sin\(k).\(name)", "cos\(k).\(name)"] } }
        case .learned(.randomFourier(let K, let s)):
            try requireInputs()
            randomFeatures(K, factor * LearnableBasis.randomFourierLengthscale(meanRange: meanRange), s)
        case .linear:
            names += inputNames
        case .polynomial(let P):
            degree = P
            for name in inputNames { for k in 1...P { names.append(k == 1 ? name : "\(name)^\(k)") } }
        case .radial(let K, let w):
            try requireInputs()
            let c = FeatureMap.spreadCentres(count: K, lower: lower, upper: upper)
            centres = c
            width = w ?? spacing(K)
            names += (1...K).map { "rbf.\($0)" }
        case .fourier(let K, let period):
            try requireInputs()
            harmonics = K
            origins = lower
            periods = zip(lower, upper).map { period ?? (($1 - $0) > 0 ? $1 - $0 : 1) }
            for name in inputNames { for k in 1...K { names += ["sin\(k).\(name)", "cos\(k).\(name)"] } }
        case .randomFourier(let K, let lengthscale, let s):
            try requireInputs()
            randomFeatures(K, lengthscale, s)
        }
        guard names.count <= FeatureMap.maximumDimension else {
            throw InputError(column: "--basis", "'\(spec)' with \(p) inputs gives \(names.count) features, more than the \(FeatureMap.maximumDimension) allowed")
        }
        let built = FeatureMap(spec: spec.description, inputNames: inputNames, featureNames: names, degree: degree, centres: centres,
                               width: width, origins: origins, periods: periods, harmonics: harmonics, frequencies: frequencies,
                               phases: phases, seed: seed, centring: nil)
        self = centres != nil || frequencies != nil ? try built.centred(trainingInputs) : built
    }

    private init(spec: String, inputNames: [String], featureNames: [String], degree: Int?, centres: [[Double]]?, width: Double?,
                 origins: [Double]?, periods: [Double]?, harmonics: Int?, frequencies: [[Double]]?, phases: [Double]?,
                 seed: UInt64?, centring: [Double]?) {
        self.spec = spec
        self.inputNames = inputNames
        self.featureNames = featureNames
        self.degree = degree
        self.centres = centres
        self.width = width
        self.origins = origins
        self.periods = periods
        self.harmonics = harmonics
        self.frequencies = frequencies
        self.phases = phases
        self.seed = seed
        self.centring = centring
    }

    /// This map with ``centring`` set to the mean of each uncentred feature (after the
    /// intercept) over all rows of `inputs`.
    private func centred(_ inputs: [Matrix]) throws -> FeatureMap {
        let d = dimension
        var sum = [Double](repeating: 0, count: d)
        var rows = 0
        for matrix in inputs where matrix.rows > 0 {
            let design = try self.design(matrix)
            for i in 0..<matrix.rows { for k in 1..<d { sum[k] += design[i, k] } }
            rows += matrix.rows
        }
        guard rows > 0 else { return self }
        return withCentring((1..<d).map { sum[$0] / Double(rows) })
    }

    /// This map with another ``centring`` (`nil`: not centred); the caller keeps its length
    /// d − 1.
    func withCentring(_ centring: [Double]?) -> FeatureMap {
        FeatureMap(spec: spec, inputNames: inputNames, featureNames: featureNames, degree: degree, centres: centres, width: width,
                   origins: origins, periods: periods, harmonics: harmonics, frequencies: frequencies, phases: phases, seed: seed,
                   centring: centring)
    }

    /// K centres over the box [lower, upper]: evenly spaced for one input, the first K points
    /// of a Halton sequence for several (deterministic, and low-discrepancy so the box is
    /// covered evenly whatever K is).
    static func spreadCentres(count K: Int, lower: [Double], upper: [Double]) -> [[Double]] {
        if lower.count == 1 {
            if K == 1 { return [[(lower[0] + upper[0]) / 2]] }
            return (0..<K).map { [lower[0] + (upper[0] - lower[0]) * Double($0) / Double(K - 1)] }
        }
        let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71]
        return (1...K).map { index in
            lower.indices.map { j in
                let base = primes[j % primes.count]
                var f = 1.0, r = 0.0, i = index
                while i > 0 { f /= Double(base); r += f * Double(i % base); i /= base }
                return lower[j] + (upper[j] - lower[j]) * r
            }
        }
    }

    /// Writes f(x) for one input row into `out` (length ``dimension``).
    ///
    /// A map built by ``init(spec:inputNames:trainingInputs:scale:)`` or read by ``init(from:)`` holds
    /// exactly the fields its spec needs, so the writes below stay inside `out`; the
    /// precondition guards the caller's buffers, since an unchecked write would corrupt memory.
    public func features(of x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let p = inputNames.count
        precondition(x.count >= p && out.count >= dimension, "FeatureMap.features: buffers shorter than the inputs or features")
        out[0] = 1
        var k = 1
        if let centres, let width {
            let scale = -0.5 / (width * width)
            for c in centres {
                var distance = 0.0
                for j in 0..<p { let d = x[j] - c[j]; distance += d * d }
                out[k] = exp(scale * distance); k += 1
            }
        } else if let frequencies, let phases {
            let amplitude = (2 / Double(frequencies.count)).squareRoot()
            for (omega, phase) in zip(frequencies, phases) {
                var dot = phase
                for j in 0..<p { dot += omega[j] * x[j] }
                out[k] = amplitude * cos(dot); k += 1
            }
        } else if let harmonics, let origins, let periods {
            for j in 0..<p {
                let t = 2 * Double.pi * (x[j] - origins[j]) / periods[j]
                for h in 1...harmonics { out[k] = sin(Double(h) * t); out[k + 1] = cos(Double(h) * t); k += 2 }
            }
        } else if let degree {
            for j in 0..<p {
                var power = 1.0
                for _ in 1...degree { power *= x[j]; out[k] = power; k += 1 }
            }
        } else {
            for j in 0..<p { out[k] = x[j]; k += 1 }
        }
        if let centring {
            for j in centring.indices { out[j + 1] -= centring[j] }
        }
    }

    /// The design matrix Φ (n × d) of a task's inputs (n × p).
    public func design(_ inputs: Matrix) throws -> Matrix {
        guard inputs.columns == inputNames.count else {
            throw InputError("the data have \(inputs.columns) input columns, the basis expects \(inputNames.count) (\(InputError.list(inputNames)))")
        }
        let d = dimension
        var rows = [Double](repeating: 0, count: inputs.rows * d)
        inputs.elements.withUnsafeBufferPointer { x in
            rows.withUnsafeMutableBufferPointer { out in
                for i in 0..<inputs.rows {
                    features(of: UnsafeBufferPointer(rebasing: x[(i * inputs.columns)..<((i + 1) * inputs.columns)]),
                             into: UnsafeMutableBufferPointer(rebasing: out[(i * d)..<((i + 1) * d)]))
                }
            }
        }
        // Finite inputs can still overflow a feature (x^20 of a poly basis, x far from a Fourier
        // origin); say so here rather than as a failed factorisation further on.
        if let bad = rows.firstIndex(where: { !$0.isFinite }) {
            throw InputError(column: inputNames.joined(separator: ", "), kind: .invalidValue,
                             "row \(bad / d + 1): feature '\(featureNames[bad % d])' of the basis '\(spec)' is \(rows[bad]); the input values are too large for this basis")
        }
        return try Matrix(rows: inputs.rows, columns: d, elements: rows)
    }
}
