/// The simulated consensus layer: the validator registry, its queues and one epoch's processing,
/// in the Electra specs' order and formulas (reference/consensus.md), pure and deterministic.
///
/// One `processEpoch()` is O(validators): a pass for participation and the total active
/// balance, a pass for inactivity scores, rewards, penalties and the registry, and the
/// deposit queue. The model's simplifications (each documented where it is made):
/// - an epoch's attestations are rewarded at the end of that same epoch;
/// - finality: an epoch is justified when ≥ 2/3 of the active balance hit the target, and
///   finalizes the previous one when that was justified too; the inactivity leak starts when the
///   last finalized epoch is more than 4 behind;
/// - proposer and sync-committee income are their expected value per epoch (see
///   `processEpoch`); the rest of the network contributes stake and participation only;
/// - withdrawals sweep every validator once every `sweepIntervalEpochs`.
public struct BeaconChain: Sendable, Equatable {
    public struct PendingDeposit: Sendable, Equatable {
        public let validator: ValidatorIndex
        public let amountGwei: UInt64

        public init(validator: ValidatorIndex, amountGwei: UInt64) {
            self.validator = validator
            self.amountGwei = amountGwei
        }
    }

    public var parameters: BeaconParameters
    /// The epoch in progress: the next `processEpoch()` ends it.
    public private(set) var epoch: UInt64 = 0
    public private(set) var validators: ContiguousArray<BeaconValidator> = []
    /// FIFO; `pendingDepositsHead` is the first unprocessed entry.
    public private(set) var pendingDeposits: ContiguousArray<PendingDeposit> = []
    public private(set) var pendingDepositsHead = 0
    public private(set) var depositBalanceToConsumeGwei: UInt64 = 0
    public private(set) var exitBalanceToConsumeGwei: UInt64 = 0
    public private(set) var earliestExitEpoch: UInt64 = 0
    public private(set) var finalizedEpoch: UInt64 = 0
    /// The last justified epoch, if any.
    public private(set) var justifiedEpoch: UInt64?
    /// `state.slashings`, sparse: slot `epoch % 8192` → effective balance slashed.
    public private(set) var slashingsGwei: [UInt64: UInt64] = [:]
    public private(set) var slashingsTotalGwei: UInt64 = 0
    /// Total active balance at `epoch` (own active effective balance + the network's).
    public private(set) var totalActiveBalanceGwei: UInt64 = 0

    // Chain-wide running totals (gwei), for the audit.
    public private(set) var depositedGwei: UInt128 = 0
    public private(set) var rewardsGwei: UInt128 = 0
    public private(set) var penaltiesGwei: UInt128 = 0
    public private(set) var slashingPenaltiesGwei: UInt128 = 0
    public private(set) var withdrawnGwei: UInt128 = 0

    public init(parameters: BeaconParameters = .mainnetLike) {
        self.parameters = parameters
        totalActiveBalanceGwei = Self.totalActiveBalance(own: 0, parameters: parameters)
    }

    /// Restores a chain saved field by field (snapshots); `check()` verifies it.
    public init(
        parameters: BeaconParameters, epoch: UInt64, validators: ContiguousArray<BeaconValidator>,
        pendingDeposits: ContiguousArray<PendingDeposit>, depositBalanceToConsumeGwei: UInt64,
        exitBalanceToConsumeGwei: UInt64, earliestExitEpoch: UInt64, finalizedEpoch: UInt64,
        justifiedEpoch: UInt64?, slashingsGwei: [UInt64: UInt64], depositedGwei: UInt128,
        rewardsGwei: UInt128, penaltiesGwei: UInt128, slashingPenaltiesGwei: UInt128, withdrawnGwei: UInt128
    ) {
        self.parameters = parameters
        self.epoch = epoch
        self.validators = validators
        self.pendingDeposits = pendingDeposits
        self.depositBalanceToConsumeGwei = depositBalanceToConsumeGwei
        self.exitBalanceToConsumeGwei = exitBalanceToConsumeGwei
        self.earliestExitEpoch = earliestExitEpoch
        self.finalizedEpoch = finalizedEpoch
        self.justifiedEpoch = justifiedEpoch
        self.slashingsGwei = slashingsGwei
        self.slashingsTotalGwei = slashingsGwei.values.reduce(0, +)
        self.depositedGwei = depositedGwei
        self.rewardsGwei = rewardsGwei
        self.penaltiesGwei = penaltiesGwei
        self.slashingPenaltiesGwei = slashingPenaltiesGwei
        self.withdrawnGwei = withdrawnGwei
        pendingDepositsGwei = pendingDeposits[pendingDepositsHead...].reduce(0) { $0 + $1.amountGwei }
        recomputeTotalActiveBalance()
    }

