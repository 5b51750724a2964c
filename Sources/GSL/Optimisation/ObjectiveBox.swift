// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

// How a Swift closure reaches GSL's C callbacks: GSL passes an opaque `params` pointer back to
// every callback, and that pointer is an unretained reference to one of these boxes, alive for
// the duration of the minimisation (no globals, so concurrent minimisations are independent).
//
// Errors cannot cross C frames. A throwing objective's error is stored in the box and GSL is
// given NaN; after every GSL call the driver checks the box and rethrows. Once an error is
// stored, further callbacks return NaN immediately without calling the closure again.

/// Copies a GSL vector (any stride) into a Swift array, reusing its storage.
func copy(_ v: UnsafePointer<gsl_vector>, into array: inout [Double]) {
    let n = v.pointee.size, stride = v.pointee.stride
    if array.count != n { array = [Double](repeating: 0, count: n) }
    guard let data = v.pointee.data else { return }
    array.withUnsafeMutableBufferPointer { out in
        for i in 0..<n { out[i] = data[i * stride] }
    }
}

/// Copies a Swift array into a GSL vector of the same length.
func copy(_ array: [Double], into v: UnsafeMutablePointer<gsl_vector>) {
    let stride = v.pointee.stride
    guard let data = v.pointee.data else { return }
    for i in 0..<Swift.min(array.count, v.pointee.size) { data[i * stride] = array[i] }
}

/// The box for an objective with gradient (BFGS).
final class GradientObjectiveBox {
    let objective: ([Double], inout [Double]) throws -> Double
    var error: (any Error)?
    var point: [Double]
    var gradient: [Double]

    init(dimension: Int, objective: @escaping ([Double], inout [Double]) throws -> Double) {
        self.objective = objective
        self.point = [Double](repeating: 0, count: dimension)
        self.gradient = [Double](repeating: 0, count: dimension)
    }

    /// Evaluates at `x`, leaving the gradient in ``gradient``; NaN after an error.
    func evaluate(_ x: UnsafePointer<gsl_vector>) -> Double {
        guard error == nil else { return .nan }
        copy(x, into: &point)
        let n = point.count
        do {
            let value = try objective(point, &gradient)
            guard gradient.count == n else {
                throw GSLError(.badLength, operation: "objective",
                               reason: "gradient has \(gradient.count) entries, expected \(n)")
            }
            return value
        } catch {
            self.error = error
            gradient = [Double](repeating: .nan, count: n)
            return .nan
        }
    }

    static func from(_ params: UnsafeMutableRawPointer?) -> GradientObjectiveBox {
        Unmanaged<GradientObjectiveBox>.fromOpaque(params!).takeUnretainedValue()
    }
}

/// The box for an objective without gradient (Nelder–Mead) or an integrand.
final class ScalarFunctionBox<Argument> {
    let function: (Argument) throws -> Double
    var error: (any Error)?
    /// The first argument at which the function returned NaN or ±∞ (a quadrature reports it;
    /// a minimiser may legitimately see +∞ outside a feasible region).
    var firstNonFinite: (argument: Argument, value: Double)?

    init(_ function: @escaping (Argument) throws -> Double) { self.function = function }

    func evaluate(_ argument: Argument) -> Double {
        guard error == nil else { return .nan }
        do {
            let value = try function(argument)
            if !value.isFinite && firstNonFinite == nil { firstNonFinite = (argument, value) }
            return value
        } catch {
            self.error = error
            return .nan
        }
    }

    static func from(_ params: UnsafeMutableRawPointer?) -> ScalarFunctionBox {
        Unmanaged<ScalarFunctionBox>.fromOpaque(params!).takeUnretainedValue()
    }
}
