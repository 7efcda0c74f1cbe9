import ArgumentParser
import Contracts

// Restaking balances (PROTOCOL.md §9.7): strategies, pods, delegated shares, AVS slashing,
// escrowed withdrawals, AVS rewards — command-line values in, people's text out.

/// The restaking strategies. Token strategies hold a liquid token (§9.5); `native` is ETH
/// restaked through the owner's pod (1 share = 1 wei).
enum RestakeStrategy: String, CaseIterable {
    case native, steth, wsteth, reth

    /// The unit a strategy's value is given in.
    var symbol: String {
        switch self {
        case .native: "ETH"
        case .steth: "stETH"
        case .wsteth: "wstETH"
        case .reth: "rETH"
        }
    }
}

/// How a completed withdrawal is received (`ledger.restake.withdraw.complete`'s `as`).
enum CompletionMode: String, CaseIterable, ExpressibleByArgument {
    case tokens, shares
}

extension InputParsing {
    /// An asset of `restake deposit` (`native: false`: steth, wsteth, reth) or `restake withdraw
    /// queue` (also native), in any case.
    static func restakeAsset(_ text: String, native: Bool) throws(InputError) -> RestakeStrategy {
        guard let strategy = RestakeStrategy(rawValue: text.lowercased()) else {
            throw InputError("asset '\(text)' is not a restaking strategy; use " + (native ? "native, steth, wsteth or reth" : "steth, wsteth or reth"))
        }
        if strategy == .native && !native {
            throw InputError("native ETH is not deposited: point a validator at the account's pod with "
                + "'stakeline restake native <account> <validator>'")
        }
        return strategy
    }

    /// Deposit shares: a decimal number of shares (`1.5` = 1.5 × 10¹⁸ base units, at most 18
    /// decimals), or with `raw` a whole number of base units, as `--json` gives them. Never 0.
    static func restakeShares(_ text: String, raw: Bool, name: String = "deposit-shares") throws(InputError) -> UInt128 {
        let value: UInt128
        if raw {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw InputError("\(name) '\(text)' with --raw must be a whole number of base units (10^-18 share), digits only")
            }
            guard let parsed = UInt128(text) else { throw InputError("\(name) '\(text)' is too large") }
            value = parsed
        } else {
            do {
                value = try EtherAmount.parse(text, decimals: 18, field: name)
            } catch {
                if error.code == .amountOutOfRange { throw InputError("\(name) '\(text)' is too large") }
                throw InputError("\(name) '\(text)' must be a number of shares such as 1.5 (at most 18 decimals), "
                    + "or base units with --raw (as 'stakeline restake show --json' gives them)")
            }
        }
        guard value > 0 else { throw InputError("\(name) must be more than 0") }
        return value
    }

    /// The fraction of an operator's allocation a slash takes: `0.25`, `25%` or a raw WAD
    /// (`250000000000000000wad`) → WAD, 1 … WAD (0 and more than 100 % are refused).
    static func slashFraction(_ text: String) throws(InputError) -> UInt128 {
        let wad = EtherAmount.weiPerEther
        let value: UInt128
        do {
            if text.hasSuffix("wad") {
                let digits = String(text.dropLast(3))
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let raw = UInt128(digits) else { throw InputError("") }
                value = raw
            } else if text.hasSuffix("%") {
                value = try EtherAmount.parse(String(text.dropLast()), decimals: 16, field: "fraction")
            } else {
                value = try EtherAmount.parse(text, decimals: 18, field: "fraction")
            }
        } catch {
            throw InputError("fraction '\(text)' must be a fraction of the operator's allocation: 0.25, a percentage (25%) "
                + "or a raw WAD (250000000000000000wad)")
        }
        guard value > 0 else { throw InputError("fraction '\(text)' is zero: a slash must take something (at least 1wad)") }
        guard value <= wad else {
            throw InputError("fraction '\(text)' is above 100 %: a slash takes at most the whole allocation (1, 100% or \(wad)wad)")
        }
        return value
    }

    /// The token of `avs rewards submit`: AVS rewards are paid in ETH only.
    static func rewardsToken(_ text: String) throws(InputError) -> String {
        guard text.lowercased() == "eth" else {
            throw InputError("AVS rewards are paid in ETH only (from the AVS's ETH in the books): '\(text)' is not accepted; "
                + "write the amount followed by eth, e.g. 10 eth")
        }
        return "eth"
    }

    /// A positive amount of a token, in decimals (1.5) → base units.
    static func positiveAmount(_ text: String, name: String = "amount") throws(InputError) -> UInt128 {
        let value = try ether(text, name: name)
        guard value > 0 else { throw InputError("\(name) must be more than 0") }
        return value
    }
}

