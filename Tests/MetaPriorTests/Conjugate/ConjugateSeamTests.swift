// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL
import Testing
@testable import MetaPrior

/// The conjugate families through the model seam: rows aggregated per task, the prior file
/// written and read back, a new task's posterior and predictive in closed form, shrinkage.
@Suite("Conjugate hierarchies: the model seam")
struct ConjugateSeamTests {
    /// A data set with one row per task (or several), target y and one input column `scale`.
    static func dataset(_ rows: [(String, Double, Double)]) -> MetaDataset {
        var order: [String] = [], byTask: [String: [(Double, Double)]] = [:]
        for (task, y, s) in rows {
            if byTask[task] == nil { order.append(task) }
            byTask[task, default: []].append((y, s))
        }
        let tasks = order.map { id -> TaskData in
            let rows = byTask[id]!
            var inputs = Matrix(rows: rows.count, columns: 1)
            for (k, row) in rows.enumerated() { inputs[k, 0] = row.1 }
            return TaskData(id: id, inputs: inputs, targets: rows.map(\.0))
        }
        return MetaDataset(inputNames: ["scale"], targetName: "y", taskColumn: "task", tasks: tasks)
    }

    /// Binomial rows of one hospital add up: 3/10 and 2/10 are the task 5/20, so the fit equals
    /// the fit of the aggregated file exactly; and normal rows combine by inverse variance.
    @Test func rowsAggregateToTheSufficientStatistics() throws {
        let split = Self.dataset([("a", 3, 10), ("a", 2, 10), ("b", 9, 30), ("c", 1, 18), ("d", 12, 40)])
        let whole = Self.dataset([("a", 5, 20), ("b", 9, 30), ("c", 1, 18), ("d", 12, 40)])
        let one = try BetaBinomialFamily.fit(split, request: FitRequest()), two = try BetaBinomialFamily.fit(whole, request: FitRequest())
        #expect(one.prior.isEqual(to: two.prior))
        let combined = try ConjugateTasks.aggregate(kind: .normalNormal, responses: [1, 3], scales: [1, 1], responseColumn: "y", scaleColumn: "se", task: "t")
        #expect(combined.response == 2 && abs(combined.scale - 0.5.squareRoot()) < 1e-15)
    }

    /// Written and read back, a full-Bayes prior is the same prior, and gives the same new-task
    /// posterior to the last bit (the hyper-posterior is rebuilt deterministically).
    @Test func priorFileRoundTrip() throws {
        let data = Self.dataset(zip(ConjugateReferenceData.pumpFailures, ConjugateReferenceData.pumpHours).enumerated().map { ("\($0.offset)", $0.element.0, $0.element.1) })
        var request = FitRequest()
        request.fullBayes = true
        let fit = try GammaPoissonFamily.fit(data, request: request)
        let file = PriorFile(fit: fit, dataset: data, training: PriorFile.TrainingConditions(objective: .marginal, dataFile: "pumps.csv", dataDigest: nil))
        let back = try PriorFile.decode(try file.encoded(), file: "pumps.json")
        #expect(back.prior.isEqual(to: fit.prior))
        var inputs = Matrix(rows: 1, columns: 1)
        inputs[0, 0] = 10
        let a = try fit.prior.posterior(inputs: inputs, targets: [3]).summary(level: 0.9)
        let b = try back.prior.posterior(inputs: inputs, targets: [3]).summary(level: 0.9)
        #expect(a == b)
    }

    /// Under θ̂ a new hospital with y of n has the posterior Beta(α̂ + y, β̂ + n − y), and the
    /// next 10 operations the beta–binomial predictive: mean 10(α̂+y)/(α̂+β̂+n) and variance
    /// 10 ab(a + b + 10)/((a + b)²(a + b + 1)) with a = α̂ + y, b = β̂ + n − y.
    @Test func empiricalBayesPosteriorAndPredictiveAreClosedForm() throws {
        let data = Self.dataset(zip(ConjugateReferenceData.smallSuccesses, ConjugateReferenceData.smallTrials).enumerated().map { ("\($0.offset)", $0.element.0, $0.element.1) })
        let prior = try #require(try BetaBinomialFamily.fit(data, request: FitRequest()).prior as? ConjugatePrior)
        var inputs = Matrix(rows: 1, columns: 1)
        inputs[0, 0] = 12
        let posterior = try prior.posterior(inputs: inputs, targets: [4], fullBayes: false)
        let a = prior.estimate.0 + 4, b = prior.estimate.1 + 8
        let phi = try posterior.summary(level: 0.9)[0]
        #expect(abs(phi.mean - a / (a + b)) < 1e-15)
        let interval = try Beta(alpha: a, beta: b)
        #expect(abs(interval.lowerTailProbability(phi.lower) - 0.05) < 1e-9 && abs(interval.lowerTailProbability(phi.upper) - 0.95) < 1e-9)
        inputs[0, 0] = 10
        let next = try posterior.predictive(at: inputs, level: 0.9)[0]
        let n = 10.0, variance = n * a * b * (a + b + n) / ((a + b) * (a + b) * (a + b + 1))
        #expect(abs(next.mean - n * a / (a + b)) < 1e-12 && abs(next.standardDeviation - variance.squareRoot()) < 1e-12)
    }

    /// Normal–normal under θ̂: the shrinkage factor is s_i²/(s_i² + τ̂²) (to 1e-12), and the
    /// posterior mean lies between the estimate and μ̂.
    @Test func normalShrinkageFactorIsTheVarianceRatio() throws {
        let tasks = try ConjugateEmpiricalBayesTests.bcg()
        let data = Self.dataset((0..<tasks.count).map { ("\($0)", tasks.responses[$0], tasks.scales[$0]) })
        let prior = try #require(try NormalNormalFamily.fit(data, request: FitRequest()).prior as? ConjugatePrior)
        let shrinkage = try ConjugateShrinkage(prior: prior, tasks: tasks, level: 0.95)
        let tau2 = prior.estimate.1 * prior.estimate.1
        for (i, row) in shrinkage.rows.enumerated() {
            let v = tasks.scales[i] * tasks.scales[i]
            #expect(abs(row.factor - v / (v + tau2)) < 1e-12, "task \(i): \(row.factor)")
        }
        #expect(shrinkage.csv.hasPrefix("task,raw,mean,sd,lower,upper,shrinkage\n1,"))
    }
}
