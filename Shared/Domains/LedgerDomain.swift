import Accounting
import Contracts
import ServiceKit

/// stakeline-ledger: every balance — accounts' ETH and the simulated chain's validators.
///
/// The chain (`BeaconChain`) lives here because its balances do: the ledger runs each epoch's
/// processing when `stakeline-rewards` (the clock) says an epoch ended, applies validator
/// slashings reported by `stakeline-slashing`, and mirrors rewards' performance and network
/// settings, so the whole consensus-layer state has one writer and one journal order.
public struct LedgerDomain: ServiceDomain {
    public static let serviceName = LedgerIdentity.serviceName
    public static let followedSources = LedgerIdentity.followedSources
    public static let queryTypes: Set<String> = Set([
        "ledger.pings", "ledger.account.show", "ledger.validator.show", "ledger.validator.list",
        "ledger.chain.show", "ledger.audit", "ledger.withdrawal.list", "ledger.pool.show", "ledger.operator.show",
    ]).union(restakingQueryTypes).union(riskQueryTypes)

    /// One account's ETH in the books.
    public struct Account: Sendable, Equatable {
        public var balanceWei: UInt128 = 0
        /// ETH in from outside (`ledger.eth.deposit`).
        public var depositedWei: UInt128 = 0
        /// ETH out to outside (`ledger.eth.withdraw`).
        public var withdrawnWei: UInt128 = 0
        /// Swept from its validators.
        public var withdrawalsReceivedWei: UInt128 = 0
        public var validators: [ValidatorIndex] = []
    }

    var plumbing = PlumbingDomain<LedgerIdentity>()
    public internal(set) var accounts: [String: Account] = [:]
    /// Validator owners by handle (`BeaconValidator.owner`) and back.
    var ownerNames: [String] = []
    var ownerHandles: [String: Int] = [:]
    public internal(set) var chain = BeaconChain()
    /// Performance settings mirrored from rewards: per validator, and per owner for the rest.
    var validatorPerformance: [ValidatorIndex: ValidatorPerformance] = [:]
    var ownerPerformance: [String: ValidatorPerformance] = [:]
    /// ETH that entered and left the books from outside.
    public internal(set) var inflowsWei: UInt128 = 0
    public internal(set) var outflowsWei: UInt128 = 0
    /// The rebasing liquid-staking pool, and the exchange-rate one.
    var steth = StethPool()
    var reth = RethPool()
    /// The liquid-restaking pool (ether.fi-style): LedgerDomain+Eeth.swift.
    var eeth = EethPool()
    /// Node operators mirrored from stakeline-operators, and pools' report schedules from rewards.
    var nodeOperators: [String: NodeOperatorRecord] = [:]
    var schedules: [String: PoolSchedule] = [:]
    /// Restaking balances: strategies, pods, delegated shares, escrowed withdrawals, AVS rewards.
    var restaking = RestakingBook()
    /// Whether the last epoch processed was in an inactivity leak.
    var lastEpochInLeak = false
    /// The epoch transition `react` computed, reused by `apply` (see `EpochCache`).
    let epochCache = EpochCache()
    /// Bumped by every `apply`, so a cached transition is used only on the state it started from.
    var generation: UInt64 = 0

    public init() {}

    // MARK: Applying own events

