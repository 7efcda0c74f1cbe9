import Contracts
import Foundation
import Testing

/// Restaking end to end (PROTOCOL.md §9.7) against the running stack through the CLI: strategies,
/// delegation, AVS rewards, AVS slashing, escrowed withdrawals at their boundary epochs. Every
/// expected number is computed here from EigenLayer's formulas (reference/restaking.md §2), not
/// read back from the services; the audit is exact after every step.
@Suite("Restaking")
struct RestakingFlowTests {
    typealias E = RestakingCLI
    static let escrowEpochs: UInt64 = 3150

    /// One slash on an allocation: the new current and max magnitudes.
    static func slash(current: UInt128, max: UInt128, wad fraction: UInt128) -> (current: UInt128, max: UInt128) {
        let outcome = E.slash(current: current, max: max, fraction: fraction)
        return (outcome.current, outcome.max)
    }

    @Test("deposit → delegate → AVS rewards → slash → queue → slash at the escrow's boundary epochs → complete; leave window; bad input")
    func depositDelegateRewardSlashQueueComplete() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let cli = RestakingCLI(stack: stack)

        // Registry: op in avs1/1 (reth, wsteth) at 50 % each; op2 in avs1/2 (reth) at 100 %.
        try cli.json("operator", "register", "op", "--restaking", "--split", "10%", "--allocation-delay", "1")
        try cli.json("operator", "register", "op2", "--restaking", "--split", "5%", "--allocation-delay", "1")
        try cli.json("avs", "register", "avs1")
        try cli.json("avs", "set", "create", "avs1/1", "--strategies", "reth,wsteth")
        try cli.json("avs", "set", "create", "avs1/2", "--strategies", "reth")
        try cli.json("operator", "join", "op", "avs1/1")
        try cli.json("operator", "join", "op2", "avs1/2")
        try cli.json("operator", "allocate", "op", "avs1/1", "wsteth", "0.5")
        try cli.json("operator", "allocate", "op", "avs1/1", "reth", "0.5")
        try cli.json("operator", "allocate", "op2", "avs1/2", "reth", "1")

        // Tokens: alice wraps steth into wsteth; bob and carol hold reth.
        for (account, eth) in [("alice", "30"), ("bob", "30"), ("carol", "10"), ("avs1", "2")] {
            try cli.json("eth", "deposit", account, eth)
        }
        try cli.json("stake", "alice", "20")
        try cli.json("wrap", "alice", "10")
        try cli.json("stake", "bob", "20", "--pool", "reth")
        try cli.json("stake", "carol", "5", "--pool", "reth")
        let wstethAlice = E.amount(try cli.json("account", "show", "alice"), "wstethWei")
        let rethBob = E.amount(try cli.json("account", "show", "bob"), "rethWei")
        let rethCarol = E.amount(try cli.json("account", "show", "carol"), "rethWei")
        try cli.epochs(1)  // allocations in effect (delay 1)

        // Deposits: empty strategies price 1:1 (virtual offsets 1e3 / 1e3), then the second
        // reth deposit at floor(amount × (total + 1e3) / (balance + 1e3)), also 1:1 here.
        let deposited = try cli.json("restake", "deposit", "alice", E.decimal(wstethAlice), "wsteth")
        #expect(E.amount(deposited, "shares") == wstethAlice)
        try cli.json("restake", "deposit", "bob", E.decimal(rethBob), "reth")
        let carolDeposit = try cli.json("restake", "deposit", "carol", E.decimal(rethCarol), "reth")
        #expect(E.amount(carolDeposit, "shares") == E.mulDiv(rethCarol, rethBob + 1000, rethBob + 1000))
        #expect(E.amount(try cli.json("account", "show", "alice"), "wstethWei") == 0)
        try cli.json("delegate", "alice", "op")
        try cli.json("delegate", "bob", "op")
        try cli.json("delegate", "carol", "op2")
        try cli.expectAuditExact()
        #expect(E.amount(try cli.position("alice", "wsteth"), "withdrawableShares") == wstethAlice)

