// SPDX-License-Identifier: GPL-3.0-or-later

extension LearnableBasis {
    /// The range searched for the scale s of the hyperparameter, as multiples of its default
    /// (scale 1):
    /// - rbf: width s × centre spacing, s ∈ [1/4, 8] — narrower than a quarter of the spacing
    ///   leaves holes between the bumps; 8 spacings is already nearly a polynomial.
    /// - fourier: period s × meta-train range, s ∈ [1/16, 4] — K harmonics then cover the
    ///   frequencies 2πk/(s·range), up to 16 times higher than the default; s > 1 gives smooth,
    ///   non-periodic fits over the data.
    /// - rff: lengthscale s × range/10, s ∈ [1/16, 8].
    public var scaleRange: ClosedRange<Double> {
        switch self {
        case .radial: return 0.25...8
        case .fourier: return 0.0625...4
        case .randomFourier: return 0.0625...8
        }
    }

    /// The name of the hyperparameter, for reports.
    public var hyperparameterName: String {
        switch self {
        case .radial: return "width"
        case .fourier: return "period"
        case .randomFourier: return "lengthscale"
        }
    }

    /// The RFF lengthscale at scale 1: a tenth of the mean meta-train input range (1/10 when
    /// the inputs are constant), comparable to the spacing of 10 RBF centres.
    static func randomFourierLengthscale(meanRange: Double) -> Double {
        meanRange > 0 ? meanRange / 10 : 0.1
    }
}
