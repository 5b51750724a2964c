// SPDX-License-Identifier: GPL-3.0-or-later

/// A model formula in the subset of lme4's syntax that metaprior fits:
/// `response ~ shared terms + (task-specific terms | task)`.
///
/// The terms outside the bar are **shared** by every task (lme4's fixed effects, θ^sh); those
/// inside are **task-specific** (random effects, θ^i ~ N(μ, Σ)). A task-specific term also gets
/// a shared mean, as in lme4, where `(x | g)` is read together with the fixed effect of x when the
/// formula has one. The single grouping factor is the task column.
///
/// Supported, as in R:
/// - the intercept is implicit; `0 +` or `- 1` removes it (on either side of the bar);
/// - numeric columns, and text columns as factors (treatment contrasts, see the design builder);
/// - interactions `a:b`, crossing `a*b` (= `a + b + a:b`), powers `I(x^k)`, parentheses;
/// - `(1 | g)`, `(x | g)`, `(0 + x | g)`, and `(x || g)` (uncorrelated: a diagonal Σ), or several
///   bars on the same g that each hold one term, such as `(1 | g) + (0 + x | g)`.
///
/// Anything else — a second grouping factor, nested `g/h`, other functions, offsets — is refused
/// by ``init(parsing:)`` with a message that quotes the unsupported part.
public struct ModelFormula: Sendable, Equatable, CustomStringConvertible {
    /// The response column.
    public var response: String
    /// The shared (fixed-effect) part.
    public var shared: TermList
    /// The task-specific (random-effect) part; `nil` when the formula has no bar, which only
    /// describes a pooled model and is refused by the fit.
    public var taskSpecific: TermList?
    /// The grouping column named after the bar: the task column.
    public var group: String?
    /// Whether Σ is diagonal: `(x || g)`, or one bar per term.
    public var uncorrelated: Bool

    /// A formula from its parts.
    public init(response: String, shared: TermList, taskSpecific: TermList?, group: String?, uncorrelated: Bool) {
        self.response = response
        self.shared = shared
        self.taskSpecific = taskSpecific
        self.group = group
        self.uncorrelated = uncorrelated
    }

    /// The data columns the terms read (not the response or the task column), each once, in
    /// the order the terms use them: the inputs of a prior fitted with this formula.
    public var inputColumns: [String] {
        var columns: [String] = []
        let used = (shared.terms + (taskSpecific?.terms ?? [])).flatMap(\.variables).map(\.column)
        for name in used where !columns.contains(name) && name != response && name != group { columns.append(name) }
        return columns
    }

    /// The column of the formula's `basis(x)` terms, if it has any.
    public var basisColumn: String? {
        for term in shared.terms + (taskSpecific?.terms ?? []) {
            for case .basis(let column) in term.variables { return column }
        }
        return nil
    }

    /// The formula in canonical form: terms expanded and ordered as R orders them.
    public var description: String {
        var text = "\(response) ~ \(shared)"
        if let taskSpecific, let group {
            text += " + (\(taskSpecific) \(uncorrelated ? "||" : "|") \(group))"
        }
        return text
    }
}

/// One side of a formula's terms, expanded: an optional intercept and terms without repeats,
/// ordered as R's `terms()` orders them (by the number of variables, then by first appearance).
public struct TermList: Sendable, Equatable, CustomStringConvertible {
    /// Whether the intercept is in (R: the implicit `1`, removed by `0` or `- 1`).
    public var intercept: Bool
    /// The terms other than the intercept.
    public var terms: [Term]

    /// A term list; `terms` is taken as given (``ModelFormula/init(parsing:)`` orders it).
    public init(intercept: Bool, terms: [Term]) {
        self.intercept = intercept
        self.terms = terms
    }

    /// `1 + a + b + a:b`, or `0 + a`; an empty list without intercept prints `0`.
    public var description: String {
        let parts = terms.map(\.description)
        if intercept { return (["1"] + parts).joined(separator: " + ") }
        return parts.isEmpty ? "0" : (["0"] + parts).joined(separator: " + ")
    }
}

/// A term: one variable, or the interaction of several (`a:b`), each at most once.
public struct Term: Sendable, Hashable, CustomStringConvertible {
    /// The variables in the order the formula first wrote them.
    public var variables: [Variable]

    /// A term of these variables.
    public init(_ variables: [Variable]) {
        self.variables = variables
    }

    /// How many variables the term interacts (R's term order).
    public var order: Int { variables.count }

    /// `a`, `a:b`, `I(x^2):f`.
    public var description: String { variables.map(\.description).joined(separator: ":") }

    /// Whether both terms hold the same variables, in any order (R treats `a:b` and `b:a` as
    /// one term).
    func sameVariables(as other: Term) -> Bool {
        Set(variables) == Set(other.variables)
    }
}

/// A variable of a term: a data column, a power of a numeric column, or the features of a
/// numeric column in the basis of `fit --basis`.
public enum Variable: Sendable, Hashable, CustomStringConvertible {
    /// A column of the data: numeric, or text (a factor).
    case column(String)
    /// `I(x^k)`: the k-th power of a numeric column, k ≥ 2.
    case power(String, Int)
    /// `basis(x)`: the features of the numeric column x in the basis `--basis` names (without
    /// its intercept), e.g. the K Gaussian bumps of `rbf:K`.
    case basis(String)

    /// The column the variable reads.
    public var column: String {
        switch self {
        case .column(let name), .power(let name, _), .basis(let name): return name
        }
    }

    /// The name as R prints it: `x`, `I(x^2)`, `basis(x)`.
    public var description: String {
        switch self {
        case .column(let name): return name
        case .power(let name, let k): return "I(\(name)^\(k))"
        case .basis(let name): return "basis(\(name))"
        }
    }
}
