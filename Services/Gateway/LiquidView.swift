import Contracts

/// How the liquid-staking results (PROTOCOL.md §9.5) are shown to people. Pure functions: lines
/// and rows of text from a result, no I/O. Only the fields a result carries are shown; a
/// missing or malformed amount reads `?` (display only: never fail a printout on it).
enum LiquidView {
    static func string(_ object: JSON, _ key: String) -> String { (try? object.string(key)) ?? "?" }

    /// An id field, a JSON number or a string, as text; `?` when missing.
    static func id(_ object: JSON, _ key: String = "id") -> String {
        switch object[key] {
        case .number(let text)?, .string(let text)?: text
        default: "?"
        }
    }

    static func token(of object: JSON, default fallback: LiquidToken) -> LiquidToken {
        ((try? object.string("token")).flatMap(LiquidToken.init(rawValue:))) ?? fallback
    }

    /// `3: 0, 1, 2`, or `none`.
    static func ids(_ ids: [String]) -> String {
        ids.isEmpty ? "none" : "\(ids.count): " + ids.joined(separator: ", ")
    }

    // MARK: stake

    static func stake(_ result: JSON, pool: LiquidPool, exact: Bool) -> [String] {
        let account = string(result, "account")
        // eeth also takes steth and wsteth: the amount is in the asset staked.
        let asset = (try? result.string("asset")).flatMap { $0 == "eth" ? nil : LiquidToken(rawValue: $0) }
        let staked = asset.map { Format.token(result, "amountWei", $0, exact: exact) } ?? Format.ether(result, "amountWei", exact: exact)
        var lines = ["\(account) staked \(staked) into \(pool.rawValue) (\(pool.kind))"]
        var rows: [(String, String)] = []
        switch pool {
        case .steth:
            rows.append(("Shares minted", Format.shares(result, "sharesMinted")))
        case .reth:
            if result["feeWei"] != nil { rows.append(("Deposit fee", Format.ether(result, "feeWei", exact: exact) + " (stays in the pool)")) }
            rows.append(("rETH minted", Format.token(result, "rethMinted", .reth, exact: exact)))
        case .eeth:
            if let asset = try? result.string("asset"), asset != "eth" {
                rows.append(("Taken", "\(asset) worth \(Format.ether(result, "valueWei", exact: exact)) (held by the pool, counted at each report)"))
            }
            rows.append(("Shares minted", Format.shares(result, "sharesMinted")))
            let delegated = result.texts("delegated")
            if !delegated.isEmpty { rows.append(("Delegated", delegated.joined(separator: ", ") + " (the pool's pod-stakers, by its policy)")) }
        }
        rows.append(("\(pool.token.symbol) balance", Format.token(result, "balanceWei", pool.token, exact: exact)))
        if result["ethBalanceWei"] != nil { rows.append(("ETH balance", Format.ether(result, "ethBalanceWei", exact: exact))) }
        let funded = result.texts("validatorsFunded")
        var fundedText = ids(funded)
        if funded.isEmpty, let asset {
            fundedText += " (the pool holds the \(asset.symbol); only ETH in its buffer funds validators)"
        } else if funded.isEmpty {
            fundedText += pool == .reth
                ? " (the deposit pool funds validators when node operators deposit: stakeline node deposit)"
                : " (the ETH waits in the pool's buffer until it makes up 32 ETH for a validator"
                    + (pool == .eeth ? " within the policy's cap: stakeline pool set eeth)" : ")")
        }
        rows.append(("Validators funded", fundedText))
        lines += Format.fields(rows).map { "  " + $0 }
        return lines
    }

    // MARK: transfer