    // MARK: Reads

    public func validator(_ index: ValidatorIndex) throws(BeaconError) -> BeaconValidator {
        guard validators.indices.contains(index.rawValue) else { throw .validatorNotFound(index) }
        return validators[index.rawValue]
    }

    public func status(of index: ValidatorIndex) throws(BeaconError) -> ValidatorStatus {
        try validator(index).status(at: epoch)
    }

    /// Deposits waiting in the queue, gwei.
    public private(set) var pendingDepositsGwei: UInt64 = 0

    public var activationExitChurnLimitGwei: UInt64 {
        BeaconParameters.activationExitChurnLimitGwei(totalActiveBalanceGwei: totalActiveBalanceGwei)
    }

    /// Where a validator's deposit is in the queue: the gwei ahead of it and the epoch it is
    /// expected to be credited, at today's churn (nil once credited).
    public func depositQueuePosition(of index: ValidatorIndex) -> (aheadGwei: UInt64, expectedEpoch: UInt64)? {
        var aheadGwei: UInt64 = 0
        for deposit in pendingDeposits[pendingDepositsHead...] {
            if deposit.validator == index {
                return (aheadGwei, expectedCreditEpoch(aheadGwei: aheadGwei, amountGwei: deposit.amountGwei))
            }
            aheadGwei += deposit.amountGwei
        }
        return nil
    }

    /// The epoch at whose end a deposit of `amountGwei` behind `aheadGwei` is expected to be
    /// credited: the first whose cumulative churn covers both (today's churn; the 16-deposit
    /// cap per epoch is ignored, it binds only for deposits under 16 ETH).
    public func expectedCreditEpoch(aheadGwei: UInt64, amountGwei: UInt64) -> UInt64 {
        let churn = activationExitChurnLimitGwei
        let needed = aheadGwei + amountGwei
        let available = depositBalanceToConsumeGwei + churn
        return epoch + (needed <= available ? 0 : (needed - available + churn - 1) / churn)
    }

    /// The exit epoch and withdrawable epoch an exit initiated now would get (changes nothing).
    public func previewExit(_ index: ValidatorIndex) throws(BeaconError) -> (exitEpoch: UInt64, withdrawableEpoch: UInt64) {
        let validator = try validator(index)
        guard validator.exitEpoch == BeaconValidator.farFutureEpoch else {
            return (validator.exitEpoch, validator.withdrawableEpoch)
        }
        let exitEpoch = exitQueue(balanceGwei: validator.effectiveBalanceGwei).exitEpoch
        return (exitEpoch, exitEpoch + BeaconParameters.minValidatorWithdrawabilityDelay)
    }

    /// The expected activation epoch of a pending validator under normal finality: credited at
    /// the end of epoch p, eligible at p + 2, finalized at the end of p + 3, active at p + 8.
    public func expectedActivationEpoch(of index: ValidatorIndex) -> UInt64? {
        guard let validator = try? validator(index), validator.activationEpoch == BeaconValidator.farFutureEpoch
        else { return nil }
        if let queued = depositQueuePosition(of: index) { return queued.expectedEpoch + 8 }
        let lookahead = 1 + BeaconParameters.maxSeedLookahead
        if validator.activationEligibilityEpoch == BeaconValidator.farFutureEpoch { return epoch + 2 + lookahead }
        return max(validator.activationEligibilityEpoch + 1, epoch) + lookahead
    }

