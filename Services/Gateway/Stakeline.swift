import ArgumentParser
import ServiceKit

/// The gateway CLI: every user-facing command. It holds no state and no domain logic; it builds
/// commands, sends them to the owning service, and prints the replies.
@main
struct Stakeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stakeline",
        abstract: "Off-chain books for Ethereum staking: drive the Stakeline services.",
        discussion: """
            Exit codes: 0 ok, 1 the service refused the command (error reply), \
            64 usage error, 69 a service is unreachable.
            """,
        version: StakelineVersion.current,
        subcommands: [Status.self, Ping.self, Events.self, Raw.self]
    )
}
