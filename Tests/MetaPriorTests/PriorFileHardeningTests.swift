// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// A hand-edited or corrupted prior file is an input like any other: every edit below once
/// trapped, crashed, corrupted the heap, hung or was silently misread; now each is one
/// `InputError` naming the file and the key.
@Suite("Prior file hardening")
struct PriorFileHardeningTests {
    /// One edit of a valid prior file's JSON, and the key the error must name.
    struct Edit: CustomStringConvertible, Sendable {
        var name: String
        /// The basis spec of the valid prior the edit starts from.
        var spec: String
        /// The key the error names, as in `column 'basis.centres'`.
        var key: String
        var apply: @Sendable (inout [String: Any]) -> Void
        var description: String { name }
    }

    /// Sets `basis.<key>` (nil removes it).
    static func basis(_ key: String, _ value: Any?) -> @Sendable (inout [String: Any]) -> Void {
        nonisolated(unsafe) let value = value
        return { json in
            var basis = json["basis"] as! [String: Any]
            basis[key] = value
            json["basis"] = basis
        }
    }

    static func top(_ key: String, _ value: Any) -> @Sendable (inout [String: Any]) -> Void {
        nonisolated(unsafe) let value = value
        return { json in json[key] = value }
    }

    static let edits: [Edit] = [
        Edit(name: "poly degree 0", spec: "poly:2", key: "basis.degree", apply: basis("degree", 0)),
        Edit(name: "poly negative degree", spec: "poly:2", key: "basis.degree", apply: basis("degree", -3)),
        Edit(name: "poly:0 spec", spec: "poly:2", key: "basis.spec", apply: { json in
            basis("spec", "poly:0")(&json); basis("degree", 0)(&json)
        }),
        Edit(name: "fourier 0 harmonics", spec: "fourier:2", key: "basis.harmonics", apply: basis("harmonics", 0)),
        Edit(name: "fourier without origins", spec: "fourier:2", key: "basis.origins", apply: basis("origins", nil)),
        Edit(name: "fourier empty origins", spec: "fourier:2", key: "basis.origins", apply: basis("origins", [Double]())),
        Edit(name: "fourier zero period", spec: "fourier:2", key: "basis.periods", apply: basis("periods", [0.0])),
        Edit(name: "fourier negative period", spec: "fourier:2", key: "basis.periods", apply: basis("periods", [-9.0])),
        Edit(name: "rbf empty centre", spec: "rbf:3", key: "basis.centres", apply: basis("centres", [[Double](), [1.0], [2.0]])),
        Edit(name: "rbf more centres than features", spec: "rbf:3", key: "basis.centres",
             apply: basis("centres", [[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])),
        Edit(name: "rbf fewer centres than features", spec: "rbf:3", key: "basis.centres", apply: basis("centres", [[0.0]])),
        Edit(name: "rbf without centres", spec: "rbf:3", key: "basis.centres", apply: basis("centres", nil)),
        Edit(name: "rbf huge centre", spec: "rbf:3", key: "basis.centres", apply: basis("centres", [[0.0], [1e308], [2.0]])),
        Edit(name: "rbf zero width", spec: "rbf:3", key: "basis.width", apply: basis("width", 0.0)),
        Edit(name: "rbf negative width", spec: "rbf:3", key: "basis.width", apply: basis("width", -1.0)),
        Edit(name: "rff short frequencies", spec: "rff:3:1.5:7", key: "basis.frequencies", apply: basis("frequencies", [[0.5]])),
        Edit(name: "rff short phases", spec: "rff:3:1.5:7", key: "basis.phases", apply: basis("phases", [0.5])),
        Edit(name: "rff other seed", spec: "rff:3:1.5:7", key: "basis.seed", apply: basis("seed", 8)),
        Edit(name: "rff other lengthscale", spec: "rff:3:1.5:7", key: "basis.width", apply: basis("width", 2.5)),
        Edit(name: "linear with fewer features than inputs", spec: "linear", key: "basis.features",
             apply: basis("inputs", ["Days", "Extra", "More"])),
        Edit(name: "unknown spec", spec: "linear", key: "basis.spec", apply: basis("spec", "foo:3")),
        Edit(name: "spec auto", spec: "linear", key: "basis.spec", apply: basis("spec", "auto")),
        Edit(name: "rbf short centring", spec: "rbf:3", key: "basis.centring", apply: basis("centring", [0.1])),
        Edit(name: "rbf long centring", spec: "rbf:3", key: "basis.centring", apply: basis("centring", [0.1, 0.2, 0.3, 0.4])),
        Edit(name: "rbf huge centring", spec: "rbf:3", key: "basis.centring", apply: basis("centring", [0.1, 1e300, 0.3])),
        Edit(name: "linear with centring", spec: "linear", key: "basis.centring", apply: basis("centring", [0.0])),
        Edit(name: "fourier with centring", spec: "fourier:2", key: "basis.centring", apply: basis("centring", [0.0, 0.0, 0.0, 0.0])),
        Edit(name: "rbf auto negative width", spec: "rbf:3", key: "basis.width", apply: { json in
            basis("spec", "rbf:3:auto")(&json); basis("width", -1.0)(&json)
        }),
        Edit(name: "rbf auto huge width", spec: "rbf:3", key: "basis.width", apply: { json in
            basis("spec", "rbf:3:auto")(&json); basis("width", 1e301)(&json)
        }),
        Edit(name: "rbf auto without width", spec: "rbf:3", key: "basis.width", apply: { json in
            basis("spec", "rbf:3:auto")(&json); basis("width", nil)(&json)
        }),
        Edit(name: "fourier period other than the spec's", spec: "fourier:2", key: "basis.periods", apply: basis("spec", "fourier:2:3.5")),
        Edit(name: "fourier auto zero period", spec: "fourier:2", key: "basis.periods", apply: { json in
            basis("spec", "fourier:2:auto")(&json); basis("periods", [0.0])(&json)
        }),
        Edit(name: "rff auto other seed", spec: "rff:3:1.5:7", key: "basis.seed", apply: { json in
            basis("spec", "rff:3:auto:7")(&json); basis("seed", 8)(&json)
        }),
        Edit(name: "linear with rbf fields", spec: "linear", key: "basis.centres", apply: basis("centres", [[1.0]])),
        Edit(name: "rbf spec on a linear map", spec: "linear", key: "basis.centres", apply: basis("spec", "rbf:1")),
        Edit(name: "noise variance subnormal", spec: "linear", key: "noise_variance", apply: top("noise_variance", Double.leastNonzeroMagnitude)),
        Edit(name: "noise variance huge", spec: "linear", key: "noise_variance", apply: top("noise_variance", 1e301)),
        Edit(name: "covariance entry 1e308", spec: "linear", key: "covariance", apply: top("covariance", [[1e308, 0.0], [0.0, 35.0]])),
        Edit(name: "mean entry 1e200", spec: "linear", key: "mean", apply: top("mean", [1e200, 10.0])),
    ]

    /// Valid prior files of sleepstudy, one per basis, fitted once. Bytes, not `Data`: a `Data`
    /// kept until exit looks leaked to LeakSanitizer (its enum packs a tag into the storage
    /// pointer's spare bits), and this one is static.
    static let priors: [String: [UInt8]] = {
        var out: [String: [UInt8]] = [:]
        let data = try! SleepStudyFitTests.sleepStudy()
        for spec in ["linear", "poly:2", "rbf:3", "fourier:2", "rff:3:1.5:7"] {
            out[spec] = try! PriorTraining.fit(data, basis: try! BasisSpec(parsing: spec), options: PriorFitOptions(),
                                               dataFile: "sleepstudy.csv").file.encoded().map { $0 }
        }
        return out
    }()

    static func edited(_ edit: Edit) throws -> Data {
        let valid = try #require(priors[edit.spec])
        var json = try #require(try JSONSerialization.jsonObject(with: Data(valid)) as? [String: Any])
        edit.apply(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test(arguments: ["linear", "poly:2", "rbf:3", "fourier:2", "rff:3:1.5:7"])
    func validPriorsStillReadExactly(spec: String) throws {
        let bytes = Data(try #require(Self.priors[spec]))
        let file = try PriorFile.decode(bytes, file: "prior.json")
        #expect(try file.encoded() == bytes)
    }

    @Test(arguments: edits)
    func badEditIsOneLineNamingFileAndKey(_ edit: Edit) throws {
        let start = ContinuousClock.now
        let error = try #require(throws: InputError.self) { try PriorFile.decode(try Self.edited(edit), file: "prior.json") }
        #expect(error.description.hasPrefix("prior.json: column '\(edit.key)': "), "\(error)")
        #expect(!error.description.contains("\n"))
        #expect([.invalidValue, .inconsistent].contains(error.kind), "\(error.kind)")
        // The former hangs (5e-324, 1e308) must be refused at once.
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    /// Maps built in code are validated by the same rules, so fits keep writing readable files.
    @Test(arguments: ["linear", "poly:20", "rbf:7", "rbf:4:0.5", "fourier:3", "rff:16:2:42", "rbf:5:auto", "fourier:2:auto", "rff:4:auto:3"])
    func builtMapsPassValidation(spec: String) throws {
        let training = [try Matrix(rows: 5, columns: 2, elements: [0, 1, 2, 3, -1, 4, 5, -2, 3, 3])]
        let map = try FeatureMap(spec: try BasisSpec(parsing: spec), inputNames: ["a", "b"], trainingInputs: training)
        try map.validate()
        // Every validated map fills exactly `dimension` features, all finite, for finite inputs.
        let design = try map.design(training[0])
        #expect(design.columns == map.dimension && design.isFinite)
    }

    /// Finite inputs that overflow a feature are named, not passed on as NaN to a factorisation.
    @Test func overflowingFeaturesNameTheInputs() throws {
        let training = [try Matrix(rows: 2, columns: 1, elements: [0, 1])]
        let map = try FeatureMap(spec: .polynomial(degree: 20), inputNames: ["x"], trainingInputs: training)
        let error = try #require(throws: InputError.self) { try map.design(try Matrix(rows: 1, columns: 1, elements: [1e20])) }
        #expect(error.description.contains("column 'x': row 1: feature 'x^16'"), "\(error)")
    }
}

/// Numbers a prior may hold at the edges of its range adapt at once, to a result or to a clear
/// error: the smallest normal σ² makes S = σ²YᵀY subnormal, which the eigen solver once looped on.
@Suite("Prior edge values")
struct PriorEdgeValueTests {
    static let sigma = try! Matrix([[565.5153668030653, 11.055429022603754], [11.055429022603754, 32.68219718640685]])
    static let design = try! Matrix(rows: 4, columns: 2, elements: [1, 0, 1, 1, 1, 2, 1, 3])

    @Test(arguments: [Double.leastNormalMagnitude, 1e-300, 1e-150, 1e150, 1e300])
    func extremeNoiseVarianceFinishes(noise: Double) throws {
        let prior = try GaussianPrior(mean: [250, 10], covariance: Self.sigma, noiseVariance: noise)
        let start = ContinuousClock.now
        do {
            let posterior = try prior.posterior(design: Self.design, targets: [250, 262, 270, 281])
            #expect(posterior.mean.allSatisfy { $0.isFinite })
        } catch let error as InputError {
            #expect(error.kind == .invalidValue)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func overflowingDataNameTheCause() throws {
        let prior = try GaussianPrior(mean: [250, 10], covariance: Self.sigma, noiseVariance: 650)
        let huge = try Matrix(rows: 2, columns: 2, elements: [1, 1e300, 1, 2])
        let error = try #require(throws: InputError.self) { try prior.posterior(design: huge, targets: [1, 2]) }
        #expect(error.message.contains("ΦᵀΦ or Φᵀy overflows"))
    }
}
