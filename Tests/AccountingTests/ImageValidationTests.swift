import Accounting
import Testing

/// Bad images are refused with the error naming what is wrong (an initializer that throws
/// leaves nothing behind: there is no half-restored value to use).
@Suite struct ImageValidationTests {
    /// A ledger with delegations, a slash, a beacon-chain loss and a queued withdrawal.
    static func ledger() throws -> RestakingLedger {
        var ledger = RestakingLedger(withdrawalDelayEpochs: 10)
        try ledger.registerOperator("o1")
        try ledger.registerOperator("o2")
        try ledger.addShares(100 * ether, to: "s1", strategy: "x")
        try ledger.addShares(32 * ether, to: "s1", strategy: RestakingLedger.beaconChainStrategy)
        try ledger.addShares(7 * ether, to: "s2", strategy: "x")
        try ledger.delegate("s1", to: "o1")
        try ledger.delegate("s2", to: "o1")
        try ledger.slashOperatorShares(operator: "o1", strategy: "x", newMaxMagnitudeWad: wad / 2, epoch: 3)
        try ledger.recordBeaconChainBalanceDecrease(of: "s1", previousRestakedBalanceWei: 32 * ether, decreaseWei: ether)
        try ledger.queueWithdrawal(ether, of: "s2", strategy: "x", epoch: 4)
        try ledger.slashOperatorShares(operator: "o1", strategy: "x", newMaxMagnitudeWad: wad / 4, epoch: 5)
        return ledger
    }

    static func ledgerRefuses(_ expected: AccountingError, _ change: (inout RestakingLedger.Image) -> Void) throws -> Bool {
        var image = try ledger().image
        change(&image)
        return expectError(expected) { () throws(AccountingError) in try RestakingLedger(restoring: image) }
    }

    @Test func theUntouchedLedgerImageRestores() throws {
        let ledger = try Self.ledger()
        #expect(try RestakingLedger(restoring: ledger.image) == ledger)
    }

