// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// The rows of one run (consecutive rows of one task) before they are reduced: the task id's
/// bytes, the features Φ (row after row) and the targets.
struct RowRun {
    var id: [UInt8]
    var design: [Double] = []
    var targets: [Double] = []
}

/// One run reduced: n, Σy², Φᵀy and ΦᵀΦ (full, row-major).
struct RunSums {
    var id: [UInt8]
    var count: Int
    var square: Double
    var cross: [Double]
    var gram: [Double]

    /// Reduces `run` as ``TaskStatistics`` reduces a task: the same kernels in the same
    /// order, so a task that is one run gets the same bits either way.
    init(_ run: RowRun, dimension d: Int) {
        let n = run.targets.count
        id = run.id
        count = n
        var gram = [Double](repeating: 0, count: d * d), cross = [Double](repeating: 0, count: d)
        run.design.withUnsafeBufferPointer { phi in
            run.targets.withUnsafeBufferPointer { y in
                gram.withUnsafeMutableBufferPointer { g in
                    PointerKernels.multiply(phi.baseAddress!, phi.baseAddress!, into: g.baseAddress!, m: d, n: d, k: n, transposeA: true)
                }
                cross.withUnsafeMutableBufferPointer { c in
                    PointerKernels.multiply(phi.baseAddress!, vector: y.baseAddress!, into: c.baseAddress!, rows: n, columns: d, transpose: true)
                }
            }
        }
        var sum = 0.0
        for v in run.targets { sum += v * v }
        square = sum
        self.gram = gram
        self.cross = cross
    }
}

/// Per-task sums, built from the runs of the file in order. A stretch of the file parsed on
/// its own thread (``RowStretch``) reduces the runs it holds whole and hands over its first
/// and last as rows, since they may go on in the stretches beside it; here they are joined
/// and reduced whole, so the sums do not depend on where the file was cut (nor on the
/// number of threads): they are those of reading the file in one piece.
struct TaskAccumulator {
    let dimension: Int
    private(set) var ids: [String] = []
    private(set) var counts: [Int] = []
    private(set) var squares: [Double] = []
    private(set) var cross: [Double] = []
    private(set) var gram: [Double] = []
    private var index: [String: Int] = [:]
    /// The run that the next stretch may continue.
    private var open: RowRun?

    init(dimension: Int) { self.dimension = dimension }

    /// Adds the runs of the next stretch of the file.
    mutating func add(_ stretch: RowStretch) {
        if let first = stretch.first {
            if var run = open, run.id == first.id {
                run.design += first.design
                run.targets += first.targets
                open = run
            } else {
                close()
                open = first
            }
        }
        if let last = stretch.last {
            close()
            for sums in stretch.middle { add(sums) }
            open = last
        }
    }

    /// The sums, after the last stretch.
    mutating func finish() {
        close()
    }

    /// Reduces the open run and adds it to its task.
    private mutating func close() {
        guard let run = open else { return }
        open = nil
        add(RunSums(run, dimension: dimension))
    }

    private mutating func add(_ sums: RunSums) {
        let d = dimension
        let id = String(decoding: sums.id, as: UTF8.self)
        if let t = index[id] {
            counts[t] += sums.count
            squares[t] += sums.square
            for k in 0..<d { cross[t * d + k] += sums.cross[k] }
            for k in 0..<(d * d) { gram[t * d * d + k] += sums.gram[k] }
        } else {
            index[id] = ids.count
            ids.append(id)
            counts.append(sums.count)
            squares.append(sums.square)
            cross += sums.cross
            gram += sums.gram
        }
    }
}
