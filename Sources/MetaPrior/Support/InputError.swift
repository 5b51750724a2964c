// SPDX-License-Identifier: GPL-3.0-or-later

/// Bad input from a user: a file, a column, an option or a value, with where it is.
///
/// The description is one line, `file:line: column 'name': message`, leaving out what is not
/// known, so a user can go straight to the spot. The CLI prints it and exits non-zero.
/// Code that must react to a particular failure looks at ``kind``, never at the message text
/// (which is written for people and may be reworded).
public struct InputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What sort of problem it is, for code that handles some failures differently.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file does not exist.
        case missingFile
        /// The file exists but cannot be opened or read (permissions, a directory, an I/O error).
        case unreadable
        /// Nothing to read: an empty file, or a header with no rows under it.
        case empty
        /// A column (or key) that was asked for, or that is required, is not there.
        case missingColumn
        /// Something that must be unique appears twice: a header name, a column role, a row.
        case duplicate
        /// The file's structure is broken: a ragged row, an unclosed quote, an empty name.
        case malformed
        /// A field that must be a finite number is empty, not a number, NaN or infinite.
        case badNumber
        /// Values that must agree do not, e.g. a task's weight that varies between its rows.
        case inconsistent
        /// A well-formed value outside what is allowed (a negative weight, an unknown task).
        case invalidValue
        /// Anything else (options that clash, values out of range, and so on).
        case other
    }

    /// The file at fault, as the user named it.
    public var file: String?
    /// 1-based line in the file (the header is line 1).
    public var line: Int?
    /// The column (or option, or JSON key) at fault.
    public var column: String?
    /// What sort of problem it is; ``Kind/other`` unless the thrower said more.
    public var kind: Kind
    /// What is wrong, and where useful what would be right.
    public var message: String

    /// An error with as much of its location as the thrower knows (each part may be left out).
    public init(file: String? = nil, line: Int? = nil, column: String? = nil, kind: Kind = .other, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.kind = kind
        self.message = message
    }

    /// The message as the CLI prints it: `file:line: column 'name': message`, with the parts
    /// that are known (the column name escaped and shortened as ``quoted(_:limit:)`` does);
    /// a name starting with `--` is a command-line option and is printed `option '--name'`.
    public var description: String {
        var location = ""
        if let file { location += file }
        if let line { location += (location.isEmpty ? "line " : ":") + "\(line)" }
        if !location.isEmpty { location += ": " }
        if let column {
            // Options share the field with columns and JSON keys; a user looks for them on
            // the command line, not in a file, so they are named as options.
            let what = column.hasPrefix("--") ? "option" : "column"
            location += "\(what) \(Self.quoted(column)): "
        }
        return location + message
    }
}

extension InputError {
    /// A user's text (a value, a column name, a path) quoted for a one-line message: control
    /// characters escaped as `\u{1b}` so nothing echoed can move the cursor or split the
    /// line, and anything longer than `limit` characters cut to its start and `...`.
    public static func quoted(_ text: String, limit: Int = 40) -> String {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            scalars.append(scalar)
            if scalars.count > limit { break }
        }
        let cut = scalars.count > limit
        var out = ""
        for scalar in cut ? scalars.prefix(Swift.max(limit - 3, 1)) : scalars[...] {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                out += "\\u{" + String(v, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return "'" + out + (cut ? "...'" : "'")
    }

    /// The names of a list (e.g. a header's columns) for a message: each escaped like
    /// ``quoted(_:limit:)`` but without quotes, at most `limit` of them, then how many more.
    public static func list(_ names: [String], limit: Int = 20) -> String {
        let shown = names.prefix(limit).map { String(quoted($0).dropFirst().dropLast()) }
        return shown.joined(separator: ", ") + (names.count > limit ? ", … (\(names.count) in all)" : "")
    }
}
