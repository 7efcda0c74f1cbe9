import Accounting
import PropertyBased
import Testing

/// Random sequences of restaking operations: deposits, delegation, withdrawals, slashes and
/// beacon-chain losses; allocations and slashes of magnitude; and reward distributions.
@Suite struct RestakingPropertyTests {
    static let stakers: [StakerID] = ["s1", "s2", "s3"]
    static let operators: [OperatorID] = ["o1", "o2"]
    static let strategies: [StrategyID] = ["x", RestakingLedger.beaconChainStrategy]
    static let seeds = Gen.uint64()
    static let steps = Gen.int(in: 1...150)

    @Test func ledgerNeverPaysMoreThanOperatorsBackOrStakersPutIn() async {
        await propertyCheck(count: 150, input: Self.seeds, Self.steps) { seed, steps in
            try Self.runLedger(seed: seed, steps: steps)
        }
    }

    static func runLedger(seed: UInt64, steps: Int) throws {
            var reader = WordReader(seed: seed, steps: steps)
            var ledger = RestakingLedger(withdrawalDelayEpochs: 100)
            for operatorID in Self.operators { try! ledger.registerOperator(operatorID) }
            var epoch: UInt64 = 0
            var addedShares: [StrategyID: UInt128] = [:]
            var paidShares: [StrategyID: UInt128] = [:]
            var valueAtQueue: [QueuedWithdrawalID: UInt128] = [:]
            while reader.nextStep() {
                let before = ledger
                let staker = Self.stakers[Int(reader.below(3))]
                let operatorID = Self.operators[Int(reader.below(2))]
                let strategy = Self.strategies[Int(reader.below(2))]
                do {
                    let kind = reader.below(8)
                    switch kind {
                    case 0:
                        let shares = reader.amount(upTo: 1000 * ether)
                        try ledger.addShares(shares, to: staker, strategy: strategy)
                        addedShares[strategy, default: 0] += shares
                    case 1:
                        try ledger.delegate(staker, to: operatorID)
                    case 2:
                        let ids = try ledger.undelegate(staker, epoch: epoch)
                        for id in ids { valueAtQueue[id] = try ledger.withdrawalShares(id, epoch: epoch) }
                    case 3:
                        let held = ledger.depositShares(of: staker, strategy: strategy)
                        let shares = reader.amount(upTo: held + 1)
                        let withdrawable = try ledger.withdrawableShares(of: staker, strategy: strategy)
                        let id = try ledger.queueWithdrawal(shares, of: staker, strategy: strategy, epoch: epoch)
                        let value = try ledger.withdrawalShares(id, epoch: epoch)
                        // The queued value never exceeds what the staker could withdraw.
                        #expect(value <= withdrawable)
                        valueAtQueue[id] = value
                    case 4:
                        let ids = ledger.queuedWithdrawals.keys.sorted()
                        guard !ids.isEmpty else { continue }
                        let id = ids[Int(reader.below(UInt64(ids.count)))]
                        let withdrawal = ledger.queuedWithdrawals[id]!
                        let asTokens = reader.below(2) == 0
                        let completion = try ledger.completeWithdrawal(
                            id, by: withdrawal.staker, epoch: epoch, receiveAsTokens: asTokens)
                        // Paid at most what was queued: slashes in escrow only lower it.
                        #expect(completion.shares <= valueAtQueue[id]!)
                        if asTokens { paidShares[completion.strategy, default: 0] += completion.shares }
                        valueAtQueue.removeValue(forKey: id)
                    case 5:
                        let current = ledger.maxMagnitudeWad(of: operatorID, strategy: strategy)
                        let newMax = current / 100 * UInt128(reader.below(100))
                        try ledger.slashOperatorShares(
                            operator: operatorID, strategy: strategy, newMaxMagnitudeWad: newMax, epoch: epoch)
                    case 6:
                        let restaked = ledger.depositShares(of: staker, strategy: RestakingLedger.beaconChainStrategy)
                        try ledger.recordBeaconChainBalanceDecrease(
                            of: staker, previousRestakedBalanceWei: restaked,
                            decreaseWei: reader.amount(upTo: restaked / 2 + 1))
                    default:
                        epoch += reader.below(250)
                    }
                } catch {
                    #expect(ledger == before, "failed operation changed state: \(error)")
                }
                try Self.checkInvariants(ledger, epoch: epoch, added: addedShares, paid: paidShares)
            }
    }