    /// The transfer, and always what the receiver was credited; when that is less than asked
    /// (stETH by amount: 1–2 wei), says so and how `--shares` avoids it.
    static func transfer(_ result: JSON, exact: Bool) -> [String] {
        let token = token(of: result, default: .steth)
        let (from, to) = (string(result, "from"), string(result, "to"))
        let asked = (try? result.optionalAmount("amountWei")) ?? nil
        let shares = (try? result.optionalAmount("sharesMoved")) ?? nil
        var head = "Transferred "
        if let asked {
            head += Format.token(wei: asked, token, exact: exact)
        } else if let shares {
            head += Format.shares(shares) + " of \(token.symbol)"
        } else {
            head += token.symbol
        }
        head += " from \(from) to \(to)"
        if asked != nil, let shares { head += " (\(Format.shares(shares)) moved)" }
        var lines = [head]
        guard let credited = try? result.amount("amountCreditedWei") else {
            lines.append("\(to) received: ? (the reply has no amountCreditedWei)")
            return lines
        }
        var received = "\(to) received \(Format.token(wei: credited, token, exact: exact))"
        guard let asked else {
            lines.append(received)
            return lines
        }
        if credited == asked {
            received += " (exactly the amount asked)"
            lines.append(received)
        } else if credited < asked {
            let short = asked - credited
            received += ": \(short) wei less than asked"
            lines.append(received)
            lines.append("  \(token.symbol) is held as shares, and \(EtherAmount.format(asked)) \(token.symbol) is not a whole number of "
                + "shares at today's rate: the shares moved (rounded down) are worth \(short) wei less.")
            lines.append("  To move an exact number of shares (a whole balance, say), transfer by shares: "
                + "stakeline transfer \(from) \(to) --shares N (stakeline account show \(from) shows them).")
        } else {
            received += ": \(credited - asked) wei more than asked"
            lines.append(received)
        }
        return lines
    }

    // MARK: wrap / unwrap / unstake

    static func wrap(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        var line = "\(account) wrapped \(Format.token(result, "amountWei", .steth, exact: exact)) into "
            + Format.token(result, "wstethWei", .wsteth, exact: exact)
        if result["sharesMoved"] != nil { line += " (\(Format.shares(result, "sharesMoved")) into the wrapper)" }
        return [line] + balances(result, exact: exact)
            + ["wstETH does not rebase: its balance stays put while each unit is worth more stETH after every positive report."]
    }

    static func unwrap(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        let burnt = result["wstethWei"] != nil ? "wstethWei" : "amountWei"
        var line = "\(account) unwrapped \(Format.token(result, burnt, .wsteth, exact: exact)) into "
            + Format.token(result, "stethCreditedWei", .steth, exact: exact)
        if result["sharesMoved"] != nil { line += " (\(Format.shares(result, "sharesMoved")) back from the wrapper)" }
        return [line] + balances(result, exact: exact)
    }

    /// `Balances now: 3.000000 stETH, 1.000000 wstETH` from whichever balances a result carries.
    static func balances(_ result: JSON, exact: Bool) -> [String] {
        let parts = [("stethBalanceWei", LiquidToken.steth), ("wstethBalanceWei", .wsteth), ("rethBalanceWei", .reth)]
            .filter { result[$0.0] != nil }
            .map { Format.token(result, $0.0, $0.1, exact: exact) }
        return parts.isEmpty ? [] : ["Balances now: " + parts.joined(separator: ", ")]
    }

    static func unstake(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        return ["\(account) unstaked \(Format.token(result, "amountWei", .reth, exact: exact)) for "
            + "\(Format.ether(result, "ethWei", exact: exact)), paid from the reth deposit pool into \(account)'s ETH"]
            + balances(result, exact: exact)
    }

    // MARK: withdrawals

    /// `ledger.withdrawal.request`'s result: the request(s), the shares locked, when to expect
    /// finalization, and how to claim.
    static func withdrawalRequested(_ result: JSON, account: String, asked: UInt128, token: WithdrawalToken,
                                    now: UInt64?, exact: Bool) -> [String] {
        let requests = (try? result.array("requests")) ?? []
        let base: LiquidToken = token.pool == .eeth ? .eeth : .steth
        var lines = ["\(account) requested a withdrawal of \(Format.token(wei: asked, token.token, exact: exact))"
            + (token == .wsteth ? " (unwrapped first" + (result["stethWei"] != nil
                ? " to \(Format.token(result, "stethWei", .steth, exact: exact)))" : " to stETH)") : "")
            + (token == .weeth ? " (unwrapped first" + (result["eethWei"] != nil
                ? " to \(Format.token(result, "eethWei", .eeth, exact: exact)))" : " to eETH)") : "")]
        if requests.count == 1, let request = requests.first {
            lines.append("  Request \(id(request)): \(Format.token(request, "amountWei", base, exact: exact)), "
                + "\(Format.shares(request, "shares")) locked")
        } else if !requests.isEmpty {
            lines.append("  Split into \(requests.count) requests (at most 1000 ETH each):")
            let rows = requests.map { [id($0), Format.ether($0, "amountWei", exact: exact, unit: false),
                                       Format.grouped((try? $0.amount("shares")).map(String.init) ?? "?")] }
            lines += Format.table(["ID", "AMOUNT (\(base.symbol))", "SHARES LOCKED"], rows, rightAligned: [0, 1, 2]).map { "  " + $0 }
        }
        if let expected = (try? result.optionalUInt64("expectedFinalizationEpoch")) ?? nil {
            var text = "Expected finalization: " + Format.epochFromNow(expected, now: now)
            if result["includesRestakingEscrow"] == .bool(true) {
                text += " (the buffer cannot pay it: validators exit, then the 3150-epoch restaking escrow runs)"
            }
            lines.append(text)
        }
        let first = requests.first.map { id($0) } ?? "ID"
        let pool = token.pool == .eeth ? " --pool eeth" : ""
        lines.append("Once finalized: stakeline withdraw claim \(first)\(pool) (stakeline withdraw list\(pool) --account \(account) shows the status)")
        return lines
    }

