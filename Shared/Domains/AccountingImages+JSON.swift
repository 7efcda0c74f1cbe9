import Accounting
import Contracts

/// The accounting core's images (``RestakingLedger/Image``, ``AllocationBook/Image``,
/// ``RewardIndex/Image``, ``StrategyPool/Image``) in snapshots: amounts as decimal strings,
/// epochs, counts and handles as numbers, histories as `[epoch, "value"]` pairs. Decoding checks
/// the JSON's shape; the core's `init(restoring:)` then validates the content (a refusal is
/// `invalid_argument` naming the snapshot and the core's code).
enum ImageJSON {
    // MARK: Values

    static func malformed(_ what: String) -> ContractError {
        ContractError(.invalidArgument, "snapshot: malformed \(what)")
    }

    static func amount(_ value: JSON, _ what: String) throws(ContractError) -> UInt128 {
        guard case .string(let text) = value else { throw malformed(what) }
        return try JSON.parseAmount(text, field: what)
    }

    static func uint64(_ value: JSON, _ what: String) throws(ContractError) -> UInt64 {
        guard case .number(let text) = value, let parsed = UInt64(text), String(parsed) == text else { throw malformed(what) }
        return parsed
    }

    static func string(_ value: JSON, _ what: String) throws(ContractError) -> String {
        guard case .string(let text) = value else { throw malformed(what) }
        return text
    }

    static func array(_ value: JSON?, _ what: String) throws(ContractError) -> [JSON] {
        guard case .array(let items)? = value else { throw malformed(what) }
        return items
    }

    static func object(_ value: JSON?, _ what: String) throws(ContractError) -> [String: JSON] {
        guard case .object(let fields)? = value else { throw malformed(what) }
        return fields
    }

    static func handle<Tag>(_ value: JSON, _ what: String) throws(ContractError) -> Handle<Tag> {
        let raw = try uint64(value, what)
        guard raw <= UInt64(Int32.max) else { throw malformed(what) }
        return Handle(index: Int32(raw))
    }

    /// A history as `[[epoch, "value"], …]`.
    static func history(_ epochs: [UInt64], _ values: [UInt128]) -> JSON {
        .array(zip(epochs, values).map { .array([.int($0), .amount($1)]) })
    }

    static func history(_ value: JSON?, _ what: String) throws(ContractError) -> (epochs: [UInt64], values: [UInt128]) {
        var epochs: [UInt64] = []
        var values: [UInt128] = []
        for entry in try array(value, what) {
            let pair = try array(entry, what)
            guard pair.count == 2 else { throw malformed(what) }
            epochs.append(try uint64(pair[0], what))
            values.append(try amount(pair[1], what))
        }
        return (epochs, values)
    }

    /// Runs a core restore, naming the snapshot part in a refusal.
    static func restore<T>(_ what: String, _ body: () throws(AccountingError) -> T) throws(ContractError) -> T {
        do throws(AccountingError) {
            return try body()
        } catch {
            throw ContractError(.invalidArgument, "snapshot: \(what) refused on restore: \(error.code) (\(error.message))")
        }
    }

    // MARK: RestakingLedger

    static func json(_ image: RestakingLedger.Image) -> JSON {
        .object([
            "withdrawalDelayEpochs": .int(image.withdrawalDelayEpochs),
            "latestEpoch": .int(image.latestEpoch),
            "lastWithdrawalNumber": .int(image.lastWithdrawalNumber),
            "strategies": .array(image.strategies.map { .string($0.rawValue) }),
            "slashedShares": .array(image.slashedShares.map { .amount($0) }),
            "stakers": .array(image.stakers.map { staker in
                .object([
                    "id": .string(staker.id.rawValue),
                    "operator": staker.delegatedTo.map { .int($0.index) } ?? .null,
                    "beaconChainSlashingFactorWad": .amount(staker.beaconChainSlashingFactorWad),
                    // [depositShares, depositScalingFactorWad] by strategy handle.
                    "positions": .array(staker.positions.map {
                        .array([.amount($0.depositShares), .amount($0.depositScalingFactorWad)])
                    }),
                ])
            }),
            "operators": .array(image.operators.map { stored in
                .object([
                    "id": .string(stored.id.rawValue), "registered": .bool(stored.isRegistered),
                    "stakes": .array(stored.stakes.map { stake in
                        .object([
                            "shares": .amount(stake.shares), "backingScaledShares": .amount(stake.backingScaledShares),
                            "maxMagnitudesWad": history(stake.maxMagnitudeEpochs, stake.maxMagnitudesWad),
                            "cumulativeScaledShares": history(stake.cumulativeScaledEpochs, stake.cumulativeScaledShares),
                        ])
                    }),
                ])
            }),
            "queuedWithdrawals": .array(image.queuedWithdrawals.map { withdrawal in
                .object([
                    "id": .int(withdrawal.id.rawValue), "staker": .string(withdrawal.staker.rawValue),
                    "operator": withdrawal.delegatedTo.map { .string($0.rawValue) } ?? .null,
                    "strategy": .string(withdrawal.strategy.rawValue), "scaledShares": .amount(withdrawal.scaledShares),
                    "startEpoch": .int(withdrawal.startEpoch),
                ])
            }),
        ])
    }

