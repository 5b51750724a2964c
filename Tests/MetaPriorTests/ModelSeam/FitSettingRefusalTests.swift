// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior
import GSL

/// Every built-in family refuses, through the seam, each fit setting it does not declare in
/// `honouredSettings` — before it reads anything else of the request — with an `InputError`
/// whose column is the option. A family that ignored a setting silently would fit something
/// other than what the user asked for (class_gaussian used to ignore `--weights`).
@Suite struct FitSettingRefusalTests {
    /// A request that sets `setting` and nothing else.
    static func request(setting only: FitSetting) throws -> FitRequest {
        var request = FitRequest()
        switch only {
        case .taskWeights: request.explicitSettings.insert(.taskWeights)
        case .timeLimit: request.timeLimit = 60
        case .episodicObjective: request.episodic = EpisodicFitOptions(shots: try ShotRange(2), query: 1, episodes: 4, seed: 1)
        case .ways: request.explicitSettings.insert(.ways)
        case .basis: request.basis = .polynomial(degree: 2)
        case .covarianceStructure: request.options.structure = .diagonal
        case .gradientTolerance: request.options.gradientTolerance = 1e-4
        case .maximumIterations: request.options.maximumIterations = 7
        case .reml: request.reml = true
        case .quadraturePoints: request.quadraturePoints = 5
        case .fullBayes: request.fullBayes = true
        case .hyperprior: request.hyperprior = try ConjugateHyperprior(form: .halfCauchyTau, parameters: [1])
        case .descriptors: request.explicitSettings.insert(.descriptors)
        }
        return request
    }

    @Test(arguments: FitSetting.allCases)
    func eachSettingIsReadFromTheRequest(setting: FitSetting) throws {
        // The request built for a setting asks for exactly that setting.
        #expect(try Self.request(setting: setting).requestedSettings(weighted: false) == [setting])
    }

    /// Regression tasks (linear_gaussian), one-number tasks (the conjugate hierarchies: one
    /// input column, positive), labelled classes (class_gaussian), or a formula frame.
    static func attempt(_ family: any ModelFamily.Type, _ request: FitRequest) throws {
        let tasks = (0..<4).map { t in
            TaskData(id: "t\(t)", inputs: try! Matrix(rows: 4, columns: 1, elements: [1, 2, 3, 4]),
                     targets: [Double(t % 2), 1, Double(t % 3), 0])
        }
        switch family {
        case is any FormulaModelFamily.Type:
            let csv = "task,x,y\n" + (0..<4).flatMap { t in (1...4).map { "t\(t),\($0),\(($0 + t) % 2)" } }.joined(separator: "\n")
            let frame = try FormulaFrame.parse(csv: Array(csv.utf8), formula: try ModelFormula(parsing: "y ~ x + (1 | task)"))
            _ = try (family as! any FormulaModelFamily.Type).fit(frame, request: request)
        case is ClassGaussianFamily.Type, is SoftmaxFamily.Type:
            let data = MetaDataset(inputNames: ["x"], targetName: "label", kind: .classification(classNames: ["a", "b"]), tasks: tasks)
            _ = try family.fit(data, request: request)
        default:
            _ = try family.fit(MetaDataset(inputNames: ["n"], targetName: "y", tasks: tasks), request: request)
        }
    }

    @Test(arguments: ModelRegistry.builtIn.map { ObjectIdentifier($0) })
    func unhonouredSettingsAreRefusedByOption(family id: ObjectIdentifier) throws {
        let family = try #require(ModelRegistry.builtIn.first { ObjectIdentifier($0) == id })
        let refused = FitSetting.allCases.filter { !family.honouredSettings.contains($0) }
        // Every family honours something and refuses something: a declaration of "all" or
        // "none" would be a mistake for any of today's families.
        #expect(!refused.isEmpty && refused.count < FitSetting.allCases.count, "\(family.name)")
        for setting in refused {
            do {
                try Self.attempt(family, try Self.request(setting: setting))
                Issue.record("\(family.name) accepted \(setting.option)")
            } catch let error as InputError {
                #expect(error.column == setting.option, "\(family.name), \(setting.option): \(error)")
                #expect("\(error)".contains("\(setting.rawValue) is not available for the \(family.name) model"), "\(error)")
            }
        }
    }

    @Test func theMessageSaysWhyAndWhatTheFamilyTakes() throws {
        var request = FitRequest()
        request.timeLimit = 5
        let error = try #require(throws: InputError.self) { try request.refuseSettings(unhonouredBy: BinomialMixedFamily.self, weighted: false) }
        #expect("\(error)".contains("--time-limit is not available for the binomial model: a binomial fit has no time limit yet"))
        #expect("\(error)".contains("(it takes --basis, --quadrature-points, --descriptors)"))
        // A weighted data set asks for task weights even when the request does not name them.
        let weighted = try #require(throws: InputError.self) { try FitRequest().refuseSettings(unhonouredBy: ClassGaussianFamily.self, weighted: true) }
        #expect(weighted.column == "--weights")
        // An honoured setting passes.
        request = FitRequest()
        request.options.structure = .diagonal
        try request.refuseSettings(unhonouredBy: ClassGaussianFamily.self, weighted: false)
    }
}