    /// The withdrawal table's header: amounts in the pool's token (stETH, or eETH for eeth).
    static func withdrawalHeader(_ token: LiquidToken = .steth) -> [String] {
        ["ID", "ACCOUNT", "AMOUNT (\(token.symbol))", "SHARES", "STATUS", "CLAIMABLE (ETH)", "REQUESTED", "FINALIZATION"]
    }
    static let withdrawalNumeric: Set<Int> = [0, 2, 3, 5, 6]

    /// One request of `ledger.withdrawal.list` as a table row.
    static func withdrawalRow(_ request: JSON, now: UInt64?, exact: Bool) -> [String] {
        let status = string(request, "status")
        let claimable = request["claimableWei"].flatMap { $0 == .null ? nil : $0 } != nil
            ? Format.ether(request, "claimableWei", exact: exact, unit: false) : Format.noEpoch
        let finalization: String
        switch status {
        case "pending":
            let expected = (try? request.optionalUInt64("expectedFinalizationEpoch")) ?? nil
            finalization = expected.map { "expected " + Format.eta($0, now: now) } ?? "expected —"
        default:
            finalization = ((try? request.optionalUInt64("finalizedEpoch")) ?? nil).map { "epoch \($0)" } ?? Format.noEpoch
        }
        return [
            id(request), string(request, "account"),
            Format.ether(request, "amountWei", exact: exact, unit: false), Format.grouped((try? request.amount("shares")).map(String.init) ?? "?"),
            status, claimable, Format.epoch(request, "requestEpoch"), finalization,
        ]
    }

    /// What follows the table: totals, bunker mode, the next step.
    static func withdrawalFooter(_ result: JSON, exact: Bool) -> [String] {
        let requests = (try? result.array("requests")) ?? []
        var summary = "\(requests.count) request\(requests.count == 1 ? "" : "s")"
        if result["unfinalizedWei"] != nil {
            let token: LiquidToken = result["pool"] == .string("eeth") ? .eeth : .steth
            summary += "; \(Format.token(result, "unfinalizedWei", token, exact: exact)) not finalized yet"
        }
        var lines = [summary]
        if result["bunkerMode"] == .bool(true) {
            lines.append("Bunker mode: a slashing's correlation penalty is still unknown; requests are finalized only once it is.")
        }
        if requests.contains(where: { (try? $0.string("status")) == "finalized" }) {
            lines.append("Claim a finalized request: stakeline withdraw claim ID" + (result["pool"] == .string("eeth") ? " --pool eeth" : ""))
        }
        return lines
    }

    static func withdrawalClaimed(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        var lines = ["Request \(id(result)) claimed: \(Format.ether(result, "claimedWei", exact: exact)) paid into "
            + "\(account)'s ETH (requested \(Format.token(result, "amountWei", result["pool"] == .string("eeth") ? .eeth : .steth, exact: exact)))"]
        if let asked = try? result.amount("amountWei"), let claimed = try? result.amount("claimedWei"), claimed < asked {
            var why = "  \(asked - claimed) wei less than requested: the locked shares were worth less at finalization"
            if let rate = try? result.amount("finalizationShareRateE27") {
                why += " (\(Format.rate(e27: rate, exact: exact)) ETH a share)"
            }
            lines.append(why + ". Losses after a request are shared; gains are not.")
        }
        return lines
    }

    // MARK: pools

