// SPDX-License-Identifier: GPL-3.0-or-later

/// A setting of ``FitRequest`` that a family may or may not honour, named by its `fit` option.
///
/// Every family declares the settings it honours (``ModelFamily/honouredSettings``), and a
/// request that sets anything else is refused before the fit starts
/// (``FitRequest/refuseSettings(unhonouredBy:weighted:)``), with the same message for every
/// family. Why one check at the seam: a family that quietly ignored `--weights` or
/// `--time-limit` gave the user a prior fitted to something other than what they asked for,
/// and a check written family by family was missing in some of them.
public enum FitSetting: String, CaseIterable, Sendable, Comparable {
    /// Task weights (`--weights`): each task's log-likelihood multiplied by its weight.
    case taskWeights = "--weights"
    /// A time limit on the fit (`--time-limit`).
    case timeLimit = "--time-limit"
    /// The episodic objective (`--objective episodic`) instead of the marginal likelihood.
    case episodicObjective = "--objective episodic"
    /// Classes per episode of an episodic fit (`--ways N`): N-way K-shot episodes of a class
    /// family (`class_gaussian`, `softmax`); the regression families refuse it.
    case ways = "--ways"
    /// A feature basis other than the linear one (`--basis`).
    case basis = "--basis"
    /// A shape of the prior covariance other than full (`--covariance`, or `--psi`).
    case covarianceStructure = "--covariance"
    /// A convergence tolerance other than the default (`--tolerance`).
    case gradientTolerance = "--tolerance"
    /// An iteration limit other than the default (`--max-iterations`).
    case maximumIterations = "--max-iterations"
    /// The restricted likelihood (`--reml`).
    case reml = "--reml"
    /// More than one Gauss–Hermite point per task (`--quadrature-points`).
    case quadraturePoints = "--quadrature-points"
    /// Full Bayes over θ (`--full-bayes`).
    case fullBayes = "--full-bayes"
    /// A hyperprior for full Bayes (`--hyperprior`).
    case hyperprior = "--hyperprior"
    /// Task descriptors that condition the prior mean, μ_i = B z̃_i (`--descriptors` or
    /// `--one-hot`); requested whenever the data carry descriptor columns
    /// (``PriorTraining/train(_:family:request:source:split:)`` adds it, and the formula form
    /// ``PriorTraining/train(_:family:request:source:)`` when the frame has descriptors), so
    /// that no family ignores them silently.
    case descriptors = "--descriptors"

    /// The option that asks for it (`--objective` for the episodic objective); the raw value
    /// is the option with its value where that matters (`--objective episodic`).
    public var option: String { self == .episodicObjective ? "--objective" : rawValue }

    /// Declaration order, so that messages list settings in a stable order.
    public static func < (lhs: FitSetting, rhs: FitSetting) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension FitRequest {
    /// The settings this request asks for: those set away from their defaults, those the
    /// caller named in ``explicitSettings``, and task weights when `weighted`.
    /// - Parameter weighted: whether the data carry task weights other than 1.
    public func requestedSettings(weighted: Bool) -> Set<FitSetting> {
        var settings = explicitSettings
        let defaults = PriorFitOptions()
        if weighted { settings.insert(.taskWeights) }
        if timeLimit != nil || options.deadline != nil { settings.insert(.timeLimit) }
        if episodic != nil { settings.insert(.episodicObjective) }
        if episodic?.ways != nil { settings.insert(.ways) }
        if basis != .linear { settings.insert(.basis) }
        if options.structure != .full { settings.insert(.covarianceStructure) }
        if options.gradientTolerance != defaults.gradientTolerance { settings.insert(.gradientTolerance) }
        if options.maximumIterations != defaults.maximumIterations { settings.insert(.maximumIterations) }
        if reml { settings.insert(.reml) }
        if quadraturePoints != 1 { settings.insert(.quadraturePoints) }
        if fullBayes { settings.insert(.fullBayes) }
        if hyperprior != nil { settings.insert(.hyperprior) }
        return settings
    }

    /// Throws when this request sets something `family` does not honour.
    /// - Parameters:
    ///   - family: the family about to fit.
    ///   - weighted: whether the data carry task weights other than 1.
    /// - Throws: ``InputError`` whose column is the first such option, saying what the family
    ///   takes instead.
    public func refuseSettings(unhonouredBy family: any ModelFamily.Type, weighted: Bool) throws {
        let refused = requestedSettings(weighted: weighted).subtracting(family.honouredSettings).sorted()
        guard let first = refused.first else { return }
        let honoured = family.honouredSettings.sorted().map(\.rawValue)
        let takes = honoured.isEmpty ? "it takes none of the fit settings" : "it takes \(honoured.joined(separator: ", "))"
        let why = family.whyNot(first).map { ": " + $0 } ?? ""
        throw InputError(column: first.option, kind: .invalidValue,
                         "\(first.rawValue) is not available for the \(family.name) model\(why) (\(takes))")
    }
}
