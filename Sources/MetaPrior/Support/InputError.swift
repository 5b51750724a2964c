// SPDX-License-Identifier: GPL-3.0-or-later

/// Bad input from a user: a file, a column, an option or a value, with where it is.
///
/// The description is one line, `file:line: column 'name': message`, leaving out what is not
/// known, so a user can go straight to the spot. The CLI prints it and exits non-zero.
public struct InputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file at fault, as the user named it.
    public var file: String?
    /// 1-based line in the file (the header is line 1).
    public var line: Int?
    /// The column (or option, or JSON key) at fault.
    public var column: String?
    /// What is wrong, and where useful what would be right.
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = ""
        if let file { location += file }
        if let line { location += (location.isEmpty ? "line " : ":") + "\(line)" }
        if !location.isEmpty { location += ": " }
        if let column { location += "column '\(column)': " }
        return location + message
    }
}