    static func ledger(_ value: JSON) throws(ContractError) -> RestakingLedger {
        let what = "restaking ledger image"
        let fields = try object(value, what)
        var stakers: [RestakingLedger.StoredStaker] = []
        for item in try array(fields["stakers"], what) {
            let staker = try object(item, what)
            var positions: [RestakingLedger.StoredPosition] = []
            for entry in try array(staker["positions"], what) {
                let pair = try array(entry, what)
                guard pair.count == 2 else { throw malformed(what) }
                positions.append(.init(depositShares: try amount(pair[0], what), depositScalingFactorWad: try amount(pair[1], what)))
            }
            let delegatedTo: OperatorHandle?
            if let raw = staker["operator"], raw != .null { delegatedTo = try handle(raw, what) } else { delegatedTo = nil }
            stakers.append(.init(
                id: StakerID(try string(staker["id"] ?? .null, what)), delegatedTo: delegatedTo,
                beaconChainSlashingFactorWad: try amount(staker["beaconChainSlashingFactorWad"] ?? .null, what),
                positions: positions))
        }
        var operators: [RestakingLedger.StoredOperator] = []
        for item in try array(fields["operators"], what) {
            let stored = try object(item, what)
            guard case .bool(let registered)? = stored["registered"] else { throw malformed(what) }
            var stakes: [RestakingLedger.StoredStake] = []
            for entry in try array(stored["stakes"], what) {
                let stake = try object(entry, what)
                let maxMagnitudes = try history(stake["maxMagnitudesWad"], what)
                let cumulative = try history(stake["cumulativeScaledShares"], what)
                stakes.append(.init(
                    shares: try amount(stake["shares"] ?? .null, what),
                    backingScaledShares: try amount(stake["backingScaledShares"] ?? .null, what),
                    maxMagnitudeEpochs: maxMagnitudes.epochs, maxMagnitudesWad: maxMagnitudes.values,
                    cumulativeScaledEpochs: cumulative.epochs, cumulativeScaledShares: cumulative.values))
            }
            operators.append(.init(id: OperatorID(try string(stored["id"] ?? .null, what)), isRegistered: registered, stakes: stakes))
        }
        var withdrawals: [RestakingLedger.StoredWithdrawal] = []
        for item in try array(fields["queuedWithdrawals"], what) {
            let withdrawal = try object(item, what)
            let delegatedTo: OperatorID?
            if let raw = withdrawal["operator"], raw != .null { delegatedTo = OperatorID(try string(raw, what)) } else { delegatedTo = nil }
            withdrawals.append(.init(
                id: QueuedWithdrawalID(try uint64(withdrawal["id"] ?? .null, what)),
                staker: StakerID(try string(withdrawal["staker"] ?? .null, what)), delegatedTo: delegatedTo,
                strategy: StrategyID(try string(withdrawal["strategy"] ?? .null, what)),
                scaledShares: try amount(withdrawal["scaledShares"] ?? .null, what),
                startEpoch: try uint64(withdrawal["startEpoch"] ?? .null, what)))
        }
        var strategies: [StrategyID] = []
        for item in try array(fields["strategies"], what) { strategies.append(StrategyID(try string(item, what))) }
        var slashedShares: [UInt128] = []
        for item in try array(fields["slashedShares"], what) { slashedShares.append(try amount(item, what)) }
        let image = RestakingLedger.Image(
            withdrawalDelayEpochs: try uint64(fields["withdrawalDelayEpochs"] ?? .null, what), strategies: strategies,
            slashedShares: slashedShares, stakers: stakers, operators: operators, queuedWithdrawals: withdrawals,
            lastWithdrawalNumber: try uint64(fields["lastWithdrawalNumber"] ?? .null, what),
            latestEpoch: try uint64(fields["latestEpoch"] ?? .null, what))
        return try restore(what) { () throws(AccountingError) in try RestakingLedger(restoring: image) }
    }

