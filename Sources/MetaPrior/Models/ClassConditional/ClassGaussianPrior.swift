// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A fitted Model A prior on the task seam: NIW(μ₀, κ, Ψ, ν) over the (m, Σ) of every class,
/// with the input columns it reads. A "task" handed to ``posterior(inputs:targets:)`` is one
/// class's points; φ is that class's mean m.
///
/// Prior-file keys (snake case; the common `inputs` key lists the feature columns):
/// `prior_mean` (μ₀), `kappa` (κ > 0), `psi` (Ψ, d×d symmetric positive definite),
/// `nu` (ν > d − 1), `psi_structure` (`full`, `diagonal` or `isotropic`) and `classes` (the
/// number of meta-train classes), and `features` when the prior reads a `pca:k` projection
/// of its inputs (``PCAFeatures``; μ₀ and Ψ are then k-dimensional). Every value is validated
/// when read.
public struct ClassGaussianPrior: TaskPrior, Equatable {
    /// The feature columns, in order.
    public let inputs: [String]
    /// θ.
    public let niw: NormalInverseWishart
    /// The structure Ψ was fitted with.
    public let structure: CovarianceStructure
    /// The meta-train classes θ was fitted on.
    public let classes: Int
    /// The `pca:k` projection of the inputs θ lives on, or nil for the raw inputs.
    public let features: PCAFeatures?

    /// `class_gaussian`.
    public var model: String { ClassGaussianFamily.name }
    /// `mean.<input>` for each input: φ is a class's mean.
    public var parameterNames: [String] { (features?.names ?? inputs).map { "mean.\($0)" } }
    /// The raw input columns, or their principal components.
    public var featureDescription: String {
        features.map { "pca:\($0.count) of the \(inputs.count) inputs" } ?? "raw inputs (\(inputs.count))"
    }

    /// A prior over classes with these feature columns.
    /// - Parameters:
    ///   - inputs: one name per dimension of `niw`.
    ///   - niw: θ.
    ///   - structure: how Ψ was restricted.
    ///   - classes: the number of meta-train classes.
    ///   - features: the projection `niw` lives on (its k matches the dimension), or nil.
    /// - Throws: ``InputError`` if the names or the projection do not match the dimension.
    public init(inputs: [String], niw: NormalInverseWishart, structure: CovarianceStructure, classes: Int, features: PCAFeatures? = nil) throws {
        if let features {
            guard features.mean.count == inputs.count, features.count == niw.dimension else {
                throw InputError(column: "features", kind: .inconsistent,
                                 "a pca basis of \(features.mean.count) inputs and \(features.count) components for \(inputs.count) inputs and a prior of dimension \(niw.dimension)")
            }
        } else {
            guard inputs.count == niw.dimension else {
                throw InputError(column: "inputs", kind: .inconsistent, "\(inputs.count) inputs for a prior of dimension \(niw.dimension)")
            }
        }
        self.features = features
        self.inputs = inputs
        self.niw = niw
        self.structure = structure
        self.classes = classes
    }

    /// The posterior of a class's mean given its points (one per row of `inputs`); `targets`
    /// must have one entry per row and is otherwise ignored (all rows are the one class).
    /// - Parameters:
    ///   - inputs: the class's points, one per row, in the columns of ``inputs``.
    ///   - targets: one (ignored) value per row.
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        guard inputs.columns == self.inputs.count, targets.count == inputs.rows else {
            throw InputError(kind: .inconsistent, "a class needs \(self.inputs.count) input columns and one label per row")
        }
        let rows = inputs.nestedRows.map { features?.project($0) ?? $0 }
        return try ClassMeanPosterior(prior: niw, data: rows.isEmpty ? nil : ClassStatistics(points: rows))
    }

    /// θ for a person.
    public func reportLines() -> [String] {
        func list(_ xs: [Double]) -> String { xs.map { String(format: "%.6g", $0) }.joined(separator: ", ") }
        return ["NIW prior over \(classes) meta-train classes (Ψ \(structure.rawValue)) on \(featureDescription):",
                "  μ₀ = (\(list(niw.mean)))",
                "  κ = \(String(format: "%.6g", niw.meanPrecision)), ν = \(String(format: "%.6g", niw.degreesOfFreedom))",
                "  Ψ = [\(niw.scale.nestedRows.map { "[\(list($0))]" }.joined(separator: ", "))]"]
    }

    /// Whether `other` is a ``ClassGaussianPrior`` equal to this one.
    /// - Parameter other: any prior.
    public func isEqual(to other: any TaskPrior) -> Bool { (other as? ClassGaussianPrior) == self }

    enum CodingKeys: String, CodingKey { case inputs, priorMean, kappa, psi, nu, psiStructure, classes, features }

    /// Writes the keys listed on the type.
    /// - Parameter encoder: positioned at the prior file's object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(niw.mean, forKey: .priorMean)
        try container.encode(niw.meanPrecision, forKey: .kappa)
        try container.encode(niw.scale.nestedRows, forKey: .psi)
        try container.encode(niw.degreesOfFreedom, forKey: .nu)
        try container.encode(structure, forKey: .psiStructure)
        try container.encode(classes, forKey: .classes)
        try container.encodeIfPresent(features, forKey: .features)
    }

    /// Reads and validates the keys listed on the type: sizes, finiteness, symmetry and
    /// definiteness of Ψ, κ > 0, ν > d − 1 (``NormalInverseWishart/init(mean:meanPrecision:scale:degreesOfFreedom:)``).
    /// - Parameter decoder: positioned at the prior file's object.
    /// - Throws: `DecodingError` for missing or mistyped keys, ``InputError`` for invalid values.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let inputs = try container.decode([String].self, forKey: .inputs)
        let mean = try container.decode([Double].self, forKey: .priorMean)
        let rows = try container.decode([[Double]].self, forKey: .psi)
        let classes = try container.decode(Int.self, forKey: .classes)
        guard classes >= 2 else { throw InputError(column: "classes", kind: .invalidValue, "must be at least 2, not \(classes)") }
        guard rows.count == mean.count, rows.allSatisfy({ $0.count == mean.count }) else {
            throw InputError(column: "psi", kind: .inconsistent, "must be \(mean.count)×\(mean.count), as prior_mean has \(mean.count) entries")
        }
        let niw: NormalInverseWishart
        do {
            niw = try NormalInverseWishart(mean: mean, meanPrecision: try container.decode(Double.self, forKey: .kappa),
                                           scale: try Matrix(rows), degreesOfFreedom: try container.decode(Double.self, forKey: .nu))
        } catch var error as InputError {
            if error.column == "mean" { error.column = "prior_mean" }
            throw error
        }
        try self.init(inputs: inputs, niw: niw, structure: try container.decode(CovarianceStructure.self, forKey: .psiStructure),
                      classes: classes, features: try container.decodeIfPresent(PCAFeatures.self, forKey: .features))
    }
}
