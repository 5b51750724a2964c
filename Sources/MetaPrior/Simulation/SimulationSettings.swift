// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// A family of synthetic tasks with known parameters, for experiments and tests.
public enum SimulationFamily: String, CaseIterable, Sendable {
    /// MAML's sinusoids: A ~ U[0.1, 5], p ~ U[0, π], x ~ U[−5, 5], y = A·sin(x − p).
    case sinusoid
    /// Lacoste et al. (2018): ω ~ U[5, 7], a1, a2 ~ N(0, 1), b1, b2 ~ U[0, 2π], μx ~ U[−4, 4],
    /// x ~ N(μx, 1), y = a1·sin(ωx + b1) + a2·sin(2ωx + b2).
    case harmonic
    /// PLATIPUS's mixture: each task is a sinusoid (as above) or, with probability ½, a line
    /// y = m·x + b with m, b ~ U[−3, 3]; x ~ U[−5, 5].
    case sinusoidLine = "sinusoid-line"
    /// φ_i ~ N(μ, Σ), y = [1, x]ᵀφ_i + ε, ε ~ N(0, σ²): the hierarchical linear-Gaussian model,
    /// so a fitted prior can be checked against the truth.
    case linearGaussian = "linear-gaussian"
    /// Classification: each task has C classes whose means m_c ~ N(0, τ²I) (the known prior);
    /// x ~ N(m_c, σ²I); `points` is per class.
    case gaussianClasses = "gaussian-classes"
    /// φ_i ~ N(μ, Σ), y ~ Bernoulli(1/(1 + e^(−η))), η = [1, x]ᵀφ_i: binary tasks with a known
    /// prior (default μ = (−0.5, 1), Σ = [[1, 0.3], [0.3, 0.5]]).
    case logisticTasks = "logistic-tasks"
    /// φ_i ~ N(μ, Σ), an exposure t ~ U[0.5, 2] per observation (an input column `exposure`),
    /// y ~ Poisson(t·e^η), η = [1, x]ᵀφ_i: count tasks with a known prior (default μ = (0.5, 0.5),
    /// Σ = [[0.5, 0.1], [0.1, 0.25]]).
    case poissonTasks = "poisson-tasks"

    /// Observation noise σ when none is given: 0 for the regression benchmarks (as in the
    /// papers), 0.5 for linear-gaussian, 1 (within-class spread) for gaussian-classes.
    public var defaultNoise: Double {
        switch self {
        case .sinusoid, .harmonic, .sinusoidLine: return 0
        case .linearGaussian: return 0.5
        case .gaussianClasses: return 1
        case .logisticTasks, .poissonTasks: return 0
        }
    }

    /// Whether the family draws φ from N(μ, Σ) (`--mean`, `--covariance` apply).
    public var hasGaussianPrior: Bool {
        switch self {
        case .linearGaussian, .logisticTasks, .poissonTasks: return true
        default: return false
        }
    }
}

/// How linear-gaussian draws its inputs.
public enum InputDistribution: String, CaseIterable, Sendable {
    /// x ~ N(0, 1).
    case normal
    /// x ~ U[low, high], by default U[−1, 1].
    case uniform
}

