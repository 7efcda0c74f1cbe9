import Accounting
import PropertyBased
import Testing

/// The simulated consensus layer, against reference/consensus.md's numbers and the specs'
/// lifecycle; every expected value is written out, not computed by the code under test.
@Suite struct BeaconChainTests {
    /// A network that, with one active 32-ETH validator of ours, makes the total 34M ETH.
    static func chain34M(networkParticipationBips: UInt64 = 10_000, sweep: UInt64 = 225) throws -> BeaconChain {
        BeaconChain(parameters: try BeaconParameters(
            networkActiveGwei: (34_000_000 - 32) * gwei, networkParticipationBips: networkParticipationBips,
            sweepIntervalEpochs: sweep))
    }

    static func advance(_ chain: inout BeaconChain, to epoch: UInt64) {
        while chain.epoch < epoch { chain.processEpoch() }
    }

    @Test func depositIsCreditedThenActivatedEightEpochsLater() throws {
        var chain = try Self.chain34M()
        let index = try chain.deposit(owner: 7, amountGwei: 32 * gwei, compounding: false)
        #expect(index == ValidatorIndex(0))
        #expect(try chain.status(of: index) == .pendingInitialized)
        #expect(chain.expectedActivationEpoch(of: index) == 8)
        #expect(chain.pendingDepositsGwei == 32 * gwei)
        let first = chain.processEpoch()
        #expect(first.depositsProcessed == [.init(validator: index, amountGwei: 32 * gwei)])
        #expect(try chain.status(of: index) == .pendingQueued)
        #expect(try chain.validator(index).effectiveBalanceGwei == 32 * gwei)
        Self.advance(&chain, to: 4)
        #expect(try chain.validator(index).activationEpoch == 8)
        Self.advance(&chain, to: 7)
        #expect(chain.processEpoch().activated == [index])
        #expect(try chain.status(of: index) == .activeOngoing)
        #expect(try chain.validator(index).balanceGwei == 32 * gwei)
        #expect(chain.check())
    }

    /// Ideal epoch at a 34M total: attestations 2,429 + 4,511 + 2,429 = 9,369, plus the
    /// expected proposer (11,104 × 8 // 64 = 1,388) and sync (11,104 × 2 // 64 = 347) income.
    @Test func idealEpochAt34MillionEarnsTheBaseReward() throws {
        var chain = try Self.chain34M()
        let index = try chain.deposit(owner: 0, amountGwei: 32 * gwei, compounding: false)
        Self.advance(&chain, to: 8)
        let summary = chain.processEpoch()
        #expect(summary.totalActiveBalanceGwei == 34_000_000 * gwei)
        #expect(summary.baseRewardPerIncrementGwei == 347)
        #expect(summary.rewardsGwei == 9_369 + 1_388 + 347)
        #expect(summary.penaltiesGwei == 0)
        #expect(try chain.validator(index).balanceGwei == 32 * gwei + 11_104)
    }

    /// Offline: −2,429 − 4,511 (missed source and target) − 347 (missed sync duty); the
    /// inactivity score rises by 4 and falls back by up to 16 outside a leak.
    @Test func offlineValidatorLoses() throws {
        var chain = try Self.chain34M()
        let index = try chain.deposit(owner: 0, amountGwei: 32 * gwei, compounding: false, performance: .offline)
        Self.advance(&chain, to: 8)
        let summary = chain.processEpoch()
        #expect(summary.penaltiesGwei == 2_429 + 4_511 + 347)
        #expect(summary.rewardsGwei == 0)
        #expect(try chain.validator(index).inactivityScore == 0)
        #expect(try chain.validator(index).balanceGwei == 32 * gwei - 7_287)
    }

