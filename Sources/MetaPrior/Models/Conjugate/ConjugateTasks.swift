// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// One of the three exact conjugate hierarchies, where a task is one number with what it
/// was measured against (issue 14):
///
/// - ``normalNormal``: y_i ~ N(φ_i, s_i²) with s_i known, φ_i ~ N(μ, τ²) (meta-analysis);
/// - ``betaBinomial``: y_i ~ Bin(n_i, φ_i), φ_i ~ Beta(α, β);
/// - ``gammaPoisson``: y_i ~ Poisson(φ_i t_i), φ_i ~ Gamma(α, rate β), t_i the exposure.
public enum ConjugateKind: String, Sendable, Codable, CaseIterable {
    /// Normal–normal with known standard errors.
    case normalNormal = "normal_normal"
    /// Beta–binomial.
    case betaBinomial = "beta_binomial"
    /// Gamma–Poisson with exposure.
    case gammaPoisson = "gamma_poisson"

    /// Names of θ, in order, as the sample CSV and reports write them.
    public var hyperNames: [String] {
        switch self {
        case .normalNormal: return ["mu", "tau"]
        case .betaBinomial, .gammaPoisson: return ["alpha", "beta"]
        }
    }

    /// Names of the two quantities full Bayes summarises and draws for θ: (μ, τ); for the
    /// beta–binomial the prior mean α/(α+β) and log(α+β), whose posterior moments exist
    /// (under p(α, β) ∝ (α+β)^(−5/2) the likelihood stays positive as α + β → ∞, so
    /// E[α | y] and E[β | y] are infinite, as in BDA3 §5.3, which plots these two instead);
    /// (α, β) for the gamma–Poisson.
    public var summaryNames: [String] {
        switch self {
        case .normalNormal: return ["mu", "tau"]
        case .betaBinomial: return ["prior_mean", "log_concentration"]
        case .gammaPoisson: return ["alpha", "beta"]
        }
    }

    /// The ``summaryNames`` quantities at θ.
    func summaryValues(_ theta: (Double, Double)) -> (Double, Double) {
        switch self {
        case .normalNormal, .gammaPoisson: return theta
        case .betaBinomial: return (theta.0 / (theta.0 + theta.1), log(theta.0 + theta.1))
        }
    }

    /// What the per-task number y is called in messages.
    var responseWord: String {
        switch self {
        case .normalNormal: return "estimate"
        case .betaBinomial: return "successes"
        case .gammaPoisson: return "count"
        }
    }

    /// What the per-task denominator is called in messages.
    var scaleWord: String {
        switch self {
        case .normalNormal: return "standard error"
        case .betaBinomial: return "trials"
        case .gammaPoisson: return "exposure"
        }
    }
}

/// The per-task summaries of a conjugate hierarchy, one entry per task: y_i and its scale
/// (the standard error s_i, the trials n_i, or the exposure t_i). They are sufficient: the
/// marginal likelihood of θ and the posterior of φ_i depend on a task only through them.
public struct ConjugateTasks: Sendable, Equatable {
    /// The hierarchy.
    public var kind: ConjugateKind
    /// y_i: the estimate, the successes, or the count.
    public var responses: [Double]
    /// s_i, n_i or t_i.
    public var scales: [Double]
    /// Task names, for reports and the CSV (`1`, `2`, … when none are given).
    public var ids: [String]

