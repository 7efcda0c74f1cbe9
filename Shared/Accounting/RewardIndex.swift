/// A reward-per-stake accumulator: a distribution moves one index (O(1) in holders), a claim
/// settles one holder (O(1)), and every remainder is carried instead of dropped, so the books
/// are exact to the wei: nothing is created or lost, dust included.
///
///     operatorWei   = floor(amount × splitBips / 10 000)          (taken first)
///     index        += floor((rest × S + carryScaled) / totalStake),  carryScaled = the remainder
///     holder owed   = floor((stake × Δindex + residueScaled) / S),   residueScaled = the remainder
///
/// with scale `S` = ``indexScale``. Conservation, in scaled units (checked by the tests):
/// `funded × S = (claimed + accrued + operatorAccrued + undistributed) × S + Σ residue
///  + Σ stake × (index − snapshot) + carry`.
///
/// Holders are interned into dense handles (``handle(of:)``, ``register(_:)``) and their
/// accounts live in one contiguous array: ``claim(for:)-(Handle<HolderKey>)`` and
/// ``setStake(_:for:)-(_,Handle<HolderKey>)`` do no hashing. The hot operations are
/// `@inlinable`, so a caller in another module gets them specialized for its key type.
///
/// Holder stake is whatever the caller keys pro rata by: for AVS rewards to an operator's
/// delegators, their scaled shares (a slash scales all of them alike, so it needs no update).
public struct RewardIndex<HolderKey: Hashable & Sendable>: Sendable, Equatable {
    /// 1e18 index units per (wei per unit of stake).
    @inlinable
    public static var indexScale: UInt128 { FixedPoint.wad }

    /// A holder's handle in this index.
    public typealias HolderHandle = Handle<HolderKey>
    public typealias Account = RewardIndexAccount

    public struct Distribution: Sendable, Equatable {
        public let operatorWei: UInt128
        public let holdersWei: UInt128
        @inlinable
        public init(operatorWei: UInt128, holdersWei: UInt128) {
            self.operatorWei = operatorWei
            self.holdersWei = holdersWei
        }
    }

    /// Holder keys by handle index (a holder keeps its handle when its account empties).
    public private(set) var holderKeys: ContiguousArray<HolderKey> = []
    @usableFromInline
    var handleIndexByKey: [HolderKey: Int32] = [:]
    /// Accounts by handle index.
    @usableFromInline
    var accountsByHandle: ContiguousArray<Account> = []
    @usableFromInline
    var totals = RewardIndexTotals()

    public init() {}

    // MARK: Views

    public var totalStake: UInt128 { totals.totalStake }
    /// Cumulative reward per unit of stake × ``indexScale``.
    public var index: UInt128 { totals.index }
    /// Remainder of the last division by total stake, scaled units (< totalStake).
    public var carryScaled: UInt128 { totals.carryScaled }
    /// Rewards that arrived while nobody held stake; they go out with the next distribution.
    public var undistributedWei: UInt128 { totals.undistributedWei }
    /// The operator's split, settled and unclaimed.
    public var operatorAccruedWei: UInt128 { totals.operatorAccruedWei }
    /// Everything ever distributed and claimed (holders and operator), for audits.
    public var fundedWei: UInt128 { totals.fundedWei }
    public var claimedWei: UInt128 { totals.claimedWei }

    /// Accounts that hold stake or are owed something. Built on each call (O(holders)): for
    /// audits and tests, not for hot paths.
    public var accounts: [HolderKey: Account] {
        var table: [HolderKey: Account] = [:]
        for (position, account) in accountsByHandle.enumerated() where !account.isEmpty {
            table[holderKeys[position]] = account
        }
        return table
    }

    /// The handle of `holder`, or nil when the index has never seen it.
    @inlinable
    public func handle(of holder: HolderKey) -> HolderHandle? {
        handleIndexByKey[holder].map(HolderHandle.init(index:))
    }

    /// The handle of `holder`, registering it (with an empty account) when new. Idempotent.
    @discardableResult
    public mutating func register(_ holder: HolderKey) -> HolderHandle {
        if let existing = handle(of: holder) { return existing }
        precondition(holderKeys.count < Int(Int32.max), "handle space exhausted")
        let handle = HolderHandle(index: Int32(holderKeys.count))
        holderKeys.append(holder)
        handleIndexByKey[holder] = handle.index
        accountsByHandle.append(Account())
        return handle
    }

    @inlinable
    public func stake(of holder: HolderHandle) -> UInt128 { accountsByHandle[Int(holder.index)].stake }

    public func stake(of holder: HolderKey) -> UInt128 { handle(of: holder).map(stake(of:)) ?? 0 }

    /// What `holder` could claim now, wei (settled plus unsettled, floor).
    @inlinable
    public func claimableWei(of holder: HolderHandle) throws(AccountingError) -> UInt128 {
        try Self.settled(accountsByHandle[Int(holder.index)], index: totals.index).accruedWei
    }

    /// What `holder` could claim now, wei (settled plus unsettled, floor).
    public func claimableWei(of holder: HolderKey) throws(AccountingError) -> UInt128 {
        guard let handle = handle(of: holder) else { return 0 }
        return try claimableWei(of: handle)
    }

    // MARK: Operations

    /// Sets `holder`'s stake after settling what it earned at the old stake. O(1).
    /// - Throws: `overflow`.
    @inlinable
    public mutating func setStake(_ stake: UInt128, for holder: HolderHandle) throws(AccountingError) {
        let position = Int(holder.index)
        let account = try Self.settled(accountsByHandle[position], index: totals.index)
        let newTotal = try FixedPoint.add(totals.totalStake - account.stake, stake)
        totals.totalStake = newTotal
        accountsByHandle[position] = Account(
            stake: stake, indexSnapshot: account.indexSnapshot, accruedWei: account.accruedWei,
            residueScaled: account.residueScaled)
    }

