// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The values of one data column as a formula sees them: numbers, or text read as a factor.
public enum FormulaColumn: Sendable, Equatable {
    /// A numeric column.
    case numeric([Double])
    /// A text column: a factor whose levels are its distinct values.
    case text([String])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .numeric(let values): return values.count
        case .text(let values): return values.count
        }
    }
}

/// How one side of a formula turns data columns into design columns, as R's `model.matrix` does:
/// fixed once from the meta-train data (the factor levels) and stored, so that a new task is
/// coded exactly as the tasks the prior was fitted on.
///
/// Factors use treatment contrasts: the first level in sort order is the reference, and a
/// coded column is named as R names it, the column name then the level (`SexMale`). Within a
/// term, a factor is coded by contrasts (levels 2…m) when the term without that factor is also
/// in the model — the intercept standing for the empty term — and by indicators of every level
/// otherwise (R's rule, so `0 + Sex` gives `SexFemale` and `SexMale`). An interaction's columns
/// are the products of its variables' columns, the first variable varying fastest, named with
/// `:` (`age:SexMale`).
public struct FormulaDesign: Sendable, Equatable {
    /// How a variable of a term is coded.
    public enum Coding: Sendable, Equatable {
        /// A numeric column, or a power of one, used as it is.
        case numeric(Variable)
        /// A factor by treatment contrasts: indicators of `levels` after the first.
        case contrasts(column: String, levels: [String])
        /// A factor by indicators of every level.
        case indicators(column: String, levels: [String])
        /// `basis(x)`: the features of a numeric column in a feature map, after its intercept.
        case basis(FeatureMap)
    }

    /// Whether the design starts with the intercept column `(Intercept)`.
    public var intercept: Bool
    /// Per term, the coding of each of its variables, in the term's order.
    public var terms: [[Coding]]

