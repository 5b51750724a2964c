// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Full Bayes over θ for a conjugate hierarchy: the hyper-posterior p(θ | y) by quadrature
/// (a trapezoid grid refined until accurate to 1e-6 posterior sds in every mean and sd), the
/// marginal posteriors of θ and of every φ_i (mixtures of the exact conditionals over the
/// quadrature nodes), a new task's posterior, and independent joint draws.
public struct ConjugateFullBayes: Sendable {
    /// The tasks.
    public let tasks: ConjugateTasks
    /// The hyperprior.
    public let hyperprior: ConjugateHyperprior
    let grid: HyperPosteriorGrid

    /// The hyper-posterior of `tasks` under `hyperprior` (the family's default when `nil`).
    /// - Throws: ``InputError`` when the hyperprior does not suit the family, or the
    ///   hyper-posterior is improper (it does not vanish at an edge of θ's range).
    public init(_ tasks: ConjugateTasks, hyperprior: ConjugateHyperprior? = nil) throws {
        self.tasks = tasks
        self.hyperprior = hyperprior ?? .standard(for: tasks.kind)
        grid = try HyperPosteriorGrid(tasks: tasks, prior: self.hyperprior)
    }

    /// θ at the grid node of largest weight (a stand-in θ̂ where empirical Bayes has none).
    var mostProbableNode: (Double, Double) {
        grid.theta[grid.weights.indices.max { grid.weights[$0] < grid.weights[$1] } ?? 0]
    }

    /// Whether the quadrature reached its stated accuracy.
    public var converged: Bool { grid.converged }
    /// The largest change of a mean or sd, in sds, between the last two grids.
    public var accuracy: Double { grid.lastChange }
    /// Nodes per axis of each grid tried, in order.
    public var gridSizes: [Int] { grid.history }
    /// log p(y) = log ∫ p(θ) Π p(y_i | θ) dθ, the evidence (up to the hyperprior's
    /// normalising constant, which the flat and power priors do not have).
    public var logEvidence: Double { grid.logNormaliser }

    /// The marginal posteriors of θ's two ``ConjugateKind/summaryNames`` quantities: means and
    /// sds are exact sums over the nodes. Interval ends: μ's marginal is the mixture of its
    /// exact conditionals N(μ̂(τ), V(τ)) over the nodes, solved on its CDF; every other quantity
    /// is a monotone function of one grid coordinate, whose marginal densities (the other
    /// coordinate summed out) give its CDF to O(h⁴) in the spacing h, inverted
    /// there (the means and sds are accurate to 1e-6 sds; the interval ends to the digits the
    /// tests state).
    public func hyperSummary(level: Double) -> [IntervalSummary] {
        let probabilities = [(1 - level) / 2, (1 + level) / 2]
        return (0..<2).map { component in
            let values = grid.theta.map { let v = tasks.kind.summaryValues($0); return component == 0 ? v.0 : v.1 }
            var m = 0.0, m2 = 0.0
            for k in values.indices { m += grid.weights[k] * values[k]; m2 += grid.weights[k] * values[k] * values[k] }
            let ends: [Double]
            if tasks.kind == .normalNormal, component == 0,
               let components = try? grid.theta.map({ theta -> ConjugateConditional in
                   let conditional = HyperPosteriorGrid.muGivenTau(theta.1, tasks: tasks)
                   return .normal(try Normal(mean: conditional.mean, standardDeviation: conditional.variance.squareRoot()))
               }) {
                let mixture = ConjugateMixture(weights: grid.weights, components: components)
                ends = probabilities.map { mixture.quantile($0) }
            } else {
                ends = probabilities.map { gridQuantile(axis: component, $0) }
            }
            return IntervalSummary(mean: m, standardDeviation: Swift.max(m2 - m * m, 0).squareRoot(), lower: ends[0], upper: ends[1])
        }
    }

    /// The p-quantile of the summary quantity that is a monotone function of grid coordinate
    /// `axis` (log α, log β, logit of the prior mean, log concentration, log τ): the inverse of
    /// that coordinate's marginal ``NodeCDF``, mapped to the quantity.
    private func gridQuantile(axis: Int, _ p: Double) -> Double {
        let u = grid.marginalCDF(axis: axis).quantile(p)
        switch (tasks.kind, axis) {
        case (.betaBinomial, 0): return 1 / (1 + exp(-u))
        case (.betaBinomial, _): return u
        default: return exp(u)
        }
    }