/// Everything a simulation needs; the same settings give byte-identical output.
public struct SimulationSettings: Sendable, Equatable {
    /// Which kind of synthetic task to draw.
    public var family: SimulationFamily
    /// Number of tasks.
    public var tasks: Int
    /// Points per task (per class for gaussian-classes).
    public var points: Int
    /// Seed: task i draws only from `RandomStream(seed, i)`.
    public var seed: UInt64
    /// Observation noise standard deviation; `nil` uses ``SimulationFamily/defaultNoise``.
    public var noise: Double?
    /// linear-gaussian, logistic-tasks, poisson-tasks: prior mean μ of φ = (intercept,
    /// slopes…); its length is d = 1 + inputs. `nil`: the family's default (``effectiveMean``).
    public var mean: [Double]?
    /// The same families: prior covariance Σ (d × d); `nil` uses the family's default for the
    /// default mean, and the identity otherwise.
    public var covariance: Matrix?
    /// linear-gaussian: the input distribution.
    public var inputDistribution: InputDistribution
    /// Range of uniform inputs; `nil` uses the family's ([−5, 5], or [−1, 1] for linear-gaussian).
    public var inputRange: ClosedRange<Double>?
    /// gaussian-classes: classes per task C.
    public var classes: Int
    /// gaussian-classes: input dimension.
    public var dimension: Int
    /// gaussian-classes: prior standard deviation τ of the class means.
    public var priorScale: Double
    /// gaussian-classes: when set (ν > d + 1), every class draws its own covariance, so the
    /// classes follow the known normal–inverse-Wishart ``classPrior``; `nil` keeps Σ_c = σ²I,
    /// the limit ν → ∞ of that prior.
    public var classDegreesOfFreedom: Double?
    /// linear-gaussian, logistic-tasks and poisson-tasks: the true descriptor coefficients B₁
    /// (d × q). When set, task i draws z_i ~ N(0, I_q) and φ_i ~ N(μ + B₁z_i, Σ) (for the GLM
    /// tasks φ_i is the linear predictor's coefficients), so B = [μ | B₁] is known
    /// (``SimulatedTasks/descriptorsCSV()``); `nil` draws no descriptors.
    public var descriptorCoefficients: Matrix?

    /// gaussian-classes with ``classDegreesOfFreedom`` ν: the truth
    /// NIW(0, κ = σ²/τ², Ψ = (ν − d − 1)σ²I, ν), so E[Σ_c] = σ²I and Cov(m_c) = E[Σ_c]/κ = τ²I
    /// as without ν. `nil` otherwise, or when the settings are invalid.
    public var classPrior: NormalInverseWishart? {
        guard family == .gaussianClasses, let nu = classDegreesOfFreedom else { return nil }
        let variance = noiseSD * noiseSD, d = dimension
        return try? NormalInverseWishart(mean: [Double](repeating: 0, count: d), meanPrecision: variance / (priorScale * priorScale),
                                         scale: ((nu - Double(d) - 1) * variance) * Matrix.identity(d), degreesOfFreedom: nu)
    }

    /// The default linear-gaussian prior: μ = (1, 2), Σ = [[1, 0.3], [0.3, 0.5]].
    public static let defaultMean: [Double] = [1, 2]

    /// The prior mean in force: ``mean``, or the family's default.
    public var effectiveMean: [Double] {
        if let mean { return mean }
        switch family {
        case .logisticTasks: return [-0.5, 1]
        case .poissonTasks: return [0.5, 0.5]
        default: return Self.defaultMean
        }
    }
    /// The default linear-gaussian Σ, [[1, 0.3], [0.3, 0.5]] (intercept and slope positively
    /// correlated), used when `covariance` is `nil` and `mean` is ``defaultMean``.
    public static let defaultCovariance = try! Matrix([[1, 0.3], [0.3, 0.5]])

    /// Settings for `tasks` tasks of `points` points each from `seed`; every other field keeps
    /// the family's default.
    public init(family: SimulationFamily, tasks: Int, points: Int, seed: UInt64, noise: Double? = nil,
                mean: [Double]? = nil, covariance: Matrix? = nil,
                inputDistribution: InputDistribution = .normal, inputRange: ClosedRange<Double>? = nil,
                classes: Int = 5, dimension: Int = 2, priorScale: Double = 3) {
        self.family = family
        self.tasks = tasks
        self.points = points
        self.seed = seed
        self.noise = noise
        self.mean = mean
        self.covariance = covariance
        self.inputDistribution = inputDistribution
        self.inputRange = inputRange
        self.classes = classes
        self.dimension = dimension
        self.priorScale = priorScale
    }

    /// The noise standard deviation in force.
    public var noiseSD: Double { noise ?? family.defaultNoise }

    /// The covariance in force (linear-gaussian, logistic-tasks, poisson-tasks).
    public var effectiveCovariance: Matrix {
        if let covariance { return covariance }
        guard mean == nil else { return Matrix.identity(effectiveMean.count) }
        return family == .poissonTasks ? try! Matrix([[0.5, 0.1], [0.1, 0.25]]) : Self.defaultCovariance
    }

