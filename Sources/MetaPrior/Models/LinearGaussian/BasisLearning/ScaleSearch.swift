// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Maximises a function of one positive scale s over a range, in log s: a grid first, then
/// golden-section search between the grid neighbours of the best grid point.
///
/// Why not gradients through the features: ℓ*(s) = max_θ ℓ(θ; s) is a cheap 1-D function once
/// a fit is cheap, while ∂A_i/∂s for every task and every basis would add a second
/// statistics pass per evaluation and still need a line search; and ℓ*(s) of a Fourier
/// period is multimodal (aliases of the true frequencies), which a gradient from the default
/// would not escape. The grid finds the right mode; golden section (Kiefer 1953) refines it
/// without derivatives, and each evaluation is an ordinary converged-as-possible fit.
struct ScaleSearch {
    /// Grid points over the range (log-spaced, ends included).
    var gridPoints = 9
    /// Golden-section steps after the grid: the bracket of two grid spacings shrinks by
    /// 0.618 per step, so 8 steps leave 0.043 of it — for the rbf range [1/4, 8] a relative
    /// accuracy of about 2 % in s, well inside the flat top of ℓ*(s).
    var goldenSteps = 8

    /// One evaluation of the search.
    struct Point {
        /// The scale s.
        var scale: Double
        /// The objective at s (−∞ when the fit failed).
        var value: Double
    }

    /// The best point found and every point evaluated, in order.
    func maximise(over range: ClosedRange<Double>, _ objective: (Double) throws -> Double) rethrows -> (best: Point, evaluated: [Point]) {
        var evaluated: [Point] = []
        func f(_ logScale: Double) throws -> Double {
            let s = exp(logScale)
            let value = try objective(s)
            evaluated.append(Point(scale: s, value: value.isNaN ? -.infinity : value))
            return evaluated.last!.value
        }
        let (low, high) = (log(range.lowerBound), log(range.upperBound))
        let n = Swift.max(2, gridPoints)
        let grid = (0..<n).map { low + (high - low) * Double($0) / Double(n - 1) }
        var values: [Double] = []
        for g in grid { values.append(try f(g)) }
        // First maximum wins ties: the smaller scale, evaluated first.
        var bestIndex = 0
        for i in values.indices where values[i] > values[bestIndex] { bestIndex = i }
        var a = grid[Swift.max(0, bestIndex - 1)], b = grid[Swift.min(n - 1, bestIndex + 1)]
        let ratio = (5.0.squareRoot() - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = try f(c), fd = try f(d)
        for _ in 0..<goldenSteps {
            if fc >= fd {
                b = d; d = c; fd = fc
                c = b - ratio * (b - a); fc = try f(c)
            } else {
                a = c; c = d; fc = fd
                d = a + ratio * (b - a); fd = try f(d)
            }
        }
        var best = evaluated[0]
        for point in evaluated where point.value > best.value { best = point }
        return (best, evaluated)
    }
}
