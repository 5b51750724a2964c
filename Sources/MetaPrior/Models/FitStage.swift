// SPDX-License-Identifier: GPL-3.0-or-later

/// One stage of a fit — what it optimised, by which method, and how it ended — as the report
/// on standard error, the demo and the prior file's `training.stages` all give it.
public struct FitStage: Codable, Sendable, Equatable {
    /// How a stage ended.
    public enum Ending: String, Codable, Sendable, Equatable {
        /// Its convergence criterion met the tolerance.
        case converged
        /// It used its iteration budget first.
        case iterationLimit = "iteration_limit"
        /// No step could improve the objective any more, with the criterion above tolerance.
        case stalled
        /// The fit's time limit (`fit --time-limit`) stopped it at the best point reached.
        case timeLimit = "time_limit"
        /// It runs a fixed number of iterations to start the next stage; it has no criterion.
        case handedOn = "handed_on"

        /// The words of the report.
        public var phrase: String {
            switch self {
            case .converged: "converged"
            case .iterationLimit: "NOT converged: iteration limit reached"
            case .stalled: "NOT converged: stalled (no step improves the objective)"
            case .timeLimit: "NOT converged: stopped at the time limit"
            case .handedOn: "handed on"
            }
        }
    }

    /// `em`, `marginal` or `episodic`.
    public var stage: String
    /// What it maximised, in words (`log marginal likelihood`).
    public var objective: String
    /// How (`quasi-Newton (BFGS) on Λ = chol(Σ)/σ`).
    public var method: String
    /// Iterations of this stage.
    public var iterations: Int
    /// The objective at its end.
    public var value: Double
    /// How it ended.
    public var ending: Ending
    /// The convergence criterion at its end, when it has one.
    public var criterion: Double?
    /// What the criterion measures (`largest |∂ℓ/∂Λ| per observation`).
    public var criterionName: String?
    /// The tolerance the criterion is held to.
    public var tolerance: Double?
    /// Rank of Σ at its end, when known.
    public var rank: Int?

    /// A stage from its parts.
    public init(stage: String, objective: String, method: String, iterations: Int, value: Double, ending: Ending,
                criterion: Double? = nil, criterionName: String? = nil, tolerance: Double? = nil, rank: Int? = nil) {
        self.stage = stage
        self.objective = objective
        self.method = method
        self.iterations = iterations
        self.value = value
        self.ending = ending
        self.criterion = criterion
        self.criterionName = criterionName
        self.tolerance = tolerance
        self.rank = rank
    }

    /// One line of the report: `episodic objective (mean log predictive density per query point)
    /// by Newton: converged after 12 iterations; value 4.35168; criterion 3.1e-12 (Newton
    /// decrement, tolerance 1e-09); rank 2 of 11`.
    public func line(dimension: Int? = nil) -> String {
        var text = "\(objective), \(method): \(ending.phrase) after \(iterations) iteration\(iterations == 1 ? "" : "s"); value \(significant(value, 10))"
        if let criterion {
            text += "; criterion \(significant(criterion, 2))"
            if let criterionName { text += " (\(criterionName)\(tolerance.map { ", tolerance \(significant($0, 2))" } ?? ""))" }
        }
        if let rank { text += "; rank of Σ \(rank)\(dimension.map { " of \($0)" } ?? "")" }
        return text
    }

    /// The stage lines of a report, numbered: `  stage 1, log marginal likelihood, …`.
    public static func reportLines(_ stages: [FitStage], dimension: Int? = nil, indent: String = "  ") -> [String] {
        stages.enumerated().map { "\(indent)stage \($0.offset + 1), \($0.element.line(dimension: dimension))" }
    }
}
