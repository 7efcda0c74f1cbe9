import Contracts
import Domains
import ServiceKit
import Testing

/// The restaking registry in process (docs/PROTOCOL.md §9.6): restaking operators and
/// delegation in operators; AVSs, operator sets, registrations and allocations in slashing.
/// Every refusal changes nothing; snapshots and replays give back the live state.
@Suite struct RestakingRegistryDomainTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    func advance(_ world: inout Choreography, _ count: Int) throws {
        var left = count
        while left > 0 {
            let step = min(left, 1000)
            try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .int(step)]))
            left -= step
        }
    }

    /// Operator `op` (delay 5), AVS `eigenda` with set 1 {native, steth}, op joined.
    func registry() throws -> Choreography {
        var world = Choreography()
        try world.send("operators", "operators.restaking.register", as: "op", .object([
            "name": "op", "allocationDelayEpochs": .int(5),
        ]))
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "strategies": .array(["steth", "native"]),
        ]))
        try world.send("slashing", "slashing.set.join", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(1)]))
        return world
    }

    @Test func registerDelegateAndSplitChangeAfterTheDelay() throws {
        var world = Choreography()
        let registered = try world.send("operators", "operators.restaking.register", as: "op", .object([
            "name": "op", "splitBips": .int(500), "allocationDelayEpochs": .int(7),
        ]))
        #expect(registered.at("splitBips") == .int(500))
        #expect(registered.at("pendingSplit") == .null)
        // The slashing service keeps a replica.
        #expect(world.journals["slashing"]!.map(\.type) == ["slashing.OperatorTracked"])
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        #expect(try world.query("operators", "operators.delegation.show", .object(["staker": "alice"])).at("operator") == "op")
        #expect(try world.query("operators", "operators.restaking.show", .object(["name": "op"])).at("delegatorCount") == .int(1))

        // No own event per epoch while nothing is pending.
        try advance(&world, 3)
        #expect(world.journals["operators"]!.count == 2)
        try world.send("operators", "operators.restaking.setSplit", as: "op", .object(["name": "op", "splitBips": .int(2000)]))
        try advance(&world, 1)  // ends epoch 3: the change was made in epoch 3
        let scheduled = try world.query("operators", "operators.restaking.show", .object(["name": "op"]))
        let effect = 3 + OperatorsDomain.splitActivationDelayEpochs
        #expect(scheduled.at("pendingSplit") == .object(["splitBips": .int(2000), "effectEpoch": .int(effect)]))
        #expect(scheduled.at("splitBips") == .int(500))
        try advance(&world, Int(effect) - 5)  // clock now effect − 1
        #expect(try world.query("operators", "operators.restaking.show", .object(["name": "op"])).at("splitBips") == .int(500))
        try advance(&world, 1)  // clock now effect
        let changed = try world.query("operators", "operators.restaking.show", .object(["name": "op"]))
        #expect(changed.at("splitBips") == .int(2000))
        #expect(changed.at("pendingSplit") == .null)
        #expect(world.journals["operators"]!.map(\.type).suffix(3) == [
            "operators.RestakingSplitChangeQueued", "operators.RestakingSplitChangeScheduled", "operators.RestakingSplitChanged",
        ])
        try advance(&world, 10)
        #expect(world.journals["operators"]!.count == 5)

        try world.send("operators", "operators.undelegate", as: "alice", .object(["staker": "alice"]))
        #expect(try world.query("operators", "operators.delegation.show", .object(["staker": "alice"])).at("operator") == .null)
    }

    @Test func operatorsRefusalsChangeNothing() throws {
        var world = Choreography()
        try world.send("operators", "operators.restaking.register", as: "op", .object(["name": "op", "allocationDelayEpochs": .int(1)]))
        try world.send("operators", "operators.restaking.register", as: "op2", .object(["name": "op2", "allocationDelayEpochs": .int(1)]))
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        try world.send("operators", "operators.restaking.setSplit", as: "op", .object(["name": "op", "splitBips": .int(100)]))
        try world.send("operators", "operators.node.register", as: "rp", .object(["name": "rp", "pool": "reth"]))
        let before = world.operators.snapshot()
        let cases: [(String, String, JSON, String)] = [
            ("operators.restaking.register", "rp", .object(["name": "rp", "allocationDelayEpochs": .int(1)]), "operator_exists"),
            ("operators.node.register", "op", .object(["name": "op", "pool": "reth"]), "operator_exists"),
            ("operators.restaking.register", "op", .object(["name": "op", "allocationDelayEpochs": .int(1)]), "operator_exists"),
            ("operators.restaking.register", "mallory", .object(["name": "x", "allocationDelayEpochs": .int(1)]), "unauthorized"),
            ("operators.restaking.register", "x", .object(["name": "x", "splitBips": .int(10_001), "allocationDelayEpochs": .int(1)]), "invalid_split"),
            ("operators.restaking.register", "x", .object(["name": "x"]), "missing_field"),
            ("operators.restaking.setSplit", "op", .object(["name": "op", "splitBips": .int(200)]), "split_change_pending"),
            ("operators.restaking.setSplit", "op2", .object(["name": "op2", "splitBips": .int(1000)]), "invalid_split"),
            ("operators.restaking.setSplit", "op", .object(["name": "op2", "splitBips": .int(10)]), "unauthorized"),
            ("operators.restaking.setSplit", "nobody", .object(["name": "nobody", "splitBips": .int(10)]), "operator_not_found"),
            ("operators.delegate", "alice", .object(["staker": "alice", "operator": "op2"]), "already_delegated"),
            ("operators.delegate", "bob", .object(["staker": "bob", "operator": "nobody"]), "operator_not_found"),
            ("operators.delegate", "mallory", .object(["staker": "bob", "operator": "op"]), "unauthorized"),
            ("operators.delegate", "op2", .object(["staker": "op2", "operator": "op"]), "already_delegated"),
            ("operators.undelegate", "bob", .object(["staker": "bob"]), "not_delegated"),
            ("operators.undelegate", "mallory", .object(["staker": "alice"]), "unauthorized"),
        ]
        for (type, actor, body, code) in cases {
            do {
                try world.send("operators", type, as: actor, body)
                Issue.record("\(type) as \(actor) \(body) was accepted")
            } catch {
                #expect(error.error.code.rawValue == code, "\(type) \(body): \(error)")
            }
            #expect(world.operators.snapshot() == before, "\(type) as \(actor) changed the state")
        }
        // The operator may force-undelegate its staker, as in EigenLayer.
        try world.send("operators", "operators.undelegate", as: "op", .object(["staker": "alice"]))
    }

    @Test func allocationTakesEffectAfterTheDelayAndDeallocationAfter3150Epochs() throws {
        var world = try registry()
        try advance(&world, 10)  // clock at 10
        let allocated = try world.send("slashing", "slashing.allocate", as: "op", .object([
            "operator": "op", "avs": "eigenda", "setId": .int(1), "strategy": "steth", "magnitudeWad": .wei(Self.wad / 2),
        ]))
        #expect(allocated.at("effectEpoch") == .int(15))
        #expect(allocated.at("currentMagnitudeWad") == "0")
        func allocation() throws -> JSON {
            let view = try world.query("slashing", "slashing.operator.allocations", .object(["operator": "op"]))
            return try view.array("allocations")[0]
        }
        #expect(try allocation().at("pending") == .object(["diffWad": .string(String(Self.wad / 2)), "effectEpoch": .int(15)]))
        try advance(&world, 4)  // 14
        #expect(try allocation().at("currentMagnitudeWad") == "0")
        try advance(&world, 1)  // 15
        #expect(try allocation().at("currentMagnitudeWad") == .wei(Self.wad / 2))
        #expect(try allocation().at("pending") == .null)
        let strategies = try world.query("slashing", "slashing.operator.allocations", .object(["operator": "op"])).array("strategies")
        #expect(strategies[0].at("encumberedMagnitudeWad") == .wei(Self.wad / 2))
        #expect(strategies[0].at("allocatableMagnitudeWad") == .wei(Self.wad / 2))

        // Over-allocation across sets is refused and changes nothing.
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(2), "strategies": .array(["steth"]),
        ]))
        try world.send("slashing", "slashing.set.join", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(2)]))
        let before = world.slashing.snapshot()
        do {
            try world.send("slashing", "slashing.allocate", as: "op", .object([
                "operator": "op", "avs": "eigenda", "setId": .int(2), "strategy": "steth", "magnitudeWad": .wei(Self.wad / 2 + 1),
            ]))
            Issue.record("over-allocation accepted")
        } catch {
            #expect(error.error.code.rawValue == "insufficient_magnitude")
        }
        #expect(world.slashing.snapshot() == before)

        // Deallocation: slashable 3150 epochs more, effective at +3151.
        let deallocated = try world.send("slashing", "slashing.allocate", as: "op", .object([
            "operator": "op", "avs": "eigenda", "setId": .int(1), "strategy": "steth", "magnitudeWad": "0",
        ]))
        #expect(deallocated.at("effectEpoch") == .int(15 + 3151))
        try advance(&world, 3150)
        #expect(try allocation().at("currentMagnitudeWad") == .wei(Self.wad / 2))
        try advance(&world, 1)
        #expect(try allocation().at("currentMagnitudeWad") == "0")
        try world.send("slashing", "slashing.allocate", as: "op", .object([
            "operator": "op", "avs": "eigenda", "setId": .int(2), "strategy": "steth", "magnitudeWad": .wei(Self.wad),
        ]))
    }

    @Test func slashingRefusalsChangeNothing() throws {
        var world = try registry()
        try world.send("slashing", "slashing.avs.register", as: "other", .object(["avs": "other"]))
        try world.send("operators", "operators.restaking.register", as: "op2", .object(["name": "op2", "allocationDelayEpochs": .int(1)]))
        try world.send("slashing", "slashing.allocate", as: "op", .object([
            "operator": "op", "avs": "eigenda", "setId": .int(1), "strategy": "native", "magnitudeWad": .wei(Self.wad),
        ]))
        let before = world.slashing.snapshot()
        let set1: [String: JSON] = ["avs": "eigenda", "setId": .int(1)]
        func with(_ base: [String: JSON], _ extra: [String: JSON]) -> JSON { .object(base.merging(extra) { _, new in new }) }
        let cases: [(String, String, JSON, String)] = [
            ("slashing.avs.register", "eigenda", .object(["avs": "eigenda"]), "avs_exists"),
            ("slashing.avs.register", "mallory", .object(["avs": "x"]), "unauthorized"),
            ("slashing.set.create", "other", with(set1, ["setId": .int(9), "strategies": .array(["steth"])]), "unauthorized"),
            ("slashing.set.create", "eigenda", with(set1, ["strategies": .array(["steth"])]), "operator_set_already_exists"),
            ("slashing.set.create", "eigenda", with(set1, ["setId": .int(9), "strategies": .array(["doge"])]), "unknown_strategy"),
            ("slashing.set.create", "eigenda", with(set1, ["setId": .int(9), "strategies": .array([])]), "invalid_argument"),
            ("slashing.set.create", "nobody", .object(["avs": "nobody", "setId": .int(1), "strategies": .array(["steth"])]), "avs_not_found"),
            ("slashing.set.join", "op", with(set1, ["operator": "op"]), "already_registered_for_operator_set"),
            ("slashing.set.join", "mallory", with(set1, ["operator": "op2"]), "unauthorized"),
            ("slashing.set.join", "ghost", with(set1, ["operator": "ghost"]), "operator_not_found"),
            ("slashing.set.join", "op2", with(set1, ["operator": "op2", "setId": .int(7)]), "operator_set_not_found"),
            ("slashing.set.leave", "op2", with(set1, ["operator": "op2"]), "not_registered_for_operator_set"),
            ("slashing.allocate", "op", with(set1, ["operator": "op", "strategy": "native", "magnitudeWad": .wei(Self.wad)]), "modification_already_pending"),
            ("slashing.allocate", "op", with(set1, ["operator": "op", "strategy": "steth", "magnitudeWad": .wei(Self.wad + 1)]), "invalid_magnitude"),
            ("slashing.allocate", "op", with(set1, ["operator": "op", "strategy": "reth", "magnitudeWad": "1"]), "strategy_not_in_operator_set"),
            ("slashing.allocate", "op", with(set1, ["operator": "op", "strategy": "doge", "magnitudeWad": "1"]), "unknown_strategy"),
            ("slashing.allocate", "eigenda", with(set1, ["operator": "op", "strategy": "steth", "magnitudeWad": "1"]), "unauthorized"),
            ("slashing.allocate", "op", with(set1, ["operator": "op", "strategy": "steth", "magnitudeWad": "0"]), "same_magnitude"),
        ]
        for (type, actor, body, code) in cases {
            do {
                try world.send("slashing", type, as: actor, body)
                Issue.record("\(type) as \(actor) \(body) was accepted")
            } catch {
                #expect(error.error.code.rawValue == code, "\(type) \(body): \(error)")
            }
            #expect(world.slashing.snapshot() == before, "\(type) as \(actor) changed the state")
        }
    }

    @Test func avsShowAndLeaveWindow() throws {
        var world = try registry()
        try advance(&world, 2)
        try world.send("slashing", "slashing.set.leave", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(1)]))
        let shown = try world.query("slashing", "slashing.avs.show", .object(["avs": "eigenda"]))
        let member = try shown.array("sets")[0].array("operators")[0]
        #expect(member == .object([
            "operator": "op", "registered": .bool(false), "slashable": .bool(true), "slashableUntilEpoch": .int(2 + 3150),
        ]))
        #expect(try shown.array("sets")[0].at("strategies") == .array(["native", "steth"]))
        // Still slashable: cannot rejoin until the window ends.
        #expect(throws: Choreography.Failure.self) {
            try world.send("slashing", "slashing.set.join", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(1)]))
        }
        try advance(&world, 3151)
        try world.send("slashing", "slashing.set.join", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(1)]))
    }

    @Test func snapshotsAndReplaysGiveTheLiveState() throws {
        var world = try registry()
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        try world.send("operators", "operators.restaking.setSplit", as: "op", .object(["name": "op", "splitBips": .int(300)]))
        try advance(&world, 3)
        try world.send("slashing", "slashing.allocate", as: "op", .object([
            "operator": "op", "avs": "eigenda", "setId": .int(1), "strategy": "steth", "magnitudeWad": .wei(Self.wad / 3),
        ]))
        try advance(&world, 2)
        for service in ["operators", "slashing"] {
            let live = service == "operators" ? world.operators.snapshot() : world.slashing.snapshot()
            let bytes = try JSONCodec.parse(JSONCodec.serialize(live))
            let restored = service == "operators"
                ? try OperatorsDomain(snapshot: bytes).snapshot() : try SlashingDomain(snapshot: bytes).snapshot()
            #expect(restored == live, "\(service) snapshot round trip")
            var operators = OperatorsDomain()
            var slashing = SlashingDomain()
            for event in world.journals[service]! {
                if service == "operators" { operators.apply(event) } else { slashing.apply(event) }
            }
            #expect((service == "operators" ? operators.snapshot() : slashing.snapshot()) == live, "\(service) replay")
        }
        let restored = try SlashingDomain(snapshot: world.slashing.snapshot())
        let command = CommandEnvelope(id: "q", type: "slashing.operator.allocations", actor: "x", body: .object(["operator": "op"]))
        let context = CommandContext(actor: "x", roles: world.roles, nextSeq: 0)
        #expect(try restored.decide(command, context: context).get().result
            == world.slashing.decide(command, context: context).get().result)
    }
}
