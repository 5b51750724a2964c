// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A prior flat along U (``FlatDirections``): its information-form posterior is the limit of
/// proper posteriors as the variance along U grows, it is refused when the task does not see
/// U, and its predictive of episode query points is the natural-coordinate episodic objective.
@Suite("Flat directions: posterior")
struct FlatDirectionsPosteriorTests {
    /// d = 4, flat along U (f = 2 orthonormal columns), Σ of full rank 2 on U's complement,
    /// μ projected off U, η = (0.7, −1.3), σ² = 0.05; a seeded 5×4 design and targets.
    static func example(seed: UInt64 = 5) throws -> (prior: GaussianPrior, flat: FlatDirections, design: Matrix, targets: [Double]) {
        let random = RandomStream(seed: seed)
        let d = 4, f = 2
        // Orthonormal columns by Gram–Schmidt of a seeded 4×4 matrix: the first f span U,
        // the rest the complement.
        var q: [[Double]] = []
        while q.count < d {
            var v = (0..<d).map { _ in random.standardNormal() }
            for u in q { let dot = zip(u, v).reduce(0.0) { $0 + $1.0 * $1.1 }; for i in 0..<d { v[i] -= dot * u[i] } }
            let norm = v.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            q.append(v.map { $0 / norm })
        }
        var sigma = Matrix(rows: d, columns: d)
        let weights = [2.0, 0.5]
        for (w, v) in zip(weights, q[f...]) { for i in 0..<d { for j in 0..<d { sigma[i, j] += w * v[i] * v[j] } } }
        var mean = (0..<d).map { _ in random.standardNormal() }
        for u in q[..<f] { let dot = zip(u, mean).reduce(0.0) { $0 + $1.0 * $1.1 }; for i in 0..<d { mean[i] -= dot * u[i] } }
        let prior = try GaussianPrior(mean: mean, covariance: symmetrized(sigma), noiseVariance: 0.05)
        let flat = try FlatDirections(directions: Array(q[..<f]), tilt: [0.7, -1.3], mean: mean, covariance: prior.covariance)
        let design = try Matrix(rows: 5, columns: d, elements: (0..<(5 * d)).map { _ in random.standardNormal() })
        return (prior, flat, design, (0..<5).map { _ in random.standardNormal() })
    }

    /// The posterior under the proper prior N(μ + λUη, Σ + λUUᵀ) in information form, written
    /// independently of the code under test: P_λ = Σ⁺ + UUᵀ/λ (Σ⁺ = Σ_j vⱼvⱼᵀ/wⱼ over Σ's
    /// range), h_λ = P_λ(μ + λUη) = Σ⁺μ + Uη, posterior precision P_λ + A/σ², mean its inverse
    /// times h_λ + b/σ². Well conditioned at λ = 1e8 (cond ≈ λ·‖A‖/σ² only in the solve's scale).
    static func properLimit(_ prior: GaussianPrior, _ flat: FlatDirections, lambda: Double, design: Matrix, targets: [Double]) throws -> (mean: [Double], covariance: Matrix) {
        let d = prior.dimension, s = prior.noiseVariance
        let eigen = try SymmetricEigen(prior.covariance)
        let top = eigen.values.last!
        var precision = Matrix(rows: d, columns: d)
        for (c, w) in eigen.values.enumerated() where w > 1e-12 * top {
            for i in 0..<d { for j in 0..<d { precision[i, j] += eigen.vectors[i, c] * eigen.vectors[j, c] / w } }
        }
        var h = try precision.multiplied(by: prior.mean)
        let uEta = try flat.basis.multiplied(by: flat.tilt)
        for i in 0..<d { h[i] += uEta[i] }
        let uut = try flat.basis.multiplied(by: flat.basis, transposeRight: true)
        let a = try design.multiplied(by: design, transposeLeft: true)
        let b = try design.multiplied(by: targets, transpose: true)
        for i in 0..<d {
            h[i] += b[i] / s
            for j in 0..<d { precision[i, j] += uut[i, j] / lambda + a[i, j] / s }
        }
        let chol = try Cholesky(symmetrized(precision))
        return (try chol.solve(h), try chol.inverse())
    }

