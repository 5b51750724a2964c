// SPDX-License-Identifier: GPL-3.0-or-later

/// A dense matrix of `Double`, row-major, whose storage Swift owns (copy-on-write).
///
/// GSL sees it only through views made inside `withUnsafe…` scopes (see
/// `Matrix+GSLView.swift`), so no GSL allocation happens per call and no pointer escapes.
public struct Matrix: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row after row (`elements[i * columns + j]` is row i, column j).
    public var elements: [Double] { storage }
    @usableFromInline var storage: [Double]

    /// A matrix from its rows, in row-major order.
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

    /// A matrix filled with one value.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from nested row arrays.
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

    /// The n×n identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A diagonal matrix.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var m = Matrix(rows: values.count, columns: values.count)
        for (i, v) in values.enumerated() { m[i, i] = v }
        return m
    }

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

    /// The largest absolute difference from its transpose.
    public var asymmetry: Double {
        guard isSquare else { return .infinity }
        var worst = 0.0
        for i in 0..<rows { for j in (i + 1)..<Swift.max(i + 1, columns) {
            worst = Swift.max(worst, abs(self[i, j] - self[j, i]))
        } }
        return worst
    }

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
