// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The prior file: a fitted prior with everything needed to use it on a new task and to know
/// how it was made. Versioned JSON with snake_case keys (documented in the README).
public struct PriorFile: Codable, Sendable, Equatable {
    /// The newest `format_version` this build reads and the one it writes.
    public static let currentFormatVersion = 1

    public var formatVersion: Int = PriorFile.currentFormatVersion
    public var metapriorVersion: String = MetaPriorVersion.string
    /// `linear_gaussian`: φ ~ N(μ, Σ), y | x, φ ~ N(f(x)ᵀφ, σ²).
    public var model: String = "linear_gaussian"
    /// The feature map f, with everything needed to rebuild it.
    public var basis: FeatureMap
    /// Feature names, in the order of `mean` and `covariance`.
    public var features: [String]
    /// Names of the input columns the basis reads.
    public var inputs: [String]
    /// Name of the target column.
    public var target: String
    /// Name of the task column of the training data.
    public var taskColumn: String
    /// Shape of Σ: full, diagonal or isotropic.
    public var covarianceStructure: CovarianceStructure
    /// μ.
    public var mean: [Double]
    /// Σ, row-major nested arrays.
    public var covariance: [[Double]]
    /// σ².
    public var noiseVariance: Double
    /// Σ_i w_i log p(D_i | θ) at the fit.
    public var logMarginalLikelihood: Double
    /// Number of meta-train tasks and observations.
    public var tasks: Int
    public var observations: Int
    /// Iterations (EM + quasi-Newton) and whether the fit converged.
    public var iterations: Int
    public var converged: Bool
    /// Largest |∂ℓ/∂θ| at the fit.
    public var gradientNorm: Double
    /// Features whose between-task variance is exactly zero (on its boundary).
    public var flooredFeatures: [String]
    /// Whether Σ is singular at the fit (on its boundary: a zero variance or a correlation of
    /// ±1); optional so that files written before the key existed still read.
    public var singular: Bool?
    /// How the prior was trained.
    public var training: TrainingConditions

    /// The conditions a prior was meta-trained under, so they can be matched at test time.
    public struct TrainingConditions: Codable, Sendable, Equatable {
        /// `marginal` (empirical Bayes on whole tasks) or `episodic`.
        public var objective: String
        /// The training data file as given, and the SHA-256 of its bytes.
        public var dataFile: String
        public var dataDigest: String?
        /// Per-task weights: the column they came from, if any.
        public var weights: String?
        /// The episode spec of an episodic fit: support size K (`5`) or range (`1-10`), query
        /// size Q and the sampler's seed; with ``episodes``, the episodes trained on (per
        /// mini-batch when ``batchEpisodes`` is set). ``episodeSpec`` rebuilds the spec.
        public var shots: String?
        public var query: String?
        public var seed: UInt64?
        public var episodes: Int?
        public var batchEpisodes: Int?
        /// Mean log p(y_q | D_s, θ) per query point on the training episodes, at the marginal
        /// start and at the episodic fit.
        public var startLogPredictive: Double?
        public var logPredictive: Double?
        /// Fewest and most points of a meta-train task (what a marginal fit has seen).
        public var taskSizeMin: Int?
        public var taskSizeMax: Int?
        /// The meta-split the training tasks came from: `fractions` (train,validation,test),
        /// its seed, or `lists`; and the part trained on.
        public var split: String?
        public var splitSeed: UInt64?
        public var partition: String?
        /// Content digests of the meta-train tasks (see ``TaskData/contentDigest``), sorted, so
        /// `evaluate` can refuse to score tasks the prior was fitted on, under any identifier.
        public var trainingTaskDigests: [String]?

        public init(objective: String, dataFile: String, dataDigest: String?, weights: String? = nil) {
            self.objective = objective
            self.dataFile = dataFile
            self.dataDigest = dataDigest
            self.weights = weights
        }

        /// The support sizes the prior was meta-trained for: the episode shots of an episodic
        /// fit; `nil` for a marginal fit.
        public var shotRange: ShotRange? {
            guard objective == "episodic", let shots else { return nil }
            return try? ShotRange(parsing: shots)
        }

