import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// Issue #7's risk views in process (docs/PROTOCOL.md §9.9): a simulated slash predicts exactly
/// what the real one then does and changes nothing; the dry run's refusals are the slash's;
/// concentration counts active validators by who runs them and by pool.
@Suite struct RiskDomainTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    func array(_ json: JSON, _ key: String) -> [JSON] {
        guard case .array(let items)? = json[key] else { return [] }
        return items
    }

    func advance(_ world: inout Choreography, _ count: Int) throws {
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .int(count)]))
    }

    /// Every service's journal and snapshot, to show that something changed nothing.
    func fingerprint(_ world: Choreography) -> [String] {
        var out = world.journals.keys.sorted().map { "\($0): \(world.journals[$0]!.map { $0.encoded() })" }
        out += [world.ledger.snapshot(), world.rewards.snapshot(), world.slashing.snapshot(), world.operators.snapshot()]
            .map { String(decoding: JSONCodec.serialize($0), as: UTF8.self) }
        return out
    }

    /// Operator `op` in `eigenda`/1 {native, reth, steth} with 50 % of reth and 80 % of steth
    /// allocated; alice and bob restake reth, carol steth, all delegated to op; bob has half of
    /// his shares in escrow.
    func restakedWorld() throws -> Choreography {
        var world = Choreography()
        try world.send("operators", "operators.restaking.register", as: "op", .object(["name": "op", "allocationDelayEpochs": .int(0)]))
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "strategies": .array(["native", "reth", "steth"]),
        ]))
        try world.send("slashing", "slashing.avs.register", as: "other", .object(["avs": "other"]))
        try world.send("slashing", "slashing.set.create", as: "other", .object([
            "avs": "other", "setId": .int(2), "strategies": .array(["steth"]),
        ]))
        try world.send("slashing", "slashing.set.join", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(1)]))
        for (strategy, magnitude) in [("reth", Self.wad / 2), ("steth", 8 * Self.wad / 10)] {
            try world.send("slashing", "slashing.allocate", as: "op", .object([
                "operator": "op", "avs": "eigenda", "setId": .int(1), "strategy": .string(strategy), "magnitudeWad": .wei(magnitude),
            ]))
        }
        for (account, pool, eth, restake) in [
            ("alice", "reth", UInt128(30), 10 * ether + 7), ("bob", "reth", 10, 5 * ether + 3), ("carol", "steth", 20, 7 * ether + 11),
        ] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether)]))
            try world.send("ledger", "ledger.stake", as: account, .object([
                "account": .string(account), "amountWei": .wei(eth * ether), "pool": .string(pool),
            ]))
            try world.send("ledger", "ledger.restake.deposit", as: account, .object([
                "account": .string(account), "strategy": .string(pool), "amountWei": .wei(restake),
            ]))
            try world.send("operators", "operators.delegate", as: account, .object(["staker": .string(account), "operator": "op"]))
        }
        try advance(&world, 2)
        let bob = try world.query("ledger", "ledger.restake.show", .object(["account": "bob"]))
        let shares = amount(array(bob, "positions")[0], "depositShares")
        try world.send("ledger", "ledger.restake.withdraw.queue", as: "bob", .object([
            "account": "bob", "strategy": "reth", "depositShares": .wei(shares / 2),
        ]))
        return world
    }

    func slashBody(_ wad: UInt128, avs: String = "eigenda", setId: Int = 1, dryRun: Bool) -> JSON {
        var fields: [String: JSON] = [
            "avs": .string(avs), "setId": .int(setId), "operator": "op", "wadToSlash": .wei(wad), "reason": "equivocation",
        ]
        if dryRun { fields["dryRun"] = .bool(true) }
        return .object(fields)
    }

    func simulateBody(_ dryRun: JSON) -> JSON {
        .object([
            "avs": dryRun.at("avs"), "setId": dryRun.at("setId"), "operator": dryRun.at("operator"), "epoch": dryRun.at("epoch"),
            "strategies": .array(array(dryRun, "strategies").map { .object(["strategy": $0.at("strategy"), "newMaxMagnitudeWad": $0.at("newMaxMagnitudeWad")]) }),
        ])
    }

    /// The prediction equals what the real slash then does, staker by staker, and the dry run and
    /// the query change nothing.
    @Test(arguments: [Self.wad / 4, Self.wad / 3 + 1, Self.wad])
    func simulatedSlashPredictsTheRealOne(wad: UInt128) throws {
        var world = try restakedWorld()
        let before = fingerprint(world)
        // Anyone may ask for a dry run: no authority over the AVS needed, no event.
        let dryRun = try world.send("slashing", "slashing.avs.slash", as: "alice", slashBody(wad, dryRun: true))
        #expect(dryRun.at("dryRun") == .bool(true))
        #expect(dryRun["seq"] == nil)
        let prediction = try world.query("ledger", "ledger.restake.simulateSlash", simulateBody(dryRun))
        #expect(fingerprint(world) == before, "the dry run and the simulation changed nothing")
        #expect(array(prediction, "strategies").map { $0.at("strategy") } == ["reth", "steth"])

        let real = try world.send("slashing", "slashing.avs.slash", as: "eigenda", slashBody(wad, dryRun: false))
        // Slashing's prediction is the event's body.
        guard case .object(var predicted) = dryRun, case .object(var actual) = real else { Issue.record("not objects"); return }
        predicted["dryRun"] = nil
        actual["seq"] = nil
        #expect(predicted == actual)
        // The ledger's: operator shares, escrow cut and burn per strategy …
        let applied = try #require(world.journals["ledger"]!.last { $0.type == "ledger.RestakeOperatorSlashed" })
        let appliedStrategies = array(applied.body, "strategies")
        for (predictedRow, appliedRow) in zip(array(prediction, "strategies"), appliedStrategies) {
            for key in ["strategy", "previousMaxMagnitudeWad", "newMaxMagnitudeWad", "operatorSharesSlashed", "queuedSharesSlashed", "burnedWei"] {
                #expect(predictedRow.at(key) == appliedRow.at(key), "\(key) of \(predictedRow.at("strategy").text)")
            }
        }
        #expect(appliedStrategies.count == array(prediction, "strategies").count)
        let operatorView = try world.query("ledger", "ledger.restake.operator", .object(["operator": "op"]))
        for row in array(prediction, "strategies") {
            let shares = array(operatorView, "strategies").first { $0.at("strategy") == row.at("strategy") }
            #expect(shares?.at("shares") == row.at("operatorSharesAfter"))
        }
        // … each staker's withdrawable shares and their value …
        let stakers = array(prediction, "stakers")
        #expect(Set(stakers.map { $0.at("staker").text }) == ["alice", "bob", "carol"])
        for row in stakers {
            let show = try world.query("ledger", "ledger.restake.show", .object(["account": row.at("staker")]))
            let position = try #require(array(show, "positions").first { $0.at("strategy") == row.at("strategy") })
            #expect(position.at("withdrawableShares") == row.at("withdrawableSharesAfter"), "\(row.at("staker").text)")
            #expect(position.at("valueWei") == row.at("valueAfterWei"), "\(row.at("staker").text)")
            #expect(amount(row, "lossShares") > 0)
        }
        // … and bob's escrowed withdrawal.
        let withdrawals = array(prediction, "withdrawals")
        #expect(withdrawals.count == 1)
        let bob = try world.query("ledger", "ledger.restake.show", .object(["account": "bob"]))
        #expect(array(bob, "withdrawals")[0].at("sharesNow") == withdrawals[0].at("sharesAfter"))
        // The pools: not restaked (eeth holds no validator here), nothing lost through them.
        #expect(array(prediction, "pools").map { $0.at("restaked") } == [.bool(false), .bool(false), .bool(false)])
        #expect(array(prediction, "pools").allSatisfy { array($0, "holders").isEmpty })
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit.at("ok") == .bool(true))
    }

    /// At the escrow's last slashable epoch and the one after, the prediction for bob's escrowed
    /// withdrawal (queued at epoch 2) is what the slash does.
    @Test(arguments: [UInt64(3150), 3151])
    func predictionHoldsAtTheEscrowBoundary(offset: UInt64) throws {
        var world = try restakedWorld()
        var left = Int(offset)  // the chain is at epoch 2, the withdrawal slashable through 2 + 3150
        while left > 0 {
            let step = min(left, 1000)
            try advance(&world, step)
            left -= step
        }
        let dryRun = try world.send("slashing", "slashing.avs.slash", as: "eigenda", slashBody(Self.wad / 2, dryRun: true))
        #expect(dryRun.at("epoch") == .int(2 + offset))
        let prediction = try world.query("ledger", "ledger.restake.simulateSlash", simulateBody(dryRun))
        let bobBefore = try world.query("ledger", "ledger.restake.show", .object(["account": "bob"]))
        try world.send("slashing", "slashing.avs.slash", as: "eigenda", slashBody(Self.wad / 2, dryRun: false))
        let bobAfter = try world.query("ledger", "ledger.restake.show", .object(["account": "bob"]))
        let withdrawals = array(prediction, "withdrawals")
        if offset <= 3150 {
            #expect(withdrawals.count == 1)
            #expect(withdrawals.first?.at("sharesAfter") == array(bobAfter, "withdrawals")[0].at("sharesNow"))
            #expect(amount(withdrawals[0], "lossShares") > 0)
        } else {
            #expect(withdrawals.isEmpty, "out of the escrow's slashable window")
            #expect(array(bobAfter, "withdrawals")[0].at("sharesNow") == array(bobBefore, "withdrawals")[0].at("sharesNow"))
        }
        let applied = try #require(world.journals["ledger"]!.last { $0.type == "ledger.RestakeOperatorSlashed" })
        for (predictedRow, appliedRow) in zip(array(prediction, "strategies"), array(applied.body, "strategies")) {
            #expect(predictedRow.at("queuedSharesSlashed") == appliedRow.at("queuedSharesSlashed"))
            #expect(predictedRow.at("burnedWei") == appliedRow.at("burnedWei"))
        }
        for row in array(prediction, "stakers") {
            let show = try world.query("ledger", "ledger.restake.show", .object(["account": row.at("staker")]))
            let position = try #require(array(show, "positions").first { $0.at("strategy") == row.at("strategy") })
            #expect(position.at("withdrawableShares") == row.at("withdrawableSharesAfter"))
        }
    }

    /// A dry run refuses exactly what the slash refuses, and journals nothing either way.
    @Test func dryRunRefusalsAreTheSlashes() throws {
        var world = try restakedWorld()
        let before = fingerprint(world)
        for (body, code) in [
            (slashBody(0, dryRun: true), "invalid_wad_to_slash"),
            (slashBody(Self.wad + 1, dryRun: true), "invalid_wad_to_slash"),
            (slashBody(Self.wad / 2, setId: 9, dryRun: true), "operator_set_not_found"),
            (slashBody(Self.wad / 2, avs: "other", setId: 2, dryRun: true), "operator_not_slashable"),
            (slashBody(Self.wad / 2, avs: "nobody", dryRun: true), "avs_not_found"),
        ] {
            do {
                try world.send("slashing", "slashing.avs.slash", as: "anyone", body)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.error.code.rawValue == code, "\(body)")
            }
        }
        // Without dryRun the authority still holds.
        do {
            try world.send("slashing", "slashing.avs.slash", as: "anyone", slashBody(Self.wad / 2, dryRun: false))
            Issue.record("a slash by someone other than the AVS was accepted")
        } catch {
            #expect(error.error.code == .unauthorized)
        }
        // The ledger's query refuses an unknown set or operator, and a magnitude above its replica.
        for (body, code) in [
            (JSON.object(["avs": "eigenda", "setId": .int(9), "operator": "op", "strategies": .array([])]), "operator_set_not_found"),
            (.object(["avs": "eigenda", "setId": .int(1), "operator": "ghost", "strategies": .array([])]), "operator_not_found"),
            (.object(["avs": "eigenda", "setId": .int(1), "operator": "op", "strategies": .array([
                .object(["strategy": "steth", "newMaxMagnitudeWad": .wei(Self.wad + 1)]),
            ])]), "invalid_argument"),
        ] {
            do {
                _ = try world.query("ledger", "ledger.restake.simulateSlash", body)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.error.code.rawValue == code)
            }
        }
        #expect(fingerprint(world) == before)
    }

    /// Registers a curated steth node operator as the operators service would.
    func registerNodeOperator(_ world: inout Choreography, _ name: String, seq: UInt64) {
        world.deliver(EventEnvelope(
            source: "operators", seq: seq, type: "operators.NodeOperatorRegistered", epoch: nil,
            body: .object(["name": .string(name), "pool": "steth", "validatorLimit": .number("10"),
                           "onlineRateBips": .number("10000"), "commissionBips": .null])))
    }

    /// Active validators by who runs them and by pool; warnings at 1/3.
    @Test func concentrationCountsActiveValidatorsByRunnerAndPool() throws {
        var world = Choreography()
        registerNodeOperator(&world, "op-a", seq: 1)
        registerNodeOperator(&world, "op-b", seq: 2)
        try world.send("ledger", "ledger.eth.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(64 * ether)]))
        for _ in 0..<2 {
            try world.send("ledger", "ledger.validator.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(32 * ether)]))
        }
        try world.send("ledger", "ledger.eth.deposit", as: "bob", .object(["account": "bob", "amountWei": .wei(64 * ether)]))
        try world.send("ledger", "ledger.stake", as: "bob", .object(["account": "bob", "amountWei": .wei(64 * ether), "pool": "steth"]))
        // Nothing is active yet: nothing at stake, no warning.
        var view = try world.query("ledger", "ledger.risk.concentration")
        #expect(view.at("totalStakeWei") == "0")
        #expect(array(view, "warnings").isEmpty)
        try advance(&world, 20)
        view = try world.query("ledger", "ledger.risk.concentration")
        #expect(view.at("validators") == .int(4))
        #expect(amount(view, "totalStakeWei") == 128 * ether)
        let operators = array(view, "operators")
        #expect(operators.map { $0.at("name").text } == ["alice", "op-a", "op-b"])
        #expect(operators[0].at("kind") == "solo")
        #expect(operators[0].at("shareBips") == .int(5000))
        #expect(operators[0].at("atLeastOneThird") == .bool(true))
        #expect(operators[1].at("kind") == "node-operator")
        #expect(operators[1].at("pool") == "steth")
        #expect(operators[1].at("shareBips") == .int(2500))
        #expect(operators[1].at("atLeastOneThird") == .bool(false))
        let pools = array(view, "pools")
        #expect(pools.map { $0.at("pool").text } == ["steth", "eeth", "reth"])
        #expect(pools[0].at("shareBips") == .int(5000))
        #expect(pools[0].at("operators") == .int(2))
        #expect(pools[0].at("atLeastOneThird") == .bool(true))
        #expect(pools[1].at("stakeWei") == "0")
        #expect(array(view, "warnings").map(\.text) == [
            "operator alice runs at least 1/3 of all stake (a finality threat)",
            "pool steth holds at least 1/3 of all stake (a finality threat)",
        ])
        let steth = try world.query("ledger", "ledger.risk.pool", .object(["pool": "steth"]))
        #expect(steth.at("restaked") == .bool(false))
        #expect(steth.at("validators") == .int(2))
        #expect(steth.at("restakingStakers") == .array([]))
        do {
            _ = try world.query("ledger", "ledger.risk.pool", .object(["pool": "doge"]))
            Issue.record("unknown pool accepted")
        } catch {
            #expect(error.error.code.rawValue == "unknown_pool")
        }
    }

    /// Restaked stake by restaking operator, in ETH, as a share of restaked and of all stake.
    @Test func concentrationShowsRestakedStakeByOperator() throws {
        let world = try restakedWorld()
        let view = try world.query("ledger", "ledger.risk.concentration")
        guard case .object(let restaking)? = view["restaking"] else { Issue.record("no restaking part"); return }
        let rows = array(.object(restaking), "operators")
        #expect(rows.map { $0.at("operator").text } == ["op"])
        #expect(rows[0].at("shareOfRestakedBips") == .int(10_000))
        #expect(rows[0].at("atLeastOneThird") == .bool(true))
        #expect(amount(rows[0], "etherWei") > 0)
        #expect(restaking["totalEtherWei"] == rows[0].at("etherWei"))
    }
}
