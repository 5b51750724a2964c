// SPDX-License-Identifier: GPL-3.0-or-later
import GSL

/// Task descriptors in a generalised linear mixed model: the shared coefficients of task i are
/// β_i = B z̃_i, z̃_i = (1, z_i), so its shared design F_i becomes F_i(z̃_iᵀ ⊗ I_p) acting on
/// vec B: every shared term times 1, then every shared term times z₁, and so on. With the
/// column form's F = X this is the linear-Gaussian family's Φ_i(z̃_iᵀ ⊗ I_d), and it is lme4's
/// `glmer(y ~ (x1 + x2) * (z1 + z2) + (x1 + x2 | task))`: the same model, its fixed effects in
/// another order. B is fitted with θ by the unchanged Laplace (or quadrature) fit, because the
/// interacted design is only a wider F.
extension GeneralizedTask {
    /// This task with its shared design interacted with z̃ = (1, z): F(z̃ᵀ ⊗ I_p), n × p·(q+1).
    /// - Throws: ``InputError`` as ``init(family:shared:p:specific:q:response:size:offset:)``.
    func interacted(with zt: [Double], family: ResponseFamily) throws -> GeneralizedTask {
        let wide = p * zt.count
        var f = [Double](repeating: 0, count: count * wide)
        for row in 0..<count { for (k, z) in zt.enumerated() { for j in 0..<p { f[row * wide + k * p + j] = shared[row * p + j] * z } } }
        return try GeneralizedTask(family: family, shared: f, p: wide, specific: specific, q: q, response: response, size: size, offset: offset)
    }
}

extension GeneralizedMixedFamily {
    /// The tasks with their shared designs interacted with each task's z̃, and the design of
    /// z̃ (checked: every task has a finite z, no descriptor constant across the tasks).
    static func interacted(_ tasks: [GeneralizedTask], frame: FormulaFrame) throws -> (tasks: [GeneralizedTask], design: DescriptorDesign) {
        let design = try DescriptorDesign(names: frame.descriptorNames, descriptors: frame.taskDescriptors.map { Optional($0) })
        let columns = design.columns
        let wide = try tasks.enumerated().map { t, task in
            try task.interacted(with: Array(design.rows[(t * columns)..<((t + 1) * columns)]), family: responseFamily)
        }
        return (wide, design)
    }

    /// B̂ (row j a shared term, column k an entry of z̃) with its standard errors from the
    /// interacted fit, and β̂ with vcov(β̂) at the average meta-train descriptor z̃̄ (tasks
    /// weighted equally, as the fit weights them).
    static func descriptorParts(beta wide: [Double], covariance: [Double], p: Int, design: DescriptorDesign)
        throws -> (fit: DescriptorFit, beta: [Double], betaCovariance: Matrix, covariance: Matrix) {
        let columns = design.columns, n = p * columns
        let average = design.mean(weights: [Double](repeating: 1, count: design.taskCount))
        let rows = (0..<p).map { j in (0..<columns).map { k in wide[k * p + j] } }
        let errors = (0..<p).map { j in (0..<columns).map { k in Swift.max(covariance[(k * p + j) * n + k * p + j], 0).squareRoot() } }
        let full = try Matrix(rows: n, columns: n, elements: covariance)
        let (beta, betaCovariance) = GeneralizedMixedPrior.atDescriptor(average, wide: wide, covariance: full, p: p)
        let fit = try DescriptorFit(names: design.names, coefficients: rows, standardErrors: errors, meanDescriptor: average, mean: beta)
        return (fit, beta, betaCovariance, full)
    }
}

extension GeneralizedMixedPrior: DescriptorConditionedPrior {
    /// β = B z̃ and its covariance (z̃ᵀ ⊗ I) vcov(vec B) (z̃ ⊗ I), from vec B in the fit's order.
    static func atDescriptor(_ zt: [Double], wide: [Double], covariance: Matrix, p: Int) -> ([Double], Matrix) {
        var beta = [Double](repeating: 0, count: p)
        var cov = Matrix(rows: p, columns: p)
        for (k, zk) in zt.enumerated() {
            for i in 0..<p { beta[i] += zk * wide[k * p + i] }
            for (l, zl) in zt.enumerated() { for i in 0..<p { for j in 0..<p { cov[i, j] += zk * zl * covariance[k * p + i, l * p + j] } } }
        }
        // Symmetric by construction up to rounding; made exactly so, as the prior file requires.
        for i in 0..<p { for j in 0..<i { let m = 0.5 * (cov[i, j] + cov[j, i]); cov[i, j] = m; cov[j, i] = m } }
        return (beta, cov)
    }

    /// The prior of a task with descriptor `z`: β = B̂ z̃ with its vcov, no descriptors left.
    public func descriptorConditioned(on z: [Double]) throws -> any TaskPrior {
        guard let descriptors, let descriptorCovariance else {
            throw InputError(column: "--descriptor", kind: .invalidValue, "the prior was fitted without task descriptors, so it takes none")
        }
        _ = try descriptors.mean(descriptor: z)  // checks the length and finiteness
        let p = shared.columnNames.count, columns = descriptors.columns
        let wide = (0..<(p * columns)).map { descriptors.coefficients[($0 % p) * columns + $0 / p] }
        let (beta, covariance) = Self.atDescriptor([1] + z, wide: wide, covariance: descriptorCovariance, p: p)
        return try GeneralizedMixedPrior(family: family, formula: formula, shared: shared, taskSpecific: taskSpecific, inputLevels: inputLevels,
                                         exposureColumn: exposureColumn, beta: beta, betaCovariance: covariance, theta: theta,
                                         quadraturePoints: quadraturePoints, taskLevel: taskLevelRecord)
    }

    /// The prior at the average meta-train descriptor (its ``beta``), descriptors dropped.
    public var averageDescriptorPrior: any TaskPrior {
        // The parts were validated together, so this cannot fail.
        try! GeneralizedMixedPrior(family: family, formula: formula, shared: shared, taskSpecific: taskSpecific, inputLevels: inputLevels,
                                   exposureColumn: exposureColumn, beta: beta, betaCovariance: betaCovariance, theta: theta,
                                   quadraturePoints: quadraturePoints, taskLevel: taskLevelRecord)
    }

    /// Report lines for B̂ with its standard errors, one row per shared term.
    func descriptorReportLines() -> [String] {
        guard let descriptors else { return [] }
        let p = descriptors.columns
        var lines = ["  shared coefficients β = B z̃, z̃ = (1, \(descriptors.columnNames.dropFirst().joined(separator: ", "))) (estimate (SE)); the table above is at the average descriptor"]
        for (j, name) in shared.columnNames.enumerated() {
            let cells = (0..<p).map { k in "\(descriptors.columnNames[k]) \(significant(descriptors.coefficients[j * p + k], 6)) (\(significant(descriptors.standardErrors[j * p + k], 3)))" }
            lines.append("  \(name): " + cells.joined(separator: ", "))
        }
        return lines
    }
}
