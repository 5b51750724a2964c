// SPDX-License-Identifier: GPL-3.0-or-later

/// Where each task id of merged statistics sits: an open-addressing table of positions keyed
/// by the ids' hashes, which are computed beforehand on all cores (``hashes(of:)``).
///
/// Why not `[String: Int]`: filling a dictionary of a million ids hashed each id on one core
/// and probed with string comparisons — about 8 % of a 1,000,000-task `fit --statistics`
/// (issue 17). Here the serial part only probes integers; ids are compared only where their
/// hashes are equal. Which slot an id takes depends on the hash seed, but nothing read out
/// does: ``position(of:hash:)`` finds an id or not, whatever the seed, so the merge's result
/// (tasks in order of first appearance) is the same on every run and thread count.
struct TaskIndex {
    /// Position + 1 of the id in each slot (0: empty); the capacity is a power of two at
    /// least twice the ids it will hold, so probes stay short.
    private var slots: [Int32]
    private var slotHashes: [Int]
    private let mask: Int

    /// A table for at most `capacity` ids.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        slotHashes = [Int](repeating: 0, count: size)
        mask = size - 1
    }

    /// `hashValue` of every id, in parallel (chunks of a fixed size; the values are the
    /// same whatever the thread count).
    static func hashes(of ids: [String]) -> [Int] {
        var result = [Int](repeating: 0, count: ids.count)
        ids.withUnsafeBufferPointer { ids in
            result.withUnsafeMutableBufferPointer { out in
                DeterministicParallel.forEachChunk(count: ids.count, chunkSize: 4096) { _, range in
                    for t in range { out[t] = ids[t].hashValue }
                }
            }
        }
        return result
    }

    /// The position recorded for `id` (whose hash is `hash`), or `nil` after recording
    /// `position` for it. `ids(p)` is the id at position p.
    mutating func position(of id: String, hash: Int, inserting position: Int, ids: (Int) -> String) -> Int? {
        var slot = hash & mask
        while slots[slot] != 0 {
            let p = Int(slots[slot]) - 1
            if slotHashes[slot] == hash && ids(p) == id { return p }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(position + 1)
        slotHashes[slot] = hash
        return nil
    }
}
