// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// Library callers that hand the GLMM mismatched arrays get an error, not a trap.
@Suite("GLMM library input")
struct GLMLibraryInputTests {
    @Test func mismatchedArraysThrow() throws {
        #expect(throws: InputError.self) { _ = try GeneralizedTask(family: .binomial, shared: [1], p: 1, specific: [1, 2], q: 1, response: [1]) }
        #expect(throws: InputError.self) { _ = try GeneralizedTask(family: .binomial, shared: [1], p: 1, specific: [1], q: 1, response: [1], size: [1, 2]) }
        #expect(throws: InputError.self) { _ = try GeneralizedTask(family: .binomial, shared: [1], p: 1, specific: [1], q: 1, response: [1], size: [0]) }
        #expect(throws: InputError.self) { _ = try GeneralizedTask(family: .poisson, shared: [.nan], p: 1, specific: [1], q: 1, response: [1]) }
        #expect(throws: InputError.self) {
            _ = try GeneralizedTaskPosterior(family: .binomial, priorMean: [0], priorFactor: [1], specific: [1, 1], response: [1])
        }
        let a = try GeneralizedTask(family: .binomial, shared: [1], p: 1, specific: [1], q: 1, response: [1])
        let b = try GeneralizedTask(family: .binomial, shared: [1, 2], p: 2, specific: [1], q: 1, response: [1])
        #expect(throws: InputError.self) { _ = try GeneralizedMixedFit(tasks: [a, b], family: .binomial) }
        #expect(throws: InputError.self) { _ = try GeneralizedMixedFit(tasks: [a], family: .binomial, quadraturePoints: 0) }
    }
}
