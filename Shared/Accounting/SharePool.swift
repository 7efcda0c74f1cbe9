/// A rebasing share pool (stETH / eETH): balances are shares; a holder's ether balance is
/// derived as `shares × pooledEtherWei / totalShares`, floor.
///
/// A rebase sets ``pooledEtherWei`` and touches nothing else, so it is O(1) whatever the number
/// of holders. The pool is bootstrapped with "dead" shares (Lido's stone in the elevator), so
/// ``totalShares`` and ``pooledEtherWei`` are never zero and the rate cannot be manipulated from
/// an empty pool.
///
/// Invariants: `Σ sharesByHolder == totalShares`; `Σ balanceWei ≤ pooledEtherWei`, short of it
/// by less than one wei per holder; the share rate falls only on a rebase to a lower value.
public struct SharePool: Sendable, Equatable {
    /// Ether backing all shares, wei.
    public private(set) var pooledEtherWei: UInt128
    /// All shares outstanding (dead shares included).
    public private(set) var totalShares: UInt128
    /// Shares per holder; holders with zero shares are removed.
    public private(set) var sharesByHolder: [HolderID: UInt128]
    /// Smallest accepted deposit, wei (0.01 ETH by default).
    public let depositMinimumWei: UInt128

    /// Lido's dead-share holder.
    public static let deadHolder: HolderID = "0xdead"
    /// 0.01 ETH.
    public static let defaultDepositMinimumWei: UInt128 = 10_000_000_000_000_000

    /// Bootstraps the pool at a 1:1 rate by minting `bootstrapWei` shares to `deadHolder`.
    /// - Throws: ``AccountingError/amountZero`` when `bootstrapWei` is 0.
    public init(
        bootstrapWei: UInt128, deadHolder: HolderID = SharePool.deadHolder,
        depositMinimumWei: UInt128 = SharePool.defaultDepositMinimumWei
    ) throws(AccountingError) {
        guard bootstrapWei > 0 else { throw .amountZero }
        pooledEtherWei = bootstrapWei
        totalShares = bootstrapWei
        sharesByHolder = [deadHolder: bootstrapWei]
        self.depositMinimumWei = depositMinimumWei
    }

    /// What a transfer moved and what it was worth.
    public struct TransferOutcome: Sendable, Equatable {
        /// Shares that left the sender and reached the recipient.
        public let sharesMoved: UInt128
        /// The ether value of `sharesMoved` at the current rate, floor: what the recipient was
        /// actually credited (a by-amount transfer can credit 1–2 wei less than requested).
        public let amountCreditedWei: UInt128
    }

    /// What a rebase did.
    public struct RebaseOutcome: Sendable, Equatable {
        public let previousPooledEtherWei: UInt128
        public let pooledEtherWei: UInt128
        /// Positive difference, wei; 0 on a loss.
        public let rewardsWei: UInt128
        /// Fee shares minted in total, and their split.
        public let feeSharesMinted: UInt128
        public let nodeOperatorsFeeShares: UInt128
        /// The treasury's part, rounding dust included.
        public let treasuryFeeShares: UInt128
    }

    /// How the protocol fee is charged and split (Lido: 5 % node operators + 5 % treasury).
    /// The node operators' part goes to one account; spreading it over operators pro rata is a
    /// second-level distribution (for example a ``RewardIndex``).
    public struct FeeSplit: Sendable, Equatable {
        public var nodeOperators: HolderID
        public var nodeOperatorsFeeBips: UInt128
        public var treasury: HolderID
        public var treasuryFeeBips: UInt128

        public init(
            nodeOperators: HolderID, nodeOperatorsFeeBips: UInt128, treasury: HolderID, treasuryFeeBips: UInt128
        ) {
            self.nodeOperators = nodeOperators
            self.nodeOperatorsFeeBips = nodeOperatorsFeeBips
            self.treasury = treasury
            self.treasuryFeeBips = treasuryFeeBips
        }
    }

    // MARK: Views

    /// Shares held by `holder`.
    @inlinable
    public func shares(of holder: HolderID) -> UInt128 { sharesByHolder[holder] ?? 0 }

    /// `holder`'s ether balance, wei, floor.
    public func balanceWei(of holder: HolderID) -> UInt128 {
        // Cannot throw: shares ≤ totalShares, so the quotient fits.
        (try? etherForSharesFloor(shares(of: holder))) ?? 0
    }

