// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

/// Upper bounds of the count options, checked in each command's `validate()` before any work,
/// so a value near `Int.max` gets a sentence saying what fits instead of an overflow trap or
/// an allocation the system refuses. Each is far beyond real use; the reason is in the
/// message (and in the comment beside it).
enum OptionRange {
    /// `simulate --tasks` and `--points`: 10,000,000 each (and their product is bounded by
    /// `SimulationSettings.maximumValues`, since every simulated row is kept in memory
    /// before the CSV is written).
    static let simulatedCount = 10_000_000
    /// `simulate --classes`: 100,000 classes per task (like ``EpisodeSpec/maximumWays``).
    static let classes = EpisodeSpec.maximumWays
    /// `simulate --dimension`: 10,000 input columns (the class means are C × dimension numbers
    /// per task, and the CSV has one column per dimension).
    static let dimension = 10_000
    /// `--threads`: 1,024; more threads than cores gain nothing, and each costs a stack.
    static let threads = 1_024
    /// `fit --max-iterations`: 10,000,000 (each iteration is at least one pass over the
    /// tasks' statistics; a fit that needs more has not converged for another reason).
    static let iterations = 10_000_000
    /// `fit --time-limit`: 10,000,000 s (about 116 days); longer is no limit at all — leave
    /// the option out instead.
    static let timeLimitSeconds = 10_000_000.0
    /// `adapt` / `predict --draws`: 100,000,000 (one CSV row per draw).
    static let draws = 100_000_000

    /// Checks that the number of seconds `value` of `option` is positive, finite and at most
    /// `upper`. Message: `--time-limit must be a number of seconds above 0, not -1`.
    static func checkSeconds(_ option: String, _ value: Double, upper: Double, _ reason: String) throws {
        guard value > 0, value.isFinite else {
            throw ValidationError("\(option) must be a number of seconds above 0, not \(value)")
        }
        guard value <= upper else {
            throw ValidationError("\(option) must be at most \(Int(upper)) seconds (\(reason)), not \(value)")
        }
    }

    /// Checks that the integer `value` of `option` lies in `range`; `reason` says why the
    /// upper bound is there. Messages: `--draws must be 0 or more, not -1`;
    /// `--episodes must be from 1 to 10000000 (every episode is kept in memory), not 1e12`.
    static func check(_ option: String, _ value: Int, _ range: ClosedRange<Int>, _ reason: String) throws {
        if value < range.lowerBound {
            throw ValidationError(range.lowerBound == 0 ? "\(option) must be 0 or more, not \(value)"
                                                        : "\(option) must be at least \(range.lowerBound), not \(value)")
        }
        if value > range.upperBound {
            throw ValidationError("\(option) must be from \(range.lowerBound) to \(range.upperBound) (\(reason)), not \(value)")
        }
    }
}
