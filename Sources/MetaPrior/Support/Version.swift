// SPDX-License-Identifier: GPL-3.0-or-later

/// The toolkit's version, printed by `metaprior --version` and written into every file.
public enum MetaPriorVersion {
    public static let string = "0.1.0"
}
