/// A validator's index in the registry: dense, assigned in deposit order, never reused.
public struct ValidatorIndex: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The beacon API's validator statuses (`/eth/v1/beacon/states/{id}/validators`).
public enum ValidatorStatus: String, Sendable, CaseIterable {
    /// Deposited; the deposit waits in the pending-deposit queue.
    case pendingInitialized = "pending_initialized"
    /// Balance credited; waiting for activation.
    case pendingQueued = "pending_queued"
    case activeOngoing = "active_ongoing"
    case activeExiting = "active_exiting"
    case activeSlashed = "active_slashed"
    case exitedUnslashed = "exited_unslashed"
    case exitedSlashed = "exited_slashed"
    case withdrawalPossible = "withdrawal_possible"
    case withdrawalDone = "withdrawal_done"
}

/// One validator of the simulated chain, in gwei and epochs (`farFutureEpoch` = not yet).
public struct BeaconValidator: Sendable, Equatable {
    public static let farFutureEpoch = UInt64.max

    /// Who receives its withdrawals (an account handle of the caller's choosing).
    public var owner: Int
    /// 0x02 credentials: effective balance up to 2048 ETH, nothing swept below it.
    public var compounding: Bool
    public var balanceGwei: UInt64 = 0
    public var effectiveBalanceGwei: UInt64 = 0
    public var slashed = false
    public var activationEligibilityEpoch = farFutureEpoch
    public var activationEpoch = farFutureEpoch
    public var exitEpoch = farFutureEpoch
    public var withdrawableEpoch = farFutureEpoch
    public var inactivityScore: UInt64 = 0
    /// Epoch the deposit was made (entered the pending queue).
    public var depositEpoch: UInt64
    /// Epoch the slashing was applied, if slashed.
    public var slashedEpoch: UInt64 = farFutureEpoch
    /// Resolved performance the epoch processing uses.
    public var performance: ValidatorPerformance = .ideal

    // Running totals, for reads and the audit; gwei.
    public var depositedGwei: UInt64 = 0
    /// Attestation, proposer and sync income credited.
    public var rewardsGwei: UInt64 = 0
    /// Attestation, sync and inactivity penalties debited.
    public var penaltiesGwei: UInt64 = 0
    /// Initial and correlation slashing penalties debited.
    public var slashingPenaltiesGwei: UInt64 = 0
    public var withdrawnGwei: UInt64 = 0

    public init(owner: Int, compounding: Bool, depositEpoch: UInt64) {
        self.owner = owner
        self.compounding = compounding
        self.depositEpoch = depositEpoch
    }

    @inline(__always)
    public func isActive(at epoch: UInt64) -> Bool { activationEpoch <= epoch && epoch < exitEpoch }

    /// Rewards and penalties apply to active validators, and to slashed ones until withdrawable
    /// (`get_eligible_validator_indices`).
    @inline(__always)
    func isEligibleForDeltas(at epoch: UInt64) -> Bool {
        isActive(at: epoch) || (slashed && epoch + 1 < withdrawableEpoch)
    }

    public func status(at epoch: UInt64) -> ValidatorStatus {
        if activationEpoch > epoch {
            return activationEligibilityEpoch == Self.farFutureEpoch && effectiveBalanceGwei == 0
                ? .pendingInitialized : .pendingQueued
        }
        if epoch < exitEpoch {
            if exitEpoch == Self.farFutureEpoch { return .activeOngoing }
            return slashed ? .activeSlashed : .activeExiting
        }
        if epoch < withdrawableEpoch { return slashed ? .exitedSlashed : .exitedUnslashed }
        return balanceGwei > 0 ? .withdrawalPossible : .withdrawalDone
    }
}
