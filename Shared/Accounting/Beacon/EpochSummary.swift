/// What one epoch's processing did: totals for the books, and the (usually short) lists of
/// validators whose lifecycle moved.
public struct EpochSummary: Sendable, Equatable {
    /// A withdrawal swept to a validator's owner.
    public struct Withdrawal: Sendable, Equatable {
        public let validator: ValidatorIndex
        public let owner: Int
        public let amountGwei: UInt64
        /// The whole balance of a withdrawable validator (else the excess above the maximum
        /// effective balance).
        public let full: Bool

        public init(validator: ValidatorIndex, owner: Int, amountGwei: UInt64, full: Bool) {
            self.validator = validator
            self.owner = owner
            self.amountGwei = amountGwei
            self.full = full
        }
    }

    /// An amount credited to or taken from one validator.
    public struct ValidatorAmount: Sendable, Equatable {
        public let validator: ValidatorIndex
        public let amountGwei: UInt64

        public init(validator: ValidatorIndex, amountGwei: UInt64) {
            self.validator = validator
            self.amountGwei = amountGwei
        }
    }

    /// The epoch processed; the chain is at `epoch + 1` afterwards.
    public let epoch: UInt64
    /// Including the rest of the network.
    public let totalActiveBalanceGwei: UInt64
    /// This chain's own active validators' effective balance.
    public let ownActiveBalanceGwei: UInt64
    public let targetParticipatingGwei: UInt64
    public let finalizedEpoch: UInt64
    public let inInactivityLeak: Bool
    public let baseRewardPerIncrementGwei: UInt64
    public let rewardsGwei: UInt64
    public let penaltiesGwei: UInt64
    public var depositsProcessed: [ValidatorAmount] = []
    public var activationsScheduled: [ValidatorIndex] = []
    /// Active from the next epoch (their `activationEpoch` is `epoch + 1`).
    public var activated: [ValidatorIndex] = []
    /// Withdrawable from the next epoch: no longer slashable.
    public var becameWithdrawable: [ValidatorIndex] = []
    public var exitsInitiated: [ValidatorIndex] = []
    public var correlationPenalties: [ValidatorAmount] = []
    public var withdrawals: [Withdrawal] = []
    public var effectiveBalanceChanges: Int = 0

    public var withdrawnGwei: UInt64 { withdrawals.reduce(0) { $0 + $1.amountGwei } }
    public var correlationPenaltiesGwei: UInt64 { correlationPenalties.reduce(0) { $0 + $1.amountGwei } }
}

/// What slashing one validator did.
public struct SlashingOutcome: Sendable, Equatable {
    public let validator: ValidatorIndex
    public let epoch: UInt64
    /// The initial penalty actually taken (`eb // MIN_SLASHING_PENALTY_QUOTIENT`, at most the balance).
    public let penaltyGwei: UInt64
    /// Paid by the protocol to the (outside) whistleblower and proposer; not from this validator.
    public let whistleblowerRewardGwei: UInt64
    public let proposerRewardGwei: UInt64
    public let exitEpoch: UInt64
    public let withdrawableEpoch: UInt64
    /// When the correlation penalty is charged: `withdrawable − 4096`, if that is in the future.
    public let correlationEpoch: UInt64
}
