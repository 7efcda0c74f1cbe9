/// How a validator performs in the simulation: in which epochs it is online, and which timely
/// flags it earns when it is.
///
/// Online epochs follow an exact, deterministic pattern: validator `i` is online in epoch `e`
/// when `⌊(e + i + 1)·r / 10⁴⌋ > ⌊(e + i)·r / 10⁴⌋` for `r = onlineRateBips`, so precisely
/// `r / 10⁴` of any 10⁴ consecutive epochs, spread evenly, and validators with the same rate
/// miss different epochs. Tests can recompute it independently.
public struct ValidatorPerformance: Sendable, Equatable {
    public var onlineRateBips: UInt64
    /// The flags earned in an online epoch (an offline epoch earns none).
    public var flags: ConsensusRules.Participation

    public init(onlineRateBips: UInt64, flags: ConsensusRules.Participation = .full) throws(BeaconError) {
        guard onlineRateBips <= 10_000 else {
            throw .invalidPerformance("the online rate must be between 0 and 100 % (got \(onlineRateBips) bips)")
        }
        self.onlineRateBips = onlineRateBips
        self.flags = flags
    }

    init(uncheckedRateBips: UInt64, flags: ConsensusRules.Participation) {
        onlineRateBips = uncheckedRateBips
        self.flags = flags
    }

    public static let ideal = ValidatorPerformance(uncheckedRateBips: 10_000, flags: .full)
    public static let offline = ValidatorPerformance(uncheckedRateBips: 0, flags: .full)

    /// Whether validator `index` is online in `epoch`.
    @inline(__always)
    public func isOnline(validator index: Int, epoch: UInt64) -> Bool {
        if onlineRateBips >= 10_000 { return true }
        if onlineRateBips == 0 { return false }
        let step = epoch &+ UInt64(index)
        return (step &+ 1) &* onlineRateBips / 10_000 > step &* onlineRateBips / 10_000
    }

    /// The flags validator `index` earns in `epoch`.
    @inline(__always)
    public func participation(validator index: Int, epoch: UInt64) -> ConsensusRules.Participation {
        isOnline(validator: index, epoch: epoch) ? flags : .offline
    }
}

