import Contracts
import Foundation
import Testing

/// reference/restaking.md §4's EigenLayer test vectors reproduced through the running services
/// and the real CLI (issue #6): T1, T3, T4, T5, T8, T11, T12 in one stack on one timeline (one
/// 3151-epoch escrow serves them all), T14 and dual slashing in both orders with natively
/// restaked validators in another. Epochs replace blocks: the deallocation delay, the slashable
/// window after leaving and the withdrawal escrow are 3150 epochs (EigenLayer's 100800 blocks);
/// allocation delays are the operators' own (1 epoch here, EigenLayer's unit tests use 7200).
///
/// Every expected number is computed here with EigenLayer's formulas (SlashingLib's rounding,
/// `RestakingCLI`'s primitives) from the vector's inputs, never read back from the services.
/// Where the vector's absolute numbers are reproduced exactly it says so; where they cannot be
/// (a beacon-chain loss is a slashing penalty here, not an arbitrary checkpoint delta) the
/// structure is the vector's and the numbers follow from the balances the chain reports.
///
/// Beyond the vectors, on the same timelines: AVS rewards across an operator's leave window,
/// two slashes in one epoch against an escrowed withdrawal (§2.8), odd-fraction rounding over
/// several delegators; for native stake a queued withdrawal slashed in escrow and then by the
/// beacon chain (current BCSF at completion, completed as shares), delegation after a
/// beacon-chain loss, checkpoints that rise and fall, AVS rewards by BCSF-scaled shares, and the
/// same views after restarting the ledger and slashing.
@Suite("Restaking vectors")
struct RestakingVectorsTests {
    static let wad = RestakingCLI.wad
    static let escrow: UInt64 = 3150
    typealias R = RestakingCLI

    func amount(_ json: JSON?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) -> UInt128 {
        R.amount(json, key, sourceLocation: sourceLocation)
    }

    /// The slash result's entry for `strategy` (slashing's `OperatorSlashed` body).
    func slashed(_ result: JSON, _ strategy: String = "reth") -> JSON? {
        R.items(result["strategies"]).first { $0["strategy"] == .string(strategy) }
    }

    /// The ledger's record of the latest slash of `strategy` in a `avs slash --json` result
    /// (`ledger.restake.operator`'s slashes of the set: one record per slash and strategy).
    func ledgerSlash(_ result: JSON, _ strategy: String = "reth") -> JSON? {
        R.items(result["ledger"]).last { $0["strategy"] == .string(strategy) }
    }

    /// `name` stakes `eth` into the reth pool (0.05 % deposit fee), restakes exactly `reth`
    /// and delegates to `operator`. The strategy is priced 1:1 here (no slash yet, so its
    /// balance equals its total shares, and the virtual offsets cancel):
    /// `floor(a × (T + 1e3) / (B + 1e3)) = a`, so the vector's share amounts are exact.
    func restakeReth(_ cli: RestakingCLI, _ name: String, eth: String, reth: UInt128, to operatorName: String) throws {
        try cli.json("eth", "deposit", name, eth)
        try cli.json("stake", name, eth, "--pool", "reth")
        try #require(try cli.token(name, "rethWei") >= reth, "\(name) holds enough reth")
        let deposited = try cli.json("restake", "deposit", name, R.decimal(reth), "reth")
        #expect(amount(deposited, "shares") == reth, "\(name)'s deposit at 1:1")
        try cli.json("delegate", name, operatorName)
    }

    // MARK: T1, T3, T4, T5, T8, T11, T12

    @Test("T1 T3 T4 T5 T8 T11 T12: slashing magnitudes, deallocation and leave windows, queued withdrawals, through the CLI")
    func magnitudeVectors() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let cli = RestakingCLI(stack: stack)
        let wad = Self.wad

        // One AVS (set 1, reth) per vector; T12's ELIP-002 example has three AVSs.
        let operators = ["o1", "o3", "o12", "o4", "o5a", "o5b", "o5c", "o8", "o11", "ol", "or", "oz"]
        for name in operators {
            try cli.json("operator", "register", name, "--restaking", "--allocation-delay", "1")
        }
        for avs in ["v1", "v3", "a1", "a2", "eigenda", "dd", "q", "h", "lw", "z"] {
            try cli.json("avs", "register", avs)
            try cli.json("avs", "set", "create", "\(avs)/1", "--strategies", "reth")
        }
        let allocations: [(String, String, String)] = [
            ("o1", "v1/1", "1"), ("o3", "v3/1", "1"), ("o12", "a1/1", "0.2"), ("o12", "a2/1", "0.25"), ("o12", "eigenda/1", "0.2"),
            ("o4", "dd/1", "1"), ("o5a", "dd/1", "1"), ("o5b", "dd/1", "1"), ("o5c", "dd/1", "1"), ("o8", "q/1", "1"), ("o11", "h/1", "1"),
            ("ol", "lw/1", "1"), ("or", "lw/1", "1"), ("oz", "z/1", "1"),
        ]
        for (name, set, magnitude) in allocations {
            try cli.json("operator", "join", name, set)
            let allocated = try cli.json("operator", "allocate", name, set, "reth", magnitude)
            // An increase takes effect after the operator's own delay (1 epoch).
            #expect(amount(allocated, "effectEpoch") == 1, "\(allocated)")
        }
        // Deposits, all before any slash (1:1): T1's and T3's 1e18 operator shares
        // (DEFAULT_OPERATOR_SHARES), T12's 200e18, T8's 120e18, T11's 100e18 exactly.
        try restakeReth(cli, "t1", eth: "1.5", reth: wad, to: "o1")
        try restakeReth(cli, "t3", eth: "1.5", reth: wad, to: "o3")
        try restakeReth(cli, "t12", eth: "201", reth: 200 * wad, to: "o12")
        try restakeReth(cli, "t4", eth: "1.5", reth: wad, to: "o4")
        try restakeReth(cli, "t5", eth: "1.5", reth: wad, to: "o5a")
        try restakeReth(cli, "t8", eth: "121", reth: 120 * wad, to: "o8")
        try restakeReth(cli, "t11", eth: "101", reth: 100 * wad, to: "o11")
        try restakeReth(cli, "tl", eth: "1.5", reth: wad, to: "ol")
        try restakeReth(cli, "tr", eth: "3.5", reth: 3 * wad, to: "or")
        let oddDeposits: [(String, UInt128)] = [("z1", wad + 1), ("z2", 2 * wad + 3), ("z3", 7 * wad / 10 + 7)]
        for (name, reth) in oddDeposits { try restakeReth(cli, name, eth: "2.5", reth: reth, to: "oz") }
        try cli.expectAuditExact()
        try cli.epochs(1)  // epoch 1: every allocation in effect
        #expect(try cli.chainEpoch() == 1)
        var burned: UInt128 = 0