enum RestakeView {
    static func string(_ object: JSON, _ key: String) -> String { (try? object.string(key)) ?? "?" }

    /// A field that may be absent or null.
    static func given(_ object: JSON, _ key: String) -> JSON? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    /// An integer field (a JSON number, or a decimal string) as text; `?` when missing.
    static func number(_ object: JSON, _ key: String) -> String {
        switch object[key] {
        case .number(let text)?, .string(let text)?: text
        default: "?"
        }
    }

    static func strategy(of object: JSON) -> RestakeStrategy? {
        (try? object.string("strategy")).flatMap(RestakeStrategy.init(rawValue:))
    }

    /// The unit of a strategy's token, or the strategy's name when unknown.
    static func unit(of object: JSON) -> String {
        strategy(of: object)?.symbol ?? string(object, "strategy")
    }

    /// Shares (18 decimals) as `1.500000` (6 decimals, rounded down) or exactly; `?` when missing.
    static func shares(_ object: JSON, _ key: String, exact: Bool) -> String {
        guard let value = try? object.amount(key) else { return "?" }
        return Format.ether(wei: value, exact: exact)
    }

    /// An amount of the strategy's token with its unit: `1.500000 stETH`.
    static func value(_ object: JSON, _ key: String, strategyOf: JSON? = nil, exact: Bool) -> String {
        guard let value = try? object.amount(key) else { return "?" }
        return Format.ether(wei: value, exact: exact) + " " + unit(of: strategyOf ?? object)
    }

    /// A WAD as a percentage with 4 decimals, rounded down: `96.8750%`.
    static func percent(wad value: UInt128) -> String {
        let units = value / 1_000_000_000_000 // 0.0001 % of WAD
        let whole = units / 10_000, fraction = String(units % 10_000)
        return "\(whole)." + String(repeating: "0", count: 4 - fraction.count) + fraction + "%"
    }

    static func percent(_ object: JSON, _ key: String) -> String {
        (try? object.amount(key)).map { percent(wad: $0) } ?? "?"
    }

    /// `in 3000 epochs (≈ 13 d 8 h)`, or `now` when `epoch` is not in the future.
    static func countdown(to epoch: UInt64, now: UInt64) -> String {
        epoch > now ? "in " + Format.wait(epochs: epoch - now) : "now"
    }

    /// The `stakes` entry of `staker` in `strategy`, from an event-shaped result.
    static func stake(in result: JSON, staker: String, strategy: String) -> JSON? {
        ((try? result.array("stakes")) ?? []).first {
            (try? $0.string("staker")) == staker && (try? $0.string("strategy")) == strategy
        }
    }

    /// `operatorShares` of `operator` in `strategy`.
    static func operatorShares(in result: JSON, operator name: String, strategy: String) -> JSON? {
        ((try? result.array("operatorShares")) ?? []).first {
            (try? $0.string("operator")) == name && (try? $0.string("strategy")) == strategy
        }
    }

