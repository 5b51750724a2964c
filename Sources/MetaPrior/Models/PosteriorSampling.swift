// SPDX-License-Identifier: GPL-3.0-or-later

/// How to represent the posterior of a new task when it has no closed form (`adapt
/// --posterior`, `--chains`, `--warmup`, `--draws`, `--seed`): a family whose posterior is
/// exact ignores it.
public struct PosteriorSampling: Sendable, Equatable {
    /// The representation.
    public enum Method: String, Sendable, CaseIterable {
        /// Exact draws by Markov chain Monte Carlo, several seeded chains.
        case mcmc
        /// The Laplace approximation N(mode, H⁻¹).
        case laplace
    }

    /// MCMC (the default) or the Laplace approximation.
    public var method: Method
    /// Chains (MCMC); chain c is the posterior's draw chunk c, on its own random substream.
    public var chains: Int
    /// Warm-up steps per chain, discarded.
    public var warmup: Int
    /// Kept draws per chain (MCMC), or draws per chunk (Laplace).
    public var drawsPerChain: Int
    /// The seed of the draws; chain c uses random stream (seed, c).
    public var seed: UInt64

    /// A request; by default 4 chains of 1000 warm-up steps and 1000 kept draws each, as Stan.
    public init(method: Method = .mcmc, chains: Int = 4, warmup: Int = 1000, drawsPerChain: Int = 1000, seed: UInt64 = 1) {
        self.method = method
        self.chains = chains
        self.warmup = warmup
        self.drawsPerChain = drawsPerChain
        self.seed = seed
    }
}
