import Accounting
import Contracts
import ServiceKit

/// The ledger's rETH commands and views (docs/PROTOCOL.md §9.5).
extension LedgerDomain {
    func decideUnstake(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "unstake")
        let amount = try positiveAmount(body, "amountWei")
        // A preview, not a mutated copy (which would copy the holders' table).
        let paid = try reth.previewUnstake(amount, for: account)
        let fields: JSON = .object(["account": .string(account), "amountWei": .amount(amount), "ethWei": .amount(paid)])
        return Decision(
            result: fields.merging(["rethBalanceWei": .amount(reth.rethWei(of: account) - amount)]),
            events: [NewEvent(name: "Unstaked", epoch: chain.epoch, body: fields)])
    }

    func decideNodeDeposit(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let name = try AccountName.validated(try body.string("operator"), field: "body.operator")
        try context.requireActor(name, doing: "open a minipool")
        guard let record = nodeOperators[name], record.pool == RethPool.name else {
            throw ContractError(ErrorCode(rawValue: "operator_not_found"), "\(name) is not a node operator of the reth pool")
        }
        let bond = try body.amount("bondWei")
        guard RethPool.allowedBondsWei.contains(bond) else {
            throw ContractError(ErrorCode(rawValue: "invalid_bond"), "a minipool bond is 8 or 16 ETH, got \(EtherAmount.format(bond)) ETH")
        }
        let account = try existingAccount(name)
        guard account.balanceWei >= bond else {
            throw ContractError(.insufficientBalance,
                "\(name) holds \(EtherAmount.format(account.balanceWei)) ETH, the bond is \(EtherAmount.format(bond)) ETH")
        }
        let fromPool = RethPool.validatorWei - bond
        guard reth.depositPoolWei >= fromPool else {
            throw ContractError(.insufficientLiquidity,
                "the reth deposit pool holds \(EtherAmount.format(reth.depositPoolWei)) ETH; a minipool with a \(EtherAmount.format(bond))-ETH bond needs \(EtherAmount.format(fromPool)) ETH from it")
        }
        let commission = record.commissionBips ?? 1_500
        let index = chain.validators.count
        let creditEpoch = chain.expectedCreditEpoch(aheadGwei: chain.pendingDepositsGwei, amountGwei: 32_000_000_000)
        let fields: JSON = .object([
            "validator": .int(index), "owner": .string(RethPool.owner), "operator": .string(name),
            "amountGwei": .amount(UInt64(32_000_000_000)), "compounding": .bool(false), "epoch": .int(chain.epoch),
            "bondWei": .amount(bond), "commissionBips": .int(commission),
        ])
        return Decision(result: fields.merging([
            "status": .string(ValidatorStatus.pendingInitialized.rawValue),
            "expectedActivationEpoch": .int(creditEpoch + 8), "balanceWei": .amount(account.balanceWei - bond),
        ]), events: [NewEvent(name: "ValidatorDeposited", epoch: chain.epoch, body: fields)])
    }

    mutating func applyMinipool(_ event: EventEnvelope, index: Int) {
        let (name, bond, commission) = must(event) { body throws(ContractError) in
            (try body.string("operator"), try body.amount("bondWei"), try body.uint64("commissionBips"))
        }
        let handle = ownerHandle(RethPool.owner)
        let performance = validatorPerformance[ValidatorIndex(index)] ?? nodeOperators[name]?.performance ?? .ideal
        do {
            let assigned = try chain.deposit(owner: handle, amountGwei: 32_000_000_000, compounding: false, performance: performance)
            precondition(assigned.rawValue == index, "validator index \(assigned) != journaled \(index)")
        } catch {
            preconditionFailure("replayed minipool deposit of validator \(index) refused: \(error)")
        }
        accounts[name]!.balanceWei -= bond
        reth.openMinipool(ValidatorIndex(index), operatorName: name, bondWei: bond, commissionBips: UInt128(commission))
    }

    func rethPoolView() -> JSON {
        var byOperator: [String: (active: Int, pending: Int, exited: Int)] = [:]
        for index in reth.order {
            let name = reth.minipools[index]!.operatorName
            var counts = byOperator[name] ?? (0, 0, 0)
            switch chain.validators[index.rawValue].status(at: chain.epoch) {
            case .pendingInitialized, .pendingQueued: counts.pending += 1
            case .activeOngoing, .activeExiting, .activeSlashed: counts.active += 1
            default: counts.exited += 1
            }
            byOperator[name] = counts
        }
        let schedule = schedules[RethPool.name] ?? PoolSchedule()
        let apr: JSON = StethPool.aprBips7d(reth.rateHistory).map { .int($0) } ?? .null
        return .object([
            "pool": .string(RethPool.name),
            "totalEthWei": .amount(reth.tokens.totalEtherWei),
            "rethSupplyWei": .amount(reth.tokens.tokenSupply),
            "shareRateE27": .amount(reth.tokens.exchangeRateWad * 1_000_000_000),
            "rateWad": .amount(reth.tokens.exchangeRateWad),
            "depositPoolWei": .amount(reth.depositPoolWei),
            "collateralWei": .amount(reth.collateralWei),
            "depositFeeBips": .int(reth.tokens.depositFeeWad / 100_000_000_000_000),
            "validators": .object(byOperator.mapValues {
                .object(["active": .int($0.active), "pending": .int($0.pending), "exited": .int($0.exited)])
            }),
            "lastReportEpoch": .int(reth.lastReportEpoch),
            "nextReportEpoch": .int((chain.epoch / schedule.reportIntervalEpochs + 1) * schedule.reportIntervalEpochs),
            "aprBips7d": apr,
            "nodeRewardsWei": .object(reth.nodeRewardsWei.mapValues { .amount($0) }),
            "shortfallWei": .amount(reth.shortfallWei),
            "heldReport": reth.heldReport ?? .null,
        ])
    }
}

