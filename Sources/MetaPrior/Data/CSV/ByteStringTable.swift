// SPDX-License-Identifier: GPL-3.0-or-later

/// Interns byte strings (task identifiers, class labels) as dense indices 0, 1, 2, … in order
/// of first insertion, without making a `String` per lookup: an open-addressing hash table
/// over an arena of the key bytes (FNV-1a hash, linear probing, load factor ≤ 1/2).
struct ByteStringTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)

    /// Number of distinct keys.
    var count: Int { starts.count }

    @inline(__always)
    private static func hash(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0..<length { h = (h ^ UInt64(bytes[k])) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// The index of `bytes[0..<length]`, inserting it if new.
    @inline(__always)
    mutating func intern(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> (index: Int, inserted: Bool) {
        let h = Self.hash(bytes, length)
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == h && keyEquals(entry, bytes, length) { return (entry, false) }
            slot = (slot + 1) & mask
        }
        let index = starts.count
        starts.append(arena.count)
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
        if (index + 1) * 2 > slots.count {
            rehash(capacity: slots.count * 2)
            mask = slots.count - 1
            slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
        }
        slots[slot] = Int32(index)
        return (index, true)
    }

    /// The index of a `String` key, inserting it if new.
    mutating func intern(_ key: String) -> (index: Int, inserted: Bool) {
        let bytes = Array(key.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            intern(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
        }
    }

    /// The index of a `String` key, if present.
    func index(of key: String) -> Int? {
        let bytes = Array(key.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            let base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
            let h = Self.hash(base, buffer.count)
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return nil }
                if hashes[entry] == h && keyEquals(entry, base, buffer.count) { return entry }
                slot = (slot + 1) & mask
            }
        }
    }

    private func keyEquals(_ entry: Int, _ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let start = starts[entry]
        let stop = entry + 1 < starts.count ? starts[entry + 1] : arena.count
        guard stop - start == length else { return false }
        return arena.withUnsafeBufferPointer { a in
            for k in 0..<length where a[start + k] != bytes[k] { return false }
            return true
        }
    }

    private mutating func rehash(capacity: Int) {
        slots = Array(repeating: -1, count: capacity)
        let mask = capacity - 1
        for (index, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// Key number `index` as a `String`.
    func key(_ index: Int) -> String {
        let start = starts[index]
        let stop = index + 1 < starts.count ? starts[index + 1] : arena.count
        return String(decoding: arena[start..<stop], as: UTF8.self)
    }

    /// Runs `body` with the bytes of key number `index`.
    func withKey<R>(_ index: Int, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        let start = starts[index]
        let stop = index + 1 < starts.count ? starts[index + 1] : arena.count
        return arena.withUnsafeBufferPointer { body(($0.baseAddress ?? UnsafePointer(bitPattern: 1)!) + start, stop - start) }
    }

    /// All keys, in order of insertion.
    var keys: [String] { (0..<count).map(key) }
}
