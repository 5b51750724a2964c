// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The hyper-posterior p(θ | y) ∝ p(θ) Π_i p(y_i | θ) of a conjugate hierarchy, by quadrature
/// on a square grid in the coordinates u of ``ConjugateHyperprior``.
///
/// 1. The mode of log p(u | y) (Nelder–Mead) and the marginal sds there (central-difference
///    Hessian) give a box of ±6 sds; each edge is pushed out (by half the box) until the
///    density on it is below e^(−25) ≈ 1.4e-11 of the mode, so the mass left outside is
///    negligible. An edge that never gets there means the hyper-posterior is improper in that
///    direction (an improper hyperprior the data do not correct): that is an error, not an answer.
/// 2. On that box the trapezoid rule with n × n nodes (n = 17, 33, 65, …; spacing halved each
///    time) gives the weights. For a smooth density that has decayed at the edges, the
///    trapezoid rule converges faster than any power of the spacing: on a Gaussian with the
///    box's ±6 sds or more, 17 nodes (spacing ≤ 0.75 sd) already err by about
///    exp(−2π² (sd/spacing)²) < 1e-15, so a near-Gaussian posterior stops at 33.
/// 3. Refinement stops when every posterior mean and sd of θ and of every φ_i changes by
///    less than ``tolerance`` posterior sds between two successive grids — the accuracy this
///    type states — or at n = 513 (then ``converged`` is false and the report says so).
struct HyperPosteriorGrid: Sendable {
    /// The stated accuracy, in posterior sds of each quantity.
    static let tolerance = 1e-6
    /// The most nodes per axis.
    static let maximumNodes = 513
    /// The nodes per axis of the first grid.
    static let firstNodes = 17

    let tasks: ConjugateTasks
    let prior: ConjugateHyperprior
    /// The tasks' distinct (y, scale) pairs, and Σ_i log p(y_i | θ) over them.
    let groups: ConjugateTaskGroups
    let logLikelihood: LogMarginalSum
    /// Box in u.
    var lower: [Double] = [0, 0], upper: [Double] = [0, 0]
    /// Nodes per axis of the final grid, and the spacing per axis.
    var nodesPerAxis = 0
    var spacing: [Double] = [0, 0]
    /// The nodes that carry weight (≥ 1e-15 of the largest), with their θ and normalised weights.
    var u: [(Double, Double)] = []
    var theta: [(Double, Double)] = []
    var weights: [Double] = []
    /// log p(u | y) at each kept node, up to the constant `logNormaliser` (subtract it to normalise).
    var logDensity: [Double] = []
    /// log p(u | y) at every node of the final grid, row-major in (u₀ index, u₁ index), up to
    /// `logNormaliser` (−∞ where θ is degenerate): what the θ sampler interpolates.
    var allLogDensity: [Double] = []
    var logNormaliser = 0.0
    /// Whether the stated accuracy was reached, and the last change seen (in sds).
    var converged = false
    var lastChange = Double.infinity
    /// Per grid: nodes per axis, for the report.
    var history: [Int] = []

    init(tasks: ConjugateTasks, prior: ConjugateHyperprior) throws {
        guard prior.suits(tasks.kind) else {
            throw InputError(column: "--hyperprior", kind: .invalidValue, "\(prior.form.rawValue) is not a hyperprior of the \(tasks.kind.rawValue) model")
        }
        self.tasks = tasks
        self.prior = prior
        let groups = ConjugateTaskGroups(tasks), sum = try LogMarginalSum(tasks, groups: groups)
        self.groups = groups
        logLikelihood = sum
        let f = { (u: [Double]) throws -> Double in try Self.logPosterior(u[0], u[1], tasks: tasks, prior: prior, sum: sum) }
        let start = try startingPoint()
        let mode = try minimizeNelderMead(start: start, stepSizes: [0.5, 0.5], sizeTolerance: 1e-7) { u in
            let value = try f(u)
            return value.isFinite ? -value : .infinity
        }
        // The curvature of −log p at the mode by central second differences (step 1e-3 in u,
        // where the density changes by ~1e-6 of itself: well above round-off of log p).
        let x = mode.x, h = 1e-3, centre = try f(x)
        func at(_ d0: Double, _ d1: Double) throws -> Double { try f([x[0] + d0 * h, x[1] + d1 * h]) }
        let h00 = -(try at(1, 0) - 2 * centre + at(-1, 0)) / (h * h)
        let h11 = -(try at(0, 1) - 2 * centre + at(0, -1)) / (h * h)
        let h01 = -(try at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h)
        var sd = [1.0, 1.0]
        let det = h00 * h11 - h01 * h01
        if h00 > 0, det > 0, det.isFinite {
            sd = [(h11 / det).squareRoot(), (h00 / det).squareRoot()]
        }
        let peak = -mode.value
        lower = [mode.x[0] - 6 * sd[0], mode.x[1] - 6 * sd[1]]
        upper = [mode.x[0] + 6 * sd[0], mode.x[1] + 6 * sd[1]]
        try expandBox(peak: peak)
        try refine()
    }

    /// log p(u | y) up to a constant; −∞ where θ is degenerate.
    func logPosterior(_ u0: Double, _ u1: Double) throws -> Double {
        try Self.logPosterior(u0, u1, tasks: tasks, prior: prior, sum: logLikelihood)
    }