    /// `floor(amountWei × totalShares / pooledEtherWei)`: shares worth at most `amountWei`.
    @inlinable
    public func sharesForEtherFloor(_ amountWei: UInt128) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulDivFloor(amountWei, totalShares, pooledEtherWei)
    }

    /// `ceil(amountWei × totalShares / pooledEtherWei)`: the shares to take for `amountWei`.
    @inlinable
    public func sharesForEtherCeil(_ amountWei: UInt128) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulDivCeil(amountWei, totalShares, pooledEtherWei)
    }

    /// `floor(shares × pooledEtherWei / totalShares)`: the ether `shares` are worth.
    @inlinable
    public func etherForSharesFloor(_ shares: UInt128) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulDivFloor(shares, pooledEtherWei, totalShares)
    }

    /// `ceil(shares × pooledEtherWei / totalShares)` (Lido v3 `getPooledEthBySharesRoundUp`).
    @inlinable
    public func etherForSharesCeil(_ shares: UInt128) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulDivCeil(shares, pooledEtherWei, totalShares)
    }

    /// Wei per share × 1e27, floor.
    public var shareRateE27: UInt128 {
        (try? FixedPoint.mulDivFloor(pooledEtherWei, FixedPoint.e27, totalShares)) ?? .max
    }

    // MARK: Operations

    /// Deposits `amountWei` for `holder`: shares are minted at the pre-deposit rate, floor, so
    /// the depositor's balance can read 1 wei less than the deposit (the pool keeps the dust).
    /// - Returns: the shares minted.
    /// - Throws: `amount_zero`, `amount_below_minimum`, `amount_rounds_to_zero`, `overflow`.
    @discardableResult
    public mutating func deposit(
        _ amountWei: UInt128, for holder: HolderID
    ) throws(AccountingError) -> UInt128 {
        guard amountWei > 0 else { throw .amountZero }
        guard amountWei >= depositMinimumWei else { throw .amountBelowMinimum(minimum: depositMinimumWei) }
        let sharesMinted = try sharesForEtherFloor(amountWei)
        guard sharesMinted > 0 else { throw .amountRoundsToZero }
        let newPooledEtherWei = try FixedPoint.add(pooledEtherWei, amountWei)
        let newTotalShares = try FixedPoint.add(totalShares, sharesMinted)
        // Cannot overflow: the holder's shares are at most totalShares.
        pooledEtherWei = newPooledEtherWei
        totalShares = newTotalShares
        sharesByHolder[holder, default: 0] += sharesMinted
        return sharesMinted
    }

    /// Transfers `amountWei` worth of shares: moves `floor(amountWei × S / P)` shares, so the
    /// recipient may be credited 1–2 wei less than asked; the outcome says how much.
    /// - Throws: `amount_zero`, `amount_rounds_to_zero`, `insufficient_balance`.
    @discardableResult
    public mutating func transfer(
        _ amountWei: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) -> TransferOutcome {
        guard amountWei > 0 else { throw .amountZero }
        let sharesToMove = try sharesForEtherFloor(amountWei)
        guard sharesToMove > 0 else { throw .amountRoundsToZero }
        // Checked in shares, as Lido does: `amountWei` may exceed the floored balance by a wei
        // when the shares still cover it; the credit is the shares' value either way.
        guard let senderIndex = sharesByHolder.index(forKey: sender),
            sharesToMove <= sharesByHolder.values[senderIndex]
        else {
            throw .insufficientBalance(available: balanceWei(of: sender), required: amountWei)
        }
        return try moveShares(sharesToMove, at: senderIndex, to: recipient)
    }

    /// Transfers exactly `shares` shares.
    /// - Returns: the shares moved and their ether value, floor.
    /// - Throws: `amount_zero`, `insufficient_balance` (in shares).
    @discardableResult
    public mutating func transferShares(
        _ shares: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) -> TransferOutcome {
        guard shares > 0 else { throw .amountZero }
        guard let senderIndex = sharesByHolder.index(forKey: sender),
            shares <= sharesByHolder.values[senderIndex]
        else {
            throw .insufficientBalance(available: self.shares(of: sender), required: shares)
        }
        return try moveShares(shares, at: senderIndex, to: recipient)
    }

    /// Moves validated shares: one hash lookup for the sender (by index), one for the recipient.
    private mutating func moveShares(
        _ shares: UInt128, at senderIndex: Dictionary<HolderID, UInt128>.Index, to recipient: HolderID
    ) throws(AccountingError) -> TransferOutcome {
        let creditedWei = try etherForSharesFloor(shares)
        if sharesByHolder.values[senderIndex] == shares {
            sharesByHolder.remove(at: senderIndex)
        } else {
            sharesByHolder.values[senderIndex] -= shares
        }
        // Cannot overflow: the recipient's shares plus these are at most totalShares.
        sharesByHolder[recipient, default: 0] += shares
        return TransferOutcome(sharesMoved: shares, amountCreditedWei: creditedWei)
    }

    /// Burns `shares` of `holder` and removes `releasingEtherWei` from the pool: with 0 the
    /// burn raises everyone else's rate (Lido's Burner); a withdrawal finalization releases the
    /// ether it locks. `releasingEtherWei` must not exceed the shares' value (floor), so the
    /// rate never falls.
    /// - Throws: `amount_zero`, `insufficient_balance`, `invalid_share_rate` (ether above the
    ///   shares' value).
    public mutating func burnShares(
        _ shares: UInt128, from holder: HolderID, releasingEtherWei: UInt128 = 0
    ) throws(AccountingError) {
        guard shares > 0 else { throw .amountZero }
        let holderShares = self.shares(of: holder)
        guard shares <= holderShares else {
            throw .insufficientBalance(available: holderShares, required: shares)
        }
        guard releasingEtherWei <= (try etherForSharesFloor(shares)) else { throw .invalidShareRate }
        // The dead shares are never burned, so totalShares stays positive.
        guard shares < totalShares else { throw .poolEmpty }
        setShares(holderShares - shares, of: holder)
        totalShares -= shares
        pooledEtherWei -= releasingEtherWei
        precondition(pooledEtherWei > 0 || totalShares > 0)
    }

    /// Rebases to `newPooledEtherWei` (an oracle report) and, when the pool gained, mints the
    /// fee as shares so that their value equals the fee's fraction of the rewards (Lido v2's
    /// one-division formula, floor):
    ///
    ///     feeShares = rewards × feeBips × S / (newPooled × 10 000 − rewards × feeBips)
    ///
    /// Node operators get `floor(feeShares × theirBips / feeBips)`; the treasury gets the rest.
    /// No fee on a loss. O(1): two numbers and at most two holders change.
    /// - Throws: `amount_zero` (pooled ether 0), `invalid_bips`, `overflow`.
    @discardableResult
    public mutating func rebase(
        toPooledEtherWei newPooledEtherWei: UInt128, fee: FeeSplit? = nil
    ) throws(AccountingError) -> RebaseOutcome {
        guard newPooledEtherWei > 0 else { throw .amountZero }
        let previousWei = pooledEtherWei
        let rewardsWei = newPooledEtherWei > previousWei ? newPooledEtherWei - previousWei : 0
        var minted: UInt128 = 0
        var nodeOperatorsShares: UInt128 = 0
        if let fee {
            try FixedPoint.validateBips(fee.nodeOperatorsFeeBips)
            try FixedPoint.validateBips(fee.treasuryFeeBips)
            let totalFeeBips = fee.nodeOperatorsFeeBips + fee.treasuryFeeBips
            try FixedPoint.validateBips(totalFeeBips)
            if rewardsWei > 0 && totalFeeBips > 0 {
                let feeNumerator = try FixedPoint.multiply(rewardsWei, totalFeeBips)
                let denominator = try FixedPoint.subtract(
                    try FixedPoint.multiply(newPooledEtherWei, FixedPoint.bipsDenominator), feeNumerator)
                minted = try FixedPoint.mulDivFloor(feeNumerator, totalShares, denominator)
                nodeOperatorsShares = try FixedPoint.mulDivFloor(minted, fee.nodeOperatorsFeeBips, totalFeeBips)
                _ = try FixedPoint.add(totalShares, minted)
            }
        }
        pooledEtherWei = newPooledEtherWei
        let treasuryShares = minted - nodeOperatorsShares
        if let fee, minted > 0 {
            // Cannot overflow: every holder's shares are at most totalShares.
            totalShares += minted
            if nodeOperatorsShares > 0 { sharesByHolder[fee.nodeOperators, default: 0] += nodeOperatorsShares }
            if treasuryShares > 0 { sharesByHolder[fee.treasury, default: 0] += treasuryShares }
        }
        return RebaseOutcome(
            previousPooledEtherWei: previousWei, pooledEtherWei: newPooledEtherWei,
            rewardsWei: rewardsWei, feeSharesMinted: minted, nodeOperatorsFeeShares: nodeOperatorsShares,
            treasuryFeeShares: treasuryShares)
    }

    @inline(__always)
    private mutating func setShares(_ shares: UInt128, of holder: HolderID) {
        if shares == 0 {
            sharesByHolder.removeValue(forKey: holder)
        } else {
            sharesByHolder[holder] = shares
        }
    }
}
