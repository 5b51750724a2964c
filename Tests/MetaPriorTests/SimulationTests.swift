// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

@Suite("Simulation")
struct SimulationTests {
    @Test(arguments: SimulationFamily.allCases)
    func sameOutputForAnyThreadCount(family: SimulationFamily) throws {
        let settings = SimulationSettings(family: family, tasks: 1500, points: 5, seed: 42, noise: 0.1)
        let one = try simulateTasks(settings, threads: 1)
        let many = try simulateTasks(settings, threads: 0)
        #expect(one.tasksCSV() == many.tasksCSV())
        #expect(one.parametersCSV() == many.parametersCSV())
        #expect(try simulateTasks(SimulationSettings(family: family, tasks: 1500, points: 5, seed: 43, noise: 0.1)).tasksCSV() != one.tasksCSV())
    }

    @Test func sinusoidParametersAndColumns() throws {
        let s = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 500, points: 10, seed: 1))
        let header = String(decoding: s.tasksCSV().prefix(12), as: UTF8.self)
        #expect(header.hasPrefix("task,x,y\n"))
        for (task, rows) in zip(s.dataset.tasks, s.parameters) {
            guard case .number(let a) = rows[0][0], case .number(let p) = rows[0][1] else { Issue.record("parameters"); continue }
            #expect(a >= 0.1 && a <= 5 && p >= 0 && p <= .pi)
            for i in 0..<task.count {
                let x = task.inputs[i, 0]
                #expect(x >= -5 && x <= 5)
                #expect(abs(task.targets[i] - a * sin(x - p)) < 1e-12)
            }
        }
    }

    @Test func harmonicAndMixtureFollowTheirFormulas() throws {
        let h = try simulateTasks(SimulationSettings(family: .harmonic, tasks: 50, points: 8, seed: 2))
        for (task, rows) in zip(h.dataset.tasks, h.parameters) {
            let v = rows[0].map { value -> Double in if case .number(let x) = value { return x }; return .nan }
            #expect(v[0] >= 5 && v[0] <= 7 && v[5] >= -4 && v[5] <= 4)
            for i in 0..<task.count {
                let x = task.inputs[i, 0]
                #expect(abs(task.targets[i] - (v[1] * sin(v[0] * x + v[3]) + v[2] * sin(2 * v[0] * x + v[4]))) < 1e-9)
            }
        }
        let m = try simulateTasks(SimulationSettings(family: .sinusoidLine, tasks: 400, points: 3, seed: 3))
        let lines = m.parameters.filter { $0[0][0] == .text("line") }.count
        #expect(lines > 150 && lines < 250)
        #expect(String(decoding: m.parametersCSV(), as: UTF8.self).hasPrefix("task,kind,amplitude,phase,slope,intercept\n"))
    }

    @Test func linearGaussianParametersMatchThePrior() throws {
        let settings = SimulationSettings(family: .linearGaussian, tasks: 20_000, points: 3, seed: 4)
        let s = try simulateTasks(settings)
        let phis = s.parameters.map { $0[0].map { value -> Double in if case .number(let x) = value { return x }; return .nan } }
        let n = Double(phis.count)
        let mean = (0..<2).map { j in phis.reduce(0) { $0 + $1[j] } / n }
        // Standard errors: sqrt(1/20000) ≈ 0.007 and sqrt(0.5/20000) = 0.005; allow 5 of them.
        #expect(abs(mean[0] - 1) < 0.035 && abs(mean[1] - 2) < 0.025)
        let cov01 = phis.reduce(0) { $0 + ($1[0] - mean[0]) * ($1[1] - mean[1]) } / (n - 1)
        let var1 = phis.reduce(0) { $0 + ($1[1] - mean[1]) * ($1[1] - mean[1]) } / (n - 1)
        #expect(abs(cov01 - 0.3) < 0.04 && abs(var1 - 0.5) < 0.04)
        #expect(s.dataset.inputNames == ["x"])
        #expect(s.parameterNames == ["phi.1", "phi.2"])
        let wide = try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 3, points: 4, seed: 4, mean: [0, 1, 2]))
        #expect(wide.dataset.inputNames == ["x1", "x2"])
        #expect(throws: InputError.self) { try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 3, points: 4, seed: 4, mean: [0, 1, 2], covariance: .identity(2))) }
        #expect(throws: InputError.self) { try simulateTasks(SimulationSettings(family: .linearGaussian, tasks: 3, points: 4, seed: 4, covariance: try Matrix([[1, 2], [2, 1]]))) }
    }

    @Test func gaussianClassesHaveBalancedLabelsAndTrueMeans() throws {
        let s = try simulateTasks(SimulationSettings(family: .gaussianClasses, tasks: 10, points: 400, seed: 5, classes: 3, dimension: 2, priorScale: 3))
        #expect(s.dataset.classNames == ["0", "1", "2"])
        #expect(s.dataset.targetName == "label")
        let task = s.dataset.tasks[0]
        for c in 0..<3 {
            let rows = task.targets.indices.filter { task.targets[$0] == Double(c) }
            #expect(rows.count == 400)
            guard case .number(let m1) = s.parameters[0][c][1] else { Issue.record("mean"); continue }
            let sample = rows.reduce(0) { $0 + task.inputs[$1, 0] } / 400
            #expect(abs(sample - m1) < 0.25)  // 5 standard errors of 1/sqrt(400)
        }
    }

    /// A benchmark-sized simulation has exact counts (its speed is measured by the benchmark
    /// scripts, not here).
    @Test func largeSimulationHasExactCounts() throws {
        let s = try simulateTasks(SimulationSettings(family: .sinusoid, tasks: 20_000, points: 12, seed: 6))
        #expect(s.dataset.tasks.count == 20_000)
        #expect(s.dataset.tasks.allSatisfy { $0.count == 12 })
        let lines = s.tasksCSV().reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        #expect(lines == 1 + 20_000 * 12)
    }
}
