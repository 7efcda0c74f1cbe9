import Accounting
import Contracts
import ServiceKit

/// A liquid pool as the risk views see it (docs/PROTOCOL.md §9.9): who runs its validators, and
/// through which restaking stakers (pods) its ETH is restaked. A new pool plugs in by adding
/// itself to ``LedgerDomain/riskPools``; the views need nothing else.
struct RiskPool: Sendable {
    /// The pool's name (`steth`, `reth`, …).
    let name: String
    /// The reserved owner of its validators on the simulated chain (`pool:<name>`).
    let owner: String
    /// The node operator running each of its validators.
    let operatorOf: [ValidatorIndex: String]
    /// The restaking stakers whose positions are the pool's (an ether.fi-style pool: its pod
    /// owner); empty when the pool is not restaked, which means no AVS exposure.
    let restakingStakers: [String]
}

/// Issue #7's risk views in the ledger (docs/PROTOCOL.md §9.9): concentration of stake, a pool's
/// restaking footprint, and a dry run of an AVS slash on the shares. Queries only: they read the
/// state, or a copy of it, and journal nothing.
extension LedgerDomain {
    static let riskQueryTypes: Set<String> = ["ledger.risk.concentration", "ledger.risk.pool", "ledger.restake.simulateSlash"]

    /// The pools the risk views know: their validators and operators, and for a restaked pool
    /// the restaking stakers that hold its positions.
    var riskPools: [RiskPool] {
        [
            RiskPool(name: StethPool.name, owner: StethPool.owner, operatorOf: steth.operatorOf, restakingStakers: []),
            RiskPool(name: RethPool.name, owner: RethPool.owner, operatorOf: reth.minipools.mapValues(\.operatorName),
                     restakingStakers: []),
            // Restaked through one pod-staker per operator it delegates to (PROTOCOL.md §9.8).
            RiskPool(name: EethPool.name, owner: EethPool.owner, operatorOf: eeth.operatorOf, restakingStakers: eeth.stakers),
        ]
    }

    func decideRisk(_ type: String, _ body: JSON.Fields) throws(ContractError) -> Decision? {
        switch type {
        case "ledger.risk.concentration": return Decision(result: concentrationView())
        case "ledger.risk.pool": return Decision(result: try riskPoolView(try body.string("pool")))
        case "ledger.restake.simulateSlash": return Decision(result: try simulateSlashView(body))
        default: return nil
        }
    }

    // MARK: Concentration

    /// Wei at stake of an active validator: its effective balance.
    private func stakeWei(_ validator: BeaconValidator) -> UInt128 {
        UInt128(validator.effectiveBalanceGwei) * weiPerGwei
    }

    /// `floor(part × 10000 / total)`; 0 when nothing is at stake.
    static func bips(_ part: UInt128, of total: UInt128) -> UInt64 {
        total == 0 ? 0 : UInt64(part * 10_000 / total)
    }

    /// At least a third of `total` (exact, not through rounded bips): a finality threat.
    static func atLeastOneThird(_ part: UInt128, of total: UInt128) -> Bool {
        total > 0 && part * 3 >= total
    }

    /// A strategy's token units in ETH: native and steth 1:1, wsteth by the steth share rate,
    /// reth by the reth rate (floors).
    func etherValue(_ strategy: String, units: UInt128) -> UInt128 {
        switch strategy {
        case "wsteth": (try? steth.shares?.etherForSharesFloor(units)) ?? 0
        case "reth": (try? reth.tokens.etherValueFloor(ofTokens: units)) ?? 0
        default: units
        }
    }

