/// An exchange-rate pool (Rocket Pool rETH): balances are rate tokens of fixed amount whose ether
/// value rises with the rate `totalEtherWei / tokenSupply`. Deposits pay a fee that stays in the
/// pool (it accrues to holders), then mint at the pre-deposit rate, floor; burns pay at the
/// rate, floor. Both roundings favour the pool, so the rate never falls except on a balance
/// update that reports a loss.
public struct RateTokenPool: Sendable, Equatable {
    /// 0.05 % = 5e14 WAD.
    public static let defaultDepositFeeWad: UInt128 = 500_000_000_000_000
    /// 0.01 ETH.
    public static let defaultDepositMinimumWei: UInt128 = 10_000_000_000_000_000

    public private(set) var totalEtherWei: UInt128 = 0
    public private(set) var tokenSupply: UInt128 = 0
    public private(set) var tokensByHolder: [HolderID: UInt128] = [:]
    public let depositFeeWad: UInt128
    public let depositMinimumWei: UInt128

    /// - Precondition: `depositFeeWad < 0.01 ETH` (Rocket Pool's bound on the setting).
    public init(
        depositFeeWad: UInt128 = RateTokenPool.defaultDepositFeeWad,
        depositMinimumWei: UInt128 = RateTokenPool.defaultDepositMinimumWei
    ) {
        precondition(depositFeeWad < FixedPoint.wad / 100, "deposit fee must be below 1 %")
        self.depositFeeWad = depositFeeWad
        self.depositMinimumWei = depositMinimumWei
    }

    /// Starts from a reported state (for checks against the contracts' numbers).
    public init(
        totalEtherWei: UInt128, tokenSupply: UInt128, holder: HolderID,
        depositFeeWad: UInt128 = RateTokenPool.defaultDepositFeeWad,
        depositMinimumWei: UInt128 = RateTokenPool.defaultDepositMinimumWei
    ) {
        self.init(depositFeeWad: depositFeeWad, depositMinimumWei: depositMinimumWei)
        self.totalEtherWei = totalEtherWei
        self.tokenSupply = tokenSupply
        if tokenSupply > 0 { tokensByHolder[holder] = tokenSupply }
    }

    /// Restores a pool saved field by field (a service's snapshot).
    public init(
        restoringTotalEtherWei totalEtherWei: UInt128, holders: [HolderID: UInt128],
        depositFeeWad: UInt128 = RateTokenPool.defaultDepositFeeWad,
        depositMinimumWei: UInt128 = RateTokenPool.defaultDepositMinimumWei
    ) {
        self.init(depositFeeWad: depositFeeWad, depositMinimumWei: depositMinimumWei)
        self.totalEtherWei = totalEtherWei
        tokensByHolder = holders.filter { $0.value > 0 }
        tokenSupply = tokensByHolder.values.reduce(0, +)
    }

    public struct Deposit: Sendable, Equatable {
        public let feeWei: UInt128
        public let netWei: UInt128
        public let tokensMinted: UInt128
    }

    // MARK: Views

    public func tokens(of holder: HolderID) -> UInt128 { tokensByHolder[holder] ?? 0 }

    /// `floor(tokens × totalEther / supply)`; 1:1 while the supply is 0.
    public func etherValueFloor(ofTokens tokens: UInt128) throws(AccountingError) -> UInt128 {
        guard tokenSupply > 0 else { return tokens }
        return try FixedPoint.mulDivFloor(tokens, totalEtherWei, tokenSupply)
    }

    /// `floor(amountWei × supply / totalEther)`; 1:1 while the supply is 0.
    public func tokensForEtherFloor(_ amountWei: UInt128) throws(AccountingError) -> UInt128 {
        guard tokenSupply > 0 else { return amountWei }
        return try FixedPoint.mulDivFloor(amountWei, tokenSupply, totalEtherWei)
    }

    /// `etherValueFloor(1e18)`.
    public var exchangeRateWad: UInt128 { (try? etherValueFloor(ofTokens: FixedPoint.wad)) ?? .max }

    // MARK: Operations

    /// Deposits: `fee = floor(amount × feeWad / 1e18)`, mints `floor((amount − fee) × supply /
    /// totalEther)` at the pre-deposit rate; the whole amount joins the pool.
    /// - Throws: `amount_zero`, `amount_below_minimum`, `amount_rounds_to_zero`, `overflow`.
    @discardableResult
    public mutating func deposit(
        _ amountWei: UInt128, for holder: HolderID
    ) throws(AccountingError) -> Deposit {
        let (deposit, newTotal, newSupply) = try depositValues(amountWei)
        totalEtherWei = newTotal
        tokenSupply = newSupply
        tokensByHolder[holder, default: 0] += deposit.tokensMinted
        return deposit
    }