    /// `ledger.pool.show` as `Label: value` rows (the operators' table comes separately).
    static func poolRows(_ pool: JSON, now: UInt64?, exact: Bool) -> [(String, String)] {
        let name = LiquidPool(rawValue: (try? pool.string("pool")) ?? "") ?? .steth
        func eth(_ key: String) -> String { Format.ether(pool, key, exact: exact) }
        var rows: [(String, String)] = [("Pool", "\(name.rawValue) (\(name.kind))")]
        switch name {
        case .steth:
            rows.append(("Total pooled", eth("totalPooledWei")))
            rows.append(("Total shares", Format.shares(pool, "totalShares")))
            rows.append(("Share rate", (try? pool.amount("shareRateE27")).map { "1 share = \(Format.rate(e27: $0, exact: exact)) ETH" } ?? "?"))
        case .eeth:
            return EethView.poolRows(pool, now: now, exact: exact)
        case .reth:
            rows.append(("Total ETH", eth("totalEthWei")))
            rows.append(("rETH supply", Format.token(pool, "rethSupplyWei", .reth, exact: exact)))
            rows.append(("Exchange rate", (try? pool.amount("shareRateE27")).map { "1 rETH = \(Format.rate(e27: $0, exact: exact)) ETH" } ?? "?"))
        }
        rows.append(("APR (7 days)", ((try? pool.optionalUInt64("aprBips7d")) ?? nil).map(Format.percent(bips:)) ?? "— (no reports in the last 7 days)"))
        if pool["bufferedWei"] != nil { rows.append(("Buffered", eth("bufferedWei"))) }
        if pool["depositPoolWei"] != nil { rows.append(("Deposit pool", eth("depositPoolWei"))) }
        if let fee = (try? pool.optionalUInt64("depositFeeBips")) ?? nil { rows.append(("Deposit fee", Format.percent(bips: fee))) }
        if pool["collateralWei"] != nil { rows.append(("Collateral", eth("collateralWei") + " (the users' part of minipools' swept ETH)")) }
        if pool["clBalanceWei"] != nil {
            let validators = ((try? pool.optionalUInt64("clValidators")) ?? nil).map { " in \($0) validator\($0 == 1 ? "" : "s")" } ?? ""
            rows.append(("CL balance", eth("clBalanceWei") + validators + " (as last reported)"))
        }
        if pool["withdrawalVaultWei"] != nil || pool["elVaultWei"] != nil {
            rows.append(("Vaults", "withdrawals \(eth("withdrawalVaultWei")), EL rewards \(eth("elVaultWei")) (collected at the next report)"))
        }
        if pool["wrappedShares"] != nil {
            var text = Format.shares(pool, "wrappedShares") + " held by the wrapper"
            if pool["wstethSupplyWei"] != nil { text += " for " + Format.token(pool, "wstethSupplyWei", .wsteth, exact: exact) }
            rows.append(("Wrapped", text))
        }
        let last = (try? pool.optionalUInt64("lastReportEpoch")) ?? nil
        // Reports fall on multiples of the interval, never at epoch 0: 0 means none yet.
        rows.append(("Last report", last.flatMap { $0 == 0 ? nil : "epoch \($0)" } ?? "none yet"))
        if let next = (try? pool.optionalUInt64("nextReportEpoch")) ?? nil {
            var text = Format.epochFromNow(next, now: now)
            if let interval = (try? pool.optionalUInt64("reportIntervalEpochs")) ?? nil { text += "; every \(Format.wait(epochs: interval))" }
            rows.append(("Next report", text))
        }
        if let fees = pool["feesPaidWei"], fees != .null {
            rows.append(("Fees paid", "operators \(Format.ether(fees, "operatorsWei", exact: exact)), "
                + "treasury \(Format.ether(fees, "treasuryWei", exact: exact))"))
        }
        if let rewards = pool["nodeRewardsWei"], case .object(let byOperator) = rewards {
            let parts = byOperator.keys.sorted().map { name in
                name + " " + ((try? rewards.amount(name)).map { Format.ether(wei: $0, exact: exact) + " ETH" } ?? "?")
            }
            rows.append(("Node rewards", parts.isEmpty ? "none yet" : parts.joined(separator: ", ")))
        }
        if pool["shortfallWei"] != nil { rows.append(("Shortfall", eth("shortfallWei") + " (losses beyond the bonds)")) }
        if let queue = pool["withdrawalQueue"], queue != .null {
            var text = Format.token(queue, "unfinalizedWei", .steth, exact: exact) + " unfinalized"
            if let wait = (try? queue.optionalUInt64("expectedWaitEpochs")) ?? nil { text += "; expected wait " + Format.wait(epochs: wait) }
            if let count = queue["requests"]?.integer { text += " (\(count) request\(count == 1 ? "" : "s") to date)" }
            rows.append(("Withdrawal queue", text))
        }
        if let bunker = try? pool.bool("bunkerMode") {
            rows.append(("Bunker mode", bunker ? "YES: withdrawals wait until the slashing's correlation penalty is known" : "no"))
        }
        if pool["heldReport"] != nil { rows.append(("Held report", heldReport(pool["heldReport"], lastReport: last))) }
        return rows
    }

