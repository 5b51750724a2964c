// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// How to split tasks into meta-train / meta-validation / meta-test, and which part to use.
public struct SplitRequest: Sendable, Equatable {
    /// How the tasks are split.
    public var rule: SplitRule
    /// The part to train on (or to score).
    public var partition: MetaPartition

    /// A request to split by `rule` and keep the part `partition`.
    public init(rule: SplitRule, partition: MetaPartition) {
        self.rule = rule
        self.partition = partition
    }

    /// The split of `dataset`'s tasks and the tasks of the chosen part.
    /// - Throws: ``InputError`` when the rule cannot be applied, or the part has no tasks.
    public func apply(to dataset: MetaDataset) throws -> (split: MetaSplit, subset: MetaDataset) {
        let split = try rule.split(dataset.taskIDs)
        let ids = split.ids(partition)
        guard !ids.isEmpty else {
            throw InputError(column: "--partition", kind: .empty, "the \(partition.rawValue) part of the split has no tasks")
        }
        return (split, try dataset.subset(ids: ids))
    }
}

/// A rule that splits task identifiers: by seeded fractions, or by explicit lists.
public enum SplitRule: Sendable, Equatable {
    /// Fractions train, validation, test (non-negative, summing to 1) of a seeded hash ranking
    /// (``MetaSplit/byFractions(ids:train:validation:test:seed:)``).
    case fractions(train: Double, validation: Double, test: Double, seed: UInt64)
    /// Explicit task lists; a task in no list goes to meta-train when the train list is not given
    /// (``MetaSplit/explicit(ids:train:validation:test:)``).
    case lists(train: [String]?, validation: [String]?, test: [String]?)

    /// The split of `ids`.
    public func split(_ ids: [String]) throws -> MetaSplit {
        switch self {
        case let .fractions(train, validation, test, seed):
            return try MetaSplit.byFractions(ids: ids, train: train, validation: validation, test: test, seed: seed)
        case let .lists(train, validation, test):
            return try MetaSplit.explicit(ids: ids, train: train, validation: validation, test: test)
        }
    }

    /// The rule as the prior file records it: `fractions 0.8,0.1,0.1`, or `lists`.
    public var recorded: RecordedSplit {
        switch self {
        case let .fractions(train, validation, test, _): return .fractions([train, validation, test])
        case .lists: return .lists
        }
    }

    /// The seed of a split by fractions.
    public var seed: UInt64? {
        if case let .fractions(_, _, _, seed) = self { return seed }
        return nil
    }
}

/// A split as a prior file records it (`training.split`): the fractions, or that task lists
/// were given. Written as the text `fractions 0.8,0.1,0.1` or `lists`.
public enum RecordedSplit: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A split by fractions (meta-train, meta-validation, meta-test), in that order.
    case fractions([Double])
    /// A split by explicit task lists (the lists themselves are not recorded).
    case lists

    /// `fractions 0.8,0.1,0.1` or `lists`, as the prior file stores it.
    public var description: String {
        switch self {
        case .fractions(let f): return "fractions " + f.map(Self.text).joined(separator: ",")
        case .lists: return "lists"
        }
    }

    /// A fraction as a person writes it: `0`, `1`, `0.8` (no `.0` on whole numbers).
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }

    /// Reads `fractions a,b,c` or `lists`.
    public init?(_ text: String) {
        if text == "lists" { self = .lists; return }
        guard text.hasPrefix("fractions ") else { return nil }
        let parts = text.dropFirst("fractions ".count).split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil }) else { return nil }
        self = .fractions(parts.map { $0! })
    }

    /// Reads the text form.
    /// - Throws: `DecodingError` for any other text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let split = RecordedSplit(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected 'fractions a,b,c' or 'lists', not \(InputError.quoted(text))"))
        }
        self = split
    }

    /// Writes the text form (``description``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