    /// The position of `staker` in `strategy` after a change: shares and delegation.
    static func positionRows(_ result: JSON, staker: String, strategy: String, exact: Bool) -> [(String, String)] {
        guard let stake = stake(in: result, staker: staker, strategy: strategy) else { return [] }
        var rows: [(String, String)] = [
            ("Deposit shares", shares(stake, "depositShares", exact: exact) + " (\(strategy))"),
            ("Withdrawable shares", shares(stake, "withdrawableShares", exact: exact)),
        ]
        if let name = try? stake.string("operator") {
            var text = name
            if let entry = operatorShares(in: result, operator: name, strategy: strategy) {
                text += " (its \(strategy) shares now \(shares(entry, "shares", exact: exact)))"
            }
            rows.append(("Delegated to", text))
        } else {
            rows.append(("Delegated to", "nobody (stakeline delegate \(staker) <operator>)"))
        }
        return rows
    }

    // MARK: deposit, native, checkpoint

    static func deposited(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account"), strategy = string(result, "strategy")
        var lines = ["\(account) restaked \(value(result, "amountWei", exact: exact)) into the \(strategy) strategy: "
            + "\(shares(result, "shares", exact: exact)) shares minted"]
        if let credited = try? result.amount("amountCreditedWei"), let asked = try? result.amount("amountWei"), credited != asked {
            lines.append("  The strategy was credited \(value(result, "amountCreditedWei", exact: exact)) "
                + "(stETH moves as shares: \(asked > credited ? asked - credited : credited - asked) wei \(asked > credited ? "less" : "more") than asked)")
        }
        lines += Format.fields(positionRows(result, staker: account, strategy: strategy, exact: exact)).map { "  " + $0 }
        return lines
    }

    static func nativeVerified(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        var lines = ["Validator \(number(result, "validator")) restaked through \(account)'s pod: "
            + "\(Format.ether(result, "restakedWei", exact: exact)) credited as native shares"]
        lines += Format.fields(positionRows(result, staker: account, strategy: "native", exact: exact)).map { "  " + $0 }
        lines.append("Its sweeps (partial and full withdrawals) are now paid into the pod; "
            + "'stakeline restake checkpoint \(account)' credits growth or records a loss.")
        return lines
    }

    static func checkpointed(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        let reason = (try? result.string("reason")) == "validator_slashed" ? " (started by a beacon-chain slashing)" : ""
        var lines = ["Checkpoint of \(account)'s pod\(reason): restaked balance "
            + "\(Format.ether(result, "previousRestakedWei", exact: exact)) → \(Format.ether(result, "restakedWei", exact: exact))"]
        var rows: [(String, String)] = []
        let added = (try? result.amount("sharesAdded")) ?? 0
        let decrease = (try? result.amount("decreaseWei")) ?? 0
        if added > 0 { rows.append(("Shares added", shares(result, "sharesAdded", exact: exact) + " native shares")) }
        if decrease > 0 { rows.append(("Decrease", Format.ether(result, "decreaseWei", exact: exact))) }
        if let bcsf = try? result.amount("beaconChainSlashingFactorWad"), decrease > 0 || bcsf < EtherAmount.weiPerEther {
            rows.append(("Slashing factor", percent(result, "beaconChainSlashingFactorWad")
                + " (beacon chain: scales the native shares' withdrawable value)"))
        }
        if let removed = try? result.amount("operatorSharesRemoved"), removed > 0 {
            rows.append(("Operator shares", "−" + Format.ether(wei: removed, exact: exact) + " native shares of its operator"))
        }
        if added == 0 && decrease == 0 { rows.append(("Change", "none (recorded all the same)")) }
        lines += Format.fields(rows).map { "  " + $0 }
        return lines
    }

    // MARK: withdrawals

