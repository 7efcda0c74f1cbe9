import Accounting
import Contracts
import ServiceKit

/// The ledger's restaking balances (docs/PROTOCOL.md §9.7): token strategies, pods, delegated
/// shares, AVS slashing, escrowed withdrawals and the AVS-rewards escrow. Delegation and
/// operators are decided by stakeline-operators and operator sets and slashes by
/// stakeline-slashing; the ledger mirrors them as own events.
///
/// Tokens in a strategy sit with the reserved holder `strategy:<name>` in the steth or reth
/// pool; slashed tokens move to `restaking:burned`. A pod's swept ETH and the rewards escrow are
/// kept here (`podWei`, `escrowWei`) and counted by the audit.
extension LedgerDomain {
    static let restakingQueryTypes: Set<String> = ["ledger.restake.show", "ledger.restake.operator"]

    /// The epoch restaking operations are recorded at: the chain's, never before one already
    /// recorded (a slash may carry slashing's epoch, a little ahead).
    var restakingEpoch: UInt64 { max(chain.epoch, restaking.ledger.latestEpoch) }

    // MARK: Commands

    func decideRestaking(_ type: String, _ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision? {
        switch type {
        case "ledger.restake.deposit": return try decideRestakeDeposit(body, context: context)
        case "ledger.restake.native": return try decideRestakeNative(body, context: context)
        case "ledger.restake.checkpoint":
            let account = try AccountName.validated(try body.string("account"), field: "body.account")
            try context.requireActor(account, doing: "checkpoint a pod")
            guard restaking.pods[account] != nil else {
                throw ContractError(.podNotFound, "\(account) has no pod (a pod opens with `restake native`)")
            }
            let event = try checkpointEvent(account, chain: chain, reason: "command")
            return Decision(result: event.body.merging(["seq": .int(context.nextSeq)]), events: [event])
        case "ledger.restake.withdraw.queue": return try decideWithdrawQueue(body, context: context)
        case "ledger.restake.withdraw.complete": return try decideWithdrawComplete(body, context: context)
        case "ledger.avs.rewards.fund": return try decideRewardsFund(body, context: context)
        case "ledger.restake.show":
            // A pool's reserved pod-stakers (`pool:eeth/<operator>`) are shown too.
            let raw = try body.string("account")
            let account = restaking.ledger.handle(of: StakerID(raw)) != nil ? raw : try AccountName.validated(raw, field: "body.account")
            return Decision(result: restakeView(account))
        case "ledger.restake.operator":
            return Decision(result: restakeOperatorView(try AccountName.validated(try body.string("operator"), field: "body.operator")))
        default:
            return nil
        }
    }

    /// Runs a share-side change on a copy of the book; the event body is the inputs plus the outcome.
    private func shareDecision(_ name: String, _ inputs: [String: JSON], context: CommandContext) throws(ContractError) -> Decision {
        var next = restaking
        var fields = inputs
        for (key, value) in try next.perform("ledger." + name, .object(inputs)) { fields[key] = value }
        let body: JSON = .object(fields)
        return Decision(result: body.merging(["seq": .int(context.nextSeq)]), events: [NewEvent(name: name, epoch: chain.epoch, body: body)])
    }

    private func requireTokenStrategy(_ body: JSON.Fields) throws(ContractError) -> String {
        let strategy = try body.string("strategy")
        guard RestakingBook.tokenStrategies.contains(strategy) else {
            throw ContractError(.unknownStrategy, strategy == "native"
                ? "native ETH is restaked by pointing a validator at a pod: `restake native <account> <validator>`"
                : "unknown strategy '\(strategy)': deposits take one of \(RestakingBook.tokenStrategies.joined(separator: ", "))")
        }
        return strategy
    }

    private func decideRestakeDeposit(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "restake")
        let strategy = try requireTokenStrategy(body)
        let amount = try positiveAmount(body, "amountWei")
        let held = tokenBalance(strategy, of: account)
        guard held >= amount else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(held)) \(strategy), cannot restake \(EtherAmount.format(amount))")
        }
        let credited = try simulatedMove(strategy, amount, from: account, to: RestakingBook.holder(strategy))
        return try shareDecision("RestakeDeposited", [
            "account": .string(account), "strategy": .string(strategy), "amountWei": .amount(amount),
            "amountCreditedWei": .amount(credited), "strategyBalanceUnits": .amount(strategyTokenBalance(strategy)),
            "epoch": .int(restakingEpoch),
        ], context: context)
    }

    private func decideRestakeNative(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "restake a validator")
        let raw = try body.uint64("validator")
        guard raw < UInt64(chain.validators.count) else {
            throw ContractError(.validatorNotFound, "there is no validator \(raw)")
        }
        let index = ValidatorIndex(Int(raw))
        let validator = chain.validators[index.rawValue]
        guard ownerName(of: validator) == account else {
            throw ContractError(.notValidatorOwner, "validator \(raw) is not \(account)'s")
        }
        guard restaking.podOwner[index] == nil else {
            throw ContractError(.alreadyRestaked, "validator \(raw) already points at \(account)'s pod")
        }
        guard !validator.slashed else { throw ContractError(.validatorSlashed, "validator \(raw) was slashed") }
        guard validator.exitEpoch == farFutureEpoch else {
            throw ContractError(.validatorExited, "validator \(raw) is exiting or exited (exit epoch \(validator.exitEpoch))")
        }
        guard validator.activationEpoch != farFutureEpoch, validator.effectiveBalanceGwei > 0 else {
            throw ContractError(.validatorInactive,
                "validator \(raw) is not active yet: it can be restaked once its activation is scheduled")
        }
        return try shareDecision("RestakeNativeVerified", [
            "account": .string(account), "validator": .int(raw),
            "restakedWei": .amount(UInt128(validator.effectiveBalanceGwei) * weiPerGwei), "epoch": .int(restakingEpoch),
        ], context: context)
    }

    /// A checkpoint of `account`'s pod against `chain` (the live chain, or the one right after a
    /// beacon slashing): the restaked balance now against the last one.
    func checkpointEvent(_ account: String, chain: BeaconChain, reason: String) throws(ContractError) -> NewEvent {
        guard let pod = restaking.pods[account] else { throw ContractError(.podNotFound, "\(account) has no pod") }
        var current = pod.podWei
        for index in pod.validators { current += UInt128(chain.validators[index.rawValue].balanceGwei) * weiPerGwei }
        var fields: [String: JSON] = [
            "account": .string(account), "previousRestakedWei": .amount(pod.restakedWei), "restakedWei": .amount(current),
            "reason": .string(reason), "epoch": .int(max(chain.epoch, restaking.ledger.latestEpoch)),
        ]
        var next = restaking
        for (key, value) in try next.perform("ledger.RestakeCheckpointed", .object(fields)) { fields[key] = value }
        return NewEvent(name: "RestakeCheckpointed", epoch: chain.epoch, body: .object(fields))
    }

    private func decideWithdrawQueue(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "queue a restaking withdrawal")
        let strategy = try body.string("strategy")
        guard RestakingBook.strategies.contains(strategy) else {
            throw ContractError(.unknownStrategy, "unknown strategy '\(strategy)': one of \(RestakingBook.strategies.joined(separator: ", "))")
        }
        let shares = try positiveAmount(body, "depositShares")
        let held = restaking.ledger.depositShares(of: StakerID(account), strategy: RestakingBook.strategyID(strategy))
        guard shares <= held else {
            throw ContractError(.insufficientBalance, "\(account) holds \(held) deposit shares of \(strategy), cannot withdraw \(shares)")
        }
        return try shareDecision("RestakeWithdrawalQueued", [
            "account": .string(account), "strategy": .string(strategy), "depositShares": .amount(shares),
            "epoch": .int(restakingEpoch),
        ], context: context)
    }

    private func decideWithdrawComplete(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "complete a restaking withdrawal")
        let raw = try body.uint64("id")
        let mode = try body.string("as")
        guard mode == "tokens" || mode == "shares" else {
            throw ContractError(.invalidArgument, "body.as must be tokens or shares, got \(mode)")
        }
        guard let withdrawal = restaking.ledger.queuedWithdrawals[QueuedWithdrawalID(raw)] else {
            throw ContractError(.withdrawalNotFound, "there is no queued restaking withdrawal \(raw) (completed already, or never queued)")
        }
        guard withdrawal.staker.rawValue == account else {
            throw ContractError(.notWithdrawalOwner, "withdrawal \(raw) is \(withdrawal.staker.rawValue)'s, not \(account)'s")
        }
        let epoch = restakingEpoch
        let release = restaking.releaseEpoch(withdrawal)
        guard epoch >= release else {
            throw ContractError(.withdrawalDelayNotElapsed,
                "withdrawal \(raw) is in escrow until epoch \(release) (now \(epoch)); it stays slashable through epoch \(release - 1)")
        }
        let strategy = RestakingBook.strategyName(withdrawal.strategy)
        var inputs: [String: JSON] = [
            "account": .string(account), "id": .int(raw), "as": .string(mode), "epoch": .int(epoch),
        ]
        if strategy != "native" { inputs["strategyBalanceUnits"] = .amount(strategyTokenBalance(strategy)) }
        var decision = try shareDecision("RestakeWithdrawalCompleted", inputs, context: context)
        guard mode == "tokens", case .object(var fields) = decision.events[0].body else { return decision }
        let amount = try JSON.object(fields).amount("amountWei")
        if strategy == "native" {
            let pod = restaking.pods[account] ?? RestakingPod()
            guard pod.podWei >= amount, pod.restakedWei >= amount else {
                throw ContractError(.podBalanceInsufficient,
                    "\(account)'s pod holds \(EtherAmount.format(pod.podWei)) ETH, the withdrawal pays \(EtherAmount.format(amount)) ETH: "
                    + "exit the validators and wait for the sweep (then checkpoint)")
            }
            fields["amountCreditedWei"] = .amount(amount)
        } else {
            fields["amountCreditedWei"] = .amount(
                amount == 0 ? 0 : try simulatedMove(strategy, amount, from: RestakingBook.holder(strategy), to: account))
        }
        decision = Decision(
            result: JSON.object(fields).merging(["seq": .int(context.nextSeq)]),
            events: [NewEvent(name: "RestakeWithdrawalCompleted", epoch: chain.epoch, body: .object(fields))])
        return decision
    }

    private func decideRewardsFund(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let avs = try AccountName.validated(try body.string("avs"), field: "body.avs")
        try context.requireActor(avs, doing: "fund AVS rewards")
        let setId = try body.uint64("setId")
        let amount = try positiveAmount(body, "amountWei")
        let epochs = try body.uint64("epochs")
        guard epochs >= 1 && epochs <= 10_000 else {
            throw ContractError(.invalidArgument, "body.epochs must be 1 … 10000, got \(epochs)")
        }
        guard restaking.operatorSets[avs]?[setId] != nil else {
            throw ContractError(.operatorSetNotFound, "the ledger knows no operator set \(avs)/\(setId)")
        }
        let balance = accounts[avs]?.balanceWei ?? 0
        guard balance >= amount else {
            throw ContractError(.insufficientBalance,
                "\(avs) holds \(EtherAmount.format(balance)) ETH, cannot fund \(EtherAmount.format(amount)) ETH of rewards")
        }
        let fields: JSON = .object([
            "submission": .int(context.nextSeq), "avs": .string(avs), "setId": .int(setId), "amountWei": .amount(amount),
            "epochs": .int(epochs),
        ])
        return Decision(result: fields.merging(["seq": .int(context.nextSeq)]), events: [
            NewEvent(name: "AVSRewardsFunded", epoch: chain.epoch, body: fields),
        ])
    }

    // MARK: Tokens

    /// `account`'s balance of a strategy's token (steth by amount, wsteth and reth units).
    func tokenBalance(_ strategy: String, of holder: String) -> UInt128 {
        switch strategy {
        case "steth": steth.stethWei(of: holder)
        case "wsteth": steth.wstethWei(of: holder)
        case "reth": reth.rethWei(of: holder)
        default: 0
        }
    }

    /// The strategy's token balance: what its `StrategyPool` is priced on (steth rebases).
    func strategyTokenBalance(_ strategy: String) -> UInt128 { tokenBalance(strategy, of: RestakingBook.holder(strategy)) }

    /// The strategy's pool with its balance brought up to date.
    func strategyPool(_ strategy: String) -> StrategyPool {
        var pool = restaking.pools[strategy] ?? StrategyPool()
        pool.setBalance(strategyTokenBalance(strategy))
        return pool
    }

    /// A token move previewed: what the recipient would be credited (no pool is copied).
    private func simulatedMove(_ strategy: String, _ amount: UInt128, from: String, to: String) throws(ContractError) -> UInt128 {
        if strategy == "reth" {
            try accounting { () throws(AccountingError) in try reth.tokens.previewTransfer(amount, from: HolderID(from)) }
            return amount
        }
        return try steth.previewTransfer(amountWei: amount, shares: nil, token: strategy, from: from, to: to).creditedWei
    }

    private mutating func moveToken(_ event: EventEnvelope, _ strategy: String, _ amount: UInt128, from: String, to: String) {
        guard amount > 0 else { return }
        if strategy == "reth" {
            mustLiquid(event) { () throws(ContractError) in
                try accounting { () throws(AccountingError) in try reth.tokens.transfer(amount, from: HolderID(from), to: HolderID(to)) }
            }
        } else {
            _ = mustLiquid(event) { () throws(ContractError) in
                try steth.transfer(amountWei: amount, shares: nil, token: strategy, from: from, to: to)
            }
        }
    }

    // MARK: Applying

    /// Applies a restaking own event; false when `event` is not one.
    mutating func applyRestaking(_ event: EventEnvelope) -> Bool {
        guard event.type.hasPrefix("ledger.Restake") || event.type.hasPrefix("ledger.AVSRewards")
            || event.type == "ledger.OperatorSetTracked"
        else { return false }
        if RestakingBook.shareEventTypes.contains(event.type) { restaking.replay(event) }
        switch event.type {
        case "ledger.RestakeOperatorTracked":
            restaking.operators.insert(must(event) { body throws(ContractError) in try body.string("operator") })
        case "ledger.OperatorSetTracked":
            let (avs, setId, strategies) = must(event) { body throws(ContractError) in
                (try body.string("avs"), try body.uint64("setId"), try body.array("strategies").compactMap { item -> String? in
                    if case .string(let name) = item { return name }
                    return nil
                })
            }
            restaking.operatorSets[avs, default: [:]][setId] = strategies
        case "ledger.RestakeDeposited":
            let (account, strategy, amount) = must(event) { body throws(ContractError) in
                (try body.string("account"), try body.string("strategy"), try body.amount("amountWei"))
            }
            moveToken(event, strategy, amount, from: account, to: RestakingBook.holder(strategy))
        case "ledger.RestakeNativeVerified":
            let (account, validator, restaked, epoch) = must(event) { body throws(ContractError) in
                (try body.string("account"), ValidatorIndex(Int(try body.uint64("validator"))), try body.amount("restakedWei"),
                 try body.uint64("epoch"))
            }
            restaking.pods[account, default: RestakingPod()].validators.append(validator)
            restaking.pods[account]!.restakedWei += restaked
            if restaking.pods[account]!.lastCheckpointEpoch == nil { restaking.pods[account]!.lastCheckpointEpoch = epoch }
            restaking.podOwner[validator] = account
        case "ledger.RestakeCheckpointed":
            let (account, restaked, epoch) = must(event) { body throws(ContractError) in
                (try body.string("account"), try body.amount("restakedWei"), try body.uint64("epoch"))
            }
            restaking.pods[account]!.restakedWei = restaked
            restaking.pods[account]!.lastCheckpointEpoch = epoch
        case "ledger.RestakeWithdrawalCompleted":
            let (account, strategy, mode) = must(event) { body throws(ContractError) in
                (try body.string("account"), try body.string("strategy"), try body.string("as"))
            }
            guard mode == "tokens" else { break }
            let amount = must(event) { body throws(ContractError) in try body.amount("amountWei") }
            if strategy == "native" {
                guard amount > 0 else { break }
                restaking.pods[account]!.podWei -= amount
                restaking.pods[account]!.restakedWei -= amount
                accounts[account, default: Account()].balanceWei += amount
                accounts[account]!.withdrawalsReceivedWei += amount
            } else {
                moveToken(event, strategy, amount, from: RestakingBook.holder(strategy), to: account)
            }
        case "ledger.RestakeOperatorSlashed":
            let (operatorName, avs, setId, epoch) = must(event) { body throws(ContractError) in
                (try body.string("operator"), try body.string("avs"), try body.uint64("setId"), try body.uint64("epoch"))
            }
            for item in must(event, { body throws(ContractError) in try body.array("strategies") }) {
                let record = must(event) { _ throws(ContractError) in
                    RestakingSlashRecord(
                        avs: avs, setId: setId, epoch: epoch, strategy: try item.string("strategy"),
                        operatorSharesSlashed: try item.amount("operatorSharesSlashed"),
                        queuedSharesSlashed: try item.amount("queuedSharesSlashed"), burnedWei: try item.amount("burnedWei"))
                }
                restaking.slashes[operatorName, default: []].append(record)
                if record.strategy == "native" {
                    restaking.nativeBurnedWei += record.burnedWei
                } else if record.burnedWei > 0 {
                    moveToken(event, record.strategy, record.burnedWei, from: RestakingBook.holder(record.strategy), to: RestakingBook.burnedHolder)
                    restaking.burnedUnits[record.strategy, default: 0] += record.burnedWei
                }
            }
        case "ledger.AVSRewardsFunded":
            let (avs, amount) = must(event) { body throws(ContractError) in (try body.string("avs"), try body.amount("amountWei")) }
            accounts[avs]!.balanceWei -= amount
            restaking.rewardsFundedWei += amount
        case "ledger.AVSRewardsPaid":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            restaking.rewardsPaidWei += amount
            accounts[account, default: Account()].balanceWei += amount
        default:
            break  // RestakeDelegated, RestakeUndelegated, RestakeWithdrawalQueued: shares only; RestakeDelegationRefused: nothing
        }
        return true
    }

    /// A swept withdrawal of a pod's validator goes into the pod (EigenLayer: to the withdrawal
    /// credentials). True when it did.
    mutating func sweepIntoPod(_ validator: ValidatorIndex, amountWei: UInt128) -> Bool {
        guard let owner = restaking.podOwner[validator] else { return false }
        restaking.pods[owner]!.podWei += amountWei
        return true
    }

    // MARK: Reacting

    func reactRestaking(to event: EventEnvelope) -> [NewEvent]? {
        switch event.type {
        case "operators.RestakingOperatorRegistered":
            guard let name = try? event.body.string("name"), !restaking.operators.contains(name) else { return [] }
            return [NewEvent(name: "RestakeOperatorTracked", epoch: chain.epoch, body: .object(["operator": .string(name)]))]
        case "operators.Delegated":
            guard let staker = try? event.body.string("staker"), let operatorName = try? event.body.string("operator") else { return [] }
            var next = restaking
            let inputs: [String: JSON] = ["staker": .string(staker), "operator": .string(operatorName)]
            do throws(ContractError) {
                var fields = inputs
                for (key, value) in try next.perform("ledger.RestakeDelegated", .object(inputs)) { fields[key] = value }
                return [NewEvent(name: "RestakeDelegated", epoch: chain.epoch, body: .object(fields))]
            } catch {
                let message = error.code == .fullySlashed
                    ? "\(operatorName) was slashed to 0 in a strategy \(staker) holds: EigenLayer refuses the delegation"
                    : error.message
                return [NewEvent(name: "RestakeDelegationRefused", epoch: chain.epoch, body: .object([
                    "staker": .string(staker), "operator": .string(operatorName), "code": .string(error.code.rawValue),
                    "message": .string(message), "operatorsSeq": .int(event.seq),
                ]))]
            }
        case "operators.Undelegated":
            guard let staker = try? event.body.string("staker"),
                let operatorName = restaking.ledger.delegatedOperator(of: StakerID(staker))?.rawValue
            else { return [] }  // a delegation the ledger refused
            var next = restaking
            let inputs: [String: JSON] = [
                "staker": .string(staker), "operator": .string(operatorName), "epoch": .int(restakingEpoch),
            ]
            guard let outcome = try? next.perform("ledger.RestakeUndelegated", .object(inputs)) else { return [] }
            return [NewEvent(name: "RestakeUndelegated", epoch: chain.epoch, body: .object(inputs.merging(outcome) { a, _ in a }))]
        case "slashing.OperatorSetCreated":
            guard let avs = try? event.body.string("avs"), let setId = try? event.body.uint64("setId"),
                let strategies = try? event.body.array("strategies")
            else { return [] }
            return [NewEvent(name: "OperatorSetTracked", epoch: chain.epoch, body: .object([
                "avs": .string(avs), "setId": .int(setId), "strategies": .array(strategies),
            ]))]
        case "slashing.OperatorSlashed":
            return reactToOperatorSlashed(event)
        case "rewards.AVSRewardsClaimed":
            guard let account = try? event.body.string("account"), (try? AccountName.validated(account)) != nil,
                let amount = try? event.body.amount("amountWei"), amount > 0, amount <= restaking.escrowWei
            else { return [] }
            return [NewEvent(name: "AVSRewardsPaid", epoch: chain.epoch, body: .object([
                "account": .string(account), "amountWei": .amount(amount), "rewardsSeq": .int(event.seq),
            ]))]
        default:
            return nil
        }
    }

    private func reactToOperatorSlashed(_ event: EventEnvelope) -> [NewEvent] {
        guard let operatorName = try? event.body.string("operator"), let avs = try? event.body.string("avs"),
            let setId = try? event.body.uint64("setId"), let slashEpoch = try? event.body.uint64("epoch"),
            let items = try? event.body.array("strategies")
        else { return [] }
        var strategies: [JSON] = []
        var balances: [String: JSON] = [:]
        for item in items {
            guard let strategy = try? item.string("strategy"), RestakingBook.strategies.contains(strategy),
                let newMax = try? item.amount("newMaxMagnitudeWad")
            else { return [] }
            strategies.append(.object(["strategy": .string(strategy), "newMaxMagnitudeWad": .amount(newMax)]))
            if strategy != "native" { balances[strategy] = .amount(strategyTokenBalance(strategy)) }
        }
        var inputs: [String: JSON] = [
            "avs": .string(avs), "setId": .int(setId), "operator": .string(operatorName),
            "epoch": .int(max(slashEpoch, restaking.ledger.latestEpoch)), "slashingSeq": .int(event.seq),
            "strategies": .array(strategies), "strategyBalances": .object(balances),
        ]
        var next = restaking
        guard let outcome = try? next.perform("ledger.RestakeOperatorSlashed", .object(inputs)) else { return [] }
        for (key, value) in outcome { inputs[key] = value }
        return [NewEvent(name: "RestakeOperatorSlashed", epoch: chain.epoch, body: .object(inputs))]
    }

    /// The automatic checkpoint after a beacon slashing of a pod's validator, on the chain
    /// right after the slashing's initial penalty (nil when the validator is in no pod, or
    /// EigenLayer would refuse the checkpoint).
    func checkpointAfterSlashing(_ validator: ValidatorIndex, chain slashed: BeaconChain) -> NewEvent? {
        guard let owner = restaking.podOwner[validator] else { return nil }
        return try? checkpointEvent(owner, chain: slashed, reason: "validator_slashed")
    }

    // MARK: Snapshot

    func restakingSnapshot() -> JSON {
        let book = restaking
        var pods: [String: JSON] = [:]
        for (owner, pod) in book.pods {
            pods[owner] = .object([
                "validators": .ids(pod.validators), "podWei": .amount(pod.podWei), "restakedWei": .amount(pod.restakedWei),
                "lastCheckpointEpoch": pod.lastCheckpointEpoch.map { .int($0) } ?? .null,
            ])
        }
        var sets: [String: JSON] = [:]
        for (avs, bySet) in book.operatorSets {
            sets[avs] = .object(Dictionary(uniqueKeysWithValues: bySet.map { (String($0.key), JSON.array($0.value.map(JSON.string))) }))
        }
        var slashes: [String: JSON] = [:]
        for (operatorName, records) in book.slashes {
            slashes[operatorName] = .array(records.map { record in
                .object([
                    "avs": .string(record.avs), "setId": .int(record.setId), "epoch": .int(record.epoch),
                    "strategy": .string(record.strategy), "operatorSharesSlashed": .amount(record.operatorSharesSlashed),
                    "queuedSharesSlashed": .amount(record.queuedSharesSlashed), "burnedWei": .amount(record.burnedWei),
                ])
            })
        }
        return .object([
            "shareSide": book.shareSideSnapshot,
            "operators": .array(book.operators.sorted().map(JSON.string)),
            "operatorSets": .object(sets),
            "pods": .object(pods),
            "slashes": .object(slashes),
            "burnedUnits": .object(book.burnedUnits.mapValues { .amount($0) }),
            "nativeBurnedWei": .amount(book.nativeBurnedWei),
            "rewardsFundedWei": .amount(book.rewardsFundedWei),
            "rewardsPaidWei": .amount(book.rewardsPaidWei),
        ])
    }

    /// Restores the restaking state: plain data as is; the share side from its images, or, in
    /// a snapshot written before them, by replaying its events (`shareEvents`).
    mutating func restoreRestaking(_ snapshot: JSON?) throws(ContractError) {
        guard let snapshot else { return }  // a snapshot from before restaking
        var book = RestakingBook()
        if let shareEvents = snapshot["shareEvents"] {
            for item in try ImageJSON.array(shareEvents, "ledger snapshot: share events") {
                book.replay(EventEnvelope(
                    source: "ledger", seq: try item.uint64("seq"), type: try item.string("type"), epoch: nil,
                    body: try item.object("body")))
            }
        } else {
            try book.restoreShareSide(try snapshot.object("shareSide"))
        }
        for item in try snapshot.array("operators") {
            guard case .string(let name) = item else { throw ContractError(.invalidArgument, "ledger snapshot: restaking operator") }
            book.operators.insert(name)
        }
        guard case .object(let sets) = try snapshot.object("operatorSets"), case .object(let pods) = try snapshot.object("pods"),
            case .object(let slashes) = try snapshot.object("slashes"), case .object(let burned) = try snapshot.object("burnedUnits")
        else { throw ContractError(.invalidArgument, "ledger snapshot: restaking is malformed") }
        for (avs, value) in sets {
            guard case .object(let bySet) = value else { throw ContractError(.invalidArgument, "ledger snapshot: operator sets") }
            for (key, strategies) in bySet {
                guard let setId = UInt64(key), case .array(let names) = strategies else {
                    throw ContractError(.invalidArgument, "ledger snapshot: operator sets")
                }
                book.operatorSets[avs, default: [:]][setId] = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            }
        }
        for (owner, value) in pods {
            var pod = RestakingPod()
            pod.validators = try value.array("validators").map { item throws(ContractError) in
                guard case .number(let text) = item, let raw = Int(text) else {
                    throw ContractError(.invalidArgument, "ledger snapshot: pod validator")
                }
                return ValidatorIndex(raw)
            }
            pod.podWei = try value.amount("podWei")
            pod.restakedWei = try value.amount("restakedWei")
            pod.lastCheckpointEpoch = try value.optionalUInt64("lastCheckpointEpoch")
            for index in pod.validators { book.podOwner[index] = owner }
            book.pods[owner] = pod
        }
        for (operatorName, value) in slashes {
            guard case .array(let records) = value else { throw ContractError(.invalidArgument, "ledger snapshot: slashes") }
            for record in records {
                book.slashes[operatorName, default: []].append(RestakingSlashRecord(
                    avs: try record.string("avs"), setId: try record.uint64("setId"), epoch: try record.uint64("epoch"),
                    strategy: try record.string("strategy"), operatorSharesSlashed: try record.amount("operatorSharesSlashed"),
                    queuedSharesSlashed: try record.amount("queuedSharesSlashed"), burnedWei: try record.amount("burnedWei")))
            }
        }
        for (strategy, _) in burned { book.burnedUnits[strategy] = try JSON.object(burned).amount(strategy) }
        book.nativeBurnedWei = try snapshot.amount("nativeBurnedWei")
        book.rewardsFundedWei = try snapshot.amount("rewardsFundedWei")
        book.rewardsPaidWei = try snapshot.amount("rewardsPaidWei")
        restaking = book
    }
}
