// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension PriorFile: Codable {
    enum CodingKeys: String, CodingKey {
        case formatVersion, metapriorVersion, model, inputs, target, taskColumn, logMarginalLikelihood, tasks, observations,
             iterations, converged, gradientNorm, training
    }

    /// Writes the shared keys and, into the same object, the family's own.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(metapriorVersion, forKey: .metapriorVersion)
        try container.encode(model, forKey: .model)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(target, forKey: .target)
        try container.encode(taskColumn, forKey: .taskColumn)
        try container.encode(logMarginalLikelihood, forKey: .logMarginalLikelihood)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(observations, forKey: .observations)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(converged, forKey: .converged)
        try container.encode(gradientNorm, forKey: .gradientNorm)
        try container.encode(training, forKey: .training)
        try prior.encode(to: encoder)
    }

    /// Reads the shared keys, then the family's keys through the family `model` names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        metapriorVersion = try container.decode(String.self, forKey: .metapriorVersion)
        let family = try ModelRegistry.family(named: try container.decode(String.self, forKey: .model))
        let inputs = try container.decode([String].self, forKey: .inputs)
        target = try container.decode(String.self, forKey: .target)
        taskColumn = try container.decode(String.self, forKey: .taskColumn)
        logMarginalLikelihood = try container.decode(Double.self, forKey: .logMarginalLikelihood)
        tasks = try container.decode(Int.self, forKey: .tasks)
        observations = try container.decode(Int.self, forKey: .observations)
        iterations = try container.decode(Int.self, forKey: .iterations)
        converged = try container.decode(Bool.self, forKey: .converged)
        gradientNorm = try container.decode(Double.self, forKey: .gradientNorm)
        training = try container.decode(TrainingConditions.self, forKey: .training)
        try training.validateEpisodeKeys()
        prior = try family.decodePrior(from: decoder)
        guard prior.inputs == inputs else {
            throw InputError(column: "inputs", kind: .inconsistent, "lists \(inputs.joined(separator: ", ")) but the model reads \(prior.inputs.joined(separator: ", ")); the file is inconsistent")
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
    ///   `format_version`, an unknown `model`, or a key that is missing or of the wrong type.
    public static func read(_ path: String) throws -> PriorFile {
        try LoadedPrior(path: path).file
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
            if let problem = JSONSyntax.firstProblem(in: [UInt8](data)) {
                throw InputError(file: file, kind: .malformed,
                                 "not a metaprior prior file (invalid JSON at line \(problem.line), column \(problem.column): \(problem.reason))")
            }
            throw InputError(file: file, kind: .malformed, "not a metaprior prior file (\(describe(error)))")
        }
        guard version.formatVersion <= currentFormatVersion, version.formatVersion >= 1 else {
            throw InputError(file: file, column: "format_version", kind: .invalidValue,
                             "is \(version.formatVersion); this metaprior \(MetaPriorVersion.string) reads format_version 1 to \(currentFormatVersion) (upgrade metaprior to read it)")
        }
        do {
            return try decoder.decode(PriorFile.self, from: data)
        } catch var error as InputError {
            error.file = file
            throw error
        } catch {
            throw InputError(file: file, kind: .malformed, "corrupt prior file: \(describe(error))")
        }
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
