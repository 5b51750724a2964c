// SPDX-License-Identifier: GPL-3.0-or-later

/// Finds where JSON text first breaks the grammar (RFC 8259), for messages that say
/// `file:line:column`: Foundation's `JSONDecoder` says only "The given data was not valid
/// JSON", without a position on every platform.
///
/// A plain recursive-descent check over the bytes, linear in their number; nesting deeper
/// than 512 levels is reported rather than recursed into.
struct JSONSyntax {
    /// Where and what: 1-based line and column (in bytes), and the reason.
    struct Problem: Equatable {
        var line: Int
        var column: Int
        var reason: String
    }

    private let bytes: [UInt8]
    private var position = 0

    /// The first syntax error in `bytes`, or `nil` if they are one well-formed JSON value.
    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var parser = JSONSyntax(bytes: bytes)
        do {
            parser.skipSpace()
            try parser.value(depth: 0)
            parser.skipSpace()
            if parser.position < bytes.count { throw parser.fail("unexpected text after the JSON value") }
            return nil
        } catch {
            return error as? Problem
        }
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ reason: String) -> Problem {
        var line = 1, lineStart = 0
        for i in 0..<min(position, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return Problem(line: line, column: position - lineStart + 1, reason: reason)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws {
        guard current == c else { throw fail(current == nil ? "the text ends where \(what) was expected" : "expected \(what)") }
        position += 1
    }

    private mutating func value(depth: Int) throws {
        guard depth < 512 else { throw fail("nested more than 512 levels deep") }
        guard let c = current else { throw fail("the text ends where a value was expected") }
        switch c {
        case UInt8(ascii: "{"):
            position += 1
            skipSpace()
            if current == UInt8(ascii: "}") { position += 1; return }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw fail(current == nil ? "the text ends inside an object" : "expected a key in double quotes") }
                try string()
                skipSpace()
                try expect(UInt8(ascii: ":"), "':' after the key")
                skipSpace()
                try value(depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}' in the object")
                return
            }
        case UInt8(ascii: "["):
            position += 1
            skipSpace()
            if current == UInt8(ascii: "]") { position += 1; return }
            while true {
                skipSpace()
                try value(depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']' in the array")
                return
            }
        case UInt8(ascii: "\""):
            try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        default:
            for word in ["true", "false", "null"] where bytes[position...].starts(with: word.utf8) {
                position += word.utf8.count
                return
            }
            throw fail("expected a value (an object, array, string, number, true, false or null)")
        }
    }

    private mutating func string() throws {
        position += 1
        while let c = current {
            position += 1
            if c == UInt8(ascii: "\"") { return }
            if c < 0x20 { position -= 1; throw fail("control character inside a string") }
            if c == UInt8(ascii: "\\") {
                guard let e = current, Array("\"\\/bfnrtu".utf8).contains(e) else { throw fail("invalid escape in a string") }
                position += 1
                if e == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let h = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(h)
                                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(h | 0x20) else { throw fail("invalid \\u escape in a string") }
                        position += 1
                    }
                }
            }
        }
        throw fail("the text ends inside a string (a missing closing quote)")
    }

    private mutating func number() throws {
        func digits() -> Int {
            let start = position
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { position += 1 }
            return position - start
        }
        if current == UInt8(ascii: "-") { position += 1 }
        guard digits() > 0 else { throw fail("invalid number") }
        if current == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw fail("invalid number: no digits after the decimal point") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw fail("invalid number: no digits in the exponent") }
        }
    }
}

extension JSONSyntax.Problem: Error {}