    /// `epoch 450: <reason> (annualised growth 12.50%); the next report covers the whole
    /// period`, or `none`. A held report applies nothing, so once a later report has been applied
    /// (`lastReport`), it covered the held period.
    static func heldReport(_ held: JSON?, lastReport: UInt64?) -> String {
        guard let held, held != .null else { return "none" }
        let epoch = try? held.uint64("epoch")
        var text = (epoch.map { "epoch \($0)" } ?? "epoch ?") + ": " + ((try? held.string("reason")) ?? "?")
        if let growth = Format.bips(held, "annualisedGrowthBips") {
            text += " (annualised growth \(Format.percent(bips: growth)))"
        }
        if let epoch, let lastReport, lastReport > epoch {
            return text + "; covered by the report of epoch \(lastReport)"
        }
        return text + "; the next report covers the whole period"
    }

    static let operatorHeader = ["OPERATOR", "ACTIVE", "PENDING", "EXITED"]
    static let operatorNumeric: Set<Int> = [1, 2, 3]

    /// The pool's validators by operator, by name.
    static func operatorRows(_ pool: JSON) -> [[String]] {
        guard case .object(let byOperator)? = pool["validators"] else { return [] }
        return byOperator.sorted { $0.key < $1.key }.map { name, counts in
            [name] + ["active", "pending", "exited"].map { counts[$0]?.integer.map(String.init) ?? "?" }
        }
    }

    /// `rewards.pool.set`'s result: the pool's schedule. Its EL reward is a setting, shown exactly.
    static func schedule(_ result: JSON) -> [(String, String)] {
        var rows: [(String, String)] = []
        if let interval = try? result.uint64("reportIntervalEpochs") {
            rows.append(("Report interval", Format.wait(epochs: interval)))
        }
        if let el = try? result.amount("elRewardsWeiPerValidatorEpoch") {
            var text = EtherAmount.format(el) + " ETH per validator per epoch"
            if el % EtherAmount.weiPerGwei == 0 { text += " (" + Format.gwei(el / EtherAmount.weiPerGwei) }
            else { text += " (\(el) wei" }
            if let bips = Format.annualBips(weiPerValidatorEpoch: el) { text += ", ≈ \(Format.percent(bips: bips)) a year on 32 ETH" }
            rows.append(("EL rewards", text + ")"))
        }
        return rows
    }

    // MARK: accounts

    /// The token balances `ledger.account.show` carries (each optional: only what is there).
    static func tokenRows(_ account: JSON, exact: Bool) -> [(String, String)] {
        var rows: [(String, String)] = []
        let steth = account["stethWei"].flatMap { $0 == .null ? nil : $0 } != nil
        let shares = account["stethShares"].flatMap { $0 == .null ? nil : $0 } != nil
        if steth || shares {
            var text = steth ? Format.token(account, "stethWei", .steth, exact: exact) : ""
            if shares {
                let count = Format.shares(account, "stethShares")
                text += steth ? " (\(count))" : count
            }
            rows.append(("stETH", text))
        }
        if account["wstethWei"].flatMap({ $0 == .null ? nil : $0 }) != nil {
            rows.append(("wstETH", Format.token(account, "wstethWei", .wsteth, exact: exact)))
        }
        if account["rethWei"].flatMap({ $0 == .null ? nil : $0 }) != nil {
            rows.append(("rETH", Format.token(account, "rethWei", .reth, exact: exact)))
        }
        if let eeth = try? account.amount("eethWei"), eeth > 0 {
            rows.append(("eETH", Format.token(account, "eethWei", .eeth, exact: exact) + " (\(Format.shares(account, "eethShares")))"))
        }
        if let weeth = try? account.amount("weethWei"), weeth > 0 {
            rows.append(("weETH", Format.token(account, "weethWei", .weeth, exact: exact)))
        }
        return rows
    }
}
