// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// ``AtomicFile``: whole files or nothing, links followed, outputs checked up front, stale
/// temporaries of dead processes swept; and the streamed CSVs equal the in-memory ones.
@Suite("AtomicFile and streamed CSVs")
struct AtomicFileTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mp-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func names(_ dir: URL) throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) }

    @Test func replacesAFileKeepingItsPermissionsAndStreamsPieces() throws {
        let dir = try Self.directory()
        let path = dir.appendingPathComponent("out.csv").path
        try AtomicFile.write("old\n", to: path)
        chmod(path, 0o600)
        try AtomicFile.write(to: path) { sink in
            try sink.write(Array("a,".utf8))
            try sink.write(Array("b\n".utf8))
            #expect(sink.bytesWritten == 4)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a,b\n")
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o600)
        #expect(try Self.names(dir) == ["out.csv"])
    }

    @Test func aSymlinkStaysALinkAndItsTargetIsReplaced() throws {
        let dir = try Self.directory()
        let target = dir.appendingPathComponent("target.csv").path, link = dir.appendingPathComponent("link.csv").path
        try AtomicFile.write("old\n", to: target)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.csv")
        try AtomicFile.write("new\n", to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "target.csv")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
    }

    @Test func aFailingBodyLeavesTheOldFileAndNoTemporary() throws {
        let dir = try Self.directory()
        let path = dir.appendingPathComponent("out.csv").path
        try AtomicFile.write("old\n", to: path)
        #expect(throws: InputError.self) {
            try AtomicFile.write(to: path) { sink in
                try sink.write(Array("partial".utf8))
                throw InputError("stop")
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try Self.names(dir) == ["out.csv"])
    }

    @Test func aGroupWritesNothingUntilCommittedAndNothingWhenDiscarded() throws {
        let dir = try Self.directory()
        let a = dir.appendingPathComponent("a.csv").path, b = dir.appendingPathComponent("b.csv").path
        do {
            let group = AtomicFile.Group()
            try group.stage("a\n", to: a)
            try group.stage("b\n", to: b)
            #expect(!FileManager.default.fileExists(atPath: a))
            group.discard()
        }
        #expect(try Self.names(dir).isEmpty)
        let group = AtomicFile.Group()
        try group.stage("a\n", to: a)
        try group.stage("b\n", to: b)
        try group.commit()
        #expect(try Self.names(dir) == ["a.csv", "b.csv"])
    }

    @Test func writableChecksCatchMissingDirectoriesAndTwoNamesForOneFile() throws {
        let dir = try Self.directory()
        let out = dir.appendingPathComponent("out.csv").path
        try AtomicFile.checkWritable([out, nil, "-", "-", dir.appendingPathComponent("other.csv").path])
        #expect(throws: InputError.self) { try AtomicFile.checkWritable([dir.appendingPathComponent("no/such.csv").path]) }
        #expect(throws: InputError.self) { try AtomicFile.checkWritable([out, dir.appendingPathComponent("./out.csv").path]) }
        #expect(throws: InputError.self) { try AtomicFile.checkWritable([dir.path]) }
    }

    /// A temporary whose PID is dead is removed by the next write; one of a live process
    /// (PID 1, or this one) is kept.
    @Test func staleTemporariesOfDeadProcessesAreSwept() throws {
        let dir = try Self.directory()
        var dead: pid_t = 4_000_000  // above Linux's pid_max limit (2²² = 4194304) less a margin
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let stale = ".out.csv.tmp-\(dead)-12345", live = ".out.csv.tmp-1-12345", mine = ".x.tmp-\(getpid())-7"
        for name in [stale, live, mine] { _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data()) }
        #expect(StaleTemporaries.ownerPID(of: stale) == dead)
        #expect(StaleTemporaries.ownerPID(of: "notes.tmp-1-2") == nil)
        try AtomicFile.write("x\n", to: dir.appendingPathComponent("out.csv").path)
        #expect(try Self.names(dir) == ["out.csv", live, mine])
    }

    /// The streamed draws and predictive draws are the in-memory CSVs byte for byte, around
    /// chunk edges and for 1 or all threads.
    @Test(arguments: [0, 1, 4095, 4096, 4097, 30_000])
    func streamedCSVsEqualTheInMemoryOnes(draws: Int) throws {
        let data = try SleepStudyFitTests.sleepStudy()
        let trained = try PriorTraining.train(data, family: LinearGaussianFamily.self, request: FitRequest(basis: .linear),
                                              source: PriorTraining.Source(file: "sleepstudy.csv", digest: nil))
        let task = data.tasks[0]
        let posterior = try trained.file.prior.posterior(inputs: task.inputs, targets: task.targets)
        let provenance = [("seed", "3")]
        let whole = PosteriorExport.drawsCSV(posterior, features: trained.file.features, draws: draws, seed: 3, provenance: provenance)
        let queries = try Matrix(rows: 3, columns: 1, elements: [0, 4.5, 9])
        let predictive = try PosteriorExport.predictiveDrawsCSV(posterior, inputNames: ["Days"], queries: queries, draws: draws,
                                                                 seed: 3, provenance: provenance)
        for threads in [1, 0] {
            let saved = DeterministicParallel.maximumThreads
            DeterministicParallel.maximumThreads = threads
            defer { DeterministicParallel.maximumThreads = saved }
            var streamed: [UInt8] = [], pieces = 0
            try PosteriorExport.writeDrawsCSV(posterior, features: trained.file.features, draws: draws, seed: 3,
                                              provenance: provenance) { streamed.append(contentsOf: $0); pieces += 1 }
            #expect(streamed == whole)
            var streamedPredictive: [UInt8] = []
            try PosteriorExport.writePredictiveDrawsCSV(posterior, inputNames: ["Days"], queries: queries, draws: draws, seed: 3,
                                                        provenance: provenance) { streamedPredictive.append(contentsOf: $0) }
            #expect(streamedPredictive == predictive)
        }
    }
}
