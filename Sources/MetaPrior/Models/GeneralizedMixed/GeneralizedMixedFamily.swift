// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A generalised linear mixed model family of an lme4 formula — `binomial` or `poisson` — fitted
/// as `glmer` fits it (``GeneralizedMixedFit``), with MCMC or Laplace posteriors of a new task
/// (``GeneralizedMixedPrior``). The two families share this one implementation and differ only
/// in ``responseFamily``.
public protocol GeneralizedMixedFamily: FormulaModelFamily {
    /// The response distribution.
    static var responseFamily: ResponseFamily { get }
}

/// `binomial`: successes out of trials, `cbind(s, n - s) ~ …` or `cbind(s, f) ~ …`, or a 0/1
/// response (one trial per row), with the logit link.
public enum BinomialMixedFamily: GeneralizedMixedFamily {
    /// `binomial`.
    public static let name = ResponseFamily.binomial.rawValue
    /// The model in symbols, for `fit --help`.
    public static let summary = "y ~ Binomial(m, logit⁻¹(Fβ + Xφ)), φ ~ N(ν, Σ): from --formula, as lme4's glmer(family = binomial)"
    /// Binomial.
    public static let responseFamily = ResponseFamily.binomial
}

/// `poisson`: counts with the log link and an optional exposure (`fit --exposure t`: offset log t).
public enum PoissonMixedFamily: GeneralizedMixedFamily {
    /// `poisson`.
    public static let name = ResponseFamily.poisson.rawValue
    /// The model in symbols, for `fit --help`.
    public static let summary = "y ~ Poisson(t·exp(Fβ + Xφ)), φ ~ N(ν, Σ): from --formula (--exposure t), as lme4's glmer(family = poisson)"
    /// Poisson.
    public static let responseFamily = ResponseFamily.poisson
}

extension GeneralizedMixedFamily {
    /// A basis (through `basis(x)` in the formula) and quadrature points per task.
    /// Task descriptors (``FormulaFrame/attachDescriptors(csv:descriptorColumns:)``): β_i = B z̃_i.
    public static var honouredSettings: Set<FitSetting> { [.basis, .quadraturePoints, .descriptors] }

    /// Why a setting does not apply to a generalised mixed model.
    public static func whyNot(_ setting: FitSetting) -> String? {
        switch setting {
        case .reml: "REML is for the linear mixed model; a \(name) model is fitted by its (Laplace-approximated) likelihood, as glmer"
        case .timeLimit: "a \(name) fit has no time limit yet; it stops when its criterion holds or no step gains"
        case .episodicObjective: "a \(name) model is fitted by its likelihood, as glmer; the episodic objective is for --features/--basis fits"
        case .covarianceStructure: "a \(name) model's task-specific terms have a full Σ"
        case .gradientTolerance, .maximumIterations: "its optimiser runs to the criterion the report states"
        default: nil
        }
    }

    /// Refused: these families read their data through a formula.
    public static func fit(_ dataset: MetaDataset, request: FitRequest) throws -> FittedModel {
        throw InputError(column: "--formula", kind: .invalidValue,
                         "the \(name) model needs a formula (--formula 'y ~ x + (x | task)', or 'cbind(s, n - s) ~ x + (1 | task)') to say which terms are shared and which task-specific")
    }

    /// Reads a ``GeneralizedMixedPrior`` of this family from the prior file's keys, validating it.
    public static func decodePrior(from decoder: any Decoder) throws -> any TaskPrior {
        try GeneralizedMixedPrior(from: decoder, family: responseFamily)
    }