    static func withdrawalQueued(_ result: JSON, exact: Bool) -> [String] {
        let withdrawal = given(result, "withdrawal") ?? .object([:])
        let id = number(withdrawal, "id"), staker = string(withdrawal, "staker"), strategy = string(withdrawal, "strategy")
        var lines = ["Withdrawal \(id) queued: \(shares(withdrawal, "depositShares", exact: exact)) \(strategy) deposit shares of \(staker)"]
        var rows: [(String, String)] = []
        let start = try? withdrawal.uint64("startEpoch")
        let release = try? withdrawal.uint64("releaseEpoch")
        if let name = try? withdrawal.string("operator") {
            let until = start.map { " through epoch \($0 + 3150)" } ?? ""
            rows.append(("Operator", "\(name): the withdrawal stays slashable by its operator sets\(until)"))
        } else {
            rows.append(("Operator", "none (not delegated)"))
        }
        rows.append(("Scaled shares", shares(withdrawal, "scaledShares", exact: exact)))
        if let release {
            rows.append(("Completable", start.map { "from epoch \(release), \(countdown(to: release, now: $0))" } ?? "from epoch \(release)"))
        } else {
            rows.append(("Completable", "from epoch ?"))
        }
        lines += Format.fields(rows).map { "  " + $0 }
        lines.append("Then: stakeline restake withdraw complete \(staker) \(id) --as tokens (or --as shares to restake them)")
        return lines
    }

    static func withdrawalCompleted(_ result: JSON, exact: Bool) -> [String] {
        let id = number(result, "id"), account = string(result, "account"), strategy = string(result, "strategy")
        if (try? result.string("as")) == "shares" {
            var lines = ["Withdrawal \(id) completed as shares: \(shares(result, "shares", exact: exact)) \(strategy) shares deposited again for \(account)"]
            lines += Format.fields(positionRows(result, staker: account, strategy: strategy, exact: exact)).map { "  " + $0 }
            return lines
        }
        let source = strategy == "native" ? "ETH from the pod" : "from the \(strategy) strategy"
        return ["Withdrawal \(id) completed as tokens: \(shares(result, "shares", exact: exact)) \(strategy) shares paid out as "
            + "\(value(result, "amountWei", exact: exact)) to \(account) (\(source))"]
    }

    /// For a withdrawal not released yet: `releases at epoch 3171, in 3071 epochs (≈ 13 d 15 h)`,
    /// from a `ledger.restake.show` result; nil when it is not there or already released.
    static func releaseHint(_ show: JSON, id: UInt64) -> String? {
        guard let now = try? show.uint64("epoch"),
              let withdrawal = ((try? show.array("withdrawals")) ?? []).first(where: { $0["id"]?.integer == id }),
              let release = try? withdrawal.uint64("releaseEpoch"), release > now else { return nil }
        return "releases at epoch \(release), \(countdown(to: release, now: now)): stakeline epochs advance \(release - now)"
    }

    // MARK: show

    static let positionHeader = ["STRATEGY", "DEPOSIT SHARES", "WITHDRAWABLE SHARES", "VALUE", "UNIT"]
    static let positionNumeric: Set<Int> = [1, 2, 3]

    static func positionRow(_ position: JSON, exact: Bool) -> [String] {
        [string(position, "strategy"), shares(position, "depositShares", exact: exact), shares(position, "withdrawableShares", exact: exact),
         shares(position, "valueWei", exact: exact), unit(of: position)]
    }

    static let withdrawalHeader = ["ID", "STRATEGY", "OPERATOR", "DEPOSIT SHARES", "SHARES NOW", "QUEUED", "RELEASE", "STATUS"]
    static let withdrawalNumeric: Set<Int> = [0, 3, 4, 5, 6]

    static func withdrawalRow(_ withdrawal: JSON, now: UInt64?, exact: Bool) -> [String] {
        let release = try? withdrawal.uint64("releaseEpoch")
        let status: String
        if withdrawal["completable"] == .bool(true) {
            status = "completable now"
        } else if let release, let now, release > now {
            status = countdown(to: release, now: now)
        } else {
            status = "not completable yet"
        }
        return [number(withdrawal, "id"), string(withdrawal, "strategy"), (try? withdrawal.string("operator")) ?? Format.noEpoch,
                shares(withdrawal, "depositShares", exact: exact), shares(withdrawal, "sharesNow", exact: exact),
                Format.epoch(withdrawal, "startEpoch"), Format.epoch(withdrawal, "releaseEpoch"), status]
    }

