// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// θ = (μ, Σ, σ²) of the linear-Gaussian family with its feature map: the ``TaskPrior`` a
/// `linear_gaussian` prior file holds.
///
/// φ ~ N(μ, Σ), y | x, φ ~ N(f(x)ᵀφ, σ²). Its prior-file keys: `basis`, `features`,
/// `covariance_structure`, `mean`, `covariance` (row-major nested arrays), `noise_variance`,
/// `floored_features` and `singular`; with task descriptors also `descriptor_names`,
/// `descriptor_coefficients`, `descriptor_standard_errors` and `descriptor_mean`
/// (``DescriptorFit``; `mean` is then the prior mean at the average descriptor); with a prior
/// flat in some directions `flat_directions` and `flat_tilt` (``FlatDirections``; `mean` and
/// `covariance` are then the proper part on their complement).
public struct LinearGaussianPrior: TaskPrior, Equatable {
    /// The feature map f, with everything needed to rebuild it.
    public let basis: FeatureMap
    /// Shape of Σ the fit was constrained to.
    public let structure: CovarianceStructure
    /// The validated θ.
    public let gaussian: GaussianPrior
    /// Features whose between-task variance is exactly zero (on its boundary).
    public let flooredFeatures: [String]
    /// Whether Σ is singular at the fit; `nil` in files written before the key existed.
    public let singular: Bool?
    /// B of the descriptor-conditioned mean μ_i = B z̃_i, or `nil`: a prior with descriptors
    /// needs a new task's z (``conditioned(onDescriptor:)``) before it is adapted.
    public let descriptors: DescriptorFit?
    /// The directions along which the prior is flat (improper), or `nil` for a proper prior:
    /// ``gaussian`` is then N(μ, Σ) on their complement, and a task must determine them.
    public let flat: FlatDirections?

    /// A prior from its parts.
    /// - Throws: ``InputError`` when the basis and θ (or B, or U) disagree in size, or when a
    ///   prior has both descriptors and flat directions (no fit makes both).
    public init(basis: FeatureMap, structure: CovarianceStructure, gaussian: GaussianPrior,
                flooredFeatures: [String] = [], singular: Bool? = false, descriptors: DescriptorFit? = nil,
                flat: FlatDirections? = nil) throws {
        guard gaussian.dimension == basis.dimension else {
            throw InputError(column: "features", kind: .inconsistent, "\(basis.dimension) features but \(gaussian.dimension) means; the file is inconsistent")
        }
        if let descriptors, descriptors.coefficients.count != basis.dimension * descriptors.columns {
            throw InputError(column: "descriptor_coefficients", kind: .inconsistent, "needs \(basis.dimension) rows of \(descriptors.columns) numbers")
        }
        if let flat {
            guard flat.basis.rows == basis.dimension else {
                throw InputError(column: "flat_directions", kind: .inconsistent, "directions have \(flat.basis.rows) numbers but the prior has \(basis.dimension) features")
            }
            guard descriptors == nil else {
                throw InputError(column: "flat_directions", kind: .inconsistent, "a prior with task descriptors cannot also have flat directions")
            }
        }
        self.flat = flat
        self.descriptors = descriptors
        self.basis = basis
        self.structure = structure
        self.gaussian = gaussian
        self.flooredFeatures = flooredFeatures
        self.singular = singular
    }

    /// `linear_gaussian`.
    public var model: String { LinearGaussianFamily.name }
    /// The input columns the feature map reads.
    public var inputs: [String] { basis.inputNames }
    /// The feature names: φ_j is the coefficient of feature j (`(Intercept)`, `Days`, `rbf.3`).
    public var parameterNames: [String] { basis.featureNames }
    /// The basis spec (`linear`, `rbf:10`).
    public var featureDescription: String { basis.spec }

    /// The exact posterior N(m, S) (see ``GaussianPrior/posterior(design:targets:)``).
    public func posterior(inputs: Matrix, targets: [Double]) throws -> any TaskPosterior {
        try refuseUnconditioned()
        return try gaussianPosterior(inputs: inputs, targets: targets)
    }

