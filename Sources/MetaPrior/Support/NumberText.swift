// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// `value` with `digits` significant digits (C's `%.{digits}g`), for reports a person reads;
/// files use ``CSVWriter``'s shortest round-trip form instead.
func significant(_ value: Double, _ digits: Int = 6) -> String {
    String(format: "%.\(digits)g", value)
}