    /// The marginal posterior p(φ_i | y) of task i, a mixture over the hyper-posterior.
    public func taskPosterior(_ i: Int) throws -> ConjugateMixture {
        try groupPosterior(grid.groups.groupOfTask[i])
    }

    /// The marginal posterior of the tasks with distinct (y, scale) pair `g`.
    private func groupPosterior(_ g: Int) throws -> ConjugateMixture {
        let groups = grid.groups
        var components: [ConjugateConditional] = []
        components.reserveCapacity(grid.theta.count)
        for theta in grid.theta {
            components.append(try ConjugateTasks.conditional(kind: tasks.kind, response: groups.responses[g], scale: groups.scales[g], theta))
        }
        return ConjugateMixture(weights: grid.weights, components: components)
    }

    /// Every task's ``taskPosterior(_:)`` summarised at `level`, in task order: computed once
    /// per distinct (y, scale) pair (tasks with equal pairs have the same posterior), the pairs
    /// in parallel; each pair's numbers are computed alone, so they do not depend on the thread
    /// count.
    public func taskSummaries(level: Double) throws -> [IntervalSummary] {
        let groups = grid.groups
        let results = ResultSlots<Result<IntervalSummary, any Error>>(count: groups.count)
        DeterministicParallel.forEachChunk(count: groups.count, chunkSize: 8) { _, range in
            for g in range { results[g] = Result { try groupPosterior(g).summary(level: level) } }
        }
        let perGroup = try results.values.map { try $0!.get() }
        return groups.groupOfTask.map { perGroup[$0] }
    }

    /// The posterior of a new task's φ given its own data (`response` and `scale`; `nil` for
    /// a task with no data yet, giving the predictive prior ∫ p(φ | θ) p(θ | y) dθ): the
    /// hyper-posterior reweighted by p(y_new | θ), mixed over the exact conditionals.
    public func newTaskPosterior(response: Double?, scale: Double?) throws -> ConjugateMixture {
        var weights = grid.weights, components: [ConjugateConditional] = []
        if let response, let scale {
            let single = try ConjugateTasks(kind: tasks.kind, responses: [response], scales: [scale])
            var logs = try grid.theta.map { try single.logMarginal(0, $0) }
            let peak = logs.max() ?? 0
            logs = logs.map { $0 - peak }
            for k in weights.indices { weights[k] *= exp(logs[k]) }
            for theta in grid.theta { components.append(try single.conditional(0, theta)) }
        } else {
            let none = tasks.kind == .normalNormal ? Double.infinity : 0
            for theta in grid.theta {
                components.append(try ConjugateTasks.conditional(kind: tasks.kind, response: 0, scale: none, theta))
            }
        }
        return ConjugateMixture(weights: weights, components: components)
    }

    /// `count` independent joint draws (θ, φ_1, …, φ_J) with `seed`, as rows of 3 + J numbers:
    /// lp__ = log p(u | y) + Σ_i log p(φ_i | θ, y_i) (u the grid's coordinates, normalised), then
    /// θ's ``ConjugateKind/summaryNames`` quantities, then φ_i. θ is drawn by inverse CDFs of the
    /// hyper-posterior's marginal of u₀ and its conditional of u₁, interpolated on the quadrature
    /// grid: independent draws whose CDFs are within 0.01 (h/σ)⁴ of the quadrature's (h the
    /// spacing, σ the sd, for Gaussian-shaped marginals; 2e-4 at the coarsest final grid). Each
    /// φ_i is then drawn exactly from its conjugate conditional. Draw k uses random substream k
    /// of the seed.
    public func draws(count: Int, seed: UInt64) throws -> [[Double]] {
        let sampler = JointDrawSampler(self)
        return try (0..<count).map { k in
            var row = [Double](repeating: 0, count: 3 + tasks.count)
            try row.withUnsafeMutableBufferPointer { try sampler.draw(k, seed: seed, into: $0.baseAddress!) }
            return row
        }
    }
}
