// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import GSL
@testable import MetaPrior

/// The `pca:k` basis of the class families: the fit against NumPy, the validation of a
/// basis read from a file, and the classifier reading raw points through it.
@Suite("PCA features")
struct PCAFeaturesTests {
    static let points: [[Double]] = [[1, 2, 0.5], [2, 1.5, -1], [0, -1, 2], [3, 2.5, 0], [-1, 0.5, 1.5], [2.5, 3, -0.5], [0.5, -0.5, 1], [1.5, 1, 0]]

    /// Against NumPy 2.4.6:
    ///
    ///     X = np.array(PCAFeaturesTests.points)
    ///     w, v = np.linalg.eigh(np.cov(X.T))      # w = 0.2101, 0.4608, 4.1237 (ascending)
    ///     C = v[:, ::-1][:, :2].T
    ///     C = C * np.sign(C[np.arange(2), np.abs(C).argmax(1)])[:, None]   # largest-|entry| positive
    ///     C @ (np.array([2.0, 0.0, 1.0]) - X.mean(0))                      # -0.4816…, -1.2008…
    ///
    /// The eigenvector error is about ε‖cov‖/gap ≈ 1e-16 · 4.1 / 0.25 ≈ 2e-15 (the smallest gap
    /// between the eigenvalues is 0.25); the tolerance 1e-10 leaves room for other LAPACK and
    /// GSL orderings of the rotations, and is far below any wrong sign or order (≥ 0.1).
    @Test func matchesNumPy() throws {
        let pca = try PCAFeatures(fitting: Self.points, count: 2)
        let expected: [[Double]] = [[0.6147028139579863, 0.6452449973216321, -0.45365112580433453],
                                    [-0.6069114672250399, 0.7542736072231577, 0.25045917111839877]]
        for (row, want) in zip(pca.components, expected) { for (a, b) in zip(row, want) { #expect(abs(a - b) < 1e-10) } }
        for (a, b) in zip(pca.mean, [1.1875, 1.125, 0.4375]) { #expect(abs(a - b) < 1e-15) }
        for (a, b) in zip(pca.project([2, 0, 1]), [-0.48163334391091045, -1.2007900914922978]) { #expect(abs(a - b) < 1e-10) }
        #expect(pca.names == ["pc1", "pc2"])
    }

    /// k outside 1…d, or too few points, is refused with the option named.
    @Test(arguments: [0, 4, 100])
    func componentCountOutsideTheInputsIsRefused(k: Int) {
        let error = #expect(throws: InputError.self) { try PCAFeatures(fitting: Self.points, count: k) }
        #expect(error?.column == "--basis")
        #expect(throws: InputError.self) { try PCAFeatures(fitting: [[1, 2, 3]], count: 1) }
    }

    /// Hostile bases, as a file could hold them: each an InputError naming `features`.
    @Test func invalidBasesAreRefused() throws {
        let r = 0.5.squareRoot()
        let cases: [(mean: [Double], components: [[Double]])] = [
            ([], [[1]]),                                   // no inputs
            ([0, 0], []),                                  // no components
            ([0, 0], [[1, 0], [0, 1], [r, r]]),            // k > d
            ([0, 0], [[1, 0, 0]]),                         // wrong length
            ([0, .nan], [[1, 0]]),                         // non-finite mean
            ([0, 0], [[.infinity, 0]]),                    // non-finite component
            ([0, 0], [[2, 0]]),                            // not unit length
            ([0, 0], [[1, 0], [r, r]]),                    // not orthogonal
        ]
        for c in cases {
            let error = #expect(throws: InputError.self, "\(c)") { try PCAFeatures(mean: c.mean, components: c.components) }
            #expect(error?.column == "features")
        }
        // A rotation rounded to 8 significant digits is still accepted.
        _ = try PCAFeatures(mean: [0, 0], components: [[0.70710678, 0.70710678], [-0.70710678, 0.70710678]])
    }

    /// Model A with a basis gives, from raw points, exactly (to 1e-12, rounding of the same
    /// sums in another order) the probabilities of the same NIW on the projected points.
    @Test func classifierReadsRawPointsThroughTheBasis() throws {
        let pca = try PCAFeatures(fitting: Self.points, count: 2)
        let niw = try NormalInverseWishart(mean: [0.1, -0.2], meanPrecision: 0.5, scale: Matrix([[2, 0.3], [0.3, 1]]), degreesOfFreedom: 4)
        let projected = try ClassGaussianPrior(inputs: ["x1", "x2", "x3"], niw: niw, structure: .full, classes: 10, features: pca)
        let plain = try ClassGaussianPrior(inputs: ["pc1", "pc2"], niw: niw, structure: .full, classes: 10)
        let support = Self.points, labels: [Double] = [0, 1, 2, 0, 1, 2, 0, 1]
        let queries = [[0.0, 1, 2], [3, -1, 0.5]]
        let a = try projected.classProbabilities(support: Matrix(support), labels: labels, queries: Matrix(queries))
        let b = try plain.classProbabilities(support: Matrix(support.map(pca.project)), labels: labels, queries: Matrix(queries.map(pca.project)))
        for (p, q) in zip(a.probabilities.joined(), b.probabilities.joined()) { #expect(abs(p - q) < 1e-12) }
        // The basis must read the prior's inputs and give its dimension.
        #expect(throws: InputError.self) { try ClassGaussianPrior(inputs: ["x1", "x2"], niw: niw, structure: .full, classes: 10, features: pca) }
        #expect(throws: InputError.self) {
            try SoftmaxPrior(inputs: ["x1", "x2", "x3"], covariance: Matrix.identity(4), structure: .full, classes: 10, episodes: 2, features: pca)
        }
    }
}
