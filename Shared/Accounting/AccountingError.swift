/// Every way an accounting operation can refuse its input.
///
/// A throwing operation leaves its value unchanged: each one validates fully before it mutates.
/// `code` is a stable snake_case string for messages and logs (new codes are only ever added);
/// `message` is for people.
public enum AccountingError: Error, Equatable, Hashable, Sendable {
    // Amounts.
    case amountZero
    case amountBelowMinimum(minimum: UInt128)
    case amountAboveMaximum(maximum: UInt128)
    /// The amount converts to zero shares (or zero of the output unit) at the current rate.
    case amountRoundsToZero
    case insufficientBalance(available: UInt128, required: UInt128)
    // Arithmetic.
    case overflow
    case divisionByZero
    case invalidBips(UInt128)
    case invalidWad(UInt128)
    case invalidShareRate
    // Pools.
    case poolEmpty
    case maxTotalSharesExceeded
    case invalidRebaseLimit
    // Withdrawal queue.
    case requestNotFound
    case requestNotFinalized
    case requestAlreadyClaimed
    case notRequestOwner
    case nothingToFinalize
    // Restaking: delegation and shares.
    case operatorNotRegistered
    case operatorAlreadyRegistered
    case stakerNotDelegated
    case stakerAlreadyDelegated
    case fullySlashed
    case invalidDepositScalingFactor
    case withdrawalNotFound
    case withdrawalDelayNotElapsed
    case invalidMagnitude
    case notWithdrawalOwner
    case epochInPast
    // Restaking: operator sets and magnitudes.
    case operatorSetNotFound
    case operatorSetAlreadyExists
    case strategyNotInOperatorSet
    case alreadyRegisteredForOperatorSet
    case notRegisteredForOperatorSet
    case operatorNotSlashable
    case modificationAlreadyPending
    case sameMagnitude
    case insufficientMagnitude
    case invalidWadToSlash
    // Restoring a stored image.
    /// A stored image (`RestakingLedger.Image`, `AllocationBook.Image`, `RewardIndex.Image`,
    /// `StrategyPool.Image`) is inconsistent: lengths disagree, a handle is out of range, an ID
    /// repeats, or a derived total does not match what it is derived from.
    case invalidImage

    /// Stable snake_case code.
    public var code: String {
        switch self {
        case .amountZero: "amount_zero"
        case .amountBelowMinimum: "amount_below_minimum"
        case .amountAboveMaximum: "amount_above_maximum"
        case .amountRoundsToZero: "amount_rounds_to_zero"
        case .insufficientBalance: "insufficient_balance"
        case .overflow: "overflow"
        case .divisionByZero: "division_by_zero"
        case .invalidBips: "invalid_bips"
        case .invalidWad: "invalid_wad"
        case .invalidShareRate: "invalid_share_rate"
        case .poolEmpty: "pool_empty"
        case .maxTotalSharesExceeded: "max_total_shares_exceeded"
        case .invalidRebaseLimit: "invalid_rebase_limit"
        case .requestNotFound: "request_not_found"
        case .requestNotFinalized: "request_not_finalized"
        case .requestAlreadyClaimed: "request_already_claimed"
        case .notRequestOwner: "not_request_owner"
        case .nothingToFinalize: "nothing_to_finalize"
        case .operatorNotRegistered: "operator_not_registered"
        case .operatorAlreadyRegistered: "operator_already_registered"
        case .stakerNotDelegated: "staker_not_delegated"
        case .stakerAlreadyDelegated: "staker_already_delegated"
        case .fullySlashed: "fully_slashed"
        case .invalidDepositScalingFactor: "invalid_deposit_scaling_factor"
        case .withdrawalNotFound: "withdrawal_not_found"
        case .withdrawalDelayNotElapsed: "withdrawal_delay_not_elapsed"
        case .invalidMagnitude: "invalid_magnitude"
        case .notWithdrawalOwner: "not_withdrawal_owner"
        case .epochInPast: "epoch_in_past"
        case .operatorSetNotFound: "operator_set_not_found"
        case .operatorSetAlreadyExists: "operator_set_already_exists"
        case .strategyNotInOperatorSet: "strategy_not_in_operator_set"
        case .alreadyRegisteredForOperatorSet: "already_registered_for_operator_set"
        case .notRegisteredForOperatorSet: "not_registered_for_operator_set"
        case .operatorNotSlashable: "operator_not_slashable"
        case .modificationAlreadyPending: "modification_already_pending"
        case .sameMagnitude: "same_magnitude"
        case .insufficientMagnitude: "insufficient_magnitude"
        case .invalidWadToSlash: "invalid_wad_to_slash"
        case .invalidImage: "invalid_image"
        }
    }

    /// A sentence for people.
    public var message: String {
        switch self {
        case .amountZero: "The amount must be greater than zero."
        case .amountBelowMinimum(let minimum): "The amount is below the minimum of \(minimum) base units."
        case .amountAboveMaximum(let maximum): "The amount is above the maximum of \(maximum) base units."
        case .amountRoundsToZero: "The amount is worth zero units at the current rate; send more."
        case .insufficientBalance(let available, let required):
            "The balance is \(available) base units; \(required) are needed."
        case .overflow: "The result does not fit in the amount type."
        case .divisionByZero: "A divisor is zero."
        case .invalidBips(let bips): "\(bips) bips is outside 0...10000."
        case .invalidWad(let wad): "\(wad) is outside the allowed WAD range."
        case .invalidShareRate: "The share rate must be positive and no higher than the pool's rate."
        case .poolEmpty: "The pool holds no shares or no ether."
        case .maxTotalSharesExceeded: "The strategy's total shares would exceed its cap."
        case .invalidRebaseLimit: "The rebase limit must be positive."
        case .requestNotFound: "No withdrawal request has that id."
        case .requestNotFinalized: "The withdrawal request is not finalized yet."
        case .requestAlreadyClaimed: "The withdrawal request was already claimed."
        case .notRequestOwner: "Only the request's owner can claim it."
        case .nothingToFinalize: "There is no unfinalized request up to that id."
        case .operatorNotRegistered: "The operator is not registered."
        case .operatorAlreadyRegistered: "The operator is already registered."
        case .stakerNotDelegated: "The staker is not delegated to an operator."
        case .stakerAlreadyDelegated: "The staker is already delegated; undelegate first."
        case .fullySlashed: "The operator is fully slashed; no shares can be added."
        case .invalidDepositScalingFactor: "The deposit scaling factor would round to zero."
        case .withdrawalNotFound: "No queued withdrawal has that id."
        case .withdrawalDelayNotElapsed: "The withdrawal is still in escrow."
        case .invalidMagnitude: "The magnitude is outside 0...WAD or above the current maximum."
        case .notWithdrawalOwner: "Only the staker who queued the withdrawal can complete it."
        case .epochInPast: "The epoch is earlier than one already recorded."
        case .operatorSetNotFound: "The operator set does not exist."
        case .operatorSetAlreadyExists: "The operator set already exists."
        case .strategyNotInOperatorSet: "The strategy is not part of the operator set."
        case .alreadyRegisteredForOperatorSet: "The operator is already registered for the set."
        case .notRegisteredForOperatorSet: "The operator is not registered for the set."
        case .operatorNotSlashable: "The operator is not slashable by this operator set."
        case .modificationAlreadyPending: "An allocation change is already pending."
        case .sameMagnitude: "The new magnitude equals the current one."
        case .insufficientMagnitude: "Not enough allocatable magnitude."
        case .invalidWadToSlash: "The proportion to slash must be in 1...WAD."
        case .invalidImage: "The stored image is inconsistent and was not restored."
        }
    }
}
