extension StrategyPool {
    /// Everything a ``StrategyPool`` is: its token balance and its shares.
    public struct Image: Sendable, Equatable {
        public var balanceUnits: UInt128
        public var totalShares: UInt128
        public init(balanceUnits: UInt128, totalShares: UInt128) {
            self.balanceUnits = balanceUnits
            self.totalShares = totalShares
        }
    }

    public var image: Image { Image(balanceUnits: balanceUnits, totalShares: totalShares) }

    /// - Throws: `max_total_shares_exceeded` (shares above ``totalSharesMax``).
    public init(restoring image: Image) throws(AccountingError) {
        guard image.totalShares <= Self.totalSharesMax else { throw .maxTotalSharesExceeded }
        self.init()
        balanceUnits = image.balanceUnits
        totalShares = image.totalShares
    }
}
