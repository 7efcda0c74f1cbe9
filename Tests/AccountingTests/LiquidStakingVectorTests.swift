import Accounting
import Testing

/// reference/liquid-staking.md §5: L1–L3, L5 a–c, L7, L10, R1, R3, exact to the unit.
@Suite struct LiquidStakingVectorTests {
    // L1: conversions after the pool's ether is overridden (10 ETH, 10e18 shares to start).
    @Test(arguments: [
        (UInt128(10_000_000_000_000_000_000), UInt128(1_000_000_000_000_000_000),
         UInt128(1_000_000_000_000_000_000), UInt128(1)),
        (10_500_000_000_000_000_000, 952_380_952_380_952_380, 1_050_000_000_000_000_000, 2),
        (9_500_000_000_000_000_000, 1_052_631_578_947_368_421, 950_000_000_000_000_000, 1),
        (10_300_000_000_000_000_000, 970_873_786_407_766_990, 1_030_000_000_000_000_000, 2),
        (9_700_000_000_000_000_000, 1_030_927_835_051_546_391, 970_000_000_000_000_000, 1),
    ])
    func l1Conversions(
        pooledWei: UInt128, sharesForOneEther: UInt128, etherForOneShareE18: UInt128, etherForOneShareCeil: UInt128
    ) throws {
        var pool = try SharePool(bootstrapWei: 10 * ether)
        try pool.rebase(toPooledEtherWei: pooledWei)
        #expect(try pool.sharesForEtherFloor(ether) == sharesForOneEther)
        #expect(try pool.etherForSharesFloor(ether) == etherForOneShareE18)
        let roundUp = try pool.etherForSharesCeil(1)
        #expect(roundUp == etherForOneShareCeil)
        #expect(try pool.sharesForEtherFloor(roundUp) == 1)
    }

    @Test func l1RoundUpRoundTripsAt103And97Percent() throws {
        for pooledWei in [10_300_000_000_000_000_000 as UInt128, 9_700_000_000_000_000_000] {
            var pool = try SharePool(bootstrapWei: 10 * ether)
            try pool.rebase(toPooledEtherWei: pooledWei)
            for shares in [1 as UInt128, ether] {
                #expect(try pool.sharesForEtherFloor(pool.etherForSharesCeil(shares)) == shares)
            }
        }
    }

    // L2: the 1- and 2-wei transfer loss, reported as the amount credited.
    @Test func l2OneWeiLoss() throws {
        var pool = try makePool(pooledEtherWei: 10_500_000_000_000_000_000, totalShares: 10 * ether)
        let outcome = try pool.transfer(ether, from: "alice", to: "bob")
        #expect(outcome.sharesMoved == 952_380_952_380_952_380)
        #expect(pool.balanceWei(of: "bob") == 999_999_999_999_999_999)
        #expect(outcome.amountCreditedWei == 999_999_999_999_999_999)
    }

    @Test func l2TwoWeiLoss() throws {
        var pool = try makePool(
            pooledEtherWei: 1_234_567_890_123_456_789_012, totalShares: 1_111_111_111_111_111_111_111)
        let outcome = try pool.transfer(1_000_000_000_000_000_008, from: "alice", to: "bob")
        #expect(outcome.sharesMoved == 900_000_008_100_000_080)
        #expect(pool.balanceWei(of: "bob") == 1_000_000_000_000_000_006)
        #expect(outcome.amountCreditedWei == 1_000_000_000_000_000_006)
    }

    // L3: fee mint, 10 % split 5 % module / 5 % treasury.
    @Test func l3FeeMint() throws {
        var pool = try makePool(pooledEtherWei: 3201 * ether, totalShares: ether)
        let fee = SharePool.FeeSplit(nodeOperators: "module", nodeOperatorsFeeBips: 500, treasury: "treasury", treasuryFeeBips: 500)
        let outcome = try pool.rebase(toPooledEtherWei: 3202 * ether, fee: fee)
        #expect(outcome.rewardsWei == ether)
        #expect(outcome.feeSharesMinted == 31_231_456_322_808)
        #expect(pool.shares(of: "module") == 15_615_728_161_404)
        #expect(pool.shares(of: "treasury") == 15_615_728_161_404)
        #expect(pool.totalShares == ether + 31_231_456_322_808)
    }

