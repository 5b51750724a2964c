// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A `pca:k` feature basis for the class families (`class_gaussian`, `softmax`): a point x is
/// read as z = C (x − m), with m the meta-train mean and C's k rows the leading eigenvectors
/// of the meta-train sample covariance (largest eigenvalue first).
///
/// The basis is fitted once on all meta-train inputs (pooled over tasks and classes, which is
/// unsupervised, so no label leaks into it) and stored in the prior file, so that `predict`
/// and `evaluate --ways` read the raw columns and project them the same way.
///
/// An eigenvector's sign is arbitrary (GSL may return either), so each row of C is flipped to
/// make its largest-|entry| positive (the first such entry on a tie): the same data then give
/// the same file on every machine, and tests can compare against NumPy's `eigh`.
///
/// Prior-file object (key `features`): `kind` (`pca`), `mean` (m, d entries) and `components`
/// (C, k rows of d entries, orthonormal). Every value is validated when read.
public struct PCAFeatures: Codable, Equatable, Sendable {
    /// m: the meta-train mean of each input.
    public let mean: [Double]
    /// C: k orthonormal rows of length d, by decreasing explained variance.
    public let components: [[Double]]

    /// k, the number of features.
    public var count: Int { components.count }
    /// The feature names `pc1` … `pck`.
    public var names: [String] { (1...count).map { "pc\($0)" } }

    /// Rows whose entries differ from orthonormal by more than this are refused when read.
    /// GSL's eigenvectors are orthonormal to ~1e-15·d; 1e-6 also accepts a file whose numbers
    /// were rounded to 8 significant digits, and refuses anything not meant as a rotation.
    static let orthonormalityTolerance = 1e-6

    /// Validates a basis (as read from a prior file).
    /// - Parameters:
    ///   - mean: m, one entry per input.
    ///   - components: C, 1 ≤ k ≤ d rows of d finite entries, orthonormal.
    /// - Throws: ``InputError`` naming `features` for any violation.
    public init(mean: [Double], components: [[Double]]) throws {
        func fail(_ why: String) -> InputError { InputError(column: "features", kind: .invalidValue, why) }
        let d = mean.count
        guard d >= 1 else { throw fail("the pca mean is empty") }
        guard mean.allSatisfy(\.isFinite) else { throw fail("the pca mean has non-finite entries") }
        guard !components.isEmpty, components.count <= d else {
            throw fail("pca needs 1 to \(d) components (the number of inputs), not \(components.count)")
        }
        guard components.allSatisfy({ $0.count == d }) else { throw fail("every pca component needs \(d) entries, one per input") }
        guard components.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw fail("the pca components have non-finite entries") }
        for i in components.indices {
            for j in i..<components.count {
                let dot = zip(components[i], components[j]).reduce(0) { $0 + $1.0 * $1.1 }
                guard abs(dot - (i == j ? 1 : 0)) <= Self.orthonormalityTolerance else {
                    throw fail("the pca components are not orthonormal (row \(i + 1) · row \(j + 1) = \(dot))")
                }
            }
        }
        self.mean = mean
        self.components = components
    }

    /// Fits the basis on meta-train points.
    /// - Parameters:
    ///   - points: the meta-train inputs, one point per entry, each of d entries.
    ///   - k: the number of components (the argument `count:`), from 1 to d.
    /// - Throws: ``InputError`` (column `--basis`) for k outside 1…d or fewer than 2 points.
    public init(fitting points: [[Double]], count k: Int) throws {
        let d = points.first?.count ?? 0
        guard points.count >= 2, d >= 1 else {
            throw InputError(column: "--basis", kind: .invalidValue, "pca needs at least two meta-train points")
        }
        guard k >= 1, k <= d else {
            throw InputError(column: "--basis", kind: .invalidValue, "pca:\(k) asks for \(k) components, but the data have \(d) inputs (k must be 1 to \(d))")
        }
        let n = Double(points.count)
        var mean = [Double](repeating: 0, count: d)
        for x in points { for j in 0..<d { mean[j] += x[j] } }
        mean = mean.map { $0 / n }
        // The sample covariance with NumPy's divisor N − 1 (np.cov); the divisor scales the
        // eigenvalues only, not the basis.
        var covariance = [Double](repeating: 0, count: d * d)
        for x in points {
            for i in 0..<d {
                let a = x[i] - mean[i]
                for j in i..<d { covariance[i * d + j] += a * (x[j] - mean[j]) }
            }
        }
        for i in 0..<d { for j in i..<d { covariance[i * d + j] /= n - 1; covariance[j * d + i] = covariance[i * d + j] } }
        let eigen = try SymmetricEigen(Matrix(rows: d, columns: d, elements: covariance))
        // Ascending eigenvalues: the last k columns, largest first.
        let rows = (0..<k).map { r -> [Double] in
            let column = d - 1 - r
            let v = (0..<d).map { eigen.vectors[$0, column] }
            let pivot = v.indices.max { abs(v[$0]) < abs(v[$1]) || (abs(v[$0]) == abs(v[$1]) && $0 > $1) } ?? 0
            return v[pivot] < 0 ? v.map { -$0 } : v
        }
        try self.init(mean: mean, components: rows)
    }

    /// z = C (x − m).
    /// - Parameter x: a point of d entries.
    public func project(_ x: [Double]) -> [Double] {
        components.map { c in zip(c, zip(x, mean)).reduce(0) { $0 + $1.0 * ($1.1.0 - $1.1.1) } }
    }

    enum CodingKeys: String, CodingKey { case kind, mean, components }

    /// Writes `kind: "pca"`, `mean` and `components`.
    /// - Parameter encoder: positioned at the `features` object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("pca", forKey: .kind)
        try container.encode(mean, forKey: .mean)
        try container.encode(components, forKey: .components)
    }

    /// Reads and validates (``init(mean:components:)``).
    /// - Parameter decoder: positioned at the `features` object.
    /// - Throws: `DecodingError` for missing or mistyped keys, ``InputError`` for another kind or invalid values.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        guard kind == "pca" else {
            throw InputError(column: "features", kind: .invalidValue, "unknown feature kind \(InputError.quoted(kind)); this version reads pca")
        }
        try self.init(mean: try container.decode([Double].self, forKey: .mean),
                      components: try container.decode([[Double]].self, forKey: .components))
    }
}
