// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// One cell of the true-parameters table.
public enum ParameterValue: Sendable, Equatable {
    /// A numeric parameter (an amplitude, a slope, an entry of φ).
    case number(Double)
    /// A parameter that is a label (which branch of a mixture a task came from).
    case text(String)
    /// Not applicable to this task (an empty CSV field).
    case missing
}

/// Simulated tasks with the parameters that generated them.
public struct SimulatedTasks: Sendable {
    /// The tasks (identifiers 0, 1, …, N−1), ready for the sampler or a fit.
    public var dataset: MetaDataset
    /// Columns of the parameters table after `task`.
    public var parameterNames: [String]
    /// For each task, its rows of the parameters table (one row; one per class for
    /// gaussian-classes).
    public var parameters: [[[ParameterValue]]]
    /// The settings that made them.
    public var settings: SimulationSettings

    /// The tasks CSV: `task`, the inputs (`x`, or `x1`, `x2`, …), then `y` (or `label`).
    public func tasksCSV() -> [UInt8] { dataset.csvBytes() }

    /// The descriptors CSV (`task`, `z1`, …, `zq`: one row per task), readable by
    /// `fit --descriptors`; empty when the simulation drew no descriptors.
    public func descriptorsCSV() -> [UInt8] {
        guard !dataset.descriptorNames.isEmpty else { return [] }
        var writer = CSVWriter()
        writer.row([dataset.taskColumn] + dataset.descriptorNames)
        for task in dataset.tasks {
            writer.field(task.id)
            for v in task.descriptor ?? [] { writer.field(v) }
            writer.endRow()
        }
        return writer.bytes
    }

    /// The true B = [μ | B₁] as a CSV: a row per feature (`feature` = `phi.1`, …), columns
    /// `(intercept)`, `z1`, …; empty without descriptors.
    public func descriptorCoefficientsCSV() -> [UInt8] {
        guard let b = settings.descriptorCoefficients else { return [] }
        var writer = CSVWriter()
        writer.row(["feature", "(intercept)"] + dataset.descriptorNames)
        for (i, mu) in settings.effectiveMean.enumerated() {
            writer.field("phi.\(i + 1)")
            writer.field(mu)
            for k in 0..<b.columns { writer.field(b[i, k]) }
            writer.endRow()
        }
        return writer.bytes
    }

    /// The side CSV of each task's true parameters, `task` first.
    public func parametersCSV() -> [UInt8] {
        var writer = CSVWriter()
        writer.row([dataset.taskColumn] + parameterNames)
        for (task, rows) in zip(dataset.tasks, parameters) {
            for row in rows {
                writer.field(task.id)
                for value in row {
                    switch value {
                    case .number(let v): writer.field(v)
                    case .text(let t): writer.field(t)
                    case .missing: writer.emptyField()
                    }
                }
                writer.endRow()
            }
        }
        return writer.bytes
    }
}

/// Simulates tasks of a family. Task i draws only from `RandomStream(seed, i)`, so the output
/// is the same for any number of threads; tasks are made in parallel chunks.
/// - Throws: ``InputError`` for invalid settings.
public func simulateTasks(_ settings: SimulationSettings, threads: Int = 0) throws -> SimulatedTasks {
    try settings.validate()
    let sigmaFactor = settings.family.hasGaussianPrior ? try Cholesky(settings.effectiveCovariance) : nil
    let inputCount: Int
    switch settings.family {
    case .linearGaussian, .logisticTasks: inputCount = settings.effectiveMean.count - 1
    case .poissonTasks: inputCount = settings.effectiveMean.count  // the slopes' inputs, then the exposure
    case .gaussianClasses: inputCount = settings.dimension
    default: inputCount = 1
    }
    let slopeInputs = settings.family == .poissonTasks ? inputCount - 1 : inputCount
    var inputNames = slopeInputs == 1 ? ["x"] : (1...max(slopeInputs, 1)).prefix(slopeInputs).map { "x\($0)" }
    if settings.family == .poissonTasks { inputNames.append("exposure") }
    let parameterNames: [String]
    switch settings.family {
    case .sinusoid: parameterNames = ["amplitude", "phase"]
    case .harmonic: parameterNames = ["omega", "a1", "a2", "b1", "b2", "mu_x"]
    case .sinusoidLine: parameterNames = ["kind", "amplitude", "phase", "slope", "intercept"]
    case .linearGaussian, .logisticTasks, .poissonTasks: parameterNames = (1...settings.effectiveMean.count).map { "phi.\($0)" }
    case .gaussianClasses: parameterNames = ["class"] + (1...settings.dimension).map { "mean.\($0)" }
    }

    let chunkSize = 512
    let chunks = (settings.tasks + chunkSize - 1) / chunkSize
    let slots = ResultSlots<Result<[(TaskData, [[ParameterValue]])], Error>>(count: chunks)
    let work: @Sendable (Int) -> Void = { c in
        let range = (c * chunkSize)..<min(settings.tasks, (c + 1) * chunkSize)
        slots[c] = Result { try range.map { try simulateTask($0, settings: settings, inputCount: inputCount, sigmaFactor: sigmaFactor) } }
    }
    let workers = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
    if workers == 1 || chunks == 1 {
        for c in 0..<chunks { work(c) }
    } else {
        DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
    }
    let results = try slots.values.flatMap { try $0!.get() }  // the first failing chunk's error, whatever the threads
    let kind: TargetKind = settings.family == .gaussianClasses
        ? .classification(classNames: (0..<settings.classes).map(String.init)) : .regression
    let descriptorNames = (settings.descriptorCoefficients?.columns).map { q in (1...q).map { "z\($0)" } } ?? []
    let dataset = MetaDataset(inputNames: inputNames, targetName: settings.family == .gaussianClasses ? "label" : "y",
                              taskColumn: "task", kind: kind, descriptorNames: descriptorNames, tasks: results.map(\.0))
    return SimulatedTasks(dataset: dataset, parameterNames: parameterNames, parameters: results.map(\.1), settings: settings)
}

