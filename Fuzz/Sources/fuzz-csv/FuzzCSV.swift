// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the CSV reader, MetaDataset.parse(csv:name:options:), under a few option
// sets, and the two statistics readers on the same bytes: the streamed reduction
// (StreamingStatistics, cut into 3-byte stretches and read whole, which must agree: the same
// statistics file or the same error) and the statistics-file reader. Every thrown error is
// fine; a trap, crash, sanitizer report, leak, hang or disagreement is a finding.
import FuzzSupport
import MetaPrior

/// Default (task, y or label, all other columns inputs); named columns (the sleep study's);
/// classification; a per-row task-weight column; multi-label with an optional task column.
let optionSets: [(name: String, options: CSVReadOptions)] = [
    ("default", CSVReadOptions()),
    ("named", CSVReadOptions(taskColumn: "Subject", targetColumn: "Reaction", featureColumns: ["Days"])),
    ("classification", CSVReadOptions(kind: .classification)),
    ("task weights", CSVReadOptions(taskWeightColumn: "w", allowsNoRows: true, recordsSourceDigest: true)),
    ("multi-label", CSVReadOptions(targetColumns: ["y1", "y2"], taskColumnIsOptional: true)),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for (name, options) in optionSets {
        guard let dataset = attempt("parse (\(name))", { try MetaDataset.parse(csv: bytes, name: "fuzz.csv", options: options) }) else { continue }
        // Touch what a reader returns: every task's rows.
        var total = 0
        for task in dataset.tasks { total &+= task.count }
        precondition(total >= 0)
    }
    let path = Scratch.write(data, count: size, to: "data.csv")
    func streamed(_ chunk: Int) -> String {
        do {
            var options = CSVReadOptions()
            options.missingValues = .omit
            let read = try StreamingStatistics(path: path, options: options, chunkSize: chunk) { inputs in
                try FeatureMap(spec: .linear, inputNames: inputs, trainingInputs: [])
            }
            return String(decoding: try read.statistics.csvBytes(), as: UTF8.self)
        } catch {
            return "error: \(error)"
        }
    }
    let fine = streamed(3), whole = streamed(1 << 20)
    precondition(fine == whole, "the streamed statistics depend on the cuts:\n\(fine)\nagainst\n\(whole)")
    _ = attempt("statistics file") { try SufficientStatistics.read(file: path) }
    return 0
}
