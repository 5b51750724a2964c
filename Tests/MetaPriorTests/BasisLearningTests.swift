// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Bases learned by evidence")
struct BasisLearningTests {
    static func simulated(_ family: SimulationFamily, tasks: Int, points: Int, seed: UInt64, noise: Double? = nil) throws -> MetaDataset {
        try simulateTasks(SimulationSettings(family: family, tasks: tasks, points: points, seed: seed, noise: noise)).dataset
    }

    @Test(arguments: [("rbf:20:auto", "rbf:20:auto"), ("fourier:16:auto", "fourier:16:auto"), ("rff:64:auto", "rff:64:auto:0"),
                      ("rff:64:auto:7", "rff:64:auto:7"), ("auto", "auto")])
    func learnedSpecsParseAndPrint(text: String, printed: String) throws {
        let spec = try BasisSpec(parsing: text)
        #expect(spec.description == printed)
        #expect(try BasisSpec(parsing: printed) == spec)
    }

    @Test(arguments: ["auto:3", "rbf:20:autos", "fourier:8:0", "fourier:8:-1", "fourier:8:auto:1", "rff:10:auto:x", "rbf:0:auto", "rbf:auto"])
    func badLearnedSpecsAreRejected(spec: String) {
        #expect(throws: InputError.self) { try BasisSpec(parsing: spec) }
    }

    /// A learned map written to JSON rebuilds exactly the same features (what adapt and predict
    /// rely on), centring included, and records the learned value.
    @Test(arguments: ["rbf:6:auto", "fourier:3:auto", "rff:8:auto:5"])
    func learnedMapsRoundTrip(spec: String) throws {
        let training = [try Matrix(rows: 5, columns: 2, elements: [0, 1, 2, 3, -1, 4, 5, -2, 3, 3])]
        let map = try FeatureMap(spec: try BasisSpec(parsing: spec), inputNames: ["a", "b"], trainingInputs: training, scale: 0.7)
        try map.validate()
        let decoded = try JSONDecoder().decode(FeatureMap.self, from: try JSONEncoder().encode(map))
        #expect(decoded == map)
        #expect(try decoded.design(training[0]) == map.design(training[0]))
        #expect(decoded.spec == spec)
        let unit = try FeatureMap(spec: try BasisSpec(parsing: spec), inputNames: ["a", "b"], trainingInputs: training)
        // The stored hyperparameter is 0.7 × its default (rbf width, fourier periods, rff lengthscale).
        let ratio = (map.width ?? map.periods![0]) / (unit.width ?? unit.periods![0])
        #expect(abs(ratio - 0.7) < 1e-15)
    }

