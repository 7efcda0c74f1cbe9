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
/// Tag of ``OperatorSetHandle`` (an ``OperatorSetID`` inside one ``AllocationBook``).
public enum OperatorSetTag {}

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

// MARK: Dense handles

/// A dense index standing for a ``TypedID`` inside one structure (a pool, a ledger, a book,
/// an index): hot operations take handles and reach their state with one array access, with
/// no string hashing or comparison. A handle is issued by the structure's ``IDTable`` the
/// first time the ID is seen, never changes and is never reused; it is meaningful only to the
/// value that issued it (and its copies). Handles are per process state, never persisted:
/// persist the ID.
@frozen
public struct Handle<Tag>: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 0, 1, 2 … in order of first appearance.
    public let index: Int32

    @inlinable
    public init(index: Int32) { self.index = index }

    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.index < rhs.index }
    public var description: String { "#\(index)" }
}

/// Handle of a holder in one ``SharePool``.
public typealias HolderHandle = Handle<HolderTag>
/// Handle of a staker in one ``RestakingLedger``.
public typealias StakerHandle = Handle<StakerTag>
/// Handle of an operator in one ``RestakingLedger`` or ``AllocationBook``.
public typealias OperatorHandle = Handle<OperatorTag>
/// Handle of a strategy in one ``RestakingLedger`` or ``AllocationBook``.
public typealias StrategyHandle = Handle<StrategyTag>

/// Handle of an operator set in one ``AllocationBook``.
public typealias OperatorSetHandle = Handle<OperatorSetTag>

/// The IDs a structure has seen, in order of first appearance: ID → handle through one hash
/// lookup (done once, when a caller resolves an ID), handle → ID through one array access.
public struct IDTable<Tag>: Sendable, Equatable {
    /// `ids[h.index]` is the ID of handle `h`.
    public private(set) var ids: ContiguousArray<TypedID<Tag>> = []
    @usableFromInline
    var handleIndexByID: [TypedID<Tag>: Int32] = [:]

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.ids == rhs.ids }

    @inlinable
    public var count: Int { ids.count }

    /// The handle of `id`, or nil when it was never seen.
    @inlinable
    public func handle(of id: TypedID<Tag>) -> Handle<Tag>? {
        handleIndexByID[id].map(Handle.init(index:))
    }

    @inlinable
    public subscript(handle: Handle<Tag>) -> TypedID<Tag> { ids[Int(handle.index)] }

    /// Forgets the IDs issued after the first `count` (undoing registrations of an operation
    /// that then failed).
    mutating func truncate(to count: Int) {
        while ids.count > count { handleIndexByID.removeValue(forKey: ids.removeLast()) }
    }

    /// The handle of `id`, issuing the next one when it is new.
    @discardableResult
    public mutating func intern(_ id: TypedID<Tag>) -> Handle<Tag> {
        if let index = handleIndexByID[id] { return Handle(index: index) }
        precondition(ids.count < Int(Int32.max), "handle space exhausted")
        let index = Int32(ids.count)
        ids.append(id)
        handleIndexByID[id] = index
        return Handle(index: index)
    }
}
