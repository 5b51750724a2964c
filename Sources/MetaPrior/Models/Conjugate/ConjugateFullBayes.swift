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

    /// Whether the quadrature reached its stated accuracy.
    public var converged: Bool { grid.converged }
    /// The largest change of a mean or sd, in sds, between the last two grids.
    public var accuracy: Double { grid.lastChange }
    /// Nodes per axis of each grid tried, in order.
    public var gridSizes: [Int] { grid.history }
    /// log p(y) = log ∫ p(θ) Π p(y_i | θ) dθ, the evidence (up to the hyperprior's
    /// normalising constant, which the flat and power priors do not have).
    public var logEvidence: Double { grid.logNormaliser }

    /// The marginal posteriors of θ's two ``ConjugateKind/summaryNames`` quantities:
    /// means and sds exact sums over the nodes; the interval ends are quantiles of the
    /// discrete node distribution, interpolated, so accurate to about one grid spacing.
    public func hyperSummary(level: Double) -> [IntervalSummary] {
        (0..<2).map { component in
            let values = grid.theta.map { let v = tasks.kind.summaryValues($0); return component == 0 ? v.0 : v.1 }
            var m = 0.0, m2 = 0.0
            for k in values.indices { m += grid.weights[k] * values[k]; m2 += grid.weights[k] * values[k] * values[k] }
            let order = values.indices.sorted { values[$0] < values[$1] }
            func quantile(_ p: Double) -> Double {
                var cumulative = 0.0
                for (rank, k) in order.enumerated() {
                    let next = cumulative + grid.weights[k]
                    if next >= p {
                        guard rank > 0 else { return values[k] }
                        // Midpoint rule: node k's mass sits around it; interpolate from the last node.
                        let previous = values[order[rank - 1]]
                        let fraction = (p - cumulative) / grid.weights[k]
                        return previous + fraction * (values[k] - previous)
                    }
                    cumulative = next
                }
                return values[order.last!]
            }
            return IntervalSummary(mean: m, standardDeviation: Swift.max(m2 - m * m, 0).squareRoot(),
                                   lower: quantile((1 - level) / 2), upper: quantile((1 + level) / 2))
        }
    }

    /// The marginal posterior p(φ_i | y) of task i, a mixture over the hyper-posterior.
    public func taskPosterior(_ i: Int) throws -> ConjugateMixture {
        var components: [ConjugateConditional] = []
        components.reserveCapacity(grid.theta.count)
        for theta in grid.theta { components.append(try tasks.conditional(i, theta)) }
        return ConjugateMixture(weights: grid.weights, components: components)
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
    /// θ's ``ConjugateKind/summaryNames`` quantities, then φ_i. θ comes from the quadrature's approximation
    /// of the hyper-posterior: a node drawn by its weight, then a point uniform in its cell
    /// (so θ's draws carry the grid's accuracy); each φ_i is then drawn exactly from its
    /// conjugate conditional. Draw k uses random substream k of the seed.
    public func draws(count: Int, seed: UInt64) throws -> [[Double]] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(grid.weights.count)
        var total = 0.0
        for w in grid.weights { total += w; cumulative.append(total) }
        let root = RandomStream(seed: seed)
        var rows: [[Double]] = []
        rows.reserveCapacity(count)
        for k in 0..<count {
            let stream = root.substream(UInt64(k))
            let target = stream.uniform() * total
            var low = 0, high = cumulative.count - 1
            while low < high { let mid = (low + high) / 2; if cumulative[mid] < target { low = mid + 1 } else { high = mid } }
            let u0 = grid.u[low].0 + (stream.uniform() - 0.5) * grid.spacing[0]
            let u1 = grid.u[low].1 + (stream.uniform() - 0.5) * grid.spacing[1]
            let theta = grid.theta(u0, u1)
            var lp = try grid.logPosterior(u0, u1) - grid.logNormaliser
            let shown = tasks.kind.summaryValues(theta)
            var row = [0, shown.0, shown.1]
            for i in 0..<tasks.count {
                let conditional = try tasks.conditional(i, theta)
                let phi = conditional.sample(using: stream)
                lp += log(conditional.density(phi))
                row.append(phi)
            }
            row[0] = lp
            rows.append(row)
        }
        return rows
    }
}