    /// The design of `list` for data whose columns are `columns` (text columns give the factor
    /// levels, sorted by Unicode code points — R's order in the C locale); `basis` is the
    /// feature map of a `basis(x)` term (built on the meta-train values of x).
    /// - Throws: ``InputError`` naming a missing column, a power of a text column, a factor
    ///   with a single level where contrasts need two, or `basis(x)` without a map for x.
    public init(_ list: TermList, columns: [String: FormulaColumn], basis: FeatureMap? = nil) throws {
        intercept = list.intercept
        var coded: [[Coding]] = []
        for term in list.terms {
            var codings: [Coding] = []
            for variable in term.variables {
                guard let data = columns[variable.column] else {
                    throw InputError(column: variable.column, kind: .missingColumn, "the formula names the column \(InputError.quoted(variable.column)), which the data do not have")
                }
                switch (variable, data) {
                case (.basis(let name), .numeric):
                    guard let basis, basis.inputNames == [name] else {
                        throw InputError(column: "--basis", kind: .invalidValue, "basis(\(name)) needs a feature basis of the column \(InputError.quoted(name)) (--basis)")
                    }
                    codings.append(.basis(basis))
                case (_, .numeric):
                    codings.append(.numeric(variable))
                case (.power, .text), (.basis, .text):
                    throw InputError(column: variable.column, kind: .invalidValue, "\(variable) needs a numeric column, but \(InputError.quoted(variable.column)) holds text")
                case (.column(let name), .text(let values)):
                    let levels = Array(Set(values)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
                    let rest = Term(term.variables.filter { $0 != variable })
                    let marginPresent = rest.variables.isEmpty ? list.intercept : list.terms.contains { $0.sameVariables(as: rest) }
                    if marginPresent {
                        guard levels.count >= 2 else {
                            throw InputError(column: name, kind: .invalidValue, "the factor \(InputError.quoted(name)) has a single level (\(InputError.quoted(levels.first ?? ""))), so its contrasts are empty; leave it out of the formula")
                        }
                        codings.append(.contrasts(column: name, levels: levels))
                    } else {
                        codings.append(.indicators(column: name, levels: levels))
                    }
                }
            }
            coded.append(codings)
        }
        terms = coded
    }

    /// The feature map of the design's `basis(x)` terms, if it has any.
    public var basisMap: FeatureMap? {
        for codings in terms { for case .basis(let map) in codings { return map } }
        return nil
    }

    /// The design's column names, as R's `colnames(model.matrix(…))`.
    public var columnNames: [String] {
        var names = intercept ? ["(Intercept)"] : []
        for codings in terms {
            var combined = [""]
            for coding in codings {
                let parts: [String]
                switch coding {
                case .numeric(let variable): parts = [variable.description]
                case .contrasts(let column, let levels): parts = levels.dropFirst().map { column + $0 }
                case .indicators(let column, let levels): parts = levels.map { column + $0 }
                case .basis(let map): parts = Array(map.featureNames.dropFirst())
                }
                // The first variable varies fastest.
                combined = product(combined, parts)
            }
            names += combined
        }
        return names
    }

    /// Every pairing, the left side varying fastest, joined by `:`.
    private func product(_ left: [String], _ right: [String]) -> [String] {
        var out: [String] = []
        for r in right {
            for l in left { out.append(l.isEmpty ? r : l + ":" + r) }
        }
        return out
    }

    /// The design matrix's rows for `columns`: row-major, ``columnNames`` wide.
    /// - Throws: ``InputError`` for a missing column, a factor level the design was not built
    ///   with (a new task's level unseen in meta-training), or a column of the wrong kind.
    public func rows(_ columns: [String: FormulaColumn], count: Int) throws -> [Double] {
        // Per term, per variable: the values each design column takes on each row.
        var blocks: [[[Double]]] = []  // per term: its design columns, each of `count` values
        for codings in terms {
            var combined: [[Double]] = [[Double](repeating: 1, count: count)]
            for coding in codings {
                let parts = try values(coding, columns, count: count)
                var next: [[Double]] = []
                for r in parts {
                    for l in combined { next.append(zip(l, r).map { $0 * $1 }) }
                }
                combined = next
            }
            blocks.append(combined)
        }
        let width = (intercept ? 1 : 0) + blocks.reduce(0) { $0 + $1.count }
        var out = [Double](repeating: 0, count: width * count)
        for i in 0..<count {
            var j = 0
            if intercept { out[i * width] = 1; j = 1 }
            for block in blocks {
                for column in block { out[i * width + j] = column[i]; j += 1 }
            }
        }
        return out
    }

    private func values(_ coding: Coding, _ columns: [String: FormulaColumn], count: Int) throws -> [[Double]] {
        switch coding {
        case .numeric(let variable):
            guard case .numeric(let x)? = columns[variable.column] else {
                throw InputError(column: variable.column, kind: .invalidValue, "\(InputError.quoted(variable.column)) must be a numeric column, as in the data the prior was fitted on")
            }
            if case .power(_, let k) = variable { return [x.map { pow(value: $0, k) }] }
            return [x]
        case .basis(let map):
            guard case .numeric(let x)? = columns[map.inputNames[0]] else {
                throw InputError(column: map.inputNames[0], kind: .invalidValue, "\(InputError.quoted(map.inputNames[0])) must be a numeric column, as in the data the prior was fitted on")
            }
            // The map's features after its intercept, one column each.
            let design = try map.design(try Matrix(rows: x.count, columns: 1, elements: x))
            return (1..<design.columns).map { j in (0..<design.rows).map { design[$0, j] } }
        case .contrasts(let column, let levels), .indicators(let column, let levels):
            guard case .text(let x)? = columns[column] else {
                throw InputError(column: column, kind: .invalidValue, "\(InputError.quoted(column)) must be a text column (a factor), as in the data the prior was fitted on")
            }
            var index: [String: Int] = [:]
            for (i, level) in levels.enumerated() { index[level] = i }
            let used = { if case .contrasts = coding { return Array(levels.indices.dropFirst()) } else { return Array(levels.indices) } }()
            var out = used.map { _ in [Double](repeating: 0, count: count) }
            for (row, value) in x.enumerated() {
                guard let level = index[value] else {
                    throw InputError(column: column, kind: .invalidValue, "the level \(InputError.quoted(value)) of the factor \(InputError.quoted(column)) was not in the meta-train data (levels: \(levels.map { InputError.quoted($0) }.joined(separator: ", ")))")
                }
                if let position = used.firstIndex(of: level) { out[position][row] = 1 }
            }
            return out
        }
    }

    /// x^k by repeated multiplication, as R's `^` gives for whole powers (exactly, for the
    /// small k allowed).
    private func pow(value: Double, _ k: Int) -> Double {
        var result = 1.0
        for _ in 0..<k { result *= value }
        return result
    }
}
