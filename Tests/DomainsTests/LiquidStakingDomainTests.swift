import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// The steth pool in process: stakes fund validators, reports rebase with the fee, transfers,
/// wrapping, the withdrawal queue; refusals change nothing; replay and snapshots rebuild it.
@Suite struct LiquidStakingDomainTests {
    static let e27: UInt128 = 1_000_000_000_000_000_000_000_000_000

    func registerOperator(_ world: inout Choreography, _ name: String, seq: UInt64, limit: UInt64 = 10) {
        world.deliver(EventEnvelope(
            source: "operators", seq: seq, type: "operators.NodeOperatorRegistered", epoch: nil,
            body: .object(["name": .string(name), "pool": "steth", "validatorLimit": .number(String(limit)),
                           "onlineRateBips": .number("10000"), "commissionBips": .null])))
    }

    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    func stakedWorld() throws -> Choreography {
        var world = Choreography()
        registerOperator(&world, "op-a", seq: 1)
        registerOperator(&world, "op-b", seq: 2)
        for (account, eth) in [("alice", "40.5"), ("bob", "20.25"), ("carol", "7.125")] {
            let wei = try EtherAmount.parse(eth)
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(wei)]))
            try world.send("ledger", "ledger.stake", as: account, .object(["account": .string(account), "amountWei": .wei(wei)]))
        }
        return world
    }

    @Test func stakesFundValidatorsAndTheReportRebasesWithTheFee() throws {
        var world = try stakedWorld()
        var pool = try world.query("ledger", "ledger.pool.show", .object(["pool": "steth"]))
        // 67.875 ETH staked: two 32-ETH validators, one per operator, 3.875 ETH left buffered.
        #expect(amount(pool, "bufferedWei") == UInt128(3_875_000_000_000_000_000))
        #expect(pool["validators"] == .object([
            "op-a": .object(["active": .number("0"), "pending": .number("1"), "exited": .number("0")]),
            "op-b": .object(["active": .number("0"), "pending": .number("1"), "exited": .number("0")]),
        ]))
        #expect(amount(pool, "totalPooledWei") == UInt128(67_875_000_000_000_000_000))
        #expect(amount(pool, "shareRateE27") == Self.e27)
        let alice = try world.query("ledger", "ledger.account.show", .object(["account": "alice"]))
        #expect(amount(alice, "stethShares") == UInt128(40_500_000_000_000_000_000) - 1_000)  // the first 1000 wei are dead shares

        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("225")]))
        pool = try world.query("ledger", "ledger.pool.show", .object(["pool": "steth"]))
        #expect(pool["lastReportEpoch"] == .number("225"))
        #expect(amount(pool, "shareRateE27") > Self.e27, "the report rebased upwards")
        guard case .object(let fees)? = pool["feesPaidWei"] else { Issue.record("no fees"); return }
        #expect(fees["operatorsWei"] != .string("0") && fees["treasuryWei"] != .string("0"))
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit["ok"] == .bool(true), "\(audit)")
    }

    @Test func transfersWrapAndWithdraw() throws {
        var world = try stakedWorld()
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("225")]))
        let byAmount = try world.send("ledger", "ledger.transfer", as: "alice", .object([
            "from": "alice", "to": "dave", "token": "steth", "amountWei": .wei(1_000_000_000_000_000_000),
        ]))
        #expect(amount(byAmount, "amountCreditedWei") <= 1_000_000_000_000_000_000)
        #expect(amount(byAmount, "amountCreditedWei") + 2 >= 1_000_000_000_000_000_000)
        let byShares = try world.send("ledger", "ledger.transfer", as: "alice", .object([
            "from": "alice", "to": "dave", "token": "steth", "shares": .wei(12345),
        ]))
        #expect(byShares["sharesMoved"] == .string("12345"))
        let wrapped = try world.send("ledger", "ledger.wrap", as: "bob", .object(["account": "bob", "amountWei": .wei(5_000_000_000_000_000_000)]))
        let units = amount(wrapped, "wstethWei")
        let unwrapped = try world.send("ledger", "ledger.unwrap", as: "bob", .object(["account": "bob", "amountWei": .wei(units)]))
        #expect(amount(unwrapped, "stethCreditedWei") <= 5_000_000_000_000_000_000)

        // A withdrawal the 3.875-ETH buffer (plus the report's collections) pays at the next report.
        let request = try world.send("ledger", "ledger.withdrawal.request", as: "carol", .object([
            "account": "carol", "token": "steth", "amountWei": .wei(2_000_000_000_000_000_000),
        ]))
        #expect(request["expectedFinalizationEpoch"] == .number("450"))
        #expect(throws: Choreography.Failure.self) {
            try world.send("ledger", "ledger.withdrawal.claim", as: "carol", .object(["id": .number("1")]))
        }
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("225")]))
        let claim = try world.send("ledger", "ledger.withdrawal.claim", as: "carol", .object(["id": .number("1")]))
        // Requested after a positive report and finalized after another: the claim is the amount asked.
        #expect(amount(claim, "claimedWei") == 2_000_000_000_000_000_000)
        #expect(throws: Choreography.Failure.self) {
            try world.send("ledger", "ledger.withdrawal.claim", as: "carol", .object(["id": .number("1")]))
        }
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit["ok"] == .bool(true), "\(audit)")

        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == world.ledger.snapshot())
        #expect(try LedgerDomain(snapshot: world.ledger.snapshot()).snapshot() == world.ledger.snapshot())
        #expect(try RewardsDomain(snapshot: world.rewards.snapshot()).snapshot() == world.rewards.snapshot())
    }

    @Test func liquidRefusalsChangeNothing() throws {
        var world = try stakedWorld()
        let before = world.ledger.snapshot()
        let cases: [(String, String, JSON, String)] = [
            ("ledger.stake", "alice", .object(["account": "alice", "pool": "steth", "amountWei": .wei(9_999_999_999_999_999)]), "below_minimum"),
            ("ledger.stake", "alice", .object(["account": "alice", "pool": "xeth", "amountWei": .wei(ether)]), "unknown_pool"),
            ("ledger.stake", "alice", .object(["account": "alice", "pool": "steth", "amountWei": .wei(ether)]), "insufficient_balance"),
            ("ledger.transfer", "alice", .object(["from": "alice", "to": "bob", "token": "steth", "amountWei": .wei(41 * ether)]), "insufficient_balance"),
            ("ledger.transfer", "alice", .object(["from": "alice", "to": "bob", "token": "doge", "amountWei": .wei(1)]), "unknown_token"),
            ("ledger.transfer", "bob", .object(["from": "alice", "to": "bob", "token": "steth", "amountWei": .wei(1)]), "unauthorized"),
            ("ledger.wrap", "alice", .object(["account": "alice", "amountWei": .wei(41 * ether)]), "insufficient_balance"),
            ("ledger.unwrap", "alice", .object(["account": "alice", "amountWei": .wei(1)]), "insufficient_balance"),
            ("ledger.withdrawal.request", "alice", .object(["account": "alice", "token": "steth", "amountWei": .wei(99)]), "below_minimum"),
            ("ledger.withdrawal.request", "alice", .object(["account": "alice", "token": "reth", "amountWei": .wei(ether)]), "unknown_token"),
            ("ledger.withdrawal.claim", "alice", .object(["id": .number("7")]), "request_not_found"),
        ]
        for (type, actor, body, code) in cases {
            do {
                try world.send("ledger", type, as: actor, body)
                Issue.record("\(type) \(body) was accepted")
            } catch {
                #expect(error.error.code.rawValue == code, "\(type): \(error)")
            }
        }
        #expect(world.ledger.snapshot() == before)
    }

    /// A pool whose validators are slashed to nothing (a network small enough for one slashing to
    /// take the whole balance) and no buffer: the report is held, nothing traps.
    @Test func aPoolWipedOutHoldsItsReportInsteadOfTrapping() throws {
        var world = Choreography()
        registerOperator(&world, "op-a", seq: 1)
        try world.send("rewards", "rewards.network.set", as: "oracle", .object(["networkActiveGwei": "64000000000"]))
        try world.send("rewards", "rewards.pool.set", as: "oracle", .object(["pool": "steth", "elRewardsWeiPerValidatorEpoch": "0"]))
        try world.send("ledger", "ledger.eth.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(64 * ether)]))
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "amountWei": .wei(64 * ether)]))
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("20")]))
        for validator in ["0", "1"] {
            try world.send("slashing", "slashing.validator.slash", as: "oracle", .object(["validator": .number(validator), "reason": "x"]))
        }
        for _ in 0..<5 { try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("1000")])) }
        #expect(world.ledger.chain.validators.allSatisfy { $0.balanceGwei == 0 })
        #expect(try world.query("ledger", "ledger.pool.show", .object(["pool": "steth"]))["heldReport"] != .null)
        #expect(try world.query("ledger", "ledger.audit")["ok"] == .bool(true))
    }
}