    /// Validated summaries.
    /// - Parameters:
    ///   - kind: the hierarchy.
    ///   - responses: y_i per task.
    ///   - scales: s_i > 0, n_i ≥ y_i (whole numbers), or t_i > 0 per task.
    ///   - ids: task names (numbered from 1 when empty).
    ///   - responseColumn: the column name to put in errors about y.
    ///   - scaleColumn: the column name to put in errors about the scale.
    /// - Throws: ``InputError`` naming the column and the task (1-based) for a value the
    ///   family cannot take: a non-finite value, a standard error ≤ 0, successes below 0 or
    ///   above the trials, a count below 0, an exposure ≤ 0, or no tasks.
    public init(kind: ConjugateKind, responses: [Double], scales: [Double], ids: [String] = [],
                responseColumn: String? = nil, scaleColumn: String? = nil) throws {
        let yName = responseColumn ?? kind.responseWord, sName = scaleColumn ?? kind.scaleWord
        guard responses.count == scales.count else {
            throw InputError(column: sName, kind: .inconsistent, "\(scales.count) values of the \(kind.scaleWord) for \(responses.count) tasks")
        }
        guard !responses.isEmpty else { throw InputError(kind: .empty, "no tasks to fit") }
        let names = ids.isEmpty ? (1...responses.count).map(String.init) : ids
        for i in responses.indices {
            let y = responses[i], s = scales[i], task = "task \(InputError.quoted(names[i]))"
            guard y.isFinite else { throw InputError(column: yName, kind: .badNumber, "\(task): \(y) is not a finite number") }
            guard s.isFinite else { throw InputError(column: sName, kind: .badNumber, "\(task): \(s) is not a finite number") }
            switch kind {
            case .normalNormal:
                guard s > 0 else { throw InputError(column: sName, kind: .invalidValue, "\(task): the standard error must be positive, got \(s)") }
            case .betaBinomial:
                guard s >= 1, s == s.rounded() else { throw InputError(column: sName, kind: .invalidValue, "\(task): the trials must be a whole number ≥ 1, got \(s)") }
                guard y >= 0, y == y.rounded() else { throw InputError(column: yName, kind: .invalidValue, "\(task): the successes must be a whole number ≥ 0, got \(y)") }
                guard y <= s else { throw InputError(column: yName, kind: .invalidValue, "\(task): \(y) successes out of \(s) trials (trials < successes)") }
            case .gammaPoisson:
                guard s > 0 else { throw InputError(column: sName, kind: .invalidValue, "\(task): the exposure must be positive, got \(s)") }
                guard y >= 0, y == y.rounded() else { throw InputError(column: yName, kind: .invalidValue, "\(task): the count must be a whole number ≥ 0, got \(y)") }
            }
        }
        self.kind = kind
        self.responses = responses
        self.scales = scales
        self.ids = names
    }

    /// Number of tasks J.
    public var count: Int { responses.count }

    /// The raw per-task estimate of φ_i: y_i, y_i/n_i, or y_i/t_i.
    public func rawEstimate(_ i: Int) -> Double {
        kind == .normalNormal ? responses[i] : responses[i] / scales[i]
    }

    /// One task's summary (y, scale) from its rows, each row checked as a task of its own:
    /// successes and trials or counts and exposures add up; estimates with standard errors
    /// combine by inverse variance (y = Σ y_j/s_j² / Σ 1/s_j², s = (Σ 1/s_j²)^(−1/2), the
    /// exact sufficient statistic of N(φ, s_j²) rows).
    /// - Throws: ``InputError`` naming the column, the task and the row within it.
    public static func aggregate(kind: ConjugateKind, responses: [Double], scales: [Double], responseColumn: String,
                                 scaleColumn: String, task: String) throws -> (response: Double, scale: Double) {
        var y = 0.0, s = 0.0
        for j in responses.indices {
            do {
                _ = try ConjugateTasks(kind: kind, responses: [responses[j]], scales: [scales[j]], ids: [task],
                                       responseColumn: responseColumn, scaleColumn: scaleColumn)
            } catch var error as InputError {
                error.message = error.message.replacingOccurrences(of: "task \(InputError.quoted(task)):", with: "task \(InputError.quoted(task)), row \(j + 1) of the task:")
                throw error
            }
            if kind == .normalNormal {
                let w = 1 / (scales[j] * scales[j])
                y += w * responses[j]; s += w
            } else {
                y += responses[j]; s += scales[j]
            }
        }
        return kind == .normalNormal ? (y / s, 1 / s.squareRoot()) : (y, s)
    }
}