    // MARK: StrategyPool

    static func json(_ image: StrategyPool.Image) -> JSON {
        .object(["balanceUnits": .amount(image.balanceUnits), "totalShares": .amount(image.totalShares)])
    }

    static func pool(_ value: JSON) throws(ContractError) -> StrategyPool {
        let what = "strategy pool image"
        let fields = try object(value, what)
        let image = StrategyPool.Image(
            balanceUnits: try amount(fields["balanceUnits"] ?? .null, what),
            totalShares: try amount(fields["totalShares"] ?? .null, what))
        return try restore(what) { () throws(AccountingError) in try StrategyPool(restoring: image) }
    }

    // MARK: AllocationBook

    static func json(_ image: AllocationBook.Image) -> JSON {
        .object([
            "deallocationDelayEpochs": .int(image.deallocationDelayEpochs),
            "latestEpoch": .int(image.latestEpoch),
            "operators": .array(image.operators.map { stored in
                .object([
                    "id": .string(stored.id.rawValue), "allocationDelayEpochs": .int(stored.allocationDelayEpochs),
                    // By strategy handle: max, encumbered, and the sets with a pending deallocation.
                    "strategies": .array(stored.strategies.map { magnitudes in
                        .object([
                            "maxMagnitudeWad": .amount(UInt128(magnitudes.maxMagnitudeWad)),
                            "encumberedMagnitudeWad": .amount(UInt128(magnitudes.encumberedMagnitudeWad)),
                            "deallocationQueue": .array(magnitudes.deallocationQueue.map { .int($0.index) }),
                        ])
                    }),
                ])
            }),
            "operatorSets": .array(image.operatorSets.map { set in
                .object([
                    "avs": .string(set.id.avs.rawValue), "setId": .int(set.id.setNumber),
                    "strategies": .array(set.strategies.map { .string($0.rawValue) }), "slashCount": .int(set.slashCount),
                ])
            }),
            "memberships": .array(image.memberships.map { membership in
                .object([
                    "operator": .int(membership.operatorHandle.index), "operatorSet": .int(membership.operatorSet.index),
                    "registration": membership.registration.map {
                        .object(["registered": .bool($0.isRegistered), "slashableUntilEpoch": .int($0.slashableUntilEpoch)])
                    } ?? .null,
                    // [currentMagnitudeWad, pendingDiffWad (signed, as a string), effectEpoch] by position.
                    "allocations": .array(membership.allocations.map { allocation in
                        .array([
                            .amount(UInt128(allocation.currentMagnitudeWad)), .string(String(allocation.pendingDiffWad)),
                            .int(allocation.effectEpoch),
                        ])
                    }),
                ])
            }),
        ])
    }

