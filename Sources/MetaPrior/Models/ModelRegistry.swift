// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The model families this build knows, by their prior-file `model` key.
///
/// Built-in families are listed in ``builtIn``; a program (or a test) can add its own with
/// ``register(_:)`` before reading a prior file or fitting.
public enum ModelRegistry {
    /// The families that ship with metaprior.
    public static let builtIn: [any ModelFamily.Type] = [LinearGaussianFamily.self, LinearMixedFamily.self, BinomialMixedFamily.self, PoissonMixedFamily.self,
                                                          NormalNormalFamily.self, BetaBinomialFamily.self, GammaPoissonFamily.self, ClassGaussianFamily.self, SoftmaxFamily.self,
                                                          GaussianMixtureFamily.self]

    /// The default family of `fit`.
    public static let defaultName = LinearGaussianFamily.name

    nonisolated(unsafe) private static var added: [any ModelFamily.Type] = []
    private static let lock = NSLock()

    /// Adds a family, replacing a registered one of the same name (not a built-in one).
    public static func register(_ family: any ModelFamily.Type) {
        lock.lock(); defer { lock.unlock() }
        added.removeAll { $0.name == family.name }
        added.append(family)
    }

    /// Every known family: the built-in ones, then those registered.
    public static var families: [any ModelFamily.Type] {
        lock.lock(); defer { lock.unlock() }
        var all = builtIn
        for family in added where !builtIn.contains(where: { $0.name == family.name }) { all.append(family) }
        return all
    }

    /// The names of every known family.
    public static var names: [String] {
        var names: [String] = []
        for family in families { names.append(family.name) }
        return names
    }

    /// The family called `name`.
    /// - Throws: ``InputError`` (column `model`) listing the known families.
    public static func family(named name: String) throws -> any ModelFamily.Type {
        for family in families where family.name == name { return family }
        throw InputError(column: "model", kind: .invalidValue, "\(InputError.quoted(name)) is not a model this metaprior knows (known: \(names.joined(separator: ", ")))")
    }
}
