import Accounting
import Testing

@Suite struct RewardIndexTests {
    @Test func paysProRataAfterTheOperatorSplit() throws {
        var index = RewardIndex<StakerID>()
        try index.setStake(1, for: "a")
        try index.setStake(2, for: "b")
        let distribution = try index.distribute(1000, operatorSplitBips: 1000)
        #expect(distribution == .init(operatorWei: 100, holdersWei: 900))
        #expect(try index.claim(for: "a") == 300)
        #expect(try index.claim(for: "b") == 600)
        #expect(index.claimOperatorSplit() == 100)
        #expect(index.claimedWei == index.fundedWei)
    }

    @Test func dustIsCarriedNotLost() throws {
        var index = RewardIndex<StakerID>()
        for holder in ["a", "b", "c"] { try index.setStake(1, for: StakerID(holder)) }
        // 10 wei over 3 equal stakes: 3 each now, the 1 wei of dust is carried.
        try index.distribute(10, operatorSplitBips: 0)
        #expect(try index.claimableWei(of: "a") == 3)
        // Two more wei: 12 in total is 4 each, exactly.
        try index.distribute(2, operatorSplitBips: 0)
        let claims = try ["a", "b", "c"].map { holder throws in try index.claim(for: StakerID(holder)) }
        #expect(claims == [4, 4, 4])
        #expect(index.claimedWei == 12)
    }

    @Test func stakeChangesSettleFirst() throws {
        var index = RewardIndex<StakerID>()
        try index.setStake(100, for: "a")
        try index.distribute(1000, operatorSplitBips: 0)
        try index.setStake(100, for: "b")
        try index.distribute(1000, operatorSplitBips: 0)
        #expect(try index.claimableWei(of: "a") == 1500)
        #expect(try index.claimableWei(of: "b") == 500)
        try index.setStake(0, for: "a")
        #expect(try index.claim(for: "a") == 1500)
        #expect(index.totalStake == 100)
    }

    @Test func rewardsWithoutStakeWaitForTheNextDistribution() throws {
        var index = RewardIndex<StakerID>()
        try index.distribute(500, operatorSplitBips: 0)
        #expect(index.undistributedWei == 500)
        try index.setStake(7, for: "a")
        try index.distribute(200, operatorSplitBips: 0)
        #expect(try index.claim(for: "a") == 700)
    }

    @Test func badInputLeavesTheIndexUnchanged() throws {
        var index = RewardIndex<StakerID>()
        try index.setStake(5, for: "a")
        let before = index
        #expect(expectError(.amountZero) { () throws(AccountingError) in try index.distribute(0, operatorSplitBips: 0) })
        #expect(expectError(.invalidBips(10_001)) { () throws(AccountingError) in
            try index.distribute(5, operatorSplitBips: 10_001)
        })
        #expect(expectError(.overflow) { () throws(AccountingError) in try index.setStake(.max, for: "b") })
        #expect(index == before)
    }
}

extension RewardIndexTests {
    @Test func holdersWithNothingLeftAreForgotten() throws {
        var index = RewardIndex<StakerID>()
        try index.setStake(4, for: "a")
        try index.distribute(8, operatorSplitBips: 0)
        try index.setStake(0, for: "a")
        #expect(index.accounts["a"] != nil)  // still owed 8
        #expect(try index.claim(for: "a") == 8)
        #expect(index.accounts["a"] == nil)
    }
}
