import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// The solo-staking domains in process: a staker's life, refusals that change nothing, and
/// replay/snapshot giving back exactly the live state.
@Suite struct SoloStakingDomainTests {
    /// 34M ETH of network stake (the default) plus one 32-ETH validator: base reward 11,104 gwei,
    /// and with everyone online each flag pays exactly `base × weight // 64`.
    static let idealEpochGwei: UInt64 = 2_429 + 4_511 + 2_429 + 1_388 + 347

    func funded(_ world: inout Choreography, _ account: String = "alice", eth: UInt128 = 64) throws {
        try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether)]))
    }

    @Test func soloStakerEarnsTheIdealRewardAndIsSwept() throws {
        var world = Choreography()
        try funded(&world)
        let deposit = try world.send("ledger", "ledger.validator.deposit", as: "alice", .object([
            "account": "alice", "amountWei": .wei(32 * ether),
        ]))
        #expect(deposit.at("validator") == .number("0"))
        #expect(deposit.at("expectedActivationEpoch") == .number("8"))
        #expect(deposit.at("balanceWei").text == String(32 * ether))
        // Epochs 0…224: active from 8, so 217 ideal epochs; the sweep at 225 takes the excess.
        let advanced = try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("225")]))
        #expect(advanced.at("toEpoch") == .number("225"))
        let validator = try world.query("ledger", "ledger.validator.show", .object(["validator": .number("0")]))
        let earned = UInt64(217) * Self.idealEpochGwei
        #expect(validator.at("status") == .string("active_ongoing"))
        #expect(validator.at("rewardsGwei").text == String(earned))
        #expect(validator.at("withdrawnGwei").text == String(earned))
        #expect(validator.at("balanceGwei").text == String(32_000_000_000 as UInt64))
        let account = try world.query("ledger", "ledger.account.show", .object(["account": "alice"]))
        #expect(account.at("balanceWei").text == String(32 * ether + UInt128(earned) * 1_000_000_000))
        #expect(try world.query("ledger", "ledger.audit").at("ok") == .bool(true))
    }

    @Test func refusalsChangeNothing() throws {
        var world = Choreography()
        try funded(&world)
        try world.send("ledger", "ledger.validator.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(32 * ether)]))
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("10")]))
        let before = (world.ledger.snapshot(), world.rewards.snapshot(), world.slashing.snapshot())
        let cases: [(String, String, String, JSON, String)] = [
            ("ledger", "ledger.validator.show", "x", .object(["validator": .number("9")]), "not_found"),
            ("ledger", "ledger.validator.exit", "alice", .object(["validator": .number("9")]), "not_found"),
            ("ledger", "ledger.validator.exit", "alice", .object(["validator": .number("0")]), "exit_too_early"),
            ("ledger", "ledger.validator.exit", "bob", .object(["validator": .number("0")]), "unauthorized"),
            ("ledger", "ledger.validator.deposit", "alice", .object(["account": "alice", "amountWei": .wei(31 * ether)]), "deposit_out_of_range"),
            ("ledger", "ledger.validator.deposit", "alice", .object(["account": "alice", "amountWei": .wei(2049 * ether), "compounding": .bool(true)]), "deposit_out_of_range"),
            ("ledger", "ledger.validator.deposit", "alice", .object(["account": "alice", "amountWei": .wei(32 * ether + 1)]), "amount_too_precise"),
            ("ledger", "ledger.validator.deposit", "alice", .object(["account": "alice", "amountWei": .wei(33 * ether), "compounding": .bool(true)]), "insufficient_balance"),
            ("ledger", "ledger.validator.deposit", "bob", .object(["account": "bob", "amountWei": .wei(32 * ether)]), "not_found"),
            ("ledger", "ledger.eth.deposit", "alice", .object(["account": "alice", "amountWei": .number("5")]), "wrong_type"),
            ("ledger", "ledger.eth.deposit", "alice", .object(["account": "alice", "amountWei": "1.5"]), "invalid_amount"),
            ("ledger", "ledger.eth.deposit", "alice", .object(["account": "alice", "amountWei": "0"]), "amount_zero"),
            ("ledger", "ledger.eth.deposit", "Alice", .object(["account": "Alice", "amountWei": "1"]), "invalid_argument"),
            ("ledger", "ledger.eth.withdraw", "alice", .object(["account": "alice", "amountWei": .wei(33 * ether)]), "insufficient_balance"),
            ("rewards", "rewards.epochs.advance", "alice", .object(["count": .number("1")]), "unauthorized"),
            ("rewards", "rewards.epochs.advance", "oracle", .object(["count": .number("1001")]), "invalid_argument"),
            ("rewards", "rewards.performance.set", "oracle", .object(["validator": .number("0"), "onlineRateBips": .number("10001")]), "invalid_performance"),
            ("rewards", "rewards.network.set", "oracle", .object(["networkActiveGwei": "1"]), "invalid_parameters"),
            ("slashing", "slashing.validator.slash", "oracle", .object(["validator": .number("7"), "reason": "double vote"]), "not_found"),
            ("slashing", "slashing.validator.slash", "alice", .object(["validator": .number("0"), "reason": "double vote"]), "unauthorized"),
        ]
        for (service, type, actor, body, code) in cases {
            do {
                try world.send(service, type, as: actor, body)
                Issue.record("\(type) \(body) was accepted")
            } catch {
                #expect(error.error.code.rawValue == code, "\(type) \(body): \(error)")
            }
        }
        #expect(world.ledger.snapshot() == before.0)
        #expect(world.rewards.snapshot() == before.1)
        #expect(world.slashing.snapshot() == before.2)
    }

    @Test func slashingFlowsFromReportToLedgerAndBack() throws {
        var world = Choreography()
        try funded(&world)
        try world.send("ledger", "ledger.validator.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(32 * ether)]))
        // Pending: not slashable yet.
        #expect(throws: Choreography.Failure.self) {
            try world.send("slashing", "slashing.validator.slash", as: "oracle", .object(["validator": .number("0"), "reason": "x"]))
        }
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("20")]))
        let report = try world.send("slashing", "slashing.validator.slash", as: "oracle", .object([
            "validator": .number("0"), "reason": "double vote",
        ]))
        #expect(report.at("owner") == .string("alice"))
        let validator = try world.query("ledger", "ledger.validator.show", .object(["validator": .number("0")]))
        #expect(validator.at("status") == .string("active_slashed"))
        #expect(validator.at("slashingPenaltiesGwei") == .string("7812500"))
        #expect(validator.at("withdrawableEpoch") == .number(String(20 + 8192)))
        #expect(validator.at("correlationEpoch") == .number(String(20 + 4096)))
        let slashings = try world.query("slashing", "slashing.validator.slashings")
        guard case .array(let records)? = slashings["slashings"], let record = records.first else {
            Issue.record("no slashing recorded"); return
        }
        #expect(record.at("state") == .string("applied"))
        #expect(record.at("penaltyGwei") == .string("7812500"))
        #expect(throws: Choreography.Failure.self) {
            try world.send("slashing", "slashing.validator.slash", as: "oracle", .object(["validator": .number("0"), "reason": "again"]))
        }
        #expect(try world.query("ledger", "ledger.audit").at("ok") == .bool(true))
    }

    /// A restart replays the journal (or loads a snapshot): the state must be exactly the live one.
    @Test func replayAndSnapshotRebuildTheLiveState() throws {
        var world = Choreography()
        try funded(&world, eth: 3000)
        try world.send("ledger", "ledger.validator.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(32 * ether)]))
        try world.send("ledger", "ledger.validator.deposit", as: "alice", .object([
            "account": "alice", "amountWei": .wei(2048 * ether), "compounding": .bool(true),
        ]))
        try world.send("ledger", "ledger.validator.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(32 * ether)]))
        try world.send("rewards", "rewards.performance.set", as: "oracle", .object(["validator": .number("2"), "onlineRateBips": .number("5000")]))
        try world.send("rewards", "rewards.network.set", as: "oracle", .object(["sweepIntervalEpochs": .number("10")]))
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("300")]))
        try world.send("ledger", "ledger.validator.exit", as: "alice", .object(["validator": .number("0")]))
        try world.send("slashing", "slashing.validator.slash", as: "oracle", .object(["validator": .number("1"), "reason": "surround vote"]))
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .number("400")]))

        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == world.ledger.snapshot())
        #expect(try LedgerDomain(snapshot: world.ledger.snapshot()).snapshot() == world.ledger.snapshot())
        #expect(try RewardsDomain(snapshot: world.rewards.snapshot()).snapshot() == world.rewards.snapshot())
        #expect(try SlashingDomain(snapshot: world.slashing.snapshot()).snapshot() == world.slashing.snapshot())
        let validator = try world.query("ledger", "ledger.validator.show", .object(["validator": .number("0")]))
        #expect(validator.at("status") == .string("withdrawal_done"))
        #expect(try world.query("ledger", "ledger.audit").at("ok") == .bool(true))
    }

    /// The oracle may name any validator number in a performance setting; one beyond `Int`
    /// must be ignored by the ledger, not trap it on every replay.
    @Test func aPerformanceSettingForAHugeValidatorIsIgnored() throws {
        var world = Choreography()
        let before = world.ledger.snapshot()
        try world.send("rewards", "rewards.performance.set", as: "oracle", .object([
            "validator": .number("18446744073709551615"), "onlineRateBips": .number("5000"),
        ]))
        #expect(world.ledger.snapshot() == before)
    }
}
