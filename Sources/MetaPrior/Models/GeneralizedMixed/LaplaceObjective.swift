// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The sum over tasks of the Laplace log-likelihoods at ψ = (β, θ), or of their adaptive
/// Gauss–Hermite values when ``quadrature`` is set, and its gradient, with each task's inner
/// mode kept as the next evaluation's start.
final class LaplaceObjective {
    let tasks: [GeneralizedTask]
    let family: ResponseFamily
    let p: Int, q: Int
    /// The Gauss–Hermite rule for nAGQ > 1 (q = 1 only); `nil`: the Laplace approximation.
    var quadrature: GaussHermiteRule?
    private var starts: [[Double]]
    /// The most observations of any task (the workspaces' size).
    private let largestTask: Int

    struct Evaluation {
        var value: Double
        var gradient: [Double]
        var modes: [[Double]]
    }

    init(tasks: [GeneralizedTask], family: ResponseFamily) {
        self.tasks = tasks
        self.family = family
        p = tasks[0].p
        q = tasks[0].q
        starts = [[Double]](repeating: [Double](repeating: 0, count: tasks[0].q), count: tasks.count)
        largestTask = tasks.map(\.count).max() ?? 0
    }

    /// ℓ(ψ) and ∂ℓ/∂ψ; `nil` where a task's approximation is not finite. With ``quadrature``
    /// the gradient is by central differences (step 1e-6 · max(1, |ψ_k|): truncation O(h²) and
    /// rounding about ε|ℓ|/h, both far below the 1e-7 · |ℓ| of the convergence test); the
    /// quadrature's dependence on the mode and scale it is centred on makes the analytic form
    /// long, and nAGQ > 1 is for one task-specific term, so ψ has few entries.
    func evaluate(_ psi: [Double]) -> Evaluation? {
        if let rule = quadrature { return evaluateByQuadrature(psi, rule: rule) }
        let beta = Array(psi[..<p]), theta = Array(psi[p...])
        let lambda = lowerFactor(theta, q: q)
        // Tasks in fixed chunks of 256 on every core, each chunk summing into its own slot and
        // the slots added in order: the same bits on 1 thread or many.
        let chunkSize = 256
        let chunks = DeterministicParallel.chunkCount(count: tasks.count, chunkSize: chunkSize)
        var partials = [(value: Double, gradient: [Double])?](repeating: nil, count: chunks)
        var modes = starts
        let tasks = tasks, family = family, starts = starts, p = p, q = q, width = psi.count, largest = largestTask
        partials.withUnsafeMutableBufferPointer { slots in
            modes.withUnsafeMutableBufferPointer { modeSlots in
                DeterministicParallel.forEachChunk(count: tasks.count, chunkSize: chunkSize) { chunk, range in
                    let workspace = LaplaceWorkspace(observations: largest, p: p, q: q)
                    var value = 0.0
                    var gradient = [Double](repeating: 0, count: width)
                    let ok = beta.withUnsafeBufferPointer { b in
                        lambda.withUnsafeBufferPointer { l in
                            gradient.withUnsafeMutableBufferPointer { out in
                                for i in range {
                                    guard let t = workspace.laplace(tasks[i], family: family, beta: b.baseAddress, lambda: l.baseAddress!,
                                                                    start: starts[i], gradientInto: out.baseAddress!) else { return false }
                                    value += t.value
                                    modeSlots[i] = (0..<q).map { workspace.u[$0] }
                                }
                                return true
                            }
                        }
                    }
                    guard ok else { return }
                    slots[chunk] = (value, gradient)
                }
            }
        }
        var value = 0.0
        var gradient = [Double](repeating: 0, count: psi.count)
        for partial in partials {
            guard let partial else { return nil }
            value += partial.value
            for k in gradient.indices { gradient[k] += partial.gradient[k] }
        }
        guard value.isFinite, gradient.allSatisfy(\.isFinite) else { return nil }
        self.starts = modes
        return Evaluation(value: value, gradient: gradient, modes: modes)
    }

    private func evaluateByQuadrature(_ psi: [Double], rule: GaussHermiteRule) -> Evaluation? {
        func value(_ x: [Double]) -> (Double, [[Double]])? {
            let beta = Array(x[..<p]), lambda = lowerFactor(Array(x[p...]), q: q)
            var total = 0.0, modes = starts
            for (i, task) in tasks.enumerated() {
                guard let t = task.adaptiveGaussHermite(family: family, beta: beta, lambda: lambda, start: starts[i], rule: rule) else { return nil }
                total += t.value
                modes[i] = t.mode
            }
            return total.isFinite ? (total, modes) : nil
        }
        guard let (centre, modes) = value(psi) else { return nil }
        var gradient = [Double](repeating: 0, count: psi.count)
        for k in psi.indices {
            let h = 1e-6 * Swift.max(1, abs(psi[k]))
            var up = psi, down = psi
            up[k] += h
            down[k] -= h
            guard let a = value(up), let b = value(down) else { return nil }
            gradient[k] = (a.0 - b.0) / (2 * h)
        }
        starts = modes
        return Evaluation(value: centre, gradient: gradient, modes: modes)
    }

    /// Saddle-free Newton steps on −ℓ over the coordinates `free` (the others held):
    /// ``minimizeBySaddleFreeNewton(from:maximumSteps:evaluate:done:)`` until every free
    /// |∂ℓ/∂ψ| ≤ 1e-7 · max(1, |ℓ|), or no step gains.
    func newtonPolish(from psi: [Double], free: Range<Int>, maximumSteps: Int = 50, evaluations: inout Int) -> [Double] {
        var count = 0
        defer { evaluations += count }
        func restricted(_ y: [Double]) -> (Double, [Double])? {
            count += 1
            var full = psi
            for (k, index) in free.enumerated() { full[index] = y[k] }
            guard let e = evaluate(full) else { return nil }
            return (-e.value, free.map { -e.gradient[$0] })
        }
        let x = minimizeBySaddleFreeNewton(from: Array(psi[free]), maximumSteps: maximumSteps, evaluate: restricted) { f, g in
            g.allSatisfy { abs($0) <= 1e-7 * Swift.max(1, abs(f)) }
        }
        var out = psi
        for (k, index) in free.enumerated() { out[index] = x[k] }
        return out
    }
}
