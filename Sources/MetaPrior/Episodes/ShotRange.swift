// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Support sizes of episodes: one K, or a range K_min…K_max drawn uniformly per episode
/// (as ALPaCA trains). Written `5` or `1-10`.
public struct ShotRange: Sendable, Equatable, CustomStringConvertible {
    /// K_min, the fewest support points of an episode.
    public let lower: Int
    /// K_max, the most support points of an episode (K_min for a fixed K).
    public let upper: Int

    /// The range `lower`…`upper`, or the one K `lower` when `upper` is `nil`.
    /// - Throws: ``InputError`` (column `shots`) unless 0 ≤ K_min ≤ K_max.
    public init(_ lower: Int, _ upper: Int? = nil) throws {
        let upper = upper ?? lower
        guard lower >= 0, upper >= lower else {
            throw InputError(column: "shots", "needs 0 ≤ K_min ≤ K_max, not \(lower)-\(upper)")
        }
        self.lower = lower
        self.upper = upper
    }

    /// Reads `5` or `1-10`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts.last!) else {
            throw InputError(column: "shots", "expected a number of support points K (e.g. 5) or a range K_min-K_max (e.g. 1-10), not \(InputError.quoted(text))")
        }
        try self.init(a, b)
    }

    /// Whether every episode has the same K.
    public var isFixed: Bool { lower == upper }
    /// Whether a support set of `k` points is one the range covers (K_min ≤ k ≤ K_max): how
    /// `adapt` and `evaluate` tell a test K from the shots a prior was trained for.
    public func contains(_ k: Int) -> Bool { k >= lower && k <= upper }
    /// `5` or `1-10`, as ``init(parsing:)`` reads and the prior file's `shots` key stores it.
    public var description: String { isFixed ? "\(lower)" : "\(lower)-\(upper)" }
}
