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
            Amounts are shown in ETH with 6 decimals, rounded down (--exact: full precision); \
            --json prints the service's result as it is, and nothing else, on stdout.

            Exit codes: 0 ok, 1 the service refused the command (error reply) or the audit \
            failed, 64 usage error, 69 a service is unreachable.
            """,
        version: StakelineVersion.current,
        subcommands: [
            Status.self, Eth.self, Validator.self, Epochs.self, Chain.self, Account.self, Audit.self,
            Stake.self, Transfer.self, Wrap.self, Unwrap.self, Withdraw.self, Unstake.self, Node.self, Pool.self,
            Operator.self, Delegate.self, Undelegate.self, AVS.self, Restake.self, Rewards.self, Risk.self,
            Ping.self, Events.self, Raw.self,
        ]
    )
}
