/// A value's history keyed by epoch (EigenLayer `Snapshots`): keys never decrease, a push at
/// the latest key overwrites it, and a lookup before the first entry returns ``defaultValue``.
///
/// The latest entry is kept inline, apart from the earlier ones: reading it (every slashing
/// factor, every slash) and overwriting it within an epoch touch no array.
public struct Snapshots: Sendable, Equatable {
    public let defaultValue: UInt128
    /// The latest value (the default when empty).
    public private(set) var latest: UInt128
    private var latestEpoch: UInt64 = 0
    private var isEmpty = true
    /// Every entry before the latest, oldest first.
    private var earlierEpochs: [UInt64] = []
    private var earlierValues: [UInt128] = []

    public init(defaultValue: UInt128) {
        self.defaultValue = defaultValue
        latest = defaultValue
    }

    /// Every key, oldest first (built on each call: for views and tests).
    public var epochs: [UInt64] { isEmpty ? [] : earlierEpochs + [latestEpoch] }
    /// Every value, oldest first (built on each call: for views and tests).
    public var values: [UInt128] { isEmpty ? [] : earlierValues + [latest] }

    /// Records `value` at `epoch`. `epoch` must not precede the latest key.
    @inline(__always)
    public mutating func push(_ value: UInt128, at epoch: UInt64) {
        if !isEmpty {
            precondition(epoch >= latestEpoch, "snapshot keys must not decrease")
            if epoch == latestEpoch {
                latest = value
                return
            }
            earlierEpochs.append(latestEpoch)
            earlierValues.append(latest)
        }
        isEmpty = false
        latestEpoch = epoch
        latest = value
    }

    /// The value of the last entry with key ≤ `epoch` (the default when none): O(log n).
    public func upperLookup(_ epoch: UInt64) -> UInt128 {
        guard !isEmpty else { return defaultValue }
        if epoch >= latestEpoch { return latest }
        var low = 0
        var high = earlierEpochs.count
        while low < high {
            let middle = (low + high) / 2
            if earlierEpochs[middle] <= epoch { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? defaultValue : earlierValues[low - 1]
    }
}
