import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// The liquid-restaking pool `eeth` in process (docs/PROTOCOL.md §9.8): stake, validators
/// natively restaked through the pool's pod-stakers and delegated by its policy, reports with
/// rewards, an AVS slash and a beacon-chain slash reaching the rate as negative rebases,
/// AVS rewards claimed by the pool, a withdrawal paid at min(requested, value at the rate),
/// steth and wsteth deposits, weeth, bad input, replay and snapshot.
@Suite struct EethDomainTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000
    static let e27: UInt128 = 1_000_000_000_000_000_000_000_000_000
    static let interval: UInt64 = 50

    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    func advance(_ world: inout Choreography, _ count: Int) throws {
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .int(count)]))
    }

    func epoch(_ world: Choreography) throws -> UInt64 {
        UInt64(try world.query("ledger", "ledger.chain.show").at("epoch").text)!
    }

    /// Advances to the report at the next multiple of the interval; returns its event's body.
    func nextReport(_ world: inout Choreography) throws -> JSON {
        let now = try epoch(world)
        try advance(&world, Int((now / Self.interval + 1) * Self.interval - now))
        let reported = world.journals["ledger"]!.last { $0.type == "ledger.PoolReported" && $0.body.at("pool") == "eeth" }
        #expect(reported.map { $0.body.at("epoch").text } == String(try epoch(world)))
        return reported?.body ?? .null
    }

    func pool(_ world: Choreography) throws -> JSON { try world.query("ledger", "ledger.pool.show", .object(["pool": "eeth"])) }

    func operatorRow(_ world: Choreography, _ name: String) throws -> JSON {
        try pool(world).array("operators").first { $0.at("operator") == .string(name) } ?? .null
    }

    func expectAuditExact(_ world: Choreography, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try world.query("ledger", "ledger.audit")
        #expect(audit.at("ok") == .bool(true), "audit after \(step): \(audit)", sourceLocation: sourceLocation)
        #expect(audit.at("leftWei") == audit.at("rightWei"), "ETH conservation after \(step)", sourceLocation: sourceLocation)
    }

    /// Refused with `code`, and nothing journaled anywhere.
    func expectRefused(
        _ world: inout Choreography, _ code: String, _ type: String, as actor: String, _ body: JSON,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = world.journals
        let snapshot = world.ledger.snapshot()
        do {
            try world.send("ledger", type, as: actor, body)
            Issue.record("\(type) \(body) was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.error.code.rawValue == code, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(world.journals == before, sourceLocation: sourceLocation)
        #expect(world.ledger.snapshot() == snapshot, sourceLocation: sourceLocation)
    }

    /// Operators `opa` and `opb` (no allocation delay), AVS `eigenda` with set 1 {native}, both
    /// joined, `opa` allocating all of its native magnitude; the eeth policy over both, 60 % cap.
    func world() throws -> Choreography {
        var world = Choreography()
        for name in ["opa", "opb"] {
            try world.send("operators", "operators.restaking.register", as: name, .object(["name": .string(name), "allocationDelayEpochs": .int(0)]))
        }
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object(["avs": "eigenda", "setId": .int(1), "strategies": .array(["native"])]))
        for name in ["opa", "opb"] {
            try world.send("slashing", "slashing.set.join", as: name, .object(["operator": .string(name), "avs": "eigenda", "setId": .int(1)]))
        }
        try world.send("slashing", "slashing.allocate", as: "opa", .object([
            "operator": "opa", "avs": "eigenda", "setId": .int(1), "strategy": "native", "magnitudeWad": .wei(Self.wad),
        ]))
        try world.send("rewards", "rewards.pool.set", as: "oracle", .object(["pool": "eeth", "reportIntervalEpochs": .int(Self.interval)]))
        let set = try world.send("ledger", "ledger.pool.set", as: "admin", .object([
            "pool": "eeth", "operators": .array(["opa", "opb"]), "capBips": .int(6000), "feeBips": .int(1000),
        ]))
        #expect(set.at("operators") == .array(["opa", "opb"]))
        #expect(set.at("validatorsFunded") == .array([]))
        return world
    }

    @Test func liquidRestakingThroughRewardsSlashesAndAWithdrawal() throws {
        var world = try world()
        for (account, eth) in [("alice", UInt128(100)), ("bob", 20), ("eigenda", 5), ("treasury", 1)] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether)]))
        }
        // 70 ETH, cap 60 % of the pool's value (42 ETH): one validator per operator, spread
        // evenly; 6 ETH stay in the buffer. The pool delegates its pod-stakers itself.
        let staked = try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(70 * ether)]))
        #expect(amount(staked, "sharesMinted") == 70 * ether - 1000)
        #expect(staked.at("validatorsFunded") == .array([.int(0), .int(1)]))
        #expect(staked.at("delegated") == .array(["pool:eeth/opa", "pool:eeth/opb"]))
        let types = world.journals["ledger"]!.suffix(5).map(\.type)
        #expect(types == ["ledger.Staked", "ledger.RestakeDelegated", "ledger.ValidatorDeposited", "ledger.RestakeDelegated", "ledger.ValidatorDeposited"])
        #expect(amount(try pool(world), "bufferedWei") == 6 * ether)
        #expect(try operatorRow(world, "opa").at("validators") == .array([.int(0)]))
        #expect(try operatorRow(world, "opb").at("validators") == .array([.int(1)]))
        try expectAuditExact(world, "stake")

        // Verified into the pods once their activation is scheduled (before the first report).
        var verifiedAt: UInt64?
        for _ in 0..<(Int(Self.interval) - 2) where verifiedAt == nil {
            try advance(&world, 1)
            if amount(try operatorRow(world, "opa"), "withdrawableShares") == 32 * ether { verifiedAt = try epoch(world) }
        }
        #expect(verifiedAt != nil, "the pool's validators were verified into their pods")
        #expect(amount(try operatorRow(world, "opb"), "withdrawableShares") == 32 * ether)
        // rewards received the pod-stakers' stakes (§9.7) as for any staker.
        #expect(world.journals["rewards"]!.contains { $0.type == "rewards.RestakeStakesRecorded" && "\($0.body)".contains("pool:eeth/opa") })
        try expectAuditExact(world, "verification")

        // Report 1: consensus rewards → a positive rebase, the 10 % fee minted to the treasury.
        let first = try nextReport(&world)
        #expect(first.at("negativeRebase") == .bool(false), "\(first)")
        #expect(amount(first, "rewardsWei") > 0 && amount(first, "feeSharesMinted") > 0)
        #expect(amount(first, "shareRateAfterE27") > amount(first, "shareRateBeforeE27"))
        #expect(amount(first, "valueWei") == amount(first, "totalPooledWei"))
        let treasury = try world.query("ledger", "ledger.account.show", .object(["account": "treasury"]))
        #expect(amount(treasury, "eethShares") == amount(first, "feeSharesMinted"), "\(treasury)")
        try expectAuditExact(world, "report 1")

        // AVS rewards: eigenda pays set 1; the pool's oracle claims the pod-staker's part.
        try world.send("ledger", "ledger.avs.rewards.fund", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "amountWei": .wei(ether), "epochs": .int(5),
        ]))
        try advance(&world, 6)
        #expect(throws: Choreography.Failure.self) {
            try world.send("rewards", "rewards.avs.claim", as: "alice", .object(["account": "pool:eeth/opa"]))
        }
        let claimable = amount(try world.query("rewards", "rewards.avs.show", .object(["account": "pool:eeth/opa"])), "claimableWei")
        let claim = try world.send("rewards", "rewards.avs.claim", as: "oracle", .object(["account": "pool:eeth/opa"]))
        #expect(amount(claim, "amountWei") == claimable)
        let avsWei = amount(claim, "amountWei")
        #expect(avsWei > 0 && avsWei < ether)
        #expect(amount(try pool(world), "avsRewardsClaimedWei") == avsWei)
        try expectAuditExact(world, "AVS rewards claimed")

        // An AVS slash of half of opa's native magnitude: opa's pod-staker loses half its
        // withdrawable shares; the next report is a negative rebase (the AVS rewards are in).
        try world.send("slashing", "slashing.avs.slash", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "operator": "opa", "wadToSlash": .wei(Self.wad / 2), "reason": "equivocation",
        ]))
        #expect(amount(try operatorRow(world, "opa"), "withdrawableShares") < 17 * ether)
        let second = try nextReport(&world)
        #expect(second.at("negativeRebase") == .bool(true), "\(second)")
        #expect(amount(second, "lossWei") > 15 * ether && amount(second, "feeSharesMinted") == 0)
        #expect(amount(second, "shareRateAfterE27") < amount(second, "shareRateBeforeE27"))
        #expect(amount(second.at("layers"), "avsRewardsWei") == avsWei)
        #expect(try pool(world).at("lastNegativeRebase") == second)
        try expectAuditExact(world, "AVS slash report")

        // Without anyone claiming: the pod-stakers' AVS rewards are claimed for the pool just
        // before each eeth report (rewards journals the claim right before OracleReportDue),
        // land in its vault and count in that report's value.
        let claimedBefore = amount(try pool(world), "avsRewardsClaimedWei")
        try world.send("ledger", "ledger.avs.rewards.fund", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "amountWei": .wei(ether), "epochs": .int(3),
        ]))
        let withAutomaticClaim = try nextReport(&world)
        let rewardsJournal = world.journals["rewards"]!
        let due = try #require(rewardsJournal.lastIndex { $0.type == "rewards.OracleReportDue" && $0.body.at("pool") == "eeth" })
        let automatic = rewardsJournal[due - 1]
        #expect(automatic.type == "rewards.AVSRewardsClaimed" && automatic.body.at("account") == "pool:eeth/opa", "\(automatic)")
        let automaticWei = amount(automatic.body, "amountWei")
        #expect(automaticWei > 0 && automaticWei < ether)
        #expect(amount(try pool(world), "avsRewardsClaimedWei") == claimedBefore + automaticWei)
        #expect(amount(withAutomaticClaim.at("layers"), "avsRewardsWei") == automaticWei, "the vault since the last report")
        #expect(amount(try world.query("rewards", "rewards.avs.show", .object(["account": "pool:eeth/opa"])), "claimableWei") == 0)
        try expectAuditExact(world, "automatic AVS-rewards claim")

        // A withdrawal requested now, finalized at the next report after a beacon-chain slash
        // of opb's validator: paid min(requested, shares × the lower rate).
        let request = try world.send("ledger", "ledger.withdrawal.request", as: "alice", .object([
            "account": "alice", "pool": "eeth", "amountWei": .wei(3 * ether),
        ]))
        #expect(request.at("includesRestakingEscrow") == .bool(false), "the buffer covers it: \(request)")
        let requested = try request.array("requests")[0]
        let id = requested.at("id")
        try world.send("slashing", "slashing.validator.slash", as: "oracle", .object(["validator": .int(1), "reason": "double vote"]))
        #expect(world.journals["ledger"]!.last?.type == "ledger.RestakeCheckpointed", "the automatic checkpoint of opb's pod")
        #expect(amount(try operatorRow(world, "opb"), "beaconChainSlashingFactorWad") < Self.wad)
        let third = try nextReport(&world)
        #expect(third.at("negativeRebase") == .bool(true), "\(third)")
        #expect(third.at("finalizedThrough") == id)
        let rate = amount(third, "finalizationShareRateE27")  // after the rebase, before the finalization burns
        let expected = min(3 * ether, try FixedPoint.mulDivFloor(amount(requested, "shares"), rate, Self.e27))
        #expect(expected < 3 * ether)
        let claimed = try world.send("ledger", "ledger.withdrawal.claim", as: "alice", .object(["id": id, "pool": "eeth"]))
        #expect(amount(claimed, "claimedWei") == expected, "\(claimed)")
        #expect(amount(claimed, "finalizationShareRateE27") == rate)
        try expectAuditExact(world, "withdrawal claimed")

        // steth and wsteth into the pool, at their ETH value (counted at every report after).
        try world.send("ledger", "ledger.stake", as: "bob", .object(["account": "bob", "pool": "steth", "amountWei": .wei(10 * ether)]))
        try world.send("ledger", "ledger.wrap", as: "bob", .object(["account": "bob", "amountWei": .wei(2 * ether)]))
        let fromSteth = try world.send("ledger", "ledger.stake", as: "bob", .object([
            "account": "bob", "pool": "eeth", "asset": "steth", "amountWei": .wei(3 * ether),
        ]))
        #expect(amount(fromSteth, "valueWei") + 2 >= 3 * ether && amount(fromSteth, "sharesMinted") > 0)
        let fromWsteth = try world.send("ledger", "ledger.stake", as: "bob", .object([
            "account": "bob", "pool": "eeth", "asset": "wsteth", "amountWei": .wei(ether),
        ]))
        #expect(amount(fromWsteth, "valueWei") > 0)
        let held = amount(try pool(world).at("valueByLayer"), "lstHoldingsWei")
        #expect(held + 3 >= amount(fromSteth, "valueWei") + amount(fromWsteth, "valueWei"))

        // weeth: wrap eeth, unwrap it back (rounding in the wrapper's favour).
        let wrapped = try world.send("ledger", "ledger.wrap", as: "alice", .object(["account": "alice", "token": "weeth", "amountWei": .wei(10 * ether)]))
        let units = amount(wrapped, "weethWei")
        #expect(units > 10 * ether, "the rate fell below 1, so 10 eeth are more than 10 shares: \(wrapped)")
        let unwrapped = try world.send("ledger", "ledger.unwrap", as: "alice", .object(["account": "alice", "token": "weeth", "amountWei": .wei(units)]))
        #expect(amount(unwrapped, "eethCreditedWei") <= 10 * ether && amount(unwrapped, "eethCreditedWei") + 2 >= 10 * ether)
        // Transfers: eeth by amount (the receiver is told what it got) and by shares, weeth by units.
        let byAmount = try world.send("ledger", "ledger.transfer", as: "alice", .object([
            "from": "alice", "to": "bob", "token": "eeth", "amountWei": .wei(ether),
        ]))
        #expect(amount(byAmount, "amountCreditedWei") <= ether && amount(byAmount, "amountCreditedWei") + 2 >= ether)
        let byShares = try world.send("ledger", "ledger.transfer", as: "alice", .object([
            "from": "alice", "to": "bob", "token": "eeth", "shares": .wei(ether),
        ]))
        #expect(amount(byShares, "sharesMoved") == ether)
        try world.send("ledger", "ledger.wrap", as: "alice", .object(["account": "alice", "token": "weeth", "amountWei": .wei(2 * ether)]))
        let weeth = amount(try world.query("ledger", "ledger.account.show", .object(["account": "alice"])), "weethWei")
        try world.send("ledger", "ledger.transfer", as: "alice", .object(["from": "alice", "to": "bob", "token": "weeth", "amountWei": .wei(weeth)]))
        let bob = try world.query("ledger", "ledger.account.show", .object(["account": "bob"]))
        #expect(amount(bob, "weethWei") == weeth)
        // bob withdraws weeth: unwrapped first, then queued.
        let fromWeeth = try world.send("ledger", "ledger.withdrawal.request", as: "bob", .object([
            "account": "bob", "token": "weeth", "amountWei": .wei(weeth),
        ]))
        #expect(amount(fromWeeth, "eethWei") + 2 >= 2 * ether && fromWeeth.at("pool") == "eeth")
        let list = try world.query("ledger", "ledger.withdrawal.list", .object(["pool": "eeth", "account": "bob"]))
        #expect(try list.array("requests").count == 1)
        #expect(try list.array("requests")[0].at("status") == "pending")
        try expectAuditExact(world, "steth deposits and weeth")
        let fourth = try nextReport(&world)
        #expect(amount(fourth.at("layers"), "lstHoldingsWei") == held)
        try expectAuditExact(world, "report 4")

        // Replay and snapshot give back the same books.
        let live = world.ledger.snapshot()
        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == live)
        let restored = try LedgerDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(live)))
        #expect(restored.snapshot() == live)
        let context = CommandContext(actor: "anyone", roles: world.roles, nextSeq: 0)
        for domain in [replayed, restored] {
            for (type, body) in [("ledger.pool.show", JSON.object(["pool": "eeth"])), ("ledger.audit", .object([:]))] {
                let mine = try? domain.decide(CommandEnvelope(id: "q", type: type, actor: "anyone", body: body), context: context).get().result
                #expect(mine == (try? world.query("ledger", type, body)))
            }
        }
    }

    @Test func policySpreadsEvenlyWithinTheCap() throws {
        var world = try world()
        try world.send("operators", "operators.restaking.register", as: "opc", .object(["name": "opc", "allocationDelayEpochs": .int(0)]))
        try world.send("ledger", "ledger.eth.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(300 * ether)]))
        try world.send("ledger", "ledger.pool.set", as: "admin", .object(["pool": "eeth", "capBips": .int(3000)]))
        // 100 ETH, cap 30 %: 32 ETH is above 30 ETH for anyone, so everything waits in the buffer.
        let small = try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(100 * ether)]))
        #expect(small.at("validatorsFunded") == .array([]))
        // 200 ETH: 60 ETH each at most → one validator for opa and one for opb.
        let more = try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(100 * ether)]))
        #expect(more.at("validatorsFunded") == .array([.int(0), .int(1)]))
        // A third operator and a higher cap (100 ETH each): the buffer's 136 ETH fund four
        // validators at once, least stake first (opc, then opa, opb, opc; ties by name).
        let set = try world.send("ledger", "ledger.pool.set", as: "admin", .object([
            "pool": "eeth", "operators": .array(["opa", "opb", "opc"]), "capBips": .int(5000),
        ]))
        #expect(set.at("validatorsFunded") == .array([.int(2), .int(3), .int(4), .int(5)]), "\(set)")
        #expect(set.at("delegated") == .array(["pool:eeth/opc"]))
        for (name, count) in [("opa", 2), ("opb", 2), ("opc", 2)] {
            #expect(try operatorRow(world, name).array("validators").count == count, "\(name)")
        }
        #expect(try operatorRow(world, "opc").at("validators") == .array([.int(2), .int(5)]))
        #expect(amount(try pool(world), "bufferedWei") == 200 * ether - 6 * 32 * ether)
        try expectAuditExact(world, "policy")
    }

    /// An exit requested for a withdrawal that more stake then pays from the buffer: the exited
    /// validator's ETH comes back through the escrow, and the report that collects it funds a
    /// validator again (what the buffer holds beyond the queue).
    @Test func ethBackFromTheEscrowFundsValidatorsAgain() throws {
        var world = try world()
        try world.send("ledger", "ledger.pool.set", as: "admin", .object(["pool": "eeth", "capBips": .int(10_000)]))
        for (account, eth) in [("alice", UInt128(40)), ("bob", 30)] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether)]))
        }
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(40 * ether)]))
        try world.send("ledger", "ledger.withdrawal.request", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(20 * ether)]))
        var reports = 0
        while try pool(world).at("exitsRequested") == .array([]), reports < 20 {
            _ = try nextReport(&world)
            reports += 1
        }
        #expect(try pool(world).at("exitsRequested") == .array([.int(0)]))
        // bob's stake covers the queue: the buffer keeps it (no validator), the next report pays.
        let bob = try world.send("ledger", "ledger.stake", as: "bob", .object(["account": "bob", "pool": "eeth", "amountWei": .wei(30 * ether)]))
        #expect(bob.at("validatorsFunded") == .array([]))
        #expect(try nextReport(&world).at("finalizedThrough") == .int(1))
        var refunded = false
        while !refunded && reports < 200 {
            _ = try nextReport(&world)
            reports += 1
            let types = world.journals["ledger"]!.suffix(2).map(\.type)
            refunded = types == ["ledger.PoolReported", "ledger.ValidatorDeposited"]
        }
        #expect(refunded, "a report funded a validator with the ETH back from the escrow")
        #expect(world.journals["ledger"]!.contains { $0.type == "ledger.RestakeWithdrawalCompleted" })
        // opa's exited validator no longer counts as stake: opa and opb tie at 0, opa by name.
        #expect(try operatorRow(world, "opa").at("validators") == .array([.int(0), .int(1)]))
        try expectAuditExact(world, "refunded")
        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == world.ledger.snapshot())
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        var world = try world()
        try world.send("ledger", "ledger.eth.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(10 * ether)]))
        expectRefused(&world, "unknown_pool", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "ufo", "amountWei": .wei(ether)]))
        expectRefused(&world, "unknown_token", "ledger.stake", as: "alice", .object([
            "account": "alice", "pool": "eeth", "asset": "reth", "amountWei": .wei(ether),
        ]))
        expectRefused(&world, "insufficient_balance", "ledger.stake", as: "alice", .object([
            "account": "alice", "pool": "eeth", "asset": "steth", "amountWei": .wei(ether),
        ]))
        expectRefused(&world, "below_minimum", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(1000)]))
        expectRefused(&world, "unauthorized", "ledger.stake", as: "bob", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(ether)]))
        expectRefused(&world, "unauthorized", "ledger.pool.set", as: "alice", .object(["pool": "eeth", "capBips": .int(5000)]))
        expectRefused(&world, "operator_not_found", "ledger.pool.set", as: "admin", .object(["pool": "eeth", "operators": .array(["nobody"])]))
        expectRefused(&world, "invalid_argument", "ledger.pool.set", as: "admin", .object(["pool": "eeth", "feeBips": .int(2500)]))
        expectRefused(&world, "unknown_pool", "ledger.pool.set", as: "admin", .object(["pool": "ufo", "feeBips": .int(100)]))
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(2 * ether)]))
        expectRefused(&world, "unknown_token", "ledger.withdrawal.request", as: "alice", .object([
            "account": "alice", "pool": "eeth", "token": "steth", "amountWei": .wei(ether),
        ]))
        expectRefused(&world, "insufficient_balance", "ledger.withdrawal.request", as: "alice", .object([
            "account": "alice", "pool": "eeth", "amountWei": .wei(3 * ether),
        ]))
        expectRefused(&world, "request_not_found", "ledger.withdrawal.claim", as: "alice", .object(["id": .int(1), "pool": "eeth"]))
        expectRefused(&world, "insufficient_balance", "ledger.unwrap", as: "alice", .object(["account": "alice", "token": "weeth", "amountWei": .wei(ether)]))
        let pending = try world.send("ledger", "ledger.withdrawal.request", as: "alice", .object([
            "account": "alice", "token": "eeth", "amountWei": .wei(ether),
        ]))
        expectRefused(&world, "request_not_finalized", "ledger.withdrawal.claim", as: "alice", .object([
            "id": try pending.array("requests")[0].at("id"), "pool": "eeth",
        ]))
        try expectAuditExact(world, "refusals")
    }

    /// A simulated slash shares the pool's loss out as the next report would: eETH holders by
    /// shares, weETH holders through the wrapper's shares, and the shares an unfinalized request
    /// locked to that request's owner (not to the queue's reserved holder).
    @Test func simulatedSlashNamesEachHoldersPart() throws {
        var world = try world()
        for (account, eth) in [("alice", UInt128(100)), ("bob", 20)] {
            try world.send("ledger", "ledger.eth.deposit", as: account, .object(["account": .string(account), "amountWei": .wei(eth * ether)]))
        }
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(70 * ether)]))
        try world.send("ledger", "ledger.stake", as: "bob", .object(["account": "bob", "pool": "eeth", "amountWei": .wei(10 * ether)]))
        for _ in 0..<(Int(Self.interval) - 2) where amount(try operatorRow(world, "opa"), "withdrawableShares") == 0 { try advance(&world, 1) }
        let wrapped = try world.send("ledger", "ledger.wrap", as: "bob", .object(["account": "bob", "token": "weeth", "amountWei": .wei(4 * ether)]))
        let request = try world.send("ledger", "ledger.withdrawal.request", as: "alice", .object([
            "account": "alice", "pool": "eeth", "amountWei": .wei(5 * ether),
        ]))
        let locked = amount(try request.array("requests")[0], "shares")
        let totalShares = amount(try pool(world), "totalShares")
        let prediction = try world.query("ledger", "ledger.restake.simulateSlash", .object([
            "avs": "eigenda", "setId": .int(1), "operator": "opa",
            "strategies": .array([.object(["strategy": "native", "newMaxMagnitudeWad": .wei(Self.wad / 2)])]),
        ]))
        let eethRow = try #require(try prediction.array("pools").first { $0.at("pool") == "eeth" })
        let loss = amount(eethRow, "lossEtherWei")
        #expect(loss == 16 * ether, "half of opa's 32 verified ETH")
        let holders = try eethRow.array("holders")
        #expect(!holders.contains { $0.at("holder") == "pool:eeth-withdrawal-queue" || $0.at("holder") == "pool:weeth" }, "\(holders)")
        let inQueue = try #require(holders.first { $0.at("withdrawalRequest") == .int(1) })
        #expect(inQueue.at("holder") == "alice" && amount(inQueue, "shares") == locked)
        #expect(amount(inQueue, "lossEtherWei") == loss * locked / totalShares)
        let weeth = try #require(holders.first { $0.at("token") == "weeth" })
        #expect(weeth.at("holder") == "bob" && amount(weeth, "units") == amount(wrapped, "weethWei"))
        #expect(amount(weeth, "lossEtherWei") == loss * amount(wrapped, "sharesMoved") / totalShares)
        #expect(holders.reduce(UInt128(0)) { $0 + amount($1, "lossEtherWei") } <= loss)
    }

    @Test func withdrawalsBeyondTheBufferWaitForExitsAndTheEscrow() throws {
        var world = try world()
        try world.send("ledger", "ledger.eth.deposit", as: "alice", .object(["account": "alice", "amountWei": .wei(40 * ether)]))
        try world.send("ledger", "ledger.pool.set", as: "admin", .object(["pool": "eeth", "capBips": .int(10_000)]))
        try world.send("ledger", "ledger.stake", as: "alice", .object(["account": "alice", "pool": "eeth", "amountWei": .wei(40 * ether)]))
        let request = try world.send("ledger", "ledger.withdrawal.request", as: "alice", .object([
            "account": "alice", "pool": "eeth", "amountWei": .wei(20 * ether),
        ]))
        #expect(request.at("includesRestakingEscrow") == .bool(true), "\(request)")
        let wait = UInt64(request.at("expectedWaitEpochs").text)!
        #expect(wait > 3150, "the escrow is in the wait: \(wait)")
        // Reports until the request is finalized: an exit, the sweep into the pod, a queued
        // native withdrawal, its completion into the buffer after the escrow.
        var finalized = false
        var reports = 0
        var estimateInEscrow: UInt64?
        while !finalized && reports < 200 {
            let report = try nextReport(&world)
            reports += 1
            finalized = report.at("finalizedThrough") == .int(1)
            if reports == 20 {
                // Halfway (the native withdrawal in escrow): a ledger restored from its snapshot
                // carries on in its place.
                #expect(!(try pool(world).at("exitsRequested") == .array([])), "an exit was requested by now")
                // The estimate counts what is under way (the exit, the escrow), not a new exit
                // from the next report on.
                let listed = try world.query("ledger", "ledger.withdrawal.list", .object(["pool": "eeth"])).array("requests")[0]
                estimateInEscrow = UInt64(listed.at("expectedFinalizationEpoch").text)
                #expect(estimateInEscrow! <= UInt64(request.at("expectedFinalizationEpoch").text)! + 32, "\(listed)")
                world.ledger = try LedgerDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(world.ledger.snapshot())))
            }
        }
        #expect(finalized)
        #expect(try epoch(world) <= estimateInEscrow ?? 0, "finalized by the estimate made while the ETH was on its way")
        // The estimate counts a fresh validator's 256 epochs before it may exit; what it cannot
        // know is the exit queue's churn and where the sweep stands (a few epochs).
        let expected = UInt64(request.at("expectedFinalizationEpoch").text)!
        let finalizedAt = try epoch(world)
        #expect(finalizedAt <= expected + 32 && finalizedAt + 32 >= expected, "finalized at \(finalizedAt), expected \(expected)")
        #expect(world.journals["ledger"]!.contains { $0.type == "ledger.RestakeWithdrawalCompleted" && $0.body.at("account") == "pool:eeth/opa" })
        let claimed = try world.send("ledger", "ledger.withdrawal.claim", as: "alice", .object(["id": .int(1), "pool": "eeth"]))
        #expect(amount(claimed, "claimedWei") == 20 * ether, "rewards raised the rate: min(requested, value) = requested")
        try expectAuditExact(world, "exit and escrow")
        var replayed = LedgerDomain()
        for event in world.journals["ledger"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == world.ledger.snapshot())
    }
}
