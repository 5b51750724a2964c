// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import MetaPrior

// The library's option types, read straight from the command line by their
// `ExpressibleByArgument` conformances, so `run()` never re-parses a string. The options name
// them through `choice` and `parsing`, which keep our messages: a failed `init?(argument:)`
// cannot say what was expected, a throwing parser can.

extension CovarianceStructure: ExpressibleByArgument {}
extension TrainingObjective: ExpressibleByArgument {}
extension MetaPartition: ExpressibleByArgument {}
extension CSVReadOptions.Kind: ExpressibleByArgument {}
extension MissingValueAction: ExpressibleByArgument {}
extension EpisodeSpec.SmallTaskPolicy: ExpressibleByArgument {}
extension SimulationFamily: ExpressibleByArgument {}
extension InputDistribution: ExpressibleByArgument {}
extension PosteriorSampling.Method: ExpressibleByArgument {}
extension ConjugateHyperChoice: ExpressibleByArgument {}

extension BasisSpec: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

extension ShotRange: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

/// Parses with the type's own throwing parser, so the message says what is wrong with the
/// value (`--basis 'rbf:x': the number of centres K must be a whole number …`), which a
/// failable `init?(argument:)` cannot.
func parsing<Value>(_ parse: @escaping (String) throws -> Value) -> (String) throws -> Value {
    { text in
        do { return try parse(text) } catch let error as InputError { throw ValidationError(error.message) }
    }
}

/// Reads one of an enum's values, refusing others in the option's own words
/// (`--partition must be train, validation or test, not 'dev'`).
func choice<Value: ExpressibleByArgument & CaseIterable & RawRepresentable>(_ option: String) -> (String) throws -> Value
    where Value.RawValue == String {
    { text in
        guard let value = Value(argument: text) else {
            let names = Value.allCases.map { $0.rawValue }
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "") : names.joined()
            throw ValidationError("\(option) must be \(list), not \(InputError.quoted(text))")
        }
        return value
    }
}

/// Fractions train,validation,test of a meta-split, e.g. `0.8,0.1,0.1`.
struct SplitFractions: CustomStringConvertible {
    var train: Double, validation: Double, test: Double

    /// Reads three non-negative numbers adding up to 1.
    init(parsing text: String) throws {
        let parts = splitList(text).map { Double($0) }
        guard parts.count == 3, let train = parts[0], let validation = parts[1], let test = parts[2],
              [train, validation, test].allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw InputError(column: "--split", "--split needs three non-negative fractions train,validation,test, e.g. 0.8,0.1,0.1, not \(InputError.quoted(text))")
        }
        let total = train + validation + test
        guard abs(total - 1) < 1e-6 else { throw InputError(column: "--split", "--split fractions must add up to 1, not \(total)") }
        (self.train, self.validation, self.test) = (train, validation, test)
    }

    var description: String { "\(train),\(validation),\(test)" }
}