/// Task `index`: its data and its parameter rows, from its own stream.
private func simulateTask(_ index: Int, settings: SimulationSettings, inputCount: Int, sigmaFactor: Cholesky?) throws -> (TaskData, [[ParameterValue]]) {
    let rng = RandomStream(seed: settings.seed, stream: UInt64(index))
    let noise = settings.noiseSD
    let range = settings.effectiveInputRange
    func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * rng.uniform() }
    func epsilon() -> Double { noise > 0 ? noise * rng.standardNormal() : 0 }
    let n = settings.points
    var x: [Double] = []
    var y: [Double] = []
    var parameters: [[ParameterValue]]
    var descriptor: [Double]?

    switch settings.family {
    case .sinusoid, .sinusoidLine:
        let isLine = settings.family == .sinusoidLine && rng.uniform() < 0.5
        if isLine {
            let m = uniform(-3, 3), b = uniform(-3, 3)
            x = (0..<n).map { _ in uniform(range.lowerBound, range.upperBound) }
            y = x.map { m * $0 + b + epsilon() }
            parameters = [[.text("line"), .missing, .missing, .number(m), .number(b)]]
        } else {
            let amplitude = uniform(0.1, 5.0), phase = uniform(0, .pi)
            x = (0..<n).map { _ in uniform(range.lowerBound, range.upperBound) }
            y = x.map { amplitude * sin($0 - phase) + epsilon() }
            parameters = settings.family == .sinusoid
                ? [[.number(amplitude), .number(phase)]]
                : [[.text("sinusoid"), .number(amplitude), .number(phase), .missing, .missing]]
        }
    case .harmonic:
        let omega = uniform(5, 7)
        let a1 = rng.standardNormal(), a2 = rng.standardNormal()
        let b1 = uniform(0, 2 * .pi), b2 = uniform(0, 2 * .pi)
        let muX = uniform(-4, 4)
        x = (0..<n).map { _ in muX + rng.standardNormal() }
        y = x.map { a1 * sin(omega * $0 + b1) + a2 * sin(2 * omega * $0 + b2) + epsilon() }
        parameters = [[omega, a1, a2, b1, b2, muX].map { .number($0) }]
    case .linearGaussian, .logisticTasks, .poissonTasks:
        let mean = settings.effectiveMean, d = mean.count
        let z = (0..<d).map { _ in rng.standardNormal() }
        let offset = (try? sigmaFactor!.multiplyLower(z)) ?? Array(repeating: 0, count: d)
        var phi = zip(mean, offset).map { $0 + $1 }
        if let b = settings.descriptorCoefficients {
            // Drawn after φ's offset, so the stream of a simulation without descriptors is unchanged.
            let z = (0..<b.columns).map { _ in rng.standardNormal() }
            for i in 0..<d { for k in 0..<b.columns { phi[i] += b[i, k] * z[k] } }
            descriptor = z
        }
        x.reserveCapacity(n * inputCount)
        for _ in 0..<n {
            var value = phi[0]
            for j in 0..<(d - 1) {
                let xj = settings.inputDistribution == .normal ? rng.standardNormal() : uniform(range.lowerBound, range.upperBound)
                x.append(xj)
                value += phi[j + 1] * xj
            }
            switch settings.family {
            case .logisticTasks:
                y.append(rng.uniform() < 1 / (1 + exp(-value)) ? 1 : 0)
            case .poissonTasks:
                let exposure = uniform(0.5, 2)
                x.append(exposure)
                let rate = exposure * exp(value)
                guard let poisson = try? Poisson(rate: rate) else {
                    throw InputError(column: "mean", kind: .invalidValue,
                                     "task \(index) drew a Poisson rate of \(rate), beyond \(Poisson.maximumRate); give a smaller --mean or --covariance")
                }
                y.append(Double(poisson.sample(using: rng)))
            default:
                y.append(value + epsilon())
            }
        }
        parameters = [phi.map { .number($0) }]
    case .gaussianClasses:
        let d = settings.dimension
        if let truth = settings.classPrior {
            // NIW classes: (m_c, Σ_c) from the known prior, then x ~ N(m_c, Σ_c).
            var means: [[Double]] = []
            for c in 0..<settings.classes {
                let (mean, covariance) = try truth.sample(using: rng)
                let normal = try MultivariateNormal(mean: mean, covariance: covariance)
                for _ in 0..<n { x += normal.sample(using: rng); y.append(Double(c)) }
                means.append(mean)
            }
            parameters = means.enumerated().map { c, mean in [.text(String(c))] + mean.map { .number($0) } }
            break
        }
        let means = (0..<settings.classes).map { _ in (0..<d).map { _ in settings.priorScale * rng.standardNormal() } }
        x.reserveCapacity(n * settings.classes * d)
        for c in 0..<settings.classes {
            for _ in 0..<n {
                for j in 0..<d { x.append(means[c][j] + noise * rng.standardNormal()) }
                y.append(Double(c))
            }
        }
        parameters = means.enumerated().map { c, mean in [.text(String(c))] + mean.map { .number($0) } }
    }
    let rows = y.count
    let inputs = (try? Matrix(rows: rows, columns: inputCount, elements: x)) ?? Matrix(rows: rows, columns: inputCount)
    return (TaskData(id: String(index), inputs: inputs, targets: y, descriptor: descriptor), parameters)
}
