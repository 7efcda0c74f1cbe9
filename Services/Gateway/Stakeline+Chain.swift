import ArgumentParser
import Contracts

extension Stakeline {
    struct Chain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The simulated consensus layer: its state, and (as the oracle) the rest of the network.",
            subcommands: [Show.self, Set.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Epoch, finality, stake, validators by status, churn, ideal reward and APR.")

            @OptionGroup var global: GlobalOptions

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let chain = try client.call(.ledger, "ledger.chain.show", actor: client.actor("stakeline"), body: .object([:]))
                    if global.json { return Output.json(chain) }
                    ChainView.print(chain, exact: global.exact)
                }
            }
        }

        struct Set: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set the rest of the network: its active stake, participation, sweep interval (as the oracle).",
                discussion: "Unset options stay as they are. Takes effect from the next epoch; waits until the ledger has it.")

            @OptionGroup var global: GlobalOptions

            @Option(help: "The rest of the network's active stake, whole ETH (at most 1e9).")
            var networkStake: String?

            @Option(help: "The rest of the network's participation: 0…1 (0.99) or a percentage (99%).")
            var networkParticipation: String?

            @Option(help: "Epochs between two withdrawal sweeps of the same validator (1…1000000).")
            var sweepInterval: UInt64?

            func body() throws -> [String: JSON] {
                var body: [String: JSON] = [:]
                if let networkStake {
                    body["networkActiveGwei"] = .amount(try usage { () throws(InputError) in
                        try InputParsing.wholeEtherAsGwei(networkStake, name: "--network-stake") })
                }
                if let networkParticipation {
                    body["networkParticipationBips"] = .int(try usage { () throws(InputError) in
                        try InputParsing.rateBips(networkParticipation, name: "--network-participation") })
                }
                if let sweepInterval { body["sweepIntervalEpochs"] = .int(sweepInterval) }
                guard !body.isEmpty else {
                    throw ValidationError("nothing to set: give --network-stake, --network-participation or --sweep-interval")
                }
                return body
            }

            func validate() throws { _ = try body() }

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.rewards, "rewards.network.set", actor: client.oracle, body: .object(try body()))
                    try client.waitForLedger(.rewards, seq: try client.eventSeq(of: result, from: .rewards))
                    if global.json { return Output.json(result) }
                    print("The rest of the network, from the next epoch on:")
                    Output.fields([
                        ("Active stake", Format.ether(result, "networkActiveGwei", exact: global.exact)),
                        ("Participation", (try? result.uint64("networkParticipationBips")).map(Format.percent(bips:)) ?? "?"),
                        ("Sweep interval", (try? result.uint64("sweepIntervalEpochs")).map { "\($0) epochs (≈ \(Format.span(epochs: $0)))" } ?? "?"),
                    ])
                }
            }
        }
    }
}

/// How `ledger.chain.show` is shown to people.
enum ChainView {
    static func print(_ chain: JSON, exact: Bool) {
        func eth(_ key: String) -> String { Format.ether(chain, key, exact: exact) }
        func number(_ key: String) -> String { chain[key]?.integer.map(String.init) ?? "?" }
        var rows: [(String, String)] = [
            ("Epoch", number("epoch") + " (in progress)"),
            ("Finalized epoch", Format.epoch(chain, "finalizedEpoch")),
            ("Inactivity leak", chain["inInactivityLeak"] == .bool(true) ? "YES: the chain is not finalizing" : "no"),
            ("Fork", (try? chain.string("fork")) ?? "?"),
            ("Total active stake", eth("totalActiveBalanceGwei")),
            ("  ours", eth("ownActiveBalanceGwei")),
            ("  rest of network", eth("networkActiveGwei")
                + ((try? chain.uint64("networkParticipationBips")).map { ", participation " + Format.percent(bips: $0) } ?? "")),
            ("Validators", number("validatorCount")),
        ]
        if case .object(let byStatus)? = chain["validatorsByStatus"] {
            let order = InputParsing.validatorStatuses
            for (status, count) in byStatus.sorted(by: { (order.firstIndex(of: $0.key) ?? 99, $0.key) < (order.firstIndex(of: $1.key) ?? 99, $1.key) }) {
                rows.append(("  " + status, count.integer.map(String.init) ?? "?"))
            }
        }
        rows += [
            ("Pending deposits", eth("pendingDepositsGwei")),
            ("Churn per epoch", eth("churnLimitGwei") + " (activations and exits each)"),
            ("Sweep interval", (try? chain.uint64("sweepIntervalEpochs")).map { "\($0) epochs (≈ \(Format.span(epochs: $0)))" } ?? "?"),
            ("Base reward/increment", (try? chain.amount("baseRewardPerIncrementGwei")).map(Format.gwei) ?? "?"),
            ("Ideal reward/epoch", eth("idealRewardPerEpochGwei")
                + ((try? chain.amount("idealRewardPerEpochGwei")).map { " (" + Format.gwei($0) + ", a 32 ETH validator, all duties)" } ?? "")),
            ("APR", (try? chain.uint64("aprBips")).map(Format.percent(bips:)) ?? "?"),
        ]
        Output.fields(rows)
    }
}
