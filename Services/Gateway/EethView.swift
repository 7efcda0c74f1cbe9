import ArgumentParser
import Contracts

// The liquid-restaking pool eeth (PROTOCOL.md §9.8) — command-line values in, people's text out.

enum EethView {
    /// `ledger.pool.show {pool: eeth}` as `Label: value` rows (operators and reports come separately).
    static func poolRows(_ pool: JSON, now: UInt64?, exact: Bool) -> [(String, String)] {
        func eth(_ object: JSON, _ key: String) -> String { Format.ether(object, key, exact: exact) }
        var rows: [(String, String)] = [("Pool", "eeth (liquid restaking, ether.fi-style)")]
        rows.append(("Total pooled", eth(pool, "totalPooledWei") + " (as of the last report)"))
        rows.append(("Total shares", Format.shares(pool, "totalShares")))
        rows.append(("Share rate", (try? pool.amount("shareRateE27")).map { "1 share = \(Format.rate(e27: $0, exact: exact)) ETH" } ?? "?"))
        rows.append(("Value now", eth(pool, "valueNowWei") + " (what the next report would count)"))
        let layers = pool.at("valueByLayer")
        for (key, label) in [
            ("bufferWei", "  buffer"), ("pendingValidatorsWei", "  validators awaiting verification"),
            ("restakedWei", "  restaked (withdrawable native shares)"), ("queuedRestakeWithdrawalsWei", "  restaking withdrawals in escrow"),
            ("avsRewardsWei", "  AVS rewards claimed"), ("lstHoldingsWei", "  stETH / wstETH held"),
        ] {
            rows.append((label, eth(layers, key)))
        }
        let policy = pool.at("policy")
        let operators = policy.texts("operators")
        let names: String = operators.isEmpty ? "no operators" : operators.joined(separator: ", ")
        let cap: String = Format.bips(policy, "capBips").map { Format.percent(bips: $0) } ?? "?"
        let fee: String = Format.bips(policy, "feeBips").map { Format.percent(bips: $0) } ?? "?"
        rows.append(("Policy", "\(names), spread evenly, cap \(cap) each, fee \(fee) of rewards"))
        var wrapped = Format.shares(pool, "wrappedShares") + " held by the wrapper"
        if pool["weethSupplyWei"] != nil { wrapped += " for " + Format.token(pool, "weethSupplyWei", .weeth, exact: exact) }
        rows.append(("weETH", wrapped))
        let queue = pool.at("withdrawalQueue")
        var queued = Format.token(queue, "unfinalizedWei", .eeth, exact: exact) + " unfinalized"
        if let wait = Format.bips(queue, "expectedWaitEpochs") {
            queued += ", expected wait " + Format.wait(epochs: wait)
            if queue.at("includesRestakingEscrow") == .bool(true) { queued += " (exits + the 3150-epoch restaking escrow)" }
        }
        rows.append(("Withdrawal queue", queued))
        rows.append(("Fees paid", eth(pool.at("feesPaidWei"), "treasuryWei") + " to the treasury (as shares)"))
        rows.append(("AVS rewards claimed", eth(pool, "avsRewardsClaimedWei")))
        if let last = Format.bips(pool, "lastReportEpoch"), last > 0 { rows.append(("Last report", "epoch \(last)")) }
        if let next = Format.bips(pool, "nextReportEpoch") { rows.append(("Next report", Format.eta(next, now: now))) }
        if let negative = pool["lastNegativeRebase"], negative != .null {
            rows.append(("Last negative rebase", "epoch \(negative.at("epoch").text): −" + eth(negative, "lossWei")))
        }
        return rows
    }

    static let operatorHeader = ["OPERATOR", "VALIDATORS", "STAKE", "SHARE", "WITHDRAWABLE", "MAGNITUDE", "BCSF"]
    static let operatorNumeric: Set<Int> = [1, 2, 3, 4, 5, 6]

