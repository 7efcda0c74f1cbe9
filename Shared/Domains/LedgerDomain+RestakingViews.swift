import Accounting
import Contracts
import ServiceKit

/// The ledger's restaking queries and audit (docs/PROTOCOL.md §9.7).
extension LedgerDomain {
    /// What `shares` of a strategy are worth in its token (wei for native).
    func restakingValue(_ strategy: String, shares: UInt128) -> UInt128 {
        guard strategy != "native" else { return shares }
        return (try? strategyPool(strategy).underlyingForSharesFloor(shares)) ?? 0
    }

    func restakeView(_ account: String) -> JSON {
        let book = restaking
        let id = StakerID(account)
        let epoch = restakingEpoch
        let positions: [JSON] = book.strategiesHeld(account).map { strategy in
            let withdrawable = book.withdrawableShares(account, strategy)
            return .object([
                "strategy": .string(strategy),
                "depositShares": .amount(book.ledger.depositShares(of: id, strategy: RestakingBook.strategyID(strategy))),
                "depositScalingFactorWad": .amount(book.ledger.depositScalingFactorWad(of: id, strategy: RestakingBook.strategyID(strategy))),
                "withdrawableShares": .amount(withdrawable),
                "valueWei": .amount(restakingValue(strategy, shares: withdrawable)),
            ])
        }
        let pod: JSON = book.pods[account].map { pod in
            .object([
                "validators": .ids(pod.validators), "restakedWei": .amount(pod.restakedWei), "podWei": .amount(pod.podWei),
                "lastCheckpointEpoch": pod.lastCheckpointEpoch.map { .int($0) } ?? .null,
            ])
        } ?? .null
        let mine = book.ledger.queuedWithdrawals.filter { $0.value.staker == id }.sorted { $0.key < $1.key }
        let withdrawals: [JSON] = mine.map { entry in
            guard case .object(var fields) = book.withdrawalJSON(entry.key) else { return .null }
            fields["sharesNow"] = .amount((try? book.ledger.withdrawalShares(entry.key, epoch: epoch)) ?? 0)
            fields["completable"] = .bool(epoch >= book.releaseEpoch(entry.value))
            return .object(fields)
        }
        return .object([
            "account": .string(account), "epoch": .int(epoch),
            "delegatedTo": book.ledger.delegatedOperator(of: id).map { .string($0.rawValue) } ?? .null,
            "beaconChainSlashingFactorWad": .amount(book.ledger.beaconChainSlashingFactorWad(of: id)),
            "positions": .array(positions), "pod": pod, "withdrawals": .array(withdrawals),
        ])
    }

    func restakeOperatorView(_ operatorName: String) -> JSON {
        let book = restaking
        let id = OperatorID(operatorName)
        let strategies: [JSON] = RestakingBook.strategies.map { strategy in
            let shares = book.ledger.operatorShares(of: id, strategy: RestakingBook.strategyID(strategy))
            return .object([
                "strategy": .string(strategy), "shares": .amount(shares),
                "maxMagnitudeWad": .amount(book.ledger.maxMagnitudeWad(of: id, strategy: RestakingBook.strategyID(strategy))),
                "valueWei": .amount(restakingValue(strategy, shares: shares)),
            ])
        }
        let delegators = book.ledger.stakers.values.filter { $0.delegatedTo == id }.count
        let slashes: [JSON] = (book.slashes[operatorName] ?? []).map { record in
            .object([
                "avs": .string(record.avs), "setId": .int(record.setId), "epoch": .int(record.epoch),
                "strategy": .string(record.strategy), "operatorSharesSlashed": .amount(record.operatorSharesSlashed),
                "queuedSharesSlashed": .amount(record.queuedSharesSlashed), "burnedWei": .amount(record.burnedWei),
            ])
        }
        return .object([
            "operator": .string(operatorName), "tracked": .bool(book.operators.contains(operatorName)),
            "strategies": .array(strategies), "delegators": .int(delegators), "slashes": .array(slashes),
        ])
    }

