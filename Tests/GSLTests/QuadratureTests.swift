// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL

@Suite("Quadrature")
struct QuadratureTests {
    @Test func polynomial() throws {
        let r = try integrate(from: 0, to: 1) { $0 * $0 }  // 1/3
        #expect(isClose(r.value, 1.0 / 3, relative: 1e-14))
        #expect(r.absoluteError <= 1e-10)
    }

    @Test func singularEndPoint() throws {
        // ∫_0^1 log x dx = −1; QAGS's extrapolation reaches the requested 1e-10 relative.
        let r = try integrate(from: 0, to: 1) { log($0) }
        #expect(isClose(r.value, -1, relative: 1e-10))
    }

    @Test func halfLine() throws {
        // ∫_0^∞ e^{−x²} dx = √π / 2
        let expected = Double.pi.squareRoot() / 2
        #expect(isClose(try integrate(from: 0, toInfinity: ()) { exp(-$0 * $0) }.value, expected, relative: 1e-10))
        #expect(isClose(try integrate(from: 0, to: .infinity) { exp(-$0 * $0) }.value, expected, relative: 1e-10))
    }

    @Test func reversedLimitsNegate() throws {
        #expect(isClose(try integrate(from: 1, to: 0) { $0 * $0 }.value, -1.0 / 3, relative: 1e-14))
    }

    @Test func divergentIntegralThrows() {
        // ∫_0^1 1/x dx and ∫_1^∞ 1/x dx diverge; GSL reports divergence or round-off
        // (which one depends on the extrapolation table), never a value.
        for body in [{ _ = try integrate(from: 0, to: 1) { 1 / $0 } },
                     { _ = try integrate(from: 1, toInfinity: ()) { 1 / $0 } }] as [() throws -> Void] {
            do {
                try body()
                Issue.record("a divergent integral returned a value")
            } catch let error as GSLError {
                #expect([.divergent, .roundOff, .singular, .maximumIterations].contains(error.code), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func throwingIntegrandRethrows() {
        #expect(throws: ObjectiveFailure.self) {
            try integrate(from: 0, to: 1) { x in if x > 0.5 { throw ObjectiveFailure() }; return x }
        }
    }

    @Test func badArguments() {
        #expect(expectGSLError(.badFunction) { _ = try integrate(from: 0, to: 1) { _ in .nan } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try integrate(from: .nan, to: 1) { $0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try integrate(from: 0, to: 1, relativeTolerance: 0) { $0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try integrate(from: 0, to: 1, limit: 0) { $0 } } != nil)
        #expect(expectGSLError(.invalidArgument) { _ = try integrate(from: 0, to: 1, absoluteTolerance: -1) { $0 } } != nil)
    }
}