    /// `ledger.restake.show`: delegation, BCSF (when below 100 %), positions, pod, withdrawals.
    static func show(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        let now = try? result.uint64("epoch")
        var lines = ["Restaking of \(account)" + (now.map { " (epoch \($0))" } ?? "")]
        var rows: [(String, String)] = [("Delegated to", (try? result.string("delegatedTo")) ?? "nobody")]
        if let bcsf = try? result.amount("beaconChainSlashingFactorWad"), bcsf < EtherAmount.weiPerEther {
            rows.append(("Beacon chain slashing factor", percent(wad: bcsf) + " (pod losses scale the native shares' value down)"))
        }
        if let pod = given(result, "pod") {
            let ids = pod.texts("validators")
            var text = ids.isEmpty ? "no validators" : "\(ids.count) validator\(ids.count == 1 ? "" : "s") (\(ids.joined(separator: ", ")))"
            text += "; restaked \(Format.ether(pod, "restakedWei", exact: exact)), \(Format.ether(pod, "podWei", exact: exact)) swept into it"
            if let last = (try? pod.optionalUInt64("lastCheckpointEpoch")) ?? nil { text += "; last checkpoint epoch \(last)" }
            rows.append(("Pod", text))
        }
        lines += Format.fields(rows)
        let positions = (try? result.array("positions")) ?? []
        if positions.isEmpty {
            lines.append("No restaked positions (stakeline restake deposit \(account) <amount> steth|wsteth|reth).")
        } else {
            lines.append("")
            lines += Format.table(positionHeader, positions.map { positionRow($0, exact: exact) }, rightAligned: positionNumeric)
        }
        let withdrawals = (try? result.array("withdrawals")) ?? []
        if !withdrawals.isEmpty {
            lines.append("")
            lines.append("Queued withdrawals (escrowed 3151 epochs ≈ \(Format.span(epochs: 3151)) and slashable until released):")
            lines += Format.table(withdrawalHeader, withdrawals.map { withdrawalRow($0, now: now, exact: exact) },
                                  rightAligned: withdrawalNumeric)
            if let ready = withdrawals.first(where: { $0["completable"] == .bool(true) }) {
                lines.append("Complete: stakeline restake withdraw complete \(account) \(number(ready, "id")) --as tokens|shares")
            }
        }
        return lines
    }

    // MARK: operators and AVSs

    static let operatorStrategyHeader = ["STRATEGY", "DELEGATED SHARES", "MAX MAGNITUDE", "VALUE", "UNIT"]
    static let slashHeader = ["EPOCH", "SET", "STRATEGY", "OPERATOR SHARES SLASHED", "QUEUED SHARES SLASHED", "BURNED", "UNIT"]
    static let slashNumeric: Set<Int> = [0, 3, 4, 5]

    static func slashRow(_ slash: JSON, exact: Bool) -> [String] {
        [number(slash, "epoch"), "\(string(slash, "avs"))/\(number(slash, "setId"))", string(slash, "strategy"),
         shares(slash, "operatorSharesSlashed", exact: exact), shares(slash, "queuedSharesSlashed", exact: exact),
         shares(slash, "burnedWei", exact: exact), unit(of: slash)]
    }

