// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// A fitted Model B prior: every class's weights w_c = (bias, coefficients) ~ N(0, V), with
/// the input columns it reads. A "task" handed to ``posterior(inputs:targets:)`` is one
/// labelled episode (its targets are class labels); φ is the weights of all its classes,
/// class by class in increasing label order.
///
/// Prior-file keys (snake case; the common `inputs` key lists the feature columns):
/// `weight_covariance` (V, p × p with p = 1 + inputs, the bias first; symmetric positive
/// definite), `weight_structure` (`full`, `diagonal` or `isotropic`; V must have that shape),
/// `classes` (meta-train classes, ≥ 2), `episodes` (meta-train episodes, ≥ 1), and `features`
/// when the prior reads a `pca:k` projection of its inputs (``PCAFeatures``; V is then
/// (k + 1) × (k + 1), and "inputs" below means the k components). The prior
/// mean is 0 (the softmax does not identify it; see ``SoftmaxFamily``). Every value is
/// validated when read.
public struct SoftmaxPrior: TaskPrior, Equatable {
    /// The feature columns, in order.
    public let inputs: [String]
    /// V (p × p, p = 1 + inputs.count), the bias first.
    public let covariance: Matrix
    /// The structure V was fitted with.
    public let structure: CovarianceStructure
    /// The meta-train classes V was fitted on.
    public let classes: Int
    /// The meta-train episodes (tasks) V was fitted on.
    public let episodes: Int
    /// The `pca:k` projection of the inputs the weights act on, or nil for the raw inputs.
    public let features: PCAFeatures?

    /// `softmax`.
    public var model: String { SoftmaxFamily.name }
    /// The weight names of a two-class episode (`w.<class>.bias`, `w.<class>.<input>`); an
    /// episode with N classes has N such blocks, class by class.
    public var parameterNames: [String] { (0..<2).flatMap(weightNames(ofClass:)) }
    /// The raw input columns with a bias.
    public var featureDescription: String {
        (features.map { "pca:\($0.count) of the \(inputs.count) inputs" } ?? "raw inputs (\(inputs.count))") + " and a bias"
    }
    /// The names of the features the weights act on: the inputs, or `pc1` … `pck`.
    var featureNames: [String] { features?.names ?? inputs }
    /// p = 1 + the number of features.
    var width: Int { featureNames.count + 1 }

    /// The names of class `c`'s weights.
    /// - Parameter c: the class's position in the episode.
    public func weightNames(ofClass c: Int) -> [String] { ["w.\(c).bias"] + featureNames.map { "w.\(c).\($0)" } }

    /// A prior with these feature columns.
    /// - Parameters:
    ///   - inputs: the feature names (d ≥ 1).
    ///   - covariance: V, (d + 1) × (d + 1), symmetric positive definite, of the given structure.
    ///   - structure: how V is restricted.
    ///   - classes: meta-train classes (≥ 2).
    ///   - episodes: meta-train episodes (≥ 1).
    ///   - features: the projection the weights act on (V is then (k + 1) × (k + 1)), or nil.
    /// - Throws: ``InputError`` naming the prior-file key whose value is invalid.
    public init(inputs: [String], covariance: Matrix, structure: CovarianceStructure, classes: Int, episodes: Int,
                features: PCAFeatures? = nil) throws {
        let p = (features?.count ?? inputs.count) + 1
        func fail(_ key: String, _ message: String) -> InputError { InputError(column: key, kind: .invalidValue, message) }
        guard !inputs.isEmpty else { throw fail("inputs", "the softmax prior needs at least one input") }
        if let features, features.mean.count != inputs.count {
            throw fail("features", "the pca basis reads \(features.mean.count) inputs, but the prior lists \(inputs.count)")
        }
        guard covariance.rows == p, covariance.columns == p else {
            throw fail("weight_covariance", "must be \(p)×\(p) (the bias and \(p - 1) features), not \(covariance.rows)×\(covariance.columns)")
        }
        guard covariance.isFinite else { throw fail("weight_covariance", "has non-finite entries") }
        let largest = covariance.elements.map(abs).max() ?? 0
        guard covariance.asymmetry <= 1e-10 * largest else { throw fail("weight_covariance", "is not symmetric") }
        guard (try? Cholesky(covariance)) != nil else { throw fail("weight_covariance", "is not positive definite") }
        var shaped = covariance.elements
        SoftmaxFit.restrict(&shaped, to: structure, width: p)
        guard zip(shaped, covariance.elements).allSatisfy({ abs($0 - $1) <= 1e-12 * max(largest, 1) }) else {
            throw fail("weight_covariance", "is not \(structure.rawValue) as weight_structure says")
        }
        guard classes >= 2 else { throw fail("classes", "must be at least 2, not \(classes)") }
        guard episodes >= 1 else { throw fail("episodes", "must be at least 1, not \(episodes)") }
        self.inputs = inputs
        self.covariance = covariance
        self.structure = structure
        self.classes = classes
        self.episodes = episodes
        self.features = features
    }

