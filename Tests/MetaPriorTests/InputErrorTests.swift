// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

@Suite("InputError")
struct InputErrorTests {
    @Test(arguments: [
        (InputError(file: "a.csv", line: 3, column: "x", "not a number: 'abc'"), "a.csv:3: column 'x': not a number: 'abc'"),
        (InputError(file: "a.csv", "file is empty"), "a.csv: file is empty"),
        (InputError(column: "--draws", "must be positive"), "option '--draws': must be positive"),
    ])
    func describesTheLocation(error: InputError, expected: String) {
        #expect(error.description == expected)
    }
}