    /// The balance invariant: what validators hold plus what waits in the queue equals what was
    /// deposited plus rewards, minus penalties, slashing and withdrawals.
    public func check() -> Bool {
        let queued = pendingDeposits[pendingDepositsHead...].reduce(UInt64(0)) { $0 + $1.amountGwei }
        guard queued == pendingDepositsGwei else { return false }
        let held = validators.reduce(UInt128(0)) { $0 + UInt128($1.balanceGwei) } + UInt128(queued)
        let flows = depositedGwei + rewardsGwei
        let outs = penaltiesGwei + slashingPenaltiesGwei + withdrawnGwei
        return flows >= outs && held == flows - outs
    }

    // MARK: Requests

    /// Deposit range for a new validator: exactly 32 ETH for 0x01 credentials (anything above is
    /// swept straight back), 32…2048 ETH for compounding (0x02) ones.
    public func depositRangeGwei(compounding: Bool) -> ClosedRange<UInt64> {
        BeaconParameters.minActivationBalanceGwei
            ... (compounding ? parameters.fork.maxEffectiveBalanceCompoundingGwei : BeaconParameters.minActivationBalanceGwei)
    }

    /// A new validator whose deposit enters the pending-deposit queue now.
    public mutating func deposit(
        owner: Int, amountGwei: UInt64, compounding: Bool, performance: ValidatorPerformance = .ideal
    ) throws(BeaconError) -> ValidatorIndex {
        let range = depositRangeGwei(compounding: compounding)
        guard range.contains(amountGwei) else {
            throw .depositOutOfRange(amountGwei: amountGwei, minimumGwei: range.lowerBound, maximumGwei: range.upperBound)
        }
        let index = ValidatorIndex(validators.count)
        var validator = BeaconValidator(owner: owner, compounding: compounding, depositEpoch: epoch)
        validator.performance = performance
        validator.depositedGwei = amountGwei
        validators.append(validator)
        pendingDeposits.append(PendingDeposit(validator: index, amountGwei: amountGwei))
        pendingDepositsGwei += amountGwei
        depositedGwei += UInt128(amountGwei)
        return index
    }

    /// Checks a voluntary exit without changing anything.
    public func validateVoluntaryExit(_ index: ValidatorIndex) throws(BeaconError) {
        let validator = try validator(index)
        guard validator.exitEpoch == BeaconValidator.farFutureEpoch else {
            throw .exitAlreadyInitiated(index, exitEpoch: validator.exitEpoch)
        }
        guard validator.isActive(at: epoch) else { throw .validatorNotActive(index, status: validator.status(at: epoch)) }
        let earliest = validator.activationEpoch + BeaconParameters.shardCommitteePeriod
        guard epoch >= earliest else { throw .exitTooEarly(index, earliestEpoch: earliest) }
    }

    /// A voluntary exit (`process_voluntary_exit`): queued through the exit churn.
    /// - Returns: the exit epoch and the withdrawable epoch.
    @discardableResult
    public mutating func voluntaryExit(_ index: ValidatorIndex) throws(BeaconError) -> (exitEpoch: UInt64, withdrawableEpoch: UInt64) {
        try validateVoluntaryExit(index)
        initiateExit(index.rawValue)
        let validator = validators[index.rawValue]
        return (validator.exitEpoch, validator.withdrawableEpoch)
    }

    /// Checks a slashing without changing anything.
    public func validateSlashing(_ index: ValidatorIndex) throws(BeaconError) {
        let validator = try validator(index)
        guard !validator.slashed else { throw .alreadySlashed(index) }
        guard validator.activationEpoch <= epoch && epoch < validator.withdrawableEpoch else {
            throw .notSlashable(index, status: validator.status(at: epoch))
        }
    }