    static func largestDifference(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0.0) { Swift.max($0, abs($1.0 - $1.1)) } }

    /// The error of the proper posterior against the flat one is O(1/λ) (the prior precision
    /// UUᵀ/λ perturbs a posterior precision of order ‖A‖/σ² ~ 100): at λ = 1e8 it must be below
    /// 1e-7 (measured ~1e-9), and shrink from λ = 1e4 to 1e8 by more than 1e3 (first order: 1e4).
    /// At λ = 1e4 the production factor form (`GaussianPrior.posterior`) agrees with the
    /// information form above to 1e-8 (its round-off, ~1e-16·λ‖A‖/σ² ≈ 1e-9).
    @Test func posteriorIsTheLimitOfProperPriors() throws {
        let (prior, flat, design, targets) = try Self.example()
        let posterior = try flat.posterior(proper: prior, design: design, targets: targets, featureNames: ["a", "b", "c", "d"])
        var errors: [Double] = []
        for lambda in [1e4, 1e8] {
            let limit = try Self.properLimit(prior, flat, lambda: lambda, design: design, targets: targets)
            errors.append(Swift.max(Self.largestDifference(posterior.mean, limit.mean),
                                    Self.largestDifference(posterior.covariance.elements, limit.covariance.elements)))
        }
        #expect(errors[1] <= 1e-7, "errors \(errors)")
        #expect(errors[0] > 1e3 * errors[1], "errors \(errors): not converging as 1/λ")
        // The factor form at λ = 1e4: mean μ + λUη, covariance Σ + λUUᵀ.
        let lambda = 1e4
        let uEta = try flat.basis.multiplied(by: flat.tilt)
        var covariance = prior.covariance
        let uut = try flat.basis.multiplied(by: flat.basis, transposeRight: true)
        for i in 0..<4 { for j in 0..<4 { covariance[i, j] += lambda * uut[i, j] } }
        let wide = try GaussianPrior(mean: zip(prior.mean, uEta).map { $0 + lambda * $1 }, covariance: symmetrized(covariance), noiseVariance: prior.noiseVariance)
        let factorForm = try wide.posterior(design: design, targets: targets)
        let informationForm = try Self.properLimit(prior, flat, lambda: lambda, design: design, targets: targets)
        #expect(Self.largestDifference(factorForm.mean, informationForm.mean) <= 1e-8)
        #expect(Self.largestDifference(factorForm.covariance.elements, informationForm.covariance.elements) <= 1e-8)
    }

    /// A task that does not see every flat direction is refused, with the count it lacks; no
    /// data at all lacks all of them.
    @Test(arguments: [(1, 1), (0, 2)])
    func taskBlindToAFlatDirectionIsRefused(points: Int, missing: Int) throws {
        let (prior, flat, design, targets) = try Self.example()
        let rows = try Matrix(rows: points, columns: 4, elements: Array(design.elements.prefix(points * 4)))
        let error = try #require(throws: InputError.self) {
            try flat.posterior(proper: prior, design: rows, targets: Array(targets.prefix(points)), featureNames: ["a", "b", "c", "d"])
        }
        #expect(error.description.contains("flat (improper) in 2 directions"), "\(error)")
        #expect(error.description.contains("needs at least \(counted(missing, "more point"))"), "\(error)")
        #expect(error.kind == .invalidValue)
    }

    /// The same through the prior a file holds: `LinearGaussianPrior` adapts with the
    /// information form, and with no rows (the prior itself) says why it cannot.
    @Test func linearGaussianPriorAdaptsInInformationForm() throws {
        let (prior, flat, design, targets) = try Self.example()
        let training = [try Matrix(rows: 5, columns: 4, elements: design.elements)]
        let map = try FeatureMap(spec: .linear, inputNames: ["x1", "x2", "x3"], trainingInputs: training.map { m in
            try! Matrix(rows: 5, columns: 3, elements: (0..<5).flatMap { i in (1..<4).map { m[i, $0] } })
        })
        let inputs = try Matrix(rows: 5, columns: 3, elements: (0..<5).flatMap { i in (1..<4).map { design[i, $0] } })
        let features = try map.design(inputs)
        let linear = try LinearGaussianPrior(basis: map, structure: .full, gaussian: prior, singular: true, flat: flat)
        let adapted = try linear.gaussianPosterior(inputs: inputs, targets: targets)
        let direct = try flat.posterior(proper: prior, design: features, targets: targets, featureNames: map.featureNames)
        #expect(adapted.gaussian.mean == direct.mean)
        #expect(throws: InputError.self) { try linear.posterior(inputs: Matrix(rows: 0, columns: 3), targets: []) }
        #expect(linear.reportLines().contains { $0.contains("flat in 2 directions") })
    }
}