    static func operatorRows(_ pool: JSON, exact: Bool) -> [[String]] {
        ((try? pool.array("operators")) ?? []).map { row -> [String] in
            let name: String = row.at("operator").text + (row.at("inPolicy") == .bool(true) ? "" : " (left the policy)")
            let share: String = Format.bips(row, "stakeShareBips").map { Format.percent(bips: $0) } ?? "?"
            var cells: [String] = [name, String(row.texts("validators").count)]
            cells.append(Format.ether(row, "stakeWei", exact: exact, unit: false))
            cells.append(share)
            cells.append(Format.ether(row, "withdrawableShares", exact: exact, unit: false))
            cells.append(RestakeView.percent(row, "maxMagnitudeWad"))
            cells.append(RestakeView.percent(row, "beaconChainSlashingFactorWad"))
            return cells
        }
    }

    static let reportHeader = ["EPOCH", "VALUE", "RATE", "CHANGE", "FEE", "FINALIZED", "EXITS"]
    static let reportNumeric: Set<Int> = [0, 1, 2, 3, 4, 5]

    static func reportRows(_ pool: JSON, exact: Bool) -> [[String]] {
        ((try? pool.array("reports")) ?? []).map { report -> [String] in
            var change: String
            if report.at("negativeRebase") == .bool(true) {
                change = "−" + Format.ether(report, "lossWei", exact: exact, unit: false)
                change += " (negative rebase)"
            } else {
                change = "+" + Format.ether(report, "rewardsWei", exact: exact, unit: false)
            }
            let rate: String = (try? report.amount("shareRateAfterE27")).map { Format.rate(e27: $0, exact: exact) } ?? "?"
            let exits: String = report.texts("exitsRequested").joined(separator: ",").ifEmpty("—")
            var cells: [String] = [report.at("epoch").text, Format.ether(report, "valueWei", exact: exact, unit: false), rate, change]
            cells.append(Format.ether(report, "treasuryFeeWei", exact: exact, unit: false))
            cells.append("through #" + report.at("finalizedThrough").text)
            cells.append(exits)
            return cells
        }
    }

    /// `ledger.pool.set`'s result.
    static func policySet(_ result: JSON, exact: Bool) -> [String] {
        let names: String = result.texts("operators").joined(separator: ", ").ifEmpty("none")
        let cap: String = Format.bips(result, "capBips").map { Format.percent(bips: $0) } ?? "?"
        let fee: String = Format.bips(result, "feeBips").map { Format.percent(bips: $0) } ?? "?"
        var lines: [String] = ["eeth policy: operators \(names), cap \(cap) of the pool's value each, fee \(fee) of positive rewards"]
        let funded = result.texts("validatorsFunded")
        if !funded.isEmpty { lines.append("  Validators funded from the buffer: " + LiquidView.ids(funded)) }
        let delegated = result.texts("delegated")
        if !delegated.isEmpty { lines.append("  Delegated: " + delegated.joined(separator: ", ")) }
        return lines
    }

    static func wrap(_ result: JSON, unwrap: Bool, exact: Bool) -> [String] {
        let account = result.at("account").text
        let line = unwrap
            ? "\(account) unwrapped \(Format.token(result, "weethWei", .weeth, exact: exact)) into \(Format.token(result, "eethCreditedWei", .eeth, exact: exact))"
            : "\(account) wrapped \(Format.token(result, "amountWei", .eeth, exact: exact)) into \(Format.token(result, "weethWei", .weeth, exact: exact))"
        return [line, "Balances now: " + Format.token(result, "eethBalanceWei", .eeth, exact: exact) + ", "
            + Format.token(result, "weethBalanceWei", .weeth, exact: exact)]
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}

extension JSON {
    /// A field of an object, or `.null`.
    fileprivate func at(_ key: String) -> JSON { self[key] ?? .null }
    /// A scalar as its text.
    fileprivate var text: String {
        switch self {
        case .string(let value), .number(let value): value
        case .bool(let value): String(value)
        default: "?"
        }
    }
}

extension InputParsing {
    /// `30%`, `30`, `12.5%` → bips (3000, 3000, 1250); at most two decimals, 0 … 100 %.
    static func percentBips(_ text: String, name: String) throws(InputError) -> UInt64 {
        let trimmed = text.hasSuffix("%") ? String(text.dropLast()) : text
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            parts.count == 1 || (1...2).contains(parts[1].count), let whole = UInt64(parts[0]), whole <= 100
        else { throw InputError("\(name) '\(text)' is not a percentage such as 30% or 12.5%") }
        var fraction: UInt64 = 0
        if parts.count == 2 { fraction = UInt64(parts[1])! * (parts[1].count == 1 ? 10 : 1) }
        let bips = whole * 100 + fraction
        guard bips <= 10_000 else { throw InputError("\(name) '\(text)' is above 100%") }
        return bips
    }

