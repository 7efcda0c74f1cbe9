import Contracts

// Risk views (PROTOCOL.md §9.9): concentration, AVS exposure and simulated slashes — the
// composition of the services' answers and people's text. Pure: every function here takes the
// services' JSON and returns JSON or lines.

enum RiskView {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    static func amount(_ object: JSON, _ key: String) -> UInt128 { (try? object.amount(key)) ?? 0 }
    static func array(_ object: JSON, _ key: String) -> [JSON] { (try? object.array(key)) ?? [] }

    /// `floor(shares × floor(magnitude × WAD / max) / WAD)`: EigenLayer's allocated-stake view
    /// (PROTOCOL.md §9.7); 0 when the max magnitude is 0.
    static func allocatedShares(_ shares: UInt128, magnitude: UInt128, max: UInt128) -> UInt128 {
        guard max > 0 else { return 0 }
        let ratio = magnitude * wad / max
        return wad.dividingFullWidth(shares.multipliedFullWidth(by: ratio)).quotient
    }

    /// `floor(value × part / whole)` (a share count valued pro rata); 0 when `whole` is 0.
    static func proRata(_ value: UInt128, _ part: UInt128, of whole: UInt128) -> UInt128 {
        guard whole > 0 else { return 0 }
        return whole.dividingFullWidth(value.multipliedFullWidth(by: part)).quotient
    }

    /// A signed decimal string (`pendingDiffWad`) as sign and magnitude.
    static func signed(_ text: String) -> (negative: Bool, magnitude: UInt128) {
        if text.hasPrefix("-") { return (true, UInt128(text.dropFirst()) ?? 0) }
        return (false, UInt128(text) ?? 0)
    }

    // MARK: Exposure

    /// Which operator sets can slash which of `holdings` (strategy → (shares, value in the
    /// token)) through `operator`'s allocations (`slashing.operator.allocations`), as rows:
    /// `{avs, setId, operator, strategy, registered, slashable, magnitudeWad, maxMagnitudeWad,
    /// shares, slashableShares, slashableValueWei, untilEpoch (null: open-ended while
    /// registered), deallocating: null | {magnitudeWad, shares, untilEpoch}, allocating: null |
    /// {magnitudeWad, fromEpoch}}`. A set that can no longer slash the operator gives 0.
    static func exposureRows(operator name: String, allocations: JSON, holdings: [String: (shares: UInt128, valueWei: UInt128)]) -> [JSON] {
        var sets: [String: JSON] = [:]
        for set in array(allocations, "sets") {
            sets["\(RestakeView.string(set, "avs"))/\(RestakeView.number(set, "setId"))"] = set
        }
        var maxMagnitude: [String: UInt128] = [:]
        for strategy in array(allocations, "strategies") {
            maxMagnitude[RestakeView.string(strategy, "strategy")] = amount(strategy, "maxMagnitudeWad")
        }
        var rows: [JSON] = []
        for allocation in array(allocations, "allocations") {
            let strategy = RestakeView.string(allocation, "strategy")
            let key = "\(RestakeView.string(allocation, "avs"))/\(RestakeView.number(allocation, "setId"))"
            guard let set = sets[key], let held = holdings[strategy], held.shares > 0 else { continue }
            let registered = set["registered"] == .bool(true)
            let slashable = set["slashable"] == .bool(true)
            let max = maxMagnitude[strategy] ?? wad
            let current = amount(allocation, "currentMagnitudeWad")
            let slashableShares = slashable ? allocatedShares(held.shares, magnitude: current, max: max) : 0
            let until: JSON = registered ? .null : (set["slashableUntilEpoch"] ?? .null)
            var deallocating: JSON = .null
            var allocating: JSON = .null
            if let pending = RestakeView.given(allocation, "pending"), let effect = try? pending.uint64("effectEpoch") {
                let (negative, diff) = signed(RestakeView.string(pending, "diffWad"))
                if negative {
                    // The deallocated magnitude stays slashable through the epoch before it takes effect.
                    deallocating = .object([
                        "magnitudeWad": .amount(diff),
                        "shares": .amount(slashable ? allocatedShares(held.shares, magnitude: diff, max: max) : 0),
                        "untilEpoch": .int(effect - 1),
                    ])
                } else if diff > 0 {
                    allocating = .object(["magnitudeWad": .amount(diff), "fromEpoch": .int(effect)])
                }
            }
            rows.append(.object([
                "avs": allocation["avs"] ?? .null, "setId": allocation["setId"] ?? .null, "operator": .string(name),
                "strategy": .string(strategy), "registered": .bool(registered), "slashable": .bool(slashable),
                "magnitudeWad": .amount(current), "maxMagnitudeWad": .amount(max), "shares": .amount(held.shares),
                "slashableShares": .amount(slashableShares),
                "slashableValueWei": .amount(proRata(held.valueWei, slashableShares, of: held.shares)),
                "untilEpoch": until, "deallocating": deallocating, "allocating": allocating,
            ]))
        }
        return rows
    }

