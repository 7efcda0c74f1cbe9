/// Lido's positive token rebase limiter (`PositiveTokenRebaseLimiter.sol`): caps a report's
/// rise in pooled ether at `limit / 1e9` of the pre-report total; the excess waits in the
/// vaults for the next report. Mainnet: 750 000 (0.075 %).
public struct PositiveTokenRebaseLimiter: Sendable, Equatable {
    public static let precision: UInt128 = 1_000_000_000
    public static let unlimited: UInt128 = UInt128(UInt64.max)
    public static let mainnetLimit: UInt128 = 750_000

    public let preTotalPooledEtherWei: UInt128
    public let preTotalShares: UInt128
    public let rebaseLimit: UInt128
    public private(set) var currentTotalPooledEtherWei: UInt128
    public let maxTotalPooledEtherWei: UInt128

    /// - Throws: `invalid_rebase_limit` when `rebaseLimit` is 0.
    public init(
        rebaseLimit: UInt128, preTotalPooledEtherWei: UInt128, preTotalShares: UInt128
    ) throws(AccountingError) {
        guard rebaseLimit > 0 else { throw .invalidRebaseLimit }
        self.rebaseLimit = rebaseLimit
        self.preTotalPooledEtherWei = preTotalPooledEtherWei
        self.preTotalShares = preTotalShares
        currentTotalPooledEtherWei = preTotalPooledEtherWei
        if preTotalPooledEtherWei == 0 || rebaseLimit == Self.unlimited {
            maxTotalPooledEtherWei = .max
        } else {
            maxTotalPooledEtherWei = try FixedPoint.add(
                preTotalPooledEtherWei,
                try FixedPoint.mulDivFloor(rebaseLimit, preTotalPooledEtherWei, Self.precision))
        }
    }

    public var isLimitReached: Bool { currentTotalPooledEtherWei >= maxTotalPooledEtherWei }

    /// Adds up to `etherWei`, capped at the maximum. - Returns: the amount consumed.
    @discardableResult
    public mutating func increaseEther(_ etherWei: UInt128) -> UInt128 {
        let previous = currentTotalPooledEtherWei
        let (sum, overflowed) = previous.addingReportingOverflow(etherWei)
        currentTotalPooledEtherWei = overflowed ? maxTotalPooledEtherWei : min(sum, maxTotalPooledEtherWei)
        return currentTotalPooledEtherWei - previous
    }

    /// - Throws: `insufficient_balance` when `etherWei` exceeds the current total.
    public mutating func decreaseEther(_ etherWei: UInt128) throws(AccountingError) {
        currentTotalPooledEtherWei = try FixedPoint.subtract(currentTotalPooledEtherWei, etherWei)
    }

    /// Shares that can still be burned without exceeding the limit:
    /// `preShares × ((limit + 1e9) − current × 1e9 / pre) / (limit + 1e9)`, floor.
    public func sharesToBurnLimit() throws(AccountingError) -> UInt128 {
        guard !isLimitReached else { return 0 }
        let base = rebaseLimit + Self.precision
        let rebaseRatio = try FixedPoint.mulDivFloor(currentTotalPooledEtherWei, Self.precision, preTotalPooledEtherWei)
        return try FixedPoint.mulDivFloor(preTotalShares, FixedPoint.subtract(base, rebaseRatio), base)
    }

    /// What one report may take now (Lido v3 `smoothenTokenRebase` order).
    public struct Smoothing: Sendable, Equatable {
        public let withdrawalsWei: UInt128
        public let elRewardsWei: UInt128
        public let sharesFromWithdrawalQueueToBurn: UInt128
        public let sharesToBurn: UInt128
        public init(
            withdrawalsWei: UInt128, elRewardsWei: UInt128, sharesFromWithdrawalQueueToBurn: UInt128,
            sharesToBurn: UInt128
        ) {
            self.withdrawalsWei = withdrawalsWei
            self.elRewardsWei = elRewardsWei
            self.sharesFromWithdrawalQueueToBurn = sharesFromWithdrawalQueueToBurn
            self.sharesToBurn = sharesToBurn
        }
    }

    /// Applies the CL change, takes withdrawals then EL rewards up to the limit, locks the
    /// withdrawal-queue ether and limits the burn.
    public static func smoothenTokenRebase(
        preTotalPooledEtherWei: UInt128, preTotalShares: UInt128, preCLBalanceWei: UInt128,
        postCLBalanceWei: UInt128, withdrawalVaultBalanceWei: UInt128, elRewardsVaultBalanceWei: UInt128,
        sharesRequestedToBurn: UInt128, etherToLockForWithdrawalsWei: UInt128,
        newSharesToBurnForWithdrawals: UInt128, rebaseLimit: UInt128
    ) throws(AccountingError) -> Smoothing {
        var limiter = try PositiveTokenRebaseLimiter(
            rebaseLimit: rebaseLimit, preTotalPooledEtherWei: preTotalPooledEtherWei,
            preTotalShares: preTotalShares)
        if postCLBalanceWei < preCLBalanceWei {
            try limiter.decreaseEther(preCLBalanceWei - postCLBalanceWei)
        } else {
            limiter.increaseEther(postCLBalanceWei - preCLBalanceWei)
        }
        let withdrawals = limiter.increaseEther(withdrawalVaultBalanceWei)
        let elRewards = limiter.increaseEther(elRewardsVaultBalanceWei)
        let simulatedSharesToBurn = min(try limiter.sharesToBurnLimit(), sharesRequestedToBurn)
        try limiter.decreaseEther(etherToLockForWithdrawalsWei)
        let sharesToBurn = min(
            try limiter.sharesToBurnLimit(),
            try FixedPoint.add(newSharesToBurnForWithdrawals, sharesRequestedToBurn))
        return Smoothing(
            withdrawalsWei: withdrawals, elRewardsWei: elRewards,
            sharesFromWithdrawalQueueToBurn: sharesToBurn - min(sharesToBurn, simulatedSharesToBurn),
            sharesToBurn: sharesToBurn)
    }
}
