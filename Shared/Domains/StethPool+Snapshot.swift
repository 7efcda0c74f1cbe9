import Accounting
import Contracts

/// The steth pool in the ledger's snapshot: every field, amounts as decimal strings.
extension StethPool {
    var snapshot: JSON {
        var fields: [String: JSON] = [
            "bufferedWei": .amount(bufferedWei), "reportedClBalanceWei": .amount(reportedClBalanceWei),
            "reportedClValidators": .int(reportedClValidators),
            "validators": .array(validators.map { .array([.int($0.rawValue), .string(operatorOf[$0]!)]) }),
            "withdrawalVaultWei": .amount(withdrawalVaultWei), "elVaultWei": .amount(elVaultWei),
            "elRewardsTotalWei": .amount(elRewardsTotalWei), "lastReportEpoch": .int(lastReportEpoch),
            "rateHistory": .array(rateHistory.map { .array([.int($0.epoch), .amount($0.pooledEtherWei), .amount($0.totalShares)]) }),
            "operatorsFeesWei": .amount(operatorsFeesWei), "treasuryFeesWei": .amount(treasuryFeesWei),
            "feesByOperator": .object(feesByOperator.mapValues { .amount($0) }),
            "requestEpochs": .array(requestEpochs.map { .int($0) }),
            "finalizedEpochs": .object(Dictionary(uniqueKeysWithValues: finalizedEpochs.map { (String($0.key), JSON.int($0.value)) })),
            "heldReport": heldReport ?? .null, "flaggedReport": flaggedReport ?? .null, "bunkerMode": .bool(bunkerMode),
            "exitsRequested": .array(exitsRequested.sorted().map { .int($0.rawValue) }),
            "wrapped": .object(Dictionary(uniqueKeysWithValues: wrapper.wrappedByHolder.map { ($0.key.rawValue, JSON.amount($0.value)) })),
            "queue": .object([
                "requests": .array(queue.requests.map {
                    .array([.string($0.owner.rawValue), .amount($0.cumulativeAmountWei), .amount($0.cumulativeShares), .bool($0.isClaimed)])
                }),
                "checkpoints": .array(queue.checkpoints.map { .array([.int($0.firstRequestID.rawValue), .amount($0.maxShareRateE27)]) }),
                "lastFinalized": .int(queue.lastFinalizedRequestID.rawValue),
                "lockedWei": .amount(queue.lockedEtherWei),
            ]),
        ]
        if let shares {
            fields["shares"] = .object([
                "pooledEtherWei": .amount(shares.pooledEtherWei), "totalShares": .amount(shares.totalShares),
                "holders": .object(Dictionary(uniqueKeysWithValues: shares.sharesByHolder.map { ($0.key.rawValue, JSON.amount($0.value)) })),
            ])
        }
        return .object(fields)
    }