    /// ``setStake(_:for:)-(_,Handle<HolderKey>)`` by key; a new holder is registered once the
    /// update is known to succeed (a zero stake for an unknown holder changes nothing).
    public mutating func setStake(_ stake: UInt128, for holder: HolderKey) throws(AccountingError) {
        if let handle = handle(of: holder) { return try setStake(stake, for: handle) }
        guard stake > 0 else { return }
        _ = try FixedPoint.add(totals.totalStake, stake)
        try setStake(stake, for: register(holder))
    }

    /// Distributes `amountWei`: the operator's split first, the rest pro rata to stake. O(1).
    /// - Throws: `amount_zero`, `invalid_bips`, `overflow`.
    @inlinable @discardableResult
    public mutating func distribute(
        _ amountWei: UInt128, operatorSplitBips: UInt128
    ) throws(AccountingError) -> Distribution {
        guard amountWei > 0 else { throw .amountZero }
        try FixedPoint.validateBips(operatorSplitBips)
        let operatorWei = try FixedPoint.mulDivFloor(amountWei, operatorSplitBips, FixedPoint.bipsDenominator)
        let holdersWei = amountWei - operatorWei
        let newFunded = try FixedPoint.add(totals.fundedWei, amountWei)
        let newOperatorAccrued = try FixedPoint.add(totals.operatorAccruedWei, operatorWei)
        let available = try FixedPoint.add(totals.undistributedWei, holdersWei)
        if totals.totalStake == 0 {
            totals.undistributedWei = available
        } else {
            let (delta, remainder) = try FixedPoint.mulDivWithRemainder(
                available, Self.indexScale, adding: totals.carryScaled, totals.totalStake)
            totals.index = try FixedPoint.add(totals.index, delta)
            totals.carryScaled = remainder
            totals.undistributedWei = 0
        }
        totals.fundedWei = newFunded
        totals.operatorAccruedWei = newOperatorAccrued
        return Distribution(operatorWei: operatorWei, holdersWei: holdersWei)
    }

    /// Pays `holder` everything it has earned. O(1).
    /// - Returns: wei paid (may be 0).
    /// - Throws: `overflow`.
    @inlinable @discardableResult
    public mutating func claim(for holder: HolderHandle) throws(AccountingError) -> UInt128 {
        let position = Int(holder.index)
        let account = try Self.settled(accountsByHandle[position], index: totals.index)
        let paid = account.accruedWei
        // Cannot overflow: everything claimed was funded first.
        totals.claimedWei += paid
        accountsByHandle[position] = Account(
            stake: account.stake, indexSnapshot: account.indexSnapshot, accruedWei: 0,
            residueScaled: account.residueScaled)
        return paid
    }

    /// ``claim(for:)-(Handle<HolderKey>)`` by key (an unknown holder is paid 0).
    @discardableResult
    public mutating func claim(for holder: HolderKey) throws(AccountingError) -> UInt128 {
        guard let handle = handle(of: holder) else { return 0 }
        return try claim(for: handle)
    }

    /// Pays the operator its accrued split.
    @discardableResult
    public mutating func claimOperatorSplit() -> UInt128 {
        let paid = totals.operatorAccruedWei
        totals.operatorAccruedWei = 0
        totals.claimedWei += paid
        return paid
    }

    @inlinable
    static func settled(_ account: Account, index: UInt128) throws(AccountingError) -> Account {
        guard index != account.indexSnapshot else { return account }
        let (owedWei, residue) = try FixedPoint.mulDivWithRemainder(
            account.stake, index - account.indexSnapshot, adding: account.residueScaled, indexScale)
        return Account(
            stake: account.stake, indexSnapshot: index,
            accruedWei: try FixedPoint.add(account.accruedWei, owedWei), residueScaled: residue)
    }
}

/// One holder's account in a ``RewardIndex`` (outside the generic type, so its layout is
/// fixed).
public struct RewardIndexAccount: Sendable, Equatable {
    public internal(set) var stake: UInt128 = 0
    public internal(set) var indexSnapshot: UInt128 = 0
    /// Settled and unclaimed, wei.
    public internal(set) var accruedWei: UInt128 = 0
    /// Sub-wei remainder owed to the holder, in index-scaled units (< scale).
    public internal(set) var residueScaled: UInt128 = 0

    @inlinable
    public init() {}

    @usableFromInline
    init(stake: UInt128, indexSnapshot: UInt128, accruedWei: UInt128, residueScaled: UInt128) {
        self.stake = stake
        self.indexSnapshot = indexSnapshot
        self.accruedWei = accruedWei
        self.residueScaled = residueScaled
    }

    /// Nothing staked and nothing owed: the account is as good as absent.
    public var isEmpty: Bool { stake == 0 && accruedWei == 0 && residueScaled == 0 }
}

/// A ``RewardIndex``'s totals, in one value.
@usableFromInline
struct RewardIndexTotals: Sendable, Equatable {
    @usableFromInline var totalStake: UInt128 = 0
    @usableFromInline var index: UInt128 = 0
    @usableFromInline var carryScaled: UInt128 = 0
    @usableFromInline var undistributedWei: UInt128 = 0
    @usableFromInline var operatorAccruedWei: UInt128 = 0
    @usableFromInline var fundedWei: UInt128 = 0
    @usableFromInline var claimedWei: UInt128 = 0
    @usableFromInline init() {}
}
