// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

extension LinearGaussianPrior: DescriptorConditionedPrior {
    /// The prior of a task with descriptor `z` (in the order of the prior's descriptor
    /// names): φ ~ N(B z̃, Σ), with no descriptors left, ready to adapt.
    /// - Throws: ``InputError`` when the prior has no descriptors, or z has the wrong length
    ///   or a value that is not finite.
    public func conditioned(onDescriptor z: [Double]) throws -> LinearGaussianPrior {
        guard let descriptors else {
            throw InputError(column: "--descriptor", kind: .invalidValue, "the prior was fitted without task descriptors, so it takes none")
        }
        let gaussian = try GaussianPrior(mean: try descriptors.mean(descriptor: z), covariance: self.gaussian.covariance,
                                         noiseVariance: self.gaussian.noiseVariance)
        return try LinearGaussianPrior(basis: basis, structure: structure, gaussian: gaussian, flooredFeatures: flooredFeatures, singular: singular)
    }

    /// The prior at the average meta-train descriptor z̄ (its ``gaussian`` mean is B z̃̄), with
    /// the descriptors dropped: what `--no-descriptor` adapts with.
    public var atAverageDescriptor: LinearGaussianPrior {
        // The parts were validated together, so this cannot fail.
        try! LinearGaussianPrior(basis: basis, structure: structure, gaussian: gaussian, flooredFeatures: flooredFeatures, singular: singular)
    }

    /// ``conditioned(onDescriptor:)`` through the seam every descriptor family shares.
    public func descriptorConditioned(on z: [Double]) throws -> any TaskPrior { try conditioned(onDescriptor: z) }

    /// ``atAverageDescriptor`` through the seam every descriptor family shares.
    public var averageDescriptorPrior: any TaskPrior { atAverageDescriptor }

    /// Report lines for B̂ with its standard errors: a row per feature, a column per z̃ entry.
    func descriptorReportLines() -> [String] {
        guard let descriptors else { return [] }
        let p = descriptors.columns
        let features = basis.featureNames
        let width = Swift.max(12, features.map(\.count).max() ?? 0)
        var lines = ["  prior mean μ = B z̃, z̃ = (1, \(descriptors.columnNames.dropFirst().joined(separator: ", "))) (estimate (SE)); the table above is at the average descriptor"]
        var header = "  " + "feature".padding(toLength: width, withPad: " ", startingAt: 0)
            + descriptors.columnNames.map { "  " + $0.padding(toLength: 24, withPad: " ", startingAt: 0) }.joined()
        while header.hasSuffix(" ") { header.removeLast() }
        lines.append(header)
        for (j, name) in features.enumerated() {
            var line = "  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
            for k in 0..<p {
                let cell = "\(significant(descriptors.coefficients[j * p + k], 6)) (\(significant(descriptors.standardErrors[j * p + k], 3)))"
                line += "  " + cell.padding(toLength: 24, withPad: " ", startingAt: 0)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines
    }
}
