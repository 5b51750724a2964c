// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The per-episode logistic-regression baseline of few-shot classification: a multinomial
/// logistic (softmax) model p(c | x) ∝ exp(w_cᵀ[1, x]) fitted to one episode's support set
/// alone, with a weak prior w ~ N(0, v I) on every weight and bias (v = 100 by default), at its
/// MAP by Newton's method; query probabilities are the plug-in softmax at the MAP.
///
/// The log posterior is concave (the prior makes it strictly so), so Newton with step halving
/// converges from w = 0; it stops when the largest gradient entry is below 1e-8 or after 100
/// steps.
struct EpisodeLogisticRegression {
    let classes: Int
    let dimension: Int
    /// w, classes × (d + 1), row-major.
    private(set) var weights: [Double]

    init(inputs: [[Double]], labels: [Int], classes: Int, priorVariance: Double = 100) throws {
        let d = inputs.first?.count ?? 0, p = d + 1, size = classes * p
        self.classes = classes
        self.dimension = d
        weights = [Double](repeating: 0, count: size)
        let design = inputs.map { [1] + $0 }
        func objective(_ w: [Double]) -> Double {
            var value = -0.5 * w.reduce(0) { $0 + $1 * $1 } / priorVariance
            for (x, y) in zip(design, labels) { value += Self.logSoftmax(w, x, classes)[y] }
            return value
        }
        var current = objective(weights)
        for _ in 0..<100 {
            var gradient = weights.map { -$0 / priorVariance }
            var hessian = Matrix(rows: size, columns: size)
            for k in 0..<size { hessian[k, k] = 1 / priorVariance }
            for (x, y) in zip(design, labels) {
                let prob = Self.logSoftmax(weights, x, classes).map(exp)
                for c in 0..<classes {
                    let residual = (c == y ? 1 : 0) - prob[c]
                    for j in 0..<p { gradient[c * p + j] += residual * x[j] }
                    for e in 0..<classes {
                        let h = prob[c] * ((c == e ? 1 : 0) - prob[e])
                        for j in 0..<p { for l in 0..<p { hessian[c * p + j, e * p + l] += h * x[j] * x[l] } }
                    }
                }
            }
            if gradient.map(abs).max() ?? 0 < 1e-8 { break }
            let step = try Cholesky(hessian).solve(gradient)
            var scale = 1.0
            while scale > 1e-6 {
                let trial = zip(weights, step).map { $0 + scale * $1 }
                let value = objective(trial)
                if value >= current { weights = trial; current = value; break }
                scale /= 2
            }
            if scale <= 1e-6 { break }
        }
    }

    /// log p(c | x) for every class.
    func logProbabilities(_ x: [Double]) -> [Double] { Self.logSoftmax(weights, [1] + x, classes) }

    static func logSoftmax(_ w: [Double], _ x: [Double], _ classes: Int) -> [Double] {
        let p = x.count
        let logits = (0..<classes).map { c in (0..<p).reduce(0.0) { $0 + w[c * p + $1] * x[$1] } }
        let top = logits.max() ?? 0
        let normaliser = top + log(logits.reduce(0) { $0 + exp($1 - top) })
        return logits.map { $0 - normaliser }
    }
}
