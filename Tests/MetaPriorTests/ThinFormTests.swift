// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The thin (Woodbury, n×n) form of the profiled likelihood against two other computations on
/// tasks with fewer and with more points than features: the r-form (the same statistics with
/// the rows dropped, so every task takes the r×r route) and a direct dense computation with
/// GSL matrices (`Matrix.multiplied`, `Cholesky` on each task's n×n Ṽ = I + ΦΛΛᵀΦᵀ), written
/// here without the per-task kernels.
@Suite("Thin form of the profiled likelihood")
struct ThinFormTests {
    /// `count` tasks, d = 7 (rbf:6 on two inputs), sizes cycling through 2…12 points (below,
    /// at and above d), weights 1 except every fifth 2 and task 14's 0, so runs of equal
    /// weight break.
    static func data(tasks count: Int = 24) throws -> (MetaDataset, FeatureMap) {
        let simulated = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: count, points: 12, seed: 23)).dataset
        let sizes = [3, 5, 12, 9, 2, 6, 8, 4, 7, 11]
        var tasks: [TaskData] = []
        for (i, task) in simulated.tasks.enumerated() {
            let n = sizes[i % sizes.count], p = task.inputs.columns
            let inputs = try Matrix(rows: n, columns: p, elements: Array(task.inputs.elements[0..<(n * p)]))
            let weight = i == 13 ? 0 : (i % 5 == 4 ? 2.0 : 1.0)
            tasks.append(TaskData(id: task.id, inputs: inputs, targets: Array(task.targets[0..<n]), weight: weight))
        }
        let data = MetaDataset(inputNames: simulated.inputNames, targetName: simulated.targetName, tasks: tasks)
        let map = try FeatureMap(spec: .radial(centres: 6, width: nil), inputNames: data.inputNames,
                                 trainingInputs: data.tasks.map(\.inputs))
        return (data, map)
    }

    /// ℓ and ∂ℓ/∂θ with dense matrices: per task Ṽ = I + (ΦΛ)(ΦΛ)ᵀ, X = ΦᵀṼ⁻¹Φ, z = ΦᵀṼ⁻¹y,
    /// q = yᵀṼ⁻¹y; μ̂ = (Σ wX)⁻¹Σ wz, σ̂² = (Σ wq − μ̂ᵀΣ wz)/Σ wn,
    /// ℓ = −N/2 (log 2πσ̂² + 1) − ½Σ w log|Ṽ|, gradient 2GΛ with G = ½(E/σ̂² − Σ wX).
    static func dense(_ data: MetaDataset, _ map: FeatureMap, lambda: Matrix) throws -> (value: Double, sigmaGradientTimesLambda: Matrix) {
        let d = map.dimension
        var sumX = Matrix(rows: d, columns: d), sumZ = [Double](repeating: 0, count: d)
        var sumQ = 0.0, sumLogDet = 0.0, observations = 0.0
        var perTask: [(w: Double, x: Matrix, z: [Double])] = []
        for task in data.tasks {
            let w = task.weight, n = task.count
            let phi = try map.design(task.inputs)
            let projected = try phi.multiplied(by: lambda)
            var v = try projected.multiplied(by: projected, transposeRight: true)
            for i in 0..<n { v[i, i] += 1 }
            let factor = try Cholesky(symmetrized(v))
            let x = try phi.multiplied(by: try factor.solve(phi), transposeLeft: true)
            let z = try phi.multiplied(by: try factor.solve(task.targets), transpose: true)
            let viy = try factor.solve(task.targets)
            let q = zip(task.targets, viy).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<d { for j in 0..<d { sumX[i, j] += w * x[i, j] }; sumZ[i] += w * z[i] }
            sumQ += w * q
            sumLogDet += w * factor.logDeterminant
            observations += w * Double(n)
            perTask.append((w, x, z))
        }
        let mean = try Cholesky(symmetrized(sumX)).solve(sumZ)
        let sigma2 = (sumQ - zip(mean, sumZ).reduce(0) { $0 + $1.0 * $1.1 }) / observations
        let value = -0.5 * observations * (log(2 * Double.pi * sigma2) + 1) - 0.5 * sumLogDet
        var g = Matrix(rows: d, columns: d)
        for (w, x, z) in perTask where w != 0 {
            let xm = try x.multiplied(by: mean)
            let e = (0..<d).map { z[$0] - xm[$0] }
            for i in 0..<d { for j in 0..<d { g[i, j] += 0.5 * w * e[i] * e[j] / sigma2 } }
        }
        for i in 0..<d { for j in 0..<d { g[i, j] -= 0.5 * sumX[i, j] } }
        return (value, try g.multiplied(by: lambda))
    }

    /// At r = d every task with n < d is thin; at r = 4 those with 4 ≤ n < d keep their rows
    /// but take the r-form, so one chunk mixes both routes. Tolerances: the three routes differ
    /// only in the order of O(10²) floating-point operations per entry on values of order 10,
    /// so 1e-10 relative for ℓ and 1e-8 of the largest entry for the gradient.
    @Test(arguments: [7, 4])
    func thinFormEqualsTheRFormAndTheDenseComputation(columns: Int) throws {
        let (data, map) = try Self.data()
        let d = map.dimension
        #expect(d == 7)
        let statistics = try TaskStatistics(dataset: data, featureMap: map)
        var withoutRows = statistics
        withoutRows.rows = TaskRows(counts: [Int](repeating: 0, count: statistics.taskCount), dimension: d)
        let thin = ProfiledLikelihood(statistics: statistics, structure: .full, columns: columns)
        let wide = ProfiledLikelihood(statistics: withoutRows, structure: .full, columns: columns)
        #expect(thin.isThin.contains(true) && thin.isThin.contains(false))
        #expect(!wide.isThin.contains(true))
        let theta = (0..<thin.parameterCount).map { 0.3 * sin(1.7 * Double($0) + 0.4) }
        let a = try thin.evaluate(theta), b = try wide.evaluate(theta)
        let lambda = try Matrix(rows: d, columns: columns, elements: a.factor)
        let reference = try Self.dense(data, map, lambda: lambda)
        #expect(abs(a.logLikelihood - reference.value) <= 1e-10 * abs(reference.value))
        #expect(abs(a.logLikelihood - b.logLikelihood) <= 1e-10 * abs(b.logLikelihood))
        // ∂ℓ/∂θ = 2GΛ at the free (lower-trapezoidal) entries.
        var expected: [Double] = []
        for i in 0..<d { for j in 0...Swift.min(i, columns - 1) { expected.append(2 * reference.sigmaGradientTimesLambda[i, j]) } }
        let scale = expected.map(abs).max()!
        #expect(scale > 1)
        for k in expected.indices {
            #expect(abs(a.gradient[k] - expected[k]) <= 1e-8 * scale, "parameter \(k)")
            #expect(abs(a.gradient[k] - b.gradient[k]) <= 1e-8 * scale, "parameter \(k)")
        }
    }

    /// The diagonal and isotropic structures (Λ d×d diagonal) take the thin form too: value
    /// against the dense computation, gradient against the r-form (tolerances as above).
    @Test(arguments: [CovarianceStructure.diagonal, .isotropic])
    func thinFormOfTheDiagonalStructures(structure: CovarianceStructure) throws {
        let (data, map) = try Self.data()
        let d = map.dimension
        let statistics = try TaskStatistics(dataset: data, featureMap: map)
        var withoutRows = statistics
        withoutRows.rows = TaskRows(counts: [Int](repeating: 0, count: statistics.taskCount), dimension: d)
        let thin = ProfiledLikelihood(statistics: statistics, structure: structure)
        let wide = ProfiledLikelihood(statistics: withoutRows, structure: structure)
        #expect(thin.isThin.contains(true))
        let theta = (0..<thin.parameterCount).map { 0.5 + 0.1 * Double($0) }
        let a = try thin.evaluate(theta), b = try wide.evaluate(theta)
        let reference = try Self.dense(data, map, lambda: try Matrix(rows: d, columns: d, elements: a.factor))
        #expect(abs(a.logLikelihood - reference.value) <= 1e-10 * abs(reference.value))
        let scale = b.gradient.map(abs).max()!
        for k in b.gradient.indices { #expect(abs(a.gradient[k] - b.gradient[k]) <= 1e-8 * scale, "parameter \(k)") }
    }

    /// Same statistics, one thread or many: the same bits (chunks are summed in order). 600
    /// tasks make three chunks.
    @Test func thinFormIsThreadIndependent() throws {
        let (data, map) = try Self.data(tasks: 600)
        let statistics = try TaskStatistics(dataset: data, featureMap: map)
        let likelihood = ProfiledLikelihood(statistics: statistics, structure: .full)
        let theta = (0..<likelihood.parameterCount).map { 0.2 * cos(0.9 * Double($0)) }
        let saved = DeterministicParallel.maximumThreads
        defer { DeterministicParallel.maximumThreads = saved }
        DeterministicParallel.maximumThreads = 1
        let serial = try likelihood.evaluate(theta)
        DeterministicParallel.maximumThreads = 0
        let parallel = try likelihood.evaluate(theta)
        #expect(serial.logLikelihood.bitPattern == parallel.logLikelihood.bitPattern)
        #expect(serial.gradient.map(\.bitPattern) == parallel.gradient.map(\.bitPattern))
    }
}
