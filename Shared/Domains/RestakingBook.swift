import Accounting
import Contracts
import ServiceKit

/// A natively restaked owner's pod (EigenLayer's `EigenPod`).
struct RestakingPod: Sendable, Equatable {
    var validators: [ValidatorIndex] = []
    /// ETH swept from its validators (partial and full withdrawals) and not yet paid out.
    var podWei: UInt128 = 0
    /// The restaked balance at the last checkpoint or verification: Σ validators + podWei then.
    var restakedWei: UInt128 = 0
    var lastCheckpointEpoch: UInt64? = nil
}

/// One strategy's part of an AVS slash, as the ledger applied it.
struct RestakingSlashRecord: Sendable, Equatable {
    var avs: String
    var setId: UInt64
    var epoch: UInt64
    var strategy: String
    var operatorSharesSlashed: UInt128
    var queuedSharesSlashed: UInt128
    var burnedWei: UInt128
}

/// The ledger's restaking state (docs/PROTOCOL.md §9.7).
///
/// Two halves. The *share side* — the accounting core's ``RestakingLedger`` and one
/// ``StrategyPool`` per token strategy — changes only through ``perform(_:_:)``, whose every
/// input is in the own event's body (including the strategy's token balance, which rebases for
/// steth); the snapshot holds it as the core's images (``RestakingLedger/Image``,
/// ``StrategyPool/Image``), O(state). Snapshots written before the images kept the share events
/// instead (`shareEvents`); those are still restored by replaying them. Everything else (pods,
/// mirrors, burn counters, the rewards escrow) is plain data and goes into the snapshot as is.
struct RestakingBook: Sendable, Equatable {
    /// Strategies the ledger knows (as slashing's `AVSRegistry.strategies`).
    static let strategies = ["native", "reth", "steth", "wsteth"]
    static let tokenStrategies = ["reth", "steth", "wsteth"]
    static let burnedHolder = "restaking:burned"
    static let escrowAccount = "rewards:escrow"
    static func holder(_ strategy: String) -> String { "strategy:" + strategy }
    static func strategyID(_ name: String) -> StrategyID {
        name == "native" ? RestakingLedger.beaconChainStrategy : StrategyID(name)
    }

    // Share side (imaged in snapshots).
    var ledger = RestakingLedger()
    var pools: [String: StrategyPool] = [:]
    /// Slashed shares a strategy could not pay out yet (a vault under water after a negative
    /// rebase); burned with the next slash of that strategy.
    var unburnedShares: [String: UInt128] = [:]
    /// Deposit shares each queued withdrawal took (the core keeps only its scaled shares).
    var withdrawalDepositShares: [UInt64: UInt128] = [:]

    // Plain data.
    var operators: Set<String> = []
    var operatorSets: [String: [UInt64: [String]]] = [:]
    var pods: [String: RestakingPod] = [:]
    var podOwner: [ValidatorIndex: String] = [:]
    var slashes: [String: [RestakingSlashRecord]] = [:]
    /// Token units moved to `restaking:burned`, per token strategy.
    var burnedUnits: [String: UInt128] = [:]
    /// Native shares slashed: that ETH stays in validators and pods, never withdrawable.
    var nativeBurnedWei: UInt128 = 0
    var rewardsFundedWei: UInt128 = 0
    var rewardsPaidWei: UInt128 = 0
    var escrowWei: UInt128 { rewardsFundedWei - rewardsPaidWei }

    static let shareEventTypes: Set<String> = [
        "ledger.RestakeOperatorTracked", "ledger.RestakeDelegated", "ledger.RestakeUndelegated", "ledger.RestakeDeposited",
        "ledger.RestakeNativeVerified", "ledger.RestakeCheckpointed", "ledger.RestakeWithdrawalQueued",
        "ledger.RestakeWithdrawalCompleted", "ledger.RestakeOperatorSlashed",
    ]

