// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// θ of a generalised linear mixed model with its formula: the ``TaskPrior`` of a `binomial` or
/// `poisson` prior file.
///
/// η = Fβ + Xφ + offset, y | η binomial (logit link) or Poisson (log link), φ ~ N(ν, Σ) with
/// Σ = ΛΛᵀ. As for ``LinearMixedPrior``, φ is a task's own coefficient of each task-specific
/// column (lme4's `coef()`): ν holds β̂ of the columns that are also shared and 0 for the
/// others, and the shared columns not in X enter a new task at β̂ (its `vcov` is reported, not
/// propagated). A new task's rows carry, beside the formula's columns, the binomial trials
/// (the `cbind` response's second column) and the exposure, when the model has them: they are
/// listed in ``inputs`` after the formula's columns.
public struct GeneralizedMixedPrior: TaskLevelConditionedPrior, Equatable {
    /// The response distribution (binomial or Poisson), with its canonical link.
    public let family: ResponseFamily
    /// The model formula.
    public let formula: ModelFormula
    /// The shared (fixed-effect) design F.
    public let shared: FormulaDesign
    /// The task-specific design X.
    public let taskSpecific: FormulaDesign
    /// Text inputs and their levels, as the meta-train data had them.
    public let inputLevels: [String: [String]]
    /// The exposure column of a Poisson model (offset log t), or `nil`.
    public let exposureColumn: String?
    /// β̂, one per column of F.
    public let beta: [Double]
    /// vcov(β̂) (p × p), as lme4's `vcov`.
    public let betaCovariance: Matrix
    /// θ̂: Λ's lower triangle column by column, each diagonal entry ≥ 0 (lme4's `theta`).
    public let theta: [Double]
    /// Gauss–Hermite points per task of the fit: 1 is the Laplace approximation (glmer's
    /// nAGQ = 1), more is adaptive Gauss–Hermite quadrature (one task-specific term only).
    public let quadraturePoints: Int
    /// B of the descriptor-conditioned shared coefficients β_i = B z̃_i (one row per shared
    /// term), or `nil`. With descriptors, ``beta`` and ``betaCovariance`` are at the average
    /// meta-train descriptor, and a new task needs its z before it is adapted
    /// (``DescriptorConditionedPrior``).
    public let descriptors: DescriptorFit?
    /// vcov(vec B̂) with descriptors ((p·(q+1))², in the order of the fit's interacted shared
    /// columns: every shared term times 1, then every shared term times z₁, …), else `nil`.
    public let descriptorCovariance: Matrix?
    /// The formula's columns that were constant within every meta-train task, as the fit
    /// recorded them (``TaskLevelColumns/empty`` for none), or `nil` for a file written before
    /// they were recorded: a new task may give them by `--descriptor` instead of on its rows
    /// (``TaskLevelConditionedPrior``).
    public let taskLevelRecord: TaskLevelColumns?

