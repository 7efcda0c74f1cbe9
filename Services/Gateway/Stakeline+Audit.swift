import ArgumentParser
import Contracts

extension Stakeline {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the books conserve ETH to the wei.",
            discussion: """
                inflows + rewards = account balances + validator balances + pending deposits + \
                penalties + slashing penalties + outflows. Exits 0 when both sides are equal, 1 \
                when they are not (with --json too).
                """)

        @OptionGroup var global: GlobalOptions

        /// The terms of each side, in the order of the equation (PROTOCOL.md §9.3 `ledger.audit`).
        static let left = [("inflowsWei", "Inflows (ETH deposited)"), ("rewardsWei", "Rewards")]
        static let right = [
            ("accountBalancesWei", "Account balances"), ("validatorBalancesWei", "Validator balances"),
            ("pendingDepositsWei", "Pending deposits"), ("penaltiesWei", "Penalties"),
            ("slashingPenaltiesWei", "Slashing penalties"), ("outflowsWei", "Outflows (ETH withdrawn)"),
        ]

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let audit = try client.call(.ledger, "ledger.audit", actor: client.actor("stakeline"), body: .object([:]))
                let ok = audit["ok"] == .bool(true)
                if global.json {
                    Output.json(audit)
                } else {
                    print(Self.report(audit, exact: global.exact).joined(separator: "\n"))
                }
                if !ok { throw ExitCode(1) }
            }
        }

        /// The audit as lines of text (pure, for tests).
        static func report(_ audit: JSON, exact: Bool) -> [String] {
            func eth(_ key: String) -> String { Format.ether(audit, key, exact: exact) }
            var rows: [(String, String)] = left.map { ("  " + $0.1, eth($0.0)) }
            rows.append(("= left side", eth("leftWei")))
            rows += right.map { ("  " + $0.1, eth($0.0)) }
            rows.append(("= right side", eth("rightWei")))
            var lines = Format.fields(rows)
            guard let leftWei = try? audit.amount("leftWei"), let rightWei = try? audit.amount("rightWei") else {
                lines.append(audit["ok"] == .bool(true) ? "OK — conserved to the wei" : "NOT conserved (the sides could not be read)")
                return lines
            }
            if audit["ok"] == .bool(true) && leftWei == rightWei {
                lines.append("OK — conserved to the wei")
            } else if leftWei == rightWei {
                lines.append("NOT conserved: the ledger reports a mismatch although both sides read \(leftWei) wei")
            } else {
                let (larger, difference) = leftWei > rightWei ? ("left", leftWei - rightWei) : ("right", rightWei - leftWei)
                lines.append("NOT conserved: the \(larger) side is larger by \(difference) wei (\(Format.ether(wei: difference, exact: true)) ETH)")
            }
            return lines
        }
    }
}
