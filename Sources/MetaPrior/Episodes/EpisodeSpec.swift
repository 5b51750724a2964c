// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// How episodes are cut from tasks: the mechanistic view's contract between meta-training and
/// meta-testing. Store it with a fitted prior and reuse it at test time, so the episodes met
/// then look like the ones trained on.
///
/// Regression (no ``ways``): each episode takes one task and draws ``shots`` support rows and
/// ``query`` query rows from it, without replacement, so support and query never share a row.
/// Classification (``ways`` = N): each episode takes one task, N of its classes, and per
/// class ``shots`` support and ``query`` query rows; the N classes get labels 0..<N in a random
/// order. A task too small for that is skipped (and counted) or rejected, per ``smallTasks``.
///
/// JSON form (snake_case):
/// `{"format":"metaprior-episode-spec","version":1,"shots":5,"query_shots":10,"ways":null,"with_replacement":true,"seed":1,"small_tasks":"skip"}`
/// where `query_shots` is a number or `"all"`.
public struct EpisodeSpec: Codable, Sendable, Equatable, Hashable {
    /// Query points per task (or per class): a number, or every point not in the support set.
    public enum QueryShots: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
        /// A fixed number Q of query points per task (or per class).
        case count(Int)
        /// Every point of the task not in the support set (`"all"`); the task then needs K + 1 rows.
        case allRemaining

