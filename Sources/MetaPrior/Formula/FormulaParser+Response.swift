// SPDX-License-Identifier: GPL-3.0-or-later

/// The left-hand side of a formula: one response column, or a binomial `cbind(…)`.
extension FormulaParser {
    /// response := name | 'cbind' '(' name ',' name ['-' name] ')'
    mutating func responseSide() throws -> (String, BinomialTrials?) {
        guard case .name(let name)? = current else {
            throw fail("the formula must start with the response column, as in y ~ x + (x | task) \(near())")
        }
        index += 1
        guard current == .open else { return (name, nil) }
        guard name == "cbind" else {
            throw fail("a function of the response ('\(name)(…)') is not supported; the response is one column, or cbind(successes, failures) for a binomial model")
        }
        index += 1
        guard case .name(let successes)? = current else { throw fail("cbind(…) needs the successes column first, as in cbind(s, n - s) \(near())") }
        index += 1
        try expect(.comma, "',' after the successes column of cbind(…)")
        guard case .name(let second)? = current else { throw fail("cbind(\(successes), …) needs the failures column, or trials - \(successes) \(near())") }
        index += 1
        var trials = BinomialTrials.failures(second)
        if current == .minus {
            index += 1
            guard case .name(let subtracted)? = current, subtracted == successes else {
                throw fail("in cbind(\(successes), \(second) - …) the column subtracted must be the successes column, \(successes) \(near())")
            }
            index += 1
            trials = .trials(second)
        }
        try expect(.close, "')' to close cbind(…)")
        guard trials.column != successes else { throw fail("cbind(…) names \(successes) twice") }
        return (successes, trials)
    }
}
