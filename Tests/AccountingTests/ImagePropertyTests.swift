import Accounting
import PropertyBased
import Testing

/// Images (`RestakingLedger.Image`, `AllocationBook.Image`, `RewardIndex.Image`,
/// `StrategyPool.Image`): random operation sequences, imaged and restored at random steps; the
/// restored value is `==` to the original and stays `==` as both go on with the same operations
/// (the same refusals included).
@Suite struct ImagePropertyTests {
    static let seeds = Gen.uint64()
    static let steps = Gen.int(in: 1...150)

    // MARK: RestakingLedger

    static let stakers: [StakerID] = ["s1", "s2", "s3", "s4"]
    static let operators: [OperatorID] = ["o1", "o2", "o3"]
    static let strategies: [StrategyID] = ["x", "y", RestakingLedger.beaconChainStrategy]

    /// One random ledger operation (as RestakingPropertyTests); the error when refused.
    static func ledgerStep(
        _ ledger: inout RestakingLedger, _ reader: inout WordReader, _ epoch: inout UInt64
    ) -> AccountingError? {
        let staker = stakers[Int(reader.below(UInt64(stakers.count)))]
        let operatorID = operators[Int(reader.below(UInt64(operators.count)))]
        let strategy = strategies[Int(reader.below(UInt64(strategies.count)))]
        do throws(AccountingError) {
            switch reader.below(10) {
            case 0, 1: try ledger.addShares(reader.amount(upTo: 1000 * ether), to: staker, strategy: strategy)
            case 2: try ledger.delegate(staker, to: operatorID)
            case 3: try ledger.undelegate(staker, epoch: epoch)
            case 4:
                let held = ledger.depositShares(of: staker, strategy: strategy)
                try ledger.queueWithdrawal(reader.amount(upTo: held + 1), of: staker, strategy: strategy, epoch: epoch)
            case 5:
                let ids = ledger.queuedWithdrawals.keys.sorted()
                guard !ids.isEmpty else { return nil }
                let id = ids[Int(reader.below(UInt64(ids.count)))]
                try ledger.completeWithdrawal(
                    id, by: ledger.queuedWithdrawals[id]!.staker, epoch: epoch, receiveAsTokens: reader.below(2) == 0)
            case 6:
                let current = ledger.maxMagnitudeWad(of: operatorID, strategy: strategy)
                try ledger.slashOperatorShares(
                    operator: operatorID, strategy: strategy, newMaxMagnitudeWad: current / 100 * UInt128(reader.below(100)),
                    epoch: epoch)
            case 7:
                let restaked = ledger.depositShares(of: staker, strategy: RestakingLedger.beaconChainStrategy)
                try ledger.recordBeaconChainBalanceDecrease(
                    of: staker, previousRestakedBalanceWei: restaked, decreaseWei: reader.amount(upTo: restaked / 2 + 1))
            case 8: _ = ledger.takeSlashedShares(of: strategy)
            default: epoch += reader.below(120)
            }
        } catch {
            return error
        }
        return nil
    }

    @Test func ledgerImagesRestoreEqualAndStayEqual() async {
        await propertyCheck(count: 120, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var ledger = RestakingLedger(withdrawalDelayEpochs: 100)
            for operatorID in Self.operators.dropLast() { try! ledger.registerOperator(operatorID) }
            var restored: RestakingLedger? = nil
            var epoch: UInt64 = 0
            while reader.nextStep() {
                if reader.below(8) == 0 {
                    let copy = try RestakingLedger(restoring: ledger.image)
                    #expect(copy == ledger)
                    #expect(copy.image == ledger.image)
                    restored = copy
                }
                var twinReader = reader
                var twinEpoch = epoch
                let refusal = Self.ledgerStep(&ledger, &reader, &epoch)
                if var twin = restored {
                    #expect(Self.ledgerStep(&twin, &twinReader, &twinEpoch) == refusal)
                    #expect(twin == ledger, "the restored ledger diverged")
                    restored = twin
                }
            }
            #expect(try RestakingLedger(restoring: ledger.image) == ledger)
        }
    }

    // MARK: AllocationBook

    static let sets = [1, 2, 3].map { OperatorSetID(avs: "avs", setNumber: $0) } + [OperatorSetID(avs: "b", setNumber: 0)]
    static let setStrategies: [Set<StrategyID>] = [["x"], ["x", "y"], ["y", "z"], ["z"]]

