// SPDX-License-Identifier: GPL-3.0-or-later

/// A ``TaskPosterior`` whose draws are Markov chains: chunk c of its draws is chain c (of
/// ``chainCount``, each ``TaskPosterior/drawsPerChunk`` kept draws), so `adapt` writes a file per
/// chain and reports the chains' convergence diagnostics.
public protocol ChainedPosterior: TaskPosterior {
    /// The number of chains; 0 when the draws are independent (no chains to diagnose).
    var chainCount: Int { get }

    /// Per parameter, the rank-normalised split-R̂ and the bulk and tail ESS of the chains
    /// (Vehtari et al. 2021); empty when ``chainCount`` is 0.
    /// - Throws: ``DiagnosticsError`` for chains too short to diagnose.
    func diagnostics() throws -> [ChainDiagnostics]
}
