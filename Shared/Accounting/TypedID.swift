/// A string identifier tagged with what it identifies, so a holder can never be passed where an
/// operator is expected. `Tag` is a phantom type and is never instantiated.
///
/// The string's hash is computed once, at creation: every dictionary access then hashes one
/// integer instead of the string's bytes (holder-keyed lookups are on every hot path). The
/// cached hash is per process, like every Swift hash, and is never persisted.
public struct TypedID<Tag>: Hashable, Comparable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    /// SipHash of `rawValue` under the process's random seed.
    let cachedHash: Int

    public init(_ rawValue: String) {
        self.rawValue = rawValue
        cachedHash = rawValue.hashValue
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.cachedHash == rhs.cachedHash && lhs.rawValue == rhs.rawValue
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(cachedHash) }
    /// Dictionaries and sets call this: a cheap mix of the cached (already keyed) hash with the
    /// table's seed, instead of a fresh SipHash per lookup.
    public func _rawHashValue(seed: Int) -> Int { mixHashes(cachedHash, seed) }
}

/// A multiply–xorshift mix of two hashes. The inputs are SipHash outputs under the process's
/// random seed, so the mix keeps tables resistant to chosen collisions.
@inline(__always)
func mixHashes(_ first: Int, _ second: Int) -> Int {
    var mixed = UInt64(UInt(bitPattern: first)) ^ (UInt64(UInt(bitPattern: second)) &* 0x9E37_79B9_7F4A_7C15)
    mixed ^= mixed >> 32
    mixed &*= 0xD6E8_FEB8_6659_FD93
    mixed ^= mixed >> 32
    return Int(bitPattern: UInt(mixed))
}

public enum HolderTag {}
public enum StakerTag {}
public enum OperatorTag {}
public enum StrategyTag {}
public enum AVSTag {}

/// A holder of pool shares, rate tokens or wrapped tokens (an account).
public typealias HolderID = TypedID<HolderTag>
/// A restaker (EigenLayer "staker"; a pod owner for native ETH).
public typealias StakerID = TypedID<StakerTag>
/// A restaking operator, or a liquid pool's node operator.
public typealias OperatorID = TypedID<OperatorTag>
/// A restaking strategy (one per asset; see ``RestakingLedger/beaconChainStrategy``).
public typealias StrategyID = TypedID<StrategyTag>
/// An actively validated service.
public typealias AVSID = TypedID<AVSTag>

/// An operator set: an AVS and its set number.
public struct OperatorSetID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let avs: AVSID
    public let setNumber: UInt32
    let cachedHash: Int

    public init(avs: AVSID, setNumber: UInt32) {
        self.avs = avs
        self.setNumber = setNumber
        cachedHash = mixHashes(avs.cachedHash, Int(setNumber))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.setNumber == rhs.setNumber && lhs.avs == rhs.avs }
    public func hash(into hasher: inout Hasher) { hasher.combine(cachedHash) }
    public func _rawHashValue(seed: Int) -> Int { mixHashes(cachedHash, seed) }

    public var description: String { "\(avs.rawValue)/\(setNumber)" }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.avs, lhs.setNumber) < (rhs.avs, rhs.setNumber)
    }
}

/// A withdrawal request in a ``WithdrawalQueue``: 1, 2, 3 … in request order.
public struct WithdrawalRequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A queued restaking withdrawal in a ``RestakingLedger``: 1, 2, 3 … in queue order.
public struct QueuedWithdrawalID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
