// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension PriorFile.TrainingConditions {
    /// Checks the episode keys of `training` when a prior file is read, so that a hand-edited
    /// file fails with a message naming the key instead of quietly losing its conditions:
    /// `ways` only for an episodic fit, from 2 to ``EpisodeSpec/maximumWays``, with one fixed
    /// `shots`; `shots` a K or range of at most ``EpisodeSpec/maximumShots``; `query` a number
    /// from 1 to that or `all`; `episodes` at least 1; a marginal fit records none of them.
    /// - Throws: ``InputError`` whose column is the key (`training.ways`, …).
    public func validateEpisodeKeys() throws {
        func fail(_ key: String, _ message: String) -> InputError {
            InputError(column: "training.\(key)", kind: .invalidValue, message)
        }
        guard objective == .episodic else {
            let recorded = [("ways", ways != nil), ("shots", shots != nil), ("query", query != nil), ("episodes", episodes != nil)]
            if let (key, _) = recorded.first(where: \.1) {
                throw fail(key, "is recorded for a marginal fit, which trains on whole tasks, not episodes")
            }
            return
        }
        guard let shots else { throw fail("shots", "is missing: an episodic fit records its support size K") }
        guard let range = try? ShotRange(parsing: shots), range.upper <= EpisodeSpec.maximumShots else {
            throw fail("shots", "must be a support size K or a range K_min-K_max from 0 to \(EpisodeSpec.maximumShots), not \(InputError.quoted(shots))")
        }
        if let query {
            guard let q = EpisodeSpec.QueryShots(query), q.isValid else {
                throw fail("query", "must be a number of query points from 1 to \(EpisodeSpec.maximumShots) or \"all\", not \(InputError.quoted(query))")
            }
        }
        if let episodes, episodes < 1 { throw fail("episodes", "must be at least 1, not \(episodes)") }
        if let ways {
            guard (2...EpisodeSpec.maximumWays).contains(ways) else {
                throw fail("ways", "must be from 2 to \(EpisodeSpec.maximumWays) classes per episode, not \(ways)")
            }
            guard range.isFixed else { throw fail("shots", "must be one K for an N-way episodic fit, not the range \(shots)") }
        }
    }

    /// A plain statement when an N-way episode whose classes have these support sizes is not
    /// what the prior was meta-trained for, else `nil`: N other than the recorded ``ways``, or
    /// a class's K outside the recorded shots (the wording of ``supportSizeMismatch(_:)``). A
    /// marginal fit records no N or K, so it never mismatches.
    /// - Parameters:
    ///   - testWays: N, the classes of the episode.
    ///   - shots: the support points of each class.
    public func classConditionsMismatch(ways testWays: Int, shots: [Int]) -> String? {
        let n = testWays
        guard objective == .episodic, let trainedWays = ways else { return nil }
        if n != trainedWays {
            return "the episode has N = \(n) classes, but this prior was meta-trained on \(trainedWays)-way \(self.shots ?? "?")-shot episodes; train and test conditions do not match"
        }
        for k in Set(shots).sorted() {
            if let mismatch = supportSizeMismatch(k) { return mismatch.replacingOccurrences(of: "K = \(k) is", with: "K = \(k) per class is") }
        }
        return nil
    }
}

extension EpisodeSpec.QueryShots {
    /// A count within 1…``EpisodeSpec/maximumShots``, or `all`.
    var isValid: Bool {
        switch self {
        case .count(let q): (1...EpisodeSpec.maximumShots).contains(q)
        case .allRemaining: true
        }
    }
}
