// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import GSL
import MetaPrior

/// `metaprior simulate`: synthetic tasks with known parameters.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a meta-dataset of tasks from a known family, with each task's true parameters.",
        discussion: """
        Families:
          sinusoid          A ~ U[0.1, 5], p ~ U[0, π], x ~ U[−5, 5], y = A·sin(x − p)  (MAML)
          harmonic          ω ~ U[5, 7], a ~ N(0, 1), b ~ U[0, 2π], x ~ N(U[−4, 4], 1),
                            y = a1·sin(ωx + b1) + a2·sin(2ωx + b2)  (Lacoste et al. 2018)
          sinusoid-line     half sinusoids, half lines y = m·x + b, m, b ~ U[−3, 3]  (PLATIPUS)
          linear-gaussian   φ ~ N(μ, Σ), y = [1, x]ᵀφ + N(0, σ²)  (default μ = 1,2, Σ = "1,0.3;0.3,0.5")
          gaussian-classes  C classes per task, class means ~ N(0, τ²I), x ~ N(mean, σ²I)
          logistic-tasks    φ ~ N(μ, Σ), y ~ Bernoulli(logit⁻¹([1, x]ᵀφ))  (default μ = -0.5,1,
                            Σ = "1,0.3;0.3,0.5")
          poisson-tasks     φ ~ N(μ, Σ), exposure t ~ U[0.5, 2], y ~ Poisson(t·exp([1, x]ᵀφ))
                            (default μ = 0.5,0.5, Σ = "0.5,0.1;0.1,0.25"; column exposure)
        The tasks CSV has columns task, x (or x1, x2, …), y (or label); --parameters-output
        writes each task's true parameters. Task i uses random stream (seed, i): the output is
        byte-identical for a seed, however many threads run.
        """
    )

    @Argument(help: ArgumentHelp("Task family: \(SimulationFamily.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "family"),
              transform: { text in
                  guard let family = SimulationFamily(rawValue: text) else {
                      throw ValidationError("unknown family \(InputError.quoted(text)); the families are: \(SimulationFamily.allCases.map(\.rawValue).joined(separator: ", "))")
                  }
                  return family
              })
    var family: SimulationFamily

    @Option(parsing: .unconditional, help: ArgumentHelp("Number of tasks.", valueName: "n"))
    var tasks: Int

    @Option(parsing: .unconditional, help: ArgumentHelp("Points per task (per class for gaussian-classes).", valueName: "n"))
    var points: Int

    @Option(parsing: .unconditional, help: ArgumentHelp("Random seed.", valueName: "n"))
    var seed: UInt64

    @Option(parsing: .unconditional, help: ArgumentHelp("Observation noise standard deviation (default 0; 0.5 for linear-gaussian; 1 for gaussian-classes).", valueName: "sd"))
    var noise: Double?

    @Option(help: ArgumentHelp("Write the tasks CSV here (default: standard output).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Write each task's true parameters to this CSV.", valueName: "file"))
    var parametersOutput: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("linear-gaussian, logistic-tasks, poisson-tasks: prior mean μ of (intercept, slopes…); its length sets the dimension.", valueName: "m1,m2,..."))
    var mean: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The same families: prior covariance Σ, rows separated by ';' (default: the family's for its default mean, else the identity).", valueName: "a,b;c,d"))
    var covariance: String?

    @Option(help: ArgumentHelp("linear-gaussian, logistic-tasks, poisson-tasks: input distribution, normal (N(0,1)) or uniform (over --x-range); default normal.", valueName: "kind"),
            transform: choice("--inputs"))
    var inputs: InputDistribution = .normal

    @Option(parsing: .unconditional, help: ArgumentHelp("Range of uniform inputs (default -5,5; -1,1 for linear-gaussian).", valueName: "low,high"))
    var xRange: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("gaussian-classes: classes per task.", valueName: "n"))
    var classes: Int = 5

    @Option(parsing: .unconditional, help: ArgumentHelp("gaussian-classes: input dimension.", valueName: "n"))
    var dimension: Int = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("gaussian-classes: prior standard deviation τ of the class means.", valueName: "sd"))
    var priorScale: Double = 3

    @Option(parsing: .unconditional, help: ArgumentHelp("gaussian-classes: give each class its own covariance, drawing (m, Σ) from NIW(0, σ²/τ², (ν − d − 1)σ²I, ν) with this ν > d + 1 (default: Σ = σ²I for every class).", valueName: "ν"))
    var classDof: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("linear-gaussian, logistic-tasks, poisson-tasks: draw q task descriptors z ~ N(0, I) per task and φ ~ N(μ + B₁z, Σ); writes descriptors.csv (task, z1, …) and the true B = [μ | B₁] as descriptor-coefficients.csv beside --output.", valueName: "q"))
    var descriptors: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("With --descriptors: B₁, d rows of q numbers, rows separated by ';' (default: entry (i, k) is 0.5·(−1)^(i+k)).", valueName: "a,b;c,d"))
    var descriptorCoefficients: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Threads (default: all cores); the output does not depend on it.", valueName: "n"))
    var threads: Int = 0

    @Flag(help: "Print nothing on standard error.")
    var quiet = false

    func validate() throws {
        guard tasks >= 1 else { throw ValidationError("--tasks must be at least 1, not \(tasks)") }
        guard points >= 1 else { throw ValidationError("--points must be at least 1, not \(points)") }
        let kept = "every simulated row is kept in memory"
        try OptionRange.check("--tasks", tasks, 1...OptionRange.simulatedCount, kept)
        try OptionRange.check("--points", points, 1...OptionRange.simulatedCount, kept)
        if let noise, !(noise >= 0 && noise.isFinite) { throw ValidationError("--noise must be a finite number ≥ 0, not \(noise)") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (all cores) or more, not \(threads)") }
        try OptionRange.check("--threads", threads, 0...OptionRange.threads, "more threads than cores gain nothing")
        if family == .gaussianClasses {
            try OptionRange.check("--classes", classes, 2...OptionRange.classes, "each task keeps a mean per class")
            try OptionRange.check("--dimension", dimension, 1...OptionRange.dimension, "one CSV column per dimension")
        }
        _ = try settings()
    }

    /// The settings the options describe.
    func settings() throws -> SimulationSettings {
        var settings = SimulationSettings(family: family, tasks: tasks, points: points, seed: seed, noise: noise)
        if let mean {
            let values = splitList(mean).compactMap(Double.init)
            guard !values.isEmpty, values.count == splitList(mean).count else { throw ValidationError("--mean needs numbers separated by commas, not \(InputError.quoted(mean))") }
            settings.mean = values
        }
        if let covariance {
            let cells = covariance.split(separator: ";").map { splitList(String($0)) }
            let rows = cells.map { $0.compactMap(Double.init) }
            guard zip(rows, cells).allSatisfy({ $0.count == $1.count }), let matrix = try? Matrix(rows) else {
                throw ValidationError("--covariance needs rows of numbers, e.g. \"1,0.3;0.3,0.5\", not \(InputError.quoted(covariance))")
            }
            settings.covariance = matrix
        }
        settings.inputDistribution = inputs
        settings.classDegreesOfFreedom = classDof
        if let xRange {
            let bounds = splitList(xRange).compactMap(Double.init)
            guard bounds.count == 2, bounds[0] < bounds[1] else { throw ValidationError("--x-range needs low,high with low < high, not \(InputError.quoted(xRange))") }
            settings.inputRange = bounds[0]...bounds[1]
        }
        if let q = descriptors {
            guard (1...100).contains(q) else { throw ValidationError("--descriptors must be 1 to 100, not \(q)") }
            guard let output, output != "-" else { throw ValidationError("--descriptors writes descriptors.csv beside the data: give --output file") }
            let d = settings.effectiveMean.count
            var b = Matrix(rows: d, columns: q)
            for i in 0..<d { for k in 0..<q { b[i, k] = (i + k) % 2 == 0 ? 0.5 : -0.5 } }
            if let text = descriptorCoefficients {
                let cells = text.split(separator: ";").map { splitList(String($0)) }
                let rows = cells.map { $0.compactMap(Double.init) }
                guard zip(rows, cells).allSatisfy({ $0.count == $1.count }), let matrix = try? Matrix(rows) else {
                    throw ValidationError("--descriptor-coefficients needs rows of numbers, e.g. \"0.8,-0.5;0.3,0.6\", not \(InputError.quoted(text))")
                }
                b = matrix
            }
            settings.descriptorCoefficients = b
        } else if descriptorCoefficients != nil {
            throw ValidationError("--descriptor-coefficients needs --descriptors q")
        }
        settings.classes = classes
        settings.dimension = dimension
        settings.priorScale = priorScale
        do { try settings.validate() } catch let error as InputError {
            throw ValidationError("--\(error.column ?? "option"): \(error.message)")
        }
        return settings
    }

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let besideData = descriptors != nil ? output.map { URL(fileURLWithPath: $0).deletingLastPathComponent() } : nil
        let descriptorFiles = besideData.map { [$0.appendingPathComponent("descriptors.csv").path, $0.appendingPathComponent("descriptor-coefficients.csv").path] } ?? []
        let outputs = try CLIOutput.prepare([output, parametersOutput] + descriptorFiles)
        let simulated = try simulateTasks(try settings(), threads: threads)
        if descriptorFiles.count == 2 {
            try outputs.write(simulated.descriptorsCSV(), to: descriptorFiles[0])
            try outputs.write(simulated.descriptorCoefficientsCSV(), to: descriptorFiles[1])
        }
        let tasksCSV = simulated.tasksCSV()
        let parametersCSV = parametersOutput != nil ? simulated.parametersCSV() : nil
        // The side file is staged first: standard output cannot be taken back, a file can.
        if let parametersOutput, let parametersCSV { try outputs.write(parametersCSV, to: parametersOutput) }
        try outputs.write(tasksCSV, to: output)
        try outputs.commit()
        if !quiet {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            CLIOutput.note("simulate: \(tasks) \(family.rawValue) tasks, \(simulated.dataset.observationCount) rows in \(String(format: "%.2f", seconds)) s")
        }
    }
}
