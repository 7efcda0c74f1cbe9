import Contracts
import Domains
import ServiceKit
import Testing

/// The node-operator registry in process (docs/PROTOCOL.md §9.5): register, update, show, list;
/// every refusal changes nothing; snapshots and replays give back exactly the live state.
@Suite struct OperatorsDomainTests {
    static let address = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01"

    /// Two steth operators (one with defaults) and two reth operators (one with defaults).
    func registry() throws -> Choreography {
        var world = Choreography()
        try world.send("operators", "operators.node.register", as: "admin", .object(["name": "lido-b", "pool": "steth"]))
        try world.send("operators", "operators.node.register", as: "admin", .object([
            "name": "lido-a", "pool": "steth", "validatorLimit": .number("3"), "onlineRateBips": .number("9900"),
        ]))
        try world.send("operators", "operators.node.register", as: "rp-node", .object(["name": "rp-node", "pool": "reth"]))
        try world.send("operators", "operators.node.register", as: "carol", .object([
            "name": "carol", "pool": "reth", "commissionBips": .number("500"), "validatorLimit": .number("0"),
            "onlineRateBips": .number("0"),
        ]))
        return world
    }

    static func record(_ name: String, _ pool: String, limit: Int, rate: Int, commission: Int?) -> JSON {
        .object([
            "name": .string(name), "pool": .string(pool), "validatorLimit": .int(limit), "onlineRateBips": .int(rate),
            "commissionBips": commission.map { JSON.int($0) } ?? .null,
        ])
    }

    static func withSeq(_ record: JSON, _ seq: Int) -> JSON {
        guard case .object(var fields) = record else { return record }
        fields["seq"] = .int(seq)
        return .object(fields)
    }

    @Test func registerAppliesDefaultsAndJournalsTheWholeRecord() throws {
        var world = Choreography()
        let steth = try world.send("operators", "operators.node.register", as: "admin", .object(["name": "lido-a", "pool": "steth"]))
        #expect(steth == Self.withSeq(Self.record("lido-a", "steth", limit: 100, rate: 10_000, commission: nil), 1))
        let reth = try world.send("operators", "operators.node.register", as: "rp", .object(["name": "rp", "pool": "reth"]))
        #expect(reth == Self.withSeq(Self.record("rp", "reth", limit: 100, rate: 10_000, commission: 1500), 2))
        let journal = world.journals["operators"]!
        #expect(journal.map(\.type) == ["operators.NodeOperatorRegistered", "operators.NodeOperatorRegistered"])
        #expect(journal.map(\.seq) == [1, 2])
        #expect(journal[0].body == Self.record("lido-a", "steth", limit: 100, rate: 10_000, commission: nil))
        #expect(journal[1].body == Self.record("rp", "reth", limit: 100, rate: 10_000, commission: 1500))
        #expect(journal.allSatisfy { $0.epoch == nil })
        // The record is what show answers, and the canonical bytes put commissionBips: null for steth.
        let shown = try world.query("operators", "operators.node.show", .object(["name": "lido-a"]))
        #expect(shown == journal[0].body)
        #expect(String(decoding: JSONCodec.serialize(shown), as: UTF8.self)
            == #"{"commissionBips":null,"name":"lido-a","onlineRateBips":10000,"pool":"steth","validatorLimit":100}"#)
    }

    @Test func listIsSortedByNameAndFiltersByPool() throws {
        let world = try registry()
        func names(_ body: JSON) throws -> [String] {
            try world.query("operators", "operators.node.list", body).array("operators").map { try $0.string("name") }
        }
        #expect(try names(.object([:])) == ["carol", "lido-a", "lido-b", "rp-node"])
        #expect(try names(.object(["pool": "steth"])) == ["lido-a", "lido-b"])
        #expect(try names(.object(["pool": "reth"])) == ["carol", "rp-node"])
        #expect(try names(.object(["pool": .null])) == ["carol", "lido-a", "lido-b", "rp-node"])
        let all = try world.query("operators", "operators.node.list").array("operators")
        #expect(all[0] == Self.record("carol", "reth", limit: 0, rate: 0, commission: 500))
        #expect(all[1] == Self.record("lido-a", "steth", limit: 3, rate: 9900, commission: nil))
        #expect(try Choreography().query("operators", "operators.node.list") == .object(["operators": .array([])]))
    }