        // The leave window in AVS rewards (DOMAIN.md: each epoch's slice goes to the operators
        // slashable at that epoch): lw/1 pays ol (1e18 shares) and or (3e18) from epoch 1 over
        // 3155 epochs; ol leaves at b = 2 and is paid through b + 3150, not after. Each index
        // has one holder; the expected accruals are recomputed naively per epoch (split 10 %,
        // the index's carry and residue, as RestakingRewardsTests restates them).
        let leaveAmount: UInt128 = 3155 * 1_000_000_000_000_000 + 7
        try cli.json("eth", "deposit", "lw", "4")
        try cli.json("avs", "rewards", "submit", "lw/1", R.decimal(leaveAmount), "eth", "--epochs", "3155")
        func leaveWindowAccruals(through last: UInt64) -> [String: UInt128] {
            var accrued: [String: UInt128] = [:]
            var carry: [String: UInt128] = [:], residue: [String: UInt128] = [:]
            let holders = ["ol": ("tl", wad), "or": ("tr", 3 * wad)]
            for epoch in UInt64(1)...last {
                let slice = epoch == 3155 ? leaveAmount - leaveAmount / 3155 * 3154 : leaveAmount / 3155
                let paid: [(String, UInt128)] = epoch <= 2 + Self.escrow ? [("ol", wad), ("or", 3 * wad)] : [("or", 3 * wad)]
                let total = paid.reduce(UInt128(0)) { $0 + $1.1 }
                for (op, weight) in paid {
                    let part = R.mulDiv(slice, weight, total)
                    let kept = part * 1000 / 10_000
                    accrued[op, default: 0] += kept
                    let (holder, stake) = holders[op]!
                    let scaled = (part - kept) * wad + carry[op, default: 0]
                    let delta = scaled / stake
                    carry[op] = scaled % stake
                    let owed = stake * delta + residue[op, default: 0]
                    accrued[holder, default: 0] += owed / wad
                    residue[op] = owed % wad
                }
            }
            return accrued
        }
        func expectLeaveWindowAccruals(through last: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let expected = leaveWindowAccruals(through: last)
            for account in ["tl", "tr", "ol", "or"] {
                #expect(amount(try cli.json("rewards", "show", account), "claimableWei") == expected[account] ?? 0,
                        "\(account) through epoch \(last)", sourceLocation: sourceLocation)
            }
        }

        // T1: slash 25 % after a full allocation: current = max = encumbered = 75e16,
        // allocatable 0, wadSlashed 25e16; the slashable stake 1e18.mulWad(75e16) = 75e16.
        // Same as the unit test; differs: the test's DelegationManager is a mock whose shares
        // stay 1e18, here the ledger cuts them to ceil(1e18 × 0.75) and current/max = 1.
        let t1 = try cli.json("avs", "slash", "v1/1", "o1", "25%", "--reason", "T1")
        let t1Expected = R.slash(current: wad, max: wad, fraction: wad / 4)
        #expect(amount(slashed(t1), "slashedMagnitudeWad") == 25 * wad / 100)
        #expect(amount(slashed(t1), "wadSlashed") == t1Expected.wadSlashed && t1Expected.wadSlashed == 25 * wad / 100)
        #expect(try cli.magnitudes("o1", "v1/1", "reth") == .init(current: 75 * wad / 100, max: 75 * wad / 100,
                                                                   encumbered: 75 * wad / 100, allocatable: 0))
        let o1Shares = try cli.operatorShares("o1", "reth")
        #expect(o1Shares == R.sharesAfter(wad, prevMax: wad, newMax: t1Expected.max))
        #expect(R.allocatedStake(shares: o1Shares, current: t1Expected.current, max: t1Expected.max) == 75 * wad / 100)
        #expect(R.mulWad(wad, 75 * wad / 100) == 75 * wad / 100)
        #expect(try cli.withdrawable("t1", "reth") == R.withdrawable(wad, dsf: wad, sf: t1Expected.max))
        burned += wad - o1Shares

        // T3: 99 %, 99.99 %, then WAD − 1e3 takes the magnitude to exactly 0 (ceil), and the
        // third reports wadSlashed = WAD; slash ids 1, 2, 3. Exactly the vector's numbers.
        var t3 = (current: wad, max: wad)
        var o3Shares = wad
        let steps: [(String, UInt128, UInt128)] = [
            ("99%", 99 * wad / 100, wad / 100), ("99.99%", 9999 * wad / 10_000, 1_000_000_000_000),
            ("999999999999999000wad", wad - 1000, 0),
        ]
        for (index, (fraction, wadToSlash, magnitudeAfter)) in steps.enumerated() {
            let result = try cli.json("avs", "slash", "v3/1", "o3", fraction, "--reason", "T3 step \(index + 1)")
            let expected = R.slash(current: t3.current, max: t3.max, fraction: wadToSlash)
            #expect(expected.current == magnitudeAfter && expected.max == magnitudeAfter)
            #expect(amount(result, "slashId") == UInt128(index + 1))
            #expect(amount(slashed(result), "slashedMagnitudeWad") == expected.slashedMag)
            #expect(amount(slashed(result), "wadSlashed") == expected.wadSlashed)
            #expect(try cli.magnitudes("o3", "v3/1", "reth") == .init(current: magnitudeAfter, max: magnitudeAfter,
                                                                       encumbered: magnitudeAfter, allocatable: 0))
            let after = R.sharesAfter(o3Shares, prevMax: t3.max, newMax: expected.max)
            #expect(try cli.operatorShares("o3", "reth") == after, "T3 step \(index + 1)")
            #expect(try cli.withdrawable("t3", "reth") == R.withdrawable(wad, dsf: wad, sf: expected.max))
            burned += o3Shares - after
            o3Shares = after
            t3 = (expected.current, expected.max)
        }
        #expect(R.slash(current: 1_000_000_000_000, max: 1_000_000_000_000, fraction: wad - 1000).wadSlashed == wad)
        // Rounding with several delegators and odd fractions: the operator's shares are
        // EigenLayer's ceil(shares × newMax / prevMax) after each slash, each staker's
        // withdrawable floor(ds × max / WAD), and their sum never exceeds the operator's shares.
        var oz = (current: wad, max: wad)
        var ozShares = oddDeposits.reduce(UInt128(0)) { $0 + $1.1 }
        for fraction: UInt128 in [333_333_333_333_333_333, 123_456_700_000_000_000, wad - 1] {
            try cli.json("avs", "slash", "z/1", "oz", "\(fraction)wad", "--reason", "odd rounding")
            let cut = R.slash(current: oz.current, max: oz.max, fraction: fraction)
            let after = R.sharesAfter(ozShares, prevMax: oz.max, newMax: cut.max)
            #expect(try cli.operatorShares("oz", "reth") == after, "oz after \(fraction)")
            var sum: UInt128 = 0
            for (name, reth) in oddDeposits {
                let expected = R.withdrawable(reth, dsf: wad, sf: cut.max)
                #expect(try cli.withdrawable(name, "reth") == expected, "\(name) after \(fraction)")
                sum += expected
            }
            #expect(sum <= after)
            burned += ozShares - after
            ozShares = after
            oz = (cut.current, cut.max)
        }
        #expect(try cli.burned("reth") == burned)

        // Fully slashed: EigenLayer refuses a deposit under a 0 slashing factor.
        try cli.refused(1, "fully_slashed", "restake", "deposit", "t3", "0.1", "reth")

        // T12 (ELIP-002 in WAD, derived): AVS1 0.2, AVS2 0.25, EigenDA 0.2 on 200e18 shares;
        // slashing AVS1 by 50 %: slashedMag 1e17, wadSlashed 1e17, max 9e17, encumbered
        // 5.5e17, operator shares 180e18. Exactly the vector's numbers.
        let t12 = try cli.json("avs", "slash", "a1/1", "o12", "50%", "--reason", "T12")
        #expect(amount(slashed(t12), "slashedMagnitudeWad") == wad / 10)
        #expect(amount(slashed(t12), "wadSlashed") == wad / 10)
        #expect(amount(slashed(t12), "newMaxMagnitudeWad") == 9 * wad / 10)
        let a1 = try cli.magnitudes("o12", "a1/1", "reth")
        #expect(a1 == .init(current: wad / 10, max: 9 * wad / 10, encumbered: 55 * wad / 100, allocatable: 35 * wad / 100))
        let a2 = try cli.magnitudes("o12", "a2/1", "reth"), eigenda = try cli.magnitudes("o12", "eigenda/1", "reth")
        #expect(a2.current == 25 * wad / 100 && eigenda.current == 2 * wad / 10)
        let o12Shares = try cli.operatorShares("o12", "reth")
        #expect(o12Shares == 180 * wad)
        #expect(try cli.withdrawable("t12", "reth") == 180 * wad)
        burned += 20 * wad
        // The allocated-stake views from what the services report (the services expose no such
        // view; rewards weighs operators with it, RestakingRewardsTests checks that): the
        // vector's exact "20/50/40" with divWad(1e17, 9e17)'s rounding.
        #expect(R.allocatedStake(shares: o12Shares, current: a1.current, max: a1.max) == 19_999_999_999_999_999_980)
        #expect(R.allocatedStake(shares: o12Shares, current: a2.current, max: a2.max) == 49_999_999_999_999_999_860)
        #expect(R.allocatedStake(shares: o12Shares, current: eigenda.current, max: eigenda.max) == 39_999_999_999_999_999_960)

        // T11: the operator at magnitude 0.5, the staker queues its 100e18 deposit shares and
        // then undelegates: the queued withdrawal shows 50e18. Exactly the vector's numbers.
        try cli.json("avs", "slash", "h/1", "o11", "50%", "--reason", "T11")
        burned += 50 * wad
        let t11Queued = try cli.json("restake", "withdraw", "queue", "t11", "reth", String(100 * wad), "--raw")
        #expect(amount(t11Queued["withdrawal"], "scaledShares") == 100 * wad)
        let t11ID = amount(t11Queued["withdrawal"], "id")
        try cli.json("undelegate", "t11")
        let t11View = try cli.json("restake", "show", "t11")
        #expect(t11View["delegatedTo"] == .null)
        let t11Withdrawals = R.items(t11View["withdrawals"])
        #expect(t11Withdrawals.count == 1, "undelegating with nothing left queues nothing more: \(t11View)")
        #expect(amount(t11Withdrawals.first, "sharesNow") == 50 * wad)
        #expect(try cli.operatorShares("o11", "reth") == 0)
        try cli.expectAuditExact()
        #expect(try cli.burned("reth") == burned)

        // T8's queue: five withdrawals of 20e18 at epochs s … s + 4 (s = 1). At b = 2 the
        // deallocations (T4: 1 → 0.5; T5: 1 → 0, twice) and o5c's leave start their windows.
        var t8IDs: [UInt128] = []
        var t12ID: UInt128 = 0
        let s = try cli.chainEpoch()
        for step in 0..<5 {
            if step > 0 { try cli.epochs(1) }
            let queued = try cli.json("restake", "withdraw", "queue", "t8", "reth", String(20 * wad), "--raw")
            #expect(amount(queued["withdrawal"], "startEpoch") == UInt128(s) + UInt128(step))
            t8IDs.append(amount(queued["withdrawal"], "id"))
            if step == 1 {
                let b = try cli.chainEpoch()
                for (name, magnitude) in [("o4", "0.5"), ("o5a", "0"), ("o5b", "0")] {
                    let deallocated = try cli.json("operator", "allocate", name, "dd/1", "reth", magnitude)
                    #expect(amount(deallocated, "effectEpoch") == UInt128(b + Self.escrow + 1), "\(deallocated)")
                }
                try cli.json("operator", "leave", "ol", "lw/1")
                // t12 queues 90e18 of its 200e18 deposit shares under o12 at magnitude 0.9.
                let queued = try cli.json("restake", "withdraw", "queue", "t12", "reth", String(90 * wad), "--raw")
                #expect(amount(queued["withdrawal"], "scaledShares") == 90 * wad)
                t12ID = amount(queued["withdrawal"], "id")
                let left = try cli.json("operator", "leave", "o5c", "dd/1")
                #expect(amount(left, "slashableUntilEpoch") == UInt128(b + Self.escrow))
            }
        }
        let b = s + 1
        #expect(try cli.operatorShares("o8", "reth") == 20 * wad)
        try cli.expectAuditExact()

        // b + 3150 = s + 3151 (T5, the deallocation window's last epoch): a 100 % slash of o5a
        // (deallocating to 0) takes max to 0, allocatable 0; o5c, which left at b, is still
        // slashable. T11's withdrawal is released (s + 3151) and pays 50e18 reth.
        try cli.epochs(b + Self.escrow - (try cli.chainEpoch()))
        #expect(try cli.chainEpoch() == b + Self.escrow)
        try expectLeaveWindowAccruals(through: b + Self.escrow - 1)
        let t5a = try cli.json("avs", "slash", "dd/1", "o5a", "100%", "--reason", "T5 in window")
        #expect(amount(slashed(t5a), "slashedMagnitudeWad") == wad)
        #expect(amount(slashed(t5a), "newMaxMagnitudeWad") == 0)
        let o5a = try cli.magnitudes("o5a", "dd/1", "reth")
        #expect(o5a.max == 0 && o5a.allocatable == 0 && o5a.encumbered == 0, "\(o5a)")
        #expect(try cli.operatorShares("o5a", "reth") == 0)
        #expect(try cli.withdrawable("t5", "reth") == 0)
        burned += wad
        let o5cSlash = try cli.json("avs", "slash", "dd/1", "o5c", "10%", "--reason", "T5 leave window, last epoch")
        #expect(amount(slashed(o5cSlash), "newMaxMagnitudeWad") == 9 * wad / 10)
        let t11Before = try cli.token("t11", "rethWei")
        let t11Completed = try cli.json("restake", "withdraw", "complete", "t11", String(t11ID), "--as", "tokens")
        #expect(amount(t11Completed, "shares") == 50 * wad)
        #expect(try cli.token("t11", "rethWei") == t11Before + 50 * wad)
        // T8: the withdrawal queued at s is released now; at s + 1 not yet.
        try cli.refused(1, "withdrawal_delay_not_elapsed", "restake", "withdraw", "complete", "t8", String(t8IDs[1]), "--as", "tokens")
        // Two slashes of o12 in t12's withdrawal's last slashable epoch (b + 3150), by two
        // sets: the max-magnitude history keeps one entry for the epoch, the last (§2.8), which
        // the withdrawal pays at; each slash also cuts the escrowed shares, valued at its
        // previous max: floor(90e18 × prevMax / WAD) → ceil(· × newMax / prevMax).
        var o12Active = 180 * wad - R.withdrawable(90 * wad, dsf: wad, sf: 9 * wad / 10)
        #expect(try cli.operatorShares("o12", "reth") == o12Active)
        var o12Max = 9 * wad / 10
        var queuedBurned: UInt128 = 0
        for (set, current) in [("a2/1", 25 * wad / 100), ("eigenda/1", 2 * wad / 10)] {
            let cut = R.slash(current: current, max: o12Max, fraction: wad / 2)
            let result = try cli.json("avs", "slash", set, "o12", "50%", "--reason", "twice in one epoch")
            #expect(amount(slashed(result), "newMaxMagnitudeWad") == cut.max)
            let inQueue = R.mulWad(90 * wad, o12Max)
            let queueCut = inQueue - R.sharesAfter(inQueue, prevMax: o12Max, newMax: cut.max)
            let activeCut = o12Active - R.sharesAfter(o12Active, prevMax: o12Max, newMax: cut.max)
            #expect(amount(ledgerSlash(result), "queuedSharesSlashed") == queueCut, "\(result)")
            #expect(amount(ledgerSlash(result), "operatorSharesSlashed") == activeCut, "\(result)")
            burned += queueCut + activeCut
            queuedBurned += queueCut
            o12Active -= activeCut
            o12Max = cut.max
        }
        #expect(o12Max == 675 * wad / 1000 && queuedBurned == 2025 * wad / 100)
        #expect(try cli.operatorShares("o12", "reth") == o12Active)
        #expect(try cli.withdrawable("t12", "reth") == R.withdrawable(110 * wad, dsf: wad, sf: o12Max))
        #expect(try cli.burned("reth") == burned)
        try cli.expectAuditExact()

        // b + 3151 = s + 3152 = s + 1 + D + 1. ol was paid for its window's last epoch.
        try cli.epochs(1)
        try expectLeaveWindowAccruals(through: b + Self.escrow)
        // T4: the deallocation to 0.5 is effective but not cleared; 25 %: slashedMag
        // ceil(5e17 × 25e16 / 1e18) = 125e15, current = encumbered = 375e15, max 875e15.
        // Exactly the vector's numbers.
        let t4 = try cli.json("avs", "slash", "dd/1", "o4", "25%", "--reason", "T4")
        #expect(amount(slashed(t4), "slashedMagnitudeWad") == 125 * wad / 1000)
        #expect(try cli.magnitudes("o4", "dd/1", "reth") == .init(current: 375 * wad / 1000, max: 875 * wad / 1000,
                                                                   encumbered: 375 * wad / 1000, allocatable: 500 * wad / 1000))
        #expect(try cli.operatorShares("o4", "reth") == R.sharesAfter(wad, prevMax: wad, newMax: 875 * wad / 1000))
        burned += wad - R.sharesAfter(wad, prevMax: wad, newMax: 875 * wad / 1000)
        // t12's withdrawal pays at o12's magnitude at b + 3150, after both slashes: 60.75e18.
        let t12Before = try cli.token("t12", "rethWei")
        let t12Completed = try cli.json("restake", "withdraw", "complete", "t12", String(t12ID), "--as", "tokens")
        #expect(amount(t12Completed, "shares") == R.mulWad(90 * wad, o12Max))
        #expect(try cli.token("t12", "rethWei") == t12Before + 6075 * wad / 100)
        // T5: the same 100 % slash one epoch later (o5b) takes nothing: the deallocation has
        // completed, the strategy is skipped, max = allocatable = WAD.
        let t5b = try cli.json("avs", "slash", "dd/1", "o5b", "100%", "--reason", "T5 after window")
        #expect(R.items(t5b["strategies"]).isEmpty, "\(t5b)")
        let o5b = try cli.magnitudes("o5b", "dd/1", "reth")
        #expect(o5b.max == wad && o5b.allocatable == wad, "\(o5b)")
        // …and the leave window has ended for o5c.
        try cli.refused(1, "operator_not_slashable", "avs", "slash", "dd/1", "o5c", "10%", "--reason", "T5 leave window over")

        // T8: a full slash at s + 1 + D + 1 takes the active 20e18 and the 60e18 queued at
        // s + 2 … s + 4 (still in escrow); the two earlier withdrawals escape. 80e18 burned.
        let t8 = try cli.json("avs", "slash", "q/1", "o8", "100%", "--reason", "T8")
        #expect(amount(ledgerSlash(t8), "operatorSharesSlashed") == 20 * wad, "\(t8)")
        #expect(amount(ledgerSlash(t8), "queuedSharesSlashed") == 60 * wad, "\(t8)")
        #expect(amount(ledgerSlash(t8), "burnedWei") == 80 * wad, "\(t8)")
        burned += 80 * wad
        #expect(try cli.burned("reth") == burned)
        let t8Withdrawals = R.items(try cli.json("restake", "show", "t8")["withdrawals"])
        for (index, id) in t8IDs.enumerated() {
            let withdrawal = t8Withdrawals.first { amount($0, "id") == id }
            #expect(amount(withdrawal, "sharesNow") == (index < 2 ? 20 * wad : 0), "T8 withdrawal \(index)")
        }
        // Those two pay in full (the magnitude at their start + 3150 was WAD).
        let t8Before = try cli.token("t8", "rethWei")
        for id in t8IDs[0..<2] {
            let completed = try cli.json("restake", "withdraw", "complete", "t8", String(id), "--as", "tokens")
            #expect(amount(completed, "shares") == 20 * wad)
        }
        #expect(try cli.token("t8", "rethWei") == t8Before + 40 * wad)
        // A second slash finds nothing left to take (magnitude 0: skipped), burns nothing.
        let again = try cli.json("avs", "slash", "q/1", "o8", "50%", "--reason", "T8 again")
        #expect(R.items(again["strategies"]).isEmpty, "\(again)")
        #expect(try cli.burned("reth") == burned)
        // The withdrawal queued at s + 2, released at s + 3153, pays floor(scaled × 0 / WAD) = 0:
        // EigenLayer skips the strategy and the withdrawal is done.
        try cli.epochs(1)
        // ol was not paid for b + 3151 (or took the whole slice).
        try expectLeaveWindowAccruals(through: b + Self.escrow + 1)
        let zero = try cli.json("restake", "withdraw", "complete", "t8", String(t8IDs[2]), "--as", "tokens")
        #expect(amount(zero, "shares") == 0)
        #expect(try cli.token("t8", "rethWei") == t8Before + 40 * wad)
        try cli.refused(1, "withdrawal_not_found", "restake", "withdraw", "complete", "t8", String(t8IDs[2]), "--as", "tokens")
        try cli.expectAuditExact()
    }

    // MARK: T14 and dual slashing

    @Test("T14 both scenarios and dual slashing both orders, natively restaked validators")
    func dualSlashing() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let cli = RestakingCLI(stack: stack)
        let wad = Self.wad
        let thirtyTwo = 32 * wad

        for name in ["op", "op2", "op3", "op4"] {
            try cli.json("operator", "register", name, "--restaking", "--allocation-delay", "1")
        }
        try cli.json("avs", "register", "eigen")
        try cli.json("avs", "set", "create", "eigen/1", "--strategies", "native")
        for name in ["op", "op2", "op3", "op4"] {
            try cli.json("operator", "join", name, "eigen/1")
            try cli.json("operator", "allocate", name, "eigen/1", "native", "1")
        }
        // Validators 0, 1 (a), 2, 3 (b), 4 (c), 5 (d), 6 (e), 7 (f).
        for (name, count) in [("a", 2), ("b", 2), ("c", 1), ("d", 1), ("e", 1), ("f", 1)] {
            try cli.json("eth", "deposit", name, String(32 * count))
            for _ in 0..<count { try cli.json("validator", "deposit", name) }
        }
        // Restakable once its activation is scheduled (EigenLayer: verifyWithdrawalCredentials
        // of an active validator); slashable once active.
        func validator(_ id: Int) throws -> JSON { try cli.json("validator", "show", String(id)) }
        var waited = 0
        while try validator(0)["activationEpoch"] == .null {
            try #require(waited < 10, "activation never scheduled")
            try cli.epochs(1)
            waited += 1
        }
        let activation = UInt64(clamping: amount(try validator(0), "activationEpoch"))
        for (name, id) in [("a", 0), ("b", 2), ("c", 4), ("d", 5), ("e", 6), ("f", 7)] {
            let verified = try cli.json("restake", "native", name, String(id))
            #expect(amount(verified, "restakedWei") == thirtyTwo)
        }
        try cli.json("delegate", "a", "op")
        try cli.json("delegate", "b", "op")
        try cli.json("delegate", "c", "op2")
        try cli.json("delegate", "d", "op3")
        try cli.json("delegate", "e", "op4")
        #expect(try cli.operatorShares("op", "native") == 2 * thirtyTwo)

        // T14's start: 32 ETH, operator magnitude 0.25 (a 75 % slash of a full allocation):
        // withdrawable 8 ETH. Exactly the vector's numbers.
        try cli.json("avs", "slash", "eigen/1", "op", "75%", "--reason", "T14")
        let magnitude = wad / 4
        var nativeBurned = 2 * thirtyTwo - R.sharesAfter(2 * thirtyTwo, prevMax: wad, newMax: magnitude)
        var opShares = R.sharesAfter(2 * thirtyTwo, prevMax: wad, newMax: magnitude)
        #expect(try cli.withdrawable("a", "native") == 8 * wad)
        #expect(try cli.withdrawable("b", "native") == 8 * wad)
        #expect(try cli.operatorShares("op", "native") == opShares)

        // Scenario A, step 1: verify another 32 ETH validator → DSF 2.5e18, withdrawable 40 ETH
        // (exactly the vector's numbers).
        try cli.json("restake", "native", "a", "1")
        let dsfA = R.updatedDSF(prevDs: thirtyTwo, dsf: wad, added: thirtyTwo, sf: magnitude)
        #expect(dsfA == 25 * wad / 10)
        let positionA = try cli.position("a", "native")
        #expect(amount(positionA, "depositScalingFactorWad") == dsfA)
        #expect(amount(positionA, "withdrawableShares") == 40 * wad)
        opShares += thirtyTwo
        #expect(try cli.operatorShares("op", "native") == opShares)
        try cli.expectAuditExact()

        // Validators active: beacon-chain slashing possible.
        let now = try cli.chainEpoch()
        if activation > now { try cli.epochs(activation - now) }
        try #require(try validator(0)["status"] == .string("active_ongoing"))

        /// The beacon-chain loss of `account`'s pod as the chain reports it: the pod's
        /// restaked balance before (the verified effective balances: no checkpoint since) and
        /// now (Σ its validators' balances; nothing swept into it yet).
        func podBalance(_ ids: [Int]) throws -> UInt128 {
            try ids.reduce(UInt128(0)) { $0 + R.amount(try validator($1), "balanceGwei") * 1_000_000_000 }
        }
        /// EigenPodManager._reduceSlashingFactor: newBCSF = floor(prev × (before − decrease) / before).
        func bcsfAfter(_ previous: UInt128, before: UInt128, now: UInt128) -> UInt128 {
            R.mulDiv(previous, now, before)
        }
        /// Operator shares removed: floor(floor(ds × dsf / WAD) × floor(maxMag × decrease / WAD) / WAD).
        func beaconRemoval(ds: UInt128, dsf: UInt128, maxMagnitude: UInt128, decrease: UInt128) -> UInt128 {
            R.mulWad(R.mulWad(ds, dsf), R.mulWad(maxMagnitude, decrease))
        }
        func expectCheckpoint(_ account: String, ids: [Int], before: UInt128, bcsf: UInt128,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
            let shown = try cli.json("restake", "show", account)
            let restaked = try podBalance(ids)
            #expect(restaked < before, "a loss", sourceLocation: sourceLocation)
            #expect(amount(shown["pod"], "restakedWei") == restaked, "\(account)'s pod", sourceLocation: sourceLocation)
            #expect(amount(shown, "beaconChainSlashingFactorWad") == bcsf, "\(account)'s BCSF", sourceLocation: sourceLocation)
        }

        // Scenario A, step 2: validator 0 slashed on the beacon chain; the ledger checkpoints
        // a's pod at once: a loss of the initial penalty (eb / 4096) out of 64 ETH, not the
        // vector's 16 of 64, so BCSF and withdrawable follow from the reported balances.
        try cli.json("validator", "slash", "0", "--reason", "T14 A")
        let restakedA = try podBalance([0, 1])
        let bcsfA = bcsfAfter(wad, before: 2 * thirtyTwo, now: restakedA)
        try expectCheckpoint("a", ids: [0, 1], before: 2 * thirtyTwo, bcsf: bcsfA)
        let finalA = R.withdrawable(2 * thirtyTwo, dsf: dsfA, sf: R.mulWad(magnitude, bcsfA))
        #expect(try cli.withdrawable("a", "native") == finalA)
        opShares -= beaconRemoval(ds: 2 * thirtyTwo, dsf: dsfA, maxMagnitude: magnitude, decrease: wad - bcsfA)
        #expect(try cli.operatorShares("op", "native") == opShares)
        // The vector's own numbers through the same functions: BCSF 0.75e18, 30 ETH.
        #expect(bcsfAfter(wad, before: 64 * wad, now: 48 * wad) == 75 * wad / 100)
        #expect(R.withdrawable(64 * wad, dsf: 25 * wad / 10, sf: R.mulWad(magnitude, 75 * wad / 100)) == 30 * wad)

        // Scenario B: the same loss first (validator 2: b's pod had 32 ETH), then another
        // validator verified: DSF from the lowered slashing factor.
        try cli.json("validator", "slash", "2", "--reason", "T14 B")
        let restakedB = try podBalance([2])
        let bcsfB = bcsfAfter(wad, before: thirtyTwo, now: restakedB)
        try expectCheckpoint("b", ids: [2], before: thirtyTwo, bcsf: bcsfB)
        let sfB = R.mulWad(magnitude, bcsfB)
        #expect(try cli.withdrawable("b", "native") == R.withdrawable(thirtyTwo, dsf: wad, sf: sfB))
        opShares -= beaconRemoval(ds: thirtyTwo, dsf: wad, maxMagnitude: magnitude, decrease: wad - bcsfB)
        #expect(try cli.operatorShares("op", "native") == opShares)
        try cli.json("restake", "native", "b", "3")
        let dsfB = R.updatedDSF(prevDs: thirtyTwo, dsf: wad, added: thirtyTwo, sf: sfB)
        let finalB = R.withdrawable(2 * thirtyTwo, dsf: dsfB, sf: sfB)
        let positionB = try cli.position("b", "native")
        #expect(amount(positionB, "depositScalingFactorWad") == dsfB)
        #expect(amount(positionB, "withdrawableShares") == finalB)
        opShares += thirtyTwo
        #expect(try cli.operatorShares("op", "native") == opShares)
        // The vector's own numbers: BCSF 0.5e18 → 4 ETH, then DSF 4.5e18 → 36 ETH.
        let vectorSfB = R.mulWad(magnitude, wad / 2)
        #expect(R.withdrawable(32 * wad, dsf: wad, sf: vectorSfB) == 4 * wad)
        #expect(R.updatedDSF(prevDs: 32 * wad, dsf: wad, added: 32 * wad, sf: vectorSfB) == 45 * wad / 10)
        #expect(R.withdrawable(64 * wad, dsf: 45 * wad / 10, sf: vectorSfB) == 36 * wad)
        // The order changes the result: same validators, same loss, a ends below b.
        #expect(finalA < finalB, "\(finalA) vs \(finalB)")
        try cli.expectAuditExact()

        // Dual slashing, both orders, 50 % AVS slash and the same beacon-chain loss:
        // c: AVS first, then beacon chain; d: beacon chain first, then AVS. The staker ends with
        // the same withdrawable (sf = mulWad(maxMag, BCSF) either way), but what the AVS burns
        // differs: after the beacon-chain loss it slashes only what remains (DualSlashingEdgeCase.md).
        try cli.json("avs", "slash", "eigen/1", "op2", "50%", "--reason", "c: AVS first")
        let half = wad / 2
        var op2Shares = R.sharesAfter(thirtyTwo, prevMax: wad, newMax: half)
        let burnedC = thirtyTwo - op2Shares
        #expect(try cli.withdrawable("c", "native") == 16 * wad)
        try cli.json("validator", "slash", "4", "--reason", "c: beacon chain second")
        let bcsfC = bcsfAfter(wad, before: thirtyTwo, now: try podBalance([4]))
        try expectCheckpoint("c", ids: [4], before: thirtyTwo, bcsf: bcsfC)
        let finalC = R.withdrawable(thirtyTwo, dsf: wad, sf: R.mulWad(half, bcsfC))
        #expect(try cli.withdrawable("c", "native") == finalC)
        op2Shares -= beaconRemoval(ds: thirtyTwo, dsf: wad, maxMagnitude: half, decrease: wad - bcsfC)
        #expect(try cli.operatorShares("op2", "native") == op2Shares)

        try cli.json("validator", "slash", "5", "--reason", "d: beacon chain first")
        let bcsfD = bcsfAfter(wad, before: thirtyTwo, now: try podBalance([5]))
        try expectCheckpoint("d", ids: [5], before: thirtyTwo, bcsf: bcsfD)
        var op3Shares = thirtyTwo - beaconRemoval(ds: thirtyTwo, dsf: wad, maxMagnitude: wad, decrease: wad - bcsfD)
        #expect(try cli.operatorShares("op3", "native") == op3Shares)
        #expect(try cli.withdrawable("d", "native") == R.withdrawable(thirtyTwo, dsf: wad, sf: bcsfD))
        try cli.json("avs", "slash", "eigen/1", "op3", "50%", "--reason", "d: AVS second")
        let burnedD = op3Shares - R.sharesAfter(op3Shares, prevMax: wad, newMax: half)
        op3Shares -= burnedD
        let finalD = R.withdrawable(thirtyTwo, dsf: wad, sf: R.mulWad(half, bcsfD))
        #expect(try cli.withdrawable("d", "native") == finalD)
        #expect(try cli.operatorShares("op3", "native") == op3Shares)
        // Same penalty on the same 32 ETH: the same BCSF, the same withdrawable; the AVS burned
        // less after the beacon chain took its part.
        #expect(bcsfC == bcsfD && finalC == finalD)
        #expect(burnedD < burnedC)
        nativeBurned += burnedC + burnedD

        // Delegating after a beacon-chain loss (§2.4 "Delegation"): f, undelegated (slashing
        // factor = its BCSF), delegates to op (max 0.25): op gains f's withdrawable shares,
        // calcWithdrawable(ds, dsf, BCSF), and the DSF is set against op's magnitude alone
        // (WAD / maxMag), so f keeps its withdrawable value up to rounding.
        try cli.json("validator", "slash", "7", "--reason", "f: beacon chain while undelegated")
        let bcsfF = bcsfAfter(wad, before: thirtyTwo, now: try podBalance([7]))
        try expectCheckpoint("f", ids: [7], before: thirtyTwo, bcsf: bcsfF)
        let undelegatedF = R.withdrawable(thirtyTwo, dsf: wad, sf: bcsfF)
        #expect(try cli.withdrawable("f", "native") == undelegatedF)
        try cli.json("delegate", "f", "op")
        let dsfF = R.divWad(wad, magnitude)
        let positionF = try cli.position("f", "native")
        #expect(amount(positionF, "depositScalingFactorWad") == dsfF)
        #expect(amount(positionF, "withdrawableShares") == R.withdrawable(thirtyTwo, dsf: dsfF, sf: R.mulWad(magnitude, bcsfF)))
        opShares += undelegatedF
        #expect(try cli.operatorShares("op", "native") == opShares)

        // A queued native withdrawal is slashable in escrow (EigenLayer's EGSL-03 fix: queued
        // beacon-chain shares count in the slashable queue), and pays at completion with the
        // staker's *current* BCSF: a beacon-chain loss after queueing still reaches it.
        let queued = try cli.json("restake", "withdraw", "queue", "e", "native", String(thirtyTwo), "--raw")
        #expect(amount(queued["withdrawal"], "scaledShares") == thirtyTwo)
        let eID = amount(queued["withdrawal"], "id")
        #expect(try cli.operatorShares("op4", "native") == 0)
        let eSlash = try cli.json("avs", "slash", "eigen/1", "op4", "50%", "--reason", "e: queued native")
        let queuedCut = thirtyTwo - R.sharesAfter(thirtyTwo, prevMax: wad, newMax: half)
        #expect(amount(ledgerSlash(eSlash, "native"), "queuedSharesSlashed") == queuedCut, "\(eSlash)")
        #expect(amount(ledgerSlash(eSlash, "native"), "operatorSharesSlashed") == 0, "\(eSlash)")
        nativeBurned += queuedCut
        func eWithdrawal() throws -> JSON? {
            R.items(try cli.json("restake", "show", "e")["withdrawals"]).first { amount($0, "id") == eID }
        }
        #expect(amount(try eWithdrawal(), "sharesNow") == R.mulWad(thirtyTwo, half))
        try cli.json("validator", "slash", "6", "--reason", "e: beacon chain after queueing")
        let restakedE = try podBalance([6])
        let bcsfE = bcsfAfter(wad, before: thirtyTwo, now: restakedE)
        try expectCheckpoint("e", ids: [6], before: thirtyTwo, bcsf: bcsfE)
        let payout = R.mulWad(thirtyTwo, R.mulWad(half, bcsfE))
        #expect(amount(try eWithdrawal(), "sharesNow") == payout)
        #expect(try cli.operatorShares("op4", "native") == 0)
        let audit = try cli.json("audit")
        #expect(amount(audit["restaking"]?["native"], "nativeBurnedWei") == nativeBurned, "\(String(describing: audit["restaking"]))")
        try cli.expectAuditExact()

        // Released 3151 epochs later, as shares: floor(scaled × mulWad(maxMag at start + 3150,
        // BCSF now) / WAD) re-deposited under op4, the DSF reset by the full queue and set
        // from op4's slashing factor with e's BCSF (SlashingLib.update with prevDs = 0).
        let release = UInt64(amount(queued["withdrawal"], "releaseEpoch"))
        try cli.refused(1, "withdrawal_delay_not_elapsed", "restake", "withdraw", "complete", "e", String(eID), "--as", "shares")
        try cli.epochs(release - (try cli.chainEpoch()))
        // As tokens the pod must hold the ETH: its validator has not been swept.
        try cli.refused(1, "pod_balance_insufficient", "restake", "withdraw", "complete", "e", String(eID), "--as", "tokens")
        let completed = try cli.json("restake", "withdraw", "complete", "e", String(eID), "--as", "shares")
        #expect(amount(completed, "shares") == payout)
        let sfE = R.mulWad(half, bcsfE)
        let dsfE = R.updatedDSF(prevDs: 0, dsf: wad, added: payout, sf: sfE)
        let positionE = try cli.position("e", "native")
        #expect(amount(positionE, "depositShares") == payout)
        #expect(amount(positionE, "depositScalingFactorWad") == dsfE)
        #expect(amount(positionE, "withdrawableShares") == R.withdrawable(payout, dsf: dsfE, sf: sfE))
        #expect(try cli.operatorShares("op4", "native") == payout)
        try cli.expectAuditExact()

        // Checkpoints 3151 epochs on (`restake checkpoint`): the pods' restaked balance now is
        // Σ their validators' balances + the ETH swept into them (Σ withdrawn, all after
        // verification). A rise adds deposit shares (SlashingLib.update at the slashing factor
        // with BCSF; the operator gains exactly the rise); a fall lowers the BCSF again.
        func checkpoint(_ account: String, ids: [Int], previous: UInt128, ds: UInt128, dsf: UInt128, bcsf: UInt128,
                        maxMagnitude: UInt128, operatorShares: inout UInt128, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
            try cli.json("restake", "checkpoint", account)
            let swept = try ids.reduce(UInt128(0)) { $0 + R.amount(try validator($1), "withdrawnGwei") * 1_000_000_000 }
            let now = try podBalance(ids) + swept
            let shown = try cli.json("restake", "show", account)
            let position = R.items(shown["positions"]).first { $0["strategy"] == .string("native") }
            #expect(amount(shown["pod"], "podWei") == swept, "\(account)'s pod ETH", sourceLocation: sourceLocation)
            #expect(amount(shown["pod"], "restakedWei") == now, "\(account)'s restaked balance", sourceLocation: sourceLocation)
            if now >= previous {
                let added = now - previous
                let sf = R.mulWad(maxMagnitude, bcsf)
                let newDsf = added == 0 ? dsf : R.updatedDSF(prevDs: ds, dsf: dsf, added: added, sf: sf)
                #expect(amount(shown, "beaconChainSlashingFactorWad") == bcsf, sourceLocation: sourceLocation)
                #expect(amount(position, "depositShares") == ds + added, "\(account) rise", sourceLocation: sourceLocation)
                #expect(amount(position, "depositScalingFactorWad") == newDsf, sourceLocation: sourceLocation)
                #expect(amount(position, "withdrawableShares") == R.withdrawable(ds + added, dsf: newDsf, sf: sf), sourceLocation: sourceLocation)
                operatorShares += added
            } else {
                let newBcsf = R.mulDiv(bcsf, now, previous)
                #expect(amount(shown, "beaconChainSlashingFactorWad") == newBcsf, "\(account) fall", sourceLocation: sourceLocation)
                #expect(amount(position, "depositShares") == ds, sourceLocation: sourceLocation)
                #expect(amount(position, "withdrawableShares") == R.withdrawable(ds, dsf: dsf, sf: R.mulWad(maxMagnitude, newBcsf)),
                        sourceLocation: sourceLocation)
                operatorShares -= beaconRemoval(ds: ds, dsf: dsf, maxMagnitude: maxMagnitude, decrease: bcsf - newBcsf)
            }
            return now > previous
        }
        // Both ways happen here: a's and b's healthy validators earned (and were swept) more than
        // the slashed ones lost since; e's only validator is slashed and keeps losing.
        #expect(try checkpoint("a", ids: [0, 1], previous: restakedA, ds: 2 * thirtyTwo, dsf: dsfA, bcsf: bcsfA,
                       maxMagnitude: magnitude, operatorShares: &opShares))
        #expect(try checkpoint("b", ids: [2, 3], previous: restakedB + thirtyTwo, ds: 2 * thirtyTwo, dsf: dsfB, bcsf: bcsfB,
                       maxMagnitude: magnitude, operatorShares: &opShares))
        #expect(try cli.operatorShares("op", "native") == opShares)
        var op4Shares = payout
        #expect(try !checkpoint("e", ids: [6], previous: restakedE, ds: payout, dsf: dsfE, bcsf: bcsfE, maxMagnitude: half,
                                operatorShares: &op4Shares))
        #expect(try cli.operatorShares("op4", "native") == op4Shares)
        try cli.expectAuditExact()

        // AVS rewards on natively restaked stake after all this: one epoch's slice to eigen/1's
        // four operators by allocated stake floor(shares × floor(current × WAD / max) / WAD);
        // each keeps 10 %; the rest to its delegators pro rata to their scaled shares,
        // ceil(floor(ds × DSF / WAD) × BCSF / WAD) for native (PROTOCOL.md §9.7 `stakes`),
        // through the index: Δ = floor(rest × WAD / Σ scaled), owed = floor(scaled × Δ / WAD).
        // Inputs (deposit shares, DSFs, BCSFs, operator shares, magnitudes) as the services
        // report them, each checked against this test's own figures above.
        let rewardWei = wad + 7
        try cli.json("eth", "deposit", "eigen", "2")
        try cli.json("avs", "rewards", "submit", "eigen/1", R.decimal(rewardWei), "eth", "--epochs", "1")
        let delegators = ["op": ["a", "b", "f"], "op2": ["c"], "op3": ["d"], "op4": ["e"]]
        var weights: [(String, UInt128)] = []
        for op in ["op", "op2", "op3", "op4"] {
            let m = try cli.magnitudes(op, "eigen/1", "native")
            weights.append((op, R.mulWad(try cli.operatorShares(op, "native"), R.divWad(m.current, m.max))))
        }
        #expect(weights.map(\.1) == [R.mulWad(opShares, wad), R.mulWad(op2Shares, wad), R.mulWad(op3Shares, wad),
                                      R.mulWad(op4Shares, wad)])
        let totalWeight = weights.reduce(UInt128(0)) { $0 + $1.1 }
        var expectedRewards: [String: UInt128] = [:]
        for (op, weight) in weights {
            let part = R.mulDiv(rewardWei, weight, totalWeight)
            let kept = part * 1000 / 10_000
            expectedRewards[op] = kept
            var scaled: [String: UInt128] = [:]
            for staker in delegators[op]! {
                let shown = try cli.json("restake", "show", staker)
                let position = R.items(shown["positions"]).first { $0["strategy"] == .string("native") }
                scaled[staker] = R.mulDivCeil(R.mulWad(amount(position, "depositShares"), amount(position, "depositScalingFactorWad")),
                                              amount(shown, "beaconChainSlashingFactorWad"), wad)
            }
            let delta = R.mulDiv(part - kept, wad, scaled.values.reduce(0, +))
            for (staker, stake) in scaled { expectedRewards[staker] = R.mulWad(stake, delta) }
        }
        try cli.epochs(1)
        for (account, expected) in expectedRewards.sorted(by: { $0.key < $1.key }) {
            #expect(amount(try cli.json("rewards", "show", account), "claimableWei") == expected, "\(account)'s native rewards")
        }

        // The books survive restarts: the ledger (pods, BCSFs, DSFs, withdrawals, burns replayed
        // from its snapshot and journal) and slashing (magnitudes) answer the same afterwards.
        func views() throws -> [JSON] {
            try ["a", "b", "c", "d", "e", "f"].map { try cli.json("restake", "show", $0) }
                + ["op", "op2", "op3", "op4"].map { try cli.json("operator", "show", $0) } + [try cli.json("audit")]
        }
        let before = try views()
        for service in ["ledger", "slashing"] {
            let restarted = try stack.stack("restart", service)
            try #require(restarted.exitCode == 0, "restart \(service): \(restarted.stdout) \(restarted.stderr)")
        }
        let after = try views()
        for (index, view) in before.enumerated() { #expect(after[index] == view, "view \(index) after the restarts") }
    }
}