        // AVS rewards: 1 ETH over 10 epochs to avs1/1, whose only operator is op. Each epoch's
        // slice goes to (op, wsteth) and (op, reth) by allocated stake floor(shares × 0.5);
        // op keeps 10 %, the only delegator in each index gets the rest through the index.
        let rewardWei = E.wad
        try cli.json("avs", "rewards", "submit", "avs1/1", "1", "eth", "--epochs", "10")
        try cli.epochs(11)
        var toAlice: UInt128 = 0, toBob: UInt128 = 0, toOp: UInt128 = 0, undistributed: UInt128 = 0
        let weightW = E.mulDiv(wstethAlice, E.wad / 2, E.wad)
        let weightR = E.mulDiv(rethBob, E.wad / 2, E.wad)
        for epoch in 0..<10 {
            let slice = epoch == 9 ? rewardWei - rewardWei / 10 * 9 : rewardWei / 10
            let partW = E.mulDiv(slice, weightW, weightW + weightR)
            let partR = E.mulDiv(slice, weightR, weightW + weightR)
            undistributed += slice - partW - partR
            let splitW = partW * 1000 / 10_000, splitR = partR * 1000 / 10_000
            toOp += splitW + splitR
            toAlice += partW - splitW
            toBob += partR - splitR
        }
        // A single holder's accrual through the index: floor(S × floor(H × WAD / S) / WAD).
        let aliceAccrued = E.mulDiv(wstethAlice, E.mulDiv(toAlice, E.wad, wstethAlice), E.wad)
        let bobAccrued = E.mulDiv(rethBob, E.mulDiv(toBob, E.wad, rethBob), E.wad)
        let aliceRewards = try cli.json("rewards", "show", "alice")
        #expect(E.amount(aliceRewards, "claimableWei") == aliceAccrued)
        #expect(E.amount(try cli.json("rewards", "show", "bob"), "claimableWei") == bobAccrued)
        #expect(E.amount(try cli.json("rewards", "show", "op"), "claimableWei") == toOp)
        #expect(aliceAccrued + bobAccrued + toOp + undistributed <= rewardWei)
        let balanceBefore = E.amount(try cli.json("account", "show", "alice"), "balanceWei")
        try cli.json("rewards", "claim", "alice")
        #expect(E.amount(try cli.json("account", "show", "alice"), "balanceWei") == balanceBefore + aliceAccrued)
        try cli.refused(1, "nothing_to_claim", "rewards", "claim", "alice")
        try cli.expectAuditExact()

        // Slash 1: avs1 takes 25 % of op's allocations in avs1/1 (both strategies).
        var (currentOp, maxOp) = Self.slash(current: E.wad / 2, max: E.wad, wad: E.wad / 4)
        #expect(maxOp == 875_000_000_000_000_000)
        try cli.json("avs", "slash", "avs1/1", "op", "25%", "--reason", "equivocation")
        var opWsteth = E.sharesAfter(wstethAlice, prevMax: E.wad, newMax: maxOp)
        var burnedWsteth = wstethAlice - opWsteth
        var opReth = E.sharesAfter(rethBob, prevMax: E.wad, newMax: maxOp)
        let aliceWithdrawable = E.mulDiv(wstethAlice, maxOp, E.wad)
        #expect(E.amount(try cli.position("alice", "wsteth"), "withdrawableShares") == aliceWithdrawable)
        #expect(E.amount(try cli.position("bob", "reth"), "withdrawableShares") == E.mulDiv(rethBob, maxOp, E.wad))
        #expect(E.amount(try cli.position("carol", "reth"), "withdrawableShares") == rethCarol)
        // The slashed shares are burned at once: the strategies priced 1:1 so far, so their
        // tokens move to restaking:burned unit for unit.
        var burnedReth = rethBob - opReth
        #expect(try cli.burned("wsteth") == burnedWsteth)
        #expect(try cli.burned("reth") == burnedReth)
        // What avs1/1 can slash now: EigenLayer's allocated-stake view of op's shares
        // (floor(shares × floor(current × WAD / max) / WAD)), valued 1:1 here.
        let secured = try cli.json("avs", "show", "avs1")["stakeSecured"]?["1"]
        let ratio = currentOp * E.wad / maxOp
        #expect(E.amount(secured, "wsteth") == E.mulDiv(opWsteth, ratio, E.wad))
        #expect(E.amount(secured, "reth") == E.mulDiv(opReth, ratio, E.wad))
        try cli.expectAuditExact()

        // Queue: alice at s (all her wsteth shares), op2 leaves avs1/2 at s; bob at s + 1.
        let queued = try cli.json("restake", "withdraw", "queue", "alice", "wsteth", String(wstethAlice), "--raw")
        let aliceWithdrawal = queued["withdrawal"]
        let start = UInt64(clamping: E.amount(aliceWithdrawal, "startEpoch"))
        #expect(E.amount(aliceWithdrawal, "releaseEpoch") == UInt128(start + Self.escrowEpochs + 1))
        #expect(E.amount(aliceWithdrawal, "scaledShares") == wstethAlice)
        let aliceID = String(E.amount(aliceWithdrawal, "id"))
        opWsteth -= aliceWithdrawable
        try cli.json("operator", "leave", "op2", "avs1/2")
        try cli.refused(1, "insufficient_balance", "restake", "withdraw", "queue", "alice", "wsteth", "1")
        try cli.epochs(1)
        let bobQueued = try cli.json("restake", "withdraw", "queue", "bob", "reth", String(rethBob), "--raw")
        let bobID = String(E.amount(bobQueued["withdrawal"], "id"))
        opReth -= E.mulDiv(rethBob, maxOp, E.wad)
        try cli.expectAuditExact()