    /// With the network offline nothing finalizes; after 4 epochs the leak starts: no flag
    /// rewards, and non-participants' scores grow by 4 an epoch.
    @Test func inactivityLeakStartsWhenFinalityStops() throws {
        var chain = try Self.chain34M()
        let online = try chain.deposit(owner: 0, amountGwei: 32 * gwei, compounding: false)
        let offline = try chain.deposit(owner: 1, amountGwei: 32 * gwei, compounding: false, performance: .offline)
        Self.advance(&chain, to: 20)
        let finalized = chain.finalizedEpoch
        #expect(finalized == 18)
        chain.setParameters(try BeaconParameters(networkActiveGwei: (34_000_000 - 64) * gwei, networkParticipationBips: 0))
        var summaries: [EpochSummary] = []
        for _ in 0..<8 { summaries.append(chain.processEpoch()) }
        #expect(chain.finalizedEpoch == finalized)
        // Epochs 20…23 are 2…5 behind the last finalized (19 was justified at 19, finalizing 18):
        // epoch 23 is the first more than 4 behind.
        #expect(summaries.map(\.inInactivityLeak) == [false, false, false, true, true, true, true, true])
        #expect(try chain.validator(offline).inactivityScore == 4 * 5)
        #expect(try chain.validator(online).inactivityScore == 0)
        // In a leak the online validator earns only proposer and sync income.
        let before = try chain.validator(online).balanceGwei
        let leakEpoch = chain.processEpoch()
        #expect(leakEpoch.inInactivityLeak)
        let base: UInt64 = 32 * (64 * gwei / FixedPoint.integerSquareRoot(34_000_000 * gwei))
        let activeIncrements: UInt64 = 34_000_000
        let proposer = UInt64(UInt128(base) * 8 * 32 / (UInt128(activeIncrements) * 64))
        #expect(try chain.validator(online).balanceGwei == before + proposer + base * 2 / 64)
    }

    @Test func voluntaryExitQueuesThenSweepsTheWholeBalance() throws {
        var chain = try Self.chain34M(sweep: 10)
        let index = try chain.deposit(owner: 3, amountGwei: 32 * gwei, compounding: false)
        Self.advance(&chain, to: 100)
        #expect(throws: BeaconError.exitTooEarly(index, earliestEpoch: 8 + 256)) { try chain.voluntaryExit(index) }
        Self.advance(&chain, to: 264)
        let (exitEpoch, withdrawable) = try chain.voluntaryExit(index)
        #expect(exitEpoch == 264 + 5)
        #expect(withdrawable == exitEpoch + 256)
        #expect(try chain.status(of: index) == .activeExiting)
        #expect(throws: BeaconError.exitAlreadyInitiated(index, exitEpoch: exitEpoch)) { try chain.voluntaryExit(index) }
        Self.advance(&chain, to: exitEpoch)
        #expect(try chain.status(of: index) == .exitedUnslashed)
        Self.advance(&chain, to: withdrawable)
        #expect(try chain.status(of: index) == .withdrawalPossible)
        Self.advance(&chain, to: 530)  // the next sweep (every 10 epochs)
        let validator = try chain.validator(index)
        #expect(try chain.status(of: index) == .withdrawalDone)
        #expect(validator.balanceGwei == 0)
        #expect(validator.withdrawnGwei == validator.depositedGwei + validator.rewardsGwei - validator.penaltiesGwei)
        #expect(throws: BeaconError.notSlashable(index, status: .withdrawalDone)) { try chain.slash(index) }
        #expect(chain.check())
    }

    @Test func partialSweepTakesTheExcessAboveThirtyTwo() throws {
        var chain = try Self.chain34M(sweep: 225)
        let index = try chain.deposit(owner: 3, amountGwei: 32 * gwei, compounding: false)
        Self.advance(&chain, to: 224)
        let before = try chain.validator(index).balanceGwei
        let summary = chain.processEpoch()  // ends epoch 224: the sweep runs at 225
        let excess = before + summary.rewardsGwei - 32 * gwei
        #expect(summary.withdrawals == [.init(validator: index, owner: 3, amountGwei: excess, full: false)])
        #expect(try chain.validator(index).balanceGwei == 32 * gwei)
    }

