/// An EigenLayer strategy vault (`StrategyBase`) for one token: shares against a token balance
/// with a virtual offset of 1e3 shares and 1e3 token units, which defeats the inflation attack
/// on an empty vault. All conversions floor, in the vault's favour.
///
///     deposit:  newShares = floor(amount × (totalShares + 1e3) / (balance + 1e3))
///     withdraw: amountOut = floor((balance + 1e3) × shares / (totalShares + 1e3))
public struct StrategyPool: Sendable, Equatable {
    public static let sharesOffset: UInt128 = 1_000
    public static let balanceOffset: UInt128 = 1_000
    /// `MAX_TOTAL_SHARES = 1e38 - 1`.
    public static let totalSharesMax: UInt128 = 100_000_000_000_000_000_000_000_000_000_000_000_000 - 1

    /// Token units held, base units.
    public internal(set) var balanceUnits: UInt128 = 0
    public internal(set) var totalShares: UInt128 = 0

    public init() {}

    /// `floor(amount × (totalShares + 1e3) / (balance + 1e3))`.
    public func sharesForUnderlyingFloor(_ amountUnits: UInt128) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulDivFloor(
            amountUnits, totalShares + Self.sharesOffset,
            try FixedPoint.add(balanceUnits, Self.balanceOffset))
    }

    /// `floor((balance + 1e3) × shares / (totalShares + 1e3))`.
    public func underlyingForSharesFloor(_ shares: UInt128) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulDivFloor(
            shares, try FixedPoint.add(balanceUnits, Self.balanceOffset),
            totalShares + Self.sharesOffset)
    }

    /// Deposits `amountUnits` of the token.
    /// - Returns: the shares minted.
    /// - Throws: `amount_zero`, `amount_rounds_to_zero` (EigenLayer `NewSharesZero`),
    ///   `max_total_shares_exceeded`, `overflow`.
    @discardableResult
    public mutating func deposit(_ amountUnits: UInt128) throws(AccountingError) -> UInt128 {
        guard amountUnits > 0 else { throw .amountZero }
        let newShares = try sharesForUnderlyingFloor(amountUnits)
        guard newShares > 0 else { throw .amountRoundsToZero }
        let newTotal = try FixedPoint.add(totalShares, newShares)
        guard newTotal <= Self.totalSharesMax else { throw .maxTotalSharesExceeded }
        let newBalance = try FixedPoint.add(balanceUnits, amountUnits)
        totalShares = newTotal
        balanceUnits = newBalance
        return newShares
    }

    /// Withdraws `shares`.
    /// - Returns: the token units paid out.
    /// - Throws: `amount_zero`, `insufficient_balance` (shares beyond the total, or a payout
    ///   beyond the balance after a negative rebase).
    @discardableResult
    public mutating func withdraw(shares: UInt128) throws(AccountingError) -> UInt128 {
        guard shares > 0 else { throw .amountZero }
        guard shares <= totalShares else {
            throw .insufficientBalance(available: totalShares, required: shares)
        }
        let amountOut = try underlyingForSharesFloor(shares)
        guard amountOut <= balanceUnits else {
            throw .insufficientBalance(available: balanceUnits, required: amountOut)
        }
        totalShares -= shares
        balanceUnits -= amountOut
        return amountOut
    }

    /// Sets the token balance (a rebasing token's rebase, or a donation): O(1).
    public mutating func setBalance(_ balanceUnits: UInt128) {
        self.balanceUnits = balanceUnits
    }
}
