// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the episode-spec reader, EpisodeSpec.read(json:) (the CLI's --spec), and on
// success a few episodes of a fixed data set (the sleep study for regression specs, a small
// classification set for N-way specs). Every thrown error is fine; a trap, crash, sanitizer
// report, leak or hang is a finding.
import FuzzSupport
import MetaPrior

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = Scratch.write(data, count: size, to: "spec.json")
    guard let spec = attempt("read", { try EpisodeSpec.read(json: path) }) else { return 0 }
    let dataset = spec.ways == nil ? Fixture.sleepStudy : Fixture.classes
    guard let sampler = attempt("EpisodeSampler", { try EpisodeSampler(dataset: dataset, spec: spec) }) else { return 0 }
    for index in 0..<3 { _ = sampler.episode(index) }
    return 0
}
