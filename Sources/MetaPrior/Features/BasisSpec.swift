// SPDX-License-Identifier: GPL-3.0-or-later

/// A feature basis as the user writes it: `linear`, `poly:P`, `rbf:K[:width]`, `fourier:K[:period]`,
/// `rff:K:lengthscale[:seed]`, their evidence-tuned forms `rbf:K:auto`, `fourier:K:auto`,
/// `rff:K:auto[:seed]`, or `auto` (a candidate set compared by evidence). It names a *family*;
/// ``FeatureMap`` is the basis made concrete (centres, frequencies) from the meta-train inputs.
public enum BasisSpec: Sendable, Equatable, CustomStringConvertible {
    /// Intercept and the raw input columns — the design of R's `y ~ x1 + x2`.
    case linear
    /// Intercept and the powers 1…P of each input (no interactions).
    case polynomial(degree: Int)
    /// Intercept and K Gaussian bumps exp(−‖x − c_k‖² / (2 w²)), centred (see
    /// ``FeatureMap/centring``); centres spread over the meta-train input range; width w
    /// defaults to the spacing of the centres.
    case radial(centres: Int, width: Double?)
    /// Intercept and sin, cos of 2πk·(x − origin)/L for k = 1…K on each input; the origin is
    /// the smallest meta-train value, the period L the meta-train range unless given (in the
    /// inputs' units, the same for every input), so the harmonics cover the frequencies 2πk/L.
    case fourier(harmonics: Int, period: Double?)
    /// Intercept and K random Fourier features √(2/K)·cos(ωᵀx + b), ω ~ N(0, I/ℓ²),
    /// b ~ U[0, 2π] (Rahimi & Recht 2007), drawn from `seed`, centred like the RBF features.
    case randomFourier(features: Int, lengthscale: Double, seed: UInt64)
    /// A basis whose continuous hyperparameter (RBF width, Fourier period, RFF lengthscale) is
    /// chosen by maximising the profiled marginal likelihood (`rbf:K:auto`, `fourier:K:auto`,
    /// `rff:K:auto[:seed]`).
    case learned(LearnableBasis)
    /// `auto`: the candidates of ``BasisSpec/automaticCandidates`` compared by their maximised
    /// log marginal likelihood; the best one is used.
    case automatic
    /// `pca:k`, for the class families only (`class_gaussian`, `softmax`): the k leading
    /// principal components of the meta-train inputs (``PCAFeatures``), no intercept.
    case pca(components: Int)

    /// Parses a basis spec.
    /// - Throws: ``InputError`` naming the spec and what is expected.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func fail(_ why: String) -> InputError {
            InputError(column: "--basis", "\(InputError.quoted(text)): \(why); expected auto, linear, poly:P, rbf:K[:width|:auto], fourier:K[:period|:auto] or rff:K:lengthscale|auto[:seed] (pca:k for class_gaussian and softmax)")
        }
        func count(_ index: Int, _ name: String, max: Int = 10_000) throws -> Int {
            guard index < parts.count, let value = Int(parts[index]), value >= 1, value <= max else {
                throw fail("\(name) must be a whole number from 1 to \(max)")
            }
            return value
        }
        func positive(_ index: Int, _ name: String) throws -> Double {
            guard index < parts.count, let value = Double(parts[index]), value.isFinite, value > 0 else {
                throw fail("\(name) must be a positive number or auto")
            }
            return value
        }
        let auto = parts.count >= 3 && parts[2] == "auto"
        switch parts[0] {
        case "auto":
            guard parts.count == 1 else { throw fail("auto takes no arguments") }
            self = .automatic
        case "linear":
            guard parts.count == 1 else { throw fail("linear takes no arguments") }
            self = .linear
        case "poly":
            guard parts.count == 2 else { throw fail("poly takes one argument") }
            self = .polynomial(degree: try count(1, "the degree P", max: 20))
        case "rbf":
            guard parts.count == 2 || parts.count == 3 else { throw fail("rbf takes one or two arguments") }
            let k = try count(1, "the number of centres K")
            self = auto ? .learned(.radial(centres: k))
                : .radial(centres: k, width: parts.count == 3 ? try positive(2, "the width") : nil)
        case "fourier":
            guard parts.count == 2 || parts.count == 3 else { throw fail("fourier takes one or two arguments") }
            let k = try count(1, "the number of harmonics K", max: 1000)
            self = auto ? .learned(.fourier(harmonics: k))
                : .fourier(harmonics: k, period: parts.count == 3 ? try positive(2, "the period") : nil)
        case "rff":
            guard parts.count == 3 || parts.count == 4 else { throw fail("rff takes two or three arguments") }
            var seed: UInt64 = 0
            if parts.count == 4 {
                guard let s = UInt64(parts[3]) else { throw fail("the seed must be a non-negative whole number") }
                seed = s
            }
            let k = try count(1, "the number of features K")
            self = auto ? .learned(.randomFourier(features: k, seed: seed))
                : .randomFourier(features: k, lengthscale: try positive(2, "the lengthscale"), seed: seed)
        case "pca":
            guard parts.count == 2 else { throw fail("pca takes one argument") }
            self = .pca(components: try count(1, "the number of components k"))
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
        case .fourier(let k, let period): return period.map { "fourier:\(k):\($0)" } ?? "fourier:\(k)"
        case .randomFourier(let k, let l, let s): return "rff:\(k):\(l):\(s)"
        case .learned(let basis): return basis.description
        case .automatic: return "auto"
        case .pca(let k): return "pca:\(k)"
        }
    }

    /// The candidates `--basis auto` compares, simplest first (a tie keeps the simpler one):
    /// linear, poly:3, rbf:10:auto, rbf:20:auto, fourier:8:auto, fourier:16:auto. Each costs one
    /// tuned fit; bases with more than ~33 features are left out so that the comparison stays
    /// affordable and no candidate can interpolate 40-point tasks.
    public static let automaticCandidates: [BasisSpec] = [
        .linear, .polynomial(degree: 3), .learned(.radial(centres: 10)), .learned(.radial(centres: 20)),
        .learned(.fourier(harmonics: 8)), .learned(.fourier(harmonics: 16)),
    ]
}

/// A basis with one continuous hyperparameter that ``BasisSpec/learned(_:)`` tunes by evidence.
public enum LearnableBasis: Sendable, Equatable, CustomStringConvertible {
    /// `rbf:K:auto`: the width w.
    case radial(centres: Int)
    /// `fourier:K:auto`: the base period L (the same factor times every input's range), so the
    /// K harmonics cover the frequencies 2πk/L, k = 1…K.
    case fourier(harmonics: Int)
    /// `rff:K:auto[:seed]`: the lengthscale ℓ (ω = z/ℓ for fixed standard-normal draws z).
    case randomFourier(features: Int, seed: UInt64)

    /// The spec in the form ``BasisSpec/init(parsing:)`` reads (`rbf:20:auto`).
    public var description: String {
        switch self {
        case .radial(let k): return "rbf:\(k):auto"
        case .fourier(let k): return "fourier:\(k):auto"
        case .randomFourier(let k, let s): return "rff:\(k):auto:\(s)"
        }
    }
}
