import Accounting
import Testing

/// reference/consensus.md "Sample numbers", in gwei, exact.
@Suite struct ConsensusRulesTests {
    let tab1M: UInt64 = 1_000_000 * gwei
    let tab10M: UInt64 = 10_000_000 * gwei
    let tab34M: UInt64 = 34_000_000 * gwei
    let eb32: UInt64 = 32 * gwei
    let eb2048: UInt64 = 2048 * gwei

    @Test func baseRewards() throws {
        #expect(FixedPoint.integerSquareRoot(tab1M) == 31_622_776)
        #expect(try ConsensusRules.baseRewardPerIncrementGwei(totalActiveBalanceGwei: tab1M) == 2023)
        #expect(try ConsensusRules.baseRewardGwei(effectiveBalanceGwei: eb32, totalActiveBalanceGwei: tab1M) == 64_736)
        #expect(try ConsensusRules.baseRewardPerIncrementGwei(totalActiveBalanceGwei: tab10M) == 640)
        #expect(try ConsensusRules.baseRewardGwei(effectiveBalanceGwei: eb32, totalActiveBalanceGwei: tab10M) == 20_480)
        #expect(try ConsensusRules.baseRewardPerIncrementGwei(totalActiveBalanceGwei: tab34M) == 347)
        #expect(try ConsensusRules.baseRewardGwei(effectiveBalanceGwei: eb32, totalActiveBalanceGwei: tab34M) == 11_104)
        #expect(try ConsensusRules.baseRewardGwei(effectiveBalanceGwei: eb2048, totalActiveBalanceGwei: tab34M) == 710_656)
        #expect(expectError(.divisionByZero) { () throws(AccountingError) in
            try ConsensusRules.baseRewardPerIncrementGwei(totalActiveBalanceGwei: 0)
        })
    }

    func deltas(
        eb: UInt64, tab: UInt64, participation: ConsensusRules.Participation, participatingPercent: UInt64 = 100,
        leak: Bool = false, score: UInt64 = 0
    ) throws -> ConsensusRules.AttestationDeltas {
        let participating = tab / 100 * participatingPercent
        return try ConsensusRules.attestationDeltas(
            effectiveBalanceGwei: eb, totalActiveBalanceGwei: tab, participation: participation,
            participatingBalanceGwei: (participating, participating, participating),
            inInactivityLeak: leak, inactivityScore: score)
    }

    @Test func idealEpochs() throws {
        let base: UInt64 = 11_104
        let source = try ConsensusRules.flagRewardGwei(
            baseRewardGwei: base, weight: 14, participatingBalanceGwei: tab34M, totalActiveBalanceGwei: tab34M,
            inInactivityLeak: false)
        let target = try ConsensusRules.flagRewardGwei(
            baseRewardGwei: base, weight: 26, participatingBalanceGwei: tab34M, totalActiveBalanceGwei: tab34M,
            inInactivityLeak: false)
        #expect(source == 2429)
        #expect(target == 4511)
        #expect(try deltas(eb: eb32, tab: tab34M, participation: .full) == .init(rewardGwei: 9369, penaltyGwei: 0))
        #expect(try deltas(eb: eb32, tab: tab1M, participation: .full).rewardGwei == 54_621)
        #expect(try deltas(eb: eb32, tab: tab10M, participation: .full).rewardGwei == 17_280)
        #expect(try deltas(eb: eb32, tab: tab34M, participation: .full, participatingPercent: 95).rewardGwei == 8899)
        #expect(try deltas(eb: eb2048, tab: tab34M, participation: .full).rewardGwei == 599_616)
    }

    @Test func offlineAndLeak() throws {
        #expect(try deltas(eb: eb32, tab: tab34M, participation: .offline) == .init(rewardGwei: 0, penaltyGwei: 6940))
        #expect(try ConsensusRules.inactivityPenaltyGwei(effectiveBalanceGwei: eb32, inactivityScore: 100) == 47_683)
        #expect(try deltas(eb: eb32, tab: tab34M, participation: .offline, leak: true, score: 100).penaltyGwei == 54_623)
        // In a leak participants earn nothing and pay nothing.
        #expect(try deltas(eb: eb32, tab: tab34M, participation: .full, leak: true) == .init(rewardGwei: 0, penaltyGwei: 0))
    }

    @Test func initialSlashing() {
        let altair = ConsensusRules.initialSlashing(effectiveBalanceGwei: eb32, epoch: 0, fork: .bellatrix)
        #expect(altair.penaltyGwei == 1_000_000_000)
        #expect(altair.proposerRewardGwei == 7_812_500)
        #expect(altair.whistleblowerRewardGwei == 54_687_500)
        let electra = ConsensusRules.initialSlashing(effectiveBalanceGwei: eb32, epoch: 100)
        #expect(electra == .init(
            penaltyGwei: 7_812_500, proposerRewardGwei: 976_562, whistleblowerRewardGwei: 6_835_938,
            withdrawableEpoch: 8292))
        let big = ConsensusRules.initialSlashing(effectiveBalanceGwei: eb2048, epoch: 0)
        #expect(big.penaltyGwei == 500_000_000)
        #expect(big.proposerRewardGwei == 62_500_000)
        let proposerOnly = ConsensusRules.initialSlashing(effectiveBalanceGwei: eb2048, epoch: 0, hasSeparateWhistleblower: false)
        #expect(proposerOnly.proposerRewardGwei == 500_000_000)
        #expect(proposerOnly.whistleblowerRewardGwei == 0)
    }

    @Test func correlationPenalties() throws {
        func penalty(_ eb: UInt64, _ tab: UInt64, _ slashed: UInt64, _ fork: ConsensusFork) throws -> UInt64 {
            try ConsensusRules.correlationPenaltyGwei(
                effectiveBalanceGwei: eb, totalActiveBalanceGwei: tab, slashingsInWindowGwei: slashed, fork: fork)
        }
        #expect(try penalty(eb32, tab34M, eb32, .bellatrix) == 0)
        #expect(try penalty(eb32, tab34M, 10_000 * eb32, .bellatrix) == 0)
        #expect(try penalty(eb32, tab34M, tab34M / 3 + 1, .bellatrix) == 32_000_000_000)
        #expect(try penalty(eb32, tab34M, eb32, .electra) == 90_336)
        #expect(try penalty(eb32, tab34M, 10_000 * eb32, .electra) == 903_529_408)
        #expect(try penalty(eb2048, tab34M, 1_000_000 * gwei, .electra) == 180_705_882_112)
        #expect(try penalty(eb32, tab10M, 1_000_000 * gwei, .bellatrix) == 9_000_000_000)
        #expect(try penalty(eb32, tab10M, 1_000_000 * gwei, .electra) == 9_600_000_000)
    }

    @Test func hysteresis() {
        func next(_ balance: UInt64, _ eb: UInt64, compounding: Bool = false) -> UInt64 {
            ConsensusRules.effectiveBalanceAfterHysteresisGwei(
                balanceGwei: balance, effectiveBalanceGwei: eb, hasCompoundingCredentials: compounding)
        }
        #expect(next(31_760_000_000, eb32) == eb32)
        #expect(next(31_740_000_000, eb32) == 31 * gwei)
        #expect(next(33_300_000_000, 31 * gwei) == eb32)
        #expect(next(40_300_000_000, eb32, compounding: true) == 40 * gwei)
        #expect(next(40_300_000_000, eb32, compounding: false) == eb32)
        #expect(ConsensusRules.effectiveBalanceAfterHysteresisGwei(
            balanceGwei: 40_300_000_000, effectiveBalanceGwei: eb32, hasCompoundingCredentials: true,
            fork: .bellatrix) == eb32)
    }
}
