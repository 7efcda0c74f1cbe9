import Contracts
import Foundation
import Testing

/// Solo staking end to end: the real stack driven through the real CLI, every balance compared
/// with `SpecModel` (an independent restatement of the rules) to the gwei, and the audit exact
/// after every step.
@Suite("Solo staking")
struct SoloStakingTests {
    static let gweiPerEth: UInt128 = 1_000_000_000
    static let weiPerGwei: UInt128 = 1_000_000_000

    /// Runs the CLI with `--json` and parses its output; the command must succeed.
    @discardableResult
    func json(_ stack: StackHarness, _ arguments: String...) throws -> JSON {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments + ["--json"])
        try #require(run.exitCode == 0, "stakeline \(arguments.joined(separator: " ")) exited \(run.exitCode): \(run.stderr)")
        return try JSONCodec.parse(Array(run.stdout.utf8))
    }

    /// Advances the chain and the model by `count` epochs.
    func advance(_ stack: StackHarness, _ model: inout SpecModel, _ count: UInt64) throws {
        let run = try stack.cli("epochs", "advance", String(count))
        try #require(run.exitCode == 0, "epochs advance \(count): \(run.stderr)")
        model.advance(count)
        let chain = try json(stack, "chain", "show")
        try #require(chain["epoch"] == .number(String(model.epoch)), "chain at \(String(describing: chain["epoch"])), model at \(model.epoch)")
    }

    func expectValidator(_ stack: StackHarness, _ model: SpecModel, _ index: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shown = try json(stack, "validator", "show", String(index))
        let v = model.validators[index]
        func epoch(_ value: UInt64) -> JSON { value == SpecModel.farFuture ? .null : .number(String(value)) }
        let expected: [(String, JSON)] = [
            ("balanceGwei", .string(String(v.balance))), ("effectiveBalanceGwei", .string(String(v.eb))),
            ("rewardsGwei", .string(String(v.rewards))), ("penaltiesGwei", .string(String(v.penalties))),
            ("slashingPenaltiesGwei", .string(String(v.slashingPenalties))), ("withdrawnGwei", .string(String(v.withdrawn))),
            ("activationEpoch", epoch(v.activation)), ("exitEpoch", epoch(v.exit)),
            ("withdrawableEpoch", epoch(v.withdrawable)), ("slashed", .bool(v.slashed)),
            ("inactivityScore", .number(String(v.score))),
        ]
        for (field, value) in expected {
            #expect(shown[field] == value, "validator \(index) \(field): stack \(String(describing: shown[field])), model \(value)",
                    sourceLocation: sourceLocation)
        }
    }

    /// The account's ETH: what came in, minus validator deposits, plus what was swept back.
    func expectAccount(_ stack: StackHarness, _ model: SpecModel, _ account: String, depositedEth: UInt128,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shown = try json(stack, "account", "show", account)
        let staked = model.validators.filter { $0.owner == account }.reduce(UInt128(0)) { $0 + UInt128($1.depositGwei) }
        let expected = (depositedEth * Self.gweiPerEth - staked + UInt128(model.swept[account] ?? 0)) * Self.weiPerGwei
        #expect(shown["balanceWei"] == .string(String(expected)), "\(account) balance", sourceLocation: sourceLocation)
    }

    func expectAuditExact(_ stack: StackHarness, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try json(stack, "audit")
        #expect(audit["ok"] == .bool(true), "audit: \(audit)", sourceLocation: sourceLocation)
        #expect(audit["leftWei"] == audit["rightWei"], sourceLocation: sourceLocation)
    }

    @Test("a solo staker's full life, and a compounding validator beside it, exact to the gwei")
    func fullLife() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var model = SpecModel()
        try json(stack, "eth", "deposit", "alice", "64")
        try json(stack, "eth", "deposit", "dave", "2100")
        let deposited = try json(stack, "validator", "deposit", "alice")
        #expect(deposited["validator"] == .number("0"))
        #expect(deposited["expectedActivationEpoch"] == .number("8"))
        model.deposit("alice", eth: 32)
        try json(stack, "validator", "deposit", "dave", "--amount", "2048", "--compounding")
        model.deposit("dave", eth: 2048, compounding: true)
        try expectAuditExact(stack)

        // The activation queue: alice's 32 ETH fits the first epoch's churn; dave's 2048 ETH
        // accumulates the churn left over (256 ETH an epoch) for 8 more epochs.
        try advance(stack, &model, 8)
        try expectValidator(stack, model, 0)
        #expect(try json(stack, "validator", "show", "0")["status"] == .string("active_ongoing"))
        #expect(!model.validators[1].credited)
        #expect(try json(stack, "validator", "show", "1")["status"] == .string("pending_initialized"))
        try advance(stack, &model, 1)
        #expect(model.validators[1].credited)
        #expect(try json(stack, "validator", "show", "1")["status"] == .string("pending_queued"))
        try expectValidator(stack, model, 1)
        try expectAuditExact(stack)

        // 30 days of rewards, with a partial sweep at every 225th epoch.
        try advance(stack, &model, 6749)
        for index in 0..<2 { try expectValidator(stack, model, index) }
        try expectAccount(stack, model, "alice", depositedEth: 64)
        try expectAccount(stack, model, "dave", depositedEth: 2100)
        #expect(model.validators[0].withdrawn > 0, "alice's excess was swept")
        #expect(model.validators[1].eb == 2048 * SpecModel.increment)
        try expectAuditExact(stack)

        // A voluntary exit through the exit queue, then the full withdrawal at the next sweep.
        let exit = try json(stack, "validator", "exit", "0")
        model.initiateExit(0)
        #expect(exit["exitEpoch"] == .number(String(model.validators[0].exit)))
        #expect(exit["withdrawableEpoch"] == .number(String(model.validators[0].withdrawable)))
        let untilWithdrawn = (model.validators[0].withdrawable / 225 + 1) * 225 - model.epoch
        try advance(stack, &model, untilWithdrawn)
        try expectValidator(stack, model, 0)
        #expect(try json(stack, "validator", "show", "0")["status"] == .string("withdrawal_done"))
        try expectAccount(stack, model, "alice", depositedEth: 64)
        try expectAccount(stack, model, "dave", depositedEth: 2100)
        try expectAuditExact(stack)

        // The ETH goes out of the books.
        let account = try json(stack, "account", "show", "alice")
        guard case .string(let balanceWei)? = account["balanceWei"], let balance = UInt128(balanceWei) else {
            Issue.record("no balance"); return
        }
        let out = try stack.cli("eth", "withdraw", "alice", formatEther(balance))
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(try json(stack, "account", "show", "alice")["balanceWei"] == .string("0"))
        try expectAuditExact(stack)
    }

    @Test("an offline validator loses; slashed validators pay the initial and the correlation penalty")
    func offlineAndSlashed() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var model = SpecModel()
        try json(stack, "eth", "deposit", "bob", "32")
        try json(stack, "eth", "deposit", "carol", "96")
        let perf = try stack.cli("validator", "performance", "--owner", "bob", "--offline")
        #expect(perf.exitCode == 0, "\(perf.stderr)")
        try json(stack, "validator", "deposit", "bob")
        model.deposit("bob", eth: 32)
        model.validators[0].rateBips = 0
        for _ in 0..<3 {
            try json(stack, "validator", "deposit", "carol")
            model.deposit("carol", eth: 32)
        }
        try advance(stack, &model, 20)
        for index in 0..<4 { try expectValidator(stack, model, index) }
        #expect(model.validators[0].penalties > 0 && model.validators[0].rewards == 0)

        // Two of carol's validators slashed ten epochs apart: both in the correlation window.
        let first = try json(stack, "validator", "slash", "1", "--reason", "double vote")
        model.slash(1)
        #expect(first["slashingPenaltiesGwei"] == .string("7812500"), "\(first)")
        try advance(stack, &model, 10)
        try json(stack, "validator", "slash", "2", "--reason", "surround vote")
        model.slash(2)
        for index in 0..<4 { try expectValidator(stack, model, index) }
        try expectAuditExact(stack)

        // Up to the first correlation penalty (4096 epochs after the first slashing), then past
        // the second.
        try advance(stack, &model, model.validators[1].withdrawable - 4096 - model.epoch + 1)
        try expectValidator(stack, model, 1)
        #expect(model.validators[1].slashingPenalties > 7_812_500, "correlation penalty charged")
        try advance(stack, &model, 10)
        for index in 0..<4 { try expectValidator(stack, model, index) }
        try expectAuditExact(stack)

        // Withdrawable 8192 epochs after the slashing, swept in full at the next sweep.
        let untilSwept = (model.validators[2].withdrawable / 225 + 1) * 225 - model.epoch
        try advance(stack, &model, untilSwept)
        for index in 0..<4 { try expectValidator(stack, model, index) }
        try expectAccount(stack, model, "carol", depositedEth: 96)
        try expectAccount(stack, model, "bob", depositedEth: 32)
        #expect(try json(stack, "validator", "show", "1")["status"] == .string("withdrawal_done"))
        try expectAuditExact(stack)

        // A withdrawn validator can no longer be slashed: refused, nothing changes.
        let before = try json(stack, "validator", "show", "1")
        let refused = try stack.cli("validator", "slash", "1", "--reason", "late")
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("validator_already_slashed") || refused.stderr.contains("validator_not_slashable"), "\(refused.stderr)")
        #expect(try json(stack, "validator", "show", "1") == before)
        try expectAuditExact(stack)
    }

    @Test("bad input gets a clear error and changes nothing")
    func badInput() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var model = SpecModel()
        try json(stack, "eth", "deposit", "erin", "100")
        try json(stack, "validator", "deposit", "erin")
        model.deposit("erin", eth: 32)
        try advance(stack, &model, 300)
        let snapshot = { () throws -> [JSON] in
            [try self.json(stack, "account", "show", "erin"), try self.json(stack, "validator", "list"),
             try self.json(stack, "chain", "show"), try self.json(stack, "audit")]
        }
        let before = try snapshot()
        // (arguments, exit code, text the error must contain)
        let cases: [([String], Int32, String)] = [
            (["validator", "show", "7"], 1, "not_found"),
            (["validator", "exit", "7"], 1, "not_found"),
            (["validator", "slash", "7", "--reason", "x"], 1, "not_found"),
            (["validator", "deposit", "erin", "--amount", "31"], 1, "deposit_out_of_range"),
            (["validator", "deposit", "erin", "--amount", "2049", "--compounding"], 1, "deposit_out_of_range"),
            (["validator", "deposit", "erin", "--amount", "40"], 1, "deposit_out_of_range"),
            (["validator", "deposit", "erin", "--amount", "32.0000000001"], 64, "decimals"),
            (["validator", "deposit", "nobody"], 1, "not_found"),
            (["eth", "deposit", "erin", "abc"], 64, "abc"),
            (["eth", "deposit", "erin", "1.2.3"], 64, "1.2.3"),
            (["eth", "deposit", "erin", "0.0000000000000000001"], 64, "decimals"),
            (["eth", "deposit", "Erin", "1"], 1, "invalid_argument"),
            (["eth", "withdraw", "erin", "1000"], 1, "insufficient_balance"),
        ]
        for (arguments, code, text) in cases {
            let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments)
            #expect(run.exitCode == code, "\(arguments): exit \(run.exitCode), \(run.stderr)")
            #expect(run.stderr.contains(text), "\(arguments): \(run.stderr)")
        }
        // Exit twice: the second is refused.
        #expect(try stack.cli("validator", "exit", "0").exitCode == 0)
        model.initiateExit(0)
        let twice = try stack.cli("validator", "exit", "0")
        #expect(twice.exitCode == 1 && twice.stderr.contains("exit_already_initiated"), "\(twice.stderr)")
        let after = try snapshot()
        // Only the exit changed anything (the validator, and the chain's count by status).
        #expect(after[0] == before[0] && after[3] == before[3])
        func withoutStatusCounts(_ chain: JSON) -> JSON {
            guard case .object(var fields) = chain else { return chain }
            fields["validatorsByStatus"] = nil
            return .object(fields)
        }
        #expect(withoutStatusCounts(after[2]) == withoutStatusCounts(before[2]))
        try expectValidator(stack, model, 0)
    }

    func formatEther(_ wei: UInt128) -> String { EtherAmount.format(wei) }
}