    @Test func l3FeeMintAllToTreasury() throws {
        var pool = try makePool(pooledEtherWei: 3201 * ether, totalShares: ether)
        let fee = SharePool.FeeSplit(nodeOperators: "module", nodeOperatorsFeeBips: 0, treasury: "treasury", treasuryFeeBips: 1000)
        let outcome = try pool.rebase(toPooledEtherWei: 3202 * ether, fee: fee)
        #expect(outcome.feeSharesMinted == 31_231_456_322_808)
        #expect(pool.shares(of: "treasury") == 31_231_456_322_808)
        #expect(pool.shares(of: "module") == 0)
    }

    @Test func noFeeOnALoss() throws {
        var pool = try makePool(pooledEtherWei: 3201 * ether, totalShares: ether)
        let fee = SharePool.FeeSplit(nodeOperators: "module", nodeOperatorsFeeBips: 0, treasury: "treasury", treasuryFeeBips: 1000)
        let outcome = try pool.rebase(toPooledEtherWei: 3200 * ether, fee: fee)
        #expect(outcome.feeSharesMinted == 0)
        #expect(outcome.rewardsWei == 0)
        #expect(pool.totalShares == ether)
    }

    // L5: the positive rebase limiter (pre TPE = shares = CL = 100 ETH).
    private func smoothen(
        limit: UInt128, postCL: UInt128, elVault: UInt128 = 0, burnRequested: UInt128 = 0
    ) throws -> PositiveTokenRebaseLimiter.Smoothing {
        try PositiveTokenRebaseLimiter.smoothenTokenRebase(
            preTotalPooledEtherWei: 100 * ether, preTotalShares: 100 * ether, preCLBalanceWei: 100 * ether,
            postCLBalanceWei: postCL, withdrawalVaultBalanceWei: 0, elRewardsVaultBalanceWei: elVault,
            sharesRequestedToBurn: burnRequested, etherToLockForWithdrawalsWei: 0,
            newSharesToBurnForWithdrawals: 0, rebaseLimit: limit)
    }

