// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// `TaskIndex` (the merge's table of task ids) against `[String: Int]`, the dictionary it
/// replaced, on ids with repeats; and with every hash forced equal, so that each lookup has to
/// tell ids apart by comparing them, and every insertion probes past occupied slots.
@Suite("Statistics: task-id index")
struct TaskIndexTests {
    /// 20,000 ids, every third a repeat of an earlier one (some repeated several times).
    static let ids: [String] = (0..<20000).map { i in i % 3 == 2 ? "task-\((i * 7919) % (i + 1) / 3)" : "task-\(i)" }

    static func positions(hashes: [Int]) -> [Int?] {
        var index = TaskIndex(capacity: ids.count)
        var kept: [String] = []
        return ids.indices.map { t in
            let found = index.position(of: ids[t], hash: hashes[t], inserting: kept.count, ids: { kept[$0] })
            if found == nil { kept.append(ids[t]) }
            return found
        }
    }

    static func reference() -> [Int?] {
        var index: [String: Int] = [:]
        return ids.map { id in
            if let at = index[id] { return at }
            index[id] = index.count
            return nil
        }
    }

    @Test func agreesWithADictionary() {
        let expected = Self.reference()
        #expect(expected.contains { $0 != nil } && expected.contains { $0 == nil })
        #expect(Self.positions(hashes: TaskIndex.hashes(of: Self.ids)) == expected)
    }

    /// 2,000 ids all with hash 0: slower, but the same answers.
    @Test func equalHashesAreToldApartByTheIds() {
        let ids = Array(Self.ids.prefix(2000))
        var index = TaskIndex(capacity: ids.count)
        var kept: [String] = []
        var reference: [String: Int] = [:]
        for id in ids {
            let found = index.position(of: id, hash: 0, inserting: kept.count, ids: { kept[$0] })
            #expect(found == reference[id])
            if found == nil { reference[id] = kept.count; kept.append(id) }
        }
    }
}
