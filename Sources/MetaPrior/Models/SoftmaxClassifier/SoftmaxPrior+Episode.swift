// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

extension SoftmaxPrior {
    /// The names of an N-class episode's weights, class by class (`w.<class>.bias`, …), the
    /// order of φ in ``SoftmaxTaskPosterior``.
    /// - Parameter n: N, the episode's classes.
    public func weightNames(classes n: Int) -> [String] { (0..<n).flatMap(weightNames(ofClass:)) }

    /// The prior of an N-class episode's weights, N(0, I_N ⊗ V) (every class's weights
    /// independent N(0, V)), as a posterior after no data: what `adapt --summary` sets beside
    /// the episode's posterior.
    /// - Parameter n: N, the episode's classes (at least 1).
    /// - Throws: a GSL error if V does not factorise (never for a validated prior).
    public func episodePrior(classes n: Int) throws -> any TaskPosterior {
        let p = width
        var covariance = Matrix(rows: n * p, columns: n * p)
        for c in 0..<n { for j in 0..<p { for k in 0..<p { covariance[c * p + j, c * p + k] = self.covariance[j, k] } } }
        let gaussian = try GaussianPosterior.make(mean: [Double](repeating: 0, count: n * p), covariance: covariance, noiseVariance: 1, observations: 0)
        return SoftmaxWeightsPrior(gaussian: gaussian, activeCoordinates: gaussian.activeCoordinates)
    }
}

/// An episode's weights before any data, N(0, I_N ⊗ V): draws, density and summary. It has
/// no predictive: classifying needs labelled support points of at least two classes.
struct SoftmaxWeightsPrior: GaussianTaskPosterior {
    let gaussian: GaussianPosterior
    let activeCoordinates: [Bool]

    var logDensityDescription: String { "log prior density of the weights, log N(w; 0, I ⊗ V)" }

    func predictive(at inputs: Matrix, level: Double) throws -> [IntervalSummary] {
        throw InputError(kind: .invalidValue, "the softmax prior classifies only after a labelled support set of at least two classes")
    }

    func jointPredictive(at inputs: Matrix) throws -> (mean: [Double], covariance: Matrix) {
        throw InputError(kind: .invalidValue, "the softmax prior classifies only after a labelled support set of at least two classes")
    }

    func predictiveDraws(at inputs: Matrix, chunk: Int, range: Range<Int>, seed: UInt64) throws -> [Double] {
        throw InputError(kind: .invalidValue, "the softmax prior classifies only after a labelled support set of at least two classes")
    }
}
