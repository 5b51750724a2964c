// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

// Views that hand Swift-owned storage to GSL without copying or allocating. The pointers live
// only inside the closures; nothing here is public, so CGSL types never leak out of the layer.

extension Matrix {
    /// A read-only GSL view of the matrix for the duration of `body`.
    func withGSLMatrix<R>(_ body: (UnsafePointer<gsl_matrix>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { buffer in
            var view = gsl_matrix_const_view_array(buffer.baseAddress, rows, columns)
            return try withUnsafePointer(to: &view.matrix) { try body($0) }
        }
    }

    /// A writable GSL view of the matrix for the duration of `body`.
    mutating func withMutableGSLMatrix<R>(_ body: (UnsafeMutablePointer<gsl_matrix>) throws -> R) rethrows -> R {
        let (r, c) = (rows, columns)
        return try storage.withUnsafeMutableBufferPointer { buffer in
            var view = gsl_matrix_view_array(buffer.baseAddress, r, c)
            return try withUnsafeMutablePointer(to: &view.matrix) { try body($0) }
        }
    }
}

extension Array where Element == Double {
    /// A read-only GSL vector view of the array for the duration of `body`.
    func withGSLVector<R>(_ body: (UnsafePointer<gsl_vector>) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { buffer in
            var view = gsl_vector_const_view_array(buffer.baseAddress, buffer.count)
            return try withUnsafePointer(to: &view.vector) { try body($0) }
        }
    }

    /// A writable GSL vector view of the array for the duration of `body`.
    mutating func withMutableGSLVector<R>(_ body: (UnsafeMutablePointer<gsl_vector>) throws -> R) rethrows -> R {
        try withUnsafeMutableBufferPointer { buffer in
            var view = gsl_vector_view_array(buffer.baseAddress, buffer.count)
            return try withUnsafeMutablePointer(to: &view.vector) { try body($0) }
        }
    }
}
