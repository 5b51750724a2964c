// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension FormulaFrame {
    /// Each text column's levels in R's order (sorted by Unicode code points): how a prior
    /// fitted on this frame codes a new task's text inputs (``TaskPrior/inputLevels``).
    public var inputLevels: [String: [String]] {
        var levels: [String: [String]] = [:]
        for case let (name, .text(values)) in columns {
            levels[name] = Array(Set(values)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        }
        return levels
    }

    /// The tasks as a ``MetaDataset`` reader gives them to a prior fitted on this frame: the
    /// formula's input columns (``ModelFormula/inputColumns``, a text value as its level's
    /// position), then the second column of a `cbind` response and the exposure column (as a
    /// binomial or poisson prior lists its inputs), and the response. So their content digests
    /// are those `evaluate` computes for the same rows, and it recognises the training tasks.
    public var tasks: [TaskData] {
        var names = formula.inputColumns
        var extra: [String: [Double]] = [:]
        if let binomial = formula.binomialTrials, let trials, !names.contains(binomial.column) {
            names.append(binomial.column)
            switch binomial {
            case .failures: extra[binomial.column] = zip(trials, response).map { $0 - $1 }  // trials were s + f
            case .trials: extra[binomial.column] = trials
            }
        }
        if let exposureColumn, let exposure, !names.contains(exposureColumn) {
            names.append(exposureColumn)
            extra[exposureColumn] = exposure
        }
        let positions = inputLevels.mapValues { levels in Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Double($0)) }) }
        return zip(taskIDs, rowsOfTask).map { id, rows in
            var inputs = Matrix(rows: rows.count, columns: names.count)
            for (k, name) in names.enumerated() {
                switch columns[name] {
                case .numeric(let values)?: for (i, row) in rows.enumerated() { inputs[i, k] = values[row] }
                case .text(let values)?: for (i, row) in rows.enumerated() { inputs[i, k] = positions[name]?[values[row]] ?? .nan }
                case nil: if let values = extra[name] { for (i, row) in rows.enumerated() { inputs[i, k] = values[row] } }
                }
            }
            return TaskData(id: id, inputs: inputs, targets: rows.map { response[$0] })
        }
    }
}
