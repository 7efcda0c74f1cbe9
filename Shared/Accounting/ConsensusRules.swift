/// The consensus specs' reward, penalty and slashing formulas, in gwei, with the specs'
/// operation order (every `/` floors). Proposer and sync-committee income (10/64 of the base
/// reward) is not modelled here.
public enum ConsensusRules {
    public static let effectiveBalanceIncrementGwei: UInt64 = 1_000_000_000
    public static let baseRewardFactor: UInt64 = 64
    public static let timelySourceWeight: UInt64 = 14
    public static let timelyTargetWeight: UInt64 = 26
    public static let timelyHeadWeight: UInt64 = 14
    public static let weightDenominator: UInt64 = 64
    public static let proposerWeight: UInt64 = 8
    public static let inactivityScoreBias: UInt64 = 4
    public static let epochsPerSlashingsVector: UInt64 = 8192
    public static let activationBalanceGwei: UInt64 = 32_000_000_000

    /// `64e9 // integer_squareroot(totalActiveBalanceGwei)`.
    /// - Throws: `division_by_zero` when the total is 0.
    public static func baseRewardPerIncrementGwei(
        totalActiveBalanceGwei: UInt64
    ) throws(AccountingError) -> UInt64 {
        let root = FixedPoint.integerSquareRoot(totalActiveBalanceGwei)
        guard root > 0 else { throw .divisionByZero }
        return effectiveBalanceIncrementGwei * baseRewardFactor / root
    }

    /// `(effectiveBalance // 1e9) × baseRewardPerIncrement`.
    public static func baseRewardGwei(
        effectiveBalanceGwei: UInt64, totalActiveBalanceGwei: UInt64
    ) throws(AccountingError) -> UInt64 {
        let increments = effectiveBalanceGwei / effectiveBalanceIncrementGwei
        let perIncrement = try baseRewardPerIncrementGwei(totalActiveBalanceGwei: totalActiveBalanceGwei)
        let (product, overflowed) = increments.multipliedReportingOverflow(by: perIncrement)
        guard !overflowed else { throw .overflow }
        return product
    }

    /// One timeliness flag's reward (`get_flag_index_deltas`) for a validator that hit it:
    /// `baseReward × weight × (participating // 1e9) // ((total // 1e9) × 64)`; 0 in a leak.
    public static func flagRewardGwei(
        baseRewardGwei: UInt64, weight: UInt64, participatingBalanceGwei: UInt64,
        totalActiveBalanceGwei: UInt64, inInactivityLeak: Bool
    ) throws(AccountingError) -> UInt64 {
        guard !inInactivityLeak else { return 0 }
        let participatingIncrements = UInt128(participatingBalanceGwei / effectiveBalanceIncrementGwei)
        let activeIncrements = UInt128(totalActiveBalanceGwei / effectiveBalanceIncrementGwei)
        let numerator = UInt128(baseRewardGwei) * UInt128(weight) * participatingIncrements
        let denominator = activeIncrements * UInt128(weightDenominator)
        guard denominator > 0 else { throw .divisionByZero }
        return try narrow(numerator / denominator)
    }

    /// A missed source or target flag's penalty: `baseReward × weight // 64`.
    public static func flagPenaltyGwei(baseRewardGwei: UInt64, weight: UInt64) throws(AccountingError) -> UInt64 {
        try narrow(UInt128(baseRewardGwei) * UInt128(weight) / UInt128(weightDenominator))
    }

    /// A validator's attestation outcome for one epoch.
    public struct AttestationDeltas: Sendable, Equatable {
        public let rewardGwei: UInt64
        public let penaltyGwei: UInt64
        public init(rewardGwei: UInt64, penaltyGwei: UInt64) {
            self.rewardGwei = rewardGwei
            self.penaltyGwei = penaltyGwei
        }
    }

