import Accounting
import Contracts
import ServiceKit

/// The ledger's liquid-staking queries (docs/PROTOCOL.md §9.5).
extension LedgerDomain {
    func withdrawalList(_ body: JSON.Fields) throws(ContractError) -> JSON {
        let items = try withdrawalRecords(
            of: steth, account: try Self.optionalAccount(body), every: [:],
            pending: ["expectedFinalizationEpoch": .int(expectedFinalizationEpoch(after: steth))])
        return .object([
            "requests": .array(items), "unfinalizedWei": .amount(steth.queue.unfinalizedAmountWei),
            "bunkerMode": .bool(steth.bunkerMode),
        ])
    }

    /// `body.account`, validated, when given.
    static func optionalAccount(_ body: JSON.Fields) throws(ContractError) -> String? {
        try body.optionalString("account").map { name throws(ContractError) in
            try AccountName.validated(name, field: "body.account")
        }
    }

    /// One record per withdrawal request of a rebasing pool (steth or eeth), of `account` when
    /// given: amounts, status, epochs and, once finalized, what it can claim. `every` is added to
    /// each record, `pending` to each unfinalized one (computed once by the caller).
    func withdrawalRecords(
        of pool: StethPool, account: String?, every: [String: JSON], pending: [String: JSON]
    ) throws(ContractError) -> [JSON] {
        let queue = pool.queue
        var items: [JSON] = []
        for (offset, request) in queue.requests.enumerated() {
            if let account, request.owner.rawValue != account { continue }
            let id = WithdrawalRequestID(UInt64(offset + 1))
            let (amount, shares) = try accounting { () throws(AccountingError) in try queue.amountAndShares(of: id) }
            let finalized = id <= queue.lastFinalizedRequestID
            var fields: [String: JSON] = [
                "id": .int(id.rawValue), "account": .string(request.owner.rawValue), "amountWei": .amount(amount),
                "shares": .amount(shares),
                "status": .string(request.isClaimed ? "claimed" : finalized ? "finalized" : "pending"),
                "requestEpoch": .int(offset < pool.requestEpochs.count ? pool.requestEpochs[offset] : 0),
                "finalizedEpoch": pool.finalizedEpochs[id.rawValue].map { .int($0) } ?? .null,
            ]
            fields.merge(every) { _, extra in extra }
            if finalized && !request.isClaimed {
                fields["claimableWei"] = .amount(try accounting { () throws(AccountingError) in try queue.claimableWei(id) })
            }
            if !finalized { fields.merge(pending) { _, extra in extra } }
            items.append(.object(fields))
        }
        return items
    }

    func poolView(_ body: JSON.Fields) throws(ContractError) -> JSON {
        let pool = try body.string("pool")
        if pool == RethPool.name { return rethPoolView() }
        guard pool == StethPool.name else {
            throw ContractError(.unknownPool, Self.pools.contains(pool) ? "the \(pool) pool is not open yet" : "there is no pool \(pool)")
        }
        let schedule = schedules[pool] ?? PoolSchedule()
        var byOperator: [String: (active: Int, pending: Int, exited: Int)] = [:]
        for index in steth.validators {
            let name = steth.operatorOf[index]!
            let status = chain.validators[index.rawValue].status(at: chain.epoch)
            var counts = byOperator[name] ?? (0, 0, 0)
            switch status {
            case .pendingInitialized, .pendingQueued: counts.pending += 1
            case .activeOngoing, .activeExiting, .activeSlashed: counts.active += 1
            default: counts.exited += 1
            }
            byOperator[name] = counts
        }
        let validators = byOperator.mapValues { JSON.object(["active": .int($0.active), "pending": .int($0.pending), "exited": .int($0.exited)]) }
        let nextReport = (chain.epoch / schedule.reportIntervalEpochs + 1) * schedule.reportIntervalEpochs
        let expectedWait = expectedFinalizationEpoch(after: steth) - chain.epoch
        return .object([
            "pool": .string(pool),
            "totalPooledWei": .amount(steth.pooledEtherWei),
            "totalShares": .amount(steth.totalShares),
            "shareRateE27": .amount(steth.shareRateE27),
            "bufferedWei": .amount(steth.bufferedWei),
            "clBalanceWei": .amount(steth.reportedClBalanceWei),
            "clValidators": .int(steth.reportedClValidators),
            "withdrawalVaultWei": .amount(steth.withdrawalVaultWei),
            "elVaultWei": .amount(steth.elVaultWei),
            "validators": .object(validators),
            "lastReportEpoch": .int(steth.lastReportEpoch),
            "nextReportEpoch": .int(nextReport),
            "reportIntervalEpochs": .int(schedule.reportIntervalEpochs),
            "aprBips7d": aprBips7d().map { .int($0) } ?? .null,
            "feesPaidWei": .object(["operatorsWei": .amount(steth.operatorsFeesWei), "treasuryWei": .amount(steth.treasuryFeesWei)]),
            "wrappedShares": .amount(steth.shares?.shares(of: StethPool.wrapperHolder) ?? 0),
            "wstethSupplyWei": .amount(steth.wrapper.totalWrapped),
            "withdrawalQueue": .object([
                "unfinalizedWei": .amount(steth.queue.unfinalizedAmountWei),
                "requests": .int(steth.queue.requests.count),
                "lastFinalized": .int(steth.queue.lastFinalizedRequestID.rawValue),
                "lockedWei": .amount(steth.queue.lockedEtherWei),
                "expectedWaitEpochs": .int(expectedWait),
            ]),
            "bunkerMode": .bool(steth.bunkerMode),
            "heldReport": steth.heldReport ?? .null,
            "flaggedReport": steth.flaggedReport ?? .null,
        ])
    }

