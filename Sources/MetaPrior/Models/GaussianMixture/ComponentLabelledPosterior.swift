// SPDX-License-Identifier: GPL-3.0-or-later

/// A posterior that is a mixture, whose every draw comes from one component: the sample CSV
/// records that component in a `component` column (1 … K) after φ.
public protocol ComponentLabelledPosterior: TaskPosterior {
    /// The component (0-based) of each draw of `range` in chunk `chunk` of `seed`, the same
    /// draws as ``TaskPosterior/draws(chunk:range:seed:)``.
    func drawComponents(chunk: Int, range: Range<Int>, seed: UInt64) -> [Int]
}

extension GaussianMixturePosterior: ComponentLabelledPosterior {}
