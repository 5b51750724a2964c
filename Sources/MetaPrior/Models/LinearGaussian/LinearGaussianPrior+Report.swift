// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension LinearGaussianPrior {
    /// The headline, the feature table, the noise and the boundary notes of a fit's report.
    public func reportLines() -> [String] {
        let features = basis.featureNames
        var lines = ["fitted \(withArticle(structure.rawValue)) Gaussian prior over \(counted(features.count, "task parameter")) (basis \(basis.spec))"]
        let width = Swift.max(12, features.map(\.count).max() ?? 0)
        lines.append("  " + "feature".padding(toLength: width, withPad: " ", startingAt: 0) + "  prior mean     prior sd")
        let sd = gaussian.standardDeviations
        for (j, name) in features.enumerated() {
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + "  " + significant(gaussian.mean[j], 7).padding(toLength: 13, withPad: " ", startingAt: 0)
                         + "  " + significant(sd[j], 7))
        }
        lines += descriptorReportLines()
        lines.append("  noise sd \(significant(gaussian.noiseVariance.squareRoot(), 7)) (noise variance \(significant(gaussian.noiseVariance, 7)))")
        if !flooredFeatures.isEmpty {
            lines.append("  note: the between-task variance of \(flooredFeatures.joined(separator: ", ")) is on its boundary (0): those parameters are shared by all tasks")
        }
        if let flat {
            lines.append("  note: the prior is flat in \(counted(flat.count, "direction")) (improper along them; the means and sds above are on their complement): a new task must determine those directions")
        }
        if singular == true && flooredFeatures.count < features.count {
            lines.append("  note: boundary (singular) fit: Σ is singular — some task parameters are perfectly correlated across tasks, or have no between-task variance")
        }
        return lines
    }
}