        /// Reads a number or the text `"all"`.
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let n = try? container.decode(Int.self) { self = .count(n); return }
            let text = try container.decode(String.self)
            guard let parsed = QueryShots(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "query_shots must be a number or \"all\", not \"\(text)\"")
            }
            self = parsed
        }

        /// Writes a number, or `"all"` for ``allRemaining``.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .count(let n): try container.encode(n)
            case .allRemaining: try container.encode("all")
            }
        }

        /// Reads `5` or `all`.
        public init?(_ text: String) {
            if text == "all" { self = .allRemaining } else if let n = Int(text) { self = .count(n) } else { return nil }
        }

        /// `10` or `all`, as the CLI's `--query` and the JSON's `query_shots` write it.
        public var description: String {
            switch self {
            case .count(let n): return "\(n)"
            case .allRemaining: return "all"
            }
        }
    }

    /// What to do with a task (or class) too small for shots + query.
    public enum SmallTaskPolicy: String, Codable, Sendable, CaseIterable {
        /// Leave it out and count it.
        case skip
        /// Stop with an error naming it.
        case reject
    }

    /// Support points K per task (regression) or per class (classification).
    public var shots: Int
    /// Query points Q per task or per class.
    public var query: QueryShots
    /// Classes N per episode; `nil` samples rows of a task without regard to class.
    public var ways: Int?
    /// Whether each episode picks its task independently (`true`), or episodes go through the
    /// tasks in passes, each task once per pass in a seeded random order (`false`).
    public var withReplacement: Bool
    /// Seed of the episode streams: episode e draws from `RandomStream(seed, e)`.
    public var seed: UInt64
    /// Skip or reject tasks too small for the spec.
    public var smallTasks: SmallTaskPolicy

    /// A spec from its fields; by default regression (no ways), tasks drawn with replacement,
    /// small tasks skipped.
    public init(shots: Int, query: QueryShots, ways: Int? = nil, withReplacement: Bool = true, seed: UInt64,
                smallTasks: SmallTaskPolicy = .skip) {
        self.shots = shots
        self.query = query
        self.ways = ways
        self.withReplacement = withReplacement
        self.seed = seed
        self.smallTasks = smallTasks
    }

    enum CodingKeys: String, CodingKey {
        case format, version, shots
        case query = "query_shots"
        case ways
        case withReplacement = "with_replacement"
        case seed
        case smallTasks = "small_tasks"
    }

    static let format = "metaprior-episode-spec"
    static let version = 1

    /// Reads the JSON form, checking `format` and refusing a `version` newer than this build's.
    /// Absent optional keys take their defaults (`with_replacement` true, `small_tasks` skip).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let format = try c.decodeIfPresent(String.self, forKey: .format), format != Self.format {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription: "not an episode spec (format \(InputError.quoted(format)))")
        }
        if let version = try c.decodeIfPresent(Int.self, forKey: .version), version > Self.version {
            throw DecodingError.dataCorruptedError(forKey: .version, in: c, debugDescription: "episode spec version \(version) is newer than this metaprior reads (\(Self.version))")
        }
        shots = try c.decode(Int.self, forKey: .shots)
        query = try c.decode(QueryShots.self, forKey: .query)
        ways = try c.decodeIfPresent(Int.self, forKey: .ways)
        withReplacement = try c.decodeIfPresent(Bool.self, forKey: .withReplacement) ?? true
        seed = try c.decode(UInt64.self, forKey: .seed)
        smallTasks = try c.decodeIfPresent(SmallTaskPolicy.self, forKey: .smallTasks) ?? .skip
    }

    /// Writes the JSON form, `format` and `version` included, `ways` as `null` for regression.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.format, forKey: .format)
        try c.encode(Self.version, forKey: .version)
        try c.encode(shots, forKey: .shots)
        try c.encode(query, forKey: .query)
        if let ways { try c.encode(ways, forKey: .ways) } else { try c.encodeNil(forKey: .ways) }
        try c.encode(withReplacement, forKey: .withReplacement)
        try c.encode(seed, forKey: .seed)
        try c.encode(smallTasks, forKey: .smallTasks)
    }

    /// The most support shots K, or query shots Q, per task (or class): 100,000,000. A task
    /// must hold K + Q rows in memory, and 100 million rows of even one input column is
    /// already 1.6 GB; the bound also keeps K + Q and N·(K + Q) far from `Int` overflow.
    public static let maximumShots = 100_000_000
    /// The most ways N: 100,000 classes per episode, far more than any few-shot benchmark
    /// (Omniglot has 1,623 classes in all), and small enough that N·(K + Q) cannot overflow.
    public static let maximumWays = 100_000

    /// Checks the counts: 0 ≤ K and 1 ≤ Q up to ``maximumShots``, 2 ≤ N ≤ ``maximumWays``.
    public func validate() throws {
        guard shots >= 0, shots <= Self.maximumShots else {
            throw InputError(column: "shots", kind: .invalidValue,
                             "the number of support shots must be from 0 to \(Self.maximumShots), not \(shots)")
        }
        if case .count(let q) = query, q < 1 || q > Self.maximumShots {
            throw InputError(column: "query_shots", kind: .invalidValue,
                             q < 1 ? "the number of query shots must be at least 1 (or \"all\"), not \(q)"
                                   : "the number of query shots must be from 1 to \(Self.maximumShots) (or \"all\"), not \(q)")
        }
        if let ways, ways < 2 || ways > Self.maximumWays {
            throw InputError(column: "ways", kind: .invalidValue,
                             ways < 2 ? "ways must be at least 2, not \(ways)" : "ways must be from 2 to \(Self.maximumWays), not \(ways)")
        }
    }

    /// The fewest rows a task (or class) needs: K + Q, or K + 1 when the query takes all the
    /// rest (saturating at `Int.max` for counts ``validate()`` refuses, never trapping).
    public var rowsNeeded: Int {
        let extra: Int
        switch query {
        case .count(let q): extra = q
        case .allRemaining: extra = 1
        }
        let (sum, overflow) = shots.addingReportingOverflow(extra)
        return overflow ? Int.max : sum
    }

    /// The spec as pretty-printed JSON with sorted keys (byte-identical for equal specs).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a spec written by ``jsonData()``.
    /// - Throws: ``InputError`` naming the file and the key at fault.
    public static func read(json path: String) throws -> EpisodeSpec {
        let bytes = try FileBytes(path: path, what: "an episode spec file")
        let data = bytes.withBytes { Data(bytes: $0, count: bytes.count) }
        do {
            let spec = try JSONDecoder().decode(EpisodeSpec.self, from: data)
            do { try spec.validate() } catch let error as InputError { throw InputError(file: path, column: error.column, error.message) }
            return spec
        } catch let error as DecodingError {
            if let problem = JSONSyntax.firstProblem(in: [UInt8](data)) {
                throw InputError(file: path, kind: .malformed,
                                 "not a valid episode spec (invalid JSON at line \(problem.line), column \(problem.column): \(problem.reason))")
            }
            if let (key, text) = outOfRangeNumber(data) {
                let ranges = ["seed": " from 0 to \(UInt64.max)", "shots": " from 0 to \(maximumShots)",
                              "query_shots": " from 1 to \(maximumShots) (or \"all\")", "ways": " from 2 to \(maximumWays)"]
                throw InputError(file: path, column: key, kind: .invalidValue, "must be a whole number\(ranges[key] ?? ""), not \(text)")
            }
            switch error {
            case .keyNotFound(let key, _): throw InputError(file: path, column: key.stringValue, "missing key")
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                throw InputError(file: path, column: context.codingPath.last?.stringValue, context.debugDescription)
            @unknown default: throw InputError(file: path, "not a valid episode spec")
            }
        }
    }

    /// The first count key whose number does not fit its type (a negative or fractional seed,
    /// a count beyond `Int`), which `JSONDecoder` reports without naming the key.
    private static func outOfRangeNumber(_ data: Data) -> (key: String, text: String)? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        for key in ["shots", "query_shots", "ways", "seed", "version"] {
            guard let number = object[key] as? NSNumber, !(object[key] is Bool),
                  let alone = try? JSONSerialization.data(withJSONObject: [key: number]) else { continue }
            let decoder = JSONDecoder()
            let fits = key == "seed" ? (try? decoder.decode([String: UInt64].self, from: alone)) != nil
                                     : (try? decoder.decode([String: Int].self, from: alone)) != nil
            if !fits { return (key, number.stringValue) }
        }
        return nil
    }
}
