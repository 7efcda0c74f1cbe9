/// The simulated chain's settings: the spec's constants that matter to the books, plus the rest
/// of the network this chain's validators share it with.
public struct BeaconParameters: Sendable, Equatable {
    public static let minActivationBalanceGwei: UInt64 = 32_000_000_000
    /// `EJECTION_BALANCE`: an active validator whose effective balance falls to this is exited.
    public static let ejectionBalanceGwei: UInt64 = 16_000_000_000
    /// `MAX_SEED_LOOKAHEAD`: activations and exits take effect `1 + 4` epochs after being decided.
    public static let maxSeedLookahead: UInt64 = 4
    public static let minValidatorWithdrawabilityDelay: UInt64 = 256
    public static let shardCommitteePeriod: UInt64 = 256
    public static let minEpochsToInactivityPenalty: UInt64 = 4
    public static let inactivityScoreRecoveryRate: UInt64 = 16
    public static let churnLimitQuotient: UInt64 = 65_536
    public static let minPerEpochChurnLimitGwei: UInt64 = 128_000_000_000
    public static let maxPerEpochActivationExitChurnLimitGwei: UInt64 = 256_000_000_000
    /// The proposer's and sync committee's weights (of 64) that attestations do not pay.
    public static let syncRewardWeight: UInt64 = 2

    /// Effective stake of every other validator on the chain, gwei (whole ETH). With it the
    /// total active balance, and so every reward, is mainnet-like instead of that of a toy
    /// chain of a few validators. Default 34,000,000 ETH.
    public var networkActiveGwei: UInt64
    /// Share of the rest of the network attesting timely each epoch (it decides finality and
    /// the inactivity leak together with this chain's own validators).
    public var networkParticipationBips: UInt64
    /// Withdrawals sweep every validator once every this many epochs (mainnet's sweep takes
    /// ~9 days at 1M validators; default 225 = one day).
    public var sweepIntervalEpochs: UInt64
    public var fork: ConsensusFork

    public init(
        networkActiveGwei: UInt64 = 34_000_000 * 1_000_000_000, networkParticipationBips: UInt64 = 10_000,
        sweepIntervalEpochs: UInt64 = 225, fork: ConsensusFork = .default
    ) throws(BeaconError) {
        guard networkActiveGwei % ConsensusRules.effectiveBalanceIncrementGwei == 0 else {
            throw .invalidParameters("the network's stake must be whole ETH")
        }
        guard networkActiveGwei <= 1_000_000_000 * 1_000_000_000 else {
            throw .invalidParameters("the network's stake must be at most 1,000,000,000 ETH")
        }
        guard networkParticipationBips <= 10_000 else {
            throw .invalidParameters("the network's participation must be between 0 and 100 %")
        }
        guard sweepIntervalEpochs >= 1 && sweepIntervalEpochs <= 1_000_000 else {
            throw .invalidParameters("the sweep interval must be 1 … 1,000,000 epochs")
        }
        self.networkActiveGwei = networkActiveGwei
        self.networkParticipationBips = networkParticipationBips
        self.sweepIntervalEpochs = sweepIntervalEpochs
        self.fork = fork
    }

    public static let mainnetLike = try! BeaconParameters()

    /// Increments of the network's stake attesting timely each epoch (floor).
    var networkParticipatingIncrements: UInt64 {
        networkActiveGwei / ConsensusRules.effectiveBalanceIncrementGwei * networkParticipationBips / 10_000
    }

    /// `get_activation_exit_churn_limit` (Electra): `min(256 ETH, max(128 ETH, total // 65536))`,
    /// in whole increments.
    public static func activationExitChurnLimitGwei(totalActiveBalanceGwei: UInt64) -> UInt64 {
        let increment = ConsensusRules.effectiveBalanceIncrementGwei
        let balanceChurn = max(minPerEpochChurnLimitGwei, totalActiveBalanceGwei / churnLimitQuotient)
        return min(maxPerEpochActivationExitChurnLimitGwei, balanceChurn - balanceChurn % increment)
    }
}
