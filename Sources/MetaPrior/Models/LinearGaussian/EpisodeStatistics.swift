// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import GSL

/// Sufficient statistics of a fixed set of episodes: for each, the support set's
/// (A_s, b_s, c_s, n_s) and those of support ∪ query (A, b, c, n), plus the episode's weight
/// (its task's weight). Gathered once, so one evaluation of the episodic objective costs
/// O(E·d³) however many query points there are (building them costs O(E·(K + Q)·d²)).
public struct EpisodeStatistics: Sendable {
    /// Number of features d.
    public let dimension: Int
    /// Number of episodes E.
    public let count: Int
    var supportGram: [Double], supportCross: [Double], supportSquares: [Double], supportCounts: [Int]
    var jointGram: [Double], jointCross: [Double], jointSquares: [Double], jointCounts: [Int]
    var weights: [Double]
    /// Σ_e w_e Q_e: the number of (weighted) query points.
    public let queryPoints: Double

    /// Statistics of `episodes` cut from `dataset`, under `featureMap`.
    public init(episodes: [Episode], dataset: MetaDataset, featureMap: FeatureMap) throws {
        let d = featureMap.dimension
        guard dataset.inputNames == featureMap.inputNames else {
            throw InputError("the data's input columns (\(InputError.list(dataset.inputNames))) do not match the basis inputs (\(InputError.list(featureMap.inputNames)))")
        }
        let e = episodes.count
        dimension = d
        count = e
        var sg = [Double](repeating: 0, count: e * d * d), sc = [Double](repeating: 0, count: e * d), ss = [Double](repeating: 0, count: e)
        var jg = sg, jc = sc, js = ss
        let p = featureMap.inputNames.count
        sg.withUnsafeMutableBufferPointer { SG in sc.withUnsafeMutableBufferPointer { SC in ss.withUnsafeMutableBufferPointer { SS in
        jg.withUnsafeMutableBufferPointer { JG in jc.withUnsafeMutableBufferPointer { JC in js.withUnsafeMutableBufferPointer { JS in
            let (sg, sc, ss, jg, jc, js) = (SG, SC, SS, JG, JC, JS)
            DeterministicParallel.forEachChunk(count: e, chunkSize: EpisodicObjective.chunkSize) { _, range in
                var f = [Double](repeating: 0, count: d)
                for k in range {
                    let episode = episodes[k]
                    let task = dataset.tasks[episode.task]
                    let gs = sg.baseAddress! + k * d * d, bs = sc.baseAddress! + k * d
                    let gj = jg.baseAddress! + k * d * d, bj = jc.baseAddress! + k * d
                    task.inputs.elements.withUnsafeBufferPointer { x in
                        f.withUnsafeMutableBufferPointer { fb in
                            for (isSupport, rows) in [(true, episode.support), (false, episode.query)] {
                                for r in rows {
                                    featureMap.features(of: UnsafeBufferPointer(rebasing: x[(r * p)..<((r + 1) * p)]), into: fb)
                                    let y = task.targets[r]
                                    for i in 0..<d {
                                        bj[i] += fb[i] * y
                                        if isSupport { bs[i] += fb[i] * y }
                                        for j in 0...i {
                                            let v = fb[i] * fb[j]
                                            gj[i * d + j] += v
                                            if isSupport { gs[i * d + j] += v }
                                        }
                                    }
                                    js[k] += y * y
                                    if isSupport { ss[k] += y * y }
                                }
                            }
                            for i in 0..<d { for j in 0..<i { gj[j * d + i] = gj[i * d + j]; gs[j * d + i] = gs[i * d + j] } }
                        }
                    }
                }
            }
        } } } } } }
        supportGram = sg; supportCross = sc; supportSquares = ss
        jointGram = jg; jointCross = jc; jointSquares = js
        supportCounts = episodes.map(\.support.count)
        jointCounts = episodes.map { $0.support.count + $0.query.count }
        weights = episodes.map { dataset.tasks[$0.task].weight }
        queryPoints = zip(episodes, weights).reduce(0.0) { $0 + Double($1.0.query.count) * $1.1 }
    }
}