    /// The same posterior, as its concrete type.
    public func gaussianPosterior(inputs: Matrix, targets: [Double]) throws -> LinearGaussianPosterior {
        try refuseUnconditioned()
        let design = try basis.design(inputs)
        if let flat {
            return LinearGaussianPosterior(basis: basis, gaussian: try flat.posterior(proper: gaussian, design: design, targets: targets,
                                                                                     featureNames: basis.featureNames))
        }
        return LinearGaussianPosterior(basis: basis, gaussian: try gaussian.posterior(design: design, targets: targets))
    }

    /// Whether `other` is a linear-Gaussian prior with the same basis and θ, bit for bit.
    public func isEqual(to other: any TaskPrior) -> Bool {
        (other as? LinearGaussianPrior) == self
    }
}

extension LinearGaussianPrior {
    enum CodingKeys: String, CodingKey {
        case basis, features, covarianceStructure, mean, covariance, noiseVariance, flooredFeatures, singular
        case descriptorNames, descriptorCoefficients, descriptorStandardErrors, descriptorMean
        case flatDirections, flatTilt
    }

    /// Writes the family's keys (listed on the type) into the prior file's top-level object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(basis, forKey: .basis)
        try container.encode(basis.featureNames, forKey: .features)
        try container.encode(structure, forKey: .covarianceStructure)
        try container.encode(gaussian.mean, forKey: .mean)
        try container.encode(gaussian.covariance.nestedRows, forKey: .covariance)
        try container.encode(gaussian.noiseVariance, forKey: .noiseVariance)
        try container.encode(flooredFeatures, forKey: .flooredFeatures)
        try container.encodeIfPresent(singular, forKey: .singular)
        if let descriptors {
            let p = descriptors.columns
            let rows = { (values: [Double]) in stride(from: 0, to: values.count, by: p).map { Array(values[$0..<($0 + p)]) } }
            try container.encode(Array(descriptors.columnNames.dropFirst()), forKey: .descriptorNames)
            try container.encode(rows(descriptors.coefficients), forKey: .descriptorCoefficients)
            try container.encode(rows(descriptors.standardErrors), forKey: .descriptorStandardErrors)
            try container.encode(descriptors.meanDescriptor, forKey: .descriptorMean)
        }
        if let flat {
            try container.encode(flat.directions, forKey: .flatDirections)
            try container.encode(flat.tilt, forKey: .flatTilt)
        }
    }

    /// Reads the family's keys and validates θ (sizes, symmetry, definiteness, σ² > 0).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let basis = try container.decode(FeatureMap.self, forKey: .basis)
        let features = try container.decode([String].self, forKey: .features)
        let mean = try container.decode([Double].self, forKey: .mean)
        let covariance = try container.decode([[Double]].self, forKey: .covariance)
        let noiseVariance = try container.decode(Double.self, forKey: .noiseVariance)
        guard features == basis.featureNames, mean.count == features.count else {
            throw InputError(column: "features", kind: .inconsistent, "\(features.count) features but \(mean.count) means; the file is inconsistent")
        }
        let gaussian: GaussianPrior
        do {
            gaussian = try GaussianPrior(mean: mean, covariance: try Matrix(covariance), noiseVariance: noiseVariance)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(column: "covariance", kind: .invalidValue, "\(error)")
        }
        var descriptors: DescriptorFit?
        if let names = try container.decodeIfPresent([String].self, forKey: .descriptorNames) {
            descriptors = try DescriptorFit(names: names,
                                            coefficients: try container.decode([[Double]].self, forKey: .descriptorCoefficients),
                                            standardErrors: try container.decode([[Double]].self, forKey: .descriptorStandardErrors),
                                            meanDescriptor: try container.decode([Double].self, forKey: .descriptorMean), mean: mean)
        }
        var flat: FlatDirections?
        if let directions = try container.decodeIfPresent([[Double]].self, forKey: .flatDirections) {
            flat = try FlatDirections(directions: directions, tilt: try container.decode([Double].self, forKey: .flatTilt),
                                      mean: mean, covariance: gaussian.covariance)
        } else if container.contains(.flatTilt) {
            throw InputError(column: "flat_tilt", kind: .inconsistent, "is given without flat_directions")
        }
        try self.init(basis: basis, structure: try container.decode(CovarianceStructure.self, forKey: .covarianceStructure),
                      gaussian: gaussian, flooredFeatures: try container.decode([String].self, forKey: .flooredFeatures),
                      singular: try container.decodeIfPresent(Bool.self, forKey: .singular), descriptors: descriptors, flat: flat)
    }
}
