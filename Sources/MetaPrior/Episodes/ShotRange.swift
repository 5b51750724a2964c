// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Support sizes of episodes: one K, or a range K_min…K_max drawn uniformly per episode
/// (as ALPaCA trains). Written `5` or `1-10`.
public struct ShotRange: Sendable, Equatable, CustomStringConvertible {
    public let lower: Int
    public let upper: Int

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
            throw InputError(column: "shots", "expected a number of support points K (e.g. 5) or a range K_min-K_max (e.g. 1-10), not '\(text)'")
        }
        try self.init(a, b)
    }

    public var isFixed: Bool { lower == upper }
    public func contains(_ k: Int) -> Bool { k >= lower && k <= upper }
    public var description: String { isFixed ? "\(lower)" : "\(lower)-\(upper)" }
}