    /// Applies a share-side change described by an own event's body (decide runs it on a copy to
    /// validate and to learn the outcome; apply runs it again, which cannot fail then).
    /// - Returns: the outcome fields for the event body.
    mutating func perform(_ type: String, _ body: JSON) throws(ContractError) -> [String: JSON] {
        switch type {
        case "ledger.RestakeOperatorTracked":
            let name = try body.string("operator")
            try accounting { () throws(AccountingError) in try ledger.registerOperator(OperatorID(name)) }
            return [:]
        case "ledger.RestakeDelegated":
            let (staker, operatorName) = (try body.string("staker"), try body.string("operator"))
            let held = strategiesHeld(staker)
            try accounting { () throws(AccountingError) in try ledger.delegate(StakerID(staker), to: OperatorID(operatorName)) }
            return touched(staker, held, operatorName)
        case "ledger.RestakeUndelegated":
            let (staker, epoch) = (try body.string("staker"), try body.uint64("epoch"))
            let held = strategiesHeld(staker)
            let operatorName = ledger.delegatedOperator(of: StakerID(staker))?.rawValue
            let heldShares = held.map { ledger.depositShares(of: StakerID(staker), strategy: Self.strategyID($0)) }
            let ids = try accounting { () throws(AccountingError) in try ledger.undelegate(StakerID(staker), epoch: epoch) }
            // One withdrawal per strategy held, in strategy order (as `held`).
            for (id, shares) in zip(ids, heldShares) { withdrawalDepositShares[id.rawValue] = shares }
            var out = touched(staker, held, operatorName)
            out["withdrawals"] = .array(ids.map { withdrawalJSON($0) })
            return out
        case "ledger.RestakeDeposited":
            let (staker, strategy) = (try body.string("account"), try body.string("strategy"))
            let credited = try body.amount("amountCreditedWei")
            var pool = pools[strategy] ?? StrategyPool()
            pool.setBalance(try body.amount("strategyBalanceUnits"))
            let shares = try accounting { () throws(AccountingError) in try pool.deposit(credited) }
            try accounting { () throws(AccountingError) in
                try ledger.addShares(shares, to: StakerID(staker), strategy: Self.strategyID(strategy))
            }
            pools[strategy] = pool
            var out = touched(staker, [strategy], ledger.delegatedOperator(of: StakerID(staker))?.rawValue)
            out["shares"] = .amount(shares)
            return out
        case "ledger.RestakeNativeVerified":
            let (staker, restaked) = (try body.string("account"), try body.amount("restakedWei"))
            try accounting { () throws(AccountingError) in
                try ledger.addShares(restaked, to: StakerID(staker), strategy: RestakingLedger.beaconChainStrategy)
            }
            return touched(staker, ["native"], ledger.delegatedOperator(of: StakerID(staker))?.rawValue)
        case "ledger.RestakeCheckpointed":
            let staker = try body.string("account")
            let (previous, current) = (try body.amount("previousRestakedWei"), try body.amount("restakedWei"))
            var added: UInt128 = 0
            var decrease: UInt128 = 0
            var removed: UInt128 = 0
            if current > previous {
                added = current - previous
                try accounting { () throws(AccountingError) in
                    try ledger.addShares(added, to: StakerID(staker), strategy: RestakingLedger.beaconChainStrategy)
                }
            } else if current < previous {
                decrease = previous - current
                removed = try accounting { () throws(AccountingError) in
                    try ledger.recordBeaconChainBalanceDecrease(
                        of: StakerID(staker), previousRestakedBalanceWei: previous, decreaseWei: decrease)
                }
            }
            var out = touched(staker, ["native"], ledger.delegatedOperator(of: StakerID(staker))?.rawValue)
            out["sharesAdded"] = .amount(added)
            out["decreaseWei"] = .amount(decrease)
            out["operatorSharesRemoved"] = .amount(removed)
            out["beaconChainSlashingFactorWad"] = .amount(ledger.beaconChainSlashingFactorWad(of: StakerID(staker)))
            return out
        case "ledger.RestakeWithdrawalQueued":
            let (staker, strategy) = (try body.string("account"), try body.string("strategy"))
            let (shares, epoch) = (try body.amount("depositShares"), try body.uint64("epoch"))
            let operatorName = ledger.delegatedOperator(of: StakerID(staker))?.rawValue
            let id = try accounting { () throws(AccountingError) in
                try ledger.queueWithdrawal(shares, of: StakerID(staker), strategy: Self.strategyID(strategy), epoch: epoch)
            }
            withdrawalDepositShares[id.rawValue] = shares
            var out = touched(staker, [strategy], operatorName)
            out["withdrawal"] = withdrawalJSON(id)
            return out
        case "ledger.RestakeWithdrawalCompleted":
            let (staker, raw, epoch) = (try body.string("account"), try body.uint64("id"), try body.uint64("epoch"))
            let asTokens = try body.string("as") == "tokens"
            let id = QueuedWithdrawalID(raw)
            let completion = try accounting { () throws(AccountingError) in
                try ledger.completeWithdrawal(id, by: StakerID(staker), epoch: epoch, receiveAsTokens: asTokens)
            }
            withdrawalDepositShares[raw] = nil
            let strategy = Self.strategyName(completion.strategy)
            var out: [String: JSON] = ["strategy": .string(strategy), "shares": .amount(completion.shares)]
            if asTokens {
                var amount = completion.shares  // native: 1 share = 1 wei
                if strategy != "native", completion.shares > 0 {
                    var pool = pools[strategy] ?? StrategyPool()
                    pool.setBalance(try body.amount("strategyBalanceUnits"))
                    amount = try accounting { () throws(AccountingError) in try pool.withdraw(shares: completion.shares) }
                    pools[strategy] = pool
                }
                out["amountWei"] = .amount(amount)
                out["operatorShares"] = .array([])
                out["stakes"] = .array([])
            } else {
                for (key, value) in touched(staker, [strategy], ledger.delegatedOperator(of: StakerID(staker))?.rawValue) {
                    out[key] = value
                }
            }
            return out
        case "ledger.RestakeOperatorSlashed":
            let (operatorName, epoch) = (try body.string("operator"), try body.uint64("epoch"))
            let balances = try body.object("strategyBalances")
            var items: [JSON] = []
            for item in try body.array("strategies") {
                let strategy = try item.string("strategy")
                let newMax = try item.amount("newMaxMagnitudeWad")
                let id = Self.strategyID(strategy)
                let outcome = try accounting { () throws(AccountingError) in
                    try ledger.slashOperatorShares(operator: OperatorID(operatorName), strategy: id, newMaxMagnitudeWad: newMax, epoch: epoch)
                }
                // Burn at once: everything slashed from this strategy so far and not yet burned.
                let toBurn = ledger.takeSlashedShares(of: id) + (unburnedShares[strategy] ?? 0)
                var burned: UInt128 = 0
                if strategy == "native" {
                    burned = toBurn
                } else if toBurn > 0 {
                    var pool = pools[strategy] ?? StrategyPool()
                    pool.setBalance(try balances.amount(strategy))
                    if let paid = try? pool.withdraw(shares: toBurn) {
                        burned = paid
                        unburnedShares[strategy] = nil
                    } else {
                        unburnedShares[strategy] = toBurn
                    }
                    pools[strategy] = pool
                }
                items.append(.object([
                    "strategy": .string(strategy), "newMaxMagnitudeWad": .amount(newMax),
                    "previousMaxMagnitudeWad": .amount(outcome.previousMaxMagnitudeWad),
                    "operatorSharesSlashed": .amount(outcome.operatorSharesSlashed),
                    "queuedSharesSlashed": .amount(outcome.queuedSharesSlashed), "burnedWei": .amount(burned),
                ]))
            }
            let strategies = items.compactMap { try? $0.string("strategy") }
            return [
                "strategies": .array(items),
                "operatorShares": .array(strategies.map { operatorShareJSON(operatorName, $0) }),
            ]
        default:
            preconditionFailure("\(type) is not a restaking share event")
        }
    }

