// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension HyperPosteriorGrid {
    /// The trapezoid grid on the box with `n` nodes per axis: kept nodes, θ, normalised weights.
    private func evaluate(_ n: Int) throws -> (u: [(Double, Double)], theta: [(Double, Double)], logDensity: [Double], weights: [Double],
                                               logNormaliser: Double, all: [Double]) {
        let h0 = (upper[0] - lower[0]) / Double(n - 1), h1 = (upper[1] - lower[1]) / Double(n - 1)
        var us: [(Double, Double)] = [], values: [Double] = [], factors: [Double] = []
        us.reserveCapacity(n * n); values.reserveCapacity(n * n)
        for i in 0..<n {
            for j in 0..<n {
                let u0 = lower[0] + Double(i) * h0, u1 = lower[1] + Double(j) * h1
                us.append((u0, u1))
                values.append(try logPosterior(u0, u1))
                // Trapezoid: half weight on an edge, a quarter at a corner.
                factors.append((i == 0 || i == n - 1 ? 0.5 : 1) * (j == 0 || j == n - 1 ? 0.5 : 1))
            }
        }
        let peak = values.max() ?? -.infinity
        guard peak.isFinite else {
            throw InputError(kind: .other, "the hyper-posterior is zero everywhere on the grid: the data and the hyperprior \(prior.description) are incompatible")
        }
        var keptU: [(Double, Double)] = [], keptTheta: [(Double, Double)] = [], keptLog: [Double] = [], keptWeights: [Double] = []
        var total = 0.0
        for k in us.indices {
            let w = factors[k] * exp(values[k] - peak)
            total += w
            // Nodes below 1e-15 of the peak carry no digit of any summary; leave them out.
            guard w >= 1e-15 else { continue }
            keptU.append(us[k]); keptLog.append(values[k]); keptWeights.append(w)
            keptTheta.append(theta(us[k].0, us[k].1))
        }
        let normaliser = peak + log(total * h0 * h1)
        return (keptU, keptTheta, keptLog, keptWeights.map { $0 / total }, normaliser, values)
    }

    /// Means and sds of θ (its ``ConjugateKind/summaryNames`` quantities) and of every φ_i under `weights`: the quantities whose change
    /// decides convergence (tasks with the same (y, scale) have the same moments: once per pair).
    static func moments(kind: ConjugateKind, groups: ConjugateTaskGroups, theta: [(Double, Double)], weights: [Double]) throws -> [(mean: Double, sd: Double)] {
        var out: [(mean: Double, sd: Double)] = []
        for component in 0..<2 {
            var m = 0.0, m2 = 0.0
            for k in weights.indices {
                let v = kind.summaryValues(theta[k])
                let x = component == 0 ? v.0 : v.1
                m += weights[k] * x; m2 += weights[k] * x * x
            }
            out.append((m, Swift.max(m2 - m * m, 0).squareRoot()))
        }
        for g in 0..<groups.count {
            var m = 0.0, m2 = 0.0
            for k in weights.indices {
                let c = try ConjugateTasks.conditional(kind: kind, response: groups.responses[g], scale: groups.scales[g], theta[k])
                let mean = c.mean
                m += weights[k] * mean; m2 += weights[k] * (c.variance + mean * mean)
            }
            out.append((m, Swift.max(m2 - m * m, 0).squareRoot()))
        }
        return out
    }

    /// Halves the spacing until the moments settle to ``tolerance`` sds (see the type).
    mutating func refine() throws {
        var n = Self.firstNodes
        var previous: [(mean: Double, sd: Double)]?
        while true {
            let grid = try evaluate(n)
            let current = try Self.moments(kind: tasks.kind, groups: groups, theta: grid.theta, weights: grid.weights)
            u = grid.u; theta = grid.theta; weights = grid.weights; logDensity = grid.logDensity; allLogDensity = grid.all
            logNormaliser = grid.logNormaliser
            nodesPerAxis = n
            spacing = [(upper[0] - lower[0]) / Double(n - 1), (upper[1] - lower[1]) / Double(n - 1)]
            history.append(n)
            if let previous {
                var change = 0.0
                for k in current.indices {
                    let scale = Swift.max(current[k].sd, 1e-300)
                    change = Swift.max(change, abs(current[k].mean - previous[k].mean) / scale,
                                       abs(current[k].sd - previous[k].sd) / scale)
                }
                lastChange = change
                if change < Self.tolerance { converged = true; return }
            }
            if n >= Self.maximumNodes { return }
            previous = current
            n = 2 * n - 1
        }
    }
}