    /// What ``deposit(_:for:)`` would charge and mint, and its errors, changing nothing.
    public func previewDeposit(_ amountWei: UInt128) throws(AccountingError) -> Deposit {
        try depositValues(amountWei).deposit
    }

    /// Validates a deposit and prices it; changes nothing.
    private func depositValues(
        _ amountWei: UInt128
    ) throws(AccountingError) -> (deposit: Deposit, totalEtherWei: UInt128, tokenSupply: UInt128) {
        guard amountWei > 0 else { throw .amountZero }
        guard amountWei >= depositMinimumWei else { throw .amountBelowMinimum(minimum: depositMinimumWei) }
        let feeWei = try FixedPoint.mulDivFloor(amountWei, depositFeeWad, FixedPoint.wad)
        let netWei = amountWei - feeWei
        let minted = try tokensForEtherFloor(netWei)
        guard minted > 0 else { throw .amountRoundsToZero }
        let newTotal = try FixedPoint.add(totalEtherWei, amountWei)
        let newSupply = try FixedPoint.add(tokenSupply, minted)
        return (Deposit(feeWei: feeWei, netWei: netWei, tokensMinted: minted), newTotal, newSupply)
    }

    /// Burns `tokens` for `floor(tokens × totalEther / supply)` wei.
    /// - Throws: `amount_zero`, `insufficient_balance`, `amount_rounds_to_zero`.
    @discardableResult
    public mutating func burn(_ tokens: UInt128, from holder: HolderID) throws(AccountingError) -> UInt128 {
        let (held, etherWei) = try burnValues(tokens, from: holder)
        totalEtherWei -= etherWei
        tokenSupply -= tokens
        if held == tokens {
            tokensByHolder.removeValue(forKey: holder)
        } else {
            tokensByHolder[holder] = held - tokens
        }
        return etherWei
    }

    /// What ``burn(_:from:)`` would pay, and its errors, changing nothing.
    public func previewBurn(_ tokens: UInt128, from holder: HolderID) throws(AccountingError) -> UInt128 {
        try burnValues(tokens, from: holder).etherWei
    }

    /// Validates a burn and prices it; returns what the holder holds and the ether paid.
    private func burnValues(_ tokens: UInt128, from holder: HolderID) throws(AccountingError) -> (held: UInt128, etherWei: UInt128) {
        guard tokens > 0 else { throw .amountZero }
        let held = self.tokens(of: holder)
        guard tokens <= held else { throw .insufficientBalance(available: held, required: tokens) }
        let etherWei = try etherValueFloor(ofTokens: tokens)
        guard etherWei > 0 else { throw .amountRoundsToZero }
        return (held, etherWei)
    }

    /// Moves tokens; exact.
    /// - Throws: `amount_zero`, `insufficient_balance`.
    public mutating func transfer(
        _ tokens: UInt128, from sender: HolderID, to recipient: HolderID
    ) throws(AccountingError) {
        let held = try transferValues(tokens, from: sender)
        if held == tokens {
            tokensByHolder.removeValue(forKey: sender)
        } else {
            tokensByHolder[sender] = held - tokens
        }
        tokensByHolder[recipient, default: 0] += tokens
    }

    /// ``transfer(_:from:to:)``'s errors, changing nothing (it returns nothing else).
    public func previewTransfer(_ tokens: UInt128, from sender: HolderID) throws(AccountingError) {
        _ = try transferValues(tokens, from: sender)
    }

    /// Validates a transfer; returns what the sender holds.
    private func transferValues(_ tokens: UInt128, from sender: HolderID) throws(AccountingError) -> UInt128 {
        guard tokens > 0 else { throw .amountZero }
        let held = self.tokens(of: sender)
        guard tokens <= held else { throw .insufficientBalance(available: held, required: tokens) }
        return held
    }

    /// A balance update (oracle report): sets the pool's ether. O(1).
    /// - Throws: `pool_empty` when tokens exist and the new total is 0.
    public mutating func updateTotalEther(_ totalEtherWei: UInt128) throws(AccountingError) {
        guard totalEtherWei > 0 || tokenSupply == 0 else { throw .poolEmpty }
        self.totalEtherWei = totalEtherWei
    }
}
