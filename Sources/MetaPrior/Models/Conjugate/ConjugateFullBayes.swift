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

    /// The marginal posteriors of θ's two ``ConjugateKind/summaryNames`` quantities: means and
    /// sds are exact sums over the nodes. Interval ends: μ's marginal is the mixture of its
    /// exact conditionals N(μ̂(τ), V(τ)) over the nodes, solved on its CDF; every other quantity
    /// is a monotone function of one grid coordinate, whose marginal densities (the other
    /// coordinate summed out) give its CDF to O(h⁴) in the spacing h, inverted there (the
    /// means and sds are accurate to 1e-6 sds; the interval ends to the digits the tests state).
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
    /// `axis` (log α, log β, logit of the prior mean, log concentration, log τ). The marginal
    /// density f_j at each node (the other coordinate summed out, spectrally accurate) gives the
    /// CDF at the nodes by the trapezoid rule with its Euler–Maclaurin end correction
    /// −h²/12 · f′(u_j) (f′ by central differences; f and f′ vanish at the box's far edge), so
    /// O(h⁴); between nodes the CDF is the cubic Hermite interpolant with slopes f_j, inverted
    /// by bisection.
    private func gridQuantile(axis: Int, _ p: Double) -> Double {
        let h = grid.spacing[axis], origin = grid.lower[axis], n = grid.nodesPerAxis
        var f = [Double](repeating: 0, count: n)
        for k in grid.u.indices {
            let coordinate = axis == 0 ? grid.u[k].0 : grid.u[k].1
            f[Int(((coordinate - origin) / h).rounded())] += grid.weights[k] / h
        }
        func slope(_ j: Int) -> Double { j == 0 || j == n - 1 ? 0 : (f[j + 1] - f[j - 1]) / (2 * h) }
        var cdf = [Double](repeating: 0, count: n)
        var running = 0.0
        for j in 0..<n {
            cdf[j] = h * (running + f[j] / 2) - h * h / 12 * slope(j)
            running += f[j]
        }
        var u = origin + Double(n - 1) * h
        if p <= cdf[0] { u = origin }
        for j in 0..<(n - 1) where cdf[j] < p && p <= cdf[j + 1] {
            // Cubic Hermite on [u_j, u_j + h] in t ∈ [0, 1], increasing where f ≥ 0.
            func value(_ t: Double) -> Double {
                let t2 = t * t, t3 = t2 * t
                return (2 * t3 - 3 * t2 + 1) * cdf[j] + (t3 - 2 * t2 + t) * h * f[j] + (-2 * t3 + 3 * t2) * cdf[j + 1] + (t3 - t2) * h * f[j + 1]
            }
            var low = 0.0, high = 1.0
            for _ in 0..<60 {
                let middle = 0.5 * (low + high)
                if value(middle) < p { low = middle } else { high = middle }
            }
            u = origin + (Double(j) + 0.5 * (low + high)) * h
            break
        }
        switch (tasks.kind, axis) {
        case (.betaBinomial, 0): return 1 / (1 + exp(-u))
        case (.betaBinomial, _): return u
        default: return exp(u)
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
        let sampler = JointDrawSampler(self)
        return try (0..<count).map { k in
            var row = [Double](repeating: 0, count: 3 + tasks.count)
            try row.withUnsafeMutableBufferPointer { try sampler.draw(k, seed: seed, into: $0.baseAddress!) }
            return row
        }
    }
}

/// Joint draw k of a ``ConjugateFullBayes``, written into a row in place: what
/// ``ConjugateFullBayes/draws(count:seed:)`` and the CSV share, so the CSV is formatted chunk by
/// chunk without holding every draw (4,000 draws of 10,000 tasks would be 320 MB of rows).
struct JointDrawSampler {
    let full: ConjugateFullBayes
    private let cumulative: [Double]
    private let total: Double

    init(_ full: ConjugateFullBayes) {
        self.full = full
        var cumulative: [Double] = []
        cumulative.reserveCapacity(full.grid.weights.count)
        var total = 0.0
        for w in full.grid.weights { total += w; cumulative.append(total) }
        self.cumulative = cumulative
        self.total = total
    }

    /// Draw k (random substream k of `seed`) into `row[0 ..< 3 + J]`.
    func draw(_ k: Int, seed: UInt64, into row: UnsafeMutablePointer<Double>) throws {
        let grid = full.grid, tasks = full.tasks
        let stream = RandomStream(seed: seed).substream(UInt64(k))
        let target = stream.uniform() * total
        var low = 0, high = cumulative.count - 1
        while low < high { let mid = (low + high) / 2; if cumulative[mid] < target { low = mid + 1 } else { high = mid } }
        let u0 = grid.u[low].0 + (stream.uniform() - 0.5) * grid.spacing[0]
        let u1 = grid.u[low].1 + (stream.uniform() - 0.5) * grid.spacing[1]
        let theta = grid.theta(u0, u1)
        var lp = try grid.logPosterior(u0, u1) - grid.logNormaliser
        let shown = tasks.kind.summaryValues(theta)
        row[1] = shown.0
        row[2] = shown.1
        for i in 0..<tasks.count {
            let conditional = try tasks.conditional(i, theta)
            let phi = conditional.sample(using: stream)
            lp += log(conditional.density(phi))
            row[3 + i] = phi
        }
        row[0] = lp
    }
}
