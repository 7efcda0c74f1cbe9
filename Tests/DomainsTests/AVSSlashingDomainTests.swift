import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// `slashing.avs.slash` (docs/PROTOCOL.md §9.7) through the choreography: EigenLayer's vectors
/// (reference/restaking.md §4 T1, T5, T12), the leave window's last epoch, refusals that change
/// nothing, and the slash history surviving snapshots and replays.
@Suite struct AVSSlashingDomainTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    func advance(_ world: inout Choreography, _ count: Int) throws {
        var left = count
        while left > 0 {
            let step = min(left, 1000)
            try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .int(step)]))
            left -= step
        }
    }

    /// Operator `op` (allocation delay 5) joined to `avs`/1 {native, steth} (AVS registered when new).
    func join(_ world: inout Choreography, avs: String, strategies: [JSON] = ["steth", "native"]) throws {
        if world.journals["operators"]!.isEmpty {
            try world.send("operators", "operators.restaking.register", as: "op", .object([
                "name": "op", "allocationDelayEpochs": .int(5),
            ]))
        }
        try world.send("slashing", "slashing.avs.register", as: avs, .object(["avs": .string(avs)]))
        try world.send("slashing", "slashing.set.create", as: avs, .object([
            "avs": .string(avs), "setId": .int(1), "strategies": .array(strategies),
        ]))
        try world.send("slashing", "slashing.set.join", as: "op", .object(["operator": "op", "avs": .string(avs), "setId": .int(1)]))
    }

    func allocate(_ world: inout Choreography, avs: String = "eigenda", _ strategy: String, _ magnitude: UInt128) throws {
        try world.send("slashing", "slashing.allocate", as: "op", .object([
            "operator": "op", "avs": .string(avs), "setId": .int(1), "strategy": .string(strategy), "magnitudeWad": .wei(magnitude),
        ]))
    }

    @discardableResult
    func slash(
        _ world: inout Choreography, avs: String = "eigenda", _ wad: UInt128, reason: String = "equivocation"
    ) throws(Choreography.Failure) -> JSON {
        try world.send("slashing", "slashing.avs.slash", as: avs, .object([
            "avs": .string(avs), "setId": .int(1), "operator": "op", "wadToSlash": .wei(wad), "reason": .string(reason),
        ]))
    }

    func allocations(_ world: Choreography) throws -> JSON {
        try world.query("slashing", "slashing.operator.allocations", .object(["operator": "op"]))
    }

    /// The (single) strategy row of `strategy` in `operator.allocations`.
    func strategyRow(_ world: Choreography, _ strategy: String) throws -> JSON {
        try allocations(world).array("strategies").first { $0.at("strategy") == .string(strategy) } ?? .null
    }

    @Test func t1SlashAQuarterAfterFullAllocation() throws {
        var world = Choreography()
        try join(&world, avs: "eigenda")
        try allocate(&world, "steth", Self.wad)
        try advance(&world, 5)  // the allocation takes effect at epoch 5
        let result = try slash(&world, Self.wad / 4)
        #expect(result.at("slashId") == .int(1))
        #expect(result.at("epoch") == .int(5))
        // native has no allocation: skipped, as EigenLayer does.
        #expect(result.at("strategies") == .array([.object([
            "strategy": "steth", "slashedMagnitudeWad": .wei(25 * Self.wad / 100), "wadSlashed": .wei(25 * Self.wad / 100),
            "previousMaxMagnitudeWad": .wei(Self.wad), "newMaxMagnitudeWad": .wei(75 * Self.wad / 100),
        ])]))
        #expect(world.journals["slashing"]!.last!.type == "slashing.OperatorSlashed")
        let row = try strategyRow(world, "steth")
        #expect(row.at("maxMagnitudeWad") == .wei(75 * Self.wad / 100))
        #expect(row.at("encumberedMagnitudeWad") == .wei(75 * Self.wad / 100))
        #expect(row.at("allocatableMagnitudeWad") == "0")
        #expect(try allocations(world).array("allocations")[0].at("currentMagnitudeWad") == .wei(75 * Self.wad / 100))
        // Slashable stake = 1e18.mulWad(75e16).
        #expect(try FixedPoint.mulWadFloor(Self.wad, FixedPoint.divWadFloor(75 * Self.wad / 100, 75 * Self.wad / 100))
            == Self.wad)

        // The history, in both views.
        var expected: [String: JSON] = [
            "operator": "op", "epoch": .int(5), "slashId": .int(1), "wadToSlash": .wei(Self.wad / 4), "reason": "equivocation",
            "strategies": result.at("strategies"),
        ]
        let shown = try world.query("slashing", "slashing.avs.show", .object(["avs": "eigenda"]))
        #expect(try shown.array("sets")[0].at("slashings") == .array([.object(expected)]))
        expected["avs"] = "eigenda"
        expected["setId"] = .int(1)
        #expect(try allocations(world).at("slashes") == .array([.object(expected)]))
    }

    @Test func t12ThreeSetsOneSlashed() throws {
        var world = Choreography()
        for avs in ["avs1", "avs2", "eigenda"] { try join(&world, avs: avs, strategies: ["steth"]) }
        try allocate(&world, avs: "avs1", "steth", 2 * Self.wad / 10)
        try allocate(&world, avs: "avs2", "steth", 25 * Self.wad / 100)
        try allocate(&world, avs: "eigenda", "steth", 2 * Self.wad / 10)
        try advance(&world, 5)
        let result = try slash(&world, avs: "avs1", Self.wad / 2)
        let part = try result.array("strategies")[0]
        #expect(part.at("slashedMagnitudeWad") == .wei(Self.wad / 10))
        #expect(part.at("wadSlashed") == .wei(Self.wad / 10))
        #expect(part.at("newMaxMagnitudeWad") == .wei(9 * Self.wad / 10))
        let row = try strategyRow(world, "steth")
        #expect(row.at("maxMagnitudeWad") == .wei(9 * Self.wad / 10))
        #expect(row.at("encumberedMagnitudeWad") == .wei(55 * Self.wad / 100))
        // Operator shares 200e18 → 180e18 (the ledger's cut); the allocated-stake views from the
        // magnitudes slashing shows:
        let maxWad = 9 * Self.wad / 10
        var stakes: [String: UInt128] = [:]
        for allocation in try allocations(world).array("allocations") {
            let current = try allocation.amount("currentMagnitudeWad")
            stakes[try allocation.string("avs")] = try FixedPoint.mulWadFloor(180 * Self.wad, FixedPoint.divWadFloor(current, maxWad))
        }
        #expect(stakes == [
            "avs1": 19_999_999_999_999_999_980, "avs2": 49_999_999_999_999_999_860, "eigenda": 39_999_999_999_999_999_960,
        ])
    }

    @Test func t5DeallocationBoundary() throws {
        for (extra, slashed) in [(3150, true), (3151, false)] {
            var world = Choreography()
            try join(&world, avs: "eigenda")
            try allocate(&world, "steth", Self.wad)
            try advance(&world, 5)
            try allocate(&world, "steth", 0)  // slashable through 5 + 3150, effective at 5 + 3151
            try advance(&world, extra)
            let result = try slash(&world, Self.wad)
            let row = try strategyRow(world, "steth")
            if slashed {
                #expect(try result.array("strategies").count == 1)
                #expect(row.at("maxMagnitudeWad") == "0")
                #expect(row.at("allocatableMagnitudeWad") == "0")
                // Nothing left to allocate.
                #expect(throws: Choreography.Failure.self) { try allocate(&world, "steth", 1) }
            } else {
                #expect(result.at("strategies") == .array([]), "nothing slashed after the deallocation delay")
                #expect(row == .null, "no allocation and an unslashed max: max = allocatable = WAD")
                try allocate(&world, "steth", Self.wad)  // all of it allocatable again
            }
        }
    }

    @Test func slashableThroughTheLastEpochOfTheLeaveWindow() throws {
        var world = Choreography()
        try join(&world, avs: "eigenda")
        try allocate(&world, "steth", Self.wad)
        try advance(&world, 7)
        try world.send("slashing", "slashing.set.leave", as: "op", .object(["operator": "op", "avs": "eigenda", "setId": .int(1)]))
        try advance(&world, 3150)  // epoch 7 + 3150: the window's last epoch
        let result = try slash(&world, Self.wad / 2)
        #expect(result.at("epoch") == .int(7 + 3150))
        #expect(try strategyRow(world, "steth").at("maxMagnitudeWad") == .wei(Self.wad / 2))
        try advance(&world, 1)
        let before = world.slashing.snapshot()
        do {
            try slash(&world, Self.wad / 2)
            Issue.record("slash after the window accepted")
        } catch {
            #expect(error.error.code.rawValue == "operator_not_slashable")
            #expect(error.error.message.contains("eigenda/1"), "\(error)")
            #expect(error.error.message.contains("ended at epoch \(7 + 3150)"), "\(error)")
        }
        #expect(world.slashing.snapshot() == before)
    }

    @Test func refusalsChangeNothing() throws {
        var world = Choreography()
        try join(&world, avs: "eigenda")
        try world.send("slashing", "slashing.avs.register", as: "other", .object(["avs": "other"]))
        try world.send("operators", "operators.restaking.register", as: "op2", .object(["name": "op2", "allocationDelayEpochs": .int(1)]))
        try allocate(&world, "steth", Self.wad)
        try advance(&world, 5)
        let before = world.slashing.snapshot()
        let base: [String: JSON] = ["avs": "eigenda", "setId": .int(1), "operator": "op", "wadToSlash": .wei(Self.wad / 2), "reason": "x"]
        func with(_ extra: [String: JSON], without: String? = nil) -> JSON {
            var fields = base.merging(extra) { _, new in new }
            if let without { fields[without] = nil }
            return .object(fields)
        }
        let cases: [(String, JSON, String)] = [
            ("mallory", with([:]), "unauthorized"),
            ("other", with([:]), "unauthorized"),
            ("nobody", with(["avs": "nobody"]), "avs_not_found"),
            ("eigenda", with(["setId": .int(9)]), "operator_set_not_found"),
            ("eigenda", with(["operator": "ghost"]), "operator_not_found"),
            ("eigenda", with(["operator": "op2"]), "operator_not_slashable"),
            ("eigenda", with(["wadToSlash": "0"]), "invalid_wad_to_slash"),
            ("eigenda", with(["wadToSlash": .wei(Self.wad + 1)]), "invalid_wad_to_slash"),
            ("eigenda", with([:], without: "reason"), "missing_field"),
            ("eigenda", with(["reason": ""]), "invalid_argument"),
        ]
        for (actor, body, code) in cases {
            do {
                try world.send("slashing", "slashing.avs.slash", as: actor, body)
                Issue.record("slash as \(actor) \(body) was accepted")
            } catch {
                #expect(error.error.code.rawValue == code, "\(body): \(error)")
            }
            #expect(world.slashing.snapshot() == before, "slash as \(actor) \(body) changed the state")
        }
    }

    @Test func snapshotsAndReplaysKeepTheSlashes() throws {
        var world = Choreography()
        try join(&world, avs: "eigenda")
        try allocate(&world, "steth", Self.wad)
        try allocate(&world, "native", Self.wad / 2)
        try advance(&world, 5)
        try slash(&world, Self.wad / 4)
        try advance(&world, 2)
        try slash(&world, Self.wad / 3, reason: "again")
        try allocate(&world, "steth", Self.wad / 10)  // a deallocation after the slashes
        let live = world.slashing.snapshot()
        let restored = try SlashingDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(live)))
        #expect(restored.snapshot() == live)
        var replayed = SlashingDomain()
        for event in world.journals["slashing"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == live)
        let context = CommandContext(actor: "x", roles: world.roles, nextSeq: 0)
        for (type, body) in [("slashing.operator.allocations", JSON.object(["operator": "op"])),
                             ("slashing.avs.show", .object(["avs": "eigenda"]))] {
            let command = CommandEnvelope(id: "q", type: type, actor: "x", body: body)
            let expected = try world.slashing.decide(command, context: context).get().result
            #expect(try restored.decide(command, context: context).get().result == expected, "\(type) after restore")
            #expect(try replayed.decide(command, context: context).get().result == expected, "\(type) after replay")
        }
        #expect(try allocations(world).array("slashes").count == 2)
    }
}