    @Test func updateChangesOnlyWhatIsGivenAndReturnsTheWholeRecord() throws {
        var world = try registry()
        let steth = try world.send("operators", "operators.node.update", as: "admin", .object([
            "name": "lido-a", "validatorLimit": .number("100000"),
        ]))
        #expect(steth == Self.withSeq(Self.record("lido-a", "steth", limit: 100_000, rate: 9900, commission: nil), 5))
        let reth = try world.send("operators", "operators.node.update", as: "carol", .object([
            "name": "carol", "onlineRateBips": .number("10000"), "validatorLimit": .null,
            // The fixed fields may be echoed back unchanged (a read-modify-write client).
            "pool": "reth", "commissionBips": .number("500"),
        ]))
        #expect(reth == Self.withSeq(Self.record("carol", "reth", limit: 0, rate: 10_000, commission: 500), 6))
        let journal = world.journals["operators"]!
        #expect(journal.suffix(2).map(\.type) == ["operators.NodeOperatorUpdated", "operators.NodeOperatorUpdated"])
        #expect(journal[5].body == Self.record("carol", "reth", limit: 0, rate: 10_000, commission: 500))
        #expect(try world.query("operators", "operators.node.show", .object(["name": "lido-a"])).uint64("validatorLimit") == 100_000)
        // A steth echo of commissionBips: null is no change either.
        try world.send("operators", "operators.node.update", as: "admin", .object([
            "name": "lido-b", "onlineRateBips": .number("1"), "commissionBips": .null,
        ]))
        #expect(try world.query("operators", "operators.node.show", .object(["name": "lido-b"]))
            == Self.record("lido-b", "steth", limit: 100, rate: 1, commission: nil))
    }

    @Test func addressNamesAreCanonicalAndTheirOwnerMayActInAnyCase() throws {
        var world = Choreography()
        let result = try world.send("operators", "operators.node.register", as: Self.address, .object([
            "name": .string(Self.address), "pool": "reth",
        ]))
        #expect(try result.string("name") == Self.address.lowercased())
        try world.send("operators", "operators.node.update", as: Self.address.lowercased(), .object([
            "name": .string(Self.address.uppercased().replacingFirst("0X", with: "0x")), "validatorLimit": .number("7"),
        ]))
        #expect(try world.query("operators", "operators.node.show", .object(["name": .string(Self.address)])).uint64("validatorLimit") == 7)
    }

    @Test func refusalsChangeNothing() throws {
        var world = try registry()
        try world.send("operators", "operators.ping", as: "x", .object(["message": "before"]))
        let before = world.operators.snapshot()
        let journaled = world.journals.mapValues(\.count)
        let register = "operators.node.register", update = "operators.node.update"
        let cases: [(String, String, JSON, String)] = [
            // Authority: steth is curated, reth is permissionless (only the operator itself).
            (register, "lido-c", .object(["name": "lido-c", "pool": "steth"]), "unauthorized"),
            (register, "admin", .object(["name": "dave", "pool": "reth"]), "unauthorized"),
            (register, "erin", .object(["name": "dave", "pool": "reth"]), "unauthorized"),
            (update, "lido-a", .object(["name": "lido-a", "validatorLimit": .number("5")]), "unauthorized"),
            (update, "admin", .object(["name": "carol", "validatorLimit": .number("5")]), "unauthorized"),
            (update, "rp-node", .object(["name": "carol", "validatorLimit": .number("5")]), "unauthorized"),
            // Names.
            (register, "admin", .object(["pool": "steth"]), "missing_field"),
            (register, "admin", .object(["name": .number("1"), "pool": "steth"]), "wrong_type"),
            (register, "admin", .object(["name": .null, "pool": "steth"]), "wrong_type"),
            (register, "admin", .object(["name": "Lido", "pool": "steth"]), "invalid_argument"),
            (register, "admin", .object(["name": "pool:steth", "pool": "steth"]), "invalid_argument"),
            (register, "admin", .object(["name": "", "pool": "steth"]), "invalid_argument"),
            (register, "admin", .object(["name": .string(String(repeating: "a", count: 65)), "pool": "steth"]), "invalid_argument"),
            (register, "admin", .object(["name": "lido-b", "pool": "steth"]), "operator_exists"),
            (register, "lido-b", .object(["name": "lido-b", "pool": "reth"]), "operator_exists"),
            (register, "carol", .object(["name": "carol", "pool": "reth", "commissionBips": .number("1500")]), "operator_exists"),
            // Pools.
            (register, "admin", .object(["name": "dave"]), "missing_field"),
            (register, "admin", .object(["name": "dave", "pool": "lido"]), "unknown_pool"),
            (register, "admin", .object(["name": "dave", "pool": "STETH"]), "unknown_pool"),
            (register, "admin", .object(["name": "dave", "pool": .number("1")]), "wrong_type"),
            // Commission: reth 500 … 2000, none for steth.
            (register, "dave", .object(["name": "dave", "pool": "reth", "commissionBips": .number("499")]), "invalid_commission"),
            (register, "dave", .object(["name": "dave", "pool": "reth", "commissionBips": .number("2001")]), "invalid_commission"),
            (register, "dave", .object(["name": "dave", "pool": "reth", "commissionBips": "1500"]), "wrong_type"),
            (register, "dave", .object(["name": "dave", "pool": "reth", "commissionBips": .number("15.5")]), "invalid_argument"),
            (register, "admin", .object(["name": "dave", "pool": "steth", "commissionBips": .number("1000")]), "invalid_commission"),
            // Limits and rates.
            (register, "admin", .object(["name": "dave", "pool": "steth", "validatorLimit": .number("100001")]), "invalid_argument"),
            (register, "admin", .object(["name": "dave", "pool": "steth", "validatorLimit": .number("-1")]), "invalid_argument"),
            (register, "admin", .object(["name": "dave", "pool": "steth", "validatorLimit": "5"]), "wrong_type"),
            (register, "admin", .object(["name": "dave", "pool": "steth", "onlineRateBips": .number("10001")]), "invalid_argument"),
            (register, "admin", .object(["name": "dave", "pool": "steth", "onlineRateBips": .number("1e3")]), "invalid_argument"),
            // Updates.
            (update, "admin", .object(["name": "nobody", "validatorLimit": .number("5")]), "operator_not_found"),
            (update, "admin", .object(["name": "No Body", "validatorLimit": .number("5")]), "invalid_argument"),
            (update, "admin", .object(["name": "lido-a"]), "invalid_argument"),
            (update, "admin", .object(["name": "lido-a", "validatorLimit": .null, "onlineRateBips": .null]), "invalid_argument"),
            (update, "admin", .object(["name": "lido-a", "validatorLimit": .number("100001")]), "invalid_argument"),
            (update, "admin", .object(["name": "lido-a", "onlineRateBips": .number("20000")]), "invalid_argument"),
            (update, "admin", .object(["name": "lido-a", "pool": "reth", "validatorLimit": .number("5")]), "invalid_argument"),
            (update, "admin", .object(["name": "lido-a", "commissionBips": .number("1000"), "validatorLimit": .number("5")]), "invalid_argument"),
            (update, "carol", .object(["name": "carol", "commissionBips": .number("1000"), "validatorLimit": .number("5")]), "invalid_argument"),
            (update, "carol", .object(["name": "carol", "pool": "lido", "validatorLimit": .number("5")]), "invalid_argument"),
            // Unknown commands.
            ("operators.node.delete", "admin", .object(["name": "lido-a"]), "unknown_command"),
            ("operators.register", "admin", .object(["name": "lido-a"]), "unknown_command"),
        ]
        for (type, actor, body, code) in cases {
            do {
                let result = try world.send("operators", type, as: actor, body)
                Issue.record("\(type) as \(actor) \(body) was accepted: \(result)")
            } catch {
                #expect(error.error.code.rawValue == code, "\(type) as \(actor) \(body): \(error)")
                #expect(!error.error.message.isEmpty)
            }
            #expect(world.operators.snapshot() == before, "\(type) as \(actor) \(body) changed the state")
            #expect(world.journals.mapValues(\.count) == journaled, "\(type) as \(actor) \(body) journaled events")
        }
        let queries: [(String, JSON, String)] = [
            ("operators.node.show", .object(["name": "nobody"]), "operator_not_found"),
            ("operators.node.show", .object(["name": "Nobody"]), "invalid_argument"),
            ("operators.node.show", .object([:]), "missing_field"),
            ("operators.node.list", .object(["pool": "lido"]), "unknown_pool"),
            ("operators.node.list", .object(["pool": .bool(true)]), "wrong_type"),
        ]
        for (type, body, code) in queries {
            #expect(throws: Choreography.Failure.self) { try world.query("operators", type, body) }
            do {
                _ = try world.query("operators", type, body)
            } catch {
                #expect(error.error.code.rawValue == code, "\(type) \(body): \(error)")
            }
        }
        #expect(world.operators.snapshot() == before)
    }

    @Test func messagesSayWhatIsWrong() throws {
        var world = try registry()
        func refusal(_ type: String, as actor: String, _ body: JSON) -> String {
            do {
                _ = try world.send("operators", type, as: actor, body)
                return "accepted"
            } catch {
                return error.error.message
            }
        }
        #expect(refusal("operators.node.register", as: "dave", .object(["name": "dave", "pool": "reth", "commissionBips": .number("2500")]))
            == "body.commissionBips must be 500 … 2000 (5 % … 20 %), got 2500")
        #expect(refusal("operators.node.register", as: "admin", .object(["name": "dave", "pool": "lido"]))
            == "body.pool must be steth or reth, got 'lido'")
        #expect(refusal("operators.node.register", as: "bob", .object(["name": "dave", "pool": "steth"]))
            == "registering steth operator dave needs the admin role; bob does not hold it")
        #expect(refusal("operators.node.update", as: "admin", .object(["name": "carol", "validatorLimit": .number("1")]))
            == "admin may not update reth operator carol: reth is permissionless, only carol itself may")
        #expect(refusal("operators.node.register", as: "admin", .object(["name": "carol", "pool": "steth"]))
            == "operator carol is already registered (pool reth)")
    }

    @Test func snapshotRoundTripsAndReplayRebuildsTheSameState() throws {
        var world = try registry()
        try world.send("operators", "operators.node.update", as: "admin", .object(["name": "lido-b", "validatorLimit": .number("7")]))
        try world.send("operators", "operators.ping", as: "x", .object(["message": "hi"]))
        try world.send("ledger", "ledger.ping", as: "x", .object([:]))
        try world.send("operators", "operators.node.update", as: "rp-node", .object(["name": "rp-node", "onlineRateBips": .number("9500")]))
        let live = world.operators.snapshot()
        #expect(try live.object("plumbing").uint64("pingCount") == 1)
        #expect(try live.object("plumbing").object("observed").object("ledger").uint64("count") == 1)
        #expect(try live.array("operators").count == 4)

        // A snapshot read back (through its canonical bytes) is the same state.
        let restored = try OperatorsDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(live)))
        #expect(restored.snapshot() == live)
        #expect(restored.operators == world.operators.operators)

        // The journal replayed into a fresh domain is the same state.
        var replayed = OperatorsDomain()
        for event in world.journals["operators"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == live)
        #expect(replayed.operators == world.operators.operators)

        // A snapshot taken midway plus the rest of the journal is the same state too.
        var partial = OperatorsDomain()
        let journal = world.journals["operators"]!
        for event in journal.prefix(3) { partial.apply(event) }
        var resumed = try OperatorsDomain(snapshot: partial.snapshot())
        for event in journal.dropFirst(3) { resumed.apply(event) }
        #expect(resumed.snapshot() == live)

        // And it decides as the live one does.
        let context = CommandContext(actor: "admin", roles: world.roles, nextSeq: 99)
        let command = CommandEnvelope(id: "x", type: "operators.node.update", actor: "admin",
                                      body: .object(["name": "lido-a", "validatorLimit": .number("4")]))
        let fromLive = try world.operators.decide(command, context: context).get()
        let fromSnapshot = try restored.decide(command, context: context).get()
        #expect(fromLive.result == fromSnapshot.result)
        #expect(fromLive.events.map(\.body) == fromSnapshot.events.map(\.body))
    }

    @Test func plumbingStillAnswers() throws {
        var world = Choreography()
        let ping = try world.send("operators", "operators.ping", as: "x", .object(["message": "hello"]))
        #expect(ping == .object(["seq": .int(1), "count": .int(1)]))
        // Slashing journaled its PingObserved of ours at seq 1, so its own ping is seq 2.
        let theirs = try world.send("slashing", "slashing.ping", as: "x", .object([:]))
        #expect(theirs.at("seq") == .int(2))
        let pings = try world.query("operators", "operators.pings")
        #expect(try pings.uint64("pingCount") == 1)
        #expect(try pings.object("observed").object("slashing").uint64("count") == 1)
        #expect(try pings.object("observed").object("slashing").uint64("seqSum") == 2)
        #expect(world.journals["operators"]!.map(\.type) == ["operators.Pinged", "operators.PingObserved"])
        #expect(OperatorsDomain.queryTypes.isSuperset(of: ["operators.pings", "operators.node.show", "operators.node.list"]))
    }
}

extension String {
    fileprivate func replacingFirst(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
