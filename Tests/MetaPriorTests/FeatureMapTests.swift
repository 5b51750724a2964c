// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

@Suite("Feature bases")
struct FeatureMapTests {
    static let inputs = [try! Matrix(rows: 4, columns: 1, elements: [-5, -1, 2, 5])]

    @Test(arguments: [
        ("linear", 2, ["(Intercept)", "x"]),
        ("poly:3", 4, ["(Intercept)", "x", "x^2", "x^3"]),
        ("rbf:5", 6, ["(Intercept)", "rbf.1", "rbf.2", "rbf.3", "rbf.4", "rbf.5"]),
        ("fourier:2", 5, ["(Intercept)", "sin1.x", "cos1.x", "sin2.x", "cos2.x"]),
        ("fourier:2:3.5", 5, ["(Intercept)", "sin1.x", "cos1.x", "sin2.x", "cos2.x"]),
        ("rff:3:1.5:7", 4, ["(Intercept)", "rff.1", "rff.2", "rff.3"]),
    ])
    func namesAndDimension(spec: String, dimension: Int, names: [String]) throws {
        let map = try FeatureMap(spec: try BasisSpec(parsing: spec), inputNames: ["x"], trainingInputs: Self.inputs)
        #expect(map.dimension == dimension)
        #expect(map.featureNames == names)
        #expect(map.spec == spec || spec == "rff:3:1.5:7")
    }

    @Test func valuesOfEachBasis() throws {
        let x = try Matrix(rows: 1, columns: 1, elements: [2])
        let poly = try FeatureMap(spec: .polynomial(degree: 3), inputNames: ["x"], trainingInputs: Self.inputs)
        #expect(try poly.design(x).elements == [1, 2, 4, 8])
        // rbf:5 over [−5, 5]: centres −5, −2.5, 0, 2.5, 5, width = spacing 2.5.
        let rbf = try FeatureMap(spec: .radial(centres: 5, width: nil), inputNames: ["x"], trainingInputs: Self.inputs)
        #expect(rbf.centres == [[-5], [-2.5], [0], [2.5], [5]])
        #expect(rbf.width == 2.5)
        let row = try rbf.withCentring(nil).design(x).elements   // the bumps before centring
        #expect(abs(row[4] - exp(-0.25 / (2 * 6.25))) < 1e-15)   // centre 2.5
        #expect(abs(row[3] - exp(-4 / (2 * 6.25))) < 1e-15)      // centre 0
        // fourier:1 over [−5, 5]: sin(2π(x + 5)/10), cos(…)
        let fourier = try FeatureMap(spec: .fourier(harmonics: 1, period: nil), inputNames: ["x"], trainingInputs: Self.inputs)
        let f = try fourier.design(x).elements
        #expect(abs(f[1] - sin(2 * Double.pi * 0.7)) < 1e-15 && abs(f[2] - cos(2 * Double.pi * 0.7)) < 1e-15)
        // fourier:2:4, an explicit period 4 from the same origin −5: harmonic 2 is sin(2π·2·7/4).
        let period4 = try FeatureMap(spec: try BasisSpec(parsing: "fourier:2:4"), inputNames: ["x"], trainingInputs: Self.inputs)
        #expect(period4.periods == [4])
        let g = try period4.design(x).elements
        #expect(abs(g[3] - sin(2 * Double.pi * 2 * 7 / 4)) < 1e-14 && abs(g[4] - cos(2 * Double.pi * 2 * 7 / 4)) < 1e-14)
    }

    /// The JSON of a map rebuilds exactly the same features (what a prior file relies on).
    @Test(arguments: ["linear", "poly:4", "rbf:7:0.8", "fourier:3", "fourier:3:2.5", "rff:16:2:42"])
    func jsonRoundTripGivesTheSameFeatures(spec: String) throws {
        let training = [try Matrix(rows: 5, columns: 2, elements: [0, 1, 2, 3, -1, 4, 5, -2, 3, 3])]
        let map = try FeatureMap(spec: try BasisSpec(parsing: spec), inputNames: ["a", "b"], trainingInputs: training)
        let decoded = try JSONDecoder().decode(FeatureMap.self, from: try JSONEncoder().encode(map))
        #expect(decoded == map)
        #expect(try decoded.design(training[0]) == map.design(training[0]))
    }

    @Test(arguments: ["", "spline:3", "poly", "poly:0", "rbf:2:-1", "rff:10", "rff:10:0", "linear:2", "fourier:x", "fourier:2:0", "fourier:2:nan", "fourier:2:1:1"])
    func badSpecsAreRejected(spec: String) {
        #expect(throws: InputError.self) { try BasisSpec(parsing: spec) }
    }
}
