// SPDX-License-Identifier: GPL-3.0-or-later

/// One task's data for a generalised linear mixed model: η = Fβ + XΛu + offset, with the shared
/// design F (n × p), the task-specific design X (n × q), the responses, each observation's size
/// (binomial trials; 1 for a Bernoulli or Poisson observation) and offset (log exposure for a
/// Poisson observation; 0 otherwise).
public struct GeneralizedTask: Sendable {
    /// Observations n.
    public let count: Int
    /// Shared columns p.
    public let p: Int
    /// Task-specific columns q.
    public let q: Int
    /// F, row-major n × p.
    public let shared: [Double]
    /// X, row-major n × q.
    public let specific: [Double]
    /// y.
    public let response: [Double]
    /// Trials per observation (binomial), else 1.
    public let size: [Double]
    /// Offset per observation (log exposure), else 0.
    public let offset: [Double]
    /// Σ of the log-likelihood's constants (log C(m, y), −log y!), computed once.
    public let constant: Double

    /// A task from its rows.
    /// - Throws: ``InputError`` for a response its family cannot hold, a size or offset that is
    ///   not finite (or a size that is not positive), or arrays whose lengths disagree.
    public init(family: ResponseFamily, shared: [Double], p: Int, specific: [Double], q: Int,
                response: [Double], size: [Double]? = nil, offset: [Double]? = nil) throws {
        let n = response.count
        guard p >= 0, q >= 0, shared.count == n * p, specific.count == n * q else {
            throw InputError(kind: .inconsistent, "a task of \(n) observations needs \(n) × \(p) shared and \(n) × \(q) task-specific design values, not \(shared.count) and \(specific.count)")
        }
        guard (shared + specific).allSatisfy(\.isFinite) else {
            throw InputError(kind: .invalidValue, "a design value is NaN or infinite")
        }
        count = n
        self.p = p
        self.q = q
        self.shared = shared
        self.specific = specific
        self.response = response
        self.size = size ?? [Double](repeating: 1, count: n)
        self.offset = offset ?? [Double](repeating: 0, count: n)
        guard self.size.count == n, self.offset.count == n else {
            throw InputError(kind: .inconsistent, "a task of \(n) observations needs \(n) sizes and offsets, not \(self.size.count) and \(self.offset.count)")
        }
        guard self.size.allSatisfy({ $0 > 0 && $0.isFinite }), self.offset.allSatisfy(\.isFinite) else {
            throw InputError(kind: .invalidValue, "the trials must be positive numbers and the offsets finite")
        }
        var c = 0.0
        for j in 0..<n { c += try family.constant(response: response[j], size: self.size[j]) }
        constant = c
    }
}
