import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// The ledger's restaking balances in process (docs/PROTOCOL.md §9.7): strategies, delegated
/// shares, AVS slashing (hand-made `slashing.OperatorSlashed` events: the command is being
/// written elsewhere), escrowed withdrawals, pods and checkpoints, AVS-rewards custody. Expected
/// numbers are computed here from EigenLayer's formulas in plain integers, not by the core.
@Suite struct RestakingLedgerDomainTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000
    static let delay: UInt64 = 3150

    // MARK: Helpers

    /// Full-precision `a × b / c` (the products can pass 2^128; only the primitive is shared with the core).
    func floorDiv(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 { try! FixedPoint.mulDivFloor(a, b, c) }
    func ceilDiv(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 { try! FixedPoint.mulDivCeil(a, b, c) }
    /// StrategyBase: deposit `floor(amount × (S + 1e3) / (B + 1e3))`, withdraw `floor((B + 1e3) × s / (S + 1e3))`.
    func sharesFor(_ amount: UInt128, total: UInt128, balance: UInt128) -> UInt128 { floorDiv(amount, total + 1000, balance + 1000) }
    func unitsFor(_ shares: UInt128, total: UInt128, balance: UInt128) -> UInt128 { floorDiv(balance + 1000, shares, total + 1000) }

    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    func advance(_ world: inout Choreography, _ count: Int) throws {
        var left = count
        while left > 0 {
            let step = min(left, 1000)
            try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .int(step)]))
            left -= step
        }
    }

    func epoch(_ world: Choreography) throws -> UInt64 {
        UInt64(try world.query("ledger", "ledger.chain.show").at("epoch").text)!
    }

    func expectAuditExact(_ world: Choreography, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit.at("ok") == .bool(true), "audit after \(step): \(audit)", sourceLocation: sourceLocation)
        #expect(audit.at("leftWei") == audit.at("rightWei"), "ETH conservation after \(step)", sourceLocation: sourceLocation)
    }

    /// Operator `op`, AVS `eigenda` with set 1 {native, reth, steth}, the set mirrored by the ledger.
    func registry() throws -> Choreography {
        var world = Choreography()
        try world.send("operators", "operators.restaking.register", as: "op", .object(["name": "op", "allocationDelayEpochs": .int(0)]))
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "strategies": .array(["native", "reth", "steth"]),
        ]))
        #expect(world.journals["ledger"]!.map(\.type) == ["ledger.RestakeOperatorTracked", "ledger.OperatorSetTracked"])
        return world
    }

    /// What `slashing.avs.slash` will journal (§9.7), made by hand.
    func slash(
        _ world: inout Choreography, operator operatorName: String = "op", epoch: UInt64, _ strategies: [(String, UInt128, UInt128)]
    ) {
        let seq = UInt64(world.journals["slashing"]!.count + 1000)
        world.deliver(EventEnvelope(
            source: "slashing", seq: seq, type: "slashing.OperatorSlashed", epoch: epoch, body: .object([
                "avs": "eigenda", "setId": .int(1), "operator": .string(operatorName), "epoch": .int(epoch), "slashId": .int(seq),
                "reason": "test", "wadToSlash": .wei(Self.wad / 2),
                "strategies": .array(strategies.map { strategy, previous, new in
                    .object([
                        "strategy": .string(strategy), "slashedMagnitudeWad": .wei(previous - new), "wadSlashed": .wei(previous - new),
                        "previousMaxMagnitudeWad": .wei(previous), "newMaxMagnitudeWad": .wei(new),
                    ])
                }),
            ])))
    }

    func position(_ world: Choreography, _ account: String, _ strategy: String) throws -> JSON {
        let show = try world.query("ledger", "ledger.restake.show", .object(["account": .string(account)]))
        guard case .array(let positions) = show.at("positions") else { return .null }
        return positions.first { $0.at("strategy") == .string(strategy) } ?? .null
    }

    func operatorShares(_ world: Choreography, _ strategy: String) throws -> UInt128 {
        let view = try world.query("ledger", "ledger.restake.operator", .object(["operator": "op"]))
        guard case .array(let items) = view.at("strategies") else { return .max }
        return items.first { $0.at("strategy") == .string(strategy) }.map { amount($0, "shares") } ?? .max
    }

    /// Replay of the ledger's journal and a restore of its snapshot give back the live state.
    func expectRebuilds(_ world: Choreography, accounts: [String]) throws {
        let live = world.ledger.snapshot()
        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == live)
        let restored = try LedgerDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(live)))
        #expect(restored.snapshot() == live)
        let context = CommandContext(actor: "anyone", roles: world.roles, nextSeq: 0)
        func query(_ domain: LedgerDomain, _ type: String, _ body: JSON) -> JSON? {
            try? domain.decide(CommandEnvelope(id: "q", type: type, actor: "anyone", body: body), context: context).get().result
        }
        for domain in [replayed, restored] {
            for account in accounts {
                let body: JSON = .object(["account": .string(account)])
                #expect(query(domain, "ledger.restake.show", body) == query(world.ledger, "ledger.restake.show", body))
            }
            let op: JSON = .object(["operator": "op"])
            #expect(query(domain, "ledger.restake.operator", op) == query(world.ledger, "ledger.restake.operator", op))
            #expect(query(domain, "ledger.audit", .object([:])) == query(world.ledger, "ledger.audit", .object([:])))
        }
    }

    // MARK: Tests

    /// Deposit → delegate → slash → queue → slash at the escrow boundary → complete (T11/T8-like).
    @Test func tokenStrategyThroughSlashesAndTheEscrowBoundary() throws {
        var world = try registry()
        for (account, eth) in [("alice", UInt128(30)), ("bob", 10)] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether)]))
            try world.send("ledger", "ledger.stake", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether), "pool": "reth"]))
        }
        let aliceDeposit: UInt128 = 10 * ether + 7
        let bobDeposit: UInt128 = 5 * ether + 3
        let first = try world.send("ledger", "ledger.restake.deposit", as: "alice", .object([
            "account": "alice", "strategy": "reth", "amountWei": .wei(aliceDeposit),
        ]))
        var total: UInt128 = 0
        var balance: UInt128 = 0
        let aliceShares = sharesFor(aliceDeposit, total: total, balance: balance)
        #expect(amount(first, "shares") == aliceShares)
        total += aliceShares; balance += aliceDeposit
        let second = try world.send("ledger", "ledger.restake.deposit", as: "bob", .object([
            "account": "bob", "strategy": "reth", "amountWei": .wei(bobDeposit),
        ]))
        let bobShares = sharesFor(bobDeposit, total: total, balance: balance)
        #expect(amount(second, "shares") == bobShares)
        total += bobShares; balance += bobDeposit
        try expectAuditExact(world, "deposits")

        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        let delegated = world.journals["ledger"]!.last!
        #expect(delegated.type == "ledger.RestakeDelegated")
        #expect(try operatorShares(world, "reth") == aliceShares)
        guard case .array(let stakes) = delegated.body.at("stakes") else { Issue.record("no stakes"); return }
        #expect(stakes.count == 1 && amount(stakes[0], "scaledShares") == aliceShares && stakes[0].at("operator") == "op")

        // Slash A: max magnitude WAD → m1 (two thirds, rounded as slashing would).
        let m1: UInt128 = 666_666_666_666_666_667
        let now = try epoch(world)
        slash(&world, epoch: now, [("reth", Self.wad, m1)])
        let slashedA = aliceShares - ceilDiv(aliceShares, m1, Self.wad)
        #expect(world.journals["ledger"]!.last!.type == "ledger.RestakeOperatorSlashed")
        let burnedA = unitsFor(slashedA, total: total, balance: balance)
        total -= slashedA; balance -= burnedA
        var opShares = aliceShares - slashedA
        #expect(try operatorShares(world, "reth") == opShares)
        #expect(amount(try position(world, "alice", "reth"), "withdrawableShares") == floorDiv(aliceShares, m1, Self.wad))
        #expect(amount(try position(world, "bob", "reth"), "withdrawableShares") == bobShares)  // undelegated: untouched
        let audit = try world.query("ledger", "ledger.audit")
        #expect(amount(audit.at("restaking").at("strategies").at("reth"), "burnedUnits") == burnedA)
        try expectAuditExact(world, "slash A")

        // W1 at s, W2 at s + 1 (DSF is still WAD: scaled = deposit shares).
        let s = try epoch(world)
        let w1Shares: UInt128 = 2 * ether + 11
        let w2Shares: UInt128 = 3 * ether + 13
        let queued1 = try world.send("ledger", "ledger.restake.withdraw.queue", as: "alice", .object([
            "account": "alice", "strategy": "reth", "depositShares": .wei(w1Shares),
        ]))
        #expect(queued1.at("withdrawal").at("id") == .int(1))
        #expect(queued1.at("withdrawal").at("startEpoch") == .int(s))
        #expect(queued1.at("withdrawal").at("releaseEpoch") == .int(s + Self.delay + 1))
        #expect(amount(queued1.at("withdrawal"), "scaledShares") == w1Shares)
        opShares -= floorDiv(w1Shares, m1, Self.wad)
        #expect(try operatorShares(world, "reth") == opShares)
        try advance(&world, 1)
        let queued2 = try world.send("ledger", "ledger.restake.withdraw.queue", as: "alice", .object([
            "account": "alice", "strategy": "reth", "depositShares": .wei(w2Shares),
        ]))
        #expect(queued2.at("withdrawal").at("id") == .int(2))
        opShares -= floorDiv(w2Shares, m1, Self.wad)
        #expect(try operatorShares(world, "reth") == opShares)
        try expectAuditExact(world, "queues")

        // Slash B at s + 3151: W2 (queued at s + 1) is still slashable, W1 (s) no longer.
        try advance(&world, Int(Self.delay))
        #expect(try epoch(world) == s + Self.delay + 1)
        let m2: UInt128 = 333_333_333_333_333_334
        slash(&world, epoch: s + Self.delay + 1, [("reth", m1, m2)])
        let remaining = aliceShares - w1Shares - w2Shares
        let operatorSlashedB = opShares - ceilDiv(opShares, m2, m1)
        let queuedValue = floorDiv(w2Shares, m1, Self.wad)
        let queuedSlashedB = queuedValue - ceilDiv(queuedValue, m2, m1)
        let slashedEvent = world.journals["ledger"]!.last!
        guard case .array(let items) = slashedEvent.body.at("strategies") else { Issue.record("no strategies"); return }
        #expect(amount(items[0], "queuedSharesSlashed") == queuedSlashedB)
        // The operator keeps at least its delegator's withdrawable shares (the core's backing bound).
        let operatorSlashedActual = amount(items[0], "operatorSharesSlashed")
        #expect(operatorSlashedActual <= operatorSlashedB)
        opShares -= operatorSlashedActual
        #expect(opShares >= floorDiv(remaining, m2, Self.wad))
        let burnedB = unitsFor(operatorSlashedActual + queuedSlashedB, total: total, balance: balance)
        #expect(amount(items[0], "burnedWei") == burnedB)
        total -= operatorSlashedActual + queuedSlashedB; balance -= burnedB
        try expectAuditExact(world, "slash B")

        // W1 completes at its release epoch, priced at m1 (the magnitude at s + 3150).
        let rethBefore = amount(try world.query("ledger", "ledger.account.show", .object(["account": "alice"])), "rethWei")
        let done1 = try world.send("ledger", "ledger.restake.withdraw.complete", as: "alice", .object([
            "account": "alice", "id": .int(1), "as": "tokens",
        ]))
        let paid1 = floorDiv(w1Shares, m1, Self.wad)
        #expect(amount(done1, "shares") == paid1)
        let units1 = unitsFor(paid1, total: total, balance: balance)
        #expect(amount(done1, "amountWei") == units1)
        total -= paid1; balance -= units1
        #expect(amount(try world.query("ledger", "ledger.account.show", .object(["account": "alice"])), "rethWei") == rethBefore + units1)
        // W2 at its release epoch − 1 is refused; completing W1 twice too.
        for (id, code) in [(2, "withdrawal_delay_not_elapsed"), (1, "withdrawal_not_found")] {
            let before = world.ledger.snapshot()
            do {
                try world.send("ledger", "ledger.restake.withdraw.complete", as: "alice", .object(["account": "alice", "id": .int(id), "as": "tokens"]))
                Issue.record("completion of \(id) accepted")
            } catch {
                #expect(error.error.code.rawValue == code)
            }
            #expect(world.ledger.snapshot() == before)
        }
        try advance(&world, 1)
        // W2 as shares: re-deposited under op, priced at m2 (slashed at its last escrow epoch).
        let done2 = try world.send("ledger", "ledger.restake.withdraw.complete", as: "alice", .object([
            "account": "alice", "id": .int(2), "as": "shares",
        ]))
        let paid2 = floorDiv(w2Shares, m2, Self.wad)
        #expect(amount(done2, "shares") == paid2)
        let current = floorDiv(remaining, m2, Self.wad)
        let dsf = floorDiv(floorDiv(current + paid2, Self.wad, remaining + paid2), Self.wad, m2)
        let aliceNow = try position(world, "alice", "reth")
        #expect(amount(aliceNow, "depositShares") == remaining + paid2)
        #expect(amount(aliceNow, "depositScalingFactorWad") == dsf)
        #expect(amount(aliceNow, "withdrawableShares") == floorDiv(floorDiv(remaining + paid2, dsf, Self.wad), m2, Self.wad))
        opShares += paid2
        #expect(try operatorShares(world, "reth") == opShares)
        try expectAuditExact(world, "completions")

        // A ledger restored from its snapshot carries on exactly as the live one (its share side
        // restored from the core's image: magnitude histories and queue history included).
        var restoredWorld = world
        restoredWorld.ledger = try LedgerDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(world.ledger.snapshot())))
        for step in [0, 1] {
            var target = step == 0 ? world : restoredWorld
            slash(&target, epoch: try epoch(target), [("reth", m2, m2 / 2)])
            try target.send("operators", "operators.undelegate", as: "alice", .object(["staker": "alice"]))
            if step == 0 { world = target } else { restoredWorld = target }
        }
        #expect(restoredWorld.ledger.snapshot() == world.ledger.snapshot())
        #expect(restoredWorld.journals["ledger"]!.suffix(2).map(\.body) == world.journals["ledger"]!.suffix(2).map(\.body))

        // Undelegation queued everything (one withdrawal per strategy held).
        let undelegated = world.journals["ledger"]!.last!
        #expect(undelegated.type == "ledger.RestakeUndelegated")
        guard case .array(let withdrawals) = undelegated.body.at("withdrawals") else { Issue.record("no withdrawals"); return }
        #expect(withdrawals.count == 1 && withdrawals[0].at("id") == .int(3))
        #expect(amount(withdrawals[0], "depositShares") == remaining + paid2)
        #expect(try position(world, "alice", "reth") == .null)
        try expectAuditExact(world, "undelegation")
        try expectRebuilds(world, accounts: ["alice", "bob"])
    }

    /// restaking.md T8 (slashable shares in the queue) and T11 (a queued withdrawal keeps the
    /// original operator's magnitude), exactly, through the domains (blocks read as epochs).
    @Test func eigenLayerVectorsT8AndT11() throws {
        var world = try registry()
        try world.send("ledger", "ledger.eth.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(300 * ether)]))
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "amountWei": .wei(250 * ether), "pool": "reth"]))
        try world.send("ledger", "ledger.restake.deposit", as: "alice", .object(["account": "alice", "strategy": "reth", "amountWei": .wei(120 * ether)]))
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        let s = try epoch(world)
        for index in 0..<5 {
            if index > 0 { try advance(&world, 1) }
            try world.send("ledger", "ledger.restake.withdraw.queue", as: "alice", .object([
                "account": "alice", "strategy": "reth", "depositShares": .wei(20 * ether),
            ]))
        }
        try advance(&world, Int(s + 1 + Self.delay + 1 - (try epoch(world))))
        #expect(try epoch(world) == s + Self.delay + 2)
        slash(&world, epoch: s + Self.delay + 2, [("reth", Self.wad, 0)])
        guard case .array(let items) = world.journals["ledger"]!.last!.body.at("strategies") else { Issue.record("no strategies"); return }
        #expect(amount(items[0], "operatorSharesSlashed") == 20 * ether)
        #expect(amount(items[0], "queuedSharesSlashed") == 60 * ether)
        #expect(amount(items[0], "burnedWei") == 80 * ether)  // 1 unit a share: the pool never changed price
        try expectAuditExact(world, "T8")

        // T11: a second staker under a second operator.
        try world.send("operators", "operators.restaking.register", as: "op2", .object(["name": "op2", "allocationDelayEpochs": .int(0)]))
        try world.send("ledger", "ledger.eth.deposit", as: "bob", .object(["account": "bob", "amountWei": .wei(200 * ether)]))
        try world.send("ledger", "ledger.stake", as: "bob", .object(["account": "bob", "amountWei": .wei(150 * ether), "pool": "reth"]))
        let total = amount(try world.query("ledger", "ledger.audit").at("restaking").at("strategies").at("reth"), "totalShares")
        let balance = amount(try world.query("ledger", "ledger.audit").at("restaking").at("strategies").at("reth"), "balanceUnits")
        let shares = sharesFor(100 * ether, total: total, balance: balance)
        try world.send("ledger", "ledger.restake.deposit", as: "bob", .object(["account": "bob", "strategy": "reth", "amountWei": .wei(100 * ether)]))
        try world.send("operators", "operators.delegate", as: "bob", .object(["staker": "bob", "operator": "op2"]))
        slash(&world, operator: "op2", epoch: try epoch(world), [("reth", Self.wad, Self.wad / 2)])
        try world.send("ledger", "ledger.restake.withdraw.queue", as: "bob", .object([
            "account": "bob", "strategy": "reth", "depositShares": .wei(shares),
        ]))
        try world.send("operators", "operators.undelegate", as: "bob", .object(["staker": "bob"]))
        let show = try world.query("ledger", "ledger.restake.show", .object(["account": "bob"]))
        guard case .array(let withdrawals) = show.at("withdrawals") else { Issue.record("no withdrawals"); return }
        #expect(withdrawals.count == 1)
        #expect(amount(withdrawals[0], "sharesNow") == shares / 2)
        #expect(shares == 100 * ether)
        try expectAuditExact(world, "T11")
        try expectRebuilds(world, accounts: ["alice", "bob"])
    }

    /// The steth strategy is priced on its steth balance, which rebases: a deposit after a report
    /// mints at the new price, a slash burns at it; wsteth units do not rebase.
    @Test func stethStrategyFollowsTheRebase() throws {
        var world = try registry()
        for (seq, name) in [(1, "op-a"), (2, "op-b")] as [(UInt64, String)] {
            world.deliver(EventEnvelope(
                source: "operators", seq: 100 + seq, type: "operators.NodeOperatorRegistered", epoch: nil,
                body: .object(["name": .string(name), "pool": "steth", "validatorLimit": .int(10),
                               "onlineRateBips": .int(10_000), "commissionBips": .null])))
        }
        for account in ["alice", "bob"] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(40 * ether)]))
            try world.send("ledger", "ledger.stake", as: account, .object(["account": .string(account), "amountWei": .wei(40 * ether)]))
        }
        try world.send("ledger", "ledger.wrap", as: "bob", .object(["account": "bob", "amountWei": .wei(10 * ether)]))
        let first = try world.send("ledger", "ledger.restake.deposit", as: "alice", .object([
            "account": "alice", "strategy": "steth", "amountWei": .wei(10 * ether),
        ]))
        let credited1 = amount(first, "amountCreditedWei")
        #expect(credited1 <= 10 * ether && credited1 + 2 >= 10 * ether)
        let shares1 = sharesFor(credited1, total: 0, balance: 0)
        #expect(amount(first, "shares") == shares1)
        let wrapped = try world.send("ledger", "ledger.restake.deposit", as: "bob", .object([
            "account": "bob", "strategy": "wsteth", "amountWei": .wei(3 * ether),
        ]))
        #expect(amount(wrapped, "shares") == 3 * ether)
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        try expectAuditExact(world, "steth deposits")

        try advance(&world, 225)  // the first report rebases steth up
        func stethStrategy() throws -> JSON { try world.query("ledger", "ledger.audit").at("restaking").at("strategies").at("steth") }
        let rebased = amount(try stethStrategy(), "balanceUnits")
        #expect(rebased > credited1)
        #expect(amount(try position(world, "alice", "steth"), "valueWei") == unitsFor(shares1, total: shares1, balance: rebased))
        try expectAuditExact(world, "rebase")

        let second = try world.send("ledger", "ledger.restake.deposit", as: "alice", .object([
            "account": "alice", "strategy": "steth", "amountWei": .wei(5 * ether),
        ]))
        let credited2 = amount(second, "amountCreditedWei")
        let shares2 = sharesFor(credited2, total: shares1, balance: rebased)
        #expect(amount(second, "shares") == shares2)
        #expect(shares2 < credited2)  // steth is worth more than a share now
        #expect(try operatorShares(world, "steth") == shares1 + shares2)
        let total = shares1 + shares2
        let balance = amount(try stethStrategy(), "balanceUnits")

        slash(&world, epoch: try epoch(world), [("steth", Self.wad, Self.wad / 4)])
        let slashed = total - ceilDiv(total, Self.wad / 4, Self.wad)
        guard case .array(let items) = world.journals["ledger"]!.last!.body.at("strategies") else { Issue.record("no strategies"); return }
        #expect(amount(items[0], "operatorSharesSlashed") == slashed)
        #expect(amount(items[0], "burnedWei") == unitsFor(slashed, total: total, balance: balance))
        try expectAuditExact(world, "steth slash")
        try expectRebuilds(world, accounts: ["alice", "bob"])
    }

    /// An operator slashed to 0 in a strategy: deposits under it and delegations to it of that
    /// strategy are refused (EigenLayer `FullySlashed`); the ledger records the refused mirror.
    @Test func fullySlashedOperatorRefusesDepositsAndDelegations() throws {
        var world = try registry()
        for account in ["alice", "bob"] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(10 * ether)]))
            try world.send("ledger", "ledger.stake", as: account, .object(["account": .string(account), "amountWei": .wei(5 * ether), "pool": "reth"]))
            try world.send("ledger", "ledger.restake.deposit", as: account, .object([
                "account": .string(account), "strategy": "reth", "amountWei": .wei(ether),
            ]))
        }
        try world.send("operators", "operators.delegate", as: "alice", .object(["staker": "alice", "operator": "op"]))
        slash(&world, epoch: try epoch(world), [("reth", Self.wad, 0)])
        #expect(try operatorShares(world, "reth") == 0)
        #expect(amount(try position(world, "alice", "reth"), "withdrawableShares") == 0)
        try expectAuditExact(world, "slash to zero")
        let before = world.ledger.snapshot()
        do {
            try world.send("ledger", "ledger.restake.deposit", as: "alice", .object(["account": "alice", "strategy": "reth", "amountWei": .wei(ether)]))
            Issue.record("a deposit under a fully slashed operator was accepted")
        } catch {
            #expect(error.error.code.rawValue == "fully_slashed")
        }
        #expect(world.ledger.snapshot() == before)
        try world.send("operators", "operators.delegate", as: "bob", .object(["staker": "bob", "operator": "op"]))
        let refused = world.journals["ledger"]!.last!
        #expect(refused.type == "ledger.RestakeDelegationRefused")
        #expect(refused.body.at("code") == "fully_slashed")
        #expect(try world.query("ledger", "ledger.restake.show", .object(["account": "bob"])).at("delegatedTo") == .null)
        // Its undelegation has nothing to mirror.
        let count = world.journals["ledger"]!.count
        try world.send("operators", "operators.undelegate", as: "bob", .object(["staker": "bob"]))
        #expect(world.journals["ledger"]!.count == count)
        try expectAuditExact(world, "refused delegation")
        try expectRebuilds(world, accounts: ["alice", "bob"])
    }

    /// A pod: a validator verified, a beacon slashing's automatic checkpoint lowers the BCSF, an
    /// AVS slash of native shares is counted as burned, a command checkpoint without change.
    @Test func nativePodCheckpointAfterABeaconSlashing() throws {
        var world = try registry()
        try world.send("ledger", "ledger.eth.deposit", as: "carol", .object(["account": "carol", "amountWei": .wei(40 * ether)]))
        try world.send("ledger", "ledger.validator.deposit", as: "carol", .object(["account": "carol", "amountWei": .wei(32 * ether)]))
        do {
            try world.send("ledger", "ledger.restake.native", as: "carol", .object(["account": "carol", "validator": .int(0)]))
            Issue.record("a pending validator was restaked")
        } catch {
            #expect(error.error.code.rawValue == "validator_inactive")
        }
        try advance(&world, 20)
        let verified = try world.send("ledger", "ledger.restake.native", as: "carol", .object(["account": "carol", "validator": .int(0)]))
        let restaked = 32 * ether
        #expect(amount(verified, "restakedWei") == restaked)
        try world.send("operators", "operators.delegate", as: "carol", .object(["staker": "carol", "operator": "op"]))
        #expect(try operatorShares(world, "native") == restaked)
        try expectAuditExact(world, "verification")

        try world.send("slashing", "slashing.validator.slash", as: "oracle", .object(["validator": .int(0), "reason": "double vote"]))
        let types = world.journals["ledger"]!.suffix(2).map(\.type)
        #expect(types == ["ledger.ValidatorSlashApplied", "ledger.RestakeCheckpointed"])
        let checkpoint = world.journals["ledger"]!.last!
        #expect(checkpoint.body.at("reason") == "validator_slashed")
        let validator = try world.query("ledger", "ledger.validator.show", .object(["validator": .int(0)]))
        let balanceWei = amount(validator, "balanceGwei") * 1_000_000_000
        #expect(balanceWei < restaked)  // the initial penalty outweighs 20 epochs of rewards
        let decrease = restaked - balanceWei
        let bcsf = floorDiv(Self.wad, restaked - decrease, restaked)
        #expect(amount(checkpoint.body, "decreaseWei") == decrease)
        #expect(amount(checkpoint.body, "beaconChainSlashingFactorWad") == bcsf)
        let removed = floorDiv(restaked, Self.wad - bcsf, Self.wad)
        #expect(amount(checkpoint.body, "operatorSharesRemoved") == removed)
        #expect(try operatorShares(world, "native") == restaked - removed)
        let carol = try position(world, "carol", "native")
        #expect(amount(carol, "withdrawableShares") == floorDiv(restaked, bcsf, Self.wad))
        try expectAuditExact(world, "beacon slashing")

        // An AVS slash of half the native magnitude: the slashed shares are "burned" in place.
        let m: UInt128 = Self.wad / 2
        slash(&world, epoch: try epoch(world), [("native", Self.wad, m)])
        let opBefore = restaked - removed
        let slashedNative = opBefore - ceilDiv(opBefore, m, Self.wad)
        let view = try world.query("ledger", "ledger.audit")
        #expect(amount(view.at("restaking").at("native"), "nativeBurnedWei") <= slashedNative)
        #expect(amount(try position(world, "carol", "native"), "withdrawableShares")
            == floorDiv(restaked, floorDiv(m, bcsf, Self.wad), Self.wad))
        try expectAuditExact(world, "AVS slash of native")

        let again = try world.send("ledger", "ledger.restake.checkpoint", as: "carol", .object(["account": "carol"]))
        #expect(again.at("reason") == "command")
        #expect(amount(again, "restakedWei") == balanceWei)
        #expect(amount(again, "sharesAdded") == 0 && amount(again, "decreaseWei") == 0)
        try expectRebuilds(world, accounts: ["carol"])
    }

    /// A pod's sweeps go into the pod; a native withdrawal completes as ETH from the pod.
    @Test func podSweepsPayNativeWithdrawalsAsEth() throws {
        var world = try registry()
        try world.send("ledger", "ledger.eth.deposit", as: "dave", .object(["account": "dave", "amountWei": .wei(33 * ether)]))
        try world.send("ledger", "ledger.validator.deposit", as: "dave", .object(["account": "dave", "amountWei": .wei(32 * ether)]))
        try advance(&world, 10)
        try world.send("ledger", "ledger.restake.native", as: "dave", .object(["account": "dave", "validator": .int(0)]))
        try advance(&world, 256)
        try world.send("ledger", "ledger.validator.exit", as: "dave", .object(["validator": .int(0)]))
        var swept = false
        for _ in 0..<10 where !swept {
            try advance(&world, 225)
            let pod = try world.query("ledger", "ledger.restake.show", .object(["account": "dave"])).at("pod")
            swept = amount(try world.query("ledger", "ledger.validator.show", .object(["validator": .int(0)])), "balanceGwei") == 0
                && amount(pod, "podWei") > 32 * ether
        }
        #expect(swept)
        let daveAccount = try world.query("ledger", "ledger.account.show", .object(["account": "dave"]))
        #expect(amount(daveAccount, "balanceWei") == 1 * ether)  // the partial sweeps went to the pod too
        try expectAuditExact(world, "sweeps into the pod")
        let podWei = amount(try world.query("ledger", "ledger.restake.show", .object(["account": "dave"])).at("pod"), "podWei")
        let checkpoint = try world.send("ledger", "ledger.restake.checkpoint", as: "dave", .object(["account": "dave"]))
        #expect(amount(checkpoint, "restakedWei") == podWei)
        #expect(amount(checkpoint, "sharesAdded") == podWei - 32 * ether)
        let shares = amount(try position(world, "dave", "native"), "depositShares")
        #expect(shares == podWei)
        try world.send("ledger", "ledger.restake.withdraw.queue", as: "dave", .object([
            "account": "dave", "strategy": "native", "depositShares": .wei(shares),
        ]))
        try advance(&world, Int(Self.delay) + 1)
        let done = try world.send("ledger", "ledger.restake.withdraw.complete", as: "dave", .object([
            "account": "dave", "id": .int(1), "as": "tokens",
        ]))
        #expect(amount(done, "amountWei") == podWei)
        #expect(amount(try world.query("ledger", "ledger.account.show", .object(["account": "dave"])), "balanceWei") == ether + podWei)
        #expect(amount(try world.query("ledger", "ledger.restake.show", .object(["account": "dave"])).at("pod"), "podWei") == 0)
        try expectAuditExact(world, "native completion")
        try expectRebuilds(world, accounts: ["dave"])
    }

    /// An AVS funds rewards into escrow; a claim in rewards is paid from it.
    @Test func avsRewardsAreFundedIntoEscrowAndPaidOnClaims() throws {
        var world = try registry()
        try world.send("ledger", "ledger.eth.deposit", as: "eigenda", .object(["account": "eigenda", "amountWei": .wei(10 * ether)]))
        let funded = try world.send("ledger", "ledger.avs.rewards.fund", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "amountWei": .wei(3 * ether), "epochs": .int(10),
        ]))
        let event = world.journals["ledger"]!.last!
        #expect(event.type == "ledger.AVSRewardsFunded")
        #expect(funded.at("submission") == .int(event.seq))
        #expect(amount(try world.query("ledger", "ledger.audit"), "rewardsEscrowWei") == 3 * ether)
        try expectAuditExact(world, "funding")
        world.deliver(EventEnvelope(source: "rewards", seq: 900, type: "rewards.AVSRewardsClaimed", epoch: nil, body: .object([
            "account": "alice", "amountWei": .wei(ether + 1), "bySource": .array([]),
        ])))
        #expect(world.journals["ledger"]!.last!.type == "ledger.AVSRewardsPaid")
        #expect(amount(try world.query("ledger", "ledger.account.show", .object(["account": "alice"])), "balanceWei") == ether + 1)
        #expect(amount(try world.query("ledger", "ledger.audit"), "rewardsEscrowWei") == 2 * ether - 1)
        // A claim beyond the escrow is not paid (it cannot come from a consistent rewards service).
        let count = world.journals["ledger"]!.count
        world.deliver(EventEnvelope(source: "rewards", seq: 901, type: "rewards.AVSRewardsClaimed", epoch: nil, body: .object([
            "account": "alice", "amountWei": .wei(5 * ether), "bySource": .array([]),
        ])))
        #expect(world.journals["ledger"]!.count == count)
        try expectAuditExact(world, "payment")
        try expectRebuilds(world, accounts: ["alice"])
    }

    @Test func refusalsChangeNothing() throws {
        var world = try registry()
        for account in ["alice", "eigenda"] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(40 * ether)]))
        }
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "amountWei": .wei(5 * ether), "pool": "reth"]))
        try world.send("ledger", "ledger.restake.deposit", as: "alice", .object(["account": "alice", "strategy": "reth", "amountWei": .wei(ether)]))
        try world.send("ledger", "ledger.restake.withdraw.queue", as: "alice", .object([
            "account": "alice", "strategy": "reth", "depositShares": .wei(ether / 2),
        ]))
        try world.send("ledger", "ledger.validator.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(32 * ether)]))
        let before = world.ledger.snapshot()
        let cases: [(String, String, JSON, String)] = [
            ("ledger.restake.deposit", "alice", .object(["account": "alice", "strategy": "eth", "amountWei": .wei(1)]), "unknown_strategy"),
            ("ledger.restake.deposit", "alice", .object(["account": "alice", "strategy": "native", "amountWei": .wei(1)]), "unknown_strategy"),
            ("ledger.restake.deposit", "alice", .object(["account": "alice", "strategy": "reth", "amountWei": .wei(0)]), "amount_zero"),
            ("ledger.restake.deposit", "alice", .object(["account": "alice", "strategy": "reth", "amountWei": .wei(100 * ether)]), "insufficient_balance"),
            ("ledger.restake.deposit", "alice", .object(["account": "alice", "strategy": "steth", "amountWei": .wei(1)]), "insufficient_balance"),
            ("ledger.restake.deposit", "bob", .object(["account": "alice", "strategy": "reth", "amountWei": .wei(1)]), "unauthorized"),
            ("ledger.restake.deposit", "alice", .object(["account": "alice", "strategy": "reth"]), "missing_field"),
            ("ledger.restake.native", "alice", .object(["account": "alice", "validator": .int(9)]), "validator_not_found"),
            ("ledger.restake.native", "bob", .object(["account": "bob", "validator": .int(0)]), "not_validator_owner"),
            ("ledger.restake.native", "alice", .object(["account": "alice", "validator": .int(0)]), "validator_inactive"),
            ("ledger.restake.checkpoint", "alice", .object(["account": "alice"]), "pod_not_found"),
            ("ledger.restake.checkpoint", "bob", .object(["account": "alice"]), "unauthorized"),
            ("ledger.restake.withdraw.queue", "alice", .object(["account": "alice", "strategy": "gold", "depositShares": .wei(1)]), "unknown_strategy"),
            ("ledger.restake.withdraw.queue", "alice", .object(["account": "alice", "strategy": "reth", "depositShares": .wei(0)]), "amount_zero"),
            ("ledger.restake.withdraw.queue", "alice", .object(["account": "alice", "strategy": "reth", "depositShares": .wei(ether)]), "insufficient_balance"),
            ("ledger.restake.withdraw.queue", "alice", .object(["account": "alice", "strategy": "native", "depositShares": .wei(1)]), "insufficient_balance"),
            ("ledger.restake.withdraw.complete", "alice", .object(["account": "alice", "id": .int(7), "as": "tokens"]), "withdrawal_not_found"),
            ("ledger.restake.withdraw.complete", "bob", .object(["account": "bob", "id": .int(1), "as": "tokens"]), "not_withdrawal_owner"),
            ("ledger.restake.withdraw.complete", "alice", .object(["account": "alice", "id": .int(1), "as": "tokens"]), "withdrawal_delay_not_elapsed"),
            ("ledger.restake.withdraw.complete", "alice", .object(["account": "alice", "id": .int(1), "as": "coins"]), "invalid_argument"),
            ("ledger.avs.rewards.fund", "eigenda", .object(["avs": "eigenda", "setId": .int(2), "amountWei": .wei(1), "epochs": .int(1)]), "operator_set_not_found"),
            ("ledger.avs.rewards.fund", "eigenda", .object(["avs": "eigenda", "setId": .int(1), "amountWei": .wei(0), "epochs": .int(1)]), "amount_zero"),
            ("ledger.avs.rewards.fund", "eigenda", .object(["avs": "eigenda", "setId": .int(1), "amountWei": .wei(41 * ether), "epochs": .int(1)]), "insufficient_balance"),
            ("ledger.avs.rewards.fund", "eigenda", .object(["avs": "eigenda", "setId": .int(1), "amountWei": .wei(1), "epochs": .int(0)]), "invalid_argument"),
            ("ledger.avs.rewards.fund", "eigenda", .object(["avs": "eigenda", "setId": .int(1), "amountWei": .wei(1), "epochs": .int(10_001)]), "invalid_argument"),
            ("ledger.avs.rewards.fund", "alice", .object(["avs": "eigenda", "setId": .int(1), "amountWei": .wei(1), "epochs": .int(1)]), "unauthorized"),
        ]
        for (type, actor, body, code) in cases {
            do {
                try world.send("ledger", type, as: actor, body)
                Issue.record("\(type) as \(actor) \(body) was accepted")
            } catch {
                #expect(error.error.code.rawValue == code, "\(type) \(body): \(error)")
            }
            #expect(world.ledger.snapshot() == before, "\(type) as \(actor) changed the state")
        }
        try expectAuditExact(world, "refusals")
    }
}
