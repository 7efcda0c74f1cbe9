/// A non-rebasing wrapper over a ``SharePool`` (wstETH / weETH): one wrapped unit is one pool
/// share, so wrapped balances never change on a rebase.
///
/// The wrapper holds its shares in the pool under ``wrapperHolder``. Lido's rounding: wrapping
/// `x` wei mints `floor(x × S / P)` units and moves exactly those shares; unwrapping `w` units
/// pays `floor(w × P / S)` wei by amount, which moves at most `w` shares, so up to about one
/// share of dust per unwrap stays with the wrapper. Invariant:
/// `pool.shares(of: wrapperHolder) ≥ totalWrapped`.
public struct ExchangeRateWrapper: Sendable, Equatable {
    /// The wrapper's own account in the pool.
    public let wrapperHolder: HolderID
    /// Wrapped units outstanding (= shares owed to wrapped holders).
    public private(set) var totalWrapped: UInt128 = 0
    /// Wrapped units per holder; zero balances are removed.
    public private(set) var wrappedByHolder: [HolderID: UInt128] = [:]

    public init(wrapperHolder: HolderID) {
        self.wrapperHolder = wrapperHolder
    }

    /// Restores a wrapper saved field by field (a service's snapshot).
    public init(wrapperHolder: HolderID, restoringWrapped wrapped: [HolderID: UInt128]) {
        self.wrapperHolder = wrapperHolder
        wrappedByHolder = wrapped.filter { $0.value > 0 }
        totalWrapped = wrappedByHolder.values.reduce(0, +)
    }

    /// What an unwrap paid.
    public struct UnwrapOutcome: Sendable, Equatable {
        /// `floor(w × P / S)`: the amount sent by amount.
        public let amountWei: UInt128
        /// The value of the shares that actually reached the holder, floor (≤ `amountWei`).
        public let amountCreditedWei: UInt128
        public let sharesMoved: UInt128
    }

    /// Wrapped units held by `holder`.
    public func wrapped(of holder: HolderID) -> UInt128 { wrappedByHolder[holder] ?? 0 }

    /// Wraps `amountWei` of `holder`'s pool balance.
    /// - Returns: wrapped units minted, `floor(amountWei × S / P)`.
    /// - Throws: `amount_zero`, `amount_rounds_to_zero`, `insufficient_balance`.
    @discardableResult
    public mutating func wrap(
        _ amountWei: UInt128, for holder: HolderID, in pool: inout SharePool
    ) throws(AccountingError) -> UInt128 {
        guard amountWei > 0 else { throw .amountZero }
        let units = try pool.sharesForEtherFloor(amountWei)
        guard units > 0 else { throw .amountRoundsToZero }
        let newTotal = try FixedPoint.add(totalWrapped, units)
        // The pool transfer validates the balance and moves exactly `units` shares.
        let outcome = try pool.transfer(amountWei, from: holder, to: wrapperHolder)
        precondition(outcome.sharesMoved == units, "wrap must move the shares it mints")
        totalWrapped = newTotal
        wrappedByHolder[holder, default: 0] += units
        return units
    }

    /// Unwraps `units` of `holder`'s wrapped balance into pool balance.
    /// - Throws: `amount_zero`, `insufficient_balance`, `amount_rounds_to_zero`.
    @discardableResult
    public mutating func unwrap(
        _ units: UInt128, for holder: HolderID, in pool: inout SharePool
    ) throws(AccountingError) -> UnwrapOutcome {
        guard units > 0 else { throw .amountZero }
        let held = wrapped(of: holder)
        guard units <= held else { throw .insufficientBalance(available: held, required: units) }
        let amountWei = try pool.etherForSharesFloor(units)
        guard amountWei > 0 else { throw .amountRoundsToZero }
        // Moves floor(amountWei × S / P) ≤ units shares; the wrapper holds ≥ totalWrapped.
        let outcome = try pool.transfer(amountWei, from: wrapperHolder, to: holder)
        precondition(outcome.sharesMoved <= units)
        totalWrapped -= units
        if held == units {
            wrappedByHolder.removeValue(forKey: holder)
        } else {
            wrappedByHolder[holder] = held - units
        }
        return UnwrapOutcome(
            amountWei: amountWei, amountCreditedWei: outcome.amountCreditedWei,
            sharesMoved: outcome.sharesMoved)
    }

    /// Moves wrapped units between holders; exact, no rounding.
    /// - Throws: `amount_zero`, `insufficient_balance`.
    public mutating func transfer(
        _ units: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) {
        guard units > 0 else { throw .amountZero }
        let held = wrapped(of: sender)
        guard units <= held else { throw .insufficientBalance(available: held, required: units) }
        if held == units {
            wrappedByHolder.removeValue(forKey: sender)
        } else {
            wrappedByHolder[sender] = held - units
        }
        wrappedByHolder[recipient, default: 0] += units
    }
}
