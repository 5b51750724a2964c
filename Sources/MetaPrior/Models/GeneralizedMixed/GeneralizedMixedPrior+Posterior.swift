// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A new task's rows coded for a ``GeneralizedMixedPrior``: the known part of η (the shared
/// columns not in X at β̂, plus log exposure), X, and the trials per row.
struct GeneralizedRows {
    var known: [Double]
    var specific: [Double]
    var trials: [Double]
}

extension GeneralizedMixedPrior {
    /// The posterior by MCMC with the default chains (``PosteriorSampling``'s defaults); with
    /// no rows, the prior itself as its Laplace approximation, which is then exact.
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        try posterior(inputs: inputs, targets: targets, sampling: PosteriorSampling(method: targets.isEmpty ? .laplace : .mcmc))
    }

    /// The posterior of φ given the task's rows, with the shared terms at β̂, represented as
    /// `sampling` asks.
    /// - Throws: ``InputError`` naming the column and row for a response the family cannot hold
    ///   (not 0 or 1 for a Bernoulli target, more successes than trials, a negative or
    ///   fractional count), a bad trials or exposure value, or a text input's code that is not a
    ///   level, or a chain that fails.
    public func posterior(inputs: Matrix, targets: [Double], sampling: PosteriorSampling) throws -> any TaskPosterior {
        try refuseUnconditioned()
        guard inputs.rows == targets.count else {
            throw InputError("the task has \(inputs.rows) input rows but \(targets.count) targets")
        }
        var rows = try designs(inputs)
        if case .failures(let name)? = formula.binomialTrials, let k = self.inputs.firstIndex(of: name) {
            // cbind(s, f): the trials are s + f, known only with the responses.
            for row in 0..<targets.count {
                let f = inputs[row, k]
                guard f >= 0, f == f.rounded(), f.isFinite, targets[row] + f >= 1 else {
                    throw InputError(column: name, kind: .invalidValue, "row \(row + 1): the failures must be a whole number ≥ 0, with at least one trial in all, not \(f)")
                }
                rows.trials[row] = targets[row] + f
            }
        }
        try checkResponses(targets, trials: rows.trials)
        let base = try GeneralizedTaskPosterior(family: family, priorMean: mean, priorFactor: factor, specific: rows.specific,
                                                response: targets, size: rows.trials, known: rows.known)
        return try GeneralizedMixedPosterior(prior: self, base: base, observations: targets.count, sampling: sampling)
    }

    /// Refuses a response its family cannot hold, naming the response column and the row.
    func checkResponses(_ targets: [Double], trials: [Double]) throws {
        for (row, y) in targets.enumerated() {
            let bad: String?
            switch family {
            case .binomial where formula.binomialTrials == nil:
                bad = y == 0 || y == 1 ? nil : "a binary response must be 0 or 1, not \(y)"
            case .binomial:
                bad = y >= 0 && y == y.rounded() && y <= trials[row] ? nil : "the successes must be a whole number from 0 to the trials (\(trials[row])), not \(y)"
            case .poisson:
                bad = y >= 0 && y == y.rounded() ? nil : "a count must be a whole number ≥ 0, not \(y)"
            }
            if let bad { throw InputError(column: formula.response, kind: .invalidValue, "row \(row + 1) of the task: \(bad)") }
        }
    }

    /// The known part of η, X and the trials of input rows (columns as ``inputs`` lists them);
    /// the trials are 1 for a Bernoulli target and for a `cbind(s, f)` response, whose trials
    /// s + f need the responses (``posterior(inputs:targets:sampling:)`` adds them).
    func designs(_ inputs: Matrix) throws -> GeneralizedRows {
        let names = self.inputs
        guard inputs.columns == names.count else {
            throw InputError(kind: .inconsistent, "\(inputs.columns) input columns given; the model reads \(names.count) (\(names.joined(separator: ", ")))")
        }
        let n = inputs.rows
        func column(_ name: String) -> [Double] {
            let k = names.firstIndex(of: name)!
            return (0..<n).map { inputs[$0, k] }
        }
        var columns: [String: FormulaColumn] = [:]
        for name in formula.inputColumns {
            let values = column(name)
            guard let levels = inputLevels[name] else { columns[name] = .numeric(values); continue }
            columns[name] = .text(try values.map { code in
                guard code.rounded() == code, code >= 0, code < Double(levels.count) else {
                    throw InputError(column: name, kind: .invalidValue, "\(code) is not the position of a level of the factor \(InputError.quoted(name)) (0 to \(levels.count - 1))")
                }
                return levels[Int(code)]
            })
        }
        var trials = [Double](repeating: 1, count: n)
        if case .trials(let name)? = formula.binomialTrials {
            trials = column(name)
            for (row, m) in trials.enumerated() where !(m >= 1 && m == m.rounded() && m.isFinite) {
                throw InputError(column: name, kind: .invalidValue, "row \(row + 1): the trials must be a whole number ≥ 1, not \(m)")
            }
        }
        var known = [Double](repeating: 0, count: n)
        if let exposureColumn {
            for (row, t) in column(exposureColumn).enumerated() {
                guard t > 0, t.isFinite else {
                    throw InputError(column: exposureColumn, kind: .invalidValue, "row \(row + 1): an exposure must be a positive number (its logarithm is the offset), not \(t)")
                }
                known[row] = log(t)
            }
        }
        let f = try shared.rows(columns, count: n), x = try taskSpecific.rows(columns, count: n)
        let p = shared.columnNames.count
        let specificNames = taskSpecific.columnNames
        let offsetColumns = shared.columnNames.indices.filter { !specificNames.contains(shared.columnNames[$0]) }
        for i in 0..<n { for j in offsetColumns { known[i] += f[i * p + j] * beta[j] } }
        return GeneralizedRows(known: known, specific: x, trials: trials)
    }
}
