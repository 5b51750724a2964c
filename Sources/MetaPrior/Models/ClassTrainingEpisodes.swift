// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// One N-way K-shot episode cut from the meta-train classes for a class family's episodic fit
/// (`fit --objective episodic --ways N --shots K`): the support and query points in the
/// prior's features (a `pca:k` projection applied), with episode labels 0..<N.
struct ClassTrainingEpisode: Sendable {
    let ways: Int
    let support: [[Double]]
    let supportLabels: [Int]
    let queries: [[Double]]
    let queryLabels: [Int]
}

extension EpisodicFitOptions {
    /// The training episodes of a class family: ``episodes`` seeded N-way episodes of K support
    /// and Q query points per class, cut by ``EpisodeSampler`` (tasks drawn with replacement,
    /// tasks with fewer than N classes of K + Q points skipped), the same for the same seed.
    /// - Parameters:
    ///   - dataset: the meta-train tasks, their target holding class labels.
    ///   - features: the projection the prior reads its inputs through, or nil.
    ///   - family: the family's name, for messages.
    /// - Throws: ``InputError`` naming the option for no `--ways`, a range of shots,
    ///   `--batch-episodes` or sizes out of range, and the sampler's errors (no task with N
    ///   classes of K + Q points).
    func classEpisodes(of dataset: MetaDataset, features: PCAFeatures?, family: String) throws -> [ClassTrainingEpisode] {
        guard let ways else {
            throw InputError(column: "--ways", kind: .invalidValue,
                             "the \(family) episodic fit needs --ways N (classes per episode, the test N) with --shots K")
        }
        guard shots.isFixed else {
            throw InputError(column: "--shots", kind: .invalidValue, "the \(family) episodic fit takes one K (the test K), not the range \(shots)")
        }
        guard batchEpisodes == nil else {
            throw InputError(column: "--batch-episodes", kind: .invalidValue, "the \(family) episodic fit runs on one fixed episode set; leave --batch-episodes out")
        }
        try validate()
        let spec = EpisodeSpec(shots: shots.upper, query: .count(query), ways: ways, withReplacement: true, seed: seed)
        let sampler = try EpisodeSampler(dataset: dataset, spec: spec)
        return sampler.episodes(count: episodes).map { episode in
            let support = episode.supportSet(in: dataset).inputs.nestedRows
            let queries = episode.querySet(in: dataset).inputs.nestedRows
            return ClassTrainingEpisode(ways: ways, support: support.map { features?.project($0) ?? $0 }, supportLabels: episode.supportLabels ?? [],
                                        queries: queries.map { features?.project($0) ?? $0 }, queryLabels: episode.queryLabels ?? [])
        }
    }
}
