// SPDX-License-Identifier: GPL-3.0-or-later

/// From the parse tree's values to term lists, as R's `terms()` orders them.
extension FormulaParser {
    /// A variable named in the formula: a one-variable term, and its place in ``appearance``.
    mutating func named(_ variable: Variable) -> Value {
        if !appearance.contains(variable) { appearance.append(variable) }
        return Value(terms: [Term([variable])])
    }

    /// The term list of a side as R's `terms()` orders it: the intercept unless removed, terms
    /// by order then by first appearance, and within a term the variables in their first
    /// appearance in the side (`y ~ arm + age:arm` has the term `arm:age`).
    func list(_ value: Value) -> TermList {
        TermList(intercept: value.intercept ?? true, terms: ordered(value.terms))
    }

    /// Terms by order, then first appearance, with their variables in ``appearance`` order.
    func ordered(_ terms: [Term]) -> [Term] {
        var rank: [Variable: Int] = [:]
        for (i, v) in appearance.enumerated() where rank[v] == nil { rank[v] = i }
        var indexed: [(Int, Term)] = terms.enumerated().map { index, term in
            (index, Term(term.variables.sorted { rank[$0, default: .max] < rank[$1, default: .max] }))
        }
        indexed.sort { ($0.1.order, $0.0) < ($1.1.order, $1.0) }
        return indexed.map(\.1)
    }

    /// One task-specific part from the bars: a single bar as written, or several bars on the
    /// same group that each hold one coefficient (lme4's `(1 | g) + (0 + x | g)`), which are
    /// uncorrelated.
    func combine(_ bars: [Bar]) throws -> (TermList?, String?, Bool) {
        guard let first = bars.first else { return (nil, nil, false) }
        for bar in bars where bar.group != first.group {
            throw fail("only one grouping factor, the task, is supported; '\(first.text)' and '\(bar.text)' group by different columns")
        }
        if bars.count == 1 { return (first.part, first.group, first.double) }
        var intercept = false
        var terms: [Term] = []
        for bar in bars {
            let coefficients = (bar.part.intercept ? 1 : 0) + bar.part.terms.count
            guard coefficients == 1, !bar.double else {
                throw fail("several bars on '\(first.group)' must each hold one term, as in (1 | \(first.group)) + (0 + x | \(first.group)); '\(bar.text)' holds \(coefficients); write one bar (x | \(first.group)) or (x || \(first.group)) instead")
            }
            if bar.part.intercept {
                guard !intercept else { throw fail("the task-specific intercept appears twice ('\(bar.text)')") }
                intercept = true
            } else if let term = bar.part.terms.first {
                guard !terms.contains(where: { $0.sameVariables(as: term) }) else { throw fail("the task-specific term '\(term)' appears twice") }
                terms.append(term)
            }
        }
        // Each bar's term is already in its own variable order; only the terms are ordered here.
        let byOrder = terms.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
        return (TermList(intercept: intercept, terms: byOrder), first.group, true)
    }
}
