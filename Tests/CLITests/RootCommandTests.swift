// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing

@Suite("metaprior root command")
struct RootCommandTests {
    @Test func versionPrintsTheToolkitVersion() throws {
        let result = try runCLI(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func helpExplainsTheIdea() throws {
        let result = try runCLI(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("prior over task parameters"))
        #expect(result.stdout.contains("USAGE: metaprior"))
    }

    @Test func unknownSubcommandFailsWithAMessage() throws {
        let result = try runCLI(["no-such-command"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no-such-command"))
    }
}