    /// A prior from its parts.
    /// - Throws: ``InputError`` naming the prior-file key when the parts disagree in size, a
    ///   number is not finite, Λ has a negative diagonal entry, vcov(β̂) is not symmetric with
    ///   non-negative variances, the quadrature does not suit the model, or an exposure is given
    ///   to a binomial model.
    public init(family: ResponseFamily, formula: ModelFormula, shared: FormulaDesign, taskSpecific: FormulaDesign,
                inputLevels: [String: [String]], exposureColumn: String?, beta: [Double], betaCovariance: Matrix,
                theta: [Double], quadraturePoints: Int, descriptors: DescriptorFit? = nil, descriptorCovariance: Matrix? = nil,
                taskLevel: TaskLevelColumns? = nil) throws {
        let p = shared.columnNames.count, q = taskSpecific.columnNames.count
        guard beta.count == p, betaCovariance.rows == p, betaCovariance.columns == p else {
            throw InputError(column: "shared_estimates", kind: .inconsistent, "\(p) shared terms but \(beta.count) estimates and a \(betaCovariance.rows) × \(betaCovariance.columns) covariance; the file is inconsistent")
        }
        guard beta.allSatisfy(\.isFinite), betaCovariance.elements.allSatisfy(\.isFinite) else {
            throw InputError(column: "shared_estimates", kind: .invalidValue, "the shared estimates and their covariance must be finite numbers")
        }
        for i in 0..<p {
            guard betaCovariance[i, i] >= 0 else {
                throw InputError(column: "shared_covariance", kind: .invalidValue, "has a negative variance (\(betaCovariance[i, i])) for \(shared.columnNames[i])")
            }
            for j in 0..<i where betaCovariance[i, j] != betaCovariance[j, i] {
                throw InputError(column: "shared_covariance", kind: .invalidValue, "is not symmetric (entries \(i + 1),\(j + 1) and \(j + 1),\(i + 1) differ)")
            }
        }
        guard q >= 1, theta.count == q * (q + 1) / 2 else {
            throw InputError(column: "theta", kind: .inconsistent, "\(q) task-specific terms need \(q * (q + 1) / 2) entries of theta, not \(theta.count); the file is inconsistent")
        }
        guard theta.allSatisfy(\.isFinite) else { throw InputError(column: "theta", kind: .invalidValue, "must be finite numbers") }
        var k = 0
        for j in 0..<q {
            guard theta[k] >= 0 else {
                throw InputError(column: "theta", kind: .invalidValue, "the diagonal entry of column \(j + 1) of Λ is negative (\(theta[k])); lme4's convention, which the fit writes, keeps it ≥ 0")
            }
            k += q - j
        }
        guard (1...100).contains(quadraturePoints), quadraturePoints == 1 || q == 1 else {
            throw InputError(column: "quadrature_points", kind: .invalidValue, "must be 1 (Laplace), or 2 to 100 with a single task-specific term; got \(quadraturePoints) with \(q) terms")
        }
        guard exposureColumn == nil || family == .poisson else {
            throw InputError(column: "exposure", kind: .invalidValue, "an exposure (offset) belongs to a Poisson model, not a \(family.rawValue) one")
        }
        self.family = family
        self.formula = formula
        self.shared = shared
        self.taskSpecific = taskSpecific
        self.inputLevels = inputLevels
        self.exposureColumn = exposureColumn
        self.beta = beta
        self.betaCovariance = betaCovariance
        self.theta = theta
        self.quadraturePoints = quadraturePoints
        if let descriptors {
            let n = p * descriptors.columns
            guard descriptors.coefficients.count == n, let c = descriptorCovariance, c.rows == n, c.columns == n, c.elements.allSatisfy(\.isFinite) else {
                throw InputError(column: "descriptor_covariance", kind: .inconsistent, "\(p) shared terms and \(descriptors.columns) descriptor columns need B of \(p) rows and a \(n) × \(n) covariance of vec B; the file is inconsistent")
            }
        }
        self.descriptors = descriptors
        self.descriptorCovariance = descriptors == nil ? nil : descriptorCovariance
        self.taskLevelRecord = taskLevel
    }

    /// The family's name: `binomial` or `poisson`.
    public var model: String { family.rawValue }
    /// The formula's columns, then the trials column of a `cbind` response and the exposure
    /// column, when the model has them and the formula does not already read them.
    public var inputs: [String] {
        var names = formula.inputColumns
        for extra in [formula.binomialTrials?.column, exposureColumn].compactMap({ $0 }) where !names.contains(extra) {
            names.append(extra)
        }
        return names
    }
    /// The task-specific terms, as R names the columns of X.
    public var parameterNames: [String] { taskSpecific.columnNames }
    /// The formula and family.
    public var featureDescription: String { "formula \(formula), \(family.rawValue) \(family == .binomial ? "(logit link)" : "(log link)")" }
    /// Standard errors of β̂.
    public var betaStandardErrors: [Double] { (0..<beta.count).map { Swift.max(betaCovariance[$0, $0], 0).squareRoot() } }
    /// Λ (q × q row-major, lower triangular).
    public var factor: [Double] { lowerFactor(theta, q: taskSpecific.columnNames.count) }
    /// Σ = ΛΛᵀ (q × q), lme4's `VarCorr`.
    public var covariance: Matrix {
        let q = taskSpecific.columnNames.count, l = factor
        var sigma = Matrix(rows: q, columns: q)
        for i in 0..<q { for j in 0..<q { sigma[i, j] = (0..<q).reduce(0) { $0 + l[i * q + $1] * l[j * q + $1] } } }
        return sigma
    }
    /// ν: β̂ of each task-specific column that is also shared, 0 for the others.
    public var mean: [Double] { LinearMixedPrior.taskMean(beta: beta, shared: shared.columnNames, specific: taskSpecific.columnNames) }
    /// Whether Σ is singular as lme4's `isSingular` judges a GLMM (tolerance 1e-4 on θ's
    /// diagonal entries, Λ being Σ's own factor here).
    public var isSingular: Bool {
        let q = taskSpecific.columnNames.count
        var k = 0
        for j in 0..<q {
            if theta[k] < 1e-4 { return true }
            k += q - j
        }
        return false
    }

    /// Whether `other` is a generalised mixed prior with the same formula, designs and θ, bit for bit.
    public func isEqual(to other: any TaskPrior) -> Bool {
        (other as? GeneralizedMixedPrior) == self
    }
}
