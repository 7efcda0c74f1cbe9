import Contracts
import Domains
import ServiceKit
import Testing

/// Literal fixtures written by the code before the images (main at 7390c6d): the restaking part
/// of each snapshot for the scenarios of CompactSnapshotTests (`restakedWorld`, `slashedWorld`,
/// `rewardedWorld`), produced by running those scenarios on that commit and serializing
/// `snapshot().at("restaking")` / `.at("avsRewards")`. Restoring them with today's code gives the
/// state today's code reaches through the same commands.
enum OldSnapshotFixtures {
    static let ledgerRestaking = #"{"burnedUnits":{"reth":"3333333333333333342"},"nativeBurnedWei":"0","operatorSets":{"eigenda":{"1":["native","reth","steth"]}},"operators":["op"],"pods":{},"rewardsFundedWei":"0","rewardsPaidWei":"0","shareEvents":[{"body":{"operator":"op"},"seq":1,"type":"ledger.RestakeOperatorTracked"},{"body":{"account":"alice","amountCreditedWei":"10000000000000000007","amountWei":"10000000000000000007","epoch":0,"operatorShares":[],"shares":"10000000000000000007","stakes":[{"depositShares":"10000000000000000007","operator":null,"scaledShares":"10000000000000000007","staker":"alice","strategy":"reth","withdrawableShares":"10000000000000000007"}],"strategy":"reth","strategyBalanceUnits":"0"},"seq":5,"type":"ledger.RestakeDeposited"},{"body":{"account":"bob","amountCreditedWei":"10000000000000000007","amountWei":"10000000000000000007","epoch":0,"operatorShares":[],"shares":"10000000000000000007","stakes":[{"depositShares":"10000000000000000007","operator":null,"scaledShares":"10000000000000000007","staker":"bob","strategy":"reth","withdrawableShares":"10000000000000000007"}],"strategy":"reth","strategyBalanceUnits":"10000000000000000007"},"seq":8,"type":"ledger.RestakeDeposited"},{"body":{"operator":"op","operatorShares":[{"operator":"op","shares":"10000000000000000007","strategy":"reth"}],"staker":"alice","stakes":[{"depositShares":"10000000000000000007","operator":"op","scaledShares":"10000000000000000007","staker":"alice","strategy":"reth","withdrawableShares":"10000000000000000007"}]},"seq":9,"type":"ledger.RestakeDelegated"},{"body":{"avs":"eigenda","epoch":0,"operator":"op","operatorShares":[{"operator":"op","shares":"6666666666666666665","strategy":"reth"}],"setId":1,"slashingSeq":1003,"strategies":[{"burnedWei":"3333333333333333342","newMaxMagnitudeWad":"666666666666666666","operatorSharesSlashed":"3333333333333333342","previousMaxMagnitudeWad":"1000000000000000000","queuedSharesSlashed":"0","strategy":"reth"}],"strategyBalances":{"reth":"20000000000000000014"}},"seq":10,"type":"ledger.RestakeOperatorSlashed"},{"body":{"account":"alice","depositShares":"1000000000000000000","epoch":0,"operatorShares":[{"operator":"op","shares":"5999999999999999999","strategy":"reth"}],"stakes":[{"depositShares":"9000000000000000007","operator":"op","scaledShares":"9000000000000000007","staker":"alice","strategy":"reth","withdrawableShares":"5999999999999999998"}],"strategy":"reth","withdrawal":{"depositShares":"1000000000000000000","id":1,"operator":"op","releaseEpoch":3151,"scaledShares":"1000000000000000000","staker":"alice","startEpoch":0,"strategy":"reth"}},"seq":11,"type":"ledger.RestakeWithdrawalQueued"}],"slashes":{"op":[{"avs":"eigenda","burnedWei":"3333333333333333342","epoch":0,"operatorSharesSlashed":"3333333333333333342","queuedSharesSlashed":"0","setId":1,"strategy":"reth"}]}}"#

