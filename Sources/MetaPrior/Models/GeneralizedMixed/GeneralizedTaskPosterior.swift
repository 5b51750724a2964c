// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The posterior of one task's coefficients φ (q) under a fitted prior φ ~ N(m, ΛΛᵀ), with
/// η = c + Xφ (c the shared part Fβ and the offset, held at their fitted values): its Laplace
/// approximation and exact draws by MCMC.
///
/// Both work in the standardised coordinates u of φ = m + Λu, u ~ N(0, I), so a singular prior
/// (a variance fitted to zero) is handled exactly: φ then stays in m + range(Λ).
///
/// - Laplace: the mode û of h(u) = log p(y | φ(u)) − ½|u|² and H = ΛᵀXᵀWXΛ + I there, so
///   φ ≈ N(m + Λû, ΛH⁻¹Λᵀ).
/// - MCMC: elliptical slice sampling with the Laplace approximation as the Gaussian reference
///   (``EllipticalSliceSampler``; the remainder is h(u) + ½(u − û)ᵀH(u − û)), so the ellipses
///   already have the posterior's shape and scale; warm-up then moves the reference to each
///   chain's estimate of the posterior's mean and covariance (see `ReferenceAdaptation`). The
///   chains are exact whatever the approximation's quality.
public struct GeneralizedTaskPosterior: Sendable {
    /// The task's data in the standardised form (p = 0, the shared part and m in the offset).
    let task: GeneralizedTask
    let family: ResponseFamily
    /// m (q).
    public let priorMean: [Double]
    /// Λ (q × q row-major, lower triangular).
    public let priorFactor: [Double]
    /// û.
    let mode: [Double]
    /// The lower Cholesky factor of H (q × q row-major).
    let hessianFactor: [Double]

    /// The posterior of a task with task-specific design `specific` (n × q row-major), responses,
    /// sizes and a known part `known` of η per observation (Fβ + offset).
    /// - Throws: ``InputError`` for responses the family cannot hold, sizes that disagree, or
    ///   when the mode cannot be found (η overflowing).
    public init(family: ResponseFamily, priorMean: [Double], priorFactor: [Double], specific: [Double],
                response: [Double], size: [Double]? = nil, known: [Double]? = nil) throws {
        let q = priorMean.count, n = response.count
        guard priorFactor.count == q * q, priorMean.allSatisfy(\.isFinite), priorFactor.allSatisfy(\.isFinite) else {
            throw InputError(kind: .inconsistent, "a prior over \(q) coefficients needs a finite \(q) × \(q) factor, not \(priorFactor.count) values")
        }
        guard specific.count == n * q, known.map({ $0.count == n }) ?? true else {
            throw InputError(kind: .inconsistent, "\(n) responses need \(n) × \(q) design values and \(n) known parts of η")
        }
        var offset = known ?? [Double](repeating: 0, count: n)
        for j in 0..<n { for a in 0..<q { offset[j] += specific[j * q + a] * priorMean[a] } }
        task = try GeneralizedTask(family: family, shared: [], p: 0, specific: specific, q: q, response: response,
                                   size: size, offset: offset)
        guard let laplace = task.laplace(family: family, beta: [], lambda: priorFactor, start: [Double](repeating: 0, count: q),
                                         gradient: false) else {
            throw InputError(kind: .invalidValue, "the task's posterior mode could not be found (the linear predictor overflows)")
        }
        self.family = family
        self.priorMean = priorMean
        self.priorFactor = priorFactor
        mode = laplace.mode
        hessianFactor = task.hessianFactor(family: family, lambda: priorFactor, at: laplace.mode)
    }

    /// The number of coefficients q.
    public var parameterCount: Int { priorMean.count }

    /// The Laplace approximation's mean m + Λû (the posterior mode of φ).
    public var laplaceMean: [Double] { standardisedToCoefficients(mode) }

    /// The Laplace approximation's covariance ΛH⁻¹Λᵀ (q × q row-major).
    public var laplaceCovariance: [Double] {
        let q = parameterCount
        // ΛL⁻ᵀ: solve L Y = Λᵀ, then the covariance is YᵀY.
        var y = [Double](repeating: 0, count: q * q)
        for column in 0..<q {
            var x = (0..<q).map { priorFactor[column * q + $0] }  // row `column` of Λ = column of Λᵀ
            solveLower(hessianFactor, &x, transpose: false)
            for i in 0..<q { y[i * q + column] = x[i] }
        }
        var out = [Double](repeating: 0, count: q * q)
        for a in 0..<q { for b in 0..<q { for k in 0..<q { out[a * q + b] += y[k * q + a] * y[k * q + b] } } }
        return out
    }