    /// `a,b` → the operator names, each checked.
    static func operatorList(_ text: String) throws(InputError) -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).eethTrimmed }
        guard !names.isEmpty, !names.contains(where: \.isEmpty) else { throw InputError("--operators '\(text)' must list names: a,b") }
        return names.map(account)
    }
}

extension String {
    fileprivate var eethTrimmed: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

extension EethView {
    /// The operators' and the reports' tables of `pool show eeth`.
    static func printTables(_ result: JSON, exact: Bool) {
        let operators = operatorRows(result, exact: exact)
        print("")
        if operators.isEmpty {
            print("No operators yet: stakeline pool set eeth --operators a,b --cap 30% --fee 10%")
        } else {
            print("Restaking operators (stake in ETH; withdrawable in native shares, after slashes):")
            Format.table(operatorHeader, operators, rightAligned: operatorNumeric).forEach { print("  " + $0) }
        }
        let reports = reportRows(result, exact: exact)
        if !reports.isEmpty {
            print("")
            print("Last reports:")
            Format.table(reportHeader, reports, rightAligned: reportNumeric).forEach { print("  " + $0) }
        }
    }
}

extension Stakeline.Pool {
    // MARK: set (eeth policy)

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the eeth pool's restaking policy: its operators, the cap per operator, the fee (as an admin).",
            discussion: """
                The buffer funds 32 ETH validators, natively restaked through one pod-staker per \
                operator (pool:eeth/<operator>) delegated by the pool itself: the operator with the \
                least pool stake first, none above --cap of the pool's value. --fee is taken from \
                positive rewards at each report, minted as eETH to the treasury (at most 20%). \
                Unset options stay as they are. Example: stakeline pool set eeth --operators a,b --cap 30% --fee 10%
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "eeth (the only pool with a restaking policy).")
        var pool: LiquidPool

        @Option(help: "The restaking operators, comma-separated: a,b.")
        var operators: String?

        @Option(help: "The most any operator may be delegated, of the pool's value: 30% (default 100%).")
        var cap: String?

        @Option(help: "The fee on positive rewards: 10% (default; at most 20%).")
        var fee: String?

        func body() throws -> [String: JSON] {
            guard pool == .eeth else { throw ValidationError("only eeth has a restaking policy; \(pool.rawValue)'s operators: stakeline operator register") }
            var body: [String: JSON] = ["pool": .string(pool.rawValue)]
            try usage { () throws(InputError) in
                if let operators { body["operators"] = .array(try InputParsing.operatorList(operators).map(JSON.string)) }
                if let cap { body["capBips"] = .int(try InputParsing.percentBips(cap, name: "--cap")) }
                if let fee { body["feeBips"] = .int(try InputParsing.percentBips(fee, name: "--fee")) }
            }
            guard body.count > 1 else { throw ValidationError("nothing to set: give --operators, --cap or --fee") }
            return body
        }

        func validate() throws { _ = try body() }

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let result = try client.call(.ledger, "ledger.pool.set", actor: client.actor(client.config.roles.admin.first ?? "admin"), body: .object(try body()))
                if global.json { return Output.json(result) }
                EethView.policySet(result, exact: global.exact).forEach { print($0) }
            }
        }
    }
}
