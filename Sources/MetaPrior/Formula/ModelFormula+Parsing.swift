// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension ModelFormula {
    /// Parses an lme4-style formula, such as `distance ~ age + Sex + (age | Subject)`.
    ///
    /// Column names are R's syntactic names (letters, digits, `.` and `_`, not starting with a
    /// digit), or any text between two backquotes, as R quotes a name such as body mass.
    /// - Throws: ``InputError`` for the `--formula` option that quotes the part it cannot read
    ///   and says what is supported.
    public init(parsing text: String) throws {
        var parser = FormulaParser(text: text)
        self = try parser.formula()
        // One basis column: `--basis` builds one feature map.
        let basisColumns = Set((shared.terms + (taskSpecific?.terms ?? [])).flatMap(\.variables).compactMap { variable -> String? in
            if case .basis(let column) = variable { return column } else { return nil }
        })
        guard basisColumns.count <= 1 else {
            throw InputError(column: "--formula", kind: .invalidValue,
                             "basis(…) of more than one column (\(basisColumns.sorted().joined(separator: ", "))) is not supported: --basis builds the features of one column")
        }
    }
}

/// Recursive descent over R's formula operators, lowest precedence first: `~`, then `+` and `-`,
/// then `*`, then `:`; `|` and `||` only directly inside parentheses, as lme4 writes them.
/// The parse tree is reduced to terms as R's `terms()` does (`a*b` = `a + b + a:b`, `-` removes,
/// `0` and `-1` drop the intercept).
struct FormulaParser {
    let text: String
    let tokens: [Token]
    var index = 0
    /// Variables in the order the current side first names them (R's variable order, which
    /// orders the variables inside each term: `y ~ (a + b):c` has the terms `a:c` and `b:c`).
    var appearance: [Variable] = []

    enum Symbol: Equatable {
        case name(String), number(String), tilde, plus, minus, star, colon, caret, open, close, bar, doubleBar, comma, slash, other(Character)
    }

    struct Token {
        var symbol: Symbol
        /// The token's first character in `text`, for messages.
        var offset: Int
    }

    /// What a sub-expression means: terms, an intercept decision, and bars met inside it.
    struct Value {
        var terms: [Term] = []
        /// `true` for `1`, `false` for `0`, `nil` when the expression says nothing.
        var intercept: Bool?
        var bars: [Bar] = []
    }

    struct Bar {
        var part: TermList
        var group: String
        var double: Bool
        var text: String
    }

    init(text: String) {
        self.text = text
        self.tokens = FormulaParser.tokenize(text)
    }

    // MARK: Errors

    func fail(_ message: String) -> InputError {
        InputError(column: "--formula", kind: .invalidValue, "\(InputError.quoted(text)): \(message)")
    }

    /// The formula's text from token `start` up to (not including) token `end`.
    func source(_ start: Int, _ end: Int) -> String {
        let characters = Array(text)
        let from = start < tokens.count ? tokens[start].offset : characters.count
        let to = end < tokens.count ? tokens[end].offset : characters.count
        return String(characters[from..<Swift.max(from, to)]).trimmingCharacters(in: .whitespaces)
    }

    var current: Symbol? { index < tokens.count ? tokens[index].symbol : nil }

    mutating func expect(_ symbol: Symbol, _ what: String) throws {
        guard current == symbol else { throw fail("expected \(what) \(near())") }
        index += 1
    }

    func near() -> String {
        index < tokens.count ? "at '\(source(index, index + 1))' (character \(tokens[index].offset + 1))" : "at the end"
    }

    // MARK: Grammar

    mutating func formula() throws -> ModelFormula {
        guard !tokens.isEmpty else { throw fail("the formula is empty; write it as lme4 does, e.g. y ~ x + (x | task)") }
        let (response, trials) = try responseSide()
        try expect(.tilde, "'~' after the response")
        guard index < tokens.count else { throw fail("nothing after '~'; an intercept-only model is y ~ 1 + (1 | task)") }
        let value = try sum(insideBar: false)
        guard index == tokens.count else {
            if current == .bar || current == .doubleBar {
                throw fail("a random-effect term must be in parentheses, as in (x | task) \(near())")
            }
            throw fail("unexpected \(near())")
        }
        let shared = list(value)
        let (taskSpecific, group, uncorrelated) = try combine(value.bars)
        return ModelFormula(response: response, shared: shared, taskSpecific: taskSpecific, group: group, uncorrelated: uncorrelated,
                            binomialTrials: trials)
    }

    /// sum := ['+'|'-'] product (('+'|'-') product)*
    mutating func sum(insideBar: Bool) throws -> Value {
        var value = Value()
        var sign: Symbol = .plus
        if current == .plus || current == .minus { sign = current!; index += 1 }
        while true {
            let start = index
            let operand = try product(insideBar: insideBar)
            if sign == .plus {
                merge(operand, into: &value)
            } else {
                guard operand.bars.isEmpty else { throw fail("a random-effect term cannot be removed with '-': '\(source(start, index))'") }
                if let intercept = operand.intercept { value.intercept = intercept ? false : value.intercept }
                if operand.intercept == false { throw fail("'- 0' means nothing; write '- 1' or '0 +' to remove the intercept") }
                value.terms.removeAll { term in operand.terms.contains { $0.sameVariables(as: term) } }
            }
            guard current == .plus || current == .minus else { return value }
            sign = current!
            index += 1
        }
    }

    func merge(_ operand: Value, into value: inout Value) {
        for term in operand.terms where !value.terms.contains(where: { $0.sameVariables(as: term) }) {
            value.terms.append(term)
        }
        if let intercept = operand.intercept { value.intercept = intercept }
        value.bars += operand.bars
    }