    /// `slash_validator` at the current epoch: exit initiated, withdrawable at `epoch + 8192` at
    /// the earliest, the effective balance added to the slashings window, the initial penalty
    /// taken; the correlation penalty follows at `withdrawable − 4096` in `processEpoch`.
    public mutating func slash(_ index: ValidatorIndex) throws(BeaconError) -> SlashingOutcome {
        try validateSlashing(index)
        let i = index.rawValue
        initiateExit(i)
        let fork = parameters.fork
        let effective = validators[i].effectiveBalanceGwei
        let initial = ConsensusRules.initialSlashing(effectiveBalanceGwei: effective, epoch: epoch, fork: fork)
        validators[i].slashed = true
        validators[i].slashedEpoch = epoch
        validators[i].withdrawableEpoch = max(validators[i].withdrawableEpoch, initial.withdrawableEpoch)
        slashingsGwei[epoch % ConsensusRules.epochsPerSlashingsVector, default: 0] += effective
        slashingsTotalGwei += effective
        let taken = decreaseBalance(i, by: initial.penaltyGwei)
        validators[i].slashingPenaltiesGwei += taken
        slashingPenaltiesGwei += UInt128(taken)
        let withdrawable = validators[i].withdrawableEpoch
        return SlashingOutcome(
            validator: index, epoch: epoch, penaltyGwei: taken,
            whistleblowerRewardGwei: initial.whistleblowerRewardGwei, proposerRewardGwei: initial.proposerRewardGwei,
            exitEpoch: validators[i].exitEpoch, withdrawableEpoch: withdrawable,
            correlationEpoch: withdrawable - ConsensusRules.epochsPerSlashingsVector / 2)
    }

    /// Sets the performance epoch processing uses for one validator.
    public mutating func setPerformance(_ performance: ValidatorPerformance, of index: ValidatorIndex) throws(BeaconError) {
        _ = try validator(index)
        validators[index.rawValue].performance = performance
    }

    /// Changes the network and sweep settings; takes effect from the next epoch processed.
    public mutating func setParameters(_ parameters: BeaconParameters) {
        self.parameters = parameters
        recomputeTotalActiveBalance()
    }

    // MARK: Epoch processing

