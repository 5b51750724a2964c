// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The distinct (y, scale) pairs of a set of tasks. Tasks with equal pairs have the same
/// marginal likelihood p(y_i | θ) and the same conditional posterior p(φ_i | θ, y_i), so full
/// Bayes computes each once per pair (10,000 beta–binomial tasks with 5–50 trials have
/// about 800 pairs).
struct ConjugateTaskGroups: Sendable {
    /// One entry per distinct pair, in order of first appearance.
    let responses: [Double]
    let scales: [Double]
    /// How many tasks have each pair.
    let multiplicity: [Double]
    /// The pair of each task.
    let groupOfTask: [Int]

    init(_ tasks: ConjugateTasks) {
        var index: [Pair: Int] = [:], responses: [Double] = [], scales: [Double] = [], multiplicity: [Double] = []
        var groupOfTask: [Int] = []
        groupOfTask.reserveCapacity(tasks.count)
        for i in 0..<tasks.count {
            let pair = Pair(response: tasks.responses[i], scale: tasks.scales[i])
            if let g = index[pair] {
                multiplicity[g] += 1
                groupOfTask.append(g)
            } else {
                index[pair] = responses.count
                groupOfTask.append(responses.count)
                responses.append(pair.response); scales.append(pair.scale); multiplicity.append(1)
            }
        }
        self.responses = responses
        self.scales = scales
        self.multiplicity = multiplicity
        self.groupOfTask = groupOfTask
    }

    /// Number of distinct pairs.
    var count: Int { responses.count }

    private struct Pair: Hashable {
        var response: Double
        var scale: Double
    }
}

/// Σ_i log p(y_i | θ) of ``ConjugateTasks/logMarginal(_:)-(Double,Double)``, rearranged so that
/// its cost per θ does not grow with the number of tasks: the quadrature calls it at every
/// node. The same sum, reordered; not an approximation:
///
/// - beta–binomial: Σ_i ln C(n_i, y_i) is a constant; ln (a)_x = x ln a + Σ_{1≤j<x} ln(1 + j/a)
///   for whole x, so Σ_i [ln (α)_{y_i} + ln (β)_{n_i−y_i} − ln (α+β)_{n_i}] =
///   Y ln(α/(α+β)) + F ln(β/(α+β)) + Σ_j [c_j ln(1 + j/α) + d_j ln(1 + j/β) − e_j ln(1 + j/(α+β))]
///   with Y = Σ y_i, F = Σ (n_i − y_i) and c_j, d_j, e_j the numbers of tasks with y_i, n_i − y_i,
///   n_i above j (Y + F = Σ n_i, so the ln(α+β) terms cancel exactly, as α + β → ∞ they must);
/// - gamma–Poisson: the Pochhammer terms likewise, and −α ln(1 + t/β) + y ln(t/(β+t)) summed per
///   distinct exposure t;
/// - normal–normal: per distinct (y, s) pair, times its count.
///
/// The counts form costs one `log1p` per j below the largest count; when that is far more than
/// the distinct values (counts in the thousands), the sum runs over the distinct values instead.
struct LogMarginalSum: Sendable {
    private let kind: ConjugateKind
    private let groups: ConjugateTaskGroups
    private let constant: Double
    private let first: PochhammerSum, second: PochhammerSum, total: PochhammerSum
    /// Σ y_i and Σ (n_i − y_i) (beta–binomial) or Σ y_i (gamma–Poisson).
    private let sumFirst: Double, sumSecond: Double
    /// Gamma–Poisson: the distinct exposures, their task counts and Σ y over their tasks.
    private let exposures: [(t: Double, tasks: Double, counts: Double)]