    public mutating func apply(_ event: EventEnvelope) {
        generation &+= 1
        switch event.type {
        case "ledger.Pinged", "ledger.PingObserved":
            plumbing.apply(event)
        case "ledger.EthDeposited":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            accounts[account, default: Account()].balanceWei += amount
            accounts[account]!.depositedWei += amount
            inflowsWei += amount
        case "ledger.EthWithdrawn":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            accounts[account]!.balanceWei -= amount
            accounts[account]!.withdrawnWei += amount
            outflowsWei += amount
        case "ledger.ValidatorDeposited":
            applyValidatorDeposited(event)
        case "ledger.ValidatorExitInitiated":
            let index = must(event) { body throws(ContractError) in ValidatorIndex(Int(try body.uint64("validator"))) }
            do { try chain.voluntaryExit(index) } catch { preconditionFailure("replayed exit of \(index) refused: \(error)") }
        case "ledger.EpochApplied":
            applyEpoch(event)
        case "ledger.PerformanceRecorded":
            applyPerformance(event)
        case "ledger.NetworkRecorded":
            let parameters = must(event) { body throws(ContractError) in try chain.parameters.updated(by: body) }
            chain.setParameters(parameters)
        case "ledger.ValidatorSlashApplied":
            let index = must(event) { body throws(ContractError) in ValidatorIndex(Int(try body.uint64("validator"))) }
            do { _ = try chain.slash(index) } catch { preconditionFailure("replayed slashing of \(index) refused: \(error)") }
        case "ledger.ValidatorSlashRefused":
            break
        default:
            guard applyEeth(event) || applyLiquid(event) || applyRestaking(event) else { preconditionFailure("unknown own event \(event.type) at seq \(event.seq)") }
        }
    }

    private mutating func applyValidatorDeposited(_ event: EventEnvelope) {
        let (index, owner, amountGwei, compounding) = must(event) { body throws(ContractError) in
            (Int(try body.uint64("validator")), try body.string("owner"), try body.gwei("amountGwei"), try body.bool("compounding"))
        }
        if owner == StethPool.owner {
            applyPoolValidator(index: index, operatorName: must(event) { body throws(ContractError) in try body.string("operator") })
            return
        }
        if owner == RethPool.owner {
            applyMinipool(event, index: index)
            return
        }
        if owner == EethPool.owner {
            applyEethValidator(index: index, operatorName: must(event) { body throws(ContractError) in try body.string("operator") })
            return
        }
        let handle = ownerHandle(owner)
        let performance = ownerPerformance[owner] ?? .ideal
        do {
            let assigned = try chain.deposit(owner: handle, amountGwei: amountGwei, compounding: compounding, performance: performance)
            precondition(assigned.rawValue == index, "validator index \(assigned) != journaled \(index)")
        } catch {
            preconditionFailure("replayed deposit of validator \(index) refused: \(error)")
        }
        accounts[owner]!.balanceWei -= UInt128(amountGwei) * weiPerGwei
        accounts[owner]!.validators.append(ValidatorIndex(index))
    }

    private mutating func applyEpoch(_ event: EventEnvelope) {
        let epoch = must(event) { body throws(ContractError) in try body.uint64("epoch") }
        precondition(epoch == chain.epoch, "EpochApplied \(epoch) while the chain is at \(chain.epoch)")
        let summary: EpochSummary
        if let cached = epochCache.take(epoch: epoch, generation: generation &- 1) {
            summary = cached.summary
            chain = cached.chain
        } else {
            summary = chain.processEpoch()
        }
        lastEpochInLeak = summary.inInactivityLeak
        accrueExecutionRewards(epoch: epoch)
        for withdrawal in summary.withdrawals {
            let owner = ownerNames[withdrawal.owner]
            let amountWei = UInt128(withdrawal.amountGwei) * weiPerGwei
            if owner == StethPool.owner {
                steth.withdrawalVaultWei += amountWei
                continue
            }
            if sweepIntoPod(withdrawal.validator, amountWei: amountWei) { continue }
            if owner == EethPool.owner {  // an eeth validator swept before its verification
                eeth.bufferedWei += amountWei
                continue
            }
            if owner == RethPool.owner {
                let (operatorName, nodeWei) = reth.split(sweptWei: amountWei, full: withdrawal.full, from: withdrawal.validator)
                if nodeWei > 0 {
                    accounts[operatorName, default: Account()].balanceWei += nodeWei
                    accounts[operatorName]!.withdrawalsReceivedWei += nodeWei
                }
                continue
            }
            accounts[owner]!.balanceWei += amountWei
            accounts[owner]!.withdrawalsReceivedWei += amountWei
        }
        // A minipool that becomes withdrawable with nothing left to sweep is settled at zero: its
        // users' capital is the shortfall (nothing of the bond comes back). Its balance cannot
        // change after that, and one with a balance is settled by its full withdrawal above.
        for index in summary.becameWithdrawable where reth.minipools[index]?.closed == false {
            guard chain.validators[index.rawValue].balanceGwei == 0 else { continue }
            _ = reth.split(sweptWei: 0, full: true, from: index)
        }
    }