    /// What each allocation of an operator can be slashed for now, in the strategy's token: its
    /// delegated shares (`holdings`, from the ledger) × current / max magnitude (from
    /// `slashing.operator.allocations`), 0 in a set that can no longer slash it. Keyed by
    /// `<avs>/<setId>`, then strategy; a strategy the operator holds nothing in is absent.
    static func slashableNowWei(allocations: JSON, holdings: [String: (shares: UInt128, valueWei: UInt128)]) -> [String: [String: UInt128]] {
        func key(_ item: JSON) -> String { "\(RestakeView.string(item, "avs"))/\(RestakeView.number(item, "setId"))" }
        var maxMagnitudes: [String: UInt128] = [:]
        for strategy in array(allocations, "strategies") {
            maxMagnitudes[RestakeView.string(strategy, "strategy")] = try? strategy.amount("maxMagnitudeWad")
        }
        let slashableSets = Set(array(allocations, "sets").filter { $0["slashable"] == .bool(true) }.map(key))
        var slashable: [String: [String: UInt128]] = [:]
        for item in array(allocations, "allocations") {
            let strategy = RestakeView.string(item, "strategy")
            guard let held = holdings[strategy], let current = try? item.amount("currentMagnitudeWad") else { continue }
            let shares = slashableSets.contains(key(item))
                ? allocatedShares(held.shares, magnitude: current, max: maxMagnitudes[strategy] ?? wad) : 0
            slashable[key(item), default: [:]][strategy] = proRata(held.valueWei, shares, of: held.shares)
        }
        return slashable
    }

    /// An operator's own holdings: its delegated shares per strategy (`ledger.restake.operator`).
    static func operatorHoldings(_ view: JSON) -> [String: (shares: UInt128, valueWei: UInt128)] {
        var holdings: [String: (shares: UInt128, valueWei: UInt128)] = [:]
        for strategy in array(view, "strategies") {
            holdings[RestakeView.string(strategy, "strategy")] = (amount(strategy, "shares"), amount(strategy, "valueWei"))
        }
        return holdings
    }

    /// An account's holdings: its withdrawable shares per strategy (`ledger.restake.show`).
    static func accountHoldings(_ show: JSON) -> [String: (shares: UInt128, valueWei: UInt128)] {
        var holdings: [String: (shares: UInt128, valueWei: UInt128)] = [:]
        for position in array(show, "positions") {
            holdings[RestakeView.string(position, "strategy")] = (amount(position, "withdrawableShares"), amount(position, "valueWei"))
        }
        return holdings
    }

