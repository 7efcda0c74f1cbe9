import Accounting
import Testing

/// reference/restaking.md §4: T1, T3, T4, T5, T8, T11, T12, T14, exact to the unit.
@Suite struct RestakingVectorTests {
    let delay: UInt64 = 3150
    let strategy: StrategyID = "stETH"
    let operatorID: OperatorID = "op"
    let avs1 = OperatorSetID(avs: "avs1", setNumber: 1)

    /// A book with `op` registered (allocation delay 50 epochs) for `sets`, each holding `strategy`.
    func makeBook(sets: [OperatorSetID]) throws -> AllocationBook {
        var book = AllocationBook(deallocationDelayEpochs: delay)
        try book.registerOperator(operatorID, allocationDelayEpochs: 50)
        for operatorSet in sets {
            try book.createOperatorSet(operatorSet, strategies: [strategy])
            try book.registerForOperatorSet(operatorID, operatorSet: operatorSet, epoch: 0)
        }
        return book
    }

    func slash(_ book: inout AllocationBook, _ wad: UInt128, epoch: UInt64) throws -> AllocationBook.StrategySlash {
        let outcome = try book.slash(
            operator: operatorID, operatorSet: avs1, wadsToSlash: [(strategy, wad)], epoch: epoch)
        return try #require(outcome.strategies.first)
    }

