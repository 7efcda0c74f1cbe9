/// A value's history keyed by epoch (EigenLayer `Snapshots`): keys never decrease, a push at
/// the latest key overwrites it, and a lookup before the first entry returns ``defaultValue``.
public struct Snapshots: Sendable, Equatable {
    public let defaultValue: UInt128
    public private(set) var epochs: [UInt64] = []
    public private(set) var values: [UInt128] = []

    public init(defaultValue: UInt128) {
        self.defaultValue = defaultValue
    }

    /// The latest value (the default when empty).
    @inlinable
    public var latest: UInt128 { values.last ?? defaultValue }

    /// Records `value` at `epoch`. `epoch` must not precede the latest key.
    public mutating func push(_ value: UInt128, at epoch: UInt64) {
        if let lastEpoch = epochs.last {
            precondition(epoch >= lastEpoch, "snapshot keys must not decrease")
            if lastEpoch == epoch {
                values[values.count - 1] = value
                return
            }
        }
        epochs.append(epoch)
        values.append(value)
    }

    /// The value of the last entry with key ≤ `epoch` (the default when none): O(log n).
    public func upperLookup(_ epoch: UInt64) -> UInt128 {
        var low = 0
        var high = epochs.count
        while low < high {
            let middle = (low + high) / 2
            if epochs[middle] <= epoch { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? defaultValue : values[low - 1]
    }
}