    /// Ends the current epoch: justification and finality, inactivity scores, attestation
    /// rewards and penalties with the expected proposer and sync income, registry updates
    /// (eligibility, ejection, activation), correlation slashing penalties, the pending-deposit
    /// queue, effective-balance hysteresis, the slashings window; then the withdrawal sweep at
    /// the new epoch.
    ///
    /// Expected proposer and sync-committee income (the 10/64 of the base reward attestations do
    /// not pay), for an active unslashed validator: online, `base × 8 × target_increments //
    /// (active_increments × 64)` (its share of proposals, whose reward scales with the
    /// attestations they include) plus `base × 2 // 64` (sync duty); offline, a penalty of
    /// `base × 2 // 64` (a missed sync duty costs what it would have paid) and no proposer income.
    @discardableResult
    public mutating func processEpoch() -> EpochSummary {
        let current = epoch
        let increment = ConsensusRules.effectiveBalanceIncrementGwei
        let fork = parameters.fork
        let count = validators.count

        // Pass 1: who is active, who hit which flag, and the balances that participated.
        var flags = [UInt8](repeating: 0, count: count)
        var ownActiveGwei: UInt64 = 0
        var ownIncrements = (source: UInt64(0), target: UInt64(0), head: UInt64(0))
        for i in 0..<count {
            let validator = validators[i]
            guard validator.isActive(at: current) else { continue }
            ownActiveGwei += validator.effectiveBalanceGwei
            guard !validator.slashed else { continue }
            let online = validator.performance.isOnline(validator: i, epoch: current)
            guard online else { flags[i] = Self.activeFlag; continue }
            let participation = validator.performance.flags
            let increments = validator.effectiveBalanceGwei / increment
            var bits = Self.activeFlag | Self.onlineFlag
            if participation.source { bits |= Self.sourceFlag; ownIncrements.source += increments }
            if participation.target { bits |= Self.targetFlag; ownIncrements.target += increments }
            if participation.head { bits |= Self.headFlag; ownIncrements.head += increments }
            flags[i] = bits
        }
        let total = Self.totalActiveBalance(own: ownActiveGwei, parameters: parameters)
        let activeIncrements = total / increment
        let network = parameters.networkParticipatingIncrements
        let participating = (
            source: min(ownIncrements.source + network, activeIncrements),
            target: min(ownIncrements.target + network, activeIncrements),
            head: min(ownIncrements.head + network, activeIncrements))

        // Justification and finality (model: see the type's comment).
        let justified = UInt128(participating.target * increment) * 3 >= UInt128(total) * 2
        if justified {
            if let last = justifiedEpoch, last + 1 == current { finalizedEpoch = last }
            justifiedEpoch = current
        }
        let inLeak = current - finalizedEpoch > BeaconParameters.minEpochsToInactivityPenalty

        // Pass 2: inactivity scores, then rewards and penalties, of every eligible validator.
        let root = FixedPoint.integerSquareRoot(total)
        let perIncrement = increment * ConsensusRules.baseRewardFactor / root
        let denominator = UInt128(activeIncrements) * UInt128(ConsensusRules.weightDenominator)
        var rewardsTotal: UInt64 = 0
        var penaltiesTotal: UInt64 = 0
        for i in 0..<count {
            guard validators[i].isEligibleForDeltas(at: current) else { continue }
            let bits = flags[i]
            let hitTarget = bits & Self.targetFlag != 0
            var score = validators[i].inactivityScore
            if hitTarget { score -= min(1, score) } else { score += ConsensusRules.inactivityScoreBias }
            if !inLeak { score -= min(BeaconParameters.inactivityScoreRecoveryRate, score) }
            validators[i].inactivityScore = score

            let effective = validators[i].effectiveBalanceGwei
            let base = effective / increment * perIncrement
            var reward: UInt64 = 0
            var penalty: UInt64 = 0
            @inline(__always) func flagReward(_ weight: UInt64, _ increments: UInt64) -> UInt64 {
                UInt64(UInt128(base) * UInt128(weight) * UInt128(increments) / denominator)
            }
            let weights = ConsensusRules.self
            if bits & Self.sourceFlag != 0 {
                if !inLeak { reward += flagReward(weights.timelySourceWeight, participating.source) }
            } else {
                penalty += base * weights.timelySourceWeight / weights.weightDenominator
            }
            if hitTarget {
                if !inLeak { reward += flagReward(weights.timelyTargetWeight, participating.target) }
            } else {
                penalty += base * weights.timelyTargetWeight / weights.weightDenominator
                penalty += UInt64(
                    UInt128(effective) * UInt128(score)
                        / (UInt128(weights.inactivityScoreBias) * UInt128(fork.inactivityPenaltyQuotient)))
            }
            if bits & Self.headFlag != 0, !inLeak {
                reward += flagReward(weights.timelyHeadWeight, participating.head)
            }
            // Expected proposer and sync income of an active, unslashed validator.
            if bits & Self.activeFlag != 0 {
                let sync = base * BeaconParameters.syncRewardWeight / weights.weightDenominator
                if bits & Self.onlineFlag != 0 {
                    reward += flagReward(weights.proposerWeight, participating.target) + sync
                } else {
                    penalty += sync
                }
            }
            validators[i].balanceGwei += reward
            validators[i].rewardsGwei += reward
            let taken = decreaseBalance(i, by: penalty)
            validators[i].penaltiesGwei += taken
            rewardsTotal += reward
            penaltiesTotal += taken
        }
        rewardsGwei += UInt128(rewardsTotal)
        penaltiesGwei += UInt128(penaltiesTotal)

        var summary = EpochSummary(
            epoch: current, totalActiveBalanceGwei: total, ownActiveBalanceGwei: ownActiveGwei,
            targetParticipatingGwei: participating.target * increment, finalizedEpoch: finalizedEpoch,
            inInactivityLeak: inLeak, baseRewardPerIncrementGwei: perIncrement,
            rewardsGwei: rewardsTotal, penaltiesGwei: penaltiesTotal)

        // Registry updates (Electra: no activation count limit; churn is in the deposit queue).
        totalActiveBalanceGwei = total
        let lookahead = 1 + BeaconParameters.maxSeedLookahead
        for i in 0..<count {
            if validators[i].activationEligibilityEpoch == BeaconValidator.farFutureEpoch
                && validators[i].effectiveBalanceGwei >= BeaconParameters.minActivationBalanceGwei {
                validators[i].activationEligibilityEpoch = current + 1
            }
            if validators[i].isActive(at: current)
                && validators[i].effectiveBalanceGwei <= BeaconParameters.ejectionBalanceGwei
                && validators[i].exitEpoch == BeaconValidator.farFutureEpoch {
                initiateExit(i)
                summary.exitsInitiated.append(ValidatorIndex(i))
            }
        }
        for i in 0..<count
        where validators[i].activationEligibilityEpoch <= finalizedEpoch
            && validators[i].activationEpoch == BeaconValidator.farFutureEpoch {
            validators[i].activationEpoch = current + lookahead
            summary.activationsScheduled.append(ValidatorIndex(i))
        }

        // Correlation penalties (`process_slashings`), at withdrawable − 4096.
        let halfVector = ConsensusRules.epochsPerSlashingsVector / 2
        for i in 0..<count where validators[i].slashed && current + halfVector == validators[i].withdrawableEpoch {
            // Cannot throw: the total is at least one increment and the factored form fits.
            let penalty = (try? ConsensusRules.correlationPenaltyGwei(
                effectiveBalanceGwei: validators[i].effectiveBalanceGwei, totalActiveBalanceGwei: total,
                slashingsInWindowGwei: slashingsTotalGwei, fork: fork)) ?? 0
            let taken = decreaseBalance(i, by: penalty)
            validators[i].slashingPenaltiesGwei += taken
            slashingPenaltiesGwei += UInt128(taken)
            summary.correlationPenalties.append(.init(validator: ValidatorIndex(i), amountGwei: taken))
        }

        // Pending deposits (`process_pending_deposits`): up to the churn, at most 16 an epoch.
        let available = depositBalanceToConsumeGwei + activationExitChurnLimitGwei
        var processedGwei: UInt64 = 0
        var processedCount = 0
        var churnReached = false
        while pendingDepositsHead < pendingDeposits.count && processedCount < Self.maxPendingDepositsPerEpoch {
            let deposit = pendingDeposits[pendingDepositsHead]
            if processedGwei + deposit.amountGwei > available { churnReached = true; break }
            let i = deposit.validator.rawValue
            validators[i].balanceGwei += deposit.amountGwei
            if validators[i].effectiveBalanceGwei == 0 {
                let cap = validators[i].compounding ? fork.maxEffectiveBalanceCompoundingGwei : fork.maxEffectiveBalanceGwei
                validators[i].effectiveBalanceGwei = min(deposit.amountGwei - deposit.amountGwei % increment, cap)
            }
            processedGwei += deposit.amountGwei
            pendingDepositsGwei -= deposit.amountGwei
            processedCount += 1
            pendingDepositsHead += 1
            summary.depositsProcessed.append(.init(validator: deposit.validator, amountGwei: deposit.amountGwei))
        }
        depositBalanceToConsumeGwei = churnReached ? available - processedGwei : 0
        if pendingDepositsHead > 64 && pendingDepositsHead * 2 > pendingDeposits.count {
            pendingDeposits.removeFirst(pendingDepositsHead)
            pendingDepositsHead = 0
        }

        // Effective-balance hysteresis.
        for i in 0..<count {
            let before = validators[i].effectiveBalanceGwei
            let after = ConsensusRules.effectiveBalanceAfterHysteresisGwei(
                balanceGwei: validators[i].balanceGwei, effectiveBalanceGwei: before,
                hasCompoundingCredentials: validators[i].compounding, fork: fork)
            if after != before {
                validators[i].effectiveBalanceGwei = after
                summary.effectiveBalanceChanges += 1
            }
            if validators[i].activationEpoch == current + 1 { summary.activated.append(ValidatorIndex(i)) }
            if validators[i].withdrawableEpoch == current + 1 { summary.becameWithdrawable.append(ValidatorIndex(i)) }
        }

        // The slashings window moves on (`process_slashings_reset`).
        if let leaving = slashingsGwei.removeValue(forKey: (current + 1) % ConsensusRules.epochsPerSlashingsVector) {
            slashingsTotalGwei -= leaving
        }

        epoch = current + 1
        recomputeTotalActiveBalance()
        if epoch % parameters.sweepIntervalEpochs == 0 { sweep(into: &summary) }
        assert(check(), "beacon balances no longer reconcile after epoch \(current)")
        return summary
    }

