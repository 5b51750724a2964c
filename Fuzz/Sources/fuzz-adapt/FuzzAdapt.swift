// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: `metaprior adapt` and `metaprior predict` as the CLI runs them. The input is
// a prior file's JSON, a NUL byte, then the new task's CSV (no NUL: all prior, empty task
// file); both are written to scratch files and go through the library calls of AdaptCommand and
// PredictCommand, the task file also serving as predict's query file. Every thrown error is
// fine; a trap, crash, sanitizer report, leak or hang is a finding.
import FuzzSupport
import MetaPrior

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    let split = buffer.firstIndex(of: 0) ?? size
    let priorPath = Scratch.write(data, count: split, to: "prior.json")
    let taskStart = min(split + 1, size)
    let taskPath = Scratch.write(data + taskStart, count: size - taskStart, to: "task.csv")
    guard let adapted = attempt("Adaptation", { try Adaptation(priorPath: priorPath, dataFile: taskPath) }) else { return 0 }
    _ = adapted.supportSizeWarning
    // adapt: draws and summary.
    _ = adapted.drawsCSV(draws: 5, seed: 3, command: "metaprior adapt")
    _ = attempt("summaryCSV", { try adapted.summaryCSV(level: 0.9) })
    // predict: predictions and predictive draws at the query rows.
    guard let queries = attempt("queries", { try adapted.queries(csv: taskPath) }) else { return 0 }
    _ = attempt("predictionsCSV", { try adapted.predictionsCSV(queries: queries, level: 0.9) })
    _ = attempt("predictiveDrawsCSV", { try adapted.predictiveDrawsCSV(queries: queries, draws: 5, seed: 3, command: "metaprior predict") })
    return 0
}
