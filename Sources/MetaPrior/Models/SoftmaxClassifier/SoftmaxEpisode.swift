// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// One episode of Model B: N classes, labelled points x̃ = [1, x] (p = d + 1 with the bias),
/// and the log posterior of the weights W = (w_1, …, w_N) under w_c ~ N(0, V):
///
///     L(W) = Σ_i [w_{y_i}ᵀx̃_i − log Σ_c exp(w_cᵀx̃_i)] − ½ Σ_c w_cᵀV⁻¹w_c
///     ∂L/∂w_c = Σ_i (1[y_i = c] − π_ic) x̃_i − V⁻¹w_c
///     ∂²L/∂w_c∂w_eᵀ = −Σ_i π_ic (1[c = e] − π_ie) x̃_i x̃_iᵀ − 1[c = e] V⁻¹
///
/// W is stored class-major (entry c·p + j is w_cj). The likelihood is flat along W → W + 1aᵀ
/// (adding a to every class's weights leaves the softmax unchanged), so its Hessian is
/// singular; the prior's V⁻¹ blocks make −∇²L positive definite and the posterior proper.
struct SoftmaxEpisode {
    /// N.
    let classes: Int
    /// p = d + 1.
    let width: Int
    /// The rows x̃_i = [1, x_i], flattened (n × p).
    let design: [Double]
    /// y_i ∈ 0..<N.
    let labels: [Int]

    /// An episode from points and labels in 0..<classes.
    init(points: [[Double]], labels: [Int], classes: Int) {
        self.classes = classes
        width = (points.first?.count ?? 0) + 1
        design = points.flatMap { [1] + $0 }
        self.labels = labels
    }

    var count: Int { labels.count }

    /// log softmax of W x̃_i into `out` (N entries).
    func logSoftmax(_ w: [Double], row i: Int, into out: inout [Double]) {
        let p = width
        var top = -Double.infinity
        for c in 0..<classes {
            var s = 0.0
            for j in 0..<p { s += w[c * p + j] * design[i * p + j] }
            out[c] = s
            top = max(top, s)
        }
        var sum = 0.0
        for c in 0..<classes { sum += exp(out[c] - top) }
        let normaliser = top + log(sum)
        for c in 0..<classes { out[c] -= normaliser }
    }

    /// Σ_i log π_{i, y_i}, the log-likelihood.
    func logLikelihood(_ w: [Double]) -> Double {
        var logP = [Double](repeating: 0, count: classes), total = 0.0
        for i in 0..<count {
            logSoftmax(w, row: i, into: &logP)
            total += logP[labels[i]]
        }
        return total
    }

    /// L(W) (without the prior's normalising constant).
    func logPosterior(_ w: [Double], precision: [Double]) -> Double {
        logLikelihood(w) - 0.5 * priorQuadratic(w, precision: precision)
    }

    /// Σ_c w_cᵀV⁻¹w_c.
    func priorQuadratic(_ w: [Double], precision: [Double]) -> Double {
        let p = width
        var total = 0.0
        for c in 0..<classes { for j in 0..<p { for k in 0..<p { total += w[c * p + j] * precision[j * p + k] * w[c * p + k] } } }
        return total
    }

    /// V⁻¹ is passed flattened (p × p, row-major) as `precision` throughout.
    /// ∇L and the negative Hessian −∇²L (Np × Np) at W.
    func derivatives(_ w: [Double], precision: [Double]) throws -> (gradient: [Double], negativeHessian: Matrix) {
        let p = width, size = classes * p
        var gradient = [Double](repeating: 0, count: size)
        var h = [Double](repeating: 0, count: size * size)
        for c in 0..<classes {
            for j in 0..<p {
                for k in 0..<p {
                    gradient[c * p + j] -= precision[j * p + k] * w[c * p + k]
                    h[(c * p + j) * size + c * p + k] = precision[j * p + k]
                }
            }
        }
        var logP = [Double](repeating: 0, count: classes)
        for i in 0..<count {
            logSoftmax(w, row: i, into: &logP)
            let pi = logP.map(exp)
            let row = i * p
            for c in 0..<classes {
                let residual = (c == labels[i] ? 1 : 0) - pi[c]
                for j in 0..<p { gradient[c * p + j] += residual * design[row + j] }
                for e in 0..<classes {
                    let weight = pi[c] * ((c == e ? 1 : 0) - pi[e])
                    for j in 0..<p {
                        let xj = weight * design[row + j]
                        for k in 0..<p { h[(c * p + j) * size + e * p + k] += xj * design[row + k] }
                    }
                }
            }
        }
        return (gradient, try Matrix(rows: size, columns: size, elements: h))
    }

    /// The MAP by Newton's method with step halving, from `start` (zeros by default): L is
    /// strictly concave, so it converges from anywhere; stops when the largest gradient entry
    /// is below 1e-9 (1 + n) or after 200 steps.
    /// - Returns: the mode, the Cholesky factor of −∇²L there, and whether the test was met.
    /// - Throws: a GSL error if the Hessian does not factorise (non-finite inputs).
    func mode(precision: [Double], start: [Double]? = nil) throws -> (mode: [Double], factor: Cholesky, converged: Bool) {
        var w = start ?? [Double](repeating: 0, count: classes * width)
        var current = logPosterior(w, precision: precision)
        let tolerance = 1e-9 * Double(1 + count)
        for _ in 0..<200 {
            let (gradient, negativeHessian) = try derivatives(w, precision: precision)
            let factor = try Cholesky(negativeHessian)
            if gradient.map(abs).max() ?? 0 < tolerance { return (w, factor, true) }
            let step = try factor.solve(gradient)
            var scale = 1.0, moved = false
            while scale > 1e-10 {
                let trial = zip(w, step).map { $0 + scale * $1 }
                let value = logPosterior(trial, precision: precision)
                if value >= current { w = trial; current = value; moved = true; break }
                scale /= 2
            }
            if !moved { return (w, factor, false) }
        }
        let final = try Cholesky(try derivatives(w, precision: precision).negativeHessian)
        return (w, final, false)
    }
}
