import Contracts
import Foundation
import Testing

/// Restaking end to end (PROTOCOL.md §9.7) against the running stack through the CLI: strategies,
/// delegation, AVS rewards, AVS slashing, escrowed withdrawals at their boundary epochs. Every
/// expected number is computed here from EigenLayer's formulas (reference/restaking.md §2), not
/// read back from the services; the audit is exact after every step.
@Suite("Restaking")
struct RestakingFlowTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000
    static let escrowEpochs: UInt64 = 3150

    @discardableResult
    func json(_ stack: StackHarness, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        try json(stack, arguments, sourceLocation: sourceLocation)
    }

    @discardableResult
    func json(_ stack: StackHarness, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments + ["--json"])
        try #require(run.exitCode == 0, "stakeline \(arguments.joined(separator: " ")) exited \(run.exitCode): \(run.stderr)",
            sourceLocation: sourceLocation)
        return try JSONCodec.parse(Array(run.stdout.utf8))
    }

    /// The CLI must refuse with `exitCode` and mention `text`.
    func refused(_ stack: StackHarness, _ exitCode: Int32, _ text: String, _ arguments: String...,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments)
        #expect(run.exitCode == exitCode, "\(arguments) exited \(run.exitCode): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(text) || run.stdout.contains(text), "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
    }

    /// An amount (a decimal string) or a number field.
    func amount(_ json: JSON?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) -> UInt128 {
        let text: String? = switch json?[key] {
        case .string(let text)?, .number(let text)?: text
        default: nil
        }
        guard let text, let value = UInt128(text) else {
            Issue.record("no amount \(key) in \(String(describing: json))", sourceLocation: sourceLocation)
            return .max
        }
        return value
    }

    func expectAuditExact(_ stack: StackHarness, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try json(stack, "audit")
        #expect(audit["ok"] == .bool(true), "audit: \(audit)", sourceLocation: sourceLocation)
    }

    /// `floor(a × b / c)` through the full 256-bit product.
    static func mulDiv(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 {
        let product = a.multipliedFullWidth(by: b)
        return c.dividingFullWidth((high: product.high, low: product.low)).quotient
    }

    static func mulDivCeil(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 {
        let product = a.multipliedFullWidth(by: b)
        let (quotient, remainder) = c.dividingFullWidth((high: product.high, low: product.low))
        return remainder == 0 ? quotient : quotient + 1
    }

    /// Wei as the CLI's decimal input, exactly (18 decimals).
    static func decimal(_ wei: UInt128) -> String {
        let fraction = String(wei % wad)
        return "\(wei / wad).\(String(repeating: "0", count: 18 - fraction.count))\(fraction)"
    }

    func items(_ json: JSON?) -> [JSON] {
        if case .array(let values)? = json { return values }
        return []
    }

    /// The position of `account` in `strategy` as `restake show` gives it.
    func position(_ stack: StackHarness, _ account: String, _ strategy: String) throws -> JSON? {
        items(try json(stack, "restake", "show", account)["positions"]).first { $0["strategy"] == .string(strategy) }
    }

    /// Token units of `strategy` burned so far (the audit's `restaking:burned` balance).
    func burned(_ stack: StackHarness, _ strategy: String) throws -> UInt128 {
        amount(try json(stack, "audit")["restaking"]?["strategies"]?[strategy], "burnedUnits")
    }

    func epochs(_ stack: StackHarness, _ count: UInt64) throws {
        try json(stack, "epochs", "advance", String(count))
    }

    /// One operator slash of `wad` on an allocation `current` of a strategy at `max`, EigenLayer's
    /// rounding: `slashed = ceil(current × wad / WAD)`, both magnitudes fall by it.
    static func slash(current: UInt128, max: UInt128, wad fraction: UInt128) -> (current: UInt128, max: UInt128) {
        let slashed = mulDivCeil(current, fraction, wad)
        return (current - slashed, max - slashed)
    }

    /// Operator shares left after a slash from `prevMax` to `newMax`: `ceil(shares × new / prev)`.
    static func sharesAfter(_ shares: UInt128, prevMax: UInt128, newMax: UInt128) -> UInt128 {
        mulDivCeil(shares, newMax, prevMax)
    }

    @Test("deposit → delegate → AVS rewards → slash → queue → slash at the escrow's boundary epochs → complete; leave window; bad input")
    func depositDelegateRewardSlashQueueComplete() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()

        // Registry: op in avs1/1 (reth, wsteth) at 50 % each; op2 in avs1/2 (reth) at 100 %.
        try json(stack, "operator", "register", "op", "--restaking", "--split", "10%", "--allocation-delay", "1")
        try json(stack, "operator", "register", "op2", "--restaking", "--split", "5%", "--allocation-delay", "1")
        try json(stack, "avs", "register", "avs1")
        try json(stack, "avs", "set", "create", "avs1/1", "--strategies", "reth,wsteth")
        try json(stack, "avs", "set", "create", "avs1/2", "--strategies", "reth")
        try json(stack, "operator", "join", "op", "avs1/1")
        try json(stack, "operator", "join", "op2", "avs1/2")
        try json(stack, "operator", "allocate", "op", "avs1/1", "wsteth", "0.5")
        try json(stack, "operator", "allocate", "op", "avs1/1", "reth", "0.5")
        try json(stack, "operator", "allocate", "op2", "avs1/2", "reth", "1")

        // Tokens: alice wraps steth into wsteth; bob and carol hold reth.
        for (account, eth) in [("alice", "30"), ("bob", "30"), ("carol", "10"), ("avs1", "2")] {
            try json(stack, "eth", "deposit", account, eth)
        }
        try json(stack, "stake", "alice", "20")
        try json(stack, "wrap", "alice", "10")
        try json(stack, "stake", "bob", "20", "--pool", "reth")
        try json(stack, "stake", "carol", "5", "--pool", "reth")
        let wstethAlice = amount(try json(stack, "account", "show", "alice"), "wstethWei")
        let rethBob = amount(try json(stack, "account", "show", "bob"), "rethWei")
        let rethCarol = amount(try json(stack, "account", "show", "carol"), "rethWei")
        try epochs(stack, 1)  // allocations in effect (delay 1)

        // Deposits: empty strategies price 1:1 (virtual offsets 1e3 / 1e3), then the second
        // reth deposit at floor(amount × (total + 1e3) / (balance + 1e3)), also 1:1 here.
        let deposited = try json(stack, "restake", "deposit", "alice", Self.decimal(wstethAlice), "wsteth")
        #expect(amount(deposited, "shares") == wstethAlice)
        try json(stack, "restake", "deposit", "bob", Self.decimal(rethBob), "reth")
        let carolDeposit = try json(stack, "restake", "deposit", "carol", Self.decimal(rethCarol), "reth")
        #expect(amount(carolDeposit, "shares") == Self.mulDiv(rethCarol, rethBob + 1000, rethBob + 1000))
        #expect(amount(try json(stack, "account", "show", "alice"), "wstethWei") == 0)
        try json(stack, "delegate", "alice", "op")
        try json(stack, "delegate", "bob", "op")
        try json(stack, "delegate", "carol", "op2")
        try expectAuditExact(stack)
        #expect(amount(try position(stack, "alice", "wsteth"), "withdrawableShares") == wstethAlice)

        // AVS rewards: 1 ETH over 10 epochs to avs1/1, whose only operator is op. Each epoch's
        // slice goes to (op, wsteth) and (op, reth) by allocated stake floor(shares × 0.5);
        // op keeps 10 %, the only delegator in each index gets the rest through the index.
        let rewardWei = Self.wad
        try json(stack, "avs", "rewards", "submit", "avs1/1", "1", "eth", "--epochs", "10")
        try epochs(stack, 11)
        var toAlice: UInt128 = 0, toBob: UInt128 = 0, toOp: UInt128 = 0, undistributed: UInt128 = 0
        let weightW = Self.mulDiv(wstethAlice, Self.wad / 2, Self.wad)
        let weightR = Self.mulDiv(rethBob, Self.wad / 2, Self.wad)
        for epoch in 0..<10 {
            let slice = epoch == 9 ? rewardWei - rewardWei / 10 * 9 : rewardWei / 10
            let partW = Self.mulDiv(slice, weightW, weightW + weightR)
            let partR = Self.mulDiv(slice, weightR, weightW + weightR)
            undistributed += slice - partW - partR
            let splitW = partW * 1000 / 10_000, splitR = partR * 1000 / 10_000
            toOp += splitW + splitR
            toAlice += partW - splitW
            toBob += partR - splitR
        }
        // A single holder's accrual through the index: floor(S × floor(H × WAD / S) / WAD).
        let aliceAccrued = Self.mulDiv(wstethAlice, Self.mulDiv(toAlice, Self.wad, wstethAlice), Self.wad)
        let bobAccrued = Self.mulDiv(rethBob, Self.mulDiv(toBob, Self.wad, rethBob), Self.wad)
        let aliceRewards = try json(stack, "rewards", "show", "alice")
        #expect(amount(aliceRewards, "claimableWei") == aliceAccrued)
        #expect(amount(try json(stack, "rewards", "show", "bob"), "claimableWei") == bobAccrued)
        #expect(amount(try json(stack, "rewards", "show", "op"), "claimableWei") == toOp)
        #expect(aliceAccrued + bobAccrued + toOp + undistributed <= rewardWei)
        let balanceBefore = amount(try json(stack, "account", "show", "alice"), "balanceWei")
        try json(stack, "rewards", "claim", "alice")
        #expect(amount(try json(stack, "account", "show", "alice"), "balanceWei") == balanceBefore + aliceAccrued)
        try refused(stack, 1, "nothing_to_claim", "rewards", "claim", "alice")
        try expectAuditExact(stack)

        // Slash 1: avs1 takes 25 % of op's allocations in avs1/1 (both strategies).
        var (currentOp, maxOp) = Self.slash(current: Self.wad / 2, max: Self.wad, wad: Self.wad / 4)
        #expect(maxOp == 875_000_000_000_000_000)
        try json(stack, "avs", "slash", "avs1/1", "op", "25%", "--reason", "equivocation")
        var opWsteth = Self.sharesAfter(wstethAlice, prevMax: Self.wad, newMax: maxOp)
        var burnedWsteth = wstethAlice - opWsteth
        var opReth = Self.sharesAfter(rethBob, prevMax: Self.wad, newMax: maxOp)
        let aliceWithdrawable = Self.mulDiv(wstethAlice, maxOp, Self.wad)
        #expect(amount(try position(stack, "alice", "wsteth"), "withdrawableShares") == aliceWithdrawable)
        #expect(amount(try position(stack, "bob", "reth"), "withdrawableShares") == Self.mulDiv(rethBob, maxOp, Self.wad))
        #expect(amount(try position(stack, "carol", "reth"), "withdrawableShares") == rethCarol)
        // The slashed shares are burned at once: the strategies priced 1:1 so far, so their
        // tokens move to restaking:burned unit for unit.
        var burnedReth = rethBob - opReth
        #expect(try burned(stack, "wsteth") == burnedWsteth)
        #expect(try burned(stack, "reth") == burnedReth)
        // What avs1/1 can slash now: EigenLayer's allocated-stake view of op's shares
        // (floor(shares × floor(current × WAD / max) / WAD)), valued 1:1 here.
        let secured = try json(stack, "avs", "show", "avs1")["stakeSecured"]?["1"]
        let ratio = currentOp * Self.wad / maxOp
        #expect(amount(secured, "wsteth") == Self.mulDiv(opWsteth, ratio, Self.wad))
        #expect(amount(secured, "reth") == Self.mulDiv(opReth, ratio, Self.wad))
        try expectAuditExact(stack)

        // Queue: alice at s (all her wsteth shares), op2 leaves avs1/2 at s; bob at s + 1.
        let queued = try json(stack, "restake", "withdraw", "queue", "alice", "wsteth", String(wstethAlice), "--raw")
        let aliceWithdrawal = queued["withdrawal"]
        let start = UInt64(clamping: amount(aliceWithdrawal, "startEpoch"))
        #expect(amount(aliceWithdrawal, "releaseEpoch") == UInt128(start + Self.escrowEpochs + 1))
        #expect(amount(aliceWithdrawal, "scaledShares") == wstethAlice)
        let aliceID = String(amount(aliceWithdrawal, "id"))
        opWsteth -= aliceWithdrawable
        try json(stack, "operator", "leave", "op2", "avs1/2")
        try refused(stack, 1, "insufficient_balance", "restake", "withdraw", "queue", "alice", "wsteth", "1")
        try epochs(stack, 1)
        let bobQueued = try json(stack, "restake", "withdraw", "queue", "bob", "reth", String(rethBob), "--raw")
        let bobID = String(amount(bobQueued["withdrawal"], "id"))
        opReth -= Self.mulDiv(rethBob, maxOp, Self.wad)
        try expectAuditExact(stack)

        // s + 3150: op2 is still slashable by avs1/2 (the window's last epoch); alice's
        // withdrawal is not yet completable.
        try epochs(stack, Self.escrowEpochs - 1)
        try json(stack, "avs", "slash", "avs1/2", "op2", "10%", "--reason", "downtime")
        let maxOp2 = Self.slash(current: Self.wad, max: Self.wad, wad: Self.wad / 10).max
        #expect(amount(try position(stack, "carol", "reth"), "withdrawableShares") == Self.mulDiv(rethCarol, maxOp2, Self.wad))
        try refused(stack, 1, "withdrawal_delay_not_elapsed", "restake", "withdraw", "complete", "alice", aliceID, "--as", "tokens")

        // s + 3151: the window has ended for op2; avs1 slashes op again by 10 %: bob's
        // withdrawal (queued at s + 1) is still in escrow and loses with it, alice's is not.
        try epochs(stack, 1)
        try refused(stack, 1, "operator_not_slashable", "avs", "slash", "avs1/2", "op2", "10%", "--reason", "late")
        let maxBeforeSecond = maxOp
        (currentOp, maxOp) = Self.slash(current: currentOp, max: maxOp, wad: Self.wad / 10)
        #expect(maxOp == 837_500_000_000_000_000)
        try json(stack, "avs", "slash", "avs1/1", "op", "0.1", "--reason", "equivocation again")
        // Burned: what op still had (a wei of rounding at most in wsteth) and, in reth, bob's
        // escrowed withdrawal valued at the old magnitude, both cut to ceil(x × new / old).
        burnedWsteth += opWsteth - Self.sharesAfter(opWsteth, prevMax: maxBeforeSecond, newMax: maxOp)
        let bobInQueue = Self.mulDiv(rethBob, maxBeforeSecond, Self.wad)
        burnedReth += opReth - Self.sharesAfter(opReth, prevMax: maxBeforeSecond, newMax: maxOp)
        burnedReth += bobInQueue - Self.sharesAfter(bobInQueue, prevMax: maxBeforeSecond, newMax: maxOp)
        burnedReth += rethCarol - Self.sharesAfter(rethCarol, prevMax: Self.wad, newMax: maxOp2)
        #expect(try burned(stack, "wsteth") == burnedWsteth)
        #expect(try burned(stack, "reth") == burnedReth)
        try expectAuditExact(stack)

        // Alice completes at her release epoch, paid at op's magnitude at s + 3150 (0.875).
        let aliceUnits = Self.mulDiv(wstethAlice, 875_000_000_000_000_000, Self.wad)
        let completed = try json(stack, "restake", "withdraw", "complete", "alice", aliceID, "--as", "tokens")
        #expect(amount(completed, "shares") == aliceUnits)
        #expect(amount(try json(stack, "account", "show", "alice"), "wstethWei") == aliceUnits)
        try refused(stack, 1, "withdrawal_not_found", "restake", "withdraw", "complete", "alice", aliceID, "--as", "tokens")
        try refused(stack, 1, "withdrawal_delay_not_elapsed", "restake", "withdraw", "complete", "bob", bobID, "--as", "tokens")
        try epochs(stack, 1)
        // Bob's is paid at op's magnitude at s + 3151, after the second slash (0.8375).
        let bobUnits = Self.mulDiv(rethBob, maxOp, Self.wad)
        let bobCompleted = try json(stack, "restake", "withdraw", "complete", "bob", bobID, "--as", "tokens")
        #expect(amount(bobCompleted, "shares") == bobUnits)
        #expect(amount(try json(stack, "account", "show", "bob"), "rethWei") == bobUnits)
        try expectAuditExact(stack)

        // Bad input changes nothing: an AVS slashing outside its sets, fractions above 100 %,
        // delegating twice, withdrawing more than held, an unknown strategy.
        try json(stack, "avs", "register", "avs2")
        try json(stack, "avs", "set", "create", "avs2/1", "--strategies", "reth")
        try refused(stack, 1, "operator_not_slashable", "avs", "slash", "avs2/1", "op", "10%", "--reason", "not mine")
        try refused(stack, 1, "unauthorized", "avs", "slash", "avs1/1", "op", "10%", "--reason", "impostor", "--as", "avs2")
        try refused(stack, 64, "100", "avs", "slash", "avs1/1", "op", "150%", "--reason", "too much")
        try refused(stack, 1, "already_delegated", "delegate", "carol", "op")
        try refused(stack, 1, "insufficient_balance", "restake", "withdraw", "queue", "carol", "reth", "1000")
        try refused(stack, 64, "strategy", "restake", "deposit", "carol", "1", "doge")
        #expect(amount(try position(stack, "carol", "reth"), "withdrawableShares") == Self.mulDiv(rethCarol, maxOp2, Self.wad))
        try expectAuditExact(stack)
    }
}