    /// `ledger.risk.concentration`: every validator active at the chain's epoch counts with its
    /// effective balance, grouped by who runs it — the owner for a solo validator, the node
    /// operator for a pool's — and by pool; restaked stake is every tracked restaking operator's
    /// delegated shares (queued withdrawals excluded) valued in ETH.
    func concentrationView() -> JSON {
        let epoch = chain.epoch
        let pools = riskPools
        let poolByOwner = Dictionary(uniqueKeysWithValues: pools.map { ($0.owner, $0) })
        struct Tally { var validators = 0; var stakeWei: UInt128 = 0 }
        var total = Tally()
        var byRunner: [String: [String: Tally]] = [:]  // runner → "solo" | pool → tally
        var byPool: [String: Tally] = [:]
        for (offset, validator) in chain.validators.enumerated() where validator.isActive(at: epoch) {
            let wei = stakeWei(validator)
            let owner = ownerName(of: validator)
            let runner: String, role: String
            if let pool = poolByOwner[owner] {
                runner = pool.operatorOf[ValidatorIndex(offset)] ?? owner
                role = pool.name
                byPool[pool.name, default: Tally()].validators += 1
                byPool[pool.name]!.stakeWei += wei
            } else {
                (runner, role) = (owner, "solo")
            }
            byRunner[runner, default: [:]][role, default: Tally()].validators += 1
            byRunner[runner]![role]!.stakeWei += wei
            total.validators += 1
            total.stakeWei += wei
        }
        var warnings: [JSON] = []
        let third = "at least 1/3 of all stake (a finality threat)"
        let runners: [(String, [String: Tally], UInt128)] = byRunner.map { name, roles in
            (name, roles, roles.values.reduce(UInt128(0)) { $0 + $1.stakeWei })
        }.sorted { ($0.2, $1.0) > ($1.2, $0.0) }
        let operators: [JSON] = runners.map { name, roles, wei in
            let flagged = Self.atLeastOneThird(wei, of: total.stakeWei)
            if flagged { warnings.append(.string("operator \(name) runs \(third)")) }
            let record = nodeOperators[name]
            return .object([
                "name": .string(name),
                // Who runs it: a pool's node operator, a restaking operator running an eeth
                // validator, or a solo staker.
                "kind": .string(record != nil ? "node-operator"
                    : roles.keys.contains(where: { $0 != "solo" }) ? (restaking.operators.contains(name) ? "restaking-operator" : "pool-operator")
                    : "solo"),
                "pool": record.map { .string($0.pool) } ?? .null,
                "validators": .int(roles.values.reduce(0) { $0 + $1.validators }),
                "stakeWei": .amount(wei), "shareBips": .int(Self.bips(wei, of: total.stakeWei)),
                "byRole": .object(roles.mapValues { .object(["validators": .int($0.validators), "stakeWei": .amount($0.stakeWei)]) }),
                "atLeastOneThird": .bool(flagged),
            ])
        }
        let ranked = pools.sorted { ((byPool[$0.name]?.stakeWei ?? 0), $1.name) > ((byPool[$1.name]?.stakeWei ?? 0), $0.name) }
        let poolRows: [JSON] = ranked.map { pool in
            let tally = byPool[pool.name] ?? Tally()
            let flagged = Self.atLeastOneThird(tally.stakeWei, of: total.stakeWei)
            if flagged { warnings.append(.string("pool \(pool.name) holds \(third)")) }
            return .object([
                "pool": .string(pool.name), "validators": .int(tally.validators), "stakeWei": .amount(tally.stakeWei),
                "shareBips": .int(Self.bips(tally.stakeWei, of: total.stakeWei)),
                "operators": .int(Set(byRunner.filter { $0.value[pool.name] != nil }.keys).count),
                "restaked": .bool(!pool.restakingStakers.isEmpty), "atLeastOneThird": .bool(flagged),
            ])
        }
        // Restaked stake by restaking operator.
        let book = restaking
        var restakedTotal: UInt128 = 0
        var restakers: [(String, UInt128, [JSON])] = []
        for name in book.operators.sorted() {
            var wei: UInt128 = 0
            var strategies: [JSON] = []
            for strategy in RestakingBook.strategies {
                let shares = book.ledger.operatorShares(of: OperatorID(name), strategy: RestakingBook.strategyID(strategy))
                guard shares > 0 else { continue }
                let units = restakingValue(strategy, shares: shares)
                let eth = etherValue(strategy, units: units)
                wei += eth
                strategies.append(.object([
                    "strategy": .string(strategy), "shares": .amount(shares), "valueWei": .amount(units), "etherWei": .amount(eth),
                ]))
            }
            restakedTotal += wei
            restakers.append((name, wei, strategies))
        }
        restakers.sort { ($0.1, $1.0) > ($1.1, $0.0) }
        let restakingRows: [JSON] = restakers.map { name, wei, strategies in
            let flagged = Self.atLeastOneThird(wei, of: restakedTotal)
            if flagged { warnings.append(.string("restaking operator \(name) holds at least 1/3 of all restaked stake")) }
            return .object([
                "operator": .string(name), "etherWei": .amount(wei),
                "shareOfRestakedBips": .int(Self.bips(wei, of: restakedTotal)),
                "shareOfStakeBips": .int(Self.bips(wei, of: total.stakeWei)),
                "strategies": .array(strategies), "atLeastOneThird": .bool(flagged),
            ])
        }
        return .object([
            "epoch": .int(epoch),
            "counted": .string("validators active at the epoch, by effective balance; restaked: operators' delegated shares in ETH"),
            "totalStakeWei": .amount(total.stakeWei), "validators": .int(total.validators),
            "operators": .array(operators), "pools": .array(poolRows),
            "restaking": .object(["totalEtherWei": .amount(restakedTotal), "operators": .array(restakingRows)]),
            "warnings": .array(warnings),
        ])
    }

