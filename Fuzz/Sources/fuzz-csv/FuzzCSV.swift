// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the CSV reader, MetaDataset.parse(csv:name:options:), under a few option
// sets. Every thrown error is fine; a trap, crash, sanitizer report, leak or hang is a finding.
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
    return 0
}
