@testable import Accounting
import Contracts
@testable import Domains
import ServiceKit
import Testing

/// The ledger decides its users' hot commands with the core's previews instead of on a mutated
/// copy of a pool (which copies the pool's arrays, O(holders)): deciding changes nothing, what
/// a decision says is what applying its events does, and applying writes into the pool's own
/// share array.
@Suite struct LedgerPreviewDomainTests {
    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    /// Three accounts in the three pools, a report behind them (a share rate above 1, so
    /// roundings bite), wsteth and weeth held.
    func stakedWorld() throws -> Choreography {
        var world = Choreography()
        for (seq, name) in ["op-a", "op-b"].enumerated() {
            world.deliver(EventEnvelope(
                source: "operators", seq: UInt64(seq + 1), type: "operators.NodeOperatorRegistered", epoch: nil,
                body: .object(["name": .string(name), "pool": "steth", "validatorLimit": .number("10"),
                               "onlineRateBips": .number("10000"), "commissionBips": .null])))
        }
        for account in ["alice", "bob", "carol"] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(5_000 * ether)]))
        }
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "amountWei": .wei(2_500 * ether)]))
        try world.send("ledger", "ledger.stake", as: "bob", .object(["account": "bob", "amountWei": .wei(70 * ether + 12_345)]))
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "reth", "amountWei": .wei(20 * ether)]))
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(30 * ether)]))
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("225")]))
        #expect(world.ledger.steth.shareRateE27 > 1_000_000_000_000_000_000_000_000_000, "the report rebased upwards")
        try world.send("ledger", "ledger.wrap", as: "bob", .object(["account": "bob", "amountWei": .wei(9 * ether)]))
        try world.send("ledger", "ledger.wrap", as: "alice", .object(["account": "alice", "token": "weeth", "amountWei": .wei(5 * ether)]))
        return world
    }

    /// Decides `type` (checking that deciding changed nothing), then sends it: the result must
    /// be the decision's.
    @discardableResult
    func decideThenSend(_ world: inout Choreography, _ type: String, as actor: String, _ body: JSON) throws -> JSON {
        let before = world.ledger.snapshot()
        let command = CommandEnvelope(id: "c", type: type, actor: actor, body: body)
        let context = CommandContext(actor: actor, roles: world.roles, nextSeq: UInt64(world.journals["ledger"]!.count + 1))
        let decided = try world.ledger.decide(command, context: context).get()
        #expect(world.ledger.snapshot() == before, "deciding \(type) changed the ledger")
        let result = try world.send("ledger", type, as: actor, body)
        #expect(result == decided.result)
        return result
    }

    @Test func decisionsSayWhatApplyingDoes() throws {
        var world = try stakedWorld()
        // Stakes: the balance a stake reports is the one applying it leaves.
        var result = try decideThenSend(&world, "ledger.stake", as: "bob", .object(["account": "bob", "amountWei": .wei(3 * ether + 7)]))
        #expect(amount(result, "balanceWei") == world.ledger.steth.stethWei(of: "bob"))
        result = try decideThenSend(&world, "ledger.stake", as: "bob", .object(["account": "bob", "pool": "reth", "amountWei": .wei(2 * ether)]))
        #expect(amount(result, "balanceWei") == world.ledger.reth.rethWei(of: "bob"))
        for (asset, wei) in [("eth", ether + 3), ("steth", 2 * ether + 1), ("wsteth", ether / 3)] {
            result = try decideThenSend(&world, "ledger.stake", as: "bob", .object([
                "account": "bob", "pool": "eeth", "asset": .string(asset), "amountWei": .wei(wei),
            ]))
            #expect(amount(result, "balanceWei") == world.ledger.eeth.eethWei(of: "bob"), "\(asset)")
        }

        // Transfers: by amount the shares that moved are the recipient's; by shares exact.
        result = try decideThenSend(&world, "ledger.transfer", as: "alice", .object([
            "from": "alice", "to": "dave", "token": "steth", "amountWei": .wei(ether + 1),
        ]))
        #expect(amount(result, "sharesMoved") == world.ledger.steth.shares(of: "dave"))
        #expect(amount(result, "amountCreditedWei") == world.ledger.steth.stethWei(of: "dave"))
        try decideThenSend(&world, "ledger.transfer", as: "alice", .object(["from": "alice", "to": "dave", "token": "steth", "shares": .wei(12_345)]))
        try decideThenSend(&world, "ledger.transfer", as: "bob", .object(["from": "bob", "to": "dave", "token": "wsteth", "amountWei": .wei(ether)]))
        #expect(world.ledger.steth.wstethWei(of: "dave") == ether)
        try decideThenSend(&world, "ledger.transfer", as: "alice", .object(["from": "alice", "to": "dave", "token": "reth", "amountWei": .wei(ether)]))
        try decideThenSend(&world, "ledger.transfer", as: "alice", .object(["from": "alice", "to": "dave", "token": "eeth", "amountWei": .wei(ether)]))
        try decideThenSend(&world, "ledger.transfer", as: "alice", .object(["from": "alice", "to": "dave", "token": "weeth", "amountWei": .wei(ether)]))

        // Wraps and unwraps report the balances applying leaves.
        for (token, unwrap) in [("wsteth", false), ("wsteth", true), ("weeth", false), ("weeth", true)] {
            let pool = token == "wsteth" ? world.ledger.steth : world.ledger.eeth.tokens
            result = try decideThenSend(&world, unwrap ? "ledger.unwrap" : "ledger.wrap", as: "dave", .object([
                "account": "dave", "token": .string(token), "amountWei": .wei(ether / 2 + 1),
            ]))
            let after = token == "wsteth" ? world.ledger.steth : world.ledger.eeth.tokens
            #expect(amount(result, pool.token + "BalanceWei") == after.stethWei(of: "dave"), "\(token) \(unwrap)")
            #expect(amount(result, pool.wrappedToken + "BalanceWei") == after.wstethWei(of: "dave"), "\(token) \(unwrap)")
        }

        // Withdrawal requests (split above 1000 ETH, or after an unwrap): the shares each
        // reports are the queue's, the expected finalization the one the queue then gives.
        for (token, wei) in [("steth", 1_500 * ether + 101), ("wsteth", 2 * ether)] {
            result = try decideThenSend(&world, "ledger.withdrawal.request", as: token == "steth" ? "alice" : "bob", .object([
                "account": token == "steth" ? "alice" : "bob", "token": .string(token), "amountWei": .wei(wei),
            ]))
            guard case .array(let requests)? = result["requests"] else { Issue.record("no requests: \(result)"); return }
            for request in requests {
                let id = WithdrawalRequestID(UInt64(try request.uint64("id")))
                #expect(amount(request, "shares") == (try world.ledger.steth.queue.amountAndShares(of: id)).shares)
            }
            #expect(result["expectedFinalizationEpoch"] == .int(world.ledger.expectedFinalizationEpoch(after: world.ledger.steth)))
        }
        for token in ["eeth", "weeth"] {
            result = try decideThenSend(&world, "ledger.withdrawal.request", as: "alice", .object([
                "account": "alice", "token": .string(token), "amountWei": .wei(ether),
            ]))
            #expect(result["expectedFinalizationEpoch"] == .int(world.ledger.eethExpectedFinalization(after: world.ledger.eeth).epoch))
        }
        result = try decideThenSend(&world, "ledger.reth.unstake", as: "bob", .object(["account": "bob", "amountWei": .wei(ether)]))
        #expect(amount(result, "rethBalanceWei") == world.ledger.reth.rethWei(of: "bob"))

        // Refusals are the same whether previewed or done: more than held, by amount and shares.
        for body: JSON in [
            .object(["from": "carol", "to": "dave", "token": "steth", "amountWei": .wei(1)]),
            .object(["from": "dave", "to": "carol", "token": "steth", "shares": .wei(world.ledger.steth.shares(of: "dave") + 1)]),
            .object(["from": "dave", "to": "carol", "token": "weeth", "amountWei": .wei(100 * ether)]),
        ] {
            let before = world.ledger.snapshot()
            do {
                try world.send("ledger", "ledger.transfer", as: body.at("from").text, body)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.error.code == .insufficientBalance, "\(error)")
            }
            #expect(world.ledger.snapshot() == before)
        }
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit["ok"] == .bool(true), "\(audit)")
    }

    /// Applying a transfer, a stake, a wrap and an unwrap writes into the pool's share array
    /// where it is (a mutated second reference would have copied it to a new address).
    @Test func applyingWritesIntoThePoolsOwnShareArray() throws {
        var world = try stakedWorld()
        var ledger = world.ledger
        var seq = UInt64(world.journals["ledger"]!.count)
        // `ledger` is now the only holder of the pool's buffers.
        world = Choreography()
        func address(_ ledger: LedgerDomain) -> UnsafeRawPointer? {
            ledger.steth.shares!.sharesByHandle.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        }
        let before = address(ledger)
        let roles = Roles(admins: [], oracles: [])
        for (type, actor, body): (String, String, JSON) in [
            ("ledger.transfer", "alice", .object(["from": "alice", "to": "bob", "token": "steth", "amountWei": .wei(ether)])),
            ("ledger.transfer", "alice", .object(["from": "alice", "to": "bob", "token": "steth", "shares": .wei(777)])),
            ("ledger.stake", "bob", .object(["account": "bob", "amountWei": .wei(ether)])),
            ("ledger.wrap", "bob", .object(["account": "bob", "amountWei": .wei(ether)])),
            ("ledger.unwrap", "bob", .object(["account": "bob", "amountWei": .wei(ether / 2)])),
        ] {
            let command = CommandEnvelope(id: "c", type: type, actor: actor, body: body)
            let decision = try ledger.decide(command, context: CommandContext(actor: actor, roles: roles, nextSeq: seq + 1)).get()
            #expect(address(ledger) == before, "deciding \(type)")
            for new in decision.events {
                seq += 1
                ledger.apply(EventEnvelope(source: "ledger", seq: seq, type: "ledger." + new.name, epoch: new.epoch, body: new.body))
            }
            #expect(address(ledger) == before, "applying \(type) copied the share array")
        }
    }
}