    // MARK: A pool's restaking footprint

    /// `ledger.risk.pool`: a pool's active stake by operator and the restaking stakers through
    /// which it is exposed to AVSs (none: not restaked).
    func riskPoolView(_ name: String) throws(ContractError) -> JSON {
        guard let pool = riskPools.first(where: { $0.name == name }) else {
            throw ContractError(.unknownPool, "there is no pool \(name) (pools: \(riskPools.map(\.name).joined(separator: ", ")))")
        }
        var byOperator: [String: UInt128] = [:]
        var stake: UInt128 = 0
        var count = 0
        for (index, operatorName) in pool.operatorOf where chain.validators[index.rawValue].isActive(at: chain.epoch) {
            let wei = stakeWei(chain.validators[index.rawValue])
            byOperator[operatorName, default: 0] += wei
            stake += wei
            count += 1
        }
        return .object([
            "pool": .string(pool.name), "epoch": .int(chain.epoch), "validators": .int(count), "stakeWei": .amount(stake),
            "operators": .object(byOperator.mapValues { .amount($0) }),
            "restaked": .bool(!pool.restakingStakers.isEmpty),
            "restakingStakers": .array(pool.restakingStakers.map(JSON.string)),
        ])
    }

    // MARK: Simulated slash

    /// `ledger.restake.simulateSlash`: `RestakeOperatorSlashed` run on a copy of the book, with
    /// each delegator's withdrawable shares and each escrowed withdrawal before and after.
    /// O(delegators + queued withdrawals). Nothing changes.
    func simulateSlashView(_ body: JSON.Fields) throws(ContractError) -> JSON {
        let avs = try AccountName.validated(try body.string("avs"), field: "body.avs")
        let setId = try body.uint64("setId")
        let operatorName = try AccountName.validated(try body.string("operator"), field: "body.operator")
        guard restaking.operatorSets[avs]?[setId] != nil else {
            throw ContractError(.operatorSetNotFound, "the ledger knows no operator set \(avs)/\(setId)")
        }
        guard restaking.operators.contains(operatorName) else {
            throw ContractError(.operatorNotFound, "the ledger tracks no restaking operator \(operatorName)")
        }
        let book = restaking
        let operatorID = OperatorID(operatorName)
        var strategies: [JSON] = []
        var balances: [String: JSON] = [:]
        var names: [String] = []
        for item in try body.array("strategies") {
            let strategy = try item.string("strategy")
            guard RestakingBook.strategies.contains(strategy) else {
                throw ContractError(.unknownStrategy, "unknown strategy '\(strategy)'")
            }
            let newMax = try item.amount("newMaxMagnitudeWad")
            let current = book.ledger.maxMagnitudeWad(of: operatorID, strategy: RestakingBook.strategyID(strategy))
            guard newMax <= current else {
                throw ContractError(.invalidArgument,
                    "\(strategy): newMaxMagnitudeWad \(newMax) is above the operator's max magnitude \(current) in the ledger")
            }
            names.append(strategy)
            strategies.append(.object(["strategy": .string(strategy), "newMaxMagnitudeWad": .amount(newMax)]))
            if strategy != "native" { balances[strategy] = .amount(strategyTokenBalance(strategy)) }
        }
        // As the ledger records the slash (§9.7): at slashing's epoch, never before its latest
        // restaking epoch; without an epoch, now.
        let epoch = max(try body.optionalUInt64("epoch") ?? restakingEpoch, restaking.ledger.latestEpoch)
        let inputs: [String: JSON] = [
            "avs": .string(avs), "setId": .int(setId), "operator": .string(operatorName), "epoch": .int(epoch),
            "strategies": .array(strategies), "strategyBalances": .object(balances),
        ]
        var next = book
        let outcome = try next.perform("ledger.RestakeOperatorSlashed", .object(inputs))
        // The strategies' pools after the burn, to value what remains.
        var burnedBy: [String: UInt128] = [:]
        var strategyRows: [JSON] = []
        var outcomeItems: [JSON] = []
        if case .array(let items)? = outcome["strategies"] { outcomeItems = items }
        for item in outcomeItems {
            let strategy = (try? item.string("strategy")) ?? ""
            burnedBy[strategy] = (try? item.amount("burnedWei")) ?? 0
            let id = RestakingBook.strategyID(strategy)
            guard case .object(var fields) = item else { continue }
            fields["operatorSharesBefore"] = .amount(book.ledger.operatorShares(of: operatorID, strategy: id))
            fields["operatorSharesAfter"] = .amount(next.ledger.operatorShares(of: operatorID, strategy: id))
            strategyRows.append(.object(fields))
        }
        // The burn moves tokens from the strategy's holder as the ledger will (steth by amount,
        // which may move 1–2 wei more or less of the holder's balance): moved here on copies.
        var balancesAfter: [String: UInt128] = [:]
        var stethAfter = steth
        var rethAfter = reth
        for (strategy, burned) in burnedBy where strategy != "native" {
            if burned > 0 {
                let (from, to) = (RestakingBook.holder(strategy), RestakingBook.burnedHolder)
                if strategy == "reth" {
                    try accounting { () throws(AccountingError) in try rethAfter.tokens.transfer(burned, from: HolderID(from), to: HolderID(to)) }
                } else {
                    _ = try stethAfter.transfer(amountWei: burned, shares: nil, token: strategy, from: from, to: to)
                }
            }
            balancesAfter[strategy] = switch strategy {
            case "steth": stethAfter.stethWei(of: RestakingBook.holder(strategy))
            case "wsteth": stethAfter.wstethWei(of: RestakingBook.holder(strategy))
            default: rethAfter.rethWei(of: RestakingBook.holder(strategy))
            }
        }
        func poolAfter(_ strategy: String) -> StrategyPool {
            var pool = next.pools[strategy] ?? StrategyPool()
            pool.setBalance(balancesAfter[strategy] ?? strategyTokenBalance(strategy))
            return pool
        }
        func value(_ strategy: String, _ shares: UInt128, after: Bool) -> UInt128 {
            guard strategy != "native" else { return shares }
            let pool = after ? poolAfter(strategy) : strategyPool(strategy)
            return (try? pool.underlyingForSharesFloor(shares)) ?? 0
        }
        // Delegators, sorted by name.
        var stakerRows: [JSON] = []
        var lossByStaker: [String: UInt128] = [:]
        var totalLossEth: UInt128 = 0
        let delegators = book.ledger.stakers.filter { $0.value.delegatedTo == operatorID }.keys.map(\.rawValue).sorted()
        for staker in delegators {
            for strategy in names where book.ledger.depositShares(of: StakerID(staker), strategy: RestakingBook.strategyID(strategy)) > 0 {
                let before = book.withdrawableShares(staker, strategy)
                let after = next.withdrawableShares(staker, strategy)
                let (valueBefore, valueAfter) = (value(strategy, before, after: false), value(strategy, after, after: true))
                let lossUnits = valueBefore - min(valueBefore, valueAfter)
                let lossEth = etherValue(strategy, units: lossUnits)
                lossByStaker[staker, default: 0] += lossEth
                totalLossEth += lossEth
                stakerRows.append(.object([
                    "staker": .string(staker), "strategy": .string(strategy),
                    "withdrawableSharesBefore": .amount(before), "withdrawableSharesAfter": .amount(after),
                    "lossShares": .amount(before - min(before, after)),
                    "valueBeforeWei": .amount(valueBefore), "valueAfterWei": .amount(valueAfter),
                    "lossWei": .amount(lossUnits), "lossEtherWei": .amount(lossEth),
                ]))
            }
        }
        // Escrowed withdrawals the operator can still slash.
        var withdrawalRows: [JSON] = []
        for (id, withdrawal) in book.ledger.queuedWithdrawals.sorted(by: { $0.key < $1.key })
        where withdrawal.delegatedTo == operatorID && names.contains(RestakingBook.strategyName(withdrawal.strategy)) {
            let before = (try? book.ledger.withdrawalShares(id, epoch: epoch)) ?? 0
            let after = (try? next.ledger.withdrawalShares(id, epoch: epoch)) ?? 0
            guard before != after else { continue }
            let strategy = RestakingBook.strategyName(withdrawal.strategy)
            let lossUnits = value(strategy, before, after: false) - min(value(strategy, before, after: false), value(strategy, after, after: true))
            let lossEth = etherValue(strategy, units: lossUnits)
            lossByStaker[withdrawal.staker.rawValue, default: 0] += lossEth
            totalLossEth += lossEth
            withdrawalRows.append(.object([
                "id": .int(id.rawValue), "staker": .string(withdrawal.staker.rawValue), "strategy": .string(strategy),
                "sharesBefore": .amount(before), "sharesAfter": .amount(after), "lossShares": .amount(before - min(before, after)),
                "lossEtherWei": .amount(lossEth),
            ]))
        }
        // Pools: a restaked pool loses what its restaking stakers lose (holders come with the pool).
        let poolRows: [JSON] = riskPools.map { pool in
            let loss = pool.restakingStakers.reduce(UInt128(0)) { $0 + (lossByStaker[$1] ?? 0) }
            return .object([
                "pool": .string(pool.name), "restaked": .bool(!pool.restakingStakers.isEmpty), "lossEtherWei": .amount(loss),
                "holders": .array(pool.name == EethPool.name ? eethHolderLosses(loss) : []),
            ])
        }
        return .object([
            "avs": .string(avs), "setId": .int(setId), "operator": .string(operatorName), "epoch": .int(epoch),
            "strategies": .array(strategyRows), "stakers": .array(stakerRows), "withdrawals": .array(withdrawalRows),
            "pools": .array(poolRows), "totalLossEtherWei": .amount(totalLossEth),
        ])
    }

