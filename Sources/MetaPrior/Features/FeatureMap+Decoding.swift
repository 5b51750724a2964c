// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension FeatureMap {
    /// Most features a map may have: an intercept and the 10,000 features ``BasisSpec`` allows.
    /// Σ is d×d, so a larger d could not be fitted in memory and only comes from a corrupt file.
    static let maximumDimension = 10_001

    /// Largest magnitude of a stored centre, origin, period, width, frequency or phase: its
    /// square (a distance, ω x) stays finite, so a feature of finite data is never NaN by
    /// overflow (1e150² = 1e300 < 1.8e308).
    static let maximumMagnitude = 1e150

    /// Reads a map from a prior file's `basis` object and validates all of it (see
    /// ``validate()``), because ``features(of:into:)`` indexes its arrays by the counts the spec
    /// implies: a hand-edited file must never reach it with fewer.
    /// - Throws: ``InputError`` naming the key, e.g. `basis.centres`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        spec = try container.decode(String.self, forKey: .spec)
        inputNames = try container.decode([String].self, forKey: .inputNames)
        featureNames = try container.decode([String].self, forKey: .featureNames)
        degree = try container.decodeIfPresent(Int.self, forKey: .degree)
        centres = try container.decodeIfPresent([[Double]].self, forKey: .centres)
        width = try container.decodeIfPresent(Double.self, forKey: .width)
        origins = try container.decodeIfPresent([Double].self, forKey: .origins)
        periods = try container.decodeIfPresent([Double].self, forKey: .periods)
        harmonics = try container.decodeIfPresent(Int.self, forKey: .harmonics)
        frequencies = try container.decodeIfPresent([[Double]].self, forKey: .frequencies)
        phases = try container.decodeIfPresent([Double].self, forKey: .phases)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
        centring = try container.decodeIfPresent([Double].self, forKey: .centring)
        try validate()
    }

    /// Checks that the stored fields are exactly what ``spec`` needs: the spec parses; each
    /// field the spec uses is present with the right count and dimension and holds finite
    /// values of sane size (positive widths and periods); no field of another basis is present
    /// (``features(of:into:)`` picks the basis by which fields exist); and the feature names
    /// count the features the basis produces.
    /// - Throws: ``InputError`` of kind ``InputError/Kind/invalidValue`` or
    ///   ``InputError/Kind/inconsistent`` naming the `basis.…` key at fault.
    public func validate() throws {
        func invalid(_ key: String, _ why: String) -> InputError {
            InputError(column: "basis.\(key)", kind: .invalidValue, why)
        }
        func inconsistent(_ key: String, _ why: String) -> InputError {
            InputError(column: "basis.\(key)", kind: .inconsistent, why)
        }
        let parsed: BasisSpec
        do {
            parsed = try BasisSpec(parsing: spec)
        } catch let error as InputError {
            throw invalid("spec", error.message)
        }
        let p = inputNames.count
        guard Set(inputNames).count == p, !inputNames.contains("") else {
            throw invalid("inputs", "input names must be distinct and not empty")
        }
        // Which optional fields the spec uses; any other one present is an inconsistency.
        var used: Set<CodingKeys> = []
        func requireInputs() throws {
            guard p > 0 else { throw inconsistent("inputs", "'\(spec)' needs at least one input column, the list is empty") }
        }
        func values(_ key: CodingKeys, _ array: [Double]?, count: Int, positive: Bool = false) throws -> [Double] {
            used.insert(key)
            guard let array else { throw inconsistent(key.rawValue, "missing; '\(spec)' with \(p) inputs needs a list of \(count)") }
            guard array.count == count else {
                throw inconsistent(key.rawValue, "has \(array.count) values, '\(spec)' with \(p) inputs needs \(count)")
            }
            for value in array {
                try Self.check(value, key: key.rawValue, positive: positive)
            }
            return array
        }
        func rows(_ key: CodingKeys, _ array: [[Double]]?, count: Int) throws {
            used.insert(key)
            guard let array else { throw inconsistent(key.rawValue, "missing; '\(spec)' needs \(count) rows") }
            guard array.count == count else { throw inconsistent(key.rawValue, "has \(array.count) rows, '\(spec)' needs \(count)") }
            for (index, row) in array.enumerated() {
                guard row.count == p else {
                    throw inconsistent(key.rawValue, "row \(index + 1) has \(row.count) values, expected one per input (\(p))")
                }
                for value in row { try Self.check(value, key: key.rawValue) }
            }
        }
        func checkWidth(_ expected: Double?) throws {
            used.insert(.width)
            guard let width = self.width else { throw inconsistent("width", "missing; '\(spec)' needs a width") }
            try Self.check(width, key: "width", positive: true)
            if let expected, width != expected {
                throw inconsistent("width", "is \(width) but the spec '\(spec)' says \(expected)")
            }
        }
        let d: Int
        switch parsed {
        case .automatic:
            throw invalid("spec", "'auto' names a set of candidates; a prior file records the basis that was chosen")
        case .pca:
            throw invalid("spec", "'\(spec)' is recorded under the key features of a class_gaussian or softmax prior, not as a regression basis")
        case .learned(.radial(let count)):
            try requireInputs()
            try rows(.centres, centres, count: count)
            try checkWidth(nil)
            d = 1 + count
        case .learned(.fourier(let count)):
            try requireInputs()
            used.insert(.harmonics)
            guard harmonics == count else {
                throw inconsistent("harmonics", "is \(harmonics.map(String.init) ?? "missing") but the spec '\(spec)' says \(count)")
            }
            _ = try values(.origins, origins, count: p)
            _ = try values(.periods, periods, count: p, positive: true)
            d = 1 + 2 * count * p
        case .learned(.randomFourier(let count, let seed)):
            try requireInputs()
            try rows(.frequencies, frequencies, count: count)
            _ = try values(.phases, phases, count: count)
            try checkWidth(nil)
            used.insert(.seed)
            guard self.seed == seed else {
                throw inconsistent("seed", "is \(self.seed.map(String.init) ?? "missing") but the spec '\(spec)' says \(seed)")
            }
            d = 1 + count
        case .linear:
            d = 1 + p
        case .polynomial(let degree):
            used.insert(.degree)
            guard self.degree == degree else {
                throw inconsistent("degree", "is \(self.degree.map(String.init) ?? "missing") but the spec '\(spec)' says \(degree)")
            }
            d = 1 + degree * p
        case .radial(let count, let w):
            try requireInputs()
            try rows(.centres, centres, count: count)
            try checkWidth(w)
            d = 1 + count
        case .fourier(let count, let period):
            try requireInputs()
            used.insert(.harmonics)
            guard harmonics == count else {
                throw inconsistent("harmonics", "is \(harmonics.map(String.init) ?? "missing") but the spec '\(spec)' says \(count)")
            }
            _ = try values(.origins, origins, count: p)
            let stored = try values(.periods, periods, count: p, positive: true)
            if let period, let other = stored.first(where: { $0 != period }) {
                throw inconsistent("periods", "has \(other) but the spec '\(spec)' says \(period)")
            }
            d = 1 + 2 * count * p
        case .randomFourier(let count, let lengthscale, let seed):
            try requireInputs()
            try rows(.frequencies, frequencies, count: count)
            _ = try values(.phases, phases, count: count)
            try checkWidth(lengthscale)
            used.insert(.seed)
            guard self.seed == seed else {
                throw inconsistent("seed", "is \(self.seed.map(String.init) ?? "missing") but the spec '\(spec)' says \(seed)")
            }
            d = 1 + count
        }
        let present: [(CodingKeys, Bool)] = [(.degree, degree != nil), (.centres, centres != nil), (.width, self.width != nil),
                                            (.origins, origins != nil), (.periods, periods != nil), (.harmonics, harmonics != nil),
                                            (.frequencies, frequencies != nil), (.phases, phases != nil), (.seed, self.seed != nil),
                                            (.centring, centring != nil)]
        // Centring is optional (files written before it mean "not centred") and belongs to the
        // bases that centre: rbf and rff.
        if centres != nil || frequencies != nil, centring != nil {
            _ = try values(.centring, centring, count: d - 1)
        }
        for (key, isPresent) in present where isPresent && !used.contains(key) {
            throw inconsistent(key.rawValue, "is not a field of the basis '\(spec)'; the file is inconsistent")
        }
        guard d <= Self.maximumDimension else {
            throw invalid("spec", "'\(spec)' with \(p) inputs gives \(d) features, more than the \(Self.maximumDimension) allowed")
        }
        guard featureNames.count == d else {
            throw inconsistent("features", "lists \(featureNames.count) names but '\(spec)' with \(p) inputs gives \(d) features")
        }
    }

    /// A stored number must be finite and at most ``maximumMagnitude`` in size; widths and
    /// periods must also be at least 1/``maximumMagnitude``, so that 1/w² and x/period stay
    /// finite and non-zero.
    private static func check(_ value: Double, key: String, positive: Bool = false) throws {
        guard value.isFinite, abs(value) <= maximumMagnitude else {
            throw InputError(column: "basis.\(key)", kind: .invalidValue,
                             "\(value) is not a finite number of magnitude at most \(maximumMagnitude)")
        }
        if positive && value < 1 / maximumMagnitude {
            throw InputError(column: "basis.\(key)", kind: .invalidValue, "must be at least \(1 / maximumMagnitude), got \(value)")
        }
    }
}
