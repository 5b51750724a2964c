// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the prior-file reader, PriorFile.decode(_:file:), and on success the
// adaptation of a small fixed task through the decoded prior (posterior, summary, a few draws,
// predictive), and of an empty task (the posterior is the prior). Every thrown error is fine; a
// trap, crash, sanitizer report, leak or hang is a finding.
import Foundation
import FuzzSupport
import GSL
import MetaPrior

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = attempt("decode", { try PriorFile.decode(Data(bytes: data, count: size), file: "fuzz.json") }) else { return 0 }
    let prior = file.prior
    _ = attempt("prior summary", { try prior.asPosterior.summary(level: 0.9) })
    for rows in [6, 0] {
        let inputs = Fixture.inputs(rows: rows, columns: prior.inputs.count)
        guard let posterior = attempt("posterior", { try prior.posterior(inputs: inputs, targets: Fixture.targets(rows: rows)) }) else { continue }
        _ = attempt("summary", { try posterior.summary(level: 0.9) })
        _ = posterior.draws(chunk: 0, range: 0..<min(3, posterior.drawsPerChunk), seed: 11)
        _ = attempt("predictive", { try posterior.predictive(at: Fixture.inputs(rows: 4, columns: prior.inputs.count), level: 0.9) })
    }
    return 0
}
