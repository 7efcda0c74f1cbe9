import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// The rETH pool in process: deposit fee, minipools bonded by node operators, rate updates at
/// reports, the node's share of rewards paid to its account, unstaking against liquidity.
@Suite struct RethDomainTests {
    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    @Test func minipoolsEarnForBothSidesAndTheRateRises() throws {
        var world = Choreography()
        world.deliver(EventEnvelope(
            source: "operators", seq: 1, type: "operators.NodeOperatorRegistered", epoch: nil,
            body: .object(["name": "nora", "pool": "reth", "validatorLimit": .number("0"), "onlineRateBips": .number("10000"),
                           "commissionBips": .number("1500")])))
        try world.send("ledger", "ledger.eth.deposit", as: "nora", .object(["account": "nora", "amountWei": .wei(16 * ether)]))
        try world.send("ledger", "ledger.eth.deposit", as: "uma", .object(["account": "uma", "amountWei": .wei(20 * ether)]))
        let staked = try world.send("ledger", "ledger.stake", as: "uma", .object(["account": "uma", "pool": "reth", "amountWei": .wei(20 * ether)]))
        // 0.05 % fee stays in the pool; 1:1 while the supply is 0.
        #expect(amount(staked, "feeWei") == 10_000_000_000_000_000)
        #expect(amount(staked, "rethMinted") == 20 * ether - 10_000_000_000_000_000)
        #expect(throws: Choreography.Failure.self) {
            try world.send("ledger", "ledger.reth.node.deposit", as: "nora", .object(["operator": "nora", "bondWei": .wei(4 * ether)]))
        }
        let minipool = try world.send("ledger", "ledger.reth.node.deposit", as: "nora", .object(["operator": "nora", "bondWei": .wei(16 * ether)]))
        #expect(minipool["validator"] == .number("0"))
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("450")]))
        let pool = try world.query("ledger", "ledger.pool.show", .object(["pool": "reth"]))
        #expect(amount(pool, "rateWad") > ether, "rewards raised the rate: \(pool)")
        let nora = try world.query("ledger", "ledger.operator.show", .object(["name": "nora"]))
        #expect(amount(nora, "feesEarnedWei") > 0, "the node's share of the swept rewards")
        #expect(throws: Choreography.Failure.self) {  // 4 ETH of liquidity (plus swept rewards) cannot pay 19.99 rETH
            try world.send("ledger", "ledger.reth.unstake", as: "uma", .object(["account": "uma", "amountWei": .wei(19 * ether)]))
        }
        let unstaked = try world.send("ledger", "ledger.reth.unstake", as: "uma", .object(["account": "uma", "amountWei": .wei(3 * ether)]))
        #expect(amount(unstaked, "ethWei") > 3 * ether)
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit["ok"] == .bool(true), "\(audit)")
        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == world.ledger.snapshot())
        #expect(try LedgerDomain(snapshot: world.ledger.snapshot()).snapshot() == world.ledger.snapshot())
    }
}