    // MARK: Internals

    static let maxPendingDepositsPerEpoch = 16
    private static let sourceFlag: UInt8 = 1
    private static let targetFlag: UInt8 = 2
    private static let headFlag: UInt8 = 4
    /// Active and unslashed: earns or pays the expected proposer and sync amounts.
    private static let activeFlag: UInt8 = 8
    /// Online in this epoch.
    private static let onlineFlag: UInt8 = 16

    /// `get_total_active_balance`: never below one increment.
    static func totalActiveBalance(own: UInt64, parameters: BeaconParameters) -> UInt64 {
        max(ConsensusRules.effectiveBalanceIncrementGwei, own + parameters.networkActiveGwei)
    }

    private mutating func recomputeTotalActiveBalance() {
        var own: UInt64 = 0
        for validator in validators where validator.isActive(at: epoch) { own += validator.effectiveBalanceGwei }
        totalActiveBalanceGwei = Self.totalActiveBalance(own: own, parameters: parameters)
    }

    /// `decrease_balance`: floors at zero; returns what was taken.
    private mutating func decreaseBalance(_ i: Int, by amountGwei: UInt64) -> UInt64 {
        let taken = min(amountGwei, validators[i].balanceGwei)
        validators[i].balanceGwei -= taken
        return taken
    }

