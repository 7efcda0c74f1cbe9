import ArgumentParser
import Contracts

extension Stakeline {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the books conserve ETH to the wei.",
            discussion: """
                inflows + rewards (+ the pools' EL rewards) = account balances + validator balances + \
                pending deposits + penalties + slashing penalties + outflows (+ the pools' ETH outside \
                validators), and the pools' token checks. Exits 0 when both sides are equal and every \
                check holds, 1 otherwise (with --json too).
                """)

        @OptionGroup var global: GlobalOptions

        /// The terms of each side, in the order of the equation (PROTOCOL.md §9.3 `ledger.audit`).
        /// The pools' terms (§9.5 "Audit with the pools") are shown when the ledger sends them.
        static let left = [("inflowsWei", "Inflows (ETH deposited)"), ("rewardsWei", "Rewards"), ("elRewardsWei", "EL rewards (pools)")]
        static let right = [
            ("accountBalancesWei", "Account balances"), ("validatorBalancesWei", "Validator balances"),
            ("pendingDepositsWei", "Pending deposits"), ("penaltiesWei", "Penalties"),
            ("slashingPenaltiesWei", "Slashing penalties"), ("outflowsWei", "Outflows (ETH withdrawn)"),
            ("poolEtherWei", "Pools' ETH outside validators"),
            ("podWei", "Restaking pods' ETH"), ("rewardsEscrowWei", "AVS rewards escrow"),
        ]
        /// Terms every ledger sends; the others only when it has them.
        static let optionalTerms: Set<String> = ["elRewardsWei", "poolEtherWei", "podWei", "rewardsEscrowWei"]
        /// Token units per strategy, for the restaking lines.
        static let strategyUnits = ["steth": "stETH", "wsteth": "wstETH", "reth": "rETH"]

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
            func shown(_ term: (String, String)) -> Bool { !optionalTerms.contains(term.0) || audit[term.0] != nil }
            var rows: [(String, String)] = left.filter(shown).map { ("  " + $0.1, eth($0.0)) }
            rows.append(("= left side", eth("leftWei")))
            rows += right.filter(shown).map { ("  " + $0.1, eth($0.0)) }
            rows.append(("= right side", eth("rightWei")))
            var lines = Format.fields(rows)
            // The token-side reconciliations (shares, wrapper, queue): each must hold.
            var failedChecks: [String] = []
            if case .object(let checks)? = audit["tokenChecks"], !checks.isEmpty {
                failedChecks = checks.keys.sorted().filter { checks[$0] != .bool(true) }
                lines.append("Token checks: " + (failedChecks.isEmpty
                    ? "\(checks.count) of \(checks.count) hold (" + checks.keys.sorted().joined(separator: ", ") + ")"
                    : "FAILED: " + failedChecks.joined(separator: ", ")))
            }
            lines += restakingLines(audit["restaking"], exact: exact)
            if let restaking = audit["restaking"], restaking["ok"] != .bool(true) { failedChecks.append("restaking") }
            guard let leftWei = try? audit.amount("leftWei"), let rightWei = try? audit.amount("rightWei") else {
                lines.append(audit["ok"] == .bool(true) ? "OK — conserved to the wei" : "NOT conserved (the sides could not be read)")
                return lines
            }
            if audit["ok"] == .bool(true) && leftWei == rightWei {
                lines.append("OK — conserved to the wei")
            } else if leftWei == rightWei && !failedChecks.isEmpty {
                lines.append("NOT consistent: ETH is conserved to the wei, but token checks failed: " + failedChecks.joined(separator: ", "))
            } else if leftWei == rightWei {
                lines.append("NOT conserved: the ledger reports a mismatch although both sides read \(leftWei) wei")
            } else {
                let (larger, difference) = leftWei > rightWei ? ("left", leftWei - rightWei) : ("right", rightWei - leftWei)
                lines.append("NOT conserved: the \(larger) side is larger by \(difference) wei (\(Format.ether(wei: difference, exact: true)) ETH)")
            }
            return lines
        }

        /// The restaking part (PROTOCOL.md §9.7 "Audit with restaking"): per token strategy what
        /// its shares claim against what it holds, and what slashing burned.
        static func restakingLines(_ restaking: JSON?, exact: Bool) -> [String] {
            guard let restaking, case .object(let strategies)? = restaking["strategies"] else { return [] }
            func amount(_ json: JSON?, _ key: String) -> String {
                guard let json, let wei = try? json.amount(key) else { return "-" }
                return Format.ether(wei: wei, exact: exact)
            }
            var lines = ["Restaking:"]
            for name in strategies.keys.sorted() {
                let strategy = strategies[name]
                let total = (try? strategy?.amount("totalShares")) ?? nil
                let burned = (try? strategy?.amount("burnedUnits")) ?? nil
                guard (total ?? 0) > 0 || (burned ?? 0) > 0 || strategy?["ok"] != .bool(true) else { continue }
                let unit = strategyUnits[name] ?? name
                let status = strategy?["ok"] == .bool(true) ? "ok" : "FAILED"
                lines.append("  \(name): holds \(amount(strategy, "balanceUnits")) \(unit) for \(amount(strategy, "totalShares")) shares "
                    + "(withdrawable \(amount(strategy, "withdrawableShares")), queued \(amount(strategy, "queuedShares"))); "
                    + "burned \(amount(strategy, "burnedUnits")) \(unit) — \(status)")
            }
            let native = restaking["native"]
            if let restaked = try? native?.amount("restakedWei"), restaked > 0 {
                lines.append("  native: \(amount(native, "restakedWei")) ETH restaked (withdrawable \(amount(native, "withdrawableShares")), "
                    + "queued \(amount(native, "queuedShares"))); slashed for good \(amount(native, "nativeBurnedWei")) ETH")
            }
            if restaking["operatorSharesBackStakers"] == .bool(false) {
                lines.append("  FAILED: an operator's shares are below its delegators' withdrawable shares")
            }
            return lines.count > 1 ? lines : []
        }
    }
}
