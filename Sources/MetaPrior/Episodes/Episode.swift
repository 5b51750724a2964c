// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// One episode: a task cut into a support set (D_train) and a query set (D_test) that share
/// no row.
public struct Episode: Sendable, Equatable, Hashable {
    /// The episode number e (its random stream is `(seed, e)`).
    public var index: Int
    /// The task's position in the data set's ``MetaDataset/tasks``.
    public var task: Int
    /// Support rows (positions in the task), grouped by episode label for classification.
    public var support: [Int]
    /// Query rows, likewise.
    public var query: [Int]
    /// Classification with ways: `classes[j]` is the data set's class index behind episode
    /// label j (the remapping is a bijection of N classes onto 0..<N).
    public var classes: [Int]?
    /// Classification with ways: the episode label (0..<N) of each support row.
    public var supportLabels: [Int]?
    /// Classification with ways: the episode label of each query row.
    public var queryLabels: [Int]?

    /// An episode from its parts, as ``EpisodeSampler`` cuts it; the labels are `nil` for
    /// regression.
    public init(index: Int, task: Int, support: [Int], query: [Int], classes: [Int]? = nil,
                supportLabels: [Int]? = nil, queryLabels: [Int]? = nil) {
        self.index = index
        self.task = task
        self.support = support
        self.query = query
        self.classes = classes
        self.supportLabels = supportLabels
        self.queryLabels = queryLabels
    }

    /// The support set's inputs and targets (episode labels for N-way classification).
    public func supportSet(in dataset: MetaDataset) -> (inputs: Matrix, targets: [Double]) {
        rows(support, labels: supportLabels, in: dataset)
    }

    /// The query set's inputs and targets (episode labels for N-way classification).
    public func querySet(in dataset: MetaDataset) -> (inputs: Matrix, targets: [Double]) {
        rows(query, labels: queryLabels, in: dataset)
    }

    private func rows(_ rows: [Int], labels: [Int]?, in dataset: MetaDataset) -> (inputs: Matrix, targets: [Double]) {
        let data = dataset.tasks[task]
        let p = data.inputs.columns
        var inputs = Matrix(rows: rows.count, columns: p)
        for (i, r) in rows.enumerated() { for j in 0..<p { inputs[i, j] = data.inputs[r, j] } }
        let targets = labels.map { $0.map(Double.init) } ?? rows.map { data.targets[$0] }
        return (inputs, targets)
    }
}