    static let slashingRestaking = #"{"avss":["eigenda"],"bookEvents":[{"body":{"allocationDelayEpochs":5,"operator":"op"},"seq":1,"type":"slashing.OperatorTracked"},{"body":{"avs":"eigenda","setId":1,"strategies":["native","steth"]},"seq":3,"type":"slashing.OperatorSetCreated"},{"body":{"avs":"eigenda","epoch":0,"operator":"op","setId":1},"seq":4,"type":"slashing.OperatorJoinedSet"},{"body":{"avs":"eigenda","currentMagnitudeWad":"0","effectEpoch":5,"epoch":0,"magnitudeWad":"1000000000000000000","operator":"op","pendingDiffWad":"1000000000000000000","setId":1,"strategy":"steth"},"seq":5,"type":"slashing.AllocationUpdated"},{"body":{"avs":"eigenda","currentMagnitudeWad":"0","effectEpoch":5,"epoch":0,"magnitudeWad":"500000000000000000","operator":"op","pendingDiffWad":"500000000000000000","setId":1,"strategy":"native"},"seq":6,"type":"slashing.AllocationUpdated"},{"body":{"avs":"eigenda","epoch":5,"operator":"op","reason":"equivocation","setId":1,"slashId":1,"strategies":[{"newMaxMagnitudeWad":"875000000000000000","previousMaxMagnitudeWad":"1000000000000000000","slashedMagnitudeWad":"125000000000000000","strategy":"native","wadSlashed":"125000000000000000"},{"newMaxMagnitudeWad":"750000000000000000","previousMaxMagnitudeWad":"1000000000000000000","slashedMagnitudeWad":"250000000000000000","strategy":"steth","wadSlashed":"250000000000000000"}],"wadToSlash":"250000000000000000"},"seq":12,"type":"slashing.OperatorSlashed"},{"body":{"avs":"eigenda","currentMagnitudeWad":"750000000000000000","effectEpoch":3156,"epoch":5,"magnitudeWad":"100000000000000000","operator":"op","pendingDiffWad":"-650000000000000000","setId":1,"strategy":"steth"},"seq":13,"type":"slashing.AllocationUpdated"}],"epoch":5}"#

    static let rewardsAVSRewards = #"{"log":[{"body":{"effectEpoch":0,"operator":"op1","splitBips":1000},"seq":1,"type":"rewards.OperatorSplitRecorded"},{"body":{"allocationDelayEpochs":1,"operator":"op1"},"seq":2,"type":"rewards.RestakingOperatorRecorded"},{"body":{"effectEpoch":0,"operator":"op2","splitBips":500},"seq":3,"type":"rewards.OperatorSplitRecorded"},{"body":{"allocationDelayEpochs":1,"operator":"op2"},"seq":4,"type":"rewards.RestakingOperatorRecorded"},{"body":{"avs":"eigenda","setId":1,"strategies":["native","steth"]},"seq":5,"type":"rewards.OperatorSetRecorded"},{"body":{"avs":"eigenda","change":"joined","epoch":0,"operator":"op1","setId":1},"seq":6,"type":"rewards.AllocationRecorded"},{"body":{"avs":"eigenda","change":"allocated","currentMagnitudeWad":"0","effectEpoch":1,"epoch":0,"magnitudeWad":"1000000000000000000","operator":"op1","pendingDiffWad":"1000000000000000000","setId":1,"strategy":"steth"},"seq":7,"type":"rewards.AllocationRecorded"},{"body":{"avs":"eigenda","change":"joined","epoch":0,"operator":"op2","setId":1},"seq":8,"type":"rewards.AllocationRecorded"},{"body":{"avs":"eigenda","change":"allocated","currentMagnitudeWad":"0","effectEpoch":1,"epoch":0,"magnitudeWad":"500000000000000000","operator":"op2","pendingDiffWad":"500000000000000000","setId":1,"strategy":"native"},"seq":9,"type":"rewards.AllocationRecorded"},{"body":{"ledgerSeq":1001,"operatorShares":[{"operator":"op1","shares":"32000000000000000000","strategy":"native"},{"operator":"op1","shares":"1000000000000000003","strategy":"steth"}],"stakes":[{"depositShares":"32000000000000000000","operator":"op1","scaledShares":"32000000000000000000","staker":"s0","strategy":"native","withdrawableShares":"32000000000000000000"},{"depositShares":"1000000000000000003","operator":"op1","scaledShares":"1000000000000000003","staker":"s0","strategy":"steth","withdrawableShares":"1000000000000000003"}]},"seq":10,"type":"rewards.RestakeStakesRecorded"},{"body":{"ledgerSeq":1002,"operatorShares":[{"operator":"op2","shares":"64000000000000000000","strategy":"native"},{"operator":"op2","shares":"2000000000000000003","strategy":"steth"}],"stakes":[{"depositShares":"64000000000000000000","operator":"op2","scaledShares":"64000000000000000000","staker":"s1","strategy":"native","withdrawableShares":"64000000000000000000"},{"depositShares":"2000000000000000003","operator":"op2","scaledShares":"2000000000000000003","staker":"s1","strategy":"steth","withdrawableShares":"2000000000000000003"}]},"seq":11,"type":"rewards.RestakeStakesRecorded"},{"body":{"ledgerSeq":1003,"operatorShares":[{"operator":"op1","shares":"128000000000000000000","strategy":"native"},{"operator":"op1","shares":"4000000000000000006","strategy":"steth"}],"stakes":[{"depositShares":"96000000000000000000","operator":"op1","scaledShares":"96000000000000000000","staker":"s2","strategy":"native","withdrawableShares":"96000000000000000000"},{"depositShares":"3000000000000000003","operator":"op1","scaledShares":"3000000000000000003","staker":"s2","strategy":"steth","withdrawableShares":"3000000000000000003"}]},"seq":12,"type":"rewards.RestakeStakesRecorded"},{"body":{"ledgerSeq":1004,"operatorShares":[{"operator":"op2","shares":"192000000000000000000","strategy":"native"},{"operator":"op2","shares":"6000000000000000006","strategy":"steth"}],"stakes":[{"depositShares":"128000000000000000000","operator":"op2","scaledShares":"128000000000000000000","staker":"s3","strategy":"native","withdrawableShares":"128000000000000000000"},{"depositShares":"4000000000000000003","operator":"op2","scaledShares":"4000000000000000003","staker":"s3","strategy":"steth","withdrawableShares":"4000000000000000003"}]},"seq":13,"type":"rewards.RestakeStakesRecorded"},{"body":{"amountWei":"40000000000000000017","avs":"eigenda","epochs":40,"perEpochWei":"1000000000000000000","setId":1,"startEpoch":2,"submission":2000},"seq":16,"type":"rewards.AVSRewardsSubmitted"},{"body":{"epoch":2},"seq":17,"type":"rewards.EpochProcessed"},{"body":{"epoch":3},"seq":18,"type":"rewards.EpochProcessed"},{"body":{"epoch":4},"seq":19,"type":"rewards.EpochProcessed"},{"body":{"account":"s0","amountWei":"26999999999999999","bySource":[{"amountWei":"26999999999999999","avs":"eigenda","setId":1}]},"seq":20,"type":"rewards.AVSRewardsClaimed"},{"body":{"epoch":5},"seq":21,"type":"rewards.EpochProcessed"},{"body":{"epoch":6},"seq":22,"type":"rewards.EpochProcessed"}]}"#
}