    /// An account's escrowed withdrawals, slashable by their original operator through
    /// `releaseEpoch − 1`, with the operator sets that operator is slashable by (from its
    /// allocations, when given).
    static func escrowRows(_ show: JSON, allocations: [String: JSON], now: UInt64) -> [JSON] {
        array(show, "withdrawals").compactMap { withdrawal in
            guard let name = try? withdrawal.string("operator"), let release = try? withdrawal.uint64("releaseEpoch"), release > now else {
                return nil
            }
            let strategy = RestakeView.string(withdrawal, "strategy")
            let sets: [JSON] = (allocations[name].map { array($0, "allocations") } ?? []).filter {
                RestakeView.string($0, "strategy") == strategy && amount($0, "currentMagnitudeWad") > 0
            }.map { .string("\(RestakeView.string($0, "avs"))/\(RestakeView.number($0, "setId"))") }
            return .object([
                "id": withdrawal["id"] ?? .null, "operator": .string(name), "strategy": .string(strategy),
                "sharesNow": withdrawal["sharesNow"] ?? .null, "slashableUntilEpoch": .int(release - 1), "sets": .array(sets),
            ])
        }
    }

    /// People's text for `risk exposure`.
    static func exposure(_ result: JSON, exact: Bool) -> [String] {
        let subject = RestakeView.string(result, "subject"), kind = RestakeView.string(result, "kind")
        var lines: [String] = []
        if let note = try? result.string("note") { lines.append("\(subject) (\(kind)): \(note)") }
        let rows = array(result, "exposures")
        if rows.isEmpty {
            if lines.isEmpty { lines.append("\(subject) (\(kind)): no AVS exposure: no operator set can slash its stake") }
        } else {
            lines.append("\(subject) (\(kind)): operator sets that can slash its stake, as of epoch \(RestakeView.number(result, "epoch"))")
            lines += Format.table(
                ["SET", "OPERATOR", "STRATEGY", "ALLOCATED", "SLASHABLE NOW", "UNTIL"],
                rows.map { row in
                    var until = RestakeView.given(row, "untilEpoch") != nil
                        ? "epoch " + RestakeView.number(row, "untilEpoch") : "open-ended (registered)"
                    if row["slashable"] != .bool(true) { until = "no longer slashable" }
                    return [
                        "\(RestakeView.string(row, "avs"))/\(RestakeView.number(row, "setId"))", RestakeView.string(row, "operator"),
                        RestakeView.string(row, "strategy"), RestakeView.percent(row, "magnitudeWad"),
                        RestakeView.value(row, "slashableValueWei", exact: exact), until,
                    ]
                }, rightAligned: [4])
            for row in rows {
                let set = "\(RestakeView.string(row, "avs"))/\(RestakeView.number(row, "setId"))"
                if let deallocating = RestakeView.given(row, "deallocating") {
                    lines.append("  \(set) \(RestakeView.string(row, "strategy")): \(RestakeView.shares(deallocating, "shares", exact: exact)) "
                        + "shares are being deallocated and stay slashable through epoch \(RestakeView.number(deallocating, "untilEpoch"))")
                }
                if let allocating = RestakeView.given(row, "allocating") {
                    lines.append("  \(set) \(RestakeView.string(row, "strategy")): \(RestakeView.percent(allocating, "magnitudeWad")) more "
                        + "becomes slashable from epoch \(RestakeView.number(allocating, "fromEpoch"))")
                }
            }
        }
        for escrow in array(result, "withdrawals") {
            let sets = array(escrow, "sets").map { ($0.stringValue ?? "?") }
            lines.append("Escrowed withdrawal #\(RestakeView.number(escrow, "id")): \(RestakeView.shares(escrow, "sharesNow", exact: exact)) "
                + "\(RestakeView.string(escrow, "strategy")) shares slashable by \(RestakeView.string(escrow, "operator"))"
                + (sets.isEmpty ? "" : " (\(sets.joined(separator: ", ")))")
                + " through epoch \(RestakeView.number(escrow, "slashableUntilEpoch"))")
        }
        for pool in array(result, "throughPools") {
            let name = RestakeView.string(pool, "pool")
            lines.append("Through the \(name) pool: \(Format.ether(pool, "eethWei", exact: exact, unit: false)) eETH and "
                + "\(Format.ether(pool, "weethWei", exact: exact, unit: false)) weETH, restaked by the pool "
                + "(stakeline risk exposure \(name); a simulate-slash shows each holder's share of the pool's loss)")
        }
        return lines
    }