    /// How a loss of the eeth pool's value reaches its holders at the next report: every share
    /// loses alike (no fee on a loss), so a holder loses `floor(loss × shares / totalShares)`;
    /// the weeth wrapper's part goes to weeth holders pro rata to their weeth. Floors: the rows
    /// sum to at most the loss (the dust falls on no one in particular).
    func eethHolderLosses(_ lossWei: UInt128) -> [JSON] {
        guard lossWei > 0, let shares = eeth.tokens.shares, shares.totalShares > 0 else { return [] }
        func part(_ amount: UInt128, _ numerator: UInt128, _ denominator: UInt128) -> UInt128 {
            guard denominator > 0 else { return 0 }
            return (try? FixedPoint.mulDivFloor(amount, numerator, denominator)) ?? 0
        }
        var rows: [JSON] = []
        let wrapper = eeth.tokens.wrapper
        // The bootstrap's dead shares lose too, but belong to no one: not listed.
        for (holder, held) in shares.sharesByHolder.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where held > 0 && holder != SharePool.deadHolder {
            let loss = part(lossWei, held, shares.totalShares)
            if holder == eeth.tokens.queue.queueHolder {
                // Shares locked by unfinalized withdrawal requests: each request's owner bears its
                // part (paid min(requested, shares × the rate at finalization)).
                let queue = eeth.tokens.queue
                var id = queue.lastFinalizedRequestID.rawValue + 1
                while id <= UInt64(queue.requests.count) {
                    let request = queue.requests[Int(id) - 1]
                    if let locked = try? queue.amountAndShares(of: WithdrawalRequestID(id)).shares, locked > 0 {
                        rows.append(.object([
                            "holder": .string(request.owner.rawValue), "token": .string("eeth"), "withdrawalRequest": .int(id),
                            "shares": .amount(locked), "lossEtherWei": .amount(part(loss, locked, held)),
                        ]))
                    }
                    id += 1
                }
            } else if holder == wrapper.wrapperHolder {
                for (weethHolder, units) in wrapper.wrappedByHolder.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where units > 0 {
                    rows.append(.object([
                        "holder": .string(weethHolder.rawValue), "token": .string("weeth"), "units": .amount(units),
                        "lossEtherWei": .amount(part(loss, units, wrapper.totalWrapped)),
                    ]))
                }
            } else {
                rows.append(.object([
                    "holder": .string(holder.rawValue), "token": .string("eeth"), "shares": .amount(held),
                    "lossEtherWei": .amount(loss),
                ]))
            }
        }
        return rows
    }
}