    /// `ledger.restake.operator`: delegated stake per strategy, delegators, slashing history.
    static func operatorLedger(_ view: JSON, delegators showDelegators: Bool = true, exact: Bool) -> [String] {
        var lines: [String] = []
        // A strategy with no shares and an untouched magnitude says nothing: not listed.
        let strategies = ((try? view.array("strategies")) ?? []).filter { item in
            item["shares"] != .string("0") || item["maxMagnitudeWad"] != .string("1000000000000000000")
        }
        if strategies.isEmpty {
            lines.append("Delegated stake: none")
        } else {
            lines.append("Delegated stake (ledger):")
            let rows = strategies.map { item in
                [string(item, "strategy"), shares(item, "shares", exact: exact), percent(item, "maxMagnitudeWad"),
                 shares(item, "valueWei", exact: exact), unit(of: item)]
            }
            lines += Format.table(operatorStrategyHeader, rows, rightAligned: [1, 2, 3]).map { "  " + $0 }
        }
        switch showDelegators ? view["delegators"] : nil {
        case .number(let count)?: lines.append("Delegators: \(count)")
        case .array(let list)?:
            let names = list.compactMap { value -> String? in if case .string(let name) = value { return name } else { return nil } }
            lines.append("Delegators: \(list.count)" + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))"))
        default: break
        }
        let slashes = (try? view.array("slashes")) ?? []
        if slashes.isEmpty {
            lines.append("Slashing history: none")
        } else {
            lines.append("Slashing history:")
            lines += Format.table(slashHeader, slashes.map { slashRow($0, exact: exact) }, rightAligned: slashNumeric).map { "  " + $0 }
        }
        return lines
    }

    /// `slashing.avs.slash`'s result, with the ledger's application of it per strategy when known.
    static func slashed(_ result: JSON, ledger: [JSON], exact: Bool) -> [String] {
        let set = "\(string(result, "avs"))/\(number(result, "setId"))"
        var lines = ["\(string(result, "avs")) slashed \(string(result, "operator")) by \(percent(result, "wadToSlash")) of its allocation to "
            + "\(set) at epoch \(number(result, "epoch"))" + (result["slashId"] != nil ? " (slash \(number(result, "slashId")))" : "")]
        if let reason = try? result.string("reason") { lines.append("Reason: \(reason)") }
        let strategies = (try? result.array("strategies")) ?? []
        let rows = strategies.map { item -> [String] in
            let name = string(item, "strategy")
            let applied = ledger.last { (try? $0.string("strategy")) == name }
            return [name, percent(item, "previousMaxMagnitudeWad") + " → " + percent(item, "newMaxMagnitudeWad"),
                    applied.map { shares($0, "operatorSharesSlashed", exact: exact) } ?? Format.noEpoch,
                    applied.map { shares($0, "queuedSharesSlashed", exact: exact) } ?? Format.noEpoch,
                    applied.map { shares($0, "burnedWei", exact: exact) } ?? Format.noEpoch,
                    RestakeStrategy(rawValue: name)?.symbol ?? name]
        }
        if !rows.isEmpty {
            lines += Format.table(["STRATEGY", "MAX MAGNITUDE", "OPERATOR SHARES SLASHED", "QUEUED SHARES SLASHED", "BURNED", "UNIT"],
                                  rows, rightAligned: [2, 3, 4])
        }
        if strategies.contains(where: { (try? $0.string("strategy")) == "native" }) {
            lines.append("Native ETH slashed stays in the validators and pods, never withdrawable.")
        }
        return lines
    }

    static let submissionHeader = ["SUBMISSION", "SET", "AMOUNT", "EPOCHS", "START", "DISTRIBUTED", "UNDISTRIBUTED", "REMAINING"]
    static let submissionNumeric: Set<Int> = [0, 2, 3, 4, 5, 6, 7]

    static func submissionRow(_ item: JSON, avs: String, exact: Bool) -> [String] {
        [number(item, "submission"), "\(avs)/\(number(item, "setId"))", Format.ether(item, "amountWei", exact: exact, unit: false),
         number(item, "epochs"), number(item, "startEpoch"), Format.ether(item, "distributedWei", exact: exact, unit: false),
         Format.ether(item, "undistributedWei", exact: exact, unit: false), number(item, "remainingEpochs")]
    }

    static func funded(_ result: JSON, submission: JSON?, exact: Bool) -> [String] {
        let set = "\(string(result, "avs"))/\(number(result, "setId"))"
        let epochs = (try? result.uint64("epochs")) ?? 0
        var lines = ["\(string(result, "avs")) funded \(Format.ether(result, "amountWei", exact: exact)) of rewards for \(set) over "
            + Format.wait(epochs: epochs) + " (submission \(number(result, "submission")))"]
        if let submission {
            if let start = try? submission.uint64("startEpoch") {
                var text = "from epoch \(start)"
                if let amount = try? result.amount("amountWei"), epochs > 0 {
                    text += ", ≈ " + Format.ether(wei: amount / UInt128(epochs), exact: exact) + " ETH an epoch"
                }
                lines.append("  Paid out " + text + " to the set's operators and their stakers, by slashable stake")
            }
        }
        lines.append("  Held in escrow until claimed: stakeline rewards show <account>")
        return lines
    }

    // MARK: AVS rewards of an account

    static func rewards(_ result: JSON, exact: Bool) -> [String] {
        let account = string(result, "account")
        var lines = ["AVS rewards of \(account)" + ((try? result.uint64("epoch")).map { " (epoch \($0))" } ?? "")]
        lines += Format.fields([
            ("Claimable", Format.ether(result, "claimableWei", exact: exact)),
            ("Claimed to date", Format.ether(result, "claimedWei", exact: exact)),
        ])
        let sources = (try? result.array("sources")) ?? []
        if sources.isEmpty {
            lines.append("No sources yet (rewards accrue to delegators and operators of funded operator sets, each epoch).")
        } else {
            let rows = sources.map { item in
                ["\(string(item, "avs"))/\(number(item, "setId"))", string(item, "role"),
                 Format.ether(item, "accruedWei", exact: exact, unit: false), Format.ether(item, "claimedWei", exact: exact, unit: false)]
            }
            lines.append("")
            lines += Format.table(["SOURCE", "ROLE", "ACCRUED (ETH)", "CLAIMED (ETH)"], rows, rightAligned: [2, 3])
        }
        if let claimable = try? result.amount("claimableWei"), claimable > 0 {
            lines.append("Claim: stakeline rewards claim \(account)")
        }
        return lines
    }

    static func claimed(_ result: JSON, balance: JSON?, exact: Bool) -> [String] {
        let account = string(result, "account")
        let whereTo = account.hasPrefix("pool:eeth/")
            ? "into the eeth pool's AVS-rewards vault (its buffer at the next report)" : "credited to its ETH in the books"
        var lines = ["Claimed \(Format.ether(result, "amountWei", exact: exact)) of AVS rewards for \(account): \(whereTo)"
            + (balance.map { "; balance now " + Format.ether($0, "balanceWei", exact: exact) } ?? "")]
        let sources = (try? result.array("bySource")) ?? []
        if !sources.isEmpty {
            let rows = sources.map { ["\(string($0, "avs"))/\(number($0, "setId"))", Format.ether($0, "amountWei", exact: exact, unit: false)] }
            lines += Format.table(["SOURCE", "AMOUNT (ETH)"], rows, rightAligned: [1]).map { "  " + $0 }
        }
        return lines
    }
}

extension RestakeView {
    /// `avs show`'s figures from the ledger and rewards: its slashes (each with `operator`) and
    /// its rewards submissions; nil lists are left out (the notes say why).
    static func avsFigures(avs: String, slashes: [JSON]?, submissions: [JSON]?, notes: [String], exact: Bool) -> [String] {
        var lines: [String] = []
        if let slashes {
            if slashes.isEmpty {
                lines.append("Slashings: none")
            } else {
                lines.append("Slashings (as the ledger applied them):")
                let rows = slashes.map { [string($0, "operator")] + slashRow($0, exact: exact) }
                lines += Format.table(["OPERATOR"] + slashHeader, rows, rightAligned: Set(slashNumeric.map { $0 + 1 })).map { "  " + $0 }
            }
        }
        if let submissions {
            if submissions.isEmpty {
                lines.append("Rewards submissions: none (stakeline avs rewards submit \(avs)/<id> <amount> eth --epochs N)")
            } else {
                lines.append("Rewards submissions (ETH):")
                lines += Format.table(submissionHeader, submissions.map { submissionRow($0, avs: avs, exact: exact) },
                                      rightAligned: submissionNumeric).map { "  " + $0 }
            }
        }
        return lines + notes
    }
}