    /// Centred RBF and RFF features have mean zero over the meta-train rows (to round-off).
    @Test(arguments: ["rbf:5", "rff:6:1.5:3", "rbf:4:auto"])
    func centredFeaturesHaveZeroMean(spec: String) throws {
        let training = [try Matrix(rows: 4, columns: 1, elements: [-5, -1, 2, 5]), try Matrix(rows: 2, columns: 1, elements: [0, 3])]
        let map = try FeatureMap(spec: try BasisSpec(parsing: spec), inputNames: ["x"], trainingInputs: training)
        #expect(map.centring?.count == map.dimension - 1)
        var sums = [Double](repeating: 0, count: map.dimension)
        for inputs in training {
            let design = try map.design(inputs)
            for i in 0..<design.rows { for k in 0..<design.columns { sums[k] += design[i, k] } }
        }
        #expect(sums[0] == 6)
        for k in 1..<map.dimension { #expect(abs(sums[k]) < 1e-14, "feature \(k): \(sums[k])") }
    }

    /// Centring is the reparametrisation f' = T⁻¹f with f_k = f'_k + c_k f'_0: a prior
    /// (μ, Σ) on the uncentred features is (Tᵀμ, TᵀΣT) on the centred ones. It gives the same
    /// log marginal likelihood and the same posterior predictive to round-off (1e-10
    /// relative: a few hundred flops on O(1) numbers), so the maximum of ℓ and the predictive at
    /// it do not depend on the centring; only the printed coordinates do.
    @Test func centringLeavesThePredictiveUnchanged() throws {
        let data = try Self.simulated(.sinusoid, tasks: 30, points: 12, seed: 4, noise: 0.1)
        let centred = try FeatureMap(spec: .radial(centres: 6, width: nil), inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let c = try #require(centred.centring)
        let plain = centred.withCentring(nil)
        let d = plain.dimension
        var options = PriorFitOptions()
        options.maximumIterations = 50
        let plainStatistics = try TaskStatistics(dataset: data, featureMap: plain)
        // The fitted θ, with 0.05·I added to Σ: a fitted Σ is nearly singular, and the
        // eigenvalue floor that lets GaussianPrior accept it would differ between the two
        // coordinates by round-off amplified by the condition number (measured 3.5e-7 of ℓ).
        let fitted = try PriorFit.fit(plainStatistics, options: options).prior
        var widened = fitted.covariance
        for k in 0..<d { widened[k, k] += 0.05 }
        let p = try GaussianPrior(mean: fitted.mean, covariance: widened, noiseVariance: fitted.noiseVariance)
        // T: identity with c in row 0 of the columns 1…d−1 (φ'_0 = φ_0 + Σ c_k φ_k).
        var t = try Matrix(rows: d, columns: d, elements: (0..<(d * d)).map { $0 % (d + 1) == 0 ? 1 : 0 })
        for k in 1..<d { t[0, k] = c[k - 1] }
        let mean = try t.multiplied(by: p.mean)
        let covariance = symmetrized(try t.multiplied(by: try p.covariance.multiplied(by: t, transposeRight: true)))
        let moved = try GaussianPrior(mean: mean, covariance: covariance, noiseVariance: p.noiseVariance)
        let before = try EpisodicFit.logMarginalLikelihood(p, statistics: plainStatistics)
        let after = try EpisodicFit.logMarginalLikelihood(moved, statistics: try TaskStatistics(dataset: data, featureMap: centred))
        #expect(abs(before - after) <= 1e-10 * abs(before), "\(before) \(after)")
        let task = data.tasks[0]
        let support = try Matrix(rows: 4, columns: 1, elements: Array(task.inputs.elements[0..<4]))
        let query = try Matrix(rows: 3, columns: 1, elements: [-3, 0.5, 4])
        let targets = Array(task.targets[0..<4])
        let adaptedPlain = try p.posterior(design: try plain.design(support), targets: targets)
        let adaptedCentred = try moved.posterior(design: try centred.design(support), targets: targets)
        let fPlain = try plain.design(query), fCentred = try centred.design(query)
        for i in 0..<3 {
            let a = adaptedPlain.predictive(features: (0..<d).map { fPlain[i, $0] })
            let b = adaptedCentred.predictive(features: (0..<d).map { fCentred[i, $0] })
            #expect(abs(a.mean - b.mean) <= 1e-10 * Swift.max(1, abs(a.mean)), "\(a) \(b)")
            #expect(abs(a.variance - b.variance) <= 1e-10 * a.variance, "\(a) \(b)")
        }
    }

    /// The learned scale s* is a maximum of ℓ*(s): ℓ* at s*(1 ± 0.05) is not higher. The search
    /// leaves s* within ≈ 2 % of the maximiser (see ``ScaleSearch``), and on a smooth peak
    /// ℓ*(s*(1 ± δ)) ≤ ℓ*(s*) holds whenever δ is at least twice that error; 1e-9 relative
    /// covers the fits' own tolerance.
    @Test func learnedWidthIsAMaximum() throws {
        let data = try Self.simulated(.sinusoid, tasks: 60, points: 15, seed: 9, noise: 0.05)
        let basis = LearnableBasis.radial(centres: 8)
        let best = try BasisSelection.tune(basis, dataset: data, options: PriorFitOptions())
        let unit = try FeatureMap(spec: .learned(basis), inputNames: data.inputNames, trainingInputs: data.tasks.map(\.inputs))
        let scale = try #require(best.map.width) / (try #require(unit.width))
        let top = best.fit.logMarginalLikelihood
        for factor in [0.95, 1.05] {
            let other = try BasisSelection.evaluate(basis, scale: scale * factor, dataset: data, options: PriorFitOptions())
            #expect(other.fit.logMarginalLikelihood <= top + 1e-9 * abs(top), "s = \(scale * factor): \(other.fit.logMarginalLikelihood) > \(top); \(best.notes)")
        }
        #expect(best.notes.first?.contains("rbf:8:auto: width") == true)
        #expect(best.notes.first?.contains("width converged") == true, "\(best.notes)")
    }

    /// The envelope slope (ℓ at the fitted θ held fixed, differenced over s·e^(±1e-4)) is
    /// dℓ*/d log s: it matches the central difference of converged fits at s·e^(±1e-3). That
    /// difference errs by h²·|ℓ*‴|/6 (≈ 2e-7·|ℓ*‴|) plus the fits' own error over 2h (ℓ* to
    /// ~1e-10 at the criterion, so ~1e-7); 1e-3 relative with 1e-3 absolute covers both with
    /// room, and a slope of the wrong sign, or of ℓ at a factor in other coordinates, misses by
    /// orders of magnitude.
    @Test func scaleSlopeIsTheEnvelope() throws {
        let data = try Self.simulated(.sinusoid, tasks: 60, points: 15, seed: 9, noise: 0.05)
        let basis = LearnableBasis.radial(centres: 8)
        let scale = 1.7, h = 1e-3
        let fit = try BasisSelection.evaluate(basis, scale: scale, dataset: data, options: PriorFitOptions())
        let up = try BasisSelection.evaluate(basis, scale: scale * exp(h), dataset: data, options: PriorFitOptions(), warmStart: fit.fit)
        let down = try BasisSelection.evaluate(basis, scale: scale * exp(-h), dataset: data, options: PriorFitOptions(), warmStart: fit.fit)
        #expect(fit.fit.converged && up.fit.converged && down.fit.converged)
        let reference = (up.fit.logMarginalLikelihood - down.fit.logMarginalLikelihood) / (2 * h)
        let slope = try BasisSelection.scaleSlope(fit, basis: basis, scale: scale, dataset: data, options: PriorFitOptions()).slope
        #expect(abs(slope - reference) <= 1e-3 * abs(reference) + 1e-3, "envelope \(slope), fits \(reference)")
        #expect(abs(reference) > 1, "the test needs a point off the peak: slope \(reference)")
    }

    /// A fit warm-started from the fit at a neighbouring scale (what the refinement in
    /// ``BasisSelection/tune(_:dataset:options:search:)`` does) reaches the optimum the fit from
    /// EM reaches: both converge, and their ℓ agree to 1e-6 nats (at the criterion's 1e-8 the
    /// remaining gain is of order N·1e-16). The warm fit starts at the neighbour's factor (a
    /// `warm` stage, no EM), so a fit that ignored the start fails the stage check.
    @Test func warmStartReachesTheOptimumFromEM() throws {
        let data = try Self.simulated(.sinusoid, tasks: 60, points: 15, seed: 9, noise: 0.05)
        let basis = LearnableBasis.radial(centres: 8)
        let neighbour = try BasisSelection.evaluate(basis, scale: 1.5 * 1.02, dataset: data, options: PriorFitOptions())
        let cold = try BasisSelection.evaluate(basis, scale: 1.5, dataset: data, options: PriorFitOptions())
        let warm = try BasisSelection.evaluate(basis, scale: 1.5, dataset: data, options: PriorFitOptions(), warmStart: neighbour.fit)
        #expect(cold.fit.converged && warm.fit.converged)
        #expect(abs(warm.fit.logMarginalLikelihood - cold.fit.logMarginalLikelihood) <= 1e-6,
                "warm \(warm.fit.logMarginalLikelihood), from EM \(cold.fit.logMarginalLikelihood)")
        #expect(warm.fit.phases.first?.name == "warm" && warm.fit.emIterations == 0, "\(warm.fit.phases)")
        #expect(!cold.fit.phases.contains { $0.name == "warm" })
    }

    /// `auto` on linear-Gaussian tasks picks `linear` (every other candidate contains it, so
    /// only the penalty can tell), and on sinusoid tasks a flexible basis (rbf or fourier).
    /// The scale search is coarsened (5 grid points, 3 golden steps, 40 quasi-Newton
    /// iterations) to keep the test short in a debug build; the comparison itself is the one
    /// `--basis auto` runs.
    @Test func automaticPicksTheRightFamily() throws {
        let search = ScaleSearch(gridPoints: 5, goldenSteps: 3)
        var options = PriorFitOptions()
        options.maximumIterations = 40
        let linear = try Self.simulated(.linearGaussian, tasks: 40, points: 10, seed: 21)
        let chosenLinear = try BasisSelection.resolve(.automatic, dataset: linear, options: options, search: search)
        #expect(chosenLinear.map.spec == "linear", "\(chosenLinear.notes.joined(separator: "\n"))")
        #expect(chosenLinear.notes.contains { $0.contains("linear") && $0.contains("← chosen") })
        let sinusoid = try Self.simulated(.sinusoid, tasks: 40, points: 10, seed: 22, noise: 0.05)
        let chosenSinusoid = try BasisSelection.resolve(.automatic, dataset: sinusoid, options: options, search: search)
        #expect(chosenSinusoid.map.spec.hasPrefix("rbf:") || chosenSinusoid.map.spec.hasPrefix("fourier:"),
                "\(chosenSinusoid.notes.joined(separator: "\n"))")
    }

