/// A rebasing share pool (stETH / eETH): balances are shares; a holder's ether balance is
/// derived as `shares × pooledEtherWei / totalShares`, floor.
///
/// A rebase sets ``pooledEtherWei`` and touches nothing else, so it is O(1) whatever the number
/// of holders. The pool is bootstrapped with "dead" shares (Lido's stone in the elevator), so
/// ``totalShares`` and ``pooledEtherWei`` are never zero and the rate cannot be manipulated from
/// an empty pool.
///
/// Holders are interned into dense ``HolderHandle``s (``holders``) and their shares live in one
/// contiguous array indexed by handle: the hot operations (transfer, rebase) take handles and
/// do no hashing; every operation also has an ID form that resolves the IDs first (one hash
/// lookup each) and registers a new recipient only once the operation is known to succeed.
///
/// Invariants: `Σ sharesByHolder == totalShares`; `Σ balanceWei ≤ pooledEtherWei`, short of it
/// by less than one wei per holder; the share rate falls only on a rebase to a lower value.
public struct SharePool: Sendable, Equatable {
    /// Ether backing all shares, wei.
    public private(set) var pooledEtherWei: UInt128
    /// All shares outstanding (dead shares included).
    public private(set) var totalShares: UInt128
    /// Every holder the pool has seen, by handle (a holder whose shares fall to zero keeps its
    /// handle).
    public private(set) var holders = IDTable<HolderTag>()
    /// Shares by holder handle index.
    @usableFromInline
    var sharesByHandle: ContiguousArray<UInt128> = []
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
        self.depositMinimumWei = depositMinimumWei
        let deadHandle = register(deadHolder)
        sharesByHandle[index(deadHandle)] = bootstrapWei
    }

    /// Restores a pool saved field by field (a service's snapshot): the holders' shares must add
    /// up to `totalShares`, and a pool holds ether whenever it has shares.
    /// - Throws: `invalid_share_rate` when they do not.
    public init(
        restoringPooledEtherWei pooledEtherWei: UInt128, totalShares: UInt128, shares: [(HolderID, UInt128)],
        depositMinimumWei: UInt128 = SharePool.defaultDepositMinimumWei
    ) throws(AccountingError) {
        var sum: UInt128 = 0
        for (_, held) in shares {
            let (next, overflow) = sum.addingReportingOverflow(held)
            guard !overflow else { throw .overflow }
            sum = next
        }
        guard sum == totalShares, totalShares > 0, pooledEtherWei > 0 else { throw .invalidShareRate }
        self.pooledEtherWei = pooledEtherWei
        self.totalShares = totalShares
        self.depositMinimumWei = depositMinimumWei
        for (holder, held) in shares {
            let handle = register(holder)
            sharesByHandle[index(handle)] += held
        }
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

    /// A ``FeeSplit`` whose accounts are resolved to handles (``resolve(_:)``), for the
    /// handle form of ``rebase(toPooledEtherWei:fee:)-(_,FeeSplitHandles)``.
    public struct FeeSplitHandles: Sendable, Equatable {
        public var nodeOperators: HolderHandle
        public var nodeOperatorsFeeBips: UInt128
        public var treasury: HolderHandle
        public var treasuryFeeBips: UInt128
    }

    // MARK: Holders

    /// The handle of `holder`, or nil when the pool has never seen it.
    @inlinable
    public func handle(of holder: HolderID) -> HolderHandle? { holders.handle(of: holder) }

    /// The handle of `holder`, registering it (with zero shares) when new. Idempotent.
    @discardableResult
    public mutating func register(_ holder: HolderID) -> HolderHandle {
        let handle = holders.intern(holder)
        if Int(handle.index) == sharesByHandle.count { sharesByHandle.append(0) }
        assert(sharesByHandle.count == holders.count)
        return handle
    }

    /// Registers both fee accounts of `fee`.
    public mutating func resolve(_ fee: FeeSplit) -> FeeSplitHandles {
        let nodeOperators = register(fee.nodeOperators)
        let treasury = register(fee.treasury)
        return FeeSplitHandles(
            nodeOperators: nodeOperators, nodeOperatorsFeeBips: fee.nodeOperatorsFeeBips,
            treasury: treasury, treasuryFeeBips: fee.treasuryFeeBips)
    }

    @inlinable @inline(__always)
    func index(_ handle: HolderHandle) -> Int {
        precondition(UInt(bitPattern: Int(handle.index)) < UInt(sharesByHandle.count), "handle from another pool")
        return Int(handle.index)
    }

    // MARK: Views

    /// Shares per holder, holders with zero shares left out. Built on each call (O(holders)):
    /// for audits and tests, not for hot paths.
    public var sharesByHolder: [HolderID: UInt128] {
        var table: [HolderID: UInt128] = [:]
        for (position, shares) in sharesByHandle.enumerated() where shares > 0 {
            table[holders.ids[position]] = shares
        }
        return table
    }

    /// Shares held by `holder`.
    @inlinable
    public func shares(of holder: HolderHandle) -> UInt128 { sharesByHandle[index(holder)] }

    /// Shares held by `holder`.
    @inlinable
    public func shares(of holder: HolderID) -> UInt128 { handle(of: holder).map(shares(of:)) ?? 0 }

    /// `holder`'s ether balance, wei, floor.
    @inlinable
    public func balanceWei(of holder: HolderHandle) -> UInt128 {
        // Cannot throw: shares ≤ totalShares, so the quotient fits.
        (try? etherForSharesFloor(shares(of: holder))) ?? 0
    }

    /// `holder`'s ether balance, wei, floor.
    @inlinable
    public func balanceWei(of holder: HolderID) -> UInt128 {
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
        _ amountWei: UInt128, for holder: HolderHandle
    ) throws(AccountingError) -> UInt128 {
        let holderIndex = index(holder)
        let (sharesMinted, newPooledEtherWei, newTotalShares) = try depositValues(amountWei)
        pooledEtherWei = newPooledEtherWei
        totalShares = newTotalShares
        // Cannot overflow: the holder's shares are at most totalShares.
        sharesByHandle[holderIndex] += sharesMinted
        return sharesMinted
    }

    /// ``deposit(_:for:)-(_,HolderHandle)`` by ID; registers a new holder once the deposit is
    /// known to succeed.
    @discardableResult
    public mutating func deposit(
        _ amountWei: UInt128, for holder: HolderID
    ) throws(AccountingError) -> UInt128 {
        _ = try depositValues(amountWei)
        let holderHandle = register(holder)
        return try deposit(amountWei, for: holderHandle)
    }

    /// What ``deposit(_:for:)-(_,HolderHandle)`` would mint, and its errors, changing nothing.
    public func previewDeposit(_ amountWei: UInt128) throws(AccountingError) -> UInt128 {
        try depositValues(amountWei).minted
    }

    private func depositValues(
        _ amountWei: UInt128
    ) throws(AccountingError) -> (minted: UInt128, pooledEtherWei: UInt128, totalShares: UInt128) {
        guard amountWei > 0 else { throw .amountZero }
        guard amountWei >= depositMinimumWei else { throw .amountBelowMinimum(minimum: depositMinimumWei) }
        let sharesMinted = try sharesForEtherFloor(amountWei)
        guard sharesMinted > 0 else { throw .amountRoundsToZero }
        return (sharesMinted, try FixedPoint.add(pooledEtherWei, amountWei), try FixedPoint.add(totalShares, sharesMinted))
    }

    /// Transfers `amountWei` worth of shares: moves `floor(amountWei × S / P)` shares, so the
    /// recipient may be credited 1–2 wei less than asked; the outcome says how much.
    ///
    /// One full-width division: with `q = floor(a × S / P)` and remainder `r`, `q × P = a × S − r`,
    /// so the credit `floor(q × P / S)` is exactly `a − ceil(r / S)`.
    /// - Throws: `amount_zero`, `amount_rounds_to_zero`, `insufficient_balance`.
    @discardableResult
    public mutating func transfer(
        _ amountWei: UInt128, from sender: HolderHandle, to recipient: HolderHandle
    ) throws(AccountingError) -> TransferOutcome {
        let senderIndex = index(sender)
        let recipientIndex = index(recipient)
        let outcome = try transferValues(amountWei, senderShares: sharesByHandle[senderIndex])
        moveShares(outcome.sharesMoved, from: senderIndex, to: recipientIndex)
        return outcome
    }

    /// ``transfer(_:from:to:)-(_,HolderHandle,_)`` by ID; registers a new recipient once the
    /// transfer is known to succeed.
    @discardableResult
    public mutating func transfer(
        _ amountWei: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) -> TransferOutcome {
        _ = try transferValues(amountWei, senderShares: shares(of: sender))
        // The sender holds shares, so it has a handle.
        let senderHandle = handle(of: sender)!
        let recipientHandle = register(recipient)
        return try transfer(amountWei, from: senderHandle, to: recipientHandle)
    }

    /// What ``transfer(_:from:to:)-(_,HolderHandle,_)`` would move and credit, and its errors,
    /// changing nothing (the recipient does not change the outcome).
    public func previewTransfer(_ amountWei: UInt128, from sender: HolderHandle) throws(AccountingError) -> TransferOutcome {
        try transferValues(amountWei, senderShares: shares(of: sender))
    }

    /// ``previewTransfer(_:from:)-(_,HolderHandle)`` by ID (an unknown sender holds nothing).
    public func previewTransfer(_ amountWei: UInt128, from sender: HolderID) throws(AccountingError) -> TransferOutcome {
        try transferValues(amountWei, senderShares: shares(of: sender))
    }

    /// Validates a transfer by amount from a sender holding `senderShares` and prices it;
    /// changes nothing. Internal for the withdrawal queue's preview of several requests.
    func transferValues(
        _ amountWei: UInt128, senderShares: UInt128
    ) throws(AccountingError) -> TransferOutcome {
        guard amountWei > 0 else { throw .amountZero }
        let (sharesToMove, remainder) = try FixedPoint.mulDivWithRemainder(
            amountWei, totalShares, adding: 0, pooledEtherWei)
        guard sharesToMove > 0 else { throw .amountRoundsToZero }
        // Checked in shares, as Lido does: `amountWei` may exceed the floored balance by a wei
        // when the shares still cover it; the credit is the shares' value either way.
        guard sharesToMove <= senderShares else {
            throw .insufficientBalance(available: (try? etherForSharesFloor(senderShares)) ?? 0, required: amountWei)
        }
        // ceil(r / S): r < P, so this is 0, 1 or 2 at any realistic rate; divide only beyond.
        let shortfallWei: UInt128 =
            remainder == 0 ? 0
            : remainder <= totalShares ? 1
            : remainder / totalShares + (remainder % totalShares == 0 ? 0 : 1)
        assert(shortfallWei <= amountWei)
        return TransferOutcome(sharesMoved: sharesToMove, amountCreditedWei: amountWei - shortfallWei)
    }

    /// Transfers exactly `shares` shares.
    /// - Returns: the shares moved and their ether value, floor.
    /// - Throws: `amount_zero`, `insufficient_balance` (in shares).
    @discardableResult
    public mutating func transferShares(
        _ shares: UInt128, from sender: HolderHandle, to recipient: HolderHandle
    ) throws(AccountingError) -> TransferOutcome {
        let senderIndex = index(sender)
        let recipientIndex = index(recipient)
        let creditedWei = try transferSharesValue(shares, senderShares: sharesByHandle[senderIndex])
        moveShares(shares, from: senderIndex, to: recipientIndex)
        return TransferOutcome(sharesMoved: shares, amountCreditedWei: creditedWei)
    }

    /// ``transferShares(_:from:to:)-(_,HolderHandle,_)`` by ID; registers a new recipient once
    /// the transfer is known to succeed.
    @discardableResult
    public mutating func transferShares(
        _ shares: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) -> TransferOutcome {
        _ = try transferSharesValue(shares, senderShares: self.shares(of: sender))
        let senderHandle = handle(of: sender)!
        let recipientHandle = register(recipient)
        return try transferShares(shares, from: senderHandle, to: recipientHandle)
    }

    /// What ``transferShares(_:from:to:)-(_,HolderHandle,_)`` would move and credit, and its
    /// errors, changing nothing.
    public func previewTransferShares(_ shares: UInt128, from sender: HolderHandle) throws(AccountingError) -> TransferOutcome {
        TransferOutcome(sharesMoved: shares, amountCreditedWei: try transferSharesValue(shares, senderShares: self.shares(of: sender)))
    }

    /// ``previewTransferShares(_:from:)-(_,HolderHandle)`` by ID.
    public func previewTransferShares(_ shares: UInt128, from sender: HolderID) throws(AccountingError) -> TransferOutcome {
        TransferOutcome(sharesMoved: shares, amountCreditedWei: try transferSharesValue(shares, senderShares: self.shares(of: sender)))
    }

    private func transferSharesValue(
        _ shares: UInt128, senderShares: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard shares > 0 else { throw .amountZero }
        guard shares <= senderShares else { throw .insufficientBalance(available: senderShares, required: shares) }
        return try etherForSharesFloor(shares)
    }

    /// Moves validated shares between two slots.
    @inline(__always)
    private mutating func moveShares(_ shares: UInt128, from senderIndex: Int, to recipientIndex: Int) {
        sharesByHandle[senderIndex] -= shares
        // Cannot overflow: the recipient's shares plus these are at most totalShares.
        sharesByHandle[recipientIndex] += shares
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
        let holderIndex = index(handle(of: holder)!)
        sharesByHandle[holderIndex] = holderShares - shares
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
        toPooledEtherWei newPooledEtherWei: UInt128, fee: FeeSplitHandles
    ) throws(AccountingError) -> RebaseOutcome {
        let nodeOperatorsIndex = index(fee.nodeOperators)
        let treasuryIndex = index(fee.treasury)
        let outcome = try rebaseValues(
            newPooledEtherWei, nodeOperatorsFeeBips: fee.nodeOperatorsFeeBips, treasuryFeeBips: fee.treasuryFeeBips)
        pooledEtherWei = newPooledEtherWei
        // Cannot overflow (checked): every holder's shares are at most totalShares.
        totalShares += outcome.feeSharesMinted
        sharesByHandle[nodeOperatorsIndex] += outcome.nodeOperatorsFeeShares
        sharesByHandle[treasuryIndex] += outcome.treasuryFeeShares
        return outcome
    }

    /// The ID form: registers the fee accounts only when shares are minted to them.
    @discardableResult
    public mutating func rebase(
        toPooledEtherWei newPooledEtherWei: UInt128, fee: FeeSplit? = nil
    ) throws(AccountingError) -> RebaseOutcome {
        guard let fee else {
            let outcome = try rebaseValues(newPooledEtherWei, nodeOperatorsFeeBips: 0, treasuryFeeBips: 0)
            pooledEtherWei = newPooledEtherWei
            return outcome
        }
        let outcome = try rebaseValues(
            newPooledEtherWei, nodeOperatorsFeeBips: fee.nodeOperatorsFeeBips, treasuryFeeBips: fee.treasuryFeeBips)
        guard outcome.feeSharesMinted > 0 else {
            pooledEtherWei = newPooledEtherWei
            return outcome
        }
        let feeHandles = resolve(fee)
        return try rebase(toPooledEtherWei: newPooledEtherWei, fee: feeHandles)
    }

    /// Validates a rebase and prices its fee; changes nothing.
    @inline(__always)
    private func rebaseValues(
        _ newPooledEtherWei: UInt128, nodeOperatorsFeeBips: UInt128, treasuryFeeBips: UInt128
    ) throws(AccountingError) -> RebaseOutcome {
        guard newPooledEtherWei > 0 else { throw .amountZero }
        let previousWei = pooledEtherWei
        let rewardsWei = newPooledEtherWei > previousWei ? newPooledEtherWei - previousWei : 0
        var minted: UInt128 = 0
        var nodeOperatorsShares: UInt128 = 0
        try FixedPoint.validateBips(nodeOperatorsFeeBips)
        try FixedPoint.validateBips(treasuryFeeBips)
        let totalFeeBips = nodeOperatorsFeeBips + treasuryFeeBips
        try FixedPoint.validateBips(totalFeeBips)
        if rewardsWei > 0 && totalFeeBips > 0 {
            // Bips are ≤ 10 000 < 2^14, so below 2^114 the products cannot overflow (checked
            // multiplication beyond: the same result and the same errors).
            let feeNumerator = rewardsWei >> 114 == 0
                ? rewardsWei &* totalFeeBips : try FixedPoint.multiply(rewardsWei, totalFeeBips)
            let scaledPooled = newPooledEtherWei >> 114 == 0
                ? newPooledEtherWei &* FixedPoint.bipsDenominator
                : try FixedPoint.multiply(newPooledEtherWei, FixedPoint.bipsDenominator)
            let denominator = try FixedPoint.subtract(scaledPooled, feeNumerator)
            minted = try FixedPoint.mulDivFloor(feeNumerator, totalShares, denominator)
            // Bips below 2^14: below 2^114 the product fits in 128 bits, and one 128-bit
            // division does (the full-width path beyond: the same result).
            nodeOperatorsShares = minted >> 114 == 0
                ? minted &* nodeOperatorsFeeBips / totalFeeBips
                : try FixedPoint.mulDivFloor(minted, nodeOperatorsFeeBips, totalFeeBips)
            _ = try FixedPoint.add(totalShares, minted)
        }
        return RebaseOutcome(
            previousPooledEtherWei: previousWei, pooledEtherWei: newPooledEtherWei,
            rewardsWei: rewardsWei, feeSharesMinted: minted, nodeOperatorsFeeShares: nodeOperatorsShares,
            treasuryFeeShares: minted - nodeOperatorsShares)
    }
}
