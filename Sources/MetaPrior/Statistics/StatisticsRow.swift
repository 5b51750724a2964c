// SPDX-License-Identifier: GPL-3.0-or-later

/// One task's row of a statistics file, parsed and checked: `task,n,c,b_1..b_d,upper(A)`.
struct StatisticsRow {
    let dimension: Int
    var id = ""
    var count = 0
    var targetSquare = 0.0
    var cross: [Double]
    /// The upper triangle of A, row by row (d(d+1)/2).
    var upper: [Double]
    /// Scratch for the factorisation of [A b; bᵀ c].
    private var work: [Double]

    init(dimension d: Int) {
        dimension = d
        cross = [Double](repeating: 0, count: d)
        upper = [Double](repeating: 0, count: d * (d + 1) / 2)
        work = [Double](repeating: 0, count: (d + 1) * (d + 1))
    }

    /// Unit roundoff of a double, 2⁻⁵³.
    static let unitRoundoff = 0x1p-53

    /// Reads the fields of the record `scanner` has just read (quotes already undone by the
    /// scanner, which the whole-file reader shares).
    mutating func parse(_ fields: [FieldRange], scanner: CSVScanner, file: String) throws {
        let d = dimension
        let expected = 3 + d + d * (d + 1) / 2
        let line = scanner.recordLine
        guard fields.count == expected else {
            throw InputError(file: file, line: line, kind: .malformed,
                             "\(fields.count) fields, expected \(expected) (task, n, c, \(d) of b and \(d * (d + 1) / 2) of A's upper triangle)")
        }
        id = scanner.string(fields[0])
        for field in 1..<expected {
            guard case .value(let v) = parseNumber(scanner.bytes, fields[field].start, fields[field].end) else {
                throw InputError(file: file, line: line, column: SufficientStatistics.columnNames(dimension: d)[field], kind: .badNumber,
                                 "\(InputError.quoted(scanner.string(fields[field]))) is not a finite number")
            }
            switch field {
            case 1:
                guard v >= 0 else {
                    throw InputError(file: file, line: line, column: "n", kind: .invalidValue, "task \(InputError.quoted(id)): n = \(v) is negative; a task's statistics are sums over its rows, so n counts them")
                }
                guard v == v.rounded(), v <= Double(Int32.max) * Double(Int32.max) else {
                    throw InputError(file: file, line: line, column: "n", kind: .invalidValue, "task \(InputError.quoted(id)): n = \(v) is not a whole number of rows")
                }
                count = Int(v)
            case 2: targetSquare = v
            case 3..<(3 + d): cross[field - 3] = v
            default: upper[field - 3 - d] = v
            }
        }
    }

    /// Checks that the numbers can be the statistics of some rows: n ≥ 1, c ≥ 0, A₁₁ = n (the
    /// first feature is the intercept, 1 on every row), and M = [A b; bᵀ c] = [Φ y]ᵀ[Φ y]
    /// positive semi-definite, which holds A ⪰ 0 and c ≥ bᵀA⁺b.
    ///
    /// Tolerance: a Gram matrix summed in floating point over n rows is off by at most
    /// γ_n·|Φ|ᵀ|Φ| entrywise, γ_n ≈ n·u (u = 2⁻⁵³), so its smallest eigenvalue is at least
    /// −n·u·tr(M). M is accepted when the Cholesky factorisation of M + 2·n·u·tr(M)·I
    /// succeeds (twice the bound, for the sums of merged shards).
    mutating func check(file: String, line: Int) throws {
        let d = dimension
        func fail(_ column: String, _ why: String) -> InputError {
            InputError(file: file, line: line, column: column, kind: .invalidValue, "task \(InputError.quoted(id)): \(why)")
        }
        guard count >= 1 else { throw fail("n", "n = 0: a task with no rows has no statistics; leave the row out") }
        guard targetSquare >= 0 else { throw fail("c", "c = \(targetSquare) is negative, but it is a sum of squares y²") }
        guard upper[0] == Double(count) else {
            throw fail("A_1_1", "A_1_1 = \(upper[0]) but n = \(count); the first feature is the intercept, so A_1_1 counts the rows")
        }
        // M = [A b; bᵀ c], row-major (d+1)².
        let m = d + 1
        var u = 0
        for j in 0..<d { for k in j..<d { work[j * m + k] = upper[u]; work[k * m + j] = upper[u]; u += 1 } }
        for j in 0..<d { work[j * m + d] = cross[j]; work[d * m + j] = cross[j] }
        work[d * m + d] = targetSquare
        var trace = targetSquare
        for j in 0..<d { trace += work[j * m + j] }
        let shift = 2 * Double(count) * Self.unitRoundoff * trace
        if !Self.choleskySucceeds(&work, size: d, stride: m, shift: shift) {
            throw fail("A", "A is not positive semi-definite (its Cholesky factorisation with A + \(significant(shift, 3))·I fails), so no rows have these statistics")
        }
        u = 0
        for j in 0..<d { for k in j..<d { work[j * m + k] = upper[u]; work[k * m + j] = upper[u]; u += 1 } }
        if !Self.choleskySucceeds(&work, size: m, stride: m, shift: shift) {
            throw fail("c", "[A b; bᵀ c] is not positive semi-definite (c = \(targetSquare) is less than bᵀA⁺b, the squared length of y's fit), so no rows have these statistics")
        }
    }

    /// Whether the leading `size`×`size` block of `a` (row-major with `stride`) plus
    /// `shift`·I has a Cholesky factor; overwrites the block.
    static func choleskySucceeds(_ a: inout [Double], size n: Int, stride: Int, shift: Double) -> Bool {
        for j in 0..<n { a[j * stride + j] += shift }
        for j in 0..<n {
            var pivot = a[j * stride + j]
            for k in 0..<j { pivot -= a[j * stride + k] * a[j * stride + k] }
            guard pivot > 0 else { return false }
            let root = pivot.squareRoot()
            a[j * stride + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var v = a[i * stride + j]
                for k in 0..<j { v -= a[i * stride + k] * a[j * stride + k] }
                a[i * stride + j] = v / root
            }
        }
        return true
    }
}
