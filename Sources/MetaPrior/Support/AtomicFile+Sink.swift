// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension AtomicFile {
    /// Where ``AtomicFile/write(to:_:)`` sends bytes: an open file, a device or standard
    /// output. Every `write(2)` is checked: interrupted (`EINTR`) and short writes are
    /// resumed, and any other failure (`ENOSPC`, `EIO`, `EPIPE`, …) throws an ``InputError``
    /// naming the file, so a full disk is never reported as success.
    public final class Sink {
        private let descriptor: Int32
        /// The path as the user named it, for error messages.
        public let path: String
        /// Bytes written so far.
        public private(set) var bytesWritten = 0

        /// A sink writing to the open `descriptor` (not closed by the sink); `path` names it in
        /// errors.
        public init(descriptor: Int32, path: String) {
            self.descriptor = descriptor
            self.path = path
        }

        /// Writes all of `buffer`.
        public func write(_ buffer: UnsafeRawBufferPointer) throws {
            guard var at = buffer.baseAddress, !buffer.isEmpty else { return }
            var left = buffer.count
            while left > 0 {
                let written = Foundation.write(descriptor, at, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFile.error(path, errno)
                }
                // write(2) returning 0 for a non-empty request means the device took nothing
                // and never will: treat it as full rather than loop forever.
                guard written > 0 else { throw AtomicFile.error(path, ENOSPC) }
                at += written
                left -= written
                bytesWritten += written
            }
        }

        /// Writes all of `bytes`, straight from their storage.
        public func write<Bytes: ContiguousBytes>(_ bytes: Bytes) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }
    }
}