    // MARK: Concentration

    static func concentration(_ result: JSON, exact: Bool) -> [String] {
        var lines = ["Stake at epoch \(RestakeView.number(result, "epoch")): \(Format.ether(result, "totalStakeWei", exact: exact)) in "
            + "\(RestakeView.number(result, "validators")) active validator"
            + (RestakeView.number(result, "validators") == "1" ? "" : "s") + " (effective balances)"]
        func share(_ row: JSON, _ key: String) -> String {
            (try? row.uint64(key)).map { Format.percent(bips: $0) } ?? "?"
        }
        func flag(_ row: JSON) -> String { row["atLeastOneThird"] == .bool(true) ? "⚠ ≥ 1/3" : "" }
        lines.append("")
        lines.append("By who runs the validators (solo owner or node operator):")
        if array(result, "operators").isEmpty { lines.append("  (no validator is active at this epoch)") }
        else { lines += Format.table(["NAME", "KIND", "VALIDATORS", "STAKE", "SHARE", ""],
            array(result, "operators").map { row in
                let pools = (row["byRole"].flatMap { value -> [String]? in
                    if case .object(let roles) = value { return roles.keys.filter { $0 != "solo" }.sorted() }
                    return nil
                } ?? []).joined(separator: ", ")
                let kind = switch RestakeView.string(row, "kind") {
                case "node-operator": "node operator (" + RestakeView.string(row, "pool") + ")"
                case "restaking-operator": "restaking operator (" + pools + ")"
                case "pool-operator": "pool operator (" + pools + ")"
                default: "solo"
                }
                return [RestakeView.string(row, "name"), kind, RestakeView.number(row, "validators"),
                        Format.ether(row, "stakeWei", exact: exact), share(row, "shareBips"), flag(row)]
            }, rightAligned: [2, 3, 4]) }
        lines.append("")
        lines.append("By pool:")
        lines += Format.table(["POOL", "VALIDATORS", "OPERATORS", "STAKE", "SHARE", "RESTAKED", ""],
            array(result, "pools").map { row in
                [RestakeView.string(row, "pool"), RestakeView.number(row, "validators"), RestakeView.number(row, "operators"),
                 Format.ether(row, "stakeWei", exact: exact), share(row, "shareBips"), row["restaked"] == .bool(true) ? "yes" : "no", flag(row)]
            }, rightAligned: [1, 2, 3, 4])
        let restaking = result["restaking"] ?? .object([:])
        let restakers = array(restaking, "operators")
        lines.append("")
        if restakers.isEmpty {
            lines.append("Restaked stake: no restaking operator holds delegated shares")
        } else {
            lines.append("Restaked stake by restaking operator (delegated shares in ETH; queued withdrawals not counted): "
                + Format.ether(restaking, "totalEtherWei", exact: exact))
            lines += Format.table(["OPERATOR", "RESTAKED", "OF RESTAKED", "OF ALL STAKE", ""],
                restakers.map { row in
                    [RestakeView.string(row, "operator"), Format.ether(row, "etherWei", exact: exact),
                     share(row, "shareOfRestakedBips"), share(row, "shareOfStakeBips"), flag(row)]
                }, rightAligned: [1, 2, 3])
        }
        let warnings = array(result, "warnings").compactMap(\.stringValue)
        lines.append("")
        lines += warnings.isEmpty
            ? ["No operator or pool reaches 1/3 of the stake."]
            : warnings.map { "warning: \($0)" }
        return lines
    }

    // MARK: Simulated slash