    /// MCMC draws of φ: `chains` chains of `warmup` + `draws` steps, chain c on random stream
    /// (seed, c).
    /// - Throws: ``SamplerError`` if the sampler fails.
    public func sample(chains: Int = 4, warmup: Int = 1000, draws: Int = 1000, seed: UInt64) throws -> SampledChains {
        let run = try sampler().sample(chains: chains, warmup: warmup, draws: draws, seed: seed)
        return SampledChains(chains: run.chains.map { chain in
            chain.map { ChainDraw(parameters: standardisedToCoefficients($0.parameters), logRemainder: $0.logRemainder) }
        })
    }

    /// The sampler of ``sample(chains:warmup:draws:seed:)``, over the standardised u (φ = m + Λu).
    func sampler() throws -> EllipticalSliceSampler {
        let q = parameterCount
        // The reference N(û, H⁻¹) has the factor L⁻ᵀ (H = LLᵀ): column j solves Lᵀx = e_j.
        var factor = [Double](repeating: 0, count: q * q)
        for j in 0..<q {
            var x = [Double](repeating: 0, count: q)
            x[j] = 1
            solveLower(hessianFactor, &x, transpose: true)
            for i in 0..<q { factor[i * q + j] = x[i] }
        }
        let task = task, family = family, lambda = priorFactor, mode = mode, l = hessianFactor
        return try EllipticalSliceSampler(mean: mode, factor: Matrix(rows: q, columns: q, elements: factor), adaptsReference: true) { u in
            guard let h = task.logJoint(family: family, lambda: lambda, at: u) else { return -.infinity }
            // + ½ (u − û)ᵀ H (u − û) = ½ |Lᵀ(u − û)|².
            var quadratic = 0.0
            for a in 0..<q {
                var s = 0.0
                for b in a..<q { s += l[b * q + a] * (u[b] - mode[b]) }
                quadratic += s * s
            }
            return h + 0.5 * quadratic
        }
    }

    /// A draw u = û + L⁻ᵀz of the Laplace approximation N(û, H⁻¹) from standard normals z, and
    /// log N(u; û, H⁻¹) = ½ log|H| − (q/2) log 2π − ½|z|².
    func laplaceDraw(_ z: [Double]) -> (u: [Double], logDensity: Double) {
        let q = parameterCount
        var x = z
        solveLower(hessianFactor, &x, transpose: true)
        var halfLogDeterminant = 0.0
        for a in 0..<q { halfLogDeterminant += log(hessianFactor[a * q + a]) }
        let squared = z.reduce(0) { $0 + $1 * $1 }
        return ((0..<q).map { mode[$0] + x[$0] }, halfLogDeterminant - 0.5 * Double(q) * log(2 * .pi) - 0.5 * squared)
    }

    func standardisedToCoefficients(_ u: [Double]) -> [Double] {
        let q = parameterCount
        return (0..<q).map { a in priorMean[a] + (0...a).reduce(0) { $0 + priorFactor[a * q + $1] * u[$1] } }
    }
}

extension GeneralizedTask {
    /// h(u) = log p(y | η = offset + XΛu) − ½|u|², with the likelihood's constants (p = 0).
    func logJoint(family: ResponseFamily, lambda: [Double], at u: [Double]) -> Double? {
        var total = constant
        for b in 0..<q { total -= 0.5 * u[b] * u[b] }
        for j in 0..<count {
            var eta = offset[j]
            for a in 0..<q { for b in 0...a { eta += specific[j * q + a] * lambda[a * q + b] * u[b] } }
            total += family.terms(response: response[j], size: size[j], eta: eta).logLikelihood
        }
        return total.isFinite ? total : nil
    }

    /// The lower Cholesky factor of H = ΛᵀXᵀWXΛ + I at u (p = 0).
    func hessianFactor(family: ResponseFamily, lambda: [Double], at u: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: count * q)
        for j in 0..<count { for b in 0..<q { for a in b..<q { z[j * q + b] += specific[j * q + a] * lambda[a * q + b] } } }
        var h = [Double](repeating: 0, count: q * q)
        for a in 0..<q { h[a * q + a] = 1 }
        for j in 0..<count {
            var eta = offset[j]
            for b in 0..<q { eta += z[j * q + b] * u[b] }
            let w = family.terms(response: response[j], size: size[j], eta: eta).weight
            for a in 0..<q { for b in 0..<q { h[a * q + b] += z[j * q + a] * w * z[j * q + b] } }
        }
        // H ≥ I, so the factorisation cannot fail.
        h.withUnsafeMutableBufferPointer { try? PointerKernels.choleskyInPlace($0.baseAddress!, n: q) }
        return h
    }
}

/// x ← L⁻¹x (or L⁻ᵀx) for the lower-triangular q × q L (row-major).
private func solveLower(_ l: [Double], _ x: inout [Double], transpose: Bool) {
    l.withUnsafeBufferPointer { factor in
        x.withUnsafeMutableBufferPointer { PointerKernels.solveLower(factor.baseAddress!, n: $0.count, vector: $0.baseAddress!, transpose: transpose) }
    }
}