    static func book(_ value: JSON) throws(ContractError) -> AllocationBook {
        let what = "allocation book image"
        let fields = try object(value, what)
        func wad64(_ value: JSON?) throws(ContractError) -> UInt64 {
            let wad = try amount(value ?? .null, what)
            guard wad <= UInt128(UInt64.max) else { throw malformed(what) }
            return UInt64(wad)
        }
        var operators: [AllocationBook.StoredOperator] = []
        for item in try array(fields["operators"], what) {
            let stored = try object(item, what)
            var strategies: [AllocationBook.StoredMagnitudes] = []
            for entry in try array(stored["strategies"], what) {
                let magnitudes = try object(entry, what)
                var queue: [OperatorSetHandle] = []
                for raw in try array(magnitudes["deallocationQueue"], what) { queue.append(try handle(raw, what)) }
                strategies.append(.init(
                    maxMagnitudeWad: try wad64(magnitudes["maxMagnitudeWad"]),
                    encumberedMagnitudeWad: try wad64(magnitudes["encumberedMagnitudeWad"]), deallocationQueue: queue))
            }
            operators.append(.init(
                id: OperatorID(try string(stored["id"] ?? .null, what)),
                allocationDelayEpochs: try uint64(stored["allocationDelayEpochs"] ?? .null, what), strategies: strategies))
        }
        var sets: [AllocationBook.StoredOperatorSet] = []
        for item in try array(fields["operatorSets"], what) {
            let set = try object(item, what)
            let setId = try uint64(set["setId"] ?? .null, what)
            guard setId <= UInt64(UInt32.max) else { throw malformed(what) }
            var strategies: [StrategyID] = []
            for raw in try array(set["strategies"], what) { strategies.append(StrategyID(try string(raw, what))) }
            sets.append(.init(
                id: OperatorSetID(avs: AVSID(try string(set["avs"] ?? .null, what)), setNumber: UInt32(setId)),
                strategies: strategies, slashCount: try uint64(set["slashCount"] ?? .null, what)))
        }
        var memberships: [AllocationBook.StoredMembership] = []
        for item in try array(fields["memberships"], what) {
            let membership = try object(item, what)
            var registration: AllocationBook.StoredRegistration? = nil
            if let raw = membership["registration"], raw != .null {
                let stored = try object(raw, what)
                guard case .bool(let registered)? = stored["registered"] else { throw malformed(what) }
                registration = .init(
                    isRegistered: registered, slashableUntilEpoch: try uint64(stored["slashableUntilEpoch"] ?? .null, what))
            }
            var allocations: [AllocationBook.StoredAllocation] = []
            for entry in try array(membership["allocations"], what) {
                let triple = try array(entry, what)
                guard triple.count == 3, let pending = Int128(try string(triple[1], what)) else { throw malformed(what) }
                allocations.append(.init(
                    currentMagnitudeWad: try wad64(triple[0]), pendingDiffWad: pending, effectEpoch: try uint64(triple[2], what)))
            }
            memberships.append(.init(
                operatorHandle: try handle(membership["operator"] ?? .null, what),
                operatorSet: try handle(membership["operatorSet"] ?? .null, what), registration: registration,
                allocations: allocations))
        }
        let image = AllocationBook.Image(
            deallocationDelayEpochs: try uint64(fields["deallocationDelayEpochs"] ?? .null, what),
            latestEpoch: try uint64(fields["latestEpoch"] ?? .null, what), operators: operators, operatorSets: sets,
            memberships: memberships)
        return try restore(what) { () throws(AccountingError) in try AllocationBook(restoring: image) }
    }

    // MARK: RewardIndex

    static func json(_ image: RewardIndex<String>.Image) -> JSON {
        .object([
            "holders": .array(image.holders.map { .string($0) }),
            // [stake, indexSnapshot, accruedWei, residueScaled] by holder.
            "accounts": .array(image.accounts.map { account in
                .array([
                    .amount(account.stake), .amount(account.indexSnapshot), .amount(account.accruedWei),
                    .amount(account.residueScaled),
                ])
            }),
            "totalStake": .amount(image.totalStake), "index": .amount(image.index), "carryScaled": .amount(image.carryScaled),
            "undistributedWei": .amount(image.undistributedWei), "operatorAccruedWei": .amount(image.operatorAccruedWei),
            "fundedWei": .amount(image.fundedWei), "claimedWei": .amount(image.claimedWei),
        ])
    }

    static func rewardIndex(_ value: JSON) throws(ContractError) -> RewardIndex<String> {
        let what = "reward index image"
        let fields = try object(value, what)
        var holders: [String] = []
        for raw in try array(fields["holders"], what) { holders.append(try string(raw, what)) }
        var accounts: [RewardIndexAccount] = []
        for entry in try array(fields["accounts"], what) {
            let values = try array(entry, what)
            guard values.count == 4 else { throw malformed(what) }
            accounts.append(.stored(
                stake: try amount(values[0], what), indexSnapshot: try amount(values[1], what),
                accruedWei: try amount(values[2], what), residueScaled: try amount(values[3], what)))
        }
        func total(_ key: String) throws(ContractError) -> UInt128 { try amount(fields[key] ?? .null, what) }
        let image = RewardIndex<String>.Image(
            holders: holders, accounts: accounts, totalStake: try total("totalStake"), index: try total("index"),
            carryScaled: try total("carryScaled"), undistributedWei: try total("undistributedWei"),
            operatorAccruedWei: try total("operatorAccruedWei"), fundedWei: try total("fundedWei"),
            claimedWei: try total("claimedWei"))
        return try restore(what) { () throws(AccountingError) in try RewardIndex<String>(restoring: image) }
    }
}
