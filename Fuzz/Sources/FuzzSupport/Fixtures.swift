// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GSL
import MetaPrior

/// What the fuzz targets share: small fixed data sets and tasks, and scratch files.
///
/// A fuzz target's contract: every thrown Swift error is a designed outcome and is ignored; a
/// trap, crash, sanitizer report, leak or hang is a finding.
public enum Fixture {
    /// The sleep-study data (lme4::sleepstudy): 18 tasks of 10 rows, one input.
    public static let sleepStudy: MetaDataset = try! MetaDataset.parse(
        csv: Array(EmbeddedData.sleepStudyCSV.utf8), name: "sleepstudy.csv",
        options: CSVReadOptions(taskColumn: "Subject", targetColumn: "Reaction"))

    /// A small classification data set: 3 tasks, 4 classes, 2 inputs, uneven class sizes.
    public static let classes: MetaDataset = {
        var csv = "task,x1,x2,label\n"
        for task in 0..<3 {
            for row in 0..<(18 + 5 * task) {
                let label = ["a", "b", "c", "d"][(row * (task + 1)) % 4]
                csv += "t\(task),\(Double(row) * 0.25 - 2),\(Double((row * 7) % 11) / 3),\(label)\n"
            }
        }
        return try! MetaDataset.parse(csv: Array(csv.utf8), name: "classes.csv", options: CSVReadOptions(kind: .classification))
    }()

    /// A fixed task of `rows` rows in `columns` inputs: spread, repeated and negative values.
    public static func inputs(rows: Int, columns: Int) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<rows {
            for j in 0..<columns { m[i, j] = Double((i * 5 + j * 3) % 9) * 0.75 - 2.5 }
        }
        return m
    }

    /// Targets of the fixed task.
    public static func targets(rows: Int) -> [Double] {
        (0..<rows).map { Double(($0 * 7) % 5) * 1.5 - 3 }
    }
}

/// Files in a per-process scratch folder (under /dev/shm when there is one), for the readers
/// that take a path. Removed at normal exit.
public enum Scratch {
    nonisolated(unsafe) private static var folderPath: String?

    /// The folder, made on first use.
    public static var folder: String {
        if let folderPath { return folderPath }
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(base)/metaprior-fuzz-\(getpid())"
        mkdir(path, 0o700)
        folderPath = path
        atexit { Scratch.removeAll() }
        return path
    }

    /// Writes `count` bytes at `bytes` to `name` in the folder and returns its path.
    public static func write(_ bytes: UnsafeRawPointer?, count: Int, to name: String) -> String {
        let path = folder + "/" + name
        guard let file = fopen(path, "wb") else { fatalError("fuzz harness: cannot write \(path)") }
        if count > 0, let bytes { _ = fwrite(bytes, 1, count, file) }
        fclose(file)
        return path
    }

    private static func removeAll() {
        guard let folderPath else { return }
        for name in ["prior.json", "task.csv", "spec.json"] { unlink(folderPath + "/" + name) }
        rmdir(folderPath)
    }
}

/// Whether the harness says what each step threw (`METAPRIOR_FUZZ_VERBOSE=1`): for checking that
/// the seed corpora reach past the readers, not for fuzzing.
private let verbose = getenv("METAPRIOR_FUZZ_VERBOSE").map { String(cString: $0) == "1" } ?? false

/// `body`'s value, or `nil` when it throws (a designed outcome, not a finding).
public func attempt<T>(_ step: @autoclosure () -> String, _ body: () throws -> T) -> T? {
    do {
        let value = try body()
        if verbose { fputs("fuzz: \(step()): ok\n", stderr) }
        return value
    } catch {
        if verbose { fputs("fuzz: \(step()): threw \(error)\n", stderr) }
        return nil
    }
}
