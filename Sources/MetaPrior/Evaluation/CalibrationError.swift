// SPDX-License-Identifier: GPL-3.0-or-later

/// The expected calibration error of top-label confidences (Guo et al. 2017):
///
///     ECE = Σ_b (n_b / N) |acc_b − conf_b|
///
/// over `bins` equal-width bins of [0, 1] (a confidence of exactly 1 falls in the last bin),
/// where acc_b is the fraction correct and conf_b the mean confidence of the points in bin b.
///
/// ECE is biased upwards: even a perfectly calibrated model has E[ECE] > 0 of order
/// Σ_b (n_b/N) √(2/π) sd_b/√n_b, so compare it with its distribution under calibration (as
/// the tests do by resampling labels from the model's own probabilities), not with zero.
///
/// - Parameters:
///   - confidences: the probability given to the predicted class, each in [0, 1].
///   - correct: whether each prediction was right (same length).
///   - bins: the number of bins (15 is the usual choice).
/// - Returns: ECE in [0, 1]; 0 for no points.
public func expectedCalibrationError(confidences: [Double], correct: [Bool], bins: Int = 15) -> Double {
    precondition(confidences.count == correct.count && bins > 0, "one correctness flag per confidence, bins > 0")
    var count = [Double](repeating: 0, count: bins), hits = count, total = count
    for (p, ok) in zip(confidences, correct) {
        let b = Swift.min(Swift.max(Int(p * Double(bins)), 0), bins - 1)
        count[b] += 1
        total[b] += p
        if ok { hits[b] += 1 }
    }
    let n = Double(confidences.count)
    guard n > 0 else { return 0 }
    var ece = 0.0
    for b in 0..<bins where count[b] > 0 { ece += abs(hits[b] - total[b]) / n }
    return ece
}

/// The per-bin sums behind ``expectedCalibrationError(confidences:correct:bins:)`` (15 bins),
/// which add and subtract, so a jackknife over clusters costs one subtraction per replicate.
struct CalibrationBins {
    static let count = 15
    var points = [Double](repeating: 0, count: count), hits = [Double](repeating: 0, count: count)
    var confidence = [Double](repeating: 0, count: count)

    mutating func add(_ p: Double, _ ok: Bool) {
        let b = Swift.min(Swift.max(Int(p * Double(Self.count)), 0), Self.count - 1)
        points[b] += 1
        confidence[b] += p
        if ok { hits[b] += 1 }
    }

    static func + (a: CalibrationBins, b: CalibrationBins) -> CalibrationBins {
        var out = a
        for k in 0..<count { out.points[k] += b.points[k]; out.hits[k] += b.hits[k]; out.confidence[k] += b.confidence[k] }
        return out
    }

    func removing(_ b: CalibrationBins) -> CalibrationBins {
        var out = self
        for k in 0..<Self.count { out.points[k] -= b.points[k]; out.hits[k] -= b.hits[k]; out.confidence[k] -= b.confidence[k] }
        return out
    }

    /// Σ_b |hits_b − confidence_b| / N.
    var error: Double {
        let n = points.reduce(0, +)
        guard n > 0.5 else { return 0 }
        return (0..<Self.count).reduce(0.0) { $0 + abs(hits[$1] - confidence[$1]) } / n
    }
}
