/// A consensus-layer fork's constants for rewards, penalties and slashing (mainnet presets).
public struct ConsensusFork: Sendable, Equatable, Hashable {
    public let name: String
    public let minSlashingPenaltyQuotient: UInt64
    public let whistleblowerRewardQuotient: UInt64
    public let proportionalSlashingMultiplier: UInt64
    public let inactivityPenaltyQuotient: UInt64
    /// Cap for 0x00/0x01 credentials, gwei.
    public let maxEffectiveBalanceGwei: UInt64
    /// Cap for 0x02 (compounding) credentials, gwei; equal to the above before Electra.
    public let maxEffectiveBalanceCompoundingGwei: UInt64
    /// Electra's correlation formula (per increment) instead of Bellatrix's whole-ETH floor.
    public let usesPerIncrementCorrelationPenalty: Bool

    public static let bellatrix = ConsensusFork(
        name: "bellatrix", minSlashingPenaltyQuotient: 32, whistleblowerRewardQuotient: 512,
        proportionalSlashingMultiplier: 3, inactivityPenaltyQuotient: 1 << 24,
        maxEffectiveBalanceGwei: 32_000_000_000, maxEffectiveBalanceCompoundingGwei: 32_000_000_000,
        usesPerIncrementCorrelationPenalty: false)

    public static let electra = ConsensusFork(
        name: "electra", minSlashingPenaltyQuotient: 4096, whistleblowerRewardQuotient: 4096,
        proportionalSlashingMultiplier: 3, inactivityPenaltyQuotient: 1 << 24,
        maxEffectiveBalanceGwei: 32_000_000_000, maxEffectiveBalanceCompoundingGwei: 2_048_000_000_000,
        usesPerIncrementCorrelationPenalty: true)

    /// The default fork.
    public static let `default` = electra
}