    static func checkInvariants(
        _ ledger: RestakingLedger, epoch: UInt64, added: [StrategyID: UInt128], paid: [StrategyID: UInt128]
    ) throws {
        for strategy in strategies {
            // A staker's withdrawable shares never exceed what the operator's shares back.
            for operatorID in operators {
                var delegated: UInt128 = 0
                for staker in stakers where ledger.delegatedOperator(of: staker) == operatorID {
                    delegated += try ledger.withdrawableShares(of: staker, strategy: strategy)
                }
                #expect(delegated <= ledger.operatorShares(of: operatorID, strategy: strategy),
                        "operator \(operatorID) backs less than its stakers can withdraw")
            }
            // Nothing is created: paid + withdrawable + in escrow ≤ put in.
            var held = paid[strategy] ?? 0
            for staker in stakers { held += try ledger.withdrawableShares(of: staker, strategy: strategy) }
            for (id, withdrawal) in ledger.queuedWithdrawals where withdrawal.strategy == strategy {
                held += try ledger.withdrawalShares(id, epoch: epoch)
            }
            #expect(held <= added[strategy] ?? 0, "more value than was deposited")
        }
    }

    @Test func magnitudesStayConsistentUnderAllocationAndSlashing() async {
        let sets = [1, 2, 3].map { OperatorSetID(avs: "avs", setNumber: $0) }
        await propertyCheck(count: 150, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var book = AllocationBook(deallocationDelayEpochs: 30)
            try! book.registerOperator("op", allocationDelayEpochs: reader.below(20))
            for operatorSet in sets {
                try! book.createOperatorSet(operatorSet, strategies: ["x"])
                try! book.registerForOperatorSet("op", operatorSet: operatorSet, epoch: 0)
            }
            var epoch: UInt64 = 0
            while reader.nextStep() {
                let before = book
                let operatorSet = sets[Int(reader.below(3))]
                let maxBefore = book.maxMagnitudeWad(of: "op", strategy: "x")
                do {
                    switch reader.below(5) {
                    case 0, 1:
                        let magnitude = wad / 1000 * UInt128(reader.below(1001))
                        try book.modifyAllocation(
                            operator: "op", operatorSet: operatorSet, strategy: "x", newMagnitudeWad: magnitude, epoch: epoch)
                    case 2:
                        let current = book.allocation(of: "op", operatorSet: operatorSet, strategy: "x", epoch: epoch)
                        let wadToSlash = reader.amount(upTo: wad)
                        let outcome = try book.slash(
                            operator: "op", operatorSet: operatorSet, wadsToSlash: [("x", wadToSlash)], epoch: epoch)
                        for slash in outcome.strategies {
                            // Never more than the allocation, never zero on a nonzero allocation.
                            #expect(slash.slashedMagnitudeWad <= UInt128(current.currentMagnitudeWad))
                            #expect(slash.slashedMagnitudeWad > 0)
                        }
                    case 3:
                        if book.registrations[.init(operatorID: "op", operatorSet: operatorSet)]?.isRegistered == true {
                            try book.deregisterFromOperatorSet("op", operatorSet: operatorSet, epoch: epoch)
                        } else {
                            try book.registerForOperatorSet("op", operatorSet: operatorSet, epoch: epoch)
                        }
                    default:
                        epoch += reader.below(40)
                    }
                } catch {
                    #expect(book == before, "failed operation changed state: \(error)")
                }
                let maxWad = book.maxMagnitudeWad(of: "op", strategy: "x")
                let encumbered = book.encumberedMagnitudeWad(of: "op", strategy: "x", epoch: epoch)
                #expect(maxWad <= maxBefore, "max magnitude rose")
                #expect(encumbered <= maxWad)
                var allocated: UInt128 = 0
                for operatorSet in sets {
                    let allocation = book.allocation(of: "op", operatorSet: operatorSet, strategy: "x", epoch: epoch)
                    allocated += UInt128(allocation.currentMagnitudeWad)
                    if allocation.pendingDiffWad > 0 { allocated += UInt128(allocation.pendingDiffWad) }
                }
                #expect(allocated == encumbered, "encumbered magnitude drifted from the allocations")
            }
        }
    }

    @Test func rewardIndexIsExactToTheWei() async {
        let holders: [StakerID] = ["a", "b", "c", "d", "e"]
        await propertyCheck(count: 150, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var index = RewardIndex<StakerID>()
            var paidWei: UInt128 = 0
            while reader.nextStep() {
                let before = index
                let holder = holders[Int(reader.below(5))]
                do {
                    switch reader.below(5) {
                    case 0:
                        try index.setStake(reader.below(4) == 0 ? 0 : reader.amount(upTo: 1000 * ether), for: holder)
                    case 1, 2:
                        let amount = reader.amount(upTo: ether) - (reader.below(8) == 0 ? 1 : 0)
                        let distribution = try index.distribute(amount, operatorSplitBips: UInt128(reader.below(10_002)))
                        #expect(distribution.operatorWei + distribution.holdersWei == amount)
                    case 3:
                        let owed = try index.claimableWei(of: holder)
                        let paid = try index.claim(for: holder)
                        #expect(paid == owed)
                        paidWei += paid
                    default:
                        paidWei += index.claimOperatorSplit()
                    }
                } catch {
                    #expect(index == before, "failed operation changed state: \(error)")
                }
                #expect(index.claimedWei == paidWei)
                #expect(index.totalStake == index.accounts.values.reduce(0) { $0 + $1.stake })
                // Exact conservation in index-scaled units: nothing created or lost, dust included.
                let scale = RewardIndex<StakerID>.indexScale
                var owedScaled = (index.claimedWei + index.operatorAccruedWei + index.undistributedWei) * scale
                    + index.carryScaled
                for account in index.accounts.values {
                    owedScaled += account.accruedWei * scale + account.residueScaled
                        + account.stake * (index.index - account.indexSnapshot)
                }
                #expect(owedScaled == index.fundedWei * scale, "reward dust created or lost")
            }
        }
    }
}
extension RestakingPropertyTests {
    /// Found by the property above: EigenLayer's slash formula alone left an operator 229 shares
    /// short of its native-ETH stakers (a BCSF below WAD and a DSF of 3.6 amplify the slashing
    /// factor's rounding). The backing bound fixes it; this seed keeps it fixed.
    @Test func regressionSlashRoundingUnderBackedNativeStakers() throws {
        try Self.runLedger(seed: 16_584_689_756_721_429_189, steps: 78)
    }

    /// Found by the property above: delegating a pod owner with a BCSF below WAD re-based its DSF
    /// so that its withdrawable shares came out one above what the operator gained.
    @Test func regressionDelegationRoundedWithdrawableUp() throws {
        try Self.runLedger(seed: 17_817_172_694_648_269_836, steps: 27)
    }
}
