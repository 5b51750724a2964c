// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Memory for the ingest's large scratch buffers, asking the kernel for transparent huge
/// pages: a million-row file touches tens of megabytes of fresh memory, and faulting it in
/// 4 KiB pages (one fault each) cost about a fifth of the whole ingest. Falls back to `malloc`.
struct ScratchMemory {
    let base: UnsafeMutableRawPointer
    let length: Int
    private let mapped: Bool

    init(bytes: Int) {
        let length = max(bytes, 1)
        if length >= 1 << 21, let region = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
           region != MAP_FAILED {
            _ = madvise(region, length, 14)  // MADV_HUGEPAGE (a hint; harmless where unsupported)
            base = region
            mapped = true
        } else {
            base = .allocate(byteCount: length, alignment: 16)
            mapped = false
        }
        self.length = length
    }

    func free() {
        if mapped { munmap(base, length) } else { base.deallocate() }
    }
}

/// Rows of one stretch, already grouped by task as they are read: each task's rows go into
/// its own chain of blocks of ``blockRows`` rows, carved in order from large arenas.
///
/// Hand-written for speed. Keeping rows in file order and gathering them into tasks
/// afterwards (a row-major table, each row's task, then a pointer per row) made the gather a
/// million cache misses — a task's rows are scattered through the file — and touched 36 MB
/// of fresh memory besides; with blocks, a task's rows are a few contiguous runs, copied into
/// its arrays with `memcpy`. Within a block the inputs are row-major (as the task's matrix)
/// and each target is a column of its own (as the task's targets), so each run is one copy.
final class TaskBuckets: @unchecked Sendable {
    /// Rows per block. Small, because a task's last block in each stretch is part-empty and
    /// fresh memory is zeroed before use: with 64-row blocks, 20,000 tasks of 12 rows touched
    /// 41 MB for 6 MB of numbers, and zeroing it was 3.6 % of the CPU time of a whole d = 3 fit
    /// (16 rows: that ingest 12 % less CPU; a million rows in 1,000 tasks unchanged).
    static let blockRows = 16
    let p: Int
    let q: Int
    /// Doubles in one block: `blockRows` rows of `p` inputs, then `q` columns of targets.
    let blockDoubles: Int
    private var arenas: [ScratchMemory] = []
    private var arenaNext: UnsafeMutablePointer<Double>
    private var arenaLeft = 0
    private let arenaDoubles: Int
    /// Per local task: its blocks in order; the current block; rows so far.
    private(set) var blocks: [[UnsafeMutablePointer<Double>]] = []
    private var current: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    private(set) var counts: UnsafeMutablePointer<Int>
    private var taskCapacity = 0

    init(rows: Int, p: Int, q: Int) {
        self.p = p
        self.q = q
        blockDoubles = Self.blockRows * (p + q)
        arenaDoubles = max(rows * (p + q), 64 * blockDoubles)
        arenaNext = UnsafeMutablePointer(bitPattern: 8)!
        current = .allocate(capacity: 0)
        counts = .allocate(capacity: 0)
    }

    /// Makes room for local task `task` (tasks are numbered 0, 1, … as they first appear).
    @inline(__always)
    func ensureTask(_ task: Int) {
        if task >= taskCapacity { growTasks(task) }
    }

    @inline(never)
    private func growTasks(_ task: Int) {
        let larger = max(64, 2 * taskCapacity, task + 1)
        let newCurrent = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: larger)
        newCurrent.update(from: current, count: taskCapacity)
        current.deallocate()
        current = newCurrent
        let newCounts = UnsafeMutablePointer<Int>.allocate(capacity: larger)
        newCounts.update(from: counts, count: taskCapacity)
        newCounts.advanced(by: taskCapacity).initialize(repeating: 0, count: larger - taskCapacity)
        counts.deallocate()
        counts = newCounts
        while blocks.count < larger { blocks.append([]) }
        taskCapacity = larger
    }

    @inline(never)
    private func newBlock(_ task: Int) -> UnsafeMutablePointer<Double> {
        if arenaLeft < blockDoubles {
            let memory = ScratchMemory(bytes: arenaDoubles * MemoryLayout<Double>.stride)
            arenas.append(memory)
            arenaNext = memory.base.bindMemory(to: Double.self, capacity: arenaDoubles)
            arenaLeft = arenaDoubles
        }
        let block = arenaNext
        arenaNext += blockDoubles
        arenaLeft -= blockDoubles
        blocks[task].append(block)
        current[task] = block
        return block
    }

    /// Appends a row (`p` inputs then `q` targets at `row`) to local task `task`.
    @inline(__always)
    func append(_ row: UnsafePointer<Double>, task: Int) {
        let n = counts[task]
        let i = n & (Self.blockRows - 1)
        let block = i == 0 ? newBlock(task) : current[task]
        for j in 0..<p { block[i * p + j] = row[j] }
        for k in 0..<q { block[Self.blockRows * p + k * Self.blockRows + i] = row[p + k] }
        counts[task] = n + 1
    }

    /// Calls `body(block, rows)` for each block of local task `task`, in order.
    func forEachBlock(_ task: Int, _ body: (UnsafeMutablePointer<Double>, Int) -> Void) {
        guard task < taskCapacity else { return }
        let n = counts[task]
        for (b, block) in blocks[task].enumerated() { body(block, min(Self.blockRows, n - b * Self.blockRows)) }
    }

    func count(_ task: Int) -> Int { task < taskCapacity ? counts[task] : 0 }

    deinit {
        for memory in arenas { memory.free() }
        current.deallocate()
        counts.deallocate()
    }
}