    /// Applies a journaled share event (it was performed when decided, so it cannot fail now).
    mutating func replay(_ event: EventEnvelope) {
        do {
            _ = try perform(event.type, event.body)
        } catch {
            preconditionFailure("own event \(event.type) at seq \(event.seq) refused by the restaking ledger: \(error)")
        }
    }

    // MARK: Snapshot of the share side

    /// The share side, O(state): the ledger's and the pools' images, and the two tables kept
    /// beside them.
    var shareSideSnapshot: JSON {
        .object([
            "ledger": ImageJSON.json(ledger.image),
            "pools": .object(pools.mapValues { ImageJSON.json($0.image) }),
            "unburnedShares": .object(unburnedShares.mapValues { .amount($0) }),
            "withdrawalDepositShares": .object(Dictionary(uniqueKeysWithValues: withdrawalDepositShares.map {
                (String($0.key), JSON.amount($0.value))
            })),
        ])
    }

    mutating func restoreShareSide(_ snapshot: JSON) throws(ContractError) {
        ledger = try ImageJSON.ledger(try snapshot.object("ledger"))
        for (strategy, value) in try ImageJSON.object(snapshot["pools"], "ledger snapshot: strategy pools") {
            pools[strategy] = try ImageJSON.pool(value)
        }
        for (strategy, value) in try ImageJSON.object(snapshot["unburnedShares"], "ledger snapshot: unburned shares") {
            unburnedShares[strategy] = try ImageJSON.amount(value, "unburnedShares")
        }
        for (key, value) in try ImageJSON.object(snapshot["withdrawalDepositShares"], "ledger snapshot: withdrawal shares") {
            guard let id = UInt64(key) else { throw ImageJSON.malformed("ledger snapshot: withdrawal id \(key)") }
            withdrawalDepositShares[id] = try ImageJSON.amount(value, "withdrawalDepositShares")
        }
    }

    // MARK: Reading

    static func strategyName(_ id: StrategyID) -> String {
        id == RestakingLedger.beaconChainStrategy ? "native" : id.rawValue
    }