    /// The audit's restaking part: ETH held in pods and in the rewards escrow (inside the ETH
    /// conservation), and per token strategy its token balance against its shares.
    func restakingAudit() -> (podWei: UInt128, escrowWei: UInt128, fields: [String: JSON], ok: Bool) {
        let book = restaking
        let epoch = restakingEpoch
        let stakers = book.ledger.stakers
        var ok = true
        // Σ withdrawable per strategy, and per (operator, strategy) for the backing check.
        var withdrawableByStrategy: [String: UInt128] = [:]
        var withdrawableByOperator: [RestakingLedger.OperatorStrategy: UInt128] = [:]
        for (staker, view) in stakers {
            for strategy in RestakingBook.strategies where view.positions[RestakingBook.strategyID(strategy)] != nil {
                let shares = book.withdrawableShares(staker.rawValue, strategy)
                withdrawableByStrategy[strategy, default: 0] += shares
                if let operatorID = view.delegatedTo {
                    withdrawableByOperator[.init(operatorID, RestakingBook.strategyID(strategy)), default: 0] += shares
                }
            }
        }
        var backed = true
        for (key, shares) in withdrawableByOperator
        where book.ledger.operatorShares(of: key.operatorID, strategy: key.strategy) < shares {
            backed = false
        }
        var queuedByStrategy: [String: UInt128] = [:]
        for (id, withdrawal) in book.ledger.queuedWithdrawals {
            queuedByStrategy[RestakingBook.strategyName(withdrawal.strategy), default: 0] +=
                (try? book.ledger.withdrawalShares(id, epoch: epoch)) ?? 0
        }
        var strategies: [String: JSON] = [:]
        for strategy in RestakingBook.tokenStrategies {
            let stored = book.pools[strategy] ?? StrategyPool()
            let pool = strategyPool(strategy)
            let balance = pool.balanceUnits
            let claimed = (withdrawableByStrategy[strategy] ?? 0) + (queuedByStrategy[strategy] ?? 0) + (book.unburnedShares[strategy] ?? 0)
            let value = (try? pool.underlyingForSharesFloor(pool.totalShares)) ?? 0
            // steth rebases, so only its pool's shares are checked against the holder; the
            // other tokens' pools must hold exactly the holder's balance.
            let balanceOK = strategy == "steth" || stored.balanceUnits == balance
            // All shares are worth at most the balance plus the virtual offset: more than the
            // balance only when a share is worth less than a unit (a loss), EigenLayer's "the
            // last withdrawer may be unable to withdraw".
            let strategyOK = balanceOK && claimed <= pool.totalShares && value <= balance + StrategyPool.balanceOffset
            ok = ok && strategyOK
            strategies[strategy] = .object([
                "balanceUnits": .amount(balance), "totalShares": .amount(pool.totalShares),
                "withdrawableShares": .amount(withdrawableByStrategy[strategy] ?? 0),
                "queuedShares": .amount(queuedByStrategy[strategy] ?? 0),
                "unburnedShares": .amount(book.unburnedShares[strategy] ?? 0),
                "sharesValueUnits": .amount(value), "dustUnits": .amount(balance - min(balance, value)),
                "shortfallUnits": .amount(value - min(balance, value)),
                "burnedUnits": .amount(tokenBalance(strategy, of: RestakingBook.burnedHolder)), "ok": .bool(strategyOK),
            ])
        }
        let podWei = book.pods.values.reduce(UInt128(0)) { $0 + $1.podWei }
        ok = ok && backed
        return (podWei, book.escrowWei, [
            "strategies": .object(strategies),
            "native": .object([
                "withdrawableShares": .amount(withdrawableByStrategy["native"] ?? 0),
                "queuedShares": .amount(queuedByStrategy["native"] ?? 0),
                "restakedWei": .amount(book.pods.values.reduce(UInt128(0)) { $0 + $1.restakedWei }),
                "nativeBurnedWei": .amount(book.nativeBurnedWei),
            ]),
            "operatorSharesBackStakers": .bool(backed),
            "rewardsEscrow": .object([
                "fundedWei": .amount(book.rewardsFundedWei), "paidWei": .amount(book.rewardsPaidWei),
                "escrowWei": .amount(book.escrowWei),
            ]),
            "ok": .bool(ok),
        ], ok)
    }
}
