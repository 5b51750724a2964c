// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// θ of the linear mixed model with its formula: the ``TaskPrior`` a `linear_mixed` prior file
/// holds.
///
/// y = Fβ + Xφ + ε, where F is the shared design (the formula's fixed part), X the
/// task-specific design (the part before `| task`), φ ~ N(ν, Σ) and ε ~ N(0, σ²). φ is a
/// task's own coefficient of each X column, as lme4's `coef()` gives it: ν holds β̂ of the
/// columns that are also shared (the same name in F) and 0 for the others, so the task's
/// deviation φ − ν is lme4's random effect b ~ N(0, Σ). The shared columns not in X enter a
/// new task as a fixed offset at β̂ (its uncertainty, `vcov`, is reported, not propagated).
public struct LinearMixedPrior: TaskLevelConditionedPrior, Equatable {
    /// The model formula.
    public let formula: ModelFormula
    /// The shared (fixed-effect) design F.
    public let shared: FormulaDesign
    /// The task-specific design X.
    public let taskSpecific: FormulaDesign
    /// Text inputs and their levels, as the meta-train data had them.
    public let inputLevels: [String: [String]]
    /// β̂, one per column of F.
    public let beta: [Double]
    /// vcov(β̂) = σ̂²(FᵀV⁻¹F)⁻¹ (p×p).
    public let betaCovariance: Matrix
    /// φ ~ N(ν, Σ), with the residual variance σ².
    public let gaussian: GaussianPrior
    /// Whether θ maximises the restricted likelihood (REML) rather than the likelihood.
    public let reml: Bool
    /// The formula's columns that were constant within every meta-train task, as the fit
    /// recorded them (``TaskLevelColumns/empty`` for none), or `nil` for a file written before
    /// they were recorded: a new task may give them by `--descriptor` instead of on its rows
    /// (``TaskLevelConditionedPrior``).
    public let taskLevelRecord: TaskLevelColumns?

    /// A prior from a fit of `data`.
    /// - Throws: ``InputError`` when the fit's numbers do not make a valid prior.
    public init(data: MixedLinearData, formula: ModelFormula, inputLevels: [String: [String]], fit: MixedModelFit,
                taskLevel: TaskLevelColumns? = nil) throws {
        let p = data.shared.columnNames.count, q = data.taskSpecific.columnNames.count
        let mean = Self.taskMean(beta: fit.beta, shared: data.shared.columnNames, specific: data.taskSpecific.columnNames)
        try self.init(formula: formula, shared: data.shared, taskSpecific: data.taskSpecific, inputLevels: inputLevels, beta: fit.beta,
                      betaCovariance: try Matrix(rows: p, columns: p, elements: fit.betaCovariance),
                      gaussian: try GaussianPrior(mean: mean, covariance: try Matrix(rows: q, columns: q, elements: fit.covariance),
                                                  noiseVariance: fit.noiseVariance),
                      reml: fit.reml, taskLevel: taskLevel)
    }

    /// A prior from its parts.
    /// - Throws: ``InputError`` when the parts disagree in size, or ν is not β̂ on the shared
    ///   columns of X and 0 elsewhere.
    public init(formula: ModelFormula, shared: FormulaDesign, taskSpecific: FormulaDesign, inputLevels: [String: [String]],
                beta: [Double], betaCovariance: Matrix, gaussian: GaussianPrior, reml: Bool, taskLevel: TaskLevelColumns? = nil) throws {
        let p = shared.columnNames.count
        guard beta.count == p, betaCovariance.rows == p, betaCovariance.columns == p else {
            throw InputError(column: "shared_estimates", kind: .inconsistent, "\(p) shared terms but \(beta.count) estimates and a \(betaCovariance.rows) × \(betaCovariance.columns) covariance; the file is inconsistent")
        }
        guard beta.allSatisfy(\.isFinite), betaCovariance.elements.allSatisfy(\.isFinite) else {
            throw InputError(column: "shared_estimates", kind: .invalidValue, "the shared estimates and their covariance must be finite numbers")
        }
        for j in 0..<p where betaCovariance[j, j] < 0 {
            throw InputError(column: "shared_covariance", kind: .invalidValue, "has a negative variance (\(betaCovariance[j, j])) for \(shared.columnNames[j])")
        }
        guard gaussian.dimension == taskSpecific.columnNames.count else {
            throw InputError(column: "features", kind: .inconsistent, "\(taskSpecific.columnNames.count) task-specific terms but \(gaussian.dimension) means; the file is inconsistent")
        }
        guard gaussian.mean == Self.taskMean(beta: beta, shared: shared.columnNames, specific: taskSpecific.columnNames) else {
            throw InputError(column: "mean", kind: .inconsistent, "must be the shared estimate of each task-specific term that is also shared, and 0 for the others; the file is inconsistent")
        }
        self.formula = formula
        self.shared = shared
        self.taskSpecific = taskSpecific
        self.inputLevels = inputLevels
        self.beta = beta
        self.betaCovariance = betaCovariance
        self.gaussian = gaussian
        self.reml = reml
        self.taskLevelRecord = taskLevel
    }