    init(_ tasks: ConjugateTasks, groups: ConjugateTaskGroups) throws {
        kind = tasks.kind
        self.groups = groups
        let g = groups
        var constant = 0.0
        switch kind {
        case .normalNormal:
            first = PochhammerSum(values: [], weights: []); second = first; total = first
            sumFirst = 0; sumSecond = 0; exposures = []
        case .betaBinomial:
            for k in 0..<g.count { constant += g.multiplicity[k] * (try lnChoose(Int(g.scales[k]), Int(g.responses[k]))) }
            first = PochhammerSum(values: g.responses, weights: g.multiplicity)
            second = PochhammerSum(values: zip(g.scales, g.responses).map { $0 - $1 }, weights: g.multiplicity)
            total = PochhammerSum(values: g.scales, weights: g.multiplicity)
            sumFirst = zip(g.responses, g.multiplicity).map { $0 * $1 }.reduce(0, +)
            sumSecond = zip(zip(g.scales, g.responses), g.multiplicity).map { ($0.0 - $0.1) * $1 }.reduce(0, +)
            exposures = []
        case .gammaPoisson:
            for k in 0..<g.count { constant -= g.multiplicity[k] * (try lnGamma(g.responses[k] + 1)) }
            first = PochhammerSum(values: g.responses, weights: g.multiplicity)
            second = PochhammerSum(values: [], weights: []); total = second
            sumFirst = zip(g.responses, g.multiplicity).map { $0 * $1 }.reduce(0, +)
            sumSecond = 0
            var index: [Double: Int] = [:], list: [(t: Double, tasks: Double, counts: Double)] = []
            for k in 0..<g.count {
                let t = g.scales[k]
                if index[t] == nil { index[t] = list.count; list.append((t, 0, 0)) }
                list[index[t]!].tasks += g.multiplicity[k]
                list[index[t]!].counts += g.multiplicity[k] * g.responses[k]
            }
            exposures = list
        }
        self.constant = constant
    }

    /// Σ_i log p(y_i | θ).
    func callAsFunction(_ theta: (Double, Double)) throws -> Double {
        let (a, b) = theta
        switch kind {
        case .normalNormal:
            var sum = 0.0
            for k in 0..<groups.count {
                let v = groups.scales[k] * groups.scales[k] + b * b, r = groups.responses[k] - a
                sum -= groups.multiplicity[k] * 0.5 * (log(2 * Double.pi * v) + r * r / v)
            }
            return sum
        case .betaBinomial:
            let kappa = a + b
            var sum = constant + (try first.excess(a)) + (try second.excess(b)) - (try total.excess(kappa))
            if sumFirst > 0 { sum += sumFirst * log(a / kappa) }
            if sumSecond > 0 { sum += sumSecond * log(b / kappa) }
            return sum
        case .gammaPoisson:
            var sum = constant + (try first.excess(a)) + (sumFirst > 0 ? sumFirst * log(a) : 0)
            for e in exposures {
                sum -= e.tasks * a * log1p(e.t / b)
                if e.counts > 0 { sum += e.counts * log(e.t / (b + e.t)) }
            }
            return sum
        }
    }
}

/// Σ_k w_k [ln (a)_{x_k} − x_k ln a] over whole numbers x_k ≥ 0: the part of a sum of log
/// rising factorials that is not x ln a, at any a > 0.
struct PochhammerSum: Sendable {
    /// c_j = Σ_{k: x_k > j} w_k for j = 1 … max x − 1 (index j − 1), when that form is used.
    private let counts: [Double]
    /// The distinct values and their weights, for the other form.
    private let values: [Double], weights: [Double]
    private let useCounts: Bool

    init(values: [Double], weights: [Double]) {
        var merged: [Double: Double] = [:]
        for (x, w) in zip(values, weights) where x > 0 { merged[x, default: 0] += w }
        let distinct = merged.keys.sorted()
        let largest = distinct.last ?? 0
        // One log1p per j against a few per distinct value (lnPochhammer's own sum or lnGamma).
        useCounts = largest <= 4 * Double(distinct.count) + 64
        if useCounts {
            var c = [Double](repeating: 0, count: Swift.max(Int(largest) - 1, 0))
            for (x, w) in merged where x > 1 {
                for j in 0..<(Int(x) - 1) { c[j] += w }
            }
            counts = c
        } else {
            counts = []
        }
        self.values = distinct
        self.weights = distinct.map { merged[$0]! }
    }

    func excess(_ a: Double) throws -> Double {
        var sum = 0.0
        if useCounts {
            for j in counts.indices { sum += counts[j] * log1p(Double(j + 1) / a) }
        } else {
            let logA = log(a)
            for k in values.indices { sum += weights[k] * (try lnPochhammer(a, values[k]) - values[k] * logA) }
        }
        return sum
    }
}