    /// product := interaction ('*' interaction)*: `a*b` = `a + b + a:b`.
    mutating func product(insideBar: Bool) throws -> Value {
        var value = try interaction(insideBar: insideBar)
        while current == .star {
            let start = index
            index += 1
            let right = try interaction(insideBar: insideBar)
            try requireNoBars(value, right, operation: "'*'", start: start)
            let crossed = cross(value.terms, right.terms)
            var all = value
            merge(right, into: &all)
            all.intercept = value.intercept ?? right.intercept
            merge(Value(terms: crossed), into: &all)
            value = all
        }
        return value
    }

    /// interaction := atom (':' atom)*
    mutating func interaction(insideBar: Bool) throws -> Value {
        var value = try atom(insideBar: insideBar)
        while current == .colon {
            let start = index
            index += 1
            let right = try atom(insideBar: insideBar)
            try requireNoBars(value, right, operation: "':'", start: start)
            if value.intercept != nil || right.intercept != nil {
                throw fail("':' joins variables, not the constants 0 or 1: '\(source(start - 1, index))'")
            }
            value = Value(terms: cross(value.terms, right.terms))
        }
        if current == .caret {
            throw fail("powers of a formula such as (a + b)^2 are not supported; write the interactions out, and I(x^2) for a power of a column")
        }
        if current == .slash {
            throw fail("nested terms ('/') are not supported \(near()); there is one grouping factor, the task")
        }
        return value
    }

    func requireNoBars(_ left: Value, _ right: Value, operation: String, start: Int) throws {
        guard left.bars.isEmpty && right.bars.isEmpty else {
            throw fail("a random-effect term cannot be combined with \(operation) \(near())")
        }
    }

    /// Every pairing of a left term with a right term, each variable once (`a:a` = `a`).
    func cross(_ left: [Term], _ right: [Term]) -> [Term] {
        var out: [Term] = []
        for l in left {
            for r in right {
                var variables = l.variables
                for v in r.variables where !variables.contains(v) { variables.append(v) }
                let term = Term(variables)
                if !out.contains(where: { $0.sameVariables(as: term) }) { out.append(term) }
            }
        }
        return out
    }

    /// atom := name | 0 | 1 | I(name^k) | basis(name) | '(' sum ')' | '(' sum ('|' | '||') name ')'
    mutating func atom(insideBar: Bool) throws -> Value {
        guard let symbol = current else { throw fail("a term is missing at the end") }
        let start = index
        switch symbol {
        case .number(let digits):
            index += 1
            switch digits {
            case "1": return Value(intercept: true)
            case "0": return Value(intercept: false)
            default: throw fail("the number \(digits) is not a term; only 0 and 1 (the intercept) are")
            }
        case .name(let name):
            index += 1
            guard current == .open else { return named(.column(name)) }
            return try function(name, start: start)
        case .open:
            index += 1
            let outer = appearance
            appearance = []
            let inner = try sum(insideBar: insideBar)
            if current == .bar || current == .doubleBar {
                guard !insideBar else { throw fail("a bar inside a bar \(near())") }
                let double = current == .doubleBar
                index += 1
                guard inner.bars.isEmpty else { throw fail("a bar inside a bar \(near())") }
                guard case .name(let group)? = current else {
                    throw fail("expected the grouping column after '\(double ? "||" : "|")' \(near())")
                }
                index += 1
                if current == .colon || current == .slash || current == .plus || current == .star {
                    throw fail("only one grouping factor, the task, is supported: '\(source(start, index + 1))…' groups by an interaction or nesting")
                }
                try expect(.close, "')' to close '\(source(start, index))'")
                let part = list(inner)
                appearance = outer
                return Value(bars: [Bar(part: part, group: group, double: double, text: source(start, index))])
            }
            try expect(.close, "')'")
            appearance = outer + appearance.filter { !outer.contains($0) }
            return inner
        case .minus, .plus:
            throw fail("unexpected '\(source(index, index + 1))' \(near())")
        default:
            throw fail("unexpected \(near())")
        }
    }

    /// `I(x^k)` and `basis(x)`; every other function is refused by name.
    mutating func function(_ name: String, start: Int) throws -> Value {
        if name == "basis" {
            index += 1  // (
            guard case .name(let column)? = current else { throw fail("basis(…) must hold one column, as in basis(x), \(near())") }
            index += 1
            try expect(.close, "')' to close basis(\(column))")
            return named(.basis(column))
        }
        guard name == "I" else {
            var depth = 0
            repeat {
                if current == .open { depth += 1 } else if current == .close { depth -= 1 }
                index += 1
            } while depth > 0 && index < tokens.count
            let hint = name == "offset" ? " (offsets come with the count families)"
                : name == "poly" || name == "ns" || name == "bs" ? " (use I(x^k) terms, or basis(x) with --basis rbf:K, poly:P, fourier:K, …)"
                : ""
            throw fail("the function '\(source(start, index))' is not supported\(hint); supported: columns, a:b, a*b, I(x^k), basis(x), (terms | task), (terms || task)")
        }
        index += 1  // (
        guard case .name(let column)? = current else { throw fail("I(…) must hold a power of a column, as in I(x^2), \(near())") }
        index += 1
        try expect(.caret, "'^' inside I(…): I(\(column)^k)")
        guard case .number(let digits)? = current, let k = Int(digits), k >= 1, k <= 20 else {
            throw fail("the power in I(\(column)^k) must be a whole number from 1 to 20 \(near())")
        }
        index += 1
        try expect(.close, "')' to close I(\(column)^\(k))")
        return named(k == 1 ? .column(column) : .power(column, k))
    }
}