/// rETH in the ledger's snapshot.
extension RethPool {
    var snapshot: JSON {
        .object([
            "totalEtherWei": .amount(tokens.totalEtherWei),
            "holders": .object(Dictionary(uniqueKeysWithValues: tokens.tokensByHolder.map { ($0.key.rawValue, JSON.amount($0.value)) })),
            "depositPoolWei": .amount(depositPoolWei), "collateralWei": .amount(collateralWei),
            "minipools": .array(order.map { index in
                let minipool = minipools[index]!
                return .array([.int(index.rawValue), .string(minipool.operatorName), .amount(minipool.bondWei),
                               .amount(minipool.commissionBips), .bool(minipool.closed)])
            }),
            "lastReportEpoch": .int(lastReportEpoch), "heldReport": heldReport ?? .null,
            "nodeRewardsWei": .object(nodeRewardsWei.mapValues { .amount($0) }),
            "shortfallWei": .amount(shortfallWei),
            "rateHistory": .array(rateHistory.map { .array([.int($0.epoch), .amount($0.pooledEtherWei), .amount($0.totalShares)]) }),
        ])
    }

    init(snapshot json: JSON) throws(ContractError) {
        self.init()
        func fail() -> ContractError { ContractError(.invalidArgument, "reth snapshot is malformed") }
        var holders: [HolderID: UInt128] = [:]
        if case .object(let byHolder) = try json.object("holders") {
            for (name, value) in byHolder {
                guard case .string(let text) = value, let amount = UInt128(text) else { throw fail() }
                holders[HolderID(name)] = amount
            }
        }
        let supply = holders.values.reduce(0, +)
        tokens = RateTokenPool(restoringTotalEtherWei: try json.amount("totalEtherWei"), holders: holders)
        precondition(tokens.tokenSupply == supply)
        depositPoolWei = try json.amount("depositPoolWei")
        collateralWei = try json.amount("collateralWei")
        for item in try json.array("minipools") {
            guard case .array(let parts) = item, parts.count == 5, case .number(let raw) = parts[0], let index = Int(raw),
                case .string(let name) = parts[1], case .string(let bond) = parts[2], let bondWei = UInt128(bond),
                case .string(let commission) = parts[3], let commissionBips = UInt128(commission), case .bool(let closed) = parts[4]
            else { throw fail() }
            minipools[ValidatorIndex(index)] = Minipool(operatorName: name, bondWei: bondWei, commissionBips: commissionBips, closed: closed)
            order.append(ValidatorIndex(index))
        }
        lastReportEpoch = try json.uint64("lastReportEpoch")
        heldReport = json["heldReport"].flatMap { $0 == .null ? nil : $0 }
        if case .object(let rewards) = try json.object("nodeRewardsWei") {
            for (name, value) in rewards {
                guard case .string(let text) = value, let amount = UInt128(text) else { throw fail() }
                nodeRewardsWei[name] = amount
            }
        }
        shortfallWei = try json.amount("shortfallWei")
        for item in try json.array("rateHistory") {
            guard case .array(let parts) = item, parts.count == 3, case .number(let epoch) = parts[0], let e = UInt64(epoch),
                case .string(let pooled) = parts[1], let p = UInt128(pooled), case .string(let shares) = parts[2], let s = UInt128(shares)
            else { throw fail() }
            rateHistory.append(.init(epoch: e, pooledEtherWei: p, totalShares: s))
        }
    }
}
