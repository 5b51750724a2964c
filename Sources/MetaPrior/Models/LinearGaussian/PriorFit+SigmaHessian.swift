// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// The exact second-order pieces of the profiled ℓ in Σ̃ = Σ/σ² itself: its gradient (the
/// score), its Hessian and its expected (Fisher) information, in the entries of a symmetric
/// change of Σ̃ on a face C T Cᵀ.
///
/// Why in Σ̃ and not in the factor Λ: at the noise floor Σ̃ is 1e5–1e6 along the directions
/// the tasks share and 0 along others, and ℓ is badly conditioned in Λ. In Σ̃ every piece has
/// a closed form per task (X_i = Φ_iᵀṼ_i⁻¹Φ_i = (I + A_iΣ̃)⁻¹A_i, no inverse of A_i, so tasks
/// with fewer points than features need nothing special): O(T·p²) for p = k(k+1)/2 entries,
/// against 2p gradient evaluations for a Hessian by differences. Not yet used by the
/// optimiser: Newton steps in Σ̃ (linear or logarithmic in its eigenvalues) were tried on the
/// harmonic fourier:16 fit and crawl there too, because −H is indefinite on the face while
/// directions are still vanishing (issue 11; see SigmaHessianTests for the checks).
extension PriorFit {
    /// The expected information of ℓ, the observed Hessian of ℓ and its gradient (the score) in
    /// the k(k+1)/2 entries T_ab (a ≤ b) of a symmetric k×k change T of Σ̃ = C T Cᵀ + const,
    /// for a d×k `basis` C (`nil`: C = I, the entries of Σ̃ itself). Entry p = (a, b) stands
    /// for T = δ_p·(e_a e_bᵀ + e_b e_aᵀ) (a < b) or δ_p·e_a e_aᵀ.
    ///
    /// Per task, with X = ΦᵀṼ⁻¹Φ and e = ΦᵀṼ⁻¹(y − Φμ̂) (X_C = CᵀXC, e_C = Cᵀe), at σ² fixed:
    /// d²ℓ(Δ, Δ') = ½ tr(XΔXΔ') − eᵀΔXΔ'e/σ², and profiling μ adds cᵀ(Σ wX/σ²)⁻¹c' with
    /// c = Σ w XΔe/σ² (the Schur complement of the μ block). The information is the expectation
    /// of minus the first part, ½ Σ w tr(XΔXΔ'). Where σ² is profiled its Schur complement is
    /// added too (below), so the Hessian is that of the profiled ℓ in either case.
    static func fisherSystem(_ likelihood: ProfiledLikelihood, at e: ProfiledLikelihood.Evaluation,
                             basis: [Double]?, columns kk: Int? = nil) throws
        -> (information: [Double], hessian: [Double], score: [Double]) {
        let statistics = likelihood.statistics
        // e = z − Xμ̂ below takes one μ̂; the per-task μ_i = B z̃_i is not written here yet.
        guard statistics.descriptors == nil else { throw InputError("the Σ̃ Hessian is not available with task descriptors") }
        let d = statistics.dimension, r = e.columns, T = statistics.taskCount
        let k = basis == nil ? d : (kk ?? d)
        var identity = [Double](repeating: 0, count: d * d)
        for i in 0..<d { identity[i * d + i] = 1 }
        let cBasis = basis ?? identity
        let pairs = (0..<k).flatMap { a in (a..<k).map { (a, $0) } }
        let p = pairs.count
        let chunkSize = 64
        let chunks = DeterministicParallel.chunkCount(count: T, chunkSize: chunkSize)
        // Per chunk: K (p×p, upper), O (p×p, upper), c (p×d).
        let stride = 2 * p * p + p * d
        var partial = [Double](repeating: 0, count: chunks * stride)
        var failed = false
        let lock = NSLock()
        let sigma2 = e.noiseVariance
        statistics.withFusedTasks { tasks in
        e.factor.withUnsafeBufferPointer { L in
        partial.withUnsafeMutableBufferPointer { P in
            DeterministicParallel.forEachChunk(count: T, chunkSize: chunkSize) { chunk, range in
                var projection = TaskProjection(dimension: d, columns: r)
                var y = [Double](repeating: 0, count: d * k), xc = [Double](repeating: 0, count: k * k)
                var ec = [Double](repeating: 0, count: k)
                let kp = P.baseAddress! + chunk * stride, op = kp + p * p, cp = op + p * p
                for t in range where statistics.weights[t] != 0 {
                    let w = statistics.weights[t]
                    // X = A − UᵀU, z = b − Uᵀv (the form ProfiledLikelihood uses).
                    do { try projection.project(tasks, task: t, factor: L.baseAddress!) } catch { lock.lock(); failed = true; lock.unlock(); continue }
                    // e = z − Xμ̂ (into z); Y = XC; X_C = CᵀY; e_C = Cᵀe.
                    PointerKernels.multiply(projection.x, vector: e.mean, into: &projection.z, rows: d, columns: d, alpha: -1, beta: 1)
                    PointerKernels.multiply(projection.x, cBasis, into: &y, m: d, n: k, k: d)
                    PointerKernels.multiply(cBasis, y, into: &xc, m: k, n: k, k: d, transposeA: true)
                    PointerKernels.multiply(cBasis, vector: projection.z, into: &ec, rows: d, columns: k, transpose: true)
                    for (pi, (a0, b0)) in pairs.enumerated() {
                        let ra = a0 * k, rb = b0 * k
                        let ea = ec[a0], eb = ec[b0]
                        var qi = pi
                        let krow = kp + pi * p, orow = op + pi * p
                        // u_p = S_p e_C has (a, e_b) and (b, e_a), or (a, e_a) when a = b.
                        let diagonalP = a0 == b0
                        for c0 in a0..<k {
                            let xac = xc[ra + c0], xbc = xc[rb + c0]
                            let ecc = ec[c0]
                            for f0 in (c0 == a0 ? b0 : c0)..<k {
                                let xaf = xc[ra + f0], xbf = xc[rb + f0]
                                krow[qi] += w * (xac * xbf + xaf * xbc)
                                let ef = ec[f0]
                                // u_pᵀ X_C u_q with u_q = (c, e_f), (f, e_c), or (c, e_c).
                                var o = eb * (xac * ef + (c0 == f0 ? 0 : xaf * ecc))
                                if !diagonalP { o += ea * (xbc * ef + (c0 == f0 ? 0 : xbf * ecc)) }
                                orow[qi] += w * o / sigma2
                                qi += 1
                            }
                        }
                        // c_p += w Y u_p / σ².
                        let crow = cp + pi * d
                        for i in 0..<d {
                            var s = y[i * k + a0] * eb
                            if !diagonalP { s += y[i * k + b0] * ea }
                            crow[i] += w * s / sigma2
                        }
                    }
                }
            }
        } } }
        if failed { throw GSLError(.domain, operation: "Fisher scoring", reason: "I + ΛᵀAΛ is not positive definite") }
        var total = [Double](repeating: 0, count: stride)
        for chunk in 0..<chunks { for i in 0..<stride { total[i] += partial[chunk * stride + i] } }
        // ½ tr(X S_p X S_q) = ½ K_pq m_p m_q with m = √2 off the diagonal and 1/√2 on it
        // (tr(XS_pXS_q) is 2K between two off-diagonal pairs, K between a diagonal and an
        // off-diagonal one, K/2 between two diagonal ones).
        let mscale = pairs.map { $0.0 == $0.1 ? 0.5.squareRoot() : 2.0.squareRoot() }
        // (Σ wX/σ²)⁻¹ c_q for the profiling of μ.
        let mu = try Cholesky(symmetrized(try Matrix(rows: d, columns: d, elements: e.weightedProjection.map { $0 / sigma2 })))
        let cMatrix = try Matrix(rows: p, columns: d, elements: Array(total[(2 * p * p)...]))
        var ct = Matrix(rows: d, columns: p)
        for i in 0..<p { for j in 0..<d { ct[j, i] = cMatrix[i, j] } }
        let solved = try mu.solve(ct)                       // d×p
        let schur = try cMatrix.multiplied(by: solved)      // p×p
        // Where σ² is profiled (not held at a floor) it moves with Σ̃: its Schur complement
        // adds 2 h_p h_q / N, h_p = ⟨CᵀEC, S_p⟩/(2σ²) the data part of the score
        // (∂²ℓ/∂(σ²)² = −N/(2σ⁴) and ∂²ℓ/∂σ²∂T_p = −h_p/σ² at σ̂²; μ̂'s block is
        // uncoupled from σ²'s there).
        let cm0 = try Matrix(rows: d, columns: k, elements: cBasis)
        let outer = try Matrix(rows: d, columns: d, elements: e.residualOuter)
        let ec0 = try cm0.multiplied(by: try outer.multiplied(by: cm0), transposeLeft: true)
        let profiledNoise = !atNoiseFloor(likelihood, e)
        let hData = pairs.map { a0, b0 in (a0 == b0 ? ec0[a0, a0] : ec0[a0, b0] + ec0[b0, a0]) / (2 * sigma2) }
        let n = statistics.weightedObservations
        var information = [Double](repeating: 0, count: p * p), hessian = information
        for pi in 0..<p {
            for qi in pi..<p {
                let info = 0.5 * total[pi * p + qi] * mscale[pi] * mscale[qi]
                var h = info - total[p * p + pi * p + qi] + 0.5 * (schur[pi, qi] + schur[qi, pi])
                if profiledNoise { h += 2 * hData[pi] * hData[qi] / n }
                information[pi * p + qi] = info; information[qi * p + pi] = info
                hessian[pi * p + qi] = h; hessian[qi * p + pi] = h
            }
        }
        // Score: ⟨CᵀGC, S_p⟩.
        let g = try Matrix(rows: d, columns: d, elements: e.sigmaGradient)
        let cm = try Matrix(rows: d, columns: k, elements: cBasis)
        let gc = try cm.multiplied(by: try g.multiplied(by: cm), transposeLeft: true)
        let score = pairs.map { a0, b0 in a0 == b0 ? gc[a0, a0] : gc[a0, b0] + gc[b0, a0] }
        return (information, hessian, score)
    }
}

extension PriorFit {
    /// Whether σ² is held at its floor at `e` (σ² then does not move with Σ̃).
    static func atNoiseFloor(_ likelihood: ProfiledLikelihood, _ e: ProfiledLikelihood.Evaluation) -> Bool {
        guard let bound = likelihood.noiseFloor else { return false }
        return e.noiseVariance <= bound
    }
}