    /// `initiate_validator_exit` with Electra's `compute_exit_epoch_and_update_churn`.
    private mutating func initiateExit(_ i: Int) {
        guard validators[i].exitEpoch == BeaconValidator.farFutureEpoch else { return }
        let queue = exitQueue(balanceGwei: validators[i].effectiveBalanceGwei)
        exitBalanceToConsumeGwei = queue.balanceToConsumeGwei
        earliestExitEpoch = queue.exitEpoch
        validators[i].exitEpoch = queue.exitEpoch
        validators[i].withdrawableEpoch = queue.exitEpoch + BeaconParameters.minValidatorWithdrawabilityDelay
    }

    /// `compute_exit_epoch_and_update_churn`, without the update: the exit epoch for an exit of
    /// `balanceGwei` now, and the churn left in that epoch afterwards.
    private func exitQueue(balanceGwei exitBalance: UInt64) -> (exitEpoch: UInt64, balanceToConsumeGwei: UInt64) {
        var earliest = max(earliestExitEpoch, epoch + 1 + BeaconParameters.maxSeedLookahead)
        let perEpochChurn = activationExitChurnLimitGwei
        var toConsume = earliestExitEpoch < earliest ? perEpochChurn : exitBalanceToConsumeGwei
        if exitBalance > toConsume {
            let additionalEpochs = (exitBalance - toConsume - 1) / perEpochChurn + 1
            earliest += additionalEpochs
            toConsume += additionalEpochs * perEpochChurn
        }
        return (earliest, toConsume - exitBalance)
    }

    /// The withdrawal sweep: the whole balance of withdrawable validators, the excess above the
    /// maximum effective balance of the others (Electra: only once at that maximum).
    private mutating func sweep(into summary: inout EpochSummary) {
        let fork = parameters.fork
        for i in validators.indices {
            let validator = validators[i]
            guard validator.balanceGwei > 0 else { continue }
            let maximum = validator.compounding ? fork.maxEffectiveBalanceCompoundingGwei : fork.maxEffectiveBalanceGwei
            let amount: UInt64
            let full = validator.withdrawableEpoch <= epoch
            if full {
                amount = validator.balanceGwei
            } else if validator.effectiveBalanceGwei == maximum && validator.balanceGwei > maximum {
                amount = validator.balanceGwei - maximum
            } else {
                continue
            }
            validators[i].balanceGwei -= amount
            validators[i].withdrawnGwei += amount
            withdrawnGwei += UInt128(amount)
            summary.withdrawals.append(.init(validator: ValidatorIndex(i), owner: validator.owner, amountGwei: amount, full: full))
        }
    }
}
