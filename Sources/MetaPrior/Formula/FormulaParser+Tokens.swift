// SPDX-License-Identifier: GPL-3.0-or-later

/// The formula's characters into tokens: names (R's syntactic names, or text between
/// backquotes), numbers and R's formula operators.
extension FormulaParser {
    static func tokenize(_ text: String) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var i = 0
        func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "." || c == "_" }
        func isNamePart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "." || c == "_" }
        while i < characters.count {
            let c = characters[i]
            let start = i
            if c.isWhitespace { i += 1; continue }
            let symbol: Symbol
            switch c {
            case "~": symbol = .tilde; i += 1
            case "+": symbol = .plus; i += 1
            case "-": symbol = .minus; i += 1
            case "*": symbol = .star; i += 1
            case ":": symbol = .colon; i += 1
            case "^": symbol = .caret; i += 1
            case "(": symbol = .open; i += 1
            case ")": symbol = .close; i += 1
            case ",": symbol = .comma; i += 1
            case "/": symbol = .slash; i += 1
            case "|":
                if i + 1 < characters.count && characters[i + 1] == "|" { symbol = .doubleBar; i += 2 } else { symbol = .bar; i += 1 }
            case "`":
                var j = i + 1
                while j < characters.count && characters[j] != "`" { j += 1 }
                symbol = j < characters.count && j > i + 1 ? .name(String(characters[(i + 1)..<j])) : .other("`")
                i = j < characters.count ? j + 1 : characters.count
            default:
                if c.isNumber && c.isASCII {
                    var j = i
                    while j < characters.count && characters[j].isASCII && (characters[j].isNumber || characters[j] == ".") { j += 1 }
                    symbol = .number(String(characters[i..<j])); i = j
                } else if isNameStart(c) {
                    var j = i
                    while j < characters.count && isNamePart(characters[j]) { j += 1 }
                    symbol = .name(String(characters[i..<j])); i = j
                } else {
                    symbol = .other(c); i += 1
                }
            }
            tokens.append(Token(symbol: symbol, offset: start))
        }
        return tokens
    }
}