    static func bookStep(
        _ book: inout AllocationBook, _ reader: inout WordReader, _ epoch: inout UInt64
    ) -> AccountingError? {
        let operatorID = operators[Int(reader.below(UInt64(operators.count)))]
        let setIndex = Int(reader.below(UInt64(sets.count)))
        let operatorSet = sets[setIndex]
        let strategy = setStrategies[setIndex].sorted()[Int(reader.below(UInt64(setStrategies[setIndex].count)))]
        do throws(AccountingError) {
            switch reader.below(9) {
            case 0, 1, 2:
                try book.modifyAllocation(
                    operator: operatorID, operatorSet: operatorSet, strategy: strategy,
                    newMagnitudeWad: wad / 1000 * UInt128(reader.below(1001)), epoch: epoch)
            case 3, 4:
                try book.slash(
                    operator: operatorID, operatorSet: operatorSet,
                    wadsToSlash: setStrategies[setIndex].sorted().map { ($0, reader.amount(upTo: wad)) }, epoch: epoch)
            case 5: try book.registerForOperatorSet(operatorID, operatorSet: operatorSet, epoch: epoch)
            case 6: try book.deregisterFromOperatorSet(operatorID, operatorSet: operatorSet, epoch: epoch)
            case 7:
                let created = book.operatorSetStrategies.count
                guard created < sets.count else { return nil }
                try book.createOperatorSet(sets[created], strategies: setStrategies[created])
            default: epoch += reader.below(40)
            }
        } catch {
            return error
        }
        return nil
    }

    @Test func bookImagesRestoreEqualAndStayEqual() async {
        await propertyCheck(count: 120, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var book = AllocationBook(deallocationDelayEpochs: 30)
            for operatorID in Self.operators { try! book.registerOperator(operatorID, allocationDelayEpochs: reader.below(20)) }
            try! book.createOperatorSet(Self.sets[0], strategies: Self.setStrategies[0])
            var restored: AllocationBook? = nil
            var epoch: UInt64 = 0
            while reader.nextStep() {
                if reader.below(8) == 0 {
                    let copy = try AllocationBook(restoring: book.image)
                    #expect(copy == book)
                    #expect(copy.image == book.image)
                    restored = copy
                }
                var twinReader = reader
                var twinEpoch = epoch
                let refusal = Self.bookStep(&book, &reader, &epoch)
                if var twin = restored {
                    #expect(Self.bookStep(&twin, &twinReader, &twinEpoch) == refusal)
                    #expect(twin == book, "the restored book diverged")
                    restored = twin
                }
            }
            #expect(try AllocationBook(restoring: book.image) == book)
        }
    }

    // MARK: RewardIndex and StrategyPool

    static func indexStep(_ index: inout RewardIndex<StakerID>, _ reader: inout WordReader) -> AccountingError? {
        let holder = stakers[Int(reader.below(UInt64(stakers.count)))]
        do throws(AccountingError) {
            switch reader.below(5) {
            case 0: try index.setStake(reader.below(4) == 0 ? 0 : reader.amount(upTo: 1000 * ether), for: holder)
            case 1, 2: try index.distribute(reader.amount(upTo: ether), operatorSplitBips: UInt128(reader.below(10_001)))
            case 3: try index.claim(for: holder)
            default: index.claimOperatorSplit()
            }
        } catch {
            return error
        }
        return nil
    }

    @Test func rewardIndexImagesRestoreEqualAndStayEqual() async {
        await propertyCheck(count: 120, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var index = RewardIndex<StakerID>()
            var restored: RewardIndex<StakerID>? = nil
            while reader.nextStep() {
                if reader.below(8) == 0 {
                    let copy = try RewardIndex<StakerID>(restoring: index.image)
                    #expect(copy == index)
                    restored = copy
                }
                var twinReader = reader
                let refusal = Self.indexStep(&index, &reader)
                if var twin = restored {
                    #expect(Self.indexStep(&twin, &twinReader) == refusal)
                    #expect(twin == index, "the restored index diverged")
                    restored = twin
                }
            }
            #expect(try RewardIndex<StakerID>(restoring: index.image) == index)
        }
    }

    @Test func strategyPoolImagesRestoreEqual() async throws {
        var reader = WordReader(seed: 0x51AB, steps: 0)
        var pool = StrategyPool()
        for _ in 0..<300 {
            switch reader.below(3) {
            case 0: _ = try? pool.deposit(reader.amount(upTo: 1000 * ether))
            case 1: _ = try? pool.withdraw(shares: reader.amount(upTo: pool.totalShares + 1))
            default: pool.setBalance(pool.balanceUnits / 100 * UInt128(90 + reader.below(20)))
            }
            #expect(try StrategyPool(restoring: pool.image) == pool)
        }
    }
}