    @Test func l5aLossAndBurnRequests() throws {
        let result = try smoothen(limit: 10_000_000, postCL: 99 * ether, burnRequested: 5 * ether)
        #expect(result == .init(
            withdrawalsWei: 0, elRewardsWei: 0, sharesFromWithdrawalQueueToBurn: 0,
            sharesToBurn: 1_980_198_019_801_980_198))
    }

    @Test func l5bELRewardsRecoverTheLossThenGrow() throws {
        let result = try smoothen(limit: 10_000_000, postCL: 99 * ether, elVault: 5 * ether)
        #expect(result.elRewardsWei == 2 * ether)
    }

    @Test func l5cGainLeavesLessRoom() throws {
        let burn = try smoothen(limit: 20_000_000, postCL: 101 * ether, burnRequested: 5 * ether)
        #expect(burn.sharesToBurn == 980_392_156_862_745_098)
        let el = try smoothen(limit: 20_000_000, postCL: 101 * ether, elVault: 5 * ether)
        #expect(el.elRewardsWei == ether)
    }

    @Test func rebaseLimitOfZeroIsRefused() {
        #expect(expectError(.invalidRebaseLimit) { () throws(AccountingError) in
            try PositiveTokenRebaseLimiter(rebaseLimit: 0, preTotalPooledEtherWei: 1, preTotalShares: 1)
        })
    }

    // L7: three checkpoints; only the third is above its finalization rate.
    @Test func l7ClaimsWithThreeCheckpoints() throws {
        var queue = WithdrawalQueue(queueHolder: "queue")
        try queue.enqueue(amountWei: 2 * ether, shares: 3 * ether, owner: "alice")
        try queue.enqueue(amountWei: 2 * ether, shares: 2 * ether, owner: "alice")
        try queue.enqueue(amountWei: 2 * ether, shares: 1 * ether, owner: "alice")
        let e27 = FixedPoint.e27
        let first = try queue.finalize(through: WithdrawalRequestID(1), maxShareRateE27: 3 * e27)
        let second = try queue.finalize(through: WithdrawalRequestID(2), maxShareRateE27: 2 * e27)
        let third = try queue.finalize(through: WithdrawalRequestID(3), maxShareRateE27: 1 * e27)
        #expect([first.etherToLockWei, second.etherToLockWei, third.etherToLockWei] == [2 * ether, 2 * ether, ether])
        #expect(third.sharesToBurn == ether)
        #expect(try queue.claim(WithdrawalRequestID(1), by: "alice") == 2 * ether)
        #expect(try queue.claim(WithdrawalRequestID(2), by: "alice") == 2 * ether)
        #expect(try queue.claim(WithdrawalRequestID(3), by: "alice") == ether)
        #expect(queue.lockedEtherWei == 0)
    }

    // L10: a request at rate 1.1, finalized at 1.05 (loss shared) and at 1.2 (gain not passed on).
    @Test func l10Socialization() throws {
        var pool = try makePool(pooledEtherWei: 11_000_000 * ether, totalShares: 10_000_000 * ether)
        var queue = WithdrawalQueue(queueHolder: "queue")
        let id = try queue.requestWithdrawal(10 * ether, owner: "alice", pool: &pool)
        let (amountWei, shares) = try queue.amountAndShares(of: id)
        #expect(amountWei == 10 * ether)
        #expect(shares == 9_090_909_090_909_090_909)
        #expect(try FixedPoint.mulDivFloor(amountWei, FixedPoint.e27, shares) == 1_100_000_000_000_000_000_011_000_000)
        var gainQueue = queue
        try queue.finalize(through: id, maxShareRateE27: 1_050_000_000_000_000_000_000_000_000, pool: &pool)
        #expect(try queue.claim(id, by: "alice") == 9_545_454_545_454_545_454)
        try gainQueue.finalize(through: id, maxShareRateE27: 1_200_000_000_000_000_000_000_000_000)
        #expect(try gainQueue.claim(id, by: "alice") == 10 * ether)
    }

    // R1: minipool with a 16 ETH bond and a 10 % commission.
    @Test(arguments: [
        (UInt128(36), UInt128(0), UInt128(17_800_000_000_000_000_000), UInt128(18_200_000_000_000_000_000), UInt128(0)),
        (28, 0, 16 * ether, 12 * ether, 0),
        (15, 0, 15 * ether, 0, ether),
        (36, wad / 2, 26_900_000_000_000_000_000, 9_100_000_000_000_000_000, 0),
        (36, wad * 3 / 4, 26_900_000_000_000_000_000, 9_100_000_000_000_000_000, 0),
    ])
    func r1MinipoolSplit(
        balanceEther: UInt128, penaltyRateWad: UInt128, userWei: UInt128, nodeWei: UInt128, shortfallWei: UInt128
    ) throws {
        let settlement = try NodeOperatorSplit.settle(
            balanceWei: balanceEther * ether, nodeBondWei: 16 * ether, commissionBips: 1000,
            penaltyRateWad: penaltyRateWad)
        #expect(settlement == .init(userWei: userWei, nodeWei: nodeWei, shortfallWei: shortfallWei))
    }

    @Test func r1CommissionOutsideBoundsIsRefused() {
        #expect(expectError(.invalidBips(2500)) { () throws(AccountingError) in
            try NodeOperatorSplit.settle(balanceWei: 36 * ether, nodeBondWei: 16 * ether, commissionBips: 2500)
        })
    }

    // R3: rETH deposit with the 0.05 % fee.
    @Test func r3RethDeposit() throws {
        var pool = RateTokenPool(
            totalEtherWei: 1_100_000_000_000_000_000_000_007, tokenSupply: 1_000_000 * ether, holder: "genesis")
        let before = pool
        let deposit = try pool.deposit(ether, for: "alice")
        #expect(deposit.netWei == 999_500_000_000_000_000)
        #expect(deposit.feeWei == 500_000_000_000_000)
        #expect(deposit.tokensMinted == 908_636_363_636_363_636)
        #expect(try before.etherValueFloor(ofTokens: 908_636_363_636_363_636) == 999_499_999_999_999_999)
        #expect(pool.tokens(of: "alice") == 908_636_363_636_363_636)
        #expect(pool.totalEtherWei == before.totalEtherWei + ether)
    }
}
