// SPDX-License-Identifier: GPL-3.0-or-later

/// What `fit --model gaussian_mixture` asks for: the number of components (or a range to
/// choose from) and the seed of the starts and of the choice's split and episodes.
public struct MixtureRequest: Sendable, Equatable {
    /// K, or the candidates of the choice.
    public var components: ComponentCount
    /// Seed of the k-means++ starts, the held-out split and the held-out episodes.
    public var seed: UInt64

    /// A request for `components` with `seed`.
    public init(components: ComponentCount, seed: UInt64 = 1) {
        self.components = components
        self.seed = seed
    }
}

/// `--components`: a fixed K, or a range of K to choose from by held-out predictive density.
public enum ComponentCount: Sendable, Equatable, CustomStringConvertible {
    /// K components.
    case fixed(Int)
    /// The K in this range with the best held-out episodic predictive density.
    case choose(ClosedRange<Int>)

    /// Most components a fit may ask for: each costs a Cholesky per task per EM iteration.
    public static let maximum = 100
    /// The candidates of `auto`.
    public static let automatic: ClosedRange<Int> = 1...5

    /// Reads `K`, `auto` (1-5) or `K_min-K_max`, 1 ≤ K ≤ ``maximum``.
    /// - Throws: ``InputError`` (column `--components`) for anything else.
    public init(parsing text: String) throws {
        let bad = InputError(column: "--components", kind: .invalidValue,
                             "must be a number of components K from 1 to \(Self.maximum), a range such as 1-5, or auto (1-5), not \(InputError.quoted(text))")
        if text == "auto" { self = .choose(Self.automatic); return }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == parts.count, numbers.allSatisfy({ (1...Self.maximum).contains($0) }) else { throw bad }
        switch numbers.count {
        case 1: self = .fixed(numbers[0])
        case 2 where numbers[0] <= numbers[1]: self = numbers[0] == numbers[1] ? .fixed(numbers[0]) : .choose(numbers[0]...numbers[1])
        default: throw bad
        }
    }

    /// `3` or `1-5`.
    public var description: String {
        switch self {
        case .fixed(let k): "\(k)"
        case .choose(let range): "\(range.lowerBound)-\(range.upperBound)"
        }
    }
}

extension FitRequest {
    /// The mixture request of a `gaussian_mixture` fit (2 components, seed 1 when `nil`).
    public var mixtureRequest: MixtureRequest { mixture ?? MixtureRequest(components: .fixed(2)) }
}