    /// 2048 ETH exceeds the 256-ETH churn: the queue accumulates churn for 8 epochs.
    @Test func compoundingDepositWaitsForTheChurnAndNeverSweepsBelowTheCap() throws {
        var chain = try Self.chain34M(sweep: 1)
        #expect(chain.activationExitChurnLimitGwei == 256 * gwei)
        let index = try chain.deposit(owner: 1, amountGwei: 2048 * gwei, compounding: true)
        #expect(chain.depositQueuePosition(of: index)?.expectedEpoch == 7)
        Self.advance(&chain, to: 7)
        #expect(try chain.status(of: index) == .pendingInitialized)
        chain.processEpoch()
        #expect(try chain.validator(index).effectiveBalanceGwei == 2048 * gwei)
        Self.advance(&chain, to: 15)
        #expect(try chain.status(of: index) == .activeOngoing)
        Self.advance(&chain, to: 40)
        // Balance above 2048 ETH with EB at the cap: the excess is swept every epoch (interval 1).
        #expect(try chain.validator(index).balanceGwei == 2048 * gwei)
        #expect(try chain.validator(index).withdrawnGwei > 0)
        #expect(throws: BeaconError.depositOutOfRange(amountGwei: 2049 * gwei, minimumGwei: 32 * gwei, maximumGwei: 2048 * gwei)) {
            try chain.deposit(owner: 1, amountGwei: 2049 * gwei, compounding: true)
        }
        #expect(throws: BeaconError.depositOutOfRange(amountGwei: 31 * gwei, minimumGwei: 32 * gwei, maximumGwei: 32 * gwei)) {
            try chain.deposit(owner: 1, amountGwei: 31 * gwei, compounding: false)
        }
    }

    /// Electra: initial penalty 32 ETH // 4096 = 7,812,500 gwei; withdrawable 8192 epochs later;
    /// at +4096 the correlation penalty from everything slashed in the window.
    @Test func slashingTakesInitialThenCorrelationPenalties() throws {
        var chain = try Self.chain34M()
        let first = try chain.deposit(owner: 0, amountGwei: 32 * gwei, compounding: false)
        let second = try chain.deposit(owner: 0, amountGwei: 32 * gwei, compounding: false)
        let bystander = try chain.deposit(owner: 1, amountGwei: 32 * gwei, compounding: false)
        #expect(throws: BeaconError.notSlashable(first, status: .pendingInitialized)) { try chain.slash(first) }
        Self.advance(&chain, to: 100)
        let balance = try chain.validator(first).balanceGwei
        let outcome = try chain.slash(first)
        #expect(outcome.penaltyGwei == 7_812_500)
        #expect(outcome.whistleblowerRewardGwei == 6_835_938)
        #expect(outcome.proposerRewardGwei == 976_562)
        #expect(outcome.withdrawableEpoch == 100 + 8192)
        #expect(outcome.correlationEpoch == 100 + 4096)
        #expect(try chain.validator(first).balanceGwei == balance - 7_812_500)
        #expect(try chain.status(of: first) == .activeSlashed)
        #expect(throws: BeaconError.alreadySlashed(first)) { try chain.slash(first) }
        Self.advance(&chain, to: 150)
        _ = try chain.slash(second)
        #expect(chain.slashingsTotalGwei == 64 * gwei)

        Self.advance(&chain, to: 100 + 4096)
        let summary = chain.processEpoch()
        // Total active then: the network plus the bystander (the slashed two have exited).
        let total: UInt64 = (34_000_000 - 32 + 32) * gwei
        let perIncrement = min(64 * 3 * gwei, total) / (total / gwei)
        #expect(summary.correlationPenalties == [.init(validator: first, amountGwei: perIncrement * 32)])
        #expect(perIncrement * 32 == 2 * 90_336 + 32)  // 5,647 per increment with 64 ETH slashed
        _ = bystander
        Self.advance(&chain, to: 150 + 4097)
        #expect(try chain.validator(second).slashingPenaltiesGwei == 7_812_500 + perIncrement * 32)
        #expect(chain.check())
        // Withdrawable after 8192 epochs, then swept in full.
        Self.advance(&chain, to: 100 + 8192)
        #expect(try chain.status(of: first) == .withdrawalPossible)
        #expect(throws: BeaconError.alreadySlashed(first)) { try chain.slash(first) }
    }

    @Test func unknownValidatorsAndBadParametersAreRefused() throws {
        var chain = BeaconChain()
        #expect(throws: BeaconError.validatorNotFound(ValidatorIndex(3))) { try chain.voluntaryExit(ValidatorIndex(3)) }
        #expect(throws: BeaconError.validatorNotFound(ValidatorIndex(3))) { try chain.slash(ValidatorIndex(3)) }
        #expect(throws: BeaconError.self) { try ValidatorPerformance(onlineRateBips: 10_001) }
        #expect(throws: BeaconError.self) { try BeaconParameters(networkActiveGwei: 1) }
        #expect(throws: BeaconError.self) { try BeaconParameters(networkParticipationBips: 10_001) }
        #expect(throws: BeaconError.self) { try BeaconParameters(sweepIntervalEpochs: 0) }
        #expect(chain == BeaconChain())
    }

    /// The online pattern: exactly r/10⁴ of 10⁴ consecutive epochs, different epochs per validator.
    @Test func onlineRateIsExactOverTenThousandEpochs() throws {
        let performance = try ValidatorPerformance(onlineRateBips: 9_900)
        let online = (0..<UInt64(10_000)).filter { performance.isOnline(validator: 5, epoch: $0 + 77) }.count
        #expect(online == 9_900)
        let missedBy0 = (0..<UInt64(100)).filter { !performance.isOnline(validator: 0, epoch: $0) }
        let missedBy1 = (0..<UInt64(100)).filter { !performance.isOnline(validator: 1, epoch: $0) }
        #expect(missedBy0.count == 1 && missedBy1.count == 1 && missedBy0 != missedBy1)
    }

    /// Random deposits, exits, slashings, performance and parameter changes: balances always
    /// reconcile to the gwei, refused requests change nothing, and nothing traps.
    @Test func randomHistoriesReconcile() async {
        await propertyCheck(count: 30, input: Gen.uint64(), Gen.int(in: 1...300)) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var chain = BeaconChain(parameters: try! BeaconParameters(
                networkActiveGwei: (1 + reader.below(1_000_000)) * gwei, sweepIntervalEpochs: 1 + reader.below(50)))
            while reader.nextStep() {
                let before = chain
                let count = UInt64(chain.validators.count)
                let index = ValidatorIndex(Int(reader.below(count + 1)))
                do {
                    switch reader.below(8) {
                    case 0:
                        let compounding = reader.below(2) == 0
                        let amount = compounding ? (32 + reader.below(2020)) * gwei : 32 * gwei
                        _ = try chain.deposit(owner: Int(reader.below(3)), amountGwei: amount, compounding: compounding)
                    case 1: try chain.voluntaryExit(index)
                    case 2: _ = try chain.slash(index)
                    case 3:
                        try chain.setPerformance(
                            try ValidatorPerformance(onlineRateBips: reader.below(10_001)), of: index)
                    case 4:
                        chain.setParameters(try BeaconParameters(
                            networkActiveGwei: reader.below(2_000_000) * gwei,
                            networkParticipationBips: reader.below(10_001), sweepIntervalEpochs: 1 + reader.below(50)))
                    default:
                        for _ in 0..<(1 + reader.below(120)) { chain.processEpoch() }
                    }
                } catch {
                    #expect(chain == before, "a refused request changed the chain (seed \(seed))")
                }
                #expect(chain.check(), "balances do not reconcile (seed \(seed))")
            }
        }
    }
}
