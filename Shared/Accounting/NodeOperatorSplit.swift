/// Rocket Pool's split of a validator's balance between its node operator (bond + commission)
/// and the pool's users (`RocketMinipoolDelegate`, v1.3.1).
public enum NodeOperatorSplit {
    /// 32 ETH.
    public static let validatorBalanceWei: UInt128 = 32 * FixedPoint.weiPerEther
    /// Commission bounds: 5 %–20 %, default 15 %.
    public static let commissionBipsMin: UInt128 = 500
    public static let commissionBipsMax: UInt128 = 2000
    public static let defaultCommissionBips: UInt128 = 1500
    /// The DAO's cap on the penalty rate: 50 %.
    public static let penaltyRateWadMax: UInt128 = FixedPoint.wad / 2

    public struct Settlement: Sendable, Equatable {
        public let userWei: UInt128
        public let nodeWei: UInt128
        /// What the users lost beyond the node's bond (recorded for a bond slash elsewhere).
        public let shortfallWei: UInt128
        public init(userWei: UInt128, nodeWei: UInt128, shortfallWei: UInt128) {
            self.userWei = userWei
            self.nodeWei = nodeWei
            self.shortfallWei = shortfallWei
        }
    }

    /// Rewards split: `nodePortion = rewards × bond / (bond + user)`, the node also gets
    /// `floor(userPortion × commission / 10 000)`; users get the rest.
    public static func splitRewards(
        rewardsWei: UInt128, nodeBondWei: UInt128, userCapitalWei: UInt128, commissionBips: UInt128
    ) throws(AccountingError) -> (userWei: UInt128, nodeWei: UInt128) {
        guard commissionBips >= commissionBipsMin, commissionBips <= commissionBipsMax else {
            throw .invalidBips(commissionBips)
        }
        let nodePortion = try FixedPoint.mulDivFloor(
            rewardsWei, nodeBondWei, FixedPoint.add(nodeBondWei, userCapitalWei))
        let userPortion = rewardsWei - nodePortion
        let nodeWei = nodePortion + (try FixedPoint.mulDivFloor(userPortion, commissionBips, FixedPoint.bipsDenominator))
        return (rewardsWei - nodeWei, nodeWei)
    }

    /// Splits a validator's final balance. Above 32 ETH the node gets its bond plus its rewards
    /// split; above the users' capital it gets what is left after the users; below, the users
    /// take everything and the shortfall is reported: a loss is taken from the bond first.
    /// A penalty (capped at 50 %) is then taken from the node's part and given to the users.
    public static func settle(
        balanceWei: UInt128, nodeBondWei: UInt128, commissionBips: UInt128, penaltyRateWad: UInt128 = 0
    ) throws(AccountingError) -> Settlement {
        guard nodeBondWei > 0, nodeBondWei < validatorBalanceWei else { throw .amountZero }
        guard penaltyRateWad <= FixedPoint.wad else { throw .invalidWad(penaltyRateWad) }
        let userCapitalWei = validatorBalanceWei - nodeBondWei
        var nodeWei: UInt128
        var shortfallWei: UInt128 = 0
        if balanceWei > validatorBalanceWei {
            let split = try splitRewards(
                rewardsWei: balanceWei - validatorBalanceWei, nodeBondWei: nodeBondWei,
                userCapitalWei: userCapitalWei, commissionBips: commissionBips)
            nodeWei = nodeBondWei + split.nodeWei
        } else if balanceWei > userCapitalWei {
            nodeWei = balanceWei - userCapitalWei
        } else {
            nodeWei = 0
            shortfallWei = userCapitalWei - balanceWei
        }
        let rateWad = min(penaltyRateWad, penaltyRateWadMax)
        nodeWei -= min(try FixedPoint.mulWadFloor(nodeWei, rateWad), nodeWei)
        return Settlement(userWei: balanceWei - nodeWei, nodeWei: nodeWei, shortfallWei: shortfallWei)
    }
}