    /// The noise floor is 1e-6 × the pooled variance of y: y = (1, 2, 3, 4) in two tasks has
    /// variance 1.25 (numpy.var([1, 2, 3, 4])), so the floor is 1.25e-6.
    @Test func noiseFloorIsScaledByTheTargetVariance() throws {
        let data = MetaDataset(inputNames: ["x"], targetName: "y", tasks: [
            TaskData(id: "a", inputs: try Matrix(rows: 2, columns: 1, elements: [0, 1]), targets: [1, 2]),
            TaskData(id: "b", inputs: try Matrix(rows: 2, columns: 1, elements: [0, 1]), targets: [3, 4]),
        ])
        let map = try FeatureMap(spec: .linear, inputNames: ["x"], trainingInputs: data.tasks.map(\.inputs))
        let statistics = try TaskStatistics(dataset: data, featureMap: map)
        #expect(abs(NoiseFloor.floor(statistics) - 1.25e-6) < 1e-18)
        #expect(NoiseFloor.warning(noiseVariance: 1.25e-6, statistics: statistics) != nil)
        #expect(NoiseFloor.warning(noiseVariance: 1.3e-6, statistics: statistics) == nil)
    }

    /// With σ² bounded above the profiled σ̂², ℓ is the Gaussian log-likelihood at σ² = b:
    /// ℓ_b = ℓ(σ̂²) − N/2·[log(b/σ̂²) + σ̂²/b − 1] (substitute r = Nσ̂² into −N/2·log 2πb −
    /// r/(2b)), and its gradient in Λ matches central differences (h = 1e-6; 1e-5 relative, as
    /// in the unbounded gradient test).
    @Test func boundedNoiseLikelihoodAndGradient() throws {
        let s = try ProfiledLikelihoodTests.statistics()
        let theta = (0..<6).map { 0.4 + 0.13 * Double($0) }
        let free = try ProfiledLikelihood(statistics: s, structure: .full).evaluate(theta)
        let bound = 10 * free.noiseVariance
        let likelihood = ProfiledLikelihood(statistics: s, structure: .full, noiseFloor: bound)
        let held = try likelihood.evaluate(theta)
        #expect(held.noiseVariance == bound)
        let n = s.weightedObservations
        let expected = free.logLikelihood - n / 2 * (log(bound / free.noiseVariance) + free.noiseVariance / bound - 1)
        #expect(abs(held.logLikelihood - expected) <= 1e-10 * abs(expected), "\(held.logLikelihood) \(expected)")
        try expectGradientMatchesCentralDifferences(likelihood, at: theta, analytic: held.gradient)
        // Below the bound nothing changes.
        let loose = try ProfiledLikelihood(statistics: s, structure: .full, noiseFloor: free.noiseVariance / 10).evaluate(theta)
        #expect(loose.logLikelihood == free.logLikelihood && loose.noiseVariance == free.noiseVariance)
    }
}
