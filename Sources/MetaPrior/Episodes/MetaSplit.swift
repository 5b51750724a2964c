// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The three parts of a meta-dataset: tasks to meta-train on, to tune on, and to test on.
public enum MetaPartition: String, Codable, Sendable, CaseIterable {
    /// Meta-train: the tasks θ is fitted to.
    case train
    /// Meta-validation: tasks held out to choose settings (basis, K, objective) on.
    case validation
    /// Meta-test: tasks held out to score the adapted prior on, used once.
    case test
}

/// A partition of task identifiers into meta-train / meta-validation / meta-test.
///
/// Deterministic and stable under reordering of the input: by fractions, tasks are ranked
/// by a seeded 64-bit hash of their identifier (ties by identifier) and cut into consecutive
/// runs of the requested sizes; explicit lists are taken as given. Lists are kept sorted.
public struct MetaSplit: Codable, Sendable, Equatable {
    /// Identifiers of the meta-train tasks, sorted by their UTF-8 bytes.
    public var train: [String]
    /// Identifiers of the meta-validation tasks, sorted likewise.
    public var validation: [String]
    /// Identifiers of the meta-test tasks, sorted likewise.
    public var test: [String]

    /// A split from three lists, sorted here (by UTF-8 bytes, so the order never depends on the
    /// locale); the lists are not checked for overlap.
    public init(train: [String], validation: [String], test: [String]) {
        let sort: ([String]) -> [String] = { $0.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        self.train = sort(train)
        self.validation = sort(validation)
        self.test = sort(test)
    }

    /// The identifiers in one part.
    public func ids(_ part: MetaPartition) -> [String] {
        switch part {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// Which part a task is in, if any.
    public func partition(of id: String) -> MetaPartition? {
        MetaPartition.allCases.first { ids($0).contains(id) }
    }

    /// The seeded rank key of a task identifier: SplitMix64 of (FNV-1a of its UTF-8) ⊕ seed.
    public static func rankKey(_ id: String, seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return SplitMix64.mix(h ^ SplitMix64.mix(seed))
    }

    /// Splits `ids` by fractions (each ≥ 0, summing to 1); sizes are rounded by largest
    /// remainder, so they add up to the number of tasks exactly.
    /// - Throws: ``InputError`` for negative fractions, fractions that do not sum to 1, or
    ///   duplicated identifiers.
    public static func byFractions(ids: [String], train: Double, validation: Double, test: Double, seed: UInt64) throws -> MetaSplit {
        let fractions = [train, validation, test]
        guard fractions.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw InputError(column: "split", "fractions must be non-negative numbers, not \(fractions.map { "\($0)" }.joined(separator: ","))")
        }
        let total = fractions.reduce(0, +)
        guard abs(total - 1) < 1e-6 else {
            throw InputError(column: "split", "fractions must add up to 1, not \(total)")
        }
        guard Set(ids).count == ids.count else { throw InputError(column: "split", "duplicated task identifiers") }
        let n = ids.count
        let exact = fractions.map { $0 * Double(n) }
        var sizes = exact.map { Int($0.rounded(.down)) }
        let byRemainder = (0..<3).sorted { (exact[$0] - Double(sizes[$0])) > (exact[$1] - Double(sizes[$1])) }
        var left = n - sizes.reduce(0, +)
        for k in byRemainder where left > 0 { sizes[k] += 1; left -= 1 }
        let ranked = ids.map { ($0, rankKey($0, seed: seed)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map(\.0)
        return MetaSplit(train: Array(ranked[0..<sizes[0]]),
                         validation: Array(ranked[sizes[0]..<(sizes[0] + sizes[1])]),
                         test: Array(ranked[(sizes[0] + sizes[1])...]))
    }

    /// Splits by explicit lists. Tasks in no list go to meta-train when `train` is `nil`,
    /// and are left out otherwise.
    /// - Throws: ``InputError`` for a name that is not a task, or a task in two lists.
    public static func explicit(ids: [String], train: [String]?, validation: [String]?, test: [String]?) throws -> MetaSplit {
        let known = Set(ids)
        var seen: [String: String] = [:]
        for (name, list) in [("train", train), ("validation", validation), ("test", test)] {
            for id in list ?? [] {
                guard known.contains(id) else { throw InputError(column: "\(name)-tasks", "no task \(InputError.quoted(id)) in the data") }
                if let other = seen[id] {
                    throw InputError(column: "\(name)-tasks", "task \(InputError.quoted(id)) is already in the \(other) list")
                }
                seen[id] = name
            }
        }
        let rest = ids.filter { seen[$0] == nil }
        return MetaSplit(train: train ?? rest, validation: validation ?? [], test: test ?? [])
    }

    /// `task,split` CSV, one row per task, in canonical order.
    public func csvBytes(taskColumn: String = "task") -> [UInt8] {
        var writer = CSVWriter()
        writer.row([taskColumn, "split"])
        let rows = MetaPartition.allCases.flatMap { part in ids(part).map { ($0, part.rawValue) } }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        for (id, part) in rows { writer.row([id, part]) }
        return writer.bytes
    }
}