    static func logPosterior(_ u0: Double, _ u1: Double, tasks: ConjugateTasks, prior: ConjugateHyperprior, sum: LogMarginalSum) throws -> Double {
        let theta = Self.theta(u0, u1, tasks: tasks)
        guard theta.1 > 0, tasks.kind == .normalNormal || theta.0 > 0, theta.0.isFinite, theta.1.isFinite else { return -.infinity }
        var jacobian = 0.0
        if tasks.kind == .normalNormal { jacobian = 0.5 * log(Self.muGivenTau(theta.1, tasks: tasks).variance) }
        return prior.logDensity(u0, u1, theta: theta) + jacobian + (try sum(theta))
    }

    /// θ at grid coordinates u. For the normal–normal hierarchy u₀ is μ standardised by its
    /// exact conditional p(μ | τ, y) = N(μ̂(τ), V(τ)) (flat prior on μ): in (μ, log τ) the
    /// hyper-posterior is a wedge whose μ-width grows with τ, so a box's edges would not see
    /// mass escaping to large τ; standardised, it is a strip, Gaussian across.
    func theta(_ u0: Double, _ u1: Double) -> (Double, Double) { Self.theta(u0, u1, tasks: tasks) }

    static func theta(_ u0: Double, _ u1: Double, tasks: ConjugateTasks) -> (Double, Double) {
        guard tasks.kind == .normalNormal else { return ConjugateHyperprior.theta(u0, u1, kind: tasks.kind) }
        let tau = exp(u1), conditional = muGivenTau(tau, tasks: tasks)
        return (conditional.mean + u0 * conditional.variance.squareRoot(), tau)
    }

    /// μ̂(τ) = Σ w_i y_i / Σ w_i and V(τ) = 1/Σ w_i, w_i = 1/(s_i² + τ²).
    static func muGivenTau(_ tau: Double, tasks: ConjugateTasks) -> (mean: Double, variance: Double) {
        var sw = 0.0, swy = 0.0
        for i in 0..<tasks.count {
            let w = 1 / (tasks.scales[i] * tasks.scales[i] + tau * tau)
            sw += w; swy += w * tasks.responses[i]
        }
        return (swy / sw, 1 / sw)
    }

    /// The pooled estimate and a moderate spread: a start the simplex climbs from.
    private func startingPoint() throws -> [Double] {
        let y = tasks.responses, s = tasks.scales
        switch tasks.kind {
        case .normalNormal:
            let mean = y.reduce(0, +) / Double(y.count)
            let spread = y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(y.count)
            return [0, 0.5 * log(Swift.max(spread, s.map { $0 * $0 }.reduce(0, +) / Double(s.count)))]
        case .betaBinomial:
            let p = Swift.min(Swift.max(y.reduce(0, +) / s.reduce(0, +), 0.01), 0.99)
            return [log(p / (1 - p)), log(10.0)]
        case .gammaPoisson:
            let rate = Swift.max(y.reduce(0, +) / s.reduce(0, +), 1e-3)
            return [0, -log(rate)]
        }
    }

    /// Pushes each edge of the box out until the log density on it is 25 below `peak`.
    private mutating func expandBox(peak: Double) throws {
        let n = 33, drop = 25.0
        for axis in 0..<2 {
            for side in [0, 1] {
                var pushes = 0
                while true {
                    var highest = -Double.infinity
                    for k in 0..<n {
                        let other = 1 - axis
                        let t = lower[other] + (upper[other] - lower[other]) * Double(k) / Double(n - 1)
                        let edge = side == 0 ? lower[axis] : upper[axis]
                        let value = axis == 0 ? try logPosterior(edge, t) : try logPosterior(t, edge)
                        if value.isFinite { highest = Swift.max(highest, value) }
                    }
                    // An edge pushed until θ overflows (τ, α or β = e^700) has not found the
                    // density falling either: the same improper direction.
                    let edge = side == 0 ? lower[axis] : upper[axis]
                    let middle = 0.5 * (lower[1 - axis] + upper[1 - axis])
                    let probe = axis == 0 ? theta(edge, middle) : theta(middle, edge)
                    let overflowed = !(probe.0.isFinite && probe.1.isFinite && probe.1 > 0 && abs(edge) < 700)
                    if highest < peak - drop, !overflowed { break }
                    pushes += 1
                    guard pushes <= 60, !overflowed else {
                        // Which end is at fault is not reliable to say: with no interior mode the
                        // box itself drifts, so the message names the quantity, not a direction.
                        let name = tasks.kind.summaryNames[axis]
                        throw InputError(column: "--hyperprior", kind: .invalidValue,
                                         "the hyper-posterior does not vanish at the ends of the range of \(name) (grid coordinate \(axis + 1) = \(side == 0 ? lower[axis] : upper[axis]) is still within e^-25 of the peak): the hyperprior \(prior.description) is improper there and \(tasks.count) tasks do not make up for it; give a proper hyperprior")
                    }
                    let width = upper[axis] - lower[axis]
                    if side == 0 { lower[axis] -= width / 2 } else { upper[axis] += width / 2 }
                }
            }
        }
    }
}