    /// Flags a validator attested with in an epoch, and the participating balance of each.
    public struct Participation: Sendable, Equatable {
        public var source: Bool
        public var target: Bool
        public var head: Bool
        public init(source: Bool, target: Bool, head: Bool) {
            self.source = source
            self.target = target
            self.head = head
        }
        public static let full = Participation(source: true, target: true, head: true)
        public static let offline = Participation(source: false, target: false, head: false)
    }

    /// Source, target and head rewards or penalties for one validator in one epoch (Altair+),
    /// plus the inactivity penalty `eb × score // (4 × quotient)` when it missed target and
    /// an inactivity score is given.
    public static func attestationDeltas(
        effectiveBalanceGwei: UInt64, totalActiveBalanceGwei: UInt64, participation: Participation,
        participatingBalanceGwei: (source: UInt64, target: UInt64, head: UInt64),
        inInactivityLeak: Bool = false, inactivityScore: UInt64 = 0,
        fork: ConsensusFork = .default
    ) throws(AccountingError) -> AttestationDeltas {
        let base = try baseRewardGwei(
            effectiveBalanceGwei: effectiveBalanceGwei, totalActiveBalanceGwei: totalActiveBalanceGwei)
        var reward: UInt64 = 0
        var penalty: UInt64 = 0
        let flags: [(Bool, UInt64, UInt64, Bool)] = [
            (participation.source, timelySourceWeight, participatingBalanceGwei.source, true),
            (participation.target, timelyTargetWeight, participatingBalanceGwei.target, true),
            (participation.head, timelyHeadWeight, participatingBalanceGwei.head, false),
        ]
        for (hit, weight, participating, penalisedWhenMissed) in flags {
            if hit {
                reward += try flagRewardGwei(
                    baseRewardGwei: base, weight: weight, participatingBalanceGwei: participating,
                    totalActiveBalanceGwei: totalActiveBalanceGwei, inInactivityLeak: inInactivityLeak)
            } else if penalisedWhenMissed {
                penalty += try flagPenaltyGwei(baseRewardGwei: base, weight: weight)
            }
        }
        if !participation.target && inactivityScore > 0 {
            penalty += try inactivityPenaltyGwei(
                effectiveBalanceGwei: effectiveBalanceGwei, inactivityScore: inactivityScore, fork: fork)
        }
        return AttestationDeltas(rewardGwei: reward, penaltyGwei: penalty)
    }

    /// `eb × inactivityScore // (INACTIVITY_SCORE_BIAS × INACTIVITY_PENALTY_QUOTIENT)`.
    public static func inactivityPenaltyGwei(
        effectiveBalanceGwei: UInt64, inactivityScore: UInt64, fork: ConsensusFork = .default
    ) throws(AccountingError) -> UInt64 {
        let numerator = UInt128(effectiveBalanceGwei) * UInt128(inactivityScore)
        return try narrow(numerator / (UInt128(inactivityScoreBias) * UInt128(fork.inactivityPenaltyQuotient)))
    }

    /// `process_effective_balance_updates`: moves only when `balance + 0.25 ETH < eb` or
    /// `eb + 1.25 ETH < balance`, to `min(balance − balance % 1e9, cap)`; the cap is 2048 ETH
    /// for compounding credentials in Electra, 32 ETH otherwise.
    public static func effectiveBalanceAfterHysteresisGwei(
        balanceGwei: UInt64, effectiveBalanceGwei: UInt64, hasCompoundingCredentials: Bool,
        fork: ConsensusFork = .default
    ) -> UInt64 {
        let hysteresisIncrement = effectiveBalanceIncrementGwei / 4
        let downwardThreshold = hysteresisIncrement * 1
        let upwardThreshold = hysteresisIncrement * 5
        let cap = hasCompoundingCredentials
            ? fork.maxEffectiveBalanceCompoundingGwei : fork.maxEffectiveBalanceGwei
        // Widened so that balances near UInt64.max cannot overflow the comparison.
        let falls = UInt128(balanceGwei) + UInt128(downwardThreshold) < UInt128(effectiveBalanceGwei)
        let rises = UInt128(effectiveBalanceGwei) + UInt128(upwardThreshold) < UInt128(balanceGwei)
        guard falls || rises else { return effectiveBalanceGwei }
        return min(balanceGwei - balanceGwei % effectiveBalanceIncrementGwei, cap)
    }