    init(
        snapshot json: JSON, wrapperHolder: HolderID = StethPool.wrapperHolder, queueHolder: HolderID = StethPool.queueHolder
    ) throws(ContractError) {
        self.init()
        func items(_ value: JSON, _ key: String) throws(ContractError) -> [[JSON]] {
            try value.array(key).map { item throws(ContractError) in
                guard case .array(let parts) = item else { throw ContractError(.invalidArgument, "steth snapshot: \(key)") }
                return parts
            }
        }
        func number(_ value: JSON) throws(ContractError) -> UInt64 {
            guard case .number(let text) = value, let number = UInt64(text) else { throw ContractError(.invalidArgument, "steth snapshot: number") }
            return number
        }
        func amount(_ value: JSON) throws(ContractError) -> UInt128 {
            guard case .string(let text) = value, let amount = UInt128(text) else { throw ContractError(.invalidArgument, "steth snapshot: amount") }
            return amount
        }
        func text(_ value: JSON) throws(ContractError) -> String {
            guard case .string(let text) = value else { throw ContractError(.invalidArgument, "steth snapshot: text") }
            return text
        }
        bufferedWei = try json.amount("bufferedWei")
        reportedClBalanceWei = try json.amount("reportedClBalanceWei")
        reportedClValidators = Int(try json.uint64("reportedClValidators"))
        for parts in try items(json, "validators") {
            let index = ValidatorIndex(Int(try number(parts[0])))
            validators.append(index)
            operatorOf[index] = try text(parts[1])
        }
        withdrawalVaultWei = try json.amount("withdrawalVaultWei")
        elVaultWei = try json.amount("elVaultWei")
        elRewardsTotalWei = try json.amount("elRewardsTotalWei")
        lastReportEpoch = try json.uint64("lastReportEpoch")
        for parts in try items(json, "rateHistory") {
            rateHistory.append(RatePoint(epoch: try number(parts[0]), pooledEtherWei: try amount(parts[1]), totalShares: try amount(parts[2])))
        }
        operatorsFeesWei = try json.amount("operatorsFeesWei")
        treasuryFeesWei = try json.amount("treasuryFeesWei")
        if case .object(let fees) = try json.object("feesByOperator") {
            for (name, value) in fees { feesByOperator[name] = try amount(value) }
        }
        requestEpochs = try json.array("requestEpochs").map { value throws(ContractError) in try number(value) }
        if case .object(let finalized) = try json.object("finalizedEpochs") {
            for (key, value) in finalized {
                guard let id = UInt64(key) else { throw ContractError(.invalidArgument, "steth snapshot: finalized") }
                finalizedEpochs[id] = try number(value)
            }
        }
        heldReport = json["heldReport"].flatMap { $0 == .null ? nil : $0 }
        flaggedReport = json["flaggedReport"].flatMap { $0 == .null ? nil : $0 }
        bunkerMode = try json.bool("bunkerMode")
        exitsRequested = Set(try json.array("exitsRequested").map { value throws(ContractError) in ValidatorIndex(Int(try number(value))) })
        var wrapped: [HolderID: UInt128] = [:]
        if case .object(let holders) = try json.object("wrapped") {
            for (name, value) in holders { wrapped[HolderID(name)] = try amount(value) }
        }
        wrapper = ExchangeRateWrapper(wrapperHolder: wrapperHolder, restoringWrapped: wrapped)
        let queueJSON = try json.object("queue")
        var requests: [WithdrawalQueue.Request] = []
        for parts in try items(queueJSON, "requests") {
            guard case .bool(let claimed) = parts[3] else { throw ContractError(.invalidArgument, "steth snapshot: claimed") }
            requests.append(.init(owner: HolderID(try text(parts[0])), cumulativeAmountWei: try amount(parts[1]),
                                  cumulativeShares: try amount(parts[2]), isClaimed: claimed))
        }
        var checkpoints: [WithdrawalQueue.Checkpoint] = []
        for parts in try items(queueJSON, "checkpoints") {
            checkpoints.append(.init(firstRequestID: WithdrawalRequestID(try number(parts[0])), maxShareRateE27: try amount(parts[1])))
        }
        let lastFinalized = WithdrawalRequestID(try queueJSON.uint64("lastFinalized"))
        let locked = try queueJSON.amount("lockedWei")
        queue = try accounting { () throws(AccountingError) in
            try WithdrawalQueue(queueHolder: queueHolder, restoringRequests: requests, checkpoints: checkpoints,
                                lastFinalizedRequestID: lastFinalized, lockedEtherWei: locked)
        }
        if let sharesJSON = json["shares"], sharesJSON != .null {
            var holders: [(HolderID, UInt128)] = []
            if case .object(let byHolder) = try sharesJSON.object("holders") {
                for name in byHolder.keys.sorted() { holders.append((HolderID(name), try amount(byHolder[name]!))) }
            }
            let pooled = try sharesJSON.amount("pooledEtherWei")
            let total = try sharesJSON.amount("totalShares")
            shares = try accounting { () throws(AccountingError) in
                try SharePool(restoringPooledEtherWei: pooled, totalShares: total, shares: holders)
            }
        }
    }
}
