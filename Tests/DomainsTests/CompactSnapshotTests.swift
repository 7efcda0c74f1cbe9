import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// Restaking snapshots hold the core's images (O(state)), not event logs: a restore gives the
/// same snapshot, views and future events; the image does not grow with events that leave the
/// state's shape alone; and a snapshot in the old form (the log, as the code before the images
/// wrote it) still restores to the same state.

/// A JSON value with every leaf replaced by null: what stays the same when only amounts change.
func shape(_ json: JSON) -> JSON {
    switch json {
    case .array(let items): .array(items.map(shape))
    case .object(let fields): .object(fields.mapValues(shape))
    default: .null
    }
}

/// Own events as the old snapshots kept them (`{type, seq, body}`), filtered by type.
func oldLog(_ journal: [EventEnvelope], _ types: Set<String>) -> JSON {
    .array(journal.filter { types.contains($0.type) }.map { event in
        .object(["type": .string(event.type), "seq": .int(event.seq), "body": event.body])
    })
}

extension JSON {
    /// This object with `key` set (nil: removed).
    func setting(_ key: String, _ value: JSON?) -> JSON {
        guard case .object(var fields) = self else { return self }
        fields[key] = value
        return .object(fields)
    }
}

extension RestakingLedgerDomainTests {
    /// The share events the ledger's snapshot replayed before the images (RestakingBook).
    static let oldShareEventTypes: Set<String> = [
        "ledger.RestakeOperatorTracked", "ledger.RestakeDelegated", "ledger.RestakeUndelegated", "ledger.RestakeDeposited",
        "ledger.RestakeNativeVerified", "ledger.RestakeCheckpointed", "ledger.RestakeWithdrawalQueued",
        "ledger.RestakeWithdrawalCompleted", "ledger.RestakeOperatorSlashed",
    ]

    /// Deposits, a delegation, a slash and a queued withdrawal on reth.
    func restakedWorld() throws -> Choreography {
        var world = try registry()
        for account in ["alice", "bob"] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(40 * ether)]))
            try world.send("ledger", "ledger.stake", as: account, .object(["account": .string(account), "amountWei": .wei(40 * ether), "pool": "reth"]))
            try world.send("ledger", "ledger.restake.deposit", as: account, .object([
                "account": .string(account), "strategy": "reth", "amountWei": .wei(10 * ether + 7),
            ]))
        }
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        slash(&world, epoch: try epoch(world), [("reth", Self.wad, Self.wad * 2 / 3)])
        try world.send("ledger", "ledger.restake.withdraw.queue", as: "alice", .object([
            "account": "alice", "strategy": "reth", "depositShares": .wei(ether),
        ]))
        try advance(&world, 3)
        return world
    }

    @Test func ledgerSnapshotHoldsImagesThatDoNotGrowWithEvents() throws {
        var world = try restakedWorld()
        let first = try world.ledger.snapshot().at("restaking")
        #expect(first["shareEvents"] == nil)
        let shareSide = try first.at("shareSide")
        #expect(try shareSide.at("ledger").array("stakers").count == 2)
        // Ten more deposits: ten more share events, the same image shape.
        for _ in 0..<10 {
            try world.send("ledger", "ledger.restake.deposit", as: "alice", .object([
                "account": "alice", "strategy": "reth", "amountWei": .wei(ether / 10),
            ]))
        }
        let later = try world.ledger.snapshot().at("restaking").at("shareSide")
        #expect(later != shareSide)
        #expect(shape(later) == shape(shareSide))
        try expectRebuilds(world, accounts: ["alice", "bob"])
    }

    @Test func oldLedgerSnapshotsReplayTheirShareEvents() throws {
        var world = try restakedWorld()
        let live = world.ledger.snapshot()
        let restaking = try live.at("restaking")
        let old = live.setting("restaking", restaking.setting("shareSide", nil)
            .setting("shareEvents", oldLog(world.journals["ledger"]!, Self.oldShareEventTypes)))
        #expect(try old.at("restaking").array("shareEvents").count == 6)
        let restored = try LedgerDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(old)))
        #expect(restored.snapshot() == live, "an old snapshot restores to the same state, written back in the new form")
        // Both carry on alike: a slash and an undelegation give the same events.
        var restoredWorld = world
        restoredWorld.ledger = restored
        for step in [0, 1] {
            var target = step == 0 ? world : restoredWorld
            slash(&target, epoch: try epoch(target), [("reth", Self.wad * 2 / 3, Self.wad / 3)])
            try target.send("operators", "operators.undelegate", as: "alice", .object(["staker": "alice"]))
            if step == 0 { world = target } else { restoredWorld = target }
        }
        #expect(restoredWorld.ledger.snapshot() == world.ledger.snapshot())
        #expect(restoredWorld.journals["ledger"]!.suffix(2).map(\.body) == world.journals["ledger"]!.suffix(2).map(\.body))
    }

    @Test func corruptLedgerImagesAreRefused() throws {
        let live = try restakedWorld().ledger.snapshot()
        let restaking = try live.at("restaking")
        let shareSide = try restaking.at("shareSide")
        let ledger = try shareSide.at("ledger")
        // An operator's shares below what its delegator can withdraw.
        var operators = try ledger.array("operators")
        var stakes = try operators[0].array("stakes")
        stakes[stakes.count - 1] = stakes[stakes.count - 1].setting("shares", "0")
        operators[0] = operators[0].setting("stakes", .array(stakes))
        let bad = live.setting("restaking", restaking.setting("shareSide", shareSide.setting("ledger", ledger.setting("operators", .array(operators)))))
        do {
            _ = try LedgerDomain(snapshot: bad)
            Issue.record("a corrupt image was restored")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("invalid_image"))
        }
    }
}