    /// The posterior of an episode's weights given its labelled points, by Laplace (the
    /// default of this entry point; see ``posterior(inputs:targets:sampling:)`` for MCMC).
    /// - Parameters:
    ///   - inputs: the episode's points, one per row, in the columns of ``inputs``.
    ///   - targets: each row's class label (a whole number); at least two classes.
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        try posterior(inputs: inputs, targets: targets, sampling: PosteriorSampling(method: .laplace))
    }

    /// The posterior as `sampling` asks: the Laplace approximation, or MCMC chains.
    /// - Parameters:
    ///   - inputs: as ``posterior(inputs:targets:)``.
    ///   - targets: as there.
    ///   - sampling: the representation, chains and seed.
    public func posterior(inputs: Matrix, targets: [Double], sampling: PosteriorSampling) throws -> any TaskPosterior {
        try episodePosterior(inputs: inputs, targets: targets, sampling: sampling)
    }

    /// ``posterior(inputs:targets:sampling:)`` as its concrete type.
    /// - Throws: ``InputError`` for labels that are not whole numbers, fewer than two classes or
    ///   a size mismatch.
    public func episodePosterior(inputs: Matrix, targets: [Double], sampling: PosteriorSampling = PosteriorSampling(method: .laplace))
        throws -> SoftmaxTaskPosterior {
        guard inputs.columns == self.inputs.count, targets.count == inputs.rows else {
            throw InputError(kind: .inconsistent, "an episode needs \(self.inputs.count) input columns and one label per row")
        }
        let (labels, classes) = try Self.remap(targets)
        // The posterior lives on the features: its logProbabilities take projected points.
        let episode = SoftmaxEpisode(points: inputs.nestedRows.map { features?.project($0) ?? $0 }, labels: labels, classes: classes.count)
        return try SoftmaxTaskPosterior(episode: episode, prior: self, classLabels: classes, sampling: sampling)
    }

    /// Labels as positions 0..<N in increasing label order, and the labels in that order.
    static func remap(_ targets: [Double]) throws -> (labels: [Int], classes: [Int]) {
        for label in targets {
            guard label.isFinite, label == label.rounded(), abs(label) < 1e9 else {
                throw InputError(kind: .badNumber, "a class label must be a whole number, not \(label)")
            }
        }
        let classes = Set(targets.map { Int($0) }).sorted()
        guard classes.count >= 2 else {
            throw InputError(kind: .invalidValue, "the support set holds \(classes.count) class; classifying needs at least two")
        }
        let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return (targets.map { position[Int($0)] ?? 0 }, classes)
    }

    /// θ for a person.
    public func reportLines() -> [String] {
        let names = ["bias"] + featureNames
        let sd = (0..<width).map { String(format: "%.4g", covariance[$0, $0].squareRoot()) }
        return ["Gaussian prior w_c ~ N(0, V) over every class's weights, \(classes) classes in \(episodes) episodes (V \(structure.rawValue)) on \(featureDescription):",
                "  prior sd of each weight: " + zip(names, sd).map { "\($0) \($1)" }.joined(separator: ", ")]
    }

    /// Whether `other` is an equal ``SoftmaxPrior``.
    /// - Parameter other: any prior.
    public func isEqual(to other: any TaskPrior) -> Bool { (other as? SoftmaxPrior) == self }

    enum CodingKeys: String, CodingKey { case inputs, weightCovariance, weightStructure, classes, episodes, features }

    /// Writes the keys listed on the type.
    /// - Parameter encoder: positioned at the prior file's object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(covariance.nestedRows, forKey: .weightCovariance)
        try container.encode(structure, forKey: .weightStructure)
        try container.encode(classes, forKey: .classes)
        try container.encode(episodes, forKey: .episodes)
        try container.encodeIfPresent(features, forKey: .features)
    }

    /// Reads and validates the keys listed on the type.
    /// - Parameter decoder: positioned at the prior file's object.
    /// - Throws: `DecodingError` for missing or mistyped keys, ``InputError`` for invalid values.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let inputs = try container.decode([String].self, forKey: .inputs)
        let rows = try container.decode([[Double]].self, forKey: .weightCovariance)
        guard !rows.isEmpty, rows.allSatisfy({ $0.count == rows.count }) else {
            throw InputError(column: "weight_covariance", kind: .inconsistent, "must be a non-empty square matrix")
        }
        try self.init(inputs: inputs, covariance: try Matrix(rows), structure: try container.decode(CovarianceStructure.self, forKey: .weightStructure),
                      classes: try container.decode(Int.self, forKey: .classes), episodes: try container.decode(Int.self, forKey: .episodes),
                      features: try container.decodeIfPresent(PCAFeatures.self, forKey: .features))
    }
}
