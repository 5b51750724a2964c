// SPDX-License-Identifier: GPL-3.0-or-later

/// A dense matrix of `Double`, row-major, whose storage Swift owns (copy-on-write).
///
/// GSL sees it only through `gsl_matrix_view_array` views made inside `withUnsafe…` scopes,
/// so no GSL allocation happens per call and no pointer escapes. Entry (i, j) is
/// `elements[i * columns + j]`, indices from 0. Products go through GSL's BLAS
/// (``multiplied(by:transposeLeft:transposeRight:)``); factorisations are types of their own
/// (``Cholesky``, ``LUDecomposition``, ``SymmetricEigen``).
public struct Matrix: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row after row (`elements[i * columns + j]` is row i, column j).
    public var elements: [Double] { storage }
    @usableFromInline var storage: [Double]

    /// A matrix from its entries, row after row (row-major order).
    /// - Throws: ``GSLError/Code/badLength`` if `elements.count != rows * columns`.
    public init(rows: Int, columns: Int, elements: [Double]) throws {
        guard rows >= 0, columns >= 0, elements.count == rows * columns else {
            throw GSLError(.badLength, operation: "Matrix",
                           reason: "\(elements.count) entries cannot fill \(rows)×\(columns)")
        }
        self.rows = rows
        self.columns = columns
        self.storage = elements
    }

    /// A `rows`×`columns` matrix with every entry equal to `value` (zero by default).
    ///
    /// - Precondition: `rows ≥ 0` and `columns ≥ 0`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from nested row arrays, `[[a11, a12], [a21, a22]]` (the prior file's layout).
    /// - Throws: ``GSLError/Code/badLength`` if the rows are ragged.
    public init(_ nestedRows: [[Double]]) throws {
        let columns = nestedRows.first?.count ?? 0
        for (index, row) in nestedRows.enumerated() where row.count != columns {
            throw GSLError(.badLength, operation: "Matrix",
                           reason: "row \(index + 1) has \(row.count) entries, expected \(columns)")
        }
        self.rows = nestedRows.count
        self.columns = columns
        self.storage = nestedRows.flatMap { $0 }
    }

    /// The n×n identity matrix I.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// The square matrix with `values` on its diagonal and zeros elsewhere.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var m = Matrix(rows: values.count, columns: values.count)
        for (i, v) in values.enumerated() { m[i, i] = v }
        return m
    }

    /// The entry in row `row` and column `column`, both counted from 0.
    ///
    /// - Precondition: both indices are in range (checked by the array's bounds check).
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Whether the matrix is square.
    public var isSquare: Bool { rows == columns }

    /// The rows as nested arrays (the JSON layout of a prior file).
    public var nestedRows: [[Double]] {
        (0..<rows).map { Array(elements[($0 * columns)..<(($0 + 1) * columns)]) }
    }

    /// The diagonal entries.
    public var diagonalEntries: [Double] { (0..<Swift.min(rows, columns)).map { self[$0, $0] } }

    /// The sum of the diagonal.
    public var trace: Double { diagonalEntries.reduce(0, +) }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    /// Whether every entry is finite (no NaN, no infinity).
    public var isFinite: Bool { elements.allSatisfy { $0.isFinite } }

    /// max_ij |a_ij − a_ji|, the largest absolute difference from the transpose (+∞ for a
    /// matrix that is not square).
    public var asymmetry: Double {
        guard isSquare else { return .infinity }
        var worst = 0.0
        for i in 0..<rows { for j in (i + 1)..<Swift.max(i + 1, columns) {
            worst = Swift.max(worst, abs(self[i, j] - self[j, i]))
        } }
        return worst
    }

    /// The rows, one per line, as `[a, b, c]`.
    public var description: String {
        nestedRows.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }
            .joined(separator: "\n")
    }
}

extension Matrix {
    /// Checks that the matrix is square, finite and (to round-off) symmetric, as a covariance
    /// or precision must be.
    func validateSymmetric(_ operation: String) throws {
        guard isSquare else {
            throw GSLError(.notSquare, operation: operation, reason: "matrix is \(rows)×\(columns), not square")
        }
        try validateFinite(operation)
        let scale = elements.reduce(0) { Swift.max($0, abs($1)) }
        guard asymmetry <= 1e-8 * Swift.max(scale, 1) else {
            throw GSLError.invalid(operation, "matrix is not symmetric (largest |a_ij − a_ji| = \(asymmetry))")
        }
    }

    /// Checks that no entry is NaN or infinite.
    func validateFinite(_ operation: String) throws {
        if let index = elements.firstIndex(where: { !$0.isFinite }) {
            throw GSLError.invalid(operation,
                "entry (\(index / Swift.max(columns, 1) + 1), \(index % Swift.max(columns, 1) + 1)) is \(elements[index])")
        }
    }
}

/// Checks a vector for NaN or infinite entries.
func validateFinite(_ vector: [Double], _ operation: String, name: String = "vector") throws {
    if let index = vector.firstIndex(where: { !$0.isFinite }) {
        throw GSLError.invalid(operation, "\(name) entry \(index + 1) is \(vector[index])")
    }
}

/// Checks that a vector has the expected length.
func validateLength(_ vector: [Double], _ expected: Int, _ operation: String, name: String = "vector") throws {
    guard vector.count == expected else {
        throw GSLError(.badLength, operation: operation,
                       reason: "\(name) has \(vector.count) entries, expected \(expected)")
    }
}
