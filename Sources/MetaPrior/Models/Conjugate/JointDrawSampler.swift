// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension HyperPosteriorGrid {
    /// The marginal of grid coordinate `axis` as a ``NodeCDF``: at each node on the axis, the
    /// density summed over the other axis's nodes by the trapezoid rule (spectrally accurate:
    /// the density has decayed at the box's edges).
    func marginalCDF(axis: Int) -> NodeCDF {
        let n = nodesPerAxis, peak = allLogDensity.max() ?? 0
        var f = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<n {
                let across = axis == 0 ? j : i
                f[axis == 0 ? i : j] += (across == 0 || across == n - 1 ? 0.5 : 1) * exp(allLogDensity[i * n + j] - peak)
            }
        }
        return NodeCDF(origin: lower[axis], spacing: spacing[axis], density: f)
    }
}

/// θ drawn from the hyper-posterior by inverse CDFs, the marginal of u₀ then the conditional of
/// u₁ given u₀, each a ``NodeCDF`` on the final quadrature grid: the marginal from the exact
/// log density at the nodes; the conditional at a u₀ between nodes from the log density at the
/// u₁ nodes interpolated in u₀ by the cubic through the four nearest u₀ nodes (exact where
/// log p is a cubic in u₀, as for a Gaussian; else O(h⁴)). The draws' CDFs are within the
/// ``NodeCDF`` bound, 0.01 (h/σ)⁴ for Gaussian-shaped marginals and conditionals, of the
/// quadrature's, and independent (each uses its own random stream).
struct HyperPosteriorSampler: Sendable {
    private let first: NodeCDF
    private let n: Int
    private let lower: (Double, Double), spacing: (Double, Double)
    /// log p(u | y) − its largest value at every node, row-major in (u₀ index, u₁ index).
    private let logDensity: [Double]

    init(_ grid: HyperPosteriorGrid) {
        first = grid.marginalCDF(axis: 0)
        n = grid.nodesPerAxis
        lower = (grid.lower[0], grid.lower[1])
        spacing = (grid.spacing[0], grid.spacing[1])
        let peak = grid.allLogDensity.max() ?? 0
        logDensity = grid.allLogDensity.map { $0 - peak }
    }

    /// One draw of the grid coordinates (u₀, u₁), two uniforms from `stream`.
    func draw(using stream: RandomStream) -> (Double, Double) {
        let u0 = first.quantile(stream.uniform())
        // The four u₀ nodes around u0 (shifted inwards at the edges), and Lagrange's weights at
        // x, u0's position among them.
        let position = (u0 - lower.0) / spacing.0
        let start = Swift.min(Swift.max(Int(position.rounded(.down)) - 1, 0), n - 4)
        let x = position - Double(start)
        let l = [-(x - 1) * (x - 2) * (x - 3) / 6, x * (x - 2) * (x - 3) / 2, -x * (x - 1) * (x - 3) / 2, x * (x - 1) * (x - 2) / 6]
        var values = [Double](repeating: -.infinity, count: n)
        var top = -Double.infinity
        for j in 0..<n {
            var v = 0.0
            for k in 0..<4 {
                let at = logDensity[(start + k) * n + j]
                guard at.isFinite else { v = -.infinity; break }
                v += l[k] * at
            }
            values[j] = v
            top = Swift.max(top, v)
        }
        let conditional = NodeCDF(origin: lower.1, spacing: spacing.1, density: values.map { exp($0 - top) })
        return (u0, conditional.quantile(stream.uniform()))
    }
}

/// Joint draw k of a ``ConjugateFullBayes``, written into a row in place: what
/// ``ConjugateFullBayes/draws(count:seed:)`` and the CSV share, so the CSV is formatted chunk by
/// chunk without holding every draw (4,000 draws of 10,000 tasks would be 320 MB of rows).
/// θ by ``HyperPosteriorSampler``; then each φ_i exactly from its conjugate conditional, made
/// once per distinct (y, scale) pair per draw (tasks with equal pairs share it).
struct JointDrawSampler {
    let full: ConjugateFullBayes
    private let theta: HyperPosteriorSampler

    init(_ full: ConjugateFullBayes) {
        self.full = full
        theta = HyperPosteriorSampler(full.grid)
    }

    /// Draw k (random substream k of `seed`) into `row[0 ..< 3 + J]`.
    func draw(_ k: Int, seed: UInt64, into row: UnsafeMutablePointer<Double>) throws {
        let grid = full.grid, tasks = full.tasks, groups = grid.groups
        let stream = RandomStream(seed: seed).substream(UInt64(k))
        let (u0, u1) = theta.draw(using: stream)
        let theta = grid.theta(u0, u1)
        var lp = try grid.logPosterior(u0, u1) - grid.logNormaliser
        let shown = tasks.kind.summaryValues(theta)
        row[1] = shown.0
        row[2] = shown.1
        var conditionals: [ConjugateConditional] = []
        conditionals.reserveCapacity(groups.count)
        for g in 0..<groups.count {
            conditionals.append(try ConjugateTasks.conditional(kind: tasks.kind, response: groups.responses[g], scale: groups.scales[g], theta))
        }
        for i in 0..<tasks.count {
            let conditional = conditionals[groups.groupOfTask[i]]
            let phi = conditional.sample(using: stream)
            lp += conditional.logDensity(phi)
            row[3 + i] = phi
        }
        row[0] = lp
    }
}