        // s + 3150: op2 is still slashable by avs1/2 (the window's last epoch); alice's
        // withdrawal is not yet completable.
        try cli.epochs(Self.escrowEpochs - 1)
        try cli.json("avs", "slash", "avs1/2", "op2", "10%", "--reason", "downtime")
        let maxOp2 = Self.slash(current: E.wad, max: E.wad, wad: E.wad / 10).max
        #expect(E.amount(try cli.position("carol", "reth"), "withdrawableShares") == E.mulDiv(rethCarol, maxOp2, E.wad))
        try cli.refused(1, "withdrawal_delay_not_elapsed", "restake", "withdraw", "complete", "alice", aliceID, "--as", "tokens")

        // s + 3151: the window has ended for op2; avs1 slashes op again by 10 %: bob's
        // withdrawal (queued at s + 1) is still in escrow and loses with it, alice's is not.
        try cli.epochs(1)
        try cli.refused(1, "operator_not_slashable", "avs", "slash", "avs1/2", "op2", "10%", "--reason", "late")
        let maxBeforeSecond = maxOp
        (currentOp, maxOp) = Self.slash(current: currentOp, max: maxOp, wad: E.wad / 10)
        #expect(maxOp == 837_500_000_000_000_000)
        try cli.json("avs", "slash", "avs1/1", "op", "0.1", "--reason", "equivocation again")
        // Burned: what op still had (a wei of rounding at most in wsteth) and, in reth, bob's
        // escrowed withdrawal valued at the old magnitude, both cut to ceil(x × new / old).
        burnedWsteth += opWsteth - E.sharesAfter(opWsteth, prevMax: maxBeforeSecond, newMax: maxOp)
        let bobInQueue = E.mulDiv(rethBob, maxBeforeSecond, E.wad)
        burnedReth += opReth - E.sharesAfter(opReth, prevMax: maxBeforeSecond, newMax: maxOp)
        burnedReth += bobInQueue - E.sharesAfter(bobInQueue, prevMax: maxBeforeSecond, newMax: maxOp)
        burnedReth += rethCarol - E.sharesAfter(rethCarol, prevMax: E.wad, newMax: maxOp2)
        #expect(try cli.burned("wsteth") == burnedWsteth)
        #expect(try cli.burned("reth") == burnedReth)
        try cli.expectAuditExact()

        // Alice completes at her release epoch, paid at op's magnitude at s + 3150 (0.875).
        let aliceUnits = E.mulDiv(wstethAlice, 875_000_000_000_000_000, E.wad)
        let completed = try cli.json("restake", "withdraw", "complete", "alice", aliceID, "--as", "tokens")
        #expect(E.amount(completed, "shares") == aliceUnits)
        #expect(E.amount(try cli.json("account", "show", "alice"), "wstethWei") == aliceUnits)
        try cli.refused(1, "withdrawal_not_found", "restake", "withdraw", "complete", "alice", aliceID, "--as", "tokens")
        try cli.refused(1, "withdrawal_delay_not_elapsed", "restake", "withdraw", "complete", "bob", bobID, "--as", "tokens")
        try cli.epochs(1)
        // Bob's is paid at op's magnitude at s + 3151, after the second slash (0.8375).
        let bobUnits = E.mulDiv(rethBob, maxOp, E.wad)
        let bobCompleted = try cli.json("restake", "withdraw", "complete", "bob", bobID, "--as", "tokens")
        #expect(E.amount(bobCompleted, "shares") == bobUnits)
        #expect(E.amount(try cli.json("account", "show", "bob"), "rethWei") == bobUnits)
        try cli.expectAuditExact()

        // Bad input changes nothing: an AVS slashing outside its sets, fractions above 100 %,
        // delegating twice, withdrawing more than held, an unknown strategy.
        try cli.json("avs", "register", "avs2")
        try cli.json("avs", "set", "create", "avs2/1", "--strategies", "reth")
        try cli.refused(1, "operator_not_slashable", "avs", "slash", "avs2/1", "op", "10%", "--reason", "not mine")
        try cli.refused(1, "unauthorized", "avs", "slash", "avs1/1", "op", "10%", "--reason", "impostor", "--as", "avs2")
        try cli.refused(64, "100", "avs", "slash", "avs1/1", "op", "150%", "--reason", "too much")
        try cli.refused(1, "already_delegated", "delegate", "carol", "op")
        try cli.refused(1, "insufficient_balance", "restake", "withdraw", "queue", "carol", "reth", "1000")
        try cli.refused(64, "strategy", "restake", "deposit", "carol", "1", "doge")
        #expect(E.amount(try cli.position("carol", "reth"), "withdrawableShares") == E.mulDiv(rethCarol, maxOp2, E.wad))
        try cli.expectAuditExact()
    }
}