extension AVSSlashingDomainTests {
    /// The own events whose book changes the old slashing snapshot kept (`bookEvents`).
    static let oldBookEventTypes: Set<String> = [
        "slashing.OperatorSetCreated", "slashing.OperatorTracked", "slashing.OperatorJoinedSet", "slashing.OperatorLeftSet",
        "slashing.AllocationUpdated", "slashing.OperatorSlashed",
    ]

    func slashedWorld() throws -> Choreography {
        var world = Choreography()
        try join(&world, avs: "eigenda")
        try allocate(&world, "steth", Self.wad)
        try allocate(&world, "native", Self.wad / 2)
        try advance(&world, 5)
        try slash(&world, Self.wad / 4)
        try allocate(&world, "steth", Self.wad / 10)  // a pending deallocation
        return world
    }

    @Test func slashingSnapshotHoldsTheBookImageWhichDoesNotGrowWithSlashes() throws {
        var world = try slashedWorld()
        let first = try world.slashing.snapshot().at("restaking")
        #expect(first["bookEvents"] == nil)
        let book = try first.at("book")
        for _ in 0..<5 {
            try advance(&world, 1)
            try slash(&world, Self.wad / 10, reason: "again")
        }
        let later = try world.slashing.snapshot().at("restaking")
        // The book: same shape (five more slashes counted, magnitudes lower); the slash history
        // shown by `slashing.avs.show` is plain data and lists them.
        #expect(try later.at("book") != book)
        #expect(shape(try later.at("book")) == shape(book))
        #expect(try later.array("slashings")[0].array("slashes").count == 6)
        let restored = try SlashingDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(world.slashing.snapshot())))
        #expect(restored.snapshot() == world.slashing.snapshot())
    }

    @Test func oldSlashingSnapshotsReplayTheirBookEvents() throws {
        var world = try slashedWorld()
        let live = world.slashing.snapshot()
        let restaking = try live.at("restaking")
        var old: JSON = .object([
            "avss": try restaking.at("avss"), "epoch": try restaking.at("epoch"),
            "bookEvents": oldLog(world.journals["slashing"]!, Self.oldBookEventTypes),
        ])
        old = live.setting("restaking", old)
        #expect(try old.at("restaking").array("bookEvents").count == 7)
        let restored = try SlashingDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(old)))
        #expect(restored.snapshot() == live)
        let context = CommandContext(actor: "x", roles: world.roles, nextSeq: 0)
        for (type, body) in [("slashing.operator.allocations", JSON.object(["operator": "op"])),
                             ("slashing.avs.show", .object(["avs": "eigenda"]))] {
            let command = CommandEnvelope(id: "q", type: type, actor: "x", body: body)
            #expect(try restored.decide(command, context: context).get().result
                == world.slashing.decide(command, context: context).get().result, "\(type) after restore")
        }
        // And decides the next slash alike.
        var restoredWorld = world
        restoredWorld.slashing = restored
        try advance(&world, 1)
        try advance(&restoredWorld, 1)
        #expect(try slash(&restoredWorld, Self.wad / 5) == slash(&world, Self.wad / 5))
        #expect(restoredWorld.slashing.snapshot() == world.slashing.snapshot())
    }
}

