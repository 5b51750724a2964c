// SPDX-License-Identifier: GPL-3.0-or-later

/// The Hessian of a function at `x` from central differences of its analytic `gradient`:
/// column j is (∇f(x + h_j e_j) − ∇f(x − h_j e_j)) / 2h_j with h_j = `relativeStep` · max(1, |x_j|)
/// (2k gradients; errors O(h²), so the Newton steps built on it keep converging
/// quadratically), then symmetrised. `nil` when a gradient is undefined (`gradient` returns
/// `nil`) or not finite.
public func hessianByCentralDifferences(at x: [Double], relativeStep: Double = 1e-5,
                                        gradient: ([Double]) throws -> [Double]?) rethrows -> Matrix? {
    let k = x.count
    var hessian = Matrix(rows: k, columns: k)
    for j in 0..<k {
        let h = relativeStep * Swift.max(1, abs(x[j]))
        var up = x, down = x
        up[j] += h
        down[j] -= h
        guard let gUp = try gradient(up), let gDown = try gradient(down), gUp.count == k, gDown.count == k else { return nil }
        for i in 0..<k { hessian[i, j] = (gUp[i] - gDown[i]) / (2 * h) }
    }
    for i in 0..<k {
        for j in 0..<i {
            let v = 0.5 * (hessian[i, j] + hessian[j, i])
            hessian[i, j] = v
            hessian[j, i] = v
        }
    }
    return hessian.isFinite ? hessian : nil
}