    /// `slash_validator`'s amounts.
    public struct InitialSlashing: Sendable, Equatable {
        /// Taken from the slashed validator at once.
        public let penaltyGwei: UInt64
        public let proposerRewardGwei: UInt64
        public let whistleblowerRewardGwei: UInt64
        public let withdrawableEpoch: UInt64
        public init(
            penaltyGwei: UInt64, proposerRewardGwei: UInt64, whistleblowerRewardGwei: UInt64, withdrawableEpoch: UInt64
        ) {
            self.penaltyGwei = penaltyGwei
            self.proposerRewardGwei = proposerRewardGwei
            self.whistleblowerRewardGwei = whistleblowerRewardGwei
            self.withdrawableEpoch = withdrawableEpoch
        }
    }

    /// `penalty = eb // MIN_SLASHING_PENALTY_QUOTIENT`; `wb = eb // WHISTLEBLOWER_REWARD_QUOTIENT`,
    /// the proposer gets `wb × 8 // 64` and the whistleblower the rest (the proposer all of it
    /// when it is the whistleblower); withdrawable at `epoch + 8192`.
    public static func initialSlashing(
        effectiveBalanceGwei: UInt64, epoch: UInt64, hasSeparateWhistleblower: Bool = true,
        fork: ConsensusFork = .default
    ) -> InitialSlashing {
        let penalty = effectiveBalanceGwei / fork.minSlashingPenaltyQuotient
        let whistleblowerTotal = effectiveBalanceGwei / fork.whistleblowerRewardQuotient
        let proposer = whistleblowerTotal * proposerWeight / weightDenominator
        return InitialSlashing(
            penaltyGwei: penalty,
            proposerRewardGwei: hasSeparateWhistleblower ? proposer : whistleblowerTotal,
            whistleblowerRewardGwei: hasSeparateWhistleblower ? whistleblowerTotal - proposer : 0,
            withdrawableEpoch: epoch + epochsPerSlashingsVector)
    }

    /// `process_slashings`, charged at `withdrawable_epoch − 4096`:
    /// `adj = min(slashings × 3, total)`; Bellatrix `(eb // 1e9 × adj) // total × 1e9`;
    /// Electra `adj // (total // 1e9) × (eb // 1e9)`.
    /// - Throws: `division_by_zero` (total below one increment), `overflow`.
    public static func correlationPenaltyGwei(
        effectiveBalanceGwei: UInt64, totalActiveBalanceGwei: UInt64, slashingsInWindowGwei: UInt64,
        fork: ConsensusFork = .default
    ) throws(AccountingError) -> UInt64 {
        let increment = UInt128(effectiveBalanceIncrementGwei)
        let total = UInt128(totalActiveBalanceGwei)
        let adjusted = min(UInt128(slashingsInWindowGwei) * UInt128(fork.proportionalSlashingMultiplier), total)
        let effectiveIncrements = UInt128(effectiveBalanceGwei) / increment
        if fork.usesPerIncrementCorrelationPenalty {
            let totalIncrements = total / increment
            guard totalIncrements > 0 else { throw .divisionByZero }
            return try narrow(adjusted / totalIncrements * effectiveIncrements)
        }
        guard total > 0 else { throw .divisionByZero }
        return try narrow(effectiveIncrements * adjusted / total * increment)
    }

    @inline(__always)
    static func narrow(_ value: UInt128) throws(AccountingError) -> UInt64 {
        guard value <= UInt128(UInt64.max) else { throw .overflow }
        return UInt64(value)
    }
}