    func strategiesHeld(_ staker: String) -> [String] {
        Self.strategies.filter { ledger.depositShares(of: StakerID(staker), strategy: Self.strategyID($0)) > 0 }
    }

    /// `floor(ds × DSF / WAD)`, times BCSF / WAD rounded up for native: the staker's weight before
    /// its operator's magnitude.
    func scaledShares(_ staker: String, _ strategy: String) -> UInt128 {
        let id = StakerID(staker)
        let strategyID = Self.strategyID(strategy)
        let scaled = (try? FixedPoint.mulWadFloor(
            ledger.depositShares(of: id, strategy: strategyID), ledger.depositScalingFactorWad(of: id, strategy: strategyID))) ?? 0
        guard strategy == "native" else { return scaled }
        return (try? FixedPoint.mulWadCeil(scaled, ledger.beaconChainSlashingFactorWad(of: id))) ?? 0
    }

    func withdrawableShares(_ staker: String, _ strategy: String) -> UInt128 {
        (try? ledger.withdrawableShares(of: StakerID(staker), strategy: Self.strategyID(strategy))) ?? 0
    }

    func stakeJSON(_ staker: String, _ strategy: String) -> JSON {
        let id = StakerID(staker)
        return .object([
            "staker": .string(staker),
            "operator": ledger.delegatedOperator(of: id).map { .string($0.rawValue) } ?? .null,
            "strategy": .string(strategy),
            "depositShares": .amount(ledger.depositShares(of: id, strategy: Self.strategyID(strategy))),
            "scaledShares": .amount(scaledShares(staker, strategy)),
            "withdrawableShares": .amount(withdrawableShares(staker, strategy)),
        ])
    }

    func operatorShareJSON(_ operatorName: String, _ strategy: String) -> JSON {
        .object([
            "operator": .string(operatorName), "strategy": .string(strategy),
            "shares": .amount(ledger.operatorShares(of: OperatorID(operatorName), strategy: Self.strategyID(strategy))),
        ])
    }

    /// `stakes` and `operatorShares` for the positions an operation touched.
    func touched(_ staker: String, _ strategies: [String], _ operatorName: String?) -> [String: JSON] {
        [
            "stakes": .array(strategies.map { stakeJSON(staker, $0) }),
            "operatorShares": .array(operatorName.map { name in strategies.map { operatorShareJSON(name, $0) } } ?? []),
        ]
    }

    func releaseEpoch(_ withdrawal: RestakingLedger.QueuedWithdrawal) -> UInt64 {
        withdrawal.startEpoch + ledger.withdrawalDelayEpochs + 1
    }

    func withdrawalJSON(_ id: QueuedWithdrawalID) -> JSON {
        guard let withdrawal = ledger.queuedWithdrawals[id] else { return .null }
        return .object([
            "id": .int(id.rawValue), "staker": .string(withdrawal.staker.rawValue),
            "operator": withdrawal.delegatedTo.map { .string($0.rawValue) } ?? .null,
            "strategy": .string(Self.strategyName(withdrawal.strategy)),
            "depositShares": .amount(withdrawalDepositShares[id.rawValue] ?? 0), "scaledShares": .amount(withdrawal.scaledShares),
            "startEpoch": .int(withdrawal.startEpoch), "releaseEpoch": .int(releaseEpoch(withdrawal)),
        ])
    }
}

/// Domain error codes of the ledger's restaking part (docs/PROTOCOL.md §9.7).
extension ErrorCode {
    public static let fullySlashed = ErrorCode(rawValue: "fully_slashed")
    public static let validatorNotFound = ErrorCode(rawValue: "validator_not_found")
    public static let notValidatorOwner = ErrorCode(rawValue: "not_validator_owner")
    public static let validatorExited = ErrorCode(rawValue: "validator_exited")
    public static let validatorSlashed = ErrorCode(rawValue: "validator_slashed")
    /// Not yet activated on the beacon chain (EigenLayer `ValidatorInactiveOnBeaconChain`).
    public static let validatorInactive = ErrorCode(rawValue: "validator_inactive")
    public static let alreadyRestaked = ErrorCode(rawValue: "already_restaked")
    public static let podNotFound = ErrorCode(rawValue: "pod_not_found")
    public static let podBalanceInsufficient = ErrorCode(rawValue: "pod_balance_insufficient")
    public static let withdrawalNotFound = ErrorCode(rawValue: "withdrawal_not_found")
    public static let notWithdrawalOwner = ErrorCode(rawValue: "not_withdrawal_owner")
    public static let withdrawalDelayNotElapsed = ErrorCode(rawValue: "withdrawal_delay_not_elapsed")
}
