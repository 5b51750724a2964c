// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// Newton steps from a method-of-moments estimate before any EM (`PriorFit.newtonFromMoments`,
/// issue 17) against the fit that starts from EM (`startsFromMoments = false`, the fit before
/// the change) and against lme4; the estimate itself against a direct two-pass computation.
@Suite("PriorFit: Newton steps from a moment estimate")
struct MomentStartFitTests {
    static func fit(_ statistics: TaskStatistics, moments: Bool, startingRank: Int? = nil) throws -> PriorFitResult {
        var options = PriorFitOptions()
        options.startsFromMoments = moments
        options.startingRank = startingRank
        return try PriorFit.fit(statistics, options: options)
    }

    /// Two fits at the same optimum, both meeting stationarity 1e-8 per observation: ℓ to
    /// 1e-10 relative (it differs by about N·(1e-8)²), the parameters, at a flat optimum, to
    /// about the square root: 1e-6 (Σ's entries are of order 1, so absolute).
    static func expectSameOptimum(_ a: PriorFitResult, _ b: PriorFitResult) {
        #expect(abs(a.logMarginalLikelihood - b.logMarginalLikelihood) <= 1e-10 * abs(b.logMarginalLikelihood))
        for (x, y) in zip(a.prior.mean, b.prior.mean) { #expect(abs(x - y) <= 1e-6 * Swift.max(abs(y), 1)) }
        for (x, y) in zip(a.prior.covariance.elements, b.prior.covariance.elements) { #expect(abs(x - y) <= 1e-6) }
        #expect(abs(a.prior.noiseVariance - b.prior.noiseVariance) <= 1e-6 * b.prior.noiseVariance)
    }

    /// Simulated linear-Gaussian tasks (d = 3: intercept, x1, x2) whose sizes cycle through
    /// `sizes`, with weights 1 except every seventh 2 and task 4's 0.
    static func statistics(tasks count: Int, sizes: [Int], seed: UInt64, covariance: Matrix? = nil) throws -> TaskStatistics {
        let simulated = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: count, points: sizes.max()!, seed: seed,
                                                             mean: [1, 2, -1], covariance: covariance)).dataset
        var tasks: [TaskData] = []
        for (i, task) in simulated.tasks.enumerated() {
            let n = sizes[i % sizes.count], p = task.inputs.columns
            let inputs = try Matrix(rows: n, columns: p, elements: Array(task.inputs.elements[0..<(n * p)]))
            let weight = i == 4 ? 0 : (i % 7 == 6 ? 2.0 : 1.0)
            tasks.append(TaskData(id: task.id, inputs: inputs, targets: Array(task.targets[0..<n]), weight: weight))
        }
        let data = MetaDataset(inputNames: simulated.inputNames, targetName: simulated.targetName, tasks: tasks)
        let map = try FeatureMap(spec: .linear, inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        return try TaskStatistics(dataset: data, featureMap: map)
    }

    /// The estimate against the formulas of `MomentEstimate` written out task by task with GSL
    /// matrices, in two passes (mean first, then the spread about it): 700 tasks (three chunks
    /// of 256, so the chunks' combination is exercised), sizes 2 (n < d: A singular), 4
    /// (n = d + 1: E A⁻¹ does not exist; both left out), 5, 9, weights 0, 1, 2.
    @Test func estimateMatchesDirectComputation() throws {
        let s = try Self.statistics(tasks: 700, sizes: [2, 4, 5, 9], seed: 31)
        let d = s.dimension
        var betas: [(w: Double, beta: [Double], inverse: Matrix)] = []
        var rss = 0.0, residualDegrees = 0.0
        for t in 0..<s.taskCount where s.weights[t] > 0 && s.counts[t] >= d + 2 {
            let a = try Matrix(rows: d, columns: d, elements: Array(s.gram[(t * d * d)..<((t + 1) * d * d)]))
            let b = Array(s.cross[(t * d)..<((t + 1) * d)])
            let cholesky = try Cholesky(a)
            let beta = try cholesky.solve(b)
            var inverse = Matrix(rows: d, columns: d)
            for j in 0..<d {
                let column = try cholesky.solve((0..<d).map { $0 == j ? 1.0 : 0.0 })
                for i in 0..<d { inverse[i, j] = column[i] }
            }
            betas.append((s.weights[t], beta, inverse))
            rss += s.weights[t] * (s.targetSquares[t] - zip(b, beta).reduce(0) { $0 + $1.0 * $1.1 })
            residualDegrees += s.weights[t] * Double(s.counts[t] - d)
        }
        let weight = betas.reduce(0) { $0 + $1.w }
        let sigma2 = rss / residualDegrees
        let mean = (0..<d).map { i in betas.reduce(0) { $0 + $1.w * $1.beta[i] } / weight }
        var covariance = Matrix(rows: d, columns: d)
        for i in 0..<d { for j in 0..<d {
            covariance[i, j] = betas.reduce(0) { $0 + $1.w * (($1.beta[i] - mean[i]) * ($1.beta[j] - mean[j]) - sigma2 * $1.inverse[i, j]) } / weight
        } }
        let estimate = try #require(MomentEstimate(s))
        #expect(estimate.tasks == betas.count)
        #expect(abs(estimate.noiseVariance - sigma2) <= 1e-12 * sigma2)
        for i in 0..<d { #expect(abs(estimate.mean[i] - mean[i]) <= 1e-12 * Swift.max(abs(mean[i]), 1)) }
        // The simulation's Σ = I is well inside the cone here, so the projection changes nothing.
        let eigen = try SymmetricEigen(covariance)
        #expect(eigen.values[0] > 0.1)
        for i in 0..<(d * d) { #expect(abs(estimate.covariance[i] - covariance.elements[i]) <= 1e-10) }
    }

    /// Same optimum as the fit from EM and as lme4 (the data and lme4 call of
    /// `EarlyNewtonFitTests`), converged by the same criterion, with no EM pass at all.
    /// Tolerances as there: both fits meet stationarity 1e-8 per observation, so ℓ agrees to
    /// far below 1e-10 relative and the parameters to about its square root.
    @Test func sameOptimumWithoutEM() throws {
        let statistics = try EarlyNewtonFitTests.statistics()
        let moments = try Self.fit(statistics, moments: true)
        let em = try Self.fit(statistics, moments: false)
        #expect(moments.converged && em.converged)
        #expect(moments.emIterations == 0 && em.emIterations > 0)
        #expect(moments.phases.map(\.name) == ["moments", "newton"])
        #expect(moments.phases[0].logLikelihood < moments.logMarginalLikelihood)
        Self.expectSameOptimum(moments, em)
        let lme4 = EarlyNewtonFitTests.lme4LogLikelihood
        #expect(moments.logMarginalLikelihood >= lme4 - 1e-10 * abs(lme4))
        #expect(abs(moments.logMarginalLikelihood - lme4) <= 1e-10 * abs(lme4))
        for (a, b) in zip(moments.prior.mean, EarlyNewtonFitTests.lme4Mean) { #expect(abs(a - b) <= 1e-5 * Swift.max(abs(b), 1)) }
        for (a, b) in zip(moments.prior.covariance.elements, EarlyNewtonFitTests.lme4Covariance) { #expect(abs(a - b) <= 1e-5) }
        #expect(abs(moments.prior.noiseVariance - EarlyNewtonFitTests.lme4NoiseVariance) <= 1e-5 * EarlyNewtonFitTests.lme4NoiseVariance)
    }

    /// A quarter of the tasks have 2 points under d = 3 (A_i singular: no least-squares
    /// estimate, left out of the moment estimate but not of the fit, which takes them by the
    /// thin form): same optimum as the fit from EM, still without EM.
    @Test func tasksWithFewerPointsThanFeatures() throws {
        let statistics = try Self.statistics(tasks: 4000, sizes: [2, 5, 3, 8], seed: 32)
        let moments = try Self.fit(statistics, moments: true)
        let em = try Self.fit(statistics, moments: false)
        #expect(moments.converged && em.converged)
        #expect(moments.phases.map(\.name) == ["moments", "newton"])
        Self.expectSameOptimum(moments, em)
    }

    /// Where the steps from the estimate do not meet the criterion (here a starting rank of 1
    /// under a full-rank Σ: the boundary test fails and the rank must grow), they are
    /// discarded and the fit is exactly the one from EM: same ℓ and θ bit for bit, same EM
    /// passes and stages; only the evaluations spent on the discarded steps are added.
    @Test func discardedStepsLeaveTheFitAsBefore() throws {
        let statistics = try EarlyNewtonFitTests.statistics(tasks: 2000)
        let moments = try Self.fit(statistics, moments: true, startingRank: 1)
        let em = try Self.fit(statistics, moments: false, startingRank: 1)
        #expect(moments.converged && em.converged)
        #expect(moments.logMarginalLikelihood == em.logMarginalLikelihood)
        #expect(moments.prior.mean == em.prior.mean)
        #expect(moments.prior.covariance.elements == em.prior.covariance.elements)
        #expect(moments.prior.noiseVariance == em.prior.noiseVariance)
        #expect(moments.emIterations == em.emIterations && moments.emIterations > 0)
        #expect(moments.phases.map(\.name) == em.phases.map(\.name))
        #expect(!moments.phases.contains { $0.name == "moments" })
        #expect(moments.gradientEvaluations > em.gradientEvaluations)
    }

    /// One direction of Σ near vanishing (variances 1, 1, 1e-8: far below what 5 points per
    /// task can see, so the optimum is near the boundary): the steps from the estimate still
    /// meet the criterion, at the same optimum as the fit from EM.
    @Test func oneVanishingDirection() throws {
        let statistics = try Self.statistics(tasks: 3000, sizes: [5], seed: 33, covariance: Matrix.diagonal([1, 1, 1e-8]))
        let moments = try Self.fit(statistics, moments: true)
        let em = try Self.fit(statistics, moments: false)
        #expect(moments.converged && em.converged)
        #expect(moments.phases.map(\.name) == ["moments", "newton"])
        #expect(moments.rank == em.rank)
        Self.expectSameOptimum(moments, em)
    }

    /// Two directions of Σ near vanishing (variances 1, 1e-6, 1e-6): Newton's model is
    /// degenerate along both, the steps from the estimate do not meet the criterion within
    /// their budget, and the fit falls back to EM: bit for bit the fit from EM (which itself
    /// needs all 30 EM passes here and ends at rank 2).
    @Test func nearSingularCovarianceFallsBack() throws {
        let statistics = try Self.statistics(tasks: 3000, sizes: [5], seed: 33, covariance: Matrix.diagonal([1, 1e-6, 1e-6]))
        let moments = try Self.fit(statistics, moments: true)
        let em = try Self.fit(statistics, moments: false)
        #expect(moments.converged && em.converged)
        #expect(!moments.phases.contains { $0.name == "moments" })
        #expect(moments.phases.map(\.name) == em.phases.map(\.name))
        #expect(moments.emIterations == em.emIterations && moments.emIterations > 0)
        #expect(moments.rank == 2 && em.rank == 2)
        #expect(moments.logMarginalLikelihood == em.logMarginalLikelihood)
        #expect(moments.prior.covariance.elements == em.prior.covariance.elements)
        #expect(moments.prior.mean == em.prior.mean)
        #expect(moments.prior.noiseVariance == em.prior.noiseVariance)
        #expect(moments.gradientEvaluations > em.gradientEvaluations)
    }
}
