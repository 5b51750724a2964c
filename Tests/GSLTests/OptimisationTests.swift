// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

struct ObjectiveFailure: Error, Equatable {}

@Suite("Optimisation")
struct OptimisationTests {
    /// Rosenbrock f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
    static func rosenbrock(_ x: [Double], _ g: inout [Double]) -> Double {
        let (a, b) = (x[0], x[1])
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a)
        g[1] = 200 * (b - a * a)
        return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
    }

    @Test func bfgsRosenbrock() throws {
        // At gradientTolerance 1e-8 the line search stalls (GSL_ENOPROG) at ‖∇f‖ ≈ 2e-8, where
        // round-off in f ≈ 1e-18 hides further decrease; 1e-6 is reachable.
        let r = try minimizeBFGS(start: [-1.2, 1], gradientTolerance: 1e-6, objective: Self.rosenbrock)
        #expect(r.converged)
        // ‖x − x*‖ ≲ ‖H⁻¹‖·‖∇f‖ ≈ 2.5 · 1e-6 (H's smallest eigenvalue at (1,1) is ≈ 0.4).
        #expect(isClose(r.x, [1, 1], relative: 1e-5))
        #expect(r.value < 1e-10)
        #expect(r.gradient.count == 2 && r.iterations > 0)
    }

    /// GSL_ENOPROG is a result, not an error: with tolerance 0 the gradient test can never
    /// pass, the line search eventually stalls, and the best point comes back unconverged.
    @Test func bfgsStallIsReportedNotThrown() throws {
        let r = try minimizeBFGS(start: [-1.2, 1], gradientTolerance: 0, objective: Self.rosenbrock)
        #expect(!r.converged)
        #expect(r.iterations < 1000)  // stopped by ENOPROG, not by the iteration limit
        #expect(isClose(r.x, [1, 1], relative: 1e-6))
    }

    @Test func bfgsQuadratic() throws {
        // f(x) = ½ (x − c)ᵀ A (x − c) with A from LinearAlgebraTests; minimum at c.
        let a = LinearAlgebraTests.a, c = [1.0, -2, 3]
        let r = try minimizeBFGS(start: [0, 0, 0], gradientTolerance: 1e-10) { x, g in
            let d = zip(x, c).map { $0 - $1 }
            let ad = try a.multiplied(by: d)
            g = ad
            return 0.5 * zip(d, ad).map { $0 * $1 }.reduce(0, +)
        }
        #expect(r.converged)
        // ‖x − c‖ ≤ ‖A⁻¹‖ ‖∇f‖ < 0.5 · 1e-10.
        #expect(isClose(r.x, c, relative: 1e-9))
    }

    @Test func bfgsAtTheMinimumConvergesWithoutIterating() throws {
        let r = try minimizeBFGS(start: [1, 1], objective: Self.rosenbrock)
        #expect(r.converged && r.iterations == 0 && r.value == 0)
    }

    @Test func nelderMeadRosenbrock() throws {
        let r = try minimizeNelderMead(start: [-1.2, 1], stepSizes: [0.5, 0.5], sizeTolerance: 1e-10) { x in
            var g = [0.0, 0.0]
            return Self.rosenbrock(x, &g)
        }
        #expect(r.converged)
        #expect(r.gradient.isEmpty)
        // A simplex of size 1e-10 around a point where f ≈ 1e-16: position to ~1e-6.
        #expect(isClose(r.x, [1, 1], relative: 1e-6))
    }

    @Test func nelderMeadReportsNonConvergence() throws {
        let r = try minimizeNelderMead(start: [-1.2, 1], stepSizes: [0.5, 0.5], maxIterations: 5) { x in
            var g = [0.0, 0.0]
            return Self.rosenbrock(x, &g)
        }
        #expect(!r.converged && r.iterations == 5)
    }

    @Test func throwingObjectiveRethrows() throws {
        var calls = 0
        #expect(throws: ObjectiveFailure.self) {
            try minimizeBFGS(start: [-1.2, 1]) { x, g in
                calls += 1
                if calls > 5 { throw ObjectiveFailure() }
                return Self.rosenbrock(x, &g)
            }
        }
        #expect(calls == 6)  // nothing is called after the error was captured
        #expect(throws: ObjectiveFailure.self) {
            try minimizeNelderMead(start: [0, 0], stepSizes: [1, 1]) { _ in throw ObjectiveFailure() }
        }
    }

    @Test func badStartsAndArguments() throws {
        #expect(expectGSLError(.badFunction) { _ = try minimizeBFGS(start: [0]) { _, g in g[0] = 0; return .nan } } != nil)
        #expect(expectGSLError(.badFunction) { _ = try minimizeBFGS(start: [0]) { _, g in g[0] = .infinity; return 0 } } != nil)
        #expect(expectGSLError(.badFunction) { _ = try minimizeNelderMead(start: [0], stepSizes: [1]) { _ in .nan } } != nil)
        #expect(expectGSLError(.badLength) { _ = try minimizeBFGS(start: [0, 0]) { _, g in g = [0]; return 0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try minimizeBFGS(start: []) { _, _ in 0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try minimizeBFGS(start: [.nan]) { _, _ in 0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try minimizeBFGS(start: [0], lineSearchTolerance: 1) { _, _ in 0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try minimizeBFGS(start: [0], maxIterations: 0) { _, _ in 0 } } != nil)
        #expect(expectGSLError(.badLength) { _ = try minimizeNelderMead(start: [0, 0], stepSizes: [1]) { _ in 0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try minimizeNelderMead(start: [0], stepSizes: [0]) { _ in 0 } } != nil)
    }

    /// The Hessian of f(x) = x₀⁴ + 3x₀x₁ + 2x₁² + e^{x₁} at (1, 0.5) from central differences of
    /// the exact gradient: [[12x₀², 3], [3, 4 + e^{x₁}]], to the O(h²) error of the rule
    /// (h = 1e-5 · max(1, |x|): error ≈ h²·|f''''| ≈ 1e-9 here; asked to 1e-6).
    @Test func hessianByCentralDifferencesOfAGradient() throws {
        let gradient: ([Double]) -> [Double]? = { x in [4 * pow(x[0], 3) + 3 * x[1], 3 * x[0] + 4 * x[1] + exp(x[1])] }
        let h = try #require(hessianByCentralDifferences(at: [1, 0.5], gradient: gradient))
        let exact = [12.0, 3, 3, 4 + exp(0.5)]
        for (a, b) in zip(h.elements, exact) { #expect(abs(a - b) <= 1e-6 * abs(b), "\(a) vs \(b)") }
        #expect(hessianByCentralDifferences(at: [1, 0.5]) { _ in nil } == nil)
        #expect(hessianByCentralDifferences(at: [1, 0.5]) { _ in [.nan, 0] } == nil)
    }
}