    func aprBips7d() -> UInt64? { StethPool.aprBips7d(steth.rateHistory) }

    func operatorView(_ body: JSON.Fields) throws(ContractError) -> JSON {
        let name = try AccountName.validated(try body.string("name"), field: "body.name")
        guard let record = nodeOperators[name] else {
            throw ContractError(ErrorCode(rawValue: "operator_not_found"), "there is no node operator \(name)")
        }
        if record.pool == RethPool.name {
            let mine = reth.order.filter { reth.minipools[$0]?.operatorName == name }
            let active = mine.filter { chain.validators[$0.rawValue].isActive(at: chain.epoch) }.count
            let bonded = mine.filter { reth.minipools[$0]?.closed == false }.reduce(UInt128(0)) { $0 + reth.minipools[$1]!.bondWei }
            return .object([
                "name": .string(name), "pool": .string(record.pool), "validators": .ids(mine), "activeValidators": .int(active),
                "commissionBips": record.commissionBips.map { .int($0) } ?? .null, "bondWei": .amount(bonded),
                "feesEarnedWei": .amount(reth.nodeRewardsWei[name] ?? 0), "balanceWei": .amount(accounts[name]?.balanceWei ?? 0),
            ])
        }
        let mine = steth.validators.filter { steth.operatorOf[$0] == name }
        var active = 0
        var effective: UInt128 = 0
        var poolEffective: UInt128 = 0
        for index in steth.validators {
            let validator = chain.validators[index.rawValue]
            guard validator.isActive(at: chain.epoch) else { continue }
            poolEffective += UInt128(validator.effectiveBalanceGwei)
            if steth.operatorOf[index] == name {
                active += 1
                effective += UInt128(validator.effectiveBalanceGwei)
            }
        }
        return .object([
            "name": .string(name), "pool": .string(record.pool), "validators": .ids(mine),
            "activeValidators": .int(active), "validatorLimit": .int(record.validatorLimit),
            "stakeShareBips": .int(poolEffective == 0 ? 0 : effective * 10_000 / poolEffective),
            "feesEarnedWei": .amount(steth.feesByOperator[name] ?? 0),
            "stethWei": .amount(steth.stethWei(of: name)),
            "balanceWei": .amount(accounts[name]?.balanceWei ?? 0),
        ])
    }

    /// Token balances for `ledger.account.show`.
    func tokenBalances(of account: String) -> [String: JSON] {
        [
            "stethWei": .amount(steth.stethWei(of: account)),
            "stethShares": .amount(steth.shares(of: account)),
            "wstethWei": .amount(steth.wstethWei(of: account)),
            "rethWei": .amount(reth.rethWei(of: account)),
            "eethWei": .amount(eeth.eethWei(of: account)),
            "eethShares": .amount(eeth.tokens.shares(of: account)),
            "weethWei": .amount(eeth.weethWei(of: account)),
        ]
    }

    /// The liquid pools' part of the audit: ETH they hold outside validators, execution-layer
    /// rewards that came in, and the token-side reconciliations.
    func liquidAudit() -> (poolEtherWei: UInt128, elRewardsWei: UInt128, checks: [String: JSON], ok: Bool) {
        let pool = steth
        let held = pool.bufferedWei + pool.withdrawalVaultWei + pool.elVaultWei + pool.queue.lockedEtherWei
            + reth.depositPoolWei + reth.collateralWei
        var checks: [String: JSON] = [:]
        var ok = true
        if let shares = pool.shares {
            let transient = UInt128(pool.validators.count - pool.reportedClValidators) * StethPool.validatorDepositWei
            let expectedPooled = pool.bufferedWei + pool.reportedClBalanceWei + transient
            let sumShares = shares.sharesByHolder.values.reduce(0, +)
            let wrapperOK = shares.shares(of: StethPool.wrapperHolder) >= pool.wrapper.totalWrapped
            var unfinalizedShares: UInt128 = 0
            var id = pool.queue.lastFinalizedRequestID.rawValue + 1
            while id <= UInt64(pool.queue.requests.count) {
                unfinalizedShares += (try? pool.queue.amountAndShares(of: WithdrawalRequestID(id)).shares) ?? 0
                id += 1
            }
            let queueOK = shares.shares(of: StethPool.queueHolder) == unfinalizedShares
            checks["stethPooledMatchesEther"] = .bool(expectedPooled == shares.pooledEtherWei)
            checks["stethSharesSumToTotal"] = .bool(sumShares == shares.totalShares)
            checks["wstethBackedByShares"] = .bool(wrapperOK)
            checks["queueSharesMatchRequests"] = .bool(queueOK)
            ok = expectedPooled == shares.pooledEtherWei && sumShares == shares.totalShares && wrapperOK && queueOK
        }
        return (held, pool.elRewardsTotalWei, checks, ok)
    }
}
