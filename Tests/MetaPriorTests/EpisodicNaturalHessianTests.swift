// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The exact Hessian of the episodic objective in natural coordinates
/// (`EpisodicNaturalObjective.secondOrder`): its value and gradient are `evaluate`'s, its
/// Hessian matches central differences of the analytic gradient at a proper Q and at a
/// singular Q (a prior flat along one direction), on a subspace (r < d: every block of θ) and
/// on the whole space (r = d), and it does not depend on the number of threads.
@Suite("Episodic objective: natural Hessian")
struct EpisodicNaturalHessianTests {
    /// θ on the 40-episode, d = 5 statistics of `EpisodicNaturalObjectiveTests` at a seeded
    /// prior of rank r, with R's last diagonal entry set to 0 when `singular` (Q singular).
    static func point(rank: Int, singular: Bool) throws -> (EpisodicNaturalObjective, [Double]) {
        let (statistics, _) = try EpisodicNaturalObjectiveTests.statistics()
        let (mean, sigma, noise) = try EpisodicNaturalObjectiveTests.prior(dimension: 5, rank: rank, seed: 9)
        let objective = EpisodicNaturalObjective(statistics: statistics, pivots: EpisodicNaturalObjective.pivots(of: sigma, rank: rank))
        var theta = try objective.parameters(mean: mean, covariance: sigma, noiseVariance: noise)
        if singular {
            theta[theta.count - 1 - rank - 1] = 0   // R's (r−1, r−1) entry precedes k (r) and log σ²
            // R singular, so Q = RRᵀ is (exactly; in floating point its Cholesky may still pass).
            let q = objective.unpack(theta).q
            let values = try SymmetricEigen(symmetrized(Matrix(rows: rank, columns: rank, elements: q))).values
            #expect(abs(values[0]) <= 1e-12 * values[rank - 1], "Q's eigenvalues \(values)")
        }
        return (objective, theta)
    }

    /// Value and gradient: the same sums as `evaluate` by different algebra, so round-off
    /// apart (1e-10 relative; |f| ~ 100, condition numbers of M < 1e6 here).
    @Test(arguments: [(3, false), (3, true), (5, false), (5, true)])
    func valueAndGradientAreEvaluates(rank: Int, singular: Bool) throws {
        let (objective, theta) = try Self.point(rank: rank, singular: singular)
        let reference = try objective.evaluate(theta)
        let second = try objective.secondOrder(theta)
        #expect(abs(second.value - reference.value) <= 1e-10 * abs(reference.value))
        let scale = reference.gradient.map(abs).max() ?? 1
        for i in theta.indices {
            #expect(abs(second.gradient[i] - reference.gradient[i]) <= 1e-10 * (1 + scale),
                    "θ[\(i)]: secondOrder \(second.gradient[i]), evaluate \(reference.gradient[i])")
        }
    }

    /// The Hessian against central differences of `evaluate`'s analytic gradient
    /// (h = 1e-5·max(1, |θ_j|)): truncation h²|f''''| ≲ 1e-10·|f| ~ 1e-8 and round-off
    /// ~1e-16·|g|/h ≲ 1e-9 per entry, so 1e-6·(1 + max|H|) + 1e-6·|H_ij| holds with a wide
    /// margin, while a wrong term (a sign, a missing factor ½ or 1/s, a dropped second
    /// derivative) moves an entry by O(|H_ij|). The differences are symmetrised first.
    @Test(arguments: [(3, false), (3, true), (5, false), (5, true)])
    func hessianMatchesDifferences(rank: Int, singular: Bool) throws {
        let (objective, theta) = try Self.point(rank: rank, singular: singular)
        let analytic = try objective.secondOrder(theta).hessian
        let k = theta.count
        #expect(analytic.rows == k && analytic.columns == k)
        var numeric = Matrix(rows: k, columns: k)
        for j in 0..<k {
            let h = 1e-5 * Swift.max(1, abs(theta[j]))
            var plus = theta, minus = theta
            plus[j] += h; minus[j] -= h
            let gp = try objective.evaluate(plus).gradient, gm = try objective.evaluate(minus).gradient
            for i in 0..<k { numeric[i, j] = (gp[i] - gm[i]) / (2 * h) }
        }
        let largest = analytic.elements.map(abs).max() ?? 0
        var worst = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let difference = 0.5 * (numeric[i, j] + numeric[j, i])
                let error = abs(difference - analytic[i, j])
                worst = Swift.max(worst, error / (1 + largest))
                #expect(error <= 1e-6 * (1 + largest) + 1e-6 * abs(analytic[i, j]),
                        "H[\(i), \(j)]: analytic \(analytic[i, j]), differences \(difference)")
            }
        }
        print("natural Hessian rank \(rank) singular \(singular): worst relative error \(worst), largest |H| \(largest)")
    }

    /// Chunked over episodes (64 a chunk) and summed in chunk order: bit-identical on 1 thread
    /// and on many, on 200 episodes (4 chunks) of the same tasks.
    @Test func threadCountDoesNotChangeIt() throws {
        let data = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 30, points: 12, seed: 11, noise: 0.1)).dataset
        let map = try FeatureMap(spec: try BasisSpec(parsing: "rbf:4"), inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let sampler = try EpisodeSampler(dataset: data, spec: EpisodeSpec(shots: 5, query: .count(4), seed: 3))
        let statistics = try EpisodeStatistics(episodes: EpisodicFit.episodes(sampler, shots: try ShotRange(5), count: 200),
                                               dataset: data, featureMap: map)
        #expect(DeterministicParallel.chunkCount(count: statistics.count, chunkSize: EpisodicObjective.chunkSize) > 1)
        let (small, theta) = try Self.point(rank: 3, singular: true)
        let objective = EpisodicNaturalObjective(statistics: statistics, pivots: small.pivots)
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try objective.secondOrder(theta)
        DeterministicParallel.maximumThreads = 0
        let parallel = try objective.secondOrder(theta)
        #expect(serial.value == parallel.value)
        #expect(serial.gradient == parallel.gradient)
        #expect(serial.hessian.elements == parallel.hessian.elements)
    }
}
