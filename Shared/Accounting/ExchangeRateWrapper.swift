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
        let (units, newTotal) = try wrapValues(amountWei, for: holder, in: pool)
        // Validated above: moves exactly `units` shares.
        let outcome = try pool.transfer(amountWei, from: holder, to: wrapperHolder)
        precondition(outcome.sharesMoved == units, "wrap must move the shares it mints")
        totalWrapped = newTotal
        wrappedByHolder[holder, default: 0] += units
        return units
    }

    /// What ``wrap(_:for:in:)`` would mint, and its errors, changing neither the wrapper nor `pool`.
    public func previewWrap(_ amountWei: UInt128, for holder: HolderID, in pool: SharePool) throws(AccountingError) -> UInt128 {
        try wrapValues(amountWei, for: holder, in: pool).units
    }

    /// Validates a wrap and prices it (the pool transfer included); changes nothing.
    private func wrapValues(
        _ amountWei: UInt128, for holder: HolderID, in pool: SharePool
    ) throws(AccountingError) -> (units: UInt128, newTotalWrapped: UInt128) {
        guard amountWei > 0 else { throw .amountZero }
        let units = try pool.sharesForEtherFloor(amountWei)
        guard units > 0 else { throw .amountRoundsToZero }
        let newTotal = try FixedPoint.add(totalWrapped, units)
        // The pool transfer validates the balance and moves exactly `units` shares.
        let outcome = try pool.previewTransfer(amountWei, from: holder)
        precondition(outcome.sharesMoved == units, "wrap must move the shares it mints")
        return (units, newTotal)
    }

    /// Unwraps `units` of `holder`'s wrapped balance into pool balance.
    /// - Throws: `amount_zero`, `insufficient_balance`, `amount_rounds_to_zero`.
    @discardableResult
    public mutating func unwrap(
        _ units: UInt128, for holder: HolderID, in pool: inout SharePool
    ) throws(AccountingError) -> UnwrapOutcome {
        let (held, outcome) = try unwrapValues(units, for: holder, in: pool)
        // Validated above: moves outcome.sharesMoved ≤ units shares.
        let moved = try pool.transfer(outcome.amountWei, from: wrapperHolder, to: holder)
        precondition(moved.sharesMoved == outcome.sharesMoved)
        totalWrapped -= units
        if held == units {
            wrappedByHolder.removeValue(forKey: holder)
        } else {
            wrappedByHolder[holder] = held - units
        }
        return outcome
    }

    /// What ``unwrap(_:for:in:)`` would pay, and its errors, changing neither the wrapper nor `pool`.
    public func previewUnwrap(
        _ units: UInt128, for holder: HolderID, in pool: SharePool
    ) throws(AccountingError) -> UnwrapOutcome {
        try unwrapValues(units, for: holder, in: pool).outcome
    }

    /// Validates an unwrap and prices it (the pool transfer included); changes nothing.
    private func unwrapValues(
        _ units: UInt128, for holder: HolderID, in pool: SharePool
    ) throws(AccountingError) -> (held: UInt128, outcome: UnwrapOutcome) {
        guard units > 0 else { throw .amountZero }
        let held = wrapped(of: holder)
        guard units <= held else { throw .insufficientBalance(available: held, required: units) }
        let amountWei = try pool.etherForSharesFloor(units)
        guard amountWei > 0 else { throw .amountRoundsToZero }
        // Moves floor(amountWei × S / P) ≤ units shares; the wrapper holds ≥ totalWrapped.
        let outcome = try pool.previewTransfer(amountWei, from: wrapperHolder)
        precondition(outcome.sharesMoved <= units)
        return (held, UnwrapOutcome(
            amountWei: amountWei, amountCreditedWei: outcome.amountCreditedWei, sharesMoved: outcome.sharesMoved))
    }

    /// Moves wrapped units between holders; exact, no rounding.
    /// - Throws: `amount_zero`, `insufficient_balance`.
    public mutating func transfer(
        _ units: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) {
        let held = try transferValues(units, from: sender)
        if held == units {
            wrappedByHolder.removeValue(forKey: sender)
        } else {
            wrappedByHolder[sender] = held - units
        }
        wrappedByHolder[recipient, default: 0] += units
    }

    /// ``transfer(_:from:to:)``'s errors, changing nothing (it returns nothing else).
    public func previewTransfer(_ units: UInt128, from sender: HolderID) throws(AccountingError) {
        _ = try transferValues(units, from: sender)
    }

    /// Validates a transfer; returns what the sender holds.
    private func transferValues(_ units: UInt128, from sender: HolderID) throws(AccountingError) -> UInt128 {
        guard units > 0 else { throw .amountZero }
        let held = wrapped(of: sender)
        guard units <= held else { throw .insufficientBalance(available: held, required: units) }
        return held
    }
}
