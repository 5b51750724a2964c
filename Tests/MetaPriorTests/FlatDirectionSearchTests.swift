// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The line search along ℓ's flat directions in the dense Newton steps
/// (`PriorFit.searchFlatDirections`, issue 11), on a function whose maximum along a flat
/// coordinate lies where no damped Newton step reaches: f(u) = −(u₀² + u₁²) + 3·exp(−((u₂ − c)/300)²).
/// At u = 0 its slope and curvature along u₂ are about 10⁻⁷ and 10⁻¹⁰ (|c| = 1000), so a
/// Hessian with −H = diag(2, 2, ε) stands for the one the fit computes there.
@Suite("PriorFit: line search along flat directions")
struct FlatDirectionSearchTests {
    static func bump(centre: Double) -> ([Double]) -> Double? {
        { u in -(u[0] * u[0] + u[1] * u[1]) + 3 * exp(-pow((u[2] - centre) / 300, 2)) }
    }

    static func gradient(centre: Double) -> [Double] {
        [0, 0, 3 * exp(-pow(centre / 300, 2)) * 2 * centre / (300 * 300)]
    }

    static func diagonal(_ entries: [Double]) -> Matrix {
        var m = Matrix(rows: entries.count, columns: entries.count)
        for (i, e) in entries.enumerated() { m[i, i] = e }
        return m
    }

    /// The peak 1000 away is on the grid α = 1, √10, 10, …: found on whichever side it lies,
    /// whatever the sign the eigensolver gives the eigenvector, with its gain of
    /// 3(1 − e^{−100/9}) ≈ 3 nats. Negative curvature at round-off level (−10⁻⁹ of the largest)
    /// counts as flat.
    @Test(arguments: [1000.0, -1000.0])
    func findsTheRiseAlongAFlatDirection(centre: Double) throws {
        let f = Self.bump(centre: centre)
        let start = [0.0, 0.0, 0.0]
        let value = f(start)!
        for epsilon in [0.0, -2e-9, 2e-9] {
            let found = try #require(try PriorFit.searchFlatDirections(at: start, gradient: Self.gradient(centre: centre), value: value,
                                                                       negative: Self.diagonal([2, 2, epsilon]), roundOff: 1e-12,
                                                                       evaluate: f))
            #expect(abs(found.u[2] - centre) <= 1e-9, "ε = \(epsilon): moved to \(found.u)")
            #expect(found.u[0] == 0 && found.u[1] == 0)
            #expect(abs(found.value - 3) <= 1e-12)
            #expect(abs((found.value - value) - 3 * (1 - exp(-100.0 / 9))) <= 1e-12)
        }
    }

    /// Not where −H has genuinely negative curvature (−10⁻³ of its largest: a saddle, which
    /// damping handles), nor where it is positive definite (Newton's own step is right there).
    @Test(arguments: [-1e-3, 1e-3])
    func onlyWhereTheHessianIsFlatToItsPrecision(epsilon: Double) throws {
        let f = Self.bump(centre: 1000)
        #expect(try PriorFit.searchFlatDirections(at: [0, 0, 0], gradient: Self.gradient(centre: 1000), value: f([0, 0, 0])!,
                                                  negative: Self.diagonal([2, 2, epsilon]), roundOff: 1e-12, evaluate: f) == nil)
    }

    /// Nothing to gain along the flat direction (ℓ falls off both ways): no step, so the fit
    /// can report that no step improves ℓ.
    @Test
    func noGainGivesNoStep() throws {
        let f: ([Double]) -> Double? = { u in -(u[0] * u[0] + u[1] * u[1]) - 1e-10 * u[2] * u[2] }
        #expect(try PriorFit.searchFlatDirections(at: [0, 0, 0], gradient: [0, 0, 0], value: 0,
                                                  negative: Self.diagonal([2, 2, 2e-10]), roundOff: 1e-12, evaluate: f) == nil)
    }
}
