// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import GSL

@Suite("Cholesky")
struct CholeskyTests {
    @Test func notPositiveDefiniteThrows() throws {
        let m = try Matrix([[1, 2], [2, 1]])
        #expect(throws: GSLError.self) { try Cholesky(m) }
    }
}
