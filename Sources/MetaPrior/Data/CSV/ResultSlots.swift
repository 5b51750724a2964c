// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Slots that parallel workers fill, each worker its own index.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    subscript(index: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return slots[index] }
        set { lock.lock(); slots[index] = newValue; lock.unlock() }
    }
    var values: [T?] { lock.lock(); defer { lock.unlock() }; return slots }
}