extension RestakingLedgerDomainTests {
    @Test func literalOldLedgerSnapshotRestoresToTheSameState() throws {
        let world = try restakedWorld()
        let live = world.ledger.snapshot()
        let old = try JSONCodec.parse(Array(OldSnapshotFixtures.ledgerRestaking.utf8))
        #expect(old["shareEvents"] != nil && old["shareSide"] == nil)
        // The journal-built old form of CompactSnapshotTests is what the old code wrote.
        #expect(try old.array("shareEvents") == oldLog(world.journals["ledger"]!, Self.oldShareEventTypes).array)
        let restored = try LedgerDomain(snapshot: live.setting("restaking", old))
        #expect(restored.snapshot() == live)
    }
}

extension AVSSlashingDomainTests {
    @Test func literalOldSlashingSnapshotRestoresToTheSameState() throws {
        let world = try slashedWorld()
        let live = world.slashing.snapshot()
        let old = try JSONCodec.parse(Array(OldSnapshotFixtures.slashingRestaking.utf8))
        #expect(try old.array("bookEvents") == oldLog(world.journals["slashing"]!, Self.oldBookEventTypes).array)
        let restored = try SlashingDomain(snapshot: live.setting("restaking", old))
        #expect(restored.snapshot() == live)
    }
}

extension AVSRewardsDomainTests {
    @Test func literalOldRewardsSnapshotRestoresToTheSameState() throws {
        let world = try rewardedWorld()
        let live = world.rewards.snapshot()
        let old = try JSONCodec.parse(Array(OldSnapshotFixtures.rewardsAVSRewards.utf8))
        #expect(try old.array("log").count > 15)
        let restored = try RewardsDomain(snapshot: live.setting("avsRewards", old))
        #expect(restored.snapshot() == live)
    }
}

extension JSON {
    /// The elements of an array value (empty for anything else).
    var array: [JSON] {
        if case .array(let items) = self { return items }
        return []
    }
}
