// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// Expects `analytic` = ∂ℓ/∂θ of `likelihood` at `theta` to match central differences,
/// h = 1e-6 (truncation error O(h²) ≈ 1e-12 times the third derivative, round-off
/// ≈ 1e-16·|ℓ|/h ≈ 1e-8): agreement to 1e-5 relative (or 1e-6 absolute) leaves a margin for both.
func expectGradientMatchesCentralDifferences(_ likelihood: ProfiledLikelihood, at theta: [Double], analytic: [Double],
                                             sourceLocation: SourceLocation = #_sourceLocation) throws {
    for i in theta.indices {
        let h = 1e-6
        var plus = theta, minus = theta
        plus[i] += h; minus[i] -= h
        let numeric = (try likelihood.evaluate(plus, gradient: false).logLikelihood
                       - likelihood.evaluate(minus, gradient: false).logLikelihood) / (2 * h)
        #expect(abs(analytic[i] - numeric) <= Swift.max(1e-6, 1e-5 * abs(numeric)), "θ\(i): \(analytic[i]) vs \(numeric)", sourceLocation: sourceLocation)
    }
}