    /// Fits the formula's model by maximising the Laplace approximation of the likelihood (or
    /// adaptive Gauss–Hermite quadrature with `request.quadraturePoints` > 1).
    /// - Throws: ``InputError`` for settings the model does not honour (its `honouredSettings`),
    ///   a basis without a `basis(x)` term, a diagonal Σ written `(x || task)`, a response
    ///   the family cannot hold (naming the column and row), or a fit that cannot start.
    public static func fit(_ frame: FormulaFrame, request: FitRequest) throws -> FittedModel {
        try request.refuseSettings(unhonouredBy: self, weighted: false)
        if frame.formula.basisColumn == nil, request.basis != .linear {
            throw InputError(column: "--basis", kind: .invalidValue, "a formula names its own terms: write basis(x) where the basis's features of the column x belong, as in 'y ~ basis(x) + (basis(x) | task)'")
        }
        switch request.basis {
        case .learned, .automatic, .pca:
            throw InputError(column: "--basis", kind: .invalidValue, "a formula's basis(x) takes a fixed basis (rbf:K[:width], fourier:K[:period], poly:P, rff:K:lengthscale)")
        default: break
        }
        guard !frame.formula.uncorrelated else {
            throw InputError(column: "--formula", kind: .invalidValue, "a \(name) model's task-specific terms have a full Σ; (x || task) is not available for it")
        }
        let data = try GeneralizedMixedData(frame, family: responseFamily, basis: request.basis)
        let p = data.designs.shared.columnNames.count
        // With descriptors the fit is of the interacted design F_i(z̃_iᵀ ⊗ I_p); β and its vcov
        // are then B z̃̄ at the average descriptor, and B is kept beside them.
        let interacted = frame.descriptorNames.isEmpty ? nil : try interacted(data.tasks, frame: frame)
        let fit = try GeneralizedMixedFit(tasks: interacted?.tasks ?? data.tasks, family: responseFamily, quadraturePoints: request.quadraturePoints)
        var beta = fit.beta, betaCovariance = try Matrix(rows: fit.beta.count, columns: fit.beta.count, elements: fit.betaCovariance)
        var descriptors: (fit: DescriptorFit, covariance: Matrix)?
        if let design = interacted?.design {
            let parts = try descriptorParts(beta: fit.beta, covariance: fit.betaCovariance, p: p, design: design)
            (beta, betaCovariance, descriptors) = (parts.beta, parts.betaCovariance, (parts.fit, parts.covariance))
        }
        let prior = try GeneralizedMixedPrior(family: responseFamily, formula: frame.formula, shared: data.designs.shared,
                                              taskSpecific: data.designs.taskSpecific, inputLevels: frame.inputLevels,
                                              exposureColumn: frame.exposureColumn, beta: beta, betaCovariance: betaCovariance,
                                              theta: fit.theta, quadraturePoints: fit.quadraturePoints,
                                              descriptors: descriptors?.fit, descriptorCovariance: descriptors?.covariance,
                                              taskLevel: TaskLevelColumns(frame))
        let approximation = fit.quadraturePoints == 1 ? "Laplace approximation (glmer's nAGQ = 1)" : "adaptive Gauss–Hermite quadrature, \(fit.quadraturePoints) points per task"
        let stage = FitStage(stage: fit.quadraturePoints == 1 ? "laplace" : "agq",
                             objective: "log-likelihood by the \(approximation), maximised",
                             method: "BFGS on the analytic gradient in (β, θ), θ the lower triangle of Λ (Σ = ΛΛᵀ, lme4's theta), then saddle-free Newton; iterations count gradient evaluations",
                             iterations: fit.evaluations, value: fit.logLikelihood,
                             ending: fit.converged ? .converged : .stalled,
                             criterion: fit.stationarity, criterionName: "largest |∂ℓ/∂(β, θ)| relative to max(1, |ℓ|)", tolerance: 1e-7)
        var notes = frame.notes + taskNotes(interacted?.tasks ?? data.tasks, beta: fit.beta)
        if !fit.converged {
            notes.append("warning: the fit did not reach the tolerance; check the formula for terms the data cannot identify")
        }
        var model = FittedModel(prior: prior, logMarginalLikelihood: fit.logLikelihood, iterations: fit.evaluations,
                                gradientNorm: fit.stationarity, converged: fit.converged, tasks: data.tasks.count,
                                observations: frame.response.count,
                                account: "result: \(stage.ending.phrase) (the \(name) fit)", notes: notes)
        model.stages = [stage]
        return model
    }

    /// Notes on tasks whose own data have no finite estimate: all 0 or all successes
    /// (binomial), all-zero counts (Poisson), and binomial tasks that their task-specific terms
    /// separate (``isSeparated(_:beta:)``). The prior keeps their modes finite (the Laplace
    /// step's penalty ½|u|² bounds them), so they are fitted like any other task.
    static func taskNotes(_ tasks: [GeneralizedTask], beta: [Double]) -> [String] {
        var none = 0, all = 0, separated = 0
        for task in tasks {
            let noSuccess = task.response.allSatisfy { $0 == 0 }
            let onlySuccess = responseFamily == .binomial && zip(task.response, task.size).allSatisfy { $0 == $1 }
            if noSuccess { none += 1 }
            if onlySuccess { all += 1 }
            if responseFamily == .binomial, !noSuccess, !onlySuccess, isSeparated(task, beta: beta) { separated += 1 }
        }
        let kept = "their estimates alone would be infinite; the prior keeps their modes finite, and they are fitted like the others"
        switch responseFamily {
        case .binomial:
            return ["note: \(counted(none, "task")) with no successes, \(counted(all, "task")) with nothing but successes, and \(counted(separated, "other task")) separated by the task-specific terms"
                    + (none + all + separated > 0 ? ": \(kept)" : "")]
        case .poisson:
            return ["note: \(counted(none, "task")) with all counts zero" + (none > 0 ? ": \(kept)" : "")]
        }
    }

    /// Whether a binomial task's own data, with the shared part at β, have no finite maximum
    /// in its task-specific coefficients (separation), judged from the modes under three
    /// nearly flat priors N(0, s²·I), s = 10², 10³, 10⁴. Where the maximum φ̂ is finite, the
    /// modes approach it and each step of s moves them about a hundredth of the step before
    /// (the prior's pull is φ/s²); where it is not, the likelihood keeps rising along the
    /// separating direction until the prior stops it, and each step moves the mode out by
    /// about the same log(100)/margin. Separated: the last step moves some coefficient by more
    /// than 0.1 and by more than half as much as the step before.
    static func isSeparated(_ task: GeneralizedTask, beta: [Double]) -> Bool {
        let n = task.count, p = task.p, q = task.q
        var known = task.offset
        for j in 0..<n { for k in 0..<p { known[j] += task.shared[j * p + k] * beta[k] } }
        func mode(scale: Double) -> [Double]? {
            var factor = [Double](repeating: 0, count: q * q)
            for a in 0..<q { factor[a * q + a] = scale }
            return (try? GeneralizedTaskPosterior(family: .binomial, priorMean: [Double](repeating: 0, count: q), priorFactor: factor,
                                                  specific: task.specific, response: task.response, size: task.size, known: known))?.laplaceMean
        }
        guard let first = mode(scale: 1e2), let second = mode(scale: 1e3), let third = mode(scale: 1e4) else { return false }
        func largest(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) } }
        let before = largest(first, second), last = largest(second, third)
        return last > 0.1 && last > 0.5 * before
    }
}