    static func simulated(_ slashing: JSON, ledger: JSON, exact: Bool) -> [String] {
        let set = "\(RestakeView.string(slashing, "avs"))/\(RestakeView.number(slashing, "setId"))"
        let name = RestakeView.string(slashing, "operator")
        var lines = ["Dry run: \(set) slashes \(RestakeView.percent(slashing, "wadToSlash")) of \(name)'s allocation "
            + "at epoch \(RestakeView.number(slashing, "epoch")) — nothing was changed."]
        let parts = array(slashing, "strategies")
        if parts.isEmpty { lines.append("No strategy of the set has an allocation: nothing would be slashed (the slash would still count).") }
        let outcomes = Dictionary(array(ledger, "strategies").map { (RestakeView.string($0, "strategy"), $0) }) { a, _ in a }
        lines += Format.table(["STRATEGY", "MAX MAGNITUDE", "OPERATOR SHARES", "ESCROW SHARES CUT", "BURNED"],
            parts.map { part in
                let strategy = RestakeView.string(part, "strategy")
                let outcome = outcomes[strategy] ?? .object([:])
                return [strategy,
                        "\(RestakeView.percent(part, "previousMaxMagnitudeWad")) → \(RestakeView.percent(part, "newMaxMagnitudeWad"))",
                        "\(RestakeView.shares(outcome, "operatorSharesBefore", exact: exact)) → \(RestakeView.shares(outcome, "operatorSharesAfter", exact: exact))",
                        RestakeView.shares(outcome, "queuedSharesSlashed", exact: exact),
                        RestakeView.value(outcome, "burnedWei", strategyOf: part, exact: exact)]
            }, rightAligned: [3, 4])
        let stakers = array(ledger, "stakers")
        lines.append("")
        if stakers.isEmpty {
            lines.append("\(name) has no delegators holding these strategies.")
        } else {
            lines.append("What each staker would lose:")
            lines += Format.table(["STAKER", "STRATEGY", "WITHDRAWABLE SHARES", "VALUE LOST", "IN ETH"],
                stakers.map { row in
                    [RestakeView.string(row, "staker"), RestakeView.string(row, "strategy"),
                     "\(RestakeView.shares(row, "withdrawableSharesBefore", exact: exact)) → \(RestakeView.shares(row, "withdrawableSharesAfter", exact: exact))",
                     RestakeView.value(row, "lossWei", exact: exact), Format.ether(row, "lossEtherWei", exact: exact)]
                }, rightAligned: [3, 4])
        }
        for row in array(ledger, "withdrawals") {
            lines.append("Escrowed withdrawal #\(RestakeView.number(row, "id")) of \(RestakeView.string(row, "staker")): "
                + "\(RestakeView.shares(row, "sharesBefore", exact: exact)) → \(RestakeView.shares(row, "sharesAfter", exact: exact)) "
                + "\(RestakeView.string(row, "strategy")) shares (−\(Format.ether(row, "lossEtherWei", exact: exact)))")
        }
        for pool in array(ledger, "pools") {
            lines.append("Pool \(RestakeView.string(pool, "pool")): "
                + (pool["restaked"] == .bool(true)
                    ? "would lose \(Format.ether(pool, "lossEtherWei", exact: exact)) through its restaked validators"
                    : "not restaked, no AVS exposure"))
            // Its holders, as the next report's (negative) rebase would share the loss out.
            for holder in array(pool, "holders") where holder["lossEtherWei"] != .string("0") {
                let token = RestakeView.string(holder, "token")
                let request = holder["withdrawalRequest"].map { " in withdrawal request #\(RestakeView.number(.object(["id": $0]), "id"))" } ?? ""
                lines.append("  \(RestakeView.string(holder, "holder")) (\(token == "weeth" ? "weETH" : "eETH")\(request)): "
                    + "−\(Format.ether(holder, "lossEtherWei", exact: exact))")
            }
        }
        lines.append("Total: \(Format.ether(ledger, "totalLossEtherWei", exact: exact)) lost by stakers and escrowed withdrawals.")
        return lines
    }
}

extension JSON {
    /// This value as a string, or nil.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