    @Test func badLedgerImagesAreRefused() throws {
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.strategies.swapAt(0, 1) })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.strategies.append("x") })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.slashedShares.removeLast() })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.stakers.append($0.stakers[0]) })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.operators.append($0.operators[1]) })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.stakers[0].delegatedTo = OperatorHandle(index: 9) })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.stakers[0].delegatedTo = OperatorHandle(index: -1) })
        #expect(try Self.ledgerRefuses(.operatorNotRegistered) { image in
            image.operators[1].isRegistered = false
            image.stakers[1].delegatedTo = OperatorHandle(index: 1)
        })
        #expect(try Self.ledgerRefuses(.invalidWad(wad + 1)) { $0.stakers[0].beaconChainSlashingFactorWad = wad + 1 })
        #expect(try Self.ledgerRefuses(.invalidDepositScalingFactor) { $0.stakers[0].positions[1].depositScalingFactorWad = 0 })
        #expect(try Self.ledgerRefuses(.invalidImage) { image in
            image.stakers[0].positions.append(contentsOf: Array(repeating: image.stakers[0].positions[0], count: 5))
        })
        // An emptied position is (0, WAD).
        #expect(try Self.ledgerRefuses(.invalidImage) { image in
            image.stakers[0].positions.append(.init(depositShares: 0, depositScalingFactorWad: wad / 2))
        })
        // Histories: keys strictly increasing and not after the latest epoch, magnitudes never
        // rising, queued shares never falling.
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.operators[0].stakes[1].maxMagnitudeEpochs.reverse() })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.operators[0].stakes[1].maxMagnitudesWad.removeLast() })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.latestEpoch = 4 })
        #expect(try Self.ledgerRefuses(.invalidMagnitude) { $0.operators[0].stakes[1].maxMagnitudesWad.reverse() })
        #expect(try Self.ledgerRefuses(.invalidMagnitude) { $0.operators[0].stakes[1].maxMagnitudesWad[0] = wad + 1 })
        #expect(try Self.ledgerRefuses(.invalidImage) { image in
            image.operators[0].stakes[1].cumulativeScaledEpochs.append(5)
            image.operators[0].stakes[1].cumulativeScaledShares.append(0)
        })
        // Backing and shares against the delegators.
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.operators[0].stakes[1].backingScaledShares += 1 })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.operators[0].stakes[1].shares = 0 })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.stakers[1].positions[1].depositShares += ether })
        // Withdrawals: numbered 1…last once each, naming known IDs.
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.lastWithdrawalNumber = 0 })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.queuedWithdrawals.append($0.queuedWithdrawals[0]) })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.queuedWithdrawals[0].staker = "nobody" })
        #expect(try Self.ledgerRefuses(.invalidImage) { $0.queuedWithdrawals[0].strategy = "nothing" })
    }

    /// A book with two sets, allocations (one pending increase, one pending deallocation) and
    /// a slash.
    static func book() throws -> AllocationBook {
        var book = AllocationBook(deallocationDelayEpochs: 10)
        let (first, second) = (OperatorSetID(avs: "a", setNumber: 1), OperatorSetID(avs: "a", setNumber: 2))
        try book.registerOperator("o1", allocationDelayEpochs: 0)
        try book.registerOperator("o2", allocationDelayEpochs: 5)
        try book.createOperatorSet(first, strategies: ["x"])
        try book.createOperatorSet(second, strategies: ["x", "y"])
        for operatorSet in [first, second] {
            try book.registerForOperatorSet("o1", operatorSet: operatorSet, epoch: 0)
        }
        try book.modifyAllocation(operator: "o1", operatorSet: first, strategy: "x", newMagnitudeWad: wad / 2, epoch: 0)
        try book.modifyAllocation(operator: "o1", operatorSet: second, strategy: "x", newMagnitudeWad: wad / 4, epoch: 0)
        try book.modifyAllocation(operator: "o1", operatorSet: second, strategy: "y", newMagnitudeWad: wad, epoch: 0)
        try book.slash(operator: "o1", operatorSet: first, wadsToSlash: [("x", wad / 10)], epoch: 1)
        try book.modifyAllocation(operator: "o1", operatorSet: first, strategy: "x", newMagnitudeWad: wad / 8, epoch: 2)
        try book.modifyAllocation(operator: "o2", operatorSet: second, strategy: "y", newMagnitudeWad: wad / 3, epoch: 2)
        return book
    }

    static func bookRefuses(_ expected: AccountingError, _ change: (inout AllocationBook.Image) -> Void) throws -> Bool {
        var image = try book().image
        change(&image)
        return expectError(expected) { () throws(AccountingError) in try AllocationBook(restoring: image) }
    }

    @Test func theUntouchedBookImageRestores() throws {
        let book = try Self.book()
        #expect(try AllocationBook(restoring: book.image) == book)
    }

    @Test func badBookImagesAreRefused() throws {
        #expect(try Self.bookRefuses(.invalidImage) { $0.operators.append($0.operators[0]) })
        #expect(try Self.bookRefuses(.invalidImage) { $0.operatorSets.append($0.operatorSets[0]) })
        #expect(try Self.bookRefuses(.invalidImage) { $0.operatorSets[1].strategies.reverse() })
        #expect(try Self.bookRefuses(.invalidImage) { $0.memberships.append($0.memberships[0]) })
        #expect(try Self.bookRefuses(.invalidImage) { $0.memberships[0].operatorHandle = OperatorHandle(index: 2) })
        #expect(try Self.bookRefuses(.invalidImage) { $0.memberships[0].operatorSet = OperatorSetHandle(index: 7) })
        #expect(try Self.bookRefuses(.invalidImage) { $0.memberships[0].allocations.append($0.memberships[0].allocations[0]) })
        #expect(try Self.bookRefuses(.invalidImage) { $0.operators[0].strategies[0].deallocationQueue = [OperatorSetHandle(index: 5)] })
        #expect(try Self.bookRefuses(.invalidImage) { image in
            image.operators[0].strategies.append(contentsOf: Array(repeating: image.operators[0].strategies[0], count: 3))
        })
        #expect(try Self.bookRefuses(.invalidMagnitude) { $0.operators[0].strategies[0].maxMagnitudeWad = UInt64(wad) + 1 })
        #expect(try Self.bookRefuses(.invalidMagnitude) { image in
            image.operators[0].strategies[0].encumberedMagnitudeWad = image.operators[0].strategies[0].maxMagnitudeWad + 1
        })
        #expect(try Self.bookRefuses(.invalidMagnitude) { $0.memberships[0].allocations[0].currentMagnitudeWad = UInt64(wad) + 1 })
        #expect(try Self.bookRefuses(.invalidMagnitude) { $0.memberships[0].allocations[0].pendingDiffWad = -Int128(wad) })
        // Encumbered magnitude against the allocations.
        #expect(try Self.bookRefuses(.invalidImage) { $0.operators[0].strategies[0].encumberedMagnitudeWad -= 1 })
        #expect(try Self.bookRefuses(.invalidImage) { $0.memberships[0].allocations[0].currentMagnitudeWad -= 1 })
    }

    @Test func badIndexImagesAreRefused() throws {
        var index = RewardIndex<StakerID>()
        try index.setStake(3 * ether, for: "a")
        try index.setStake(ether, for: "b")
        try index.distribute(ether + 7, operatorSplitBips: 500)
        try index.claim(for: "a")
        #expect(try RewardIndex<StakerID>(restoring: index.image) == index)
        func refuses(_ change: (inout RewardIndex<StakerID>.Image) -> Void) -> Bool {
            var image = index.image
            change(&image)
            return expectError(.invalidImage) { () throws(AccountingError) in try RewardIndex<StakerID>(restoring: image) }
        }
        #expect(refuses { $0.holders.append("c") })
        #expect(refuses { $0.holders[1] = "a" })
        #expect(refuses { $0.totalStake += 1 })
        #expect(refuses { $0.accounts[0] = .stored(stake: 3 * ether, indexSnapshot: $0.index + 1, accruedWei: 0, residueScaled: 0) })
        #expect(refuses { $0.accounts[1] = .stored(stake: ether, indexSnapshot: 0, accruedWei: 0, residueScaled: wad) })
        #expect(refuses { $0.claimedWei = $0.fundedWei + 1 })
    }

    @Test func badHistoriesAndPoolsAreRefused() {
        #expect(expectError(.invalidImage) { () throws(AccountingError) in
            try Snapshots(defaultValue: 0, epochs: [1, 1], values: [1, 2])
        })
        #expect(expectError(.invalidImage) { () throws(AccountingError) in
            try Snapshots(defaultValue: 0, epochs: [1, 2], values: [1])
        })
        #expect(expectError(.maxTotalSharesExceeded) { () throws(AccountingError) in
            try StrategyPool(restoring: .init(balanceUnits: 0, totalShares: StrategyPool.totalSharesMax + 1))
        })
    }
}
