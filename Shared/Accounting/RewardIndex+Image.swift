extension RewardIndex {
    /// Everything a ``RewardIndex`` is, as plain values: its holders in handle order, their
    /// accounts (alike) and its totals. O(holders), whatever the number of distributions.
    public struct Image: Sendable, Equatable {
        /// Holder keys in handle order (a holder keeps its handle when its account empties).
        public var holders: [HolderKey]
        /// `accounts[i]` is the account of `holders[i]`.
        public var accounts: [RewardIndexAccount]
        public var totalStake: UInt128
        public var index: UInt128
        public var carryScaled: UInt128
        public var undistributedWei: UInt128
        public var operatorAccruedWei: UInt128
        public var fundedWei: UInt128
        public var claimedWei: UInt128

        public init(
            holders: [HolderKey], accounts: [RewardIndexAccount], totalStake: UInt128, index: UInt128,
            carryScaled: UInt128, undistributedWei: UInt128, operatorAccruedWei: UInt128, fundedWei: UInt128,
            claimedWei: UInt128
        ) {
            self.holders = holders
            self.accounts = accounts
            self.totalStake = totalStake
            self.index = index
            self.carryScaled = carryScaled
            self.undistributedWei = undistributedWei
            self.operatorAccruedWei = operatorAccruedWei
            self.fundedWei = fundedWei
            self.claimedWei = claimedWei
        }
    }

    public var image: Image {
        Image(
            holders: Array(holderKeys), accounts: Array(accountsByHandle), totalStake: totals.totalStake,
            index: totals.index, carryScaled: totals.carryScaled, undistributedWei: totals.undistributedWei,
            operatorAccruedWei: totals.operatorAccruedWei, fundedWei: totals.fundedWei, claimedWei: totals.claimedWei)
    }

    /// Rebuilds the index an ``image`` was read from (`==` to it).
    ///
    /// Validates what the operations maintain: one account per holder, no holder twice, total
    /// stake = Σ stake, every account's index snapshot ≤ the index and residue < ``indexScale``,
    /// and nothing paid or owed beyond what was funded (`claimed + operator accrued +
    /// undistributed ≤ funded`).
    /// - Throws: `invalid_image`.
    public init(restoring image: Image) throws(AccountingError) {
        guard image.accounts.count == image.holders.count, image.holders.count < Int(Int32.max) else {
            throw .invalidImage
        }
        var stakeSum: UInt128 = 0
        for account in image.accounts {
            guard account.indexSnapshot <= image.index, account.residueScaled < Self.indexScale else {
                throw .invalidImage
            }
            let (sum, overflow) = stakeSum.addingReportingOverflow(account.stake)
            guard !overflow else { throw .invalidImage }
            stakeSum = sum
        }
        guard stakeSum == image.totalStake else { throw .invalidImage }
        let (paid, overflow1) = image.claimedWei.addingReportingOverflow(image.operatorAccruedWei)
        let (held, overflow2) = paid.addingReportingOverflow(image.undistributedWei)
        guard !overflow1, !overflow2, held <= image.fundedWei else { throw .invalidImage }
        var restored = RewardIndex()
        for (position, holder) in image.holders.enumerated() {
            restored.register(holder)
            guard restored.holderKeys.count == position + 1 else { throw .invalidImage }  // a repeat
        }
        restored.accountsByHandle = ContiguousArray(image.accounts)
        restored.totals.totalStake = image.totalStake
        restored.totals.index = image.index
        restored.totals.carryScaled = image.carryScaled
        restored.totals.undistributedWei = image.undistributedWei
        restored.totals.operatorAccruedWei = image.operatorAccruedWei
        restored.totals.fundedWei = image.fundedWei
        restored.totals.claimedWei = image.claimedWei
        self = restored
    }
}

extension RewardIndexAccount {
    /// An account as stored in a ``RewardIndex/Image`` (the index validates it on restore).
    public static func stored(
        stake: UInt128, indexSnapshot: UInt128, accruedWei: UInt128, residueScaled: UInt128
    ) -> RewardIndexAccount {
        RewardIndexAccount(stake: stake, indexSnapshot: indexSnapshot, accruedWei: accruedWei, residueScaled: residueScaled)
    }
}
