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
/// Holder stake is whatever the caller keys pro rata by: for AVS rewards to an operator's
/// delegators, their scaled shares (a slash scales all of them alike, so it needs no update).
public struct RewardIndex<HolderKey: Hashable & Sendable>: Sendable, Equatable {
    /// 1e18 index units per (wei per unit of stake).
    public static var indexScale: UInt128 { FixedPoint.wad }

    public struct Account: Sendable, Equatable {
        public internal(set) var stake: UInt128 = 0
        public internal(set) var indexSnapshot: UInt128 = 0
        /// Settled and unclaimed, wei.
        public internal(set) var accruedWei: UInt128 = 0
        /// Sub-wei remainder owed to the holder, in index-scaled units (< scale).
        public internal(set) var residueScaled: UInt128 = 0

        /// Nothing staked and nothing owed: the entry can go (its snapshot no longer matters).
        var isEmpty: Bool { stake == 0 && accruedWei == 0 && residueScaled == 0 }
    }

    public struct Distribution: Sendable, Equatable {
        public let operatorWei: UInt128
        public let holdersWei: UInt128
        public init(operatorWei: UInt128, holdersWei: UInt128) {
            self.operatorWei = operatorWei
            self.holdersWei = holdersWei
        }
    }

    public private(set) var accounts: [HolderKey: Account] = [:]
    public private(set) var totalStake: UInt128 = 0
    /// Cumulative reward per unit of stake × ``indexScale``.
    public private(set) var index: UInt128 = 0
    /// Remainder of the last division by total stake, scaled units (< totalStake).
    public private(set) var carryScaled: UInt128 = 0
    /// Rewards that arrived while nobody held stake; they go out with the next distribution.
    public private(set) var undistributedWei: UInt128 = 0
    /// The operator's split, settled and unclaimed.
    public private(set) var operatorAccruedWei: UInt128 = 0
    /// Everything ever distributed and claimed (holders and operator), for audits.
    public private(set) var fundedWei: UInt128 = 0
    public private(set) var claimedWei: UInt128 = 0

    public init() {}

    // MARK: Views

    public func stake(of holder: HolderKey) -> UInt128 { accounts[holder]?.stake ?? 0 }

    /// What `holder` could claim now, wei (settled plus unsettled, floor).
    public func claimableWei(of holder: HolderKey) throws(AccountingError) -> UInt128 {
        guard let account = accounts[holder] else { return 0 }
        return try Self.settled(account, index: index).accruedWei
    }

    // MARK: Operations

    /// Sets `holder`'s stake after settling what it earned at the old stake. O(1).
    /// - Throws: `overflow`.
    public mutating func setStake(_ stake: UInt128, for holder: HolderKey) throws(AccountingError) {
        let account = try Self.settled(accounts[holder] ?? Account(), index: index)
        let newTotal = try FixedPoint.add(totalStake - account.stake, stake)
        var updated = account
        updated.stake = stake
        totalStake = newTotal
        if updated.isEmpty {
            accounts.removeValue(forKey: holder)
        } else {
            accounts[holder] = updated
        }
    }

    /// Distributes `amountWei`: the operator's split first, the rest pro rata to stake. O(1).
    /// - Throws: `amount_zero`, `invalid_bips`, `overflow`.
    @discardableResult
    public mutating func distribute(
        _ amountWei: UInt128, operatorSplitBips: UInt128
    ) throws(AccountingError) -> Distribution {
        guard amountWei > 0 else { throw .amountZero }
        try FixedPoint.validateBips(operatorSplitBips)
        let operatorWei = try FixedPoint.mulDivFloor(amountWei, operatorSplitBips, FixedPoint.bipsDenominator)
        let holdersWei = amountWei - operatorWei
        let newFunded = try FixedPoint.add(fundedWei, amountWei)
        let newOperatorAccrued = try FixedPoint.add(operatorAccruedWei, operatorWei)
        let available = try FixedPoint.add(undistributedWei, holdersWei)
        if totalStake == 0 {
            undistributedWei = available
        } else {
            let (delta, remainder) = try FixedPoint.mulDivWithRemainder(
                available, Self.indexScale, adding: carryScaled, totalStake)
            index = try FixedPoint.add(index, delta)
            carryScaled = remainder
            undistributedWei = 0
        }
        fundedWei = newFunded
        operatorAccruedWei = newOperatorAccrued
        return Distribution(operatorWei: operatorWei, holdersWei: holdersWei)
    }

    /// Pays `holder` everything it has earned. O(1).
    /// - Returns: wei paid (may be 0).
    /// - Throws: `overflow`.
    @discardableResult
    public mutating func claim(for holder: HolderKey) throws(AccountingError) -> UInt128 {
        guard let stored = accounts[holder] else { return 0 }
        var account = try Self.settled(stored, index: index)
        let paid = account.accruedWei
        account.accruedWei = 0
        claimedWei += paid
        if account.isEmpty {
            accounts.removeValue(forKey: holder)
        } else {
            accounts[holder] = account
        }
        return paid
    }

    /// Pays the operator its accrued split.
    @discardableResult
    public mutating func claimOperatorSplit() -> UInt128 {
        let paid = operatorAccruedWei
        operatorAccruedWei = 0
        claimedWei += paid
        return paid
    }

    static func settled(_ account: Account, index: UInt128) throws(AccountingError) -> Account {
        guard index != account.indexSnapshot else { return account }
        let (owedWei, residue) = try FixedPoint.mulDivWithRemainder(
            account.stake, index - account.indexSnapshot, adding: account.residueScaled, indexScale)
        var updated = account
        updated.accruedWei = try FixedPoint.add(account.accruedWei, owedWei)
        updated.residueScaled = residue
        updated.indexSnapshot = index
        return updated
    }
}
