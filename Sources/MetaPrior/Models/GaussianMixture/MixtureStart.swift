// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Seeded starting points of the mixture EM.
///
/// First a single Gaussian: ``ExpectationMaximisation`` run for ``warmIterations`` steps from
/// the pooled least-squares fit, giving (μ₁, Σ₁, σ²₁). Each task's posterior mean under it is a
/// regularised estimate of φ_i even when the task has fewer points than features. Then, for
/// each start, k-means++ on those means (first centre uniform, each next with probability ∝
/// squared distance to the nearest centre, weighted by the task weight) and ``lloydIterations``
/// Lloyd steps give the clusters: π_k from their sizes, μ_k their centroids, Σ_k = Σ₁, σ² = σ²₁.
/// Start s draws from substream s of the seed, so every start is reproducible on its own.
struct MixtureStart {
    /// EM steps of the single-Gaussian warm start.
    static let warmIterations = 50
    /// Lloyd steps after the k-means++ seeding.
    static let lloydIterations = 20

    /// The single-Gaussian warm start.
    let single: GaussianPrior
    /// Posterior means of the tasks under ``single`` (a row per task).
    let points: [[Double]]
    /// Task weights (a task of weight 0 is never a centre).
    let weights: [Double]
    /// tr Σ₁ / d: the between-task scale of φ, for the eigenvalue floor and the change criterion.
    let scale: Double

    init(statistics: TaskStatistics) throws {
        var em = try ExpectationMaximisation(statistics: statistics, structure: .full)
        for _ in 0..<Self.warmIterations { _ = try em.step() }
        let d = statistics.dimension
        let single = try GaussianPrior(mean: em.mean, factor: try Matrix(rows: d, columns: d, elements: em.factor), noiseVariance: em.noiseVariance)
        points = try (0..<statistics.taskCount).map { t in
            let task = try statistics.task(t)
            return try ComponentTaskFit(gram: task.gram, cross: task.cross, squares: task.squares, count: task.count, prior: single).mean
        }
        self.single = single
        weights = statistics.weights
        scale = Swift.max(single.covariance.trace / Double(d), single.noiseVariance * 1e-12, 1e-300)
    }

    /// Start `start` (0, 1, …) with `components` components, from substream `start` of `seed`.
    func mixture(components: Int, start: Int, seed: UInt64) throws -> GaussianMixture {
        let eligible = points.indices.filter { weights[$0] > 0 }
        guard components > 1 else {
            return try GaussianMixture(weights: [1], means: [single.mean], covariances: [single.covariance], noiseVariance: single.noiseVariance)
        }
        let random = RandomStream(seed: seed, stream: UInt64(start))
        var centres = [points[eligible[random.integer(below: eligible.count)]]]
        while centres.count < components {
            let distances = eligible.map { t in weights[t] * nearest(points[t], centres).distance }
            let total = distances.reduce(0, +)
            guard total > 0 else { centres.append(centres[centres.count - 1]); continue }
            var u = random.uniform() * total
            var chosen = eligible[eligible.count - 1]
            for (i, t) in eligible.enumerated() {
                u -= distances[i]
                if u <= 0 { chosen = t; break }
            }
            centres.append(points[chosen])
        }
        var sizes = [Double](repeating: 0, count: components)
        for _ in 0..<Self.lloydIterations {
            var sums = [[Double]](repeating: [Double](repeating: 0, count: single.dimension), count: components)
            sizes = [Double](repeating: 0, count: components)
            for t in eligible {
                let c = nearest(points[t], centres).index
                sizes[c] += weights[t]
                for i in points[t].indices { sums[c][i] += weights[t] * points[t][i] }
            }
            for c in 0..<components where sizes[c] > 0 { centres[c] = sums[c].map { $0 / sizes[c] } }
        }
        // Every component keeps some weight: an empty cluster would start at π_k = 0, from
        // which EM never moves it.
        let total = sizes.reduce(0, +) + Double(components)
        return try GaussianMixture(weights: sizes.map { ($0 + 1) / total }, means: centres,
                                   covariances: Array(repeating: single.covariance, count: components), noiseVariance: single.noiseVariance)
    }

    /// The nearest centre to `point` and the squared distance to it.
    private func nearest(_ point: [Double], _ centres: [[Double]]) -> (index: Int, distance: Double) {
        var best = (index: 0, distance: Double.infinity)
        for (c, centre) in centres.enumerated() {
            var squared = 0.0
            for i in point.indices { squared += (point[i] - centre[i]) * (point[i] - centre[i]) }
            if squared < best.distance { best = (c, squared) }
        }
        return best
    }
}