    private mutating func applyPerformance(_ event: EventEnvelope) {
        let performance = must(event) { body throws(ContractError) in try ValidatorPerformance(body: body) }
        if let validator = must(event, { body throws(ContractError) in try body.optionalUInt64("validator") }) {
            let index = ValidatorIndex(Int(validator))
            validatorPerformance[index] = performance
            try? chain.setPerformance(performance, of: index)
        } else {
            let owner = must(event) { body throws(ContractError) in try body.string("owner") }
            ownerPerformance[owner] = performance
            for index in accounts[owner]?.validators ?? [] where validatorPerformance[index] == nil {
                try? chain.setPerformance(performance, of: index)
            }
        }
    }

    func ownerName(of validator: BeaconValidator) -> String { ownerNames[validator.owner] }

    mutating func ownerHandle(_ owner: String) -> Int {
        if let handle = ownerHandles[owner] { return handle }
        ownerNames.append(owner)
        ownerHandles[owner] = ownerNames.count - 1
        return ownerNames.count - 1
    }

    // MARK: Reacting to other services

    public func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent] {
        if let eeth = reactEeth(to: event) { return eeth }
        if let liquid = reactLiquid(to: event) { return liquid }
        if let restake = reactRestaking(to: event) { return restake }
        switch event.type {
        case "rewards.EpochProcessed":
            return reactToEpoch(event)
        case "rewards.PerformanceSet":
            // Unknown validators are skipped: rewards does not know the registry.
            // (Any number may come in: one beyond Int must not trap.)
            if let validator = try? event.body.optionalUInt64("validator"),
                !(Int(exactly: validator).map(chain.validators.indices.contains) ?? false) { return [] }
            guard (try? ValidatorPerformance(body: event.body)) != nil else { return [] }
            return [NewEvent(name: "PerformanceRecorded", epoch: chain.epoch, body: event.body)]
        case "rewards.NetworkSet":
            guard (try? chain.parameters.updated(by: event.body)) != nil else { return [] }
            return [NewEvent(name: "NetworkRecorded", epoch: chain.epoch, body: event.body)]
        case "slashing.ValidatorSlashed":
            return reactToSlashing(event)
        default:
            return plumbing.react(to: event, context: context)
        }
    }

    private func reactToEpoch(_ event: EventEnvelope) -> [NewEvent] {
        guard let epoch = try? event.body.uint64("epoch"), epoch == chain.epoch else { return [] }
        var next = chain
        let summary = next.processEpoch()
        epochCache.store(epoch: epoch, generation: generation, chain: next, summary: summary)
        return [NewEvent(name: "EpochApplied", epoch: epoch, body: epochBody(summary, after: next))] + eethVerifications(after: next)
    }

    private func epochBody(_ summary: EpochSummary, after next: BeaconChain) -> JSON {
        var byOwner: [Int: UInt128] = [:]
        for withdrawal in summary.withdrawals { byOwner[withdrawal.owner, default: 0] += UInt128(withdrawal.amountGwei) * weiPerGwei }
        let withdrawals: [JSON] = byOwner.keys.sorted().map {
            .object(["owner": .string(ownerNames[$0]), "amountWei": .amount(byOwner[$0]!)])
        }
        let exits: [JSON] = summary.exitsInitiated.map { index in
            let validator = next.validators[index.rawValue]
            return .object([
                "validator": .int(index.rawValue), "exitEpoch": .int(validator.exitEpoch),
                "withdrawableEpoch": .int(validator.withdrawableEpoch),
            ])
        }
        return .object([
            "epoch": .int(summary.epoch),
            "totalActiveBalanceGwei": .amount(summary.totalActiveBalanceGwei),
            "ownActiveBalanceGwei": .amount(summary.ownActiveBalanceGwei),
            "finalizedEpoch": .int(summary.finalizedEpoch),
            "inInactivityLeak": .bool(summary.inInactivityLeak),
            "baseRewardPerIncrementGwei": .amount(summary.baseRewardPerIncrementGwei),
            "rewardsGwei": .amount(summary.rewardsGwei),
            "penaltiesGwei": .amount(summary.penaltiesGwei),
            "correlationPenaltiesGwei": .amount(summary.correlationPenaltiesGwei),
            "withdrawnGwei": .amount(summary.withdrawnGwei),
            "depositsProcessed": .ids(summary.depositsProcessed.map(\.validator)),
            "activationsScheduled": .ids(summary.activationsScheduled),
            "activated": .ids(summary.activated),
            "becameWithdrawable": .ids(summary.becameWithdrawable),
            "exitsInitiated": .array(exits),
            "correlationPenalties": .array(summary.correlationPenalties.map {
                .object(["validator": .int($0.validator.rawValue), "amountGwei": .amount($0.amountGwei)])
            }),
            "withdrawals": .array(withdrawals),
        ])
    }

    private func reactToSlashing(_ event: EventEnvelope) -> [NewEvent] {
        guard let validator = try? event.body.uint64("validator"), let raw = Int(exactly: validator) else { return [] }
        let index = ValidatorIndex(raw)
        let reason = (try? event.body.string("reason")) ?? ""
        var next = chain
        do throws(BeaconError) {
            let outcome = try next.slash(index)
            // A pod's validator: the automatic checkpoint on the slashed state (EigenLayer's
            // verifyStaleBalance), right after the slashing.
            let checkpoint = checkpointAfterSlashing(index, chain: next)
            return [NewEvent(name: "ValidatorSlashApplied", epoch: chain.epoch, body: .object([
                "validator": .int(validator), "owner": .string(ownerName(of: chain.validators[index.rawValue])),
                "reason": .string(reason), "epoch": .int(outcome.epoch), "penaltyGwei": .amount(outcome.penaltyGwei),
                "whistleblowerRewardGwei": .amount(outcome.whistleblowerRewardGwei),
                "proposerRewardGwei": .amount(outcome.proposerRewardGwei), "exitEpoch": .int(outcome.exitEpoch),
                "withdrawableEpoch": .int(outcome.withdrawableEpoch), "correlationEpoch": .int(outcome.correlationEpoch),
                "slashingSeq": .int(event.seq),
            ]))] + (checkpoint.map { [$0] } ?? [])
        } catch {
            return [NewEvent(name: "ValidatorSlashRefused", epoch: chain.epoch, body: .object([
                "validator": .int(validator), "code": .string(ContractError(error).code.rawValue),
                "message": .string(error.message), "slashingSeq": .int(event.seq),
            ]))]
        }
    }
}

/// The epoch transition `react` computed for the `EpochApplied` event it returns, so that
/// `apply` installs it instead of processing the epoch a second time. Keyed by epoch and by the
/// state's generation: it is used only on exactly the state it was computed from (a replay,
/// or any other path, recomputes). Touched only from the service's apply thread.
final class EpochCache: @unchecked Sendable {
    struct Entry {
        let epoch: UInt64
        let generation: UInt64
        let chain: BeaconChain
        let summary: EpochSummary
    }

    private var entry: Entry?

    func store(epoch: UInt64, generation: UInt64, chain: BeaconChain, summary: EpochSummary) {
        entry = Entry(epoch: epoch, generation: generation, chain: chain, summary: summary)
    }

    func take(epoch: UInt64, generation: UInt64) -> Entry? {
        defer { entry = nil }
        guard let entry, entry.epoch == epoch, entry.generation == generation else { return nil }
        return entry
    }
}