        /// The sampler spec of an episodic fit (K_max support, Q query, seed).
        public var episodeSpec: EpisodeSpec? {
            guard let range = shotRange, let query, let q = EpisodeSpec.QueryShots(query), let seed else { return nil }
            return EpisodeSpec(shots: range.upper, query: q, withReplacement: true, seed: seed)
        }

        /// A plain statement when a support size of `k` is outside what the prior was
        /// meta-trained for, else `nil`. Episodic: K outside the trained shots. Marginal: K
        /// larger than every meta-train task (the whole-task fit never saw that many points).
        public func supportSizeMismatch(_ k: Int) -> String? {
            if let range = shotRange {
                guard !range.contains(k) else { return nil }
                return "the support size K = \(k) is outside what this prior was meta-trained for (episodic, K = \(range)); train and test conditions do not match"
            }
            if let taskSizeMax, k > taskSizeMax {
                return "the support size K = \(k) is larger than any meta-train task (at most \(taskSizeMax) points) this prior was fitted on; train and test conditions do not match"
            }
            return nil
        }
    }

    /// The file of a fit.
    public init(fit: PriorFitResult, basis: FeatureMap, dataset: MetaDataset, training: TrainingConditions,
                structure: CovarianceStructure) {
        self.basis = basis
        self.features = basis.featureNames
        self.inputs = basis.inputNames
        self.target = dataset.targetName
        self.taskColumn = dataset.taskColumn
        self.covarianceStructure = structure
        self.mean = fit.prior.mean
        self.covariance = fit.prior.covariance.nestedRows
        self.noiseVariance = fit.prior.noiseVariance
        self.logMarginalLikelihood = fit.logMarginalLikelihood
        self.tasks = fit.tasks
        self.observations = fit.observations
        self.iterations = fit.iterations
        self.converged = fit.converged
        self.gradientNorm = fit.gradientNorm
        self.flooredFeatures = fit.flooredComponents.map { basis.featureNames[$0] }
        self.singular = fit.singular
        self.training = training
    }

    /// The prior θ this file holds.
    public func prior(file: String = "prior") throws -> GaussianPrior {
        guard features == basis.featureNames, mean.count == features.count else {
            throw InputError(file: file, column: "features", "\(features.count) features but \(mean.count) means; the file is inconsistent")
        }
        do {
            return try GaussianPrior(mean: mean, covariance: try Matrix(covariance), noiseVariance: noiseVariance)
        } catch var error as InputError {
            error.file = file
            throw error
        } catch {
            throw InputError(file: file, column: "covariance", "\(error)")
        }
    }

    /// The JSON bytes (pretty, keys sorted, so the same prior always gives the same bytes).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Reads a prior file.
    /// - Throws: ``InputError`` naming the file for a missing or corrupt file, a newer
    ///   `format_version`, or a key that is missing or of the wrong type.
    public static func read(_ path: String) throws -> PriorFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot read the prior file" : "no such file")
        }
        return try decode(data, file: path)
    }

    /// Decodes prior-file JSON; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws -> PriorFile {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct Version: Decodable { var formatVersion: Int }
        let version: Version
        do {
            version = try decoder.decode(Version.self, from: data)
        } catch {
            throw InputError(file: file, "not a metaprior prior file (\(describe(error)))")
        }
        guard version.formatVersion <= currentFormatVersion, version.formatVersion >= 1 else {
            throw InputError(file: file, column: "format_version",
                             "is \(version.formatVersion); this metaprior \(MetaPriorVersion.string) reads format_version 1 to \(currentFormatVersion) (upgrade metaprior to read it)")
        }
        let prior: PriorFile
        do {
            prior = try decoder.decode(PriorFile.self, from: data)
        } catch {
            throw InputError(file: file, "corrupt prior file: \(describe(error))")
        }
        _ = try prior.prior(file: file)  // validates sizes, symmetry and definiteness
        return prior
    }

    private static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".")
        }
        func snake(_ key: String) -> String {
            key.reduce(into: "") { out, c in if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) } }
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let prefix = path(context.codingPath)
            return "missing key '\(prefix.isEmpty ? "" : prefix + ".")\(snake(key.stringValue))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "key '\(path(context.codingPath))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            let where_ = path(context.codingPath)
            return (where_.isEmpty ? "" : "key '\(where_)': ") + "invalid JSON"
        default:
            return "\(error)"
        }
    }
}