    /// ν: β̂ of each X column that is also an F column, 0 for the others.
    static func taskMean(beta: [Double], shared: [String], specific: [String]) -> [Double] {
        specific.map { name in shared.firstIndex(of: name).map { beta[$0] } ?? 0 }
    }

    /// `linear_mixed`.
    public var model: String { LinearMixedFamily.name }
    /// The columns the formula's terms read, numeric or text.
    public var inputs: [String] { formula.inputColumns }
    /// The task-specific terms, as R names the columns of X (`(Intercept)`, `age`).
    public var parameterNames: [String] { taskSpecific.columnNames }
    /// The formula.
    public var featureDescription: String { "formula \(formula)" }
    /// Standard errors of β̂.
    public var betaStandardErrors: [Double] { (0..<beta.count).map { Swift.max(betaCovariance[$0, $0], 0).squareRoot() } }

    /// The shared columns that are not task-specific: they enter a new task as an offset.
    var offsetColumns: [Int] {
        let specific = taskSpecific.columnNames
        return shared.columnNames.indices.filter { !specific.contains(shared.columnNames[$0]) }
    }

    /// The sample CSV says what φ is and gives the shared values held fixed.
    public var sampleComments: [(String, String)] {
        var comments = [("model", "\(formula); phi = each task-specific term's coefficient for this task (lme4's coef(): shared estimate + the task's deviation)")]
        let names = shared.columnNames
        if !names.isEmpty {
            let values = zip(names, zip(beta, betaStandardErrors)).map { "\($0) = \(significant($1.0, 10)) (se \(significant($1.1, 6)))" }
            comments.append(("shared", values.joined(separator: ", ") + "; fixed at these estimates, so they have no posterior here"))
        }
        return comments
    }

    /// The exact posterior of φ given the task's rows, with the shared terms at β̂: N(m, S) of
    /// the linear-Gaussian model on y − F_offset β̂_offset.
    /// - Throws: ``InputError`` for a text input's value that is not a level's position, or a
    ///   level unseen in meta-training.
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        guard inputs.rows == targets.count else {
            throw InputError("the task has \(inputs.rows) input rows but \(targets.count) targets")
        }
        let (offsets, design) = try designs(inputs)
        let residual = zip(targets, offsets).map { $0 - $1 }
        return LinearMixedPosterior(prior: self, gaussian: try gaussian.posterior(design: design, targets: residual))
    }

    /// The offsets F_offset β̂_offset and the task-specific design X of input rows.
    func designs(_ inputs: Matrix) throws -> (offsets: [Double], design: Matrix) {
        let names = self.inputs
        guard inputs.columns == names.count else {
            throw InputError(kind: .inconsistent, "\(inputs.columns) input columns given; the formula reads \(names.count) (\(names.joined(separator: ", ")))")
        }
        var columns: [String: FormulaColumn] = [:]
        for (k, name) in names.enumerated() {
            let values = (0..<inputs.rows).map { inputs[$0, k] }
            guard let levels = inputLevels[name] else { columns[name] = .numeric(values); continue }
            columns[name] = .text(try values.map { code in
                guard code.rounded() == code, code >= 0, code < Double(levels.count) else {
                    throw InputError(column: name, kind: .invalidValue, "\(code) is not the position of a level of the factor \(InputError.quoted(name)) (0 to \(levels.count - 1))")
                }
                return levels[Int(code)]
            })
        }
        let n = inputs.rows
        let f = try shared.rows(columns, count: n), x = try taskSpecific.rows(columns, count: n)
        let p = shared.columnNames.count, q = taskSpecific.columnNames.count
        let offsetColumns = self.offsetColumns
        let offsets = (0..<n).map { i in offsetColumns.reduce(0.0) { $0 + f[i * p + $1] * beta[$1] } }
        return (offsets, try Matrix(rows: n, columns: q, elements: x))
    }

    /// Whether `other` is a linear mixed prior with the same formula, designs and θ, bit for bit.
    public func isEqual(to other: any TaskPrior) -> Bool {
        (other as? LinearMixedPrior) == self
    }
}
