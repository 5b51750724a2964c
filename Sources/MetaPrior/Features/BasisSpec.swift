// SPDX-License-Identifier: GPL-3.0-or-later

/// A feature basis as the user writes it: `linear`, `poly:P`, `rbf:K[:width]`, `fourier:K`,
/// `rff:K:lengthscale[:seed]`. It names a *family*; ``FeatureMap`` is the basis made concrete
/// (centres, frequencies) from the meta-train inputs.
public enum BasisSpec: Sendable, Equatable, CustomStringConvertible {
    /// Intercept and the raw input columns — the design of R's `y ~ x1 + x2`.
    case linear
    /// Intercept and the powers 1…P of each input (no interactions).
    case polynomial(degree: Int)
    /// Intercept and K Gaussian bumps exp(−‖x − c_k‖² / (2 w²)); centres spread over the
    /// meta-train input range; width w defaults to the spacing of the centres.
    case radial(centres: Int, width: Double?)
    /// Intercept and sin, cos of 2πk·x/L for k = 1…K on each input; L is the meta-train range.
    case fourier(harmonics: Int)
    /// Intercept and K random Fourier features √(2/K)·cos(ωᵀx + b), ω ~ N(0, I/ℓ²),
    /// b ~ U[0, 2π] (Rahimi & Recht 2007), drawn from `seed`.
    case randomFourier(features: Int, lengthscale: Double, seed: UInt64)

    /// Parses a basis spec.
    /// - Throws: ``InputError`` naming the spec and what is expected.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func fail(_ why: String) -> InputError {
            InputError(column: "--basis", "\(InputError.quoted(text)): \(why); expected linear, poly:P, rbf:K[:width], fourier:K or rff:K:lengthscale[:seed]")
        }
        func count(_ index: Int, _ name: String, max: Int = 10_000) throws -> Int {
            guard index < parts.count, let value = Int(parts[index]), value >= 1, value <= max else {
                throw fail("\(name) must be a whole number from 1 to \(max)")
            }
            return value
        }
        func positive(_ index: Int, _ name: String) throws -> Double {
            guard index < parts.count, let value = Double(parts[index]), value.isFinite, value > 0 else {
                throw fail("\(name) must be a positive number")
            }
            return value
        }
        switch parts[0] {
        case "linear":
            guard parts.count == 1 else { throw fail("linear takes no arguments") }
            self = .linear
        case "poly":
            guard parts.count == 2 else { throw fail("poly takes one argument") }
            self = .polynomial(degree: try count(1, "the degree P", max: 20))
        case "rbf":
            guard parts.count == 2 || parts.count == 3 else { throw fail("rbf takes one or two arguments") }
            self = .radial(centres: try count(1, "the number of centres K"),
                           width: parts.count == 3 ? try positive(2, "the width") : nil)
        case "fourier":
            guard parts.count == 2 else { throw fail("fourier takes one argument") }
            self = .fourier(harmonics: try count(1, "the number of harmonics K", max: 1000))
        case "rff":
            guard parts.count == 3 || parts.count == 4 else { throw fail("rff takes two or three arguments") }
            var seed: UInt64 = 0
            if parts.count == 4 {
                guard let s = UInt64(parts[3]) else { throw fail("the seed must be a non-negative whole number") }
                seed = s
            }
            self = .randomFourier(features: try count(1, "the number of features K"),
                                  lengthscale: try positive(2, "the lengthscale"), seed: seed)
        default:
            throw fail("unknown basis \(InputError.quoted(parts[0]))")
        }
    }

    /// The spec in the form ``init(parsing:)`` reads.
    public var description: String {
        switch self {
        case .linear: return "linear"
        case .polynomial(let p): return "poly:\(p)"
        case .radial(let k, let w): return w.map { "rbf:\(k):\($0)" } ?? "rbf:\(k)"
        case .fourier(let k): return "fourier:\(k)"
        case .randomFourier(let k, let l, let s): return "rff:\(k):\(l):\(s)"
        }
    }
}