    /// The uniform input range in force.
    public var effectiveInputRange: ClosedRange<Double> {
        inputRange ?? (family.hasGaussianPrior ? -1...1 : -5...5)
    }

    /// The most numbers a simulation may make: 200,000,000 input values (tasks × points,
    /// × classes × dimension for gaussian-classes), i.e. 1.6 GB, all kept in memory before
    /// the CSV (several GB) is written.
    public static let maximumValues = 200_000_000

    /// The number of input values the settings ask for, or `nil` if it overflows `Int`.
    public var inputValueCount: Int? {
        let perPoint = family == .gaussianClasses ? [classes, dimension] : [Swift.max(effectiveMean.count, 1)]
        var total = 1
        for factor in [tasks, points] + perPoint {
            let (next, overflow) = total.multipliedReportingOverflow(by: Swift.max(factor, 0))
            if overflow { return nil }
            total = next
        }
        return total
    }

    /// Checks counts and the prior.
    /// - Throws: ``InputError`` naming the setting at fault.
    public func validate() throws {
        guard tasks >= 1 else { throw InputError(column: "tasks", "need at least 1 task, not \(tasks)") }
        guard points >= 1 else { throw InputError(column: "points", "need at least 1 point per task, not \(points)") }
        if let values = inputValueCount, values <= Self.maximumValues {} else {
            throw InputError(column: "tasks", kind: .invalidValue,
                             "\(tasks) tasks × \(points) points\(family == .gaussianClasses ? " × \(classes) classes × \(dimension) dimensions" : "") is more than \(Self.maximumValues) input values, all kept in memory; simulate fewer tasks or points")
        }
        guard noiseSD >= 0, noiseSD.isFinite else { throw InputError(column: "noise", "the noise standard deviation must be a finite number ≥ 0, not \(noiseSD)") }
        if let inputRange, !(inputRange.lowerBound.isFinite && inputRange.upperBound.isFinite && inputRange.lowerBound < inputRange.upperBound) {
            throw InputError(column: "x-range", "need a finite range low < high, not \(inputRange)")
        }
        switch family {
        case .linearGaussian, .logisticTasks, .poissonTasks:
            let mean = effectiveMean
            guard !mean.isEmpty, mean.allSatisfy(\.isFinite) else { throw InputError(column: "mean", "need at least one finite number") }
            let sigma = effectiveCovariance
            guard sigma.rows == mean.count, sigma.columns == mean.count else {
                throw InputError(column: "covariance", "is \(sigma.rows)×\(sigma.columns), but the mean has \(mean.count) entries")
            }
            do { _ = try Cholesky(sigma) } catch {
                throw InputError(column: "covariance", "must be symmetric positive definite (\(error))")
            }
        case .gaussianClasses:
            guard classes >= 2 else { throw InputError(column: "classes", "need at least 2 classes, not \(classes)") }
            guard dimension >= 1 else { throw InputError(column: "dimension", "need at least 1 input dimension, not \(dimension)") }
            guard priorScale > 0, priorScale.isFinite else { throw InputError(column: "prior-scale", "must be a positive number, not \(priorScale)") }
            if let nu = classDegreesOfFreedom {
                guard nu.isFinite, nu > Double(dimension + 1) else {
                    throw InputError(column: "class-dof", "must exceed dimension + 1 = \(dimension + 1) (so that E[Σ] exists), not \(nu)")
                }
                guard noiseSD > 0, classPrior != nil else {
                    throw InputError(column: "class-dof", "needs a positive --noise (the within-class spread σ) and a finite prior")
                }
            }
        default:
            break
        }
        if let b = descriptorCoefficients {
            guard [.linearGaussian, .logisticTasks, .poissonTasks].contains(family) else {
                throw InputError(column: "descriptors", "task descriptors are simulated for linear-gaussian, logistic-tasks and poisson-tasks only")
            }
            guard b.rows == effectiveMean.count, b.columns >= 1, b.elements.allSatisfy(\.isFinite) else {
                throw InputError(column: "descriptor-coefficients", "must be finite, with one row per entry of the mean (\(effectiveMean.count)), not \(b.rows)×\(b.columns)")
            }
        }
    }
}
