// SPDX-License-Identifier: GPL-3.0-or-later

import Foundation

/// Data sets of the conjugate-hierarchy tests, with where each came from.
enum ConjugateReferenceData {
    /// metafor 3.8.1's `dat.bcg` (13 BCG vaccine trials, Colditz et al. 1994): log risk ratios
    /// and their sampling variances, written by
    ///
    ///     dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
    ///     options(digits = 17); print(data.frame(yi = as.numeric(dat$yi), vi = as.numeric(dat$vi)))
    static let bcgLogRiskRatio: [Double] = [
        -0.889311333920205449, -1.585388657201430629, -1.348073148299693269, -1.441551190021305384,
        -0.217547322211295580, -0.786115585818863982, -1.620898223598391752, 0.011952333523840508,
        -0.469417648738149396, -1.371344803472784424, -0.339358828338390595, 0.445913400571378737,
        -0.017313948216879815,
    ]
    /// The sampling variances v_i of ``bcgLogRiskRatio`` (the SE is √v_i).
    static let bcgVariance: [Double] = [
        0.3255847650039613295, 0.1945811213981438470, 0.4153679653679653860, 0.0200100319022475728,
        0.0512101721696308632, 0.0069056184559087574, 0.2230172475723151693, 0.0039615792978177295,
        0.0564342104632489655, 0.0730247936130289099, 0.0124122139715597199, 0.5325058452001527609,
        0.0714046596839862935,
    ]

    /// BUGS "pumps" (George, Makov & Smith 1993): failures x_i of 10 pumps over t_i thousand hours.
    static let pumpFailures: [Double] = [5, 1, 5, 14, 3, 19, 1, 1, 4, 22]
    /// Operating times t_i (thousand hours) of ``pumpFailures``.
    static let pumpHours: [Double] = [94.3, 15.7, 62.9, 126, 5.24, 31.4, 1.05, 1.05, 2.1, 10.5]

    /// A small beta–binomial set (made up for these tests): successes out of trials.
    static let smallSuccesses: [Double] = [2, 5, 9, 1, 12, 4, 7, 0]
    /// Trials of ``smallSuccesses``.
    static let smallTrials: [Double] = [20, 25, 30, 18, 40, 22, 35, 15]
}

/// |a − b| ≤ ½ unit in the `digits`-th significant digit of b: "agrees to `digits`
/// significant digits".
func agrees(_ a: Double, _ b: Double, digits: Int) -> Bool {
    abs(a - b) <= 0.5 * abs(b) * pow(10, Double(1 - digits))
}