    @Test func t1SlashAfterFullAllocation() throws {
        var book = try makeBook(sets: [avs1])
        var ledger = RestakingLedger(withdrawalDelayEpochs: delay)
        try ledger.registerOperator(operatorID)
        try ledger.addShares(ether, to: "staker", strategy: strategy)
        try ledger.delegate("staker", to: operatorID)
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        let result = try slash(&book, 25 * wad / 100, epoch: 50)
        #expect(result.wadSlashed == 25 * wad / 100)
        let allocation = book.allocation(of: operatorID, operatorSet: avs1, strategy: strategy, epoch: 50)
        #expect(allocation.currentMagnitudeWad == 75 * 10_000_000_000_000_000)
        #expect(book.maxMagnitudeWad(of: operatorID, strategy: strategy) == 75 * wad / 100)
        #expect(book.encumberedMagnitudeWad(of: operatorID, strategy: strategy, epoch: 50) == 75 * wad / 100)
        #expect(book.allocatableMagnitudeWad(of: operatorID, strategy: strategy, epoch: 50) == 0)
        try ledger.slashOperatorShares(
            operator: operatorID, strategy: strategy, newMaxMagnitudeWad: result.newMaxMagnitudeWad, epoch: 50)
        let operatorShares = ledger.operatorShares(of: operatorID, strategy: strategy)
        #expect(operatorShares == 75 * wad / 100)
        #expect(try book.allocatedStake(
            operatorShares: operatorShares, of: operatorID, operatorSet: avs1, strategy: strategy, epoch: 50)
            == 75 * wad / 100)
        #expect(try ledger.withdrawableShares(of: "staker", strategy: strategy) == 75 * wad / 100)
    }

    @Test func t1AllocationIsNotSlashableBeforeItsDelay() throws {
        var book = try makeBook(sets: [avs1])
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        let outcome = try book.slash(operator: operatorID, operatorSet: avs1, wadsToSlash: [(strategy, wad / 4)], epoch: 49)
        #expect(outcome.strategies.isEmpty)
        #expect(book.maxMagnitudeWad(of: operatorID, strategy: strategy) == wad)
    }

    @Test func singleStrategySlashMatchesTheBatchSlash() throws {
        var batch = try makeBook(sets: [avs1])
        try batch.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        var single = batch
        let fromBatch = try slash(&batch, 25 * wad / 100, epoch: 50)
        let fromSingle = try single.slash(
            operator: operatorID, operatorSet: avs1, strategy: strategy, wadToSlash: 25 * wad / 100, epoch: 50)
        #expect(fromSingle == fromBatch)
        #expect(single == batch)
        #expect(expectError(.invalidWadToSlash) { () throws(AccountingError) in
            try single.slash(operator: operatorID, operatorSet: avs1, strategy: strategy, wadToSlash: 0, epoch: 50)
        })
    }

    @Test func t3RepeatedSlashingToExactlyZero() throws {
        var book = try makeBook(sets: [avs1])
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        let first = try slash(&book, 99 * wad / 100, epoch: 60)
        #expect(first.newMaxMagnitudeWad == 10_000_000_000_000_000)
        let second = try slash(&book, 9999 * 100_000_000_000_000, epoch: 61)
        #expect(second.newMaxMagnitudeWad == 1_000_000_000_000)
        let third = try slash(&book, wad - 1000, epoch: 62)
        #expect(third.slashedMagnitudeWad == 1_000_000_000_000)
        #expect(third.newMaxMagnitudeWad == 0)
        #expect(third.wadSlashed == wad)
        #expect(book.encumberedMagnitudeWad(of: operatorID, strategy: strategy, epoch: 62) == 0)
        #expect(book.allocation(of: operatorID, operatorSet: avs1, strategy: strategy, epoch: 62).currentMagnitudeWad == 0)
        #expect(book.slashCounts[avs1] == 3)
    }

    @Test func t4SlashAfterDeallocationTookEffectButBeforeClearing() throws {
        var book = try makeBook(sets: [avs1])
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad / 2, epoch: 100)
        let effectEpoch: UInt64 = 100 + delay + 1
        let result = try slash(&book, wad / 4, epoch: effectEpoch)
        #expect(result.slashedMagnitudeWad == 125_000_000_000_000_000)
        #expect(book.allocation(of: operatorID, operatorSet: avs1, strategy: strategy, epoch: effectEpoch)
            .currentMagnitudeWad == 375_000_000_000_000_000)
        #expect(book.encumberedMagnitudeWad(of: operatorID, strategy: strategy, epoch: effectEpoch) == 375_000_000_000_000_000)
        #expect(book.maxMagnitudeWad(of: operatorID, strategy: strategy) == 875_000_000_000_000_000)
    }

    @Test func t5DeallocationWindowBoundary() throws {
        var book = try makeBook(sets: [avs1])
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: 0, epoch: 100)
        var late = book
        // At +delay the old allocation is still slashable.
        let result = try slash(&book, wad, epoch: 100 + delay)
        #expect(result.newMaxMagnitudeWad == 0)
        #expect(book.allocatableMagnitudeWad(of: operatorID, strategy: strategy, epoch: 100 + delay) == 0)
        // At +delay+1 it is gone: nothing is slashed.
        let outcome = try late.slash(operator: operatorID, operatorSet: avs1, wadsToSlash: [(strategy, wad)], epoch: 101 + delay)
        #expect(outcome.strategies.isEmpty)
        #expect(late.maxMagnitudeWad(of: operatorID, strategy: strategy) == wad)
        #expect(late.allocatableMagnitudeWad(of: operatorID, strategy: strategy, epoch: 101 + delay) == wad)
    }

    @Test func t5DeregistrationWindowBoundary() throws {
        var book = try makeBook(sets: [avs1])
        try book.modifyAllocation(operator: operatorID, operatorSet: avs1, strategy: strategy, newMagnitudeWad: wad, epoch: 0)
        try book.deregisterFromOperatorSet(operatorID, operatorSet: avs1, epoch: 100)
        var late = book
        #expect(try slash(&book, wad / 2, epoch: 100 + delay).newMaxMagnitudeWad == wad / 2)
        let before = late
        #expect(expectError(.operatorNotSlashable) { () throws(AccountingError) in
            try late.slash(operator: operatorID, operatorSet: avs1, wadsToSlash: [(strategy, wad / 2)], epoch: 101 + delay)
        })
        #expect(late == before)
    }

    @Test func t8SlashableSharesInTheQueue() throws {
        var ledger = RestakingLedger(withdrawalDelayEpochs: delay)
        try ledger.registerOperator(operatorID)
        try ledger.addShares(120 * ether, to: "staker", strategy: strategy)
        try ledger.delegate("staker", to: operatorID)
        let start: UInt64 = 10
        for offset in 0..<UInt64(5) {
            try ledger.queueWithdrawal(20 * ether, of: "staker", strategy: strategy, epoch: start + offset)
        }
        let slashEpoch = start + 1 + delay + 1
        #expect(try ledger.slashableSharesInQueue(operator: operatorID, strategy: strategy, epoch: slashEpoch) == 60 * ether)
        let outcome = try ledger.slashOperatorShares(
            operator: operatorID, strategy: strategy, newMaxMagnitudeWad: 0, epoch: slashEpoch)
        #expect(outcome.operatorSharesSlashed == 20 * ether)
        #expect(outcome.queuedSharesSlashed == 60 * ether)
        #expect(ledger.slashedSharesByStrategy[strategy] == 80 * ether)
        #expect(try ledger.slashableSharesInQueue(operator: operatorID, strategy: strategy, epoch: slashEpoch) == 0)
        // The two oldest withdrawals escaped (their escrow ended before the slash); the rest pay 0.
        let payouts = try (1...5).map { number throws in
            try ledger.withdrawalShares(QueuedWithdrawalID(UInt64(number)), epoch: slashEpoch + delay + 10)
        }
        #expect(payouts == [20 * ether, 20 * ether, 0, 0, 0])
    }

    @Test func t11QueuedWithdrawalKeepsTheOriginalOperatorsMagnitude() throws {
        var ledger = RestakingLedger(withdrawalDelayEpochs: delay)
        try ledger.registerOperator(operatorID)
        try ledger.addShares(100 * ether, to: "staker", strategy: strategy)
        try ledger.delegate("staker", to: operatorID)
        try ledger.slashOperatorShares(operator: operatorID, strategy: strategy, newMaxMagnitudeWad: wad / 2, epoch: 5)
        let id = try ledger.queueWithdrawal(100 * ether, of: "staker", strategy: strategy, epoch: 6)
        try ledger.undelegate("staker", epoch: 6)
        #expect(try ledger.withdrawalShares(id, epoch: 7) == 50 * ether)
        let completion = try ledger.completeWithdrawal(id, by: "staker", epoch: 7 + delay, receiveAsTokens: true)
        #expect(completion.shares == 50 * ether)
    }

    @Test func t12UniqueStakeExample() throws {
        let avs2 = OperatorSetID(avs: "avs2", setNumber: 1)
        let eigenDA = OperatorSetID(avs: "eigenda", setNumber: 1)
        var book = try makeBook(sets: [avs1, avs2, eigenDA])
        var ledger = RestakingLedger(withdrawalDelayEpochs: delay)
        try ledger.registerOperator(operatorID)
        try ledger.addShares(200 * ether, to: "staker", strategy: strategy)
        try ledger.delegate("staker", to: operatorID)
        for (operatorSet, magnitude) in [(avs1, wad / 5), (avs2, wad / 4), (eigenDA, wad / 5)] {
            try book.modifyAllocation(
                operator: operatorID, operatorSet: operatorSet, strategy: strategy, newMagnitudeWad: magnitude, epoch: 0)
        }
        let result = try slash(&book, wad / 2, epoch: 50)
        #expect(result.slashedMagnitudeWad == wad / 10)
        #expect(result.wadSlashed == wad / 10)
        #expect(result.newMaxMagnitudeWad == 9 * wad / 10)
        #expect(book.encumberedMagnitudeWad(of: operatorID, strategy: strategy, epoch: 50) == 55 * wad / 100)
        let outcome = try ledger.slashOperatorShares(
            operator: operatorID, strategy: strategy, newMaxMagnitudeWad: result.newMaxMagnitudeWad, epoch: 50)
        #expect(outcome.operatorSharesSlashed == 20 * ether)
        let shares = ledger.operatorShares(of: operatorID, strategy: strategy)
        #expect(shares == 180 * ether)
        func stake(_ operatorSet: OperatorSetID) throws -> UInt128 {
            try book.allocatedStake(operatorShares: shares, of: operatorID, operatorSet: operatorSet, strategy: strategy, epoch: 50)
        }
        #expect(try stake(avs1) == 19_999_999_999_999_999_980)
        #expect(try stake(avs2) == 49_999_999_999_999_999_860)
        #expect(try stake(eigenDA) == 39_999_999_999_999_999_960)
    }

    /// A pod owner with 32 ETH delegated to an operator at magnitude 0.25.
    func dualSlashingStart() throws -> RestakingLedger {
        var ledger = RestakingLedger(withdrawalDelayEpochs: delay)
        try ledger.registerOperator(operatorID)
        try ledger.delegate("pod", to: operatorID)
        try ledger.addShares(32 * ether, to: "pod", strategy: RestakingLedger.beaconChainStrategy)
        try ledger.slashOperatorShares(
            operator: operatorID, strategy: RestakingLedger.beaconChainStrategy, newMaxMagnitudeWad: wad / 4, epoch: 1)
        #expect(try ledger.withdrawableShares(of: "pod", strategy: RestakingLedger.beaconChainStrategy) == 8 * ether)
        return ledger
    }

    @Test func t14DualSlashingVerifyThenCheckpoint() throws {
        var ledger = try dualSlashingStart()
        let beacon = RestakingLedger.beaconChainStrategy
        try ledger.addShares(32 * ether, to: "pod", strategy: beacon)
        #expect(ledger.depositScalingFactorWad(of: "pod", strategy: beacon) == 25 * wad / 10)
        #expect(try ledger.withdrawableShares(of: "pod", strategy: beacon) == 40 * ether)
        try ledger.recordBeaconChainBalanceDecrease(of: "pod", previousRestakedBalanceWei: 64 * ether, decreaseWei: 16 * ether)
        #expect(ledger.beaconChainSlashingFactorWad(of: "pod") == 75 * wad / 100)
        #expect(try ledger.withdrawableShares(of: "pod", strategy: beacon) == 30 * ether)
    }

    @Test func t14DualSlashingCheckpointThenVerify() throws {
        var ledger = try dualSlashingStart()
        let beacon = RestakingLedger.beaconChainStrategy
        try ledger.recordBeaconChainBalanceDecrease(of: "pod", previousRestakedBalanceWei: 32 * ether, decreaseWei: 16 * ether)
        #expect(ledger.beaconChainSlashingFactorWad(of: "pod") == wad / 2)
        #expect(try ledger.withdrawableShares(of: "pod", strategy: beacon) == 4 * ether)
        try ledger.addShares(32 * ether, to: "pod", strategy: beacon)
        #expect(ledger.depositScalingFactorWad(of: "pod", strategy: beacon) == 45 * wad / 10)
        #expect(try ledger.withdrawableShares(of: "pod", strategy: beacon) == 36 * ether)
    }

    @Test func dsfUpdateRevertsWhenItWouldRoundToZero() {
        // SlashingLib test: dsf = 1, prevDs = 1e18, added = 1, sf = WAD − 1.
        #expect(expectError(.invalidDepositScalingFactor) { () throws(AccountingError) in
            try RestakingLedger.updatedScalingFactorWad(
                previousDepositShares: ether, scalingFactorWad: 1, addedShares: 1, slashingFactorWad: wad - 1)
        })
    }

    @Test func strategyVirtualOffsetDefeatsTheInflationExample() throws {
        var vault = StrategyPool()
        #expect(try vault.deposit(1) == 1)
        vault.setBalance(1_000_001)  // Alice donates 1e6.
        let before = vault
        #expect(expectError(.amountRoundsToZero) { () throws(AccountingError) in try vault.deposit(1000) })
        #expect(vault == before)
        #expect(try vault.underlyingForSharesFloor(1) == 1000)
    }
}