extension AVSRewardsDomainTests {
    /// The own events the old AVS-rewards snapshot kept (`log`); an epoch there only when a
    /// submission was active, which replays alike.
    static let oldLogTypes: Set<String> = [
        "rewards.RestakeStakesRecorded", "rewards.RestakingOperatorRecorded", "rewards.OperatorSetRecorded",
        "rewards.AllocationRecorded", "rewards.OperatorSlashRecorded", "rewards.OperatorSplitRecorded",
        "rewards.AVSRewardsSubmitted", "rewards.AVSRewardsClaimed", "rewards.EpochProcessed",
    ]

    /// Two operators paid by one set over 40 epochs, four delegators, one claim.
    func rewardedWorld() throws -> Choreography {
        var world = Choreography()
        var naive = Naive()
        for (op, split) in [("op1", 1000), ("op2", 500)] {
            try world.send("operators", "operators.restaking.register", as: op, .object([
                "name": .string(op), "splitBips": .int(split), "allocationDelayEpochs": .int(1),
            ]))
        }
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "strategies": .array(["steth", "native"]),
        ]))
        for (op, strategy, magnitude) in [("op1", "steth", Self.wad), ("op2", "native", Self.wad / 2)] {
            try world.send("slashing", "slashing.set.join", as: op, .object(["operator": .string(op), "avs": "eigenda", "setId": .int(1)]))
            try world.send("slashing", "slashing.allocate", as: op, .object([
                "operator": .string(op), "avs": "eigenda", "setId": .int(1), "strategy": .string(strategy),
                "magnitudeWad": .wei(magnitude),
            ]))
        }
        for (i, staker) in Self.stakers.prefix(4).enumerated() {
            let op = ["op1", "op2"][i % 2]
            naive.delegatedTo[staker] = op
            naive.scaled[staker] = ["steth": UInt128(i + 1) * Self.wad + 3, "native": UInt128(32 * (i + 1)) * Self.wad]
            naive.operatorShares[op, default: [:]]["steth", default: 0] += naive.scaled[staker]!["steth"]!
            naive.operatorShares[op, default: [:]]["native", default: 0] += naive.scaled[staker]!["native"]!
            ledgerEvent(&world, &naive, "RestakeDelegated", stakers: [staker], strategies: Self.strategies, operators: [op])
        }
        try advance(&world, 2)
        world.deliver(EventEnvelope(source: "ledger", seq: 2000, type: "ledger.AVSRewardsFunded", epoch: 2, body: .object([
            "submission": .int(2000), "avs": "eigenda", "setId": .int(1), "amountWei": .wei(40 * Self.wad + 17), "epochs": .int(40),
        ])))
        try advance(&world, 3)
        try world.send("rewards", "rewards.avs.claim", as: "s0", .object(["account": "s0"]))
        try advance(&world, 2)
        return world
    }

    @Test func rewardsSnapshotHoldsImagesThatDoNotGrowWithEpochs() throws {
        var world = try rewardedWorld()
        let first = try world.rewards.snapshot().at("avsRewards")
        #expect(first["log"] == nil)
        #expect(try first.array("indexes").count == 2)
        try advance(&world, 10)  // ten more distributing epochs
        let later = try world.rewards.snapshot().at("avsRewards")
        #expect(later != first)
        #expect(shape(later) == shape(first))
        try expectRebuilds(world)
    }

    @Test func oldRewardsSnapshotsReplayTheirLog() throws {
        var world = try rewardedWorld()
        let live = world.rewards.snapshot()
        let old = live.setting("avsRewards", .object(["log": oldLog(world.journals["rewards"]!, Self.oldLogTypes)]))
        #expect(try old.at("avsRewards").array("log").count > 15)
        let restored = try RewardsDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(old)))
        #expect(restored.snapshot() == live)
        var restoredWorld = world
        restoredWorld.rewards = restored
        try advance(&world, 5)
        try advance(&restoredWorld, 5)
        for account in ["s1", "op1"] {
            #expect(try restoredWorld.send("rewards", "rewards.avs.claim", as: account, .object(["account": .string(account)]))
                == world.send("rewards", "rewards.avs.claim", as: account, .object(["account": .string(account)])))
        }
        #expect(restoredWorld.rewards.snapshot() == world.rewards.snapshot())
        #expect(restoredWorld.journals["rewards"]!.map(\.body) == world.journals["rewards"]!.map(\.body))
    }
}
