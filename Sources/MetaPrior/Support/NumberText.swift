// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// `value` with `digits` significant digits (C's `%.{digits}g`), for reports a person reads;
/// files use ``CSVWriter``'s shortest round-trip form instead.
func significant(_ value: Double, _ digits: Int = 6) -> String {
    String(format: "%.\(digits)g", value)
}

/// `count` and the noun, singular for 1 ("1 task parameter", "3 task parameters"); the plural
/// adds an s unless given.
func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}

/// The word with its indefinite article, "an" before a vowel letter ("an isotropic", "a full").
func withArticle(_ word: String) -> String {
    guard let first = word.lowercased().first else { return word }
    return ("aeiou".contains(first) ? "an " : "a ") + word
}
