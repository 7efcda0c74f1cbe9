import Accounting
import Contracts
import Domains
import ServiceKit
import Testing

/// AVS rewards in stakeline-rewards (docs/PROTOCOL.md §9.7): hand-made ledger restaking events
/// and real operators/slashing commands through the choreography, checked against a naive model
/// written here independently.
///
/// What "naive" computes, so that the equality is to the wei: every epoch of the submission,
/// for every operator slashable at that epoch and every strategy of the set, the weight
/// `w = floor(shares × floor(current × WAD / max) / WAD)` from the test's own tables of
/// operator shares and magnitudes; each (operator, strategy) part `floor(slice × w / W)`; the
/// operator keeps `floor(part × split / 10 000)`; the rest goes to the operator's current
/// delegators **eagerly, every epoch, one holder at a time** (O(holders) per epoch), with the
/// carry semantics the index promises: `Δ, carry = divmod(rest × S + carry, T)` and per holder
/// `owed, residue = divmod(stake × Δ + residue, S)`. The domain settles lazily (O(1) per epoch);
/// lazy and eager agree exactly because a holder's `Σ owed` telescopes to
/// `floor((stake × ΣΔ + residue₀) / S)` over any stretch of constant stake. What is left is
/// sub-wei dust `(carry + Σ residue) / S` per index, which the model shows is a whole number of
/// wei — so conservation holds to the wei with nothing unexplained.
@Suite struct AVSRewardsDomainTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000
    static let operators = ["op1", "op2", "op3"]
    static let strategies = ["native", "steth"]
    static let stakers = (0..<10).map { "s\($0)" }

    /// `divmod(a × b + c, d)` in 256 bits (the test's own arithmetic).
    static func mulDivRem(_ a: UInt128, _ b: UInt128, plus c: UInt128, _ d: UInt128) -> (quotient: UInt128, remainder: UInt128) {
        var (high, low) = a.multipliedFullWidth(by: b)
        let (sum, overflow) = low.addingReportingOverflow(c)
        low = sum
        if overflow { high += 1 }
        return d.dividingFullWidth((high, low))
    }

    /// The naive model (see the suite's comment).
    struct Naive {
        var scaled: [String: [String: UInt128]] = [:]
        var delegatedTo: [String: String] = [:]
        var operatorShares: [String: [String: UInt128]] = [:]
        /// (current, max) magnitude per operator and strategy; missing: (0, WAD).
        var magnitudes: [String: [String: (current: UInt128, max: UInt128)]] = [:]
        var splitBips: [String: UInt128] = ["op1": 1000, "op2": 500, "op3": 0]
        struct Pot { var carry: UInt128 = 0; var pending: UInt128 = 0; var residue: [String: UInt128] = [:] }
        var pots: [String: Pot] = [:]
        var delegatorAccrued: [String: UInt128] = [:]
        var operatorAccrued: [String: UInt128] = [:]
        var claimed: [String: UInt128] = [:]
        var distributed: UInt128 = 0
        var undistributed: UInt128 = 0
        var ledgerSeq: UInt64 = 1000

        mutating func epoch(sliceWei slice: UInt128) {
            var weights: [(op: String, strategy: String, w: UInt128)] = []
            var total: UInt128 = 0
            for op in AVSRewardsDomainTests.operators {
                for strategy in AVSRewardsDomainTests.strategies {
                    let (current, max) = magnitudes[op]?[strategy] ?? (0, AVSRewardsDomainTests.wad)
                    let shares = operatorShares[op]?[strategy] ?? 0
                    guard max > 0 else { continue }
                    let w = shares * (current * AVSRewardsDomainTests.wad / max) / AVSRewardsDomainTests.wad
                    if w > 0 { weights.append((op, strategy, w)); total += w }
                }
            }
            var handed: UInt128 = 0
            for (op, strategy, w) in weights {
                let part = AVSRewardsDomainTests.mulDivRem(slice, w, plus: 0, total).quotient
                guard part > 0 else { continue }
                handed += part
                let operatorPart = part * splitBips[op]! / 10_000
                operatorAccrued[op, default: 0] += operatorPart
                let holders = AVSRewardsDomainTests.stakers.compactMap { staker -> (String, UInt128)? in
                    guard delegatedTo[staker] == op, let stake = scaled[staker]?[strategy], stake > 0 else { return nil }
                    return (staker, stake)
                }
                let totalStake = holders.reduce(UInt128(0)) { $0 + $1.1 }
                var pot = pots["\(op)/\(strategy)"] ?? Pot()
                let available = pot.pending + (part - operatorPart)
                if totalStake == 0 {
                    pot.pending = available
                } else {
                    let (delta, carry) = AVSRewardsDomainTests.mulDivRem(available, AVSRewardsDomainTests.wad, plus: pot.carry, totalStake)
                    pot.carry = carry
                    pot.pending = 0
                    for (holder, stake) in holders {
                        let (owed, residue) = AVSRewardsDomainTests.mulDivRem(
                            stake, delta, plus: pot.residue[holder] ?? 0, AVSRewardsDomainTests.wad)
                        pot.residue[holder] = residue
                        delegatorAccrued[holder, default: 0] += owed
                    }
                }
                pots["\(op)/\(strategy)"] = pot
            }
            distributed += handed
            undistributed += slice - handed
        }

        /// Sub-wei dust and what waits for delegators, wei; each pot's dust is a whole number of wei.
        var heldWei: UInt128 {
            pots.values.reduce(0) { sum, pot in
                let scaledDust = pot.carry + pot.residue.values.reduce(0, +)
                precondition(scaledDust % AVSRewardsDomainTests.wad == 0, "dust not a whole number of wei")
                return sum + pot.pending + scaledDust / AVSRewardsDomainTests.wad
            }
        }

        func claimable(_ account: String) -> UInt128 {
            (delegatorAccrued[account] ?? 0) + (operatorAccrued[account] ?? 0) - (claimed[account] ?? 0)
        }
    }

    /// Delivers a ledger restaking event carrying, after the change, the positions of `stakers`
    /// in `strategies` and the shares of `operators`, from the naive model's tables.
    func ledgerEvent(
        _ world: inout Choreography, _ naive: inout Naive, _ type: String, stakers: [String], strategies: [String],
        operators: [String]
    ) {
        naive.ledgerSeq += 1
        var stakes: [JSON] = []
        for staker in stakers {
            for strategy in strategies {
                let scaled = naive.scaled[staker]?[strategy] ?? 0
                stakes.append(.object([
                    "staker": .string(staker), "operator": naive.delegatedTo[staker].map { JSON.string($0) } ?? .null,
                    "strategy": .string(strategy), "depositShares": .wei(scaled), "scaledShares": .wei(scaled),
                    "withdrawableShares": .wei(scaled),
                ]))
            }
        }
        var shares: [JSON] = []
        for op in operators {
            for strategy in strategies {
                shares.append(.object([
                    "operator": .string(op), "strategy": .string(strategy), "shares": .wei(naive.operatorShares[op]?[strategy] ?? 0),
                ]))
            }
        }
        world.deliver(EventEnvelope(
            source: "ledger", seq: naive.ledgerSeq, type: "ledger." + type, epoch: world.rewards.epoch,
            body: .object(["stakes": .array(stakes), "operatorShares": .array(shares)])))
    }

    func advance(_ world: inout Choreography, _ count: Int = 1) throws {
        try world.send("rewards", "rewards.epochs.advance", as: "oracle", .object(["count": .int(count)]))
    }

    /// Delegator and operator accrual (claimed + claimable) of `account` from `rewards.avs.show`.
    func accrued(_ world: Choreography, _ account: String) throws -> (delegator: UInt128, operator: UInt128, claimable: UInt128) {
        let shown = try world.query("rewards", "rewards.avs.show", .object(["account": .string(account)]))
        var byRole: [String: UInt128] = [:]
        for source in try shown.array("sources") { byRole[try source.string("role"), default: 0] += try source.amount("accruedWei") }
        return (byRole["delegator"] ?? 0, byRole["operator"] ?? 0, try shown.amount("claimableWei"))
    }

    func claim(_ world: inout Choreography, _ naive: inout Naive, _ account: String) throws {
        let expected = naive.claimable(account)
        let result = try world.send("rewards", "rewards.avs.claim", as: account, .object(["account": .string(account)]))
        #expect(result.at("amountWei") == .wei(expected), "\(account)'s claim")
        #expect(result.at("bySource") == .array([.object(["avs": "eigenda", "setId": .int(1), "amountWei": .wei(expected)])]))
        naive.claimed[account, default: 0] += expected
    }

    func expectAccrualsMatch(_ world: Choreography, _ naive: Naive, _ when: String) throws {
        for account in Self.stakers + Self.operators {
            let shown = try accrued(world, account)
            #expect(shown.delegator == naive.delegatorAccrued[account] ?? 0, "\(account) as delegator \(when)")
            #expect(shown.operator == naive.operatorAccrued[account] ?? 0, "\(account) as operator \(when)")
            #expect(shown.claimable == naive.claimable(account), "\(account) claimable \(when)")
        }
    }

    @Test func submissionOverTenEpochsMatchesTheNaiveModel() throws {
        var world = Choreography()
        var naive = Naive()
        let wad = Self.wad
        for (op, split) in [("op1", 1000), ("op2", 500), ("op3", 0)] {
            try world.send("operators", "operators.restaking.register", as: op, .object([
                "name": .string(op), "splitBips": .int(split), "allocationDelayEpochs": .int(1),
            ]))
        }
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "strategies": .array(["steth", "native"]),
        ]))
        for op in Self.operators {
            try world.send("slashing", "slashing.set.join", as: op, .object(["operator": .string(op), "avs": "eigenda", "setId": .int(1)]))
        }
        for (op, strategy, magnitude) in [("op1", "steth", wad), ("op1", "native", wad / 2), ("op2", "steth", wad / 3), ("op3", "native", wad)] {
            try world.send("slashing", "slashing.allocate", as: op, .object([
                "operator": .string(op), "avs": "eigenda", "setId": .int(1), "strategy": .string(strategy),
                "magnitudeWad": .wei(magnitude),
            ]))
            naive.magnitudes[op, default: [:]][strategy] = (magnitude, wad)
        }
        // Ten stakers, each delegated to op1/op2/op3 in turn: steth for all, native for the even ones.
        for (i, staker) in Self.stakers.enumerated() {
            let op = Self.operators[i % 3]
            naive.delegatedTo[staker] = op
            let steth = UInt128(i + 1) * wad + UInt128(i * 7 + 1)
            let native: UInt128 = i % 2 == 0 ? UInt128(32 * (i / 2 + 1)) * wad : 0
            naive.scaled[staker] = ["steth": steth, "native": native]
            naive.operatorShares[op, default: [:]]["steth", default: 0] += steth
            naive.operatorShares[op, default: [:]]["native", default: 0] += native
            ledgerEvent(&world, &naive, "RestakeDelegated", stakers: [staker], strategies: Self.strategies, operators: [op])
        }
        try advance(&world, 2)  // allocations in effect (delay 1); epoch 2 in progress

        // The submission: 10 ether + 12 345 wei over 10 epochs, from epoch 2.
        let amount = 10 * wad + 12_345
        world.deliver(EventEnvelope(source: "ledger", seq: 2000, type: "ledger.AVSRewardsFunded", epoch: 2, body: .object([
            "submission": .int(2000), "avs": "eigenda", "setId": .int(1), "amountWei": .wei(amount), "epochs": .int(10),
        ])))
        let submitted = world.journals["rewards"]!.last!
        #expect(submitted.type == "rewards.AVSRewardsSubmitted")
        #expect(submitted.body.at("startEpoch") == .int(2))
        #expect(submitted.body.at("perEpochWei") == .wei(amount / 10))
        func slice(_ epoch: UInt64) -> UInt128 { epoch == 11 ? amount - amount / 10 * 9 : amount / 10 }

        for epoch: UInt64 in 2..<12 {
            #expect(world.rewards.epoch == epoch)
            switch epoch {
            case 3:  // s4 deposits more steth
                naive.scaled["s4"]!["steth"]! += 5 * wad + 3
                naive.operatorShares["op2"]!["steth"]! += 5 * wad + 3
                ledgerEvent(&world, &naive, "RestakeDeposited", stakers: ["s4"], strategies: ["steth"], operators: ["op2"])
            case 4:  // claims mid-way
                try claim(&world, &naive, "s0")
                try claim(&world, &naive, "op1")
            case 5:  // op1 slashed by a quarter; the ledger cuts its shares
                let result = try world.send("slashing", "slashing.avs.slash", as: "eigenda", .object([
                    "avs": "eigenda", "setId": .int(1), "operator": "op1", "wadToSlash": .wei(wad / 4), "reason": "late",
                ]))
                #expect(result.at("epoch") == .int(5))
                for (strategy, current, newMax) in [("steth", 3 * wad / 4, 3 * wad / 4), ("native", 3 * wad / 8, 7 * wad / 8)] {
                    let previousMax = naive.magnitudes["op1"]![strategy]!.max
                    naive.magnitudes["op1"]![strategy] = (current, newMax)
                    let shares = naive.operatorShares["op1"]![strategy]!
                    naive.operatorShares["op1"]![strategy] = Self.mulDivRem(shares, newMax, plus: previousMax - 1, previousMax).quotient
                }
                ledgerEvent(&world, &naive, "RestakeOperatorSlashed", stakers: [], strategies: Self.strategies, operators: ["op1"])
            case 6:  // s2 undelegates from op3 (its shares leave op3)
                for strategy in Self.strategies { naive.operatorShares["op3"]![strategy]! -= naive.scaled["s2"]![strategy]! }
                naive.delegatedTo["s2"] = nil
                ledgerEvent(&world, &naive, "RestakeUndelegated", stakers: ["s2"], strategies: Self.strategies, operators: ["op3"])
            case 7:  // s2 delegates to op2; op3 leaves the set and stays slashable, so it is still paid
                naive.delegatedTo["s2"] = "op2"
                for strategy in Self.strategies { naive.operatorShares["op2"]![strategy, default: 0] += naive.scaled["s2"]![strategy]! }
                ledgerEvent(&world, &naive, "RestakeDelegated", stakers: ["s2"], strategies: Self.strategies, operators: ["op2"])
                try world.send("slashing", "slashing.set.leave", as: "op3", .object(["operator": "op3", "avs": "eigenda", "setId": .int(1)]))
            default:
                break
            }
            try advance(&world)
            naive.epoch(sliceWei: slice(epoch))
            try expectAccrualsMatch(world, naive, "after epoch \(epoch)")
        }
        // Not vacuous: everyone is paid but s5 (steth under op3, which allocated no steth);
        // op3 keeps no split.
        #expect(Self.stakers.filter { (naive.delegatorAccrued[$0] ?? 0) == 0 } == ["s5"])
        #expect(naive.operatorAccrued["op1"]! > 0 && naive.operatorAccrued["op2"]! > 0 && naive.operatorAccrued["op3"]! == 0)
        try advance(&world, 3)  // past the submission: nothing more accrues
        try expectAccrualsMatch(world, naive, "after the submission")

        // The submission's figures and conservation to the wei.
        let view = try world.query("rewards", "rewards.avs.submissions", .object(["avs": "eigenda"]))
        let submission = try view.array("submissions")[0]
        #expect(submission.at("distributedWei") == .wei(naive.distributed))
        #expect(submission.at("undistributedWei") == .wei(naive.undistributed))
        #expect(submission.at("remainingEpochs") == .int(0))
        let claimable = (Self.stakers + Self.operators).reduce(UInt128(0)) { $0 + naive.claimable($1) }
        let claimed = naive.claimed.values.reduce(0, +)
        #expect(naive.distributed + naive.undistributed == amount)
        #expect(claimed + claimable + naive.undistributed + naive.heldWei == amount, "naive conservation")
        #expect(view.at("fundedWei") == .wei(amount))
        #expect(view.at("claimedWei") == .wei(claimed))
        #expect(view.at("claimableWei") == .wei(claimable))
        #expect(view.at("undistributedWei") == .wei(naive.undistributed + naive.heldWei))

        // Snapshot and replay rebuild the same books (mid-life: some claimed, most not).
        try expectRebuilds(world)

        // Everyone claims; a second claim finds nothing; everything funded is claimed but the
        // undistributed part and the dust.
        for account in Self.stakers + Self.operators where naive.claimable(account) > 0 {
            try claim(&world, &naive, account)
        }
        let before = world.rewards.snapshot()
        for (actor, account, code) in [("s0", "s0", "nothing_to_claim"), ("mallory", "s1", "unauthorized")] {
            do {
                try world.send("rewards", "rewards.avs.claim", as: actor, .object(["account": .string(account)]))
                Issue.record("claim by \(actor) accepted")
            } catch {
                #expect(error.error.code.rawValue == code)
            }
        }
        #expect(world.rewards.snapshot() == before, "refused claims change nothing")
        let final = try world.query("rewards", "rewards.avs.submissions", .object(["avs": "eigenda"]))
        #expect(final.at("claimableWei") == "0")
        #expect(final.at("claimedWei") == .wei(amount - naive.undistributed - naive.heldWei))
        try expectRebuilds(world)
    }

    /// The rewards snapshot (through its bytes) and a replay of the journal give the same state
    /// and the same answers.
    func expectRebuilds(_ world: Choreography) throws {
        let live = world.rewards.snapshot()
        let restored = try RewardsDomain(snapshot: try JSONCodec.parse(JSONCodec.serialize(live)))
        #expect(restored.snapshot() == live)
        var replayed = RewardsDomain()
        for event in world.journals["rewards"]! { replayed.apply(event) }
        #expect(replayed.snapshot() == live)
        let context = CommandContext(actor: "x", roles: world.roles, nextSeq: 0)
        var queries: [(String, JSON)] = [("rewards.avs.submissions", .object(["avs": "eigenda"]))]
        for account in Self.stakers + Self.operators { queries.append(("rewards.avs.show", .object(["account": .string(account)]))) }
        for (type, body) in queries {
            let command = CommandEnvelope(id: "q", type: type, actor: "x", body: body)
            let expected = try world.rewards.decide(command, context: context).get().result
            #expect(try restored.decide(command, context: context).get().result == expected, "\(type) \(body) after restore")
            #expect(try replayed.decide(command, context: context).get().result == expected, "\(type) \(body) after replay")
        }
    }

    @Test func stakeChangesAreOwnEventsNotPerEpochWork() throws {
        var world = Choreography()
        world.deliver(EventEnvelope(source: "ledger", seq: 1, type: "ledger.RestakeDeposited", epoch: 0, body: .object([
            "stakes": .array([.object([
                "staker": "s0", "operator": .null, "strategy": "steth", "depositShares": "5", "scaledShares": "5",
                "withdrawableShares": "5",
            ])]),
            "operatorShares": .array([]),
        ])))
        #expect(world.journals["rewards"]!.map(\.type) == ["rewards.RestakeStakesRecorded"])
        try advance(&world, 5)
        // No submission: epochs record nothing for AVS rewards.
        #expect(world.journals["rewards"]!.filter { $0.type != "rewards.EpochProcessed" }.count == 1)
        // The snapshot holds the one position, and no log of events.
        let avsRewards = try world.rewards.snapshot().at("avsRewards")
        #expect(avsRewards["log"] == nil)
        #expect(try avsRewards.at("positions") == .object(["s0": .object(["steth": .object([
            "operator": .null, "scaledShares": "5",
        ])])]))
    }
}

extension AVSRewardsDomainTests {
    /// A split change is paid from its effect epoch exactly, even when one `epochs.advance`
    /// ends the epochs on both sides of it before operators applies the change.
    @Test func splitChangeTakesEffectAtItsEpoch() throws {
        var world = Choreography()
        let wad = Self.wad
        try world.send("operators", "operators.restaking.register", as: "op1", .object([
            "name": "op1", "splitBips": .int(1000), "allocationDelayEpochs": .int(0),
        ]))
        try world.send("slashing", "slashing.avs.register", as: "eigenda", .object(["avs": "eigenda"]))
        try world.send("slashing", "slashing.set.create", as: "eigenda", .object([
            "avs": "eigenda", "setId": .int(1), "strategies": .array(["steth"]),
        ]))
        try world.send("slashing", "slashing.set.join", as: "op1", .object(["operator": "op1", "avs": "eigenda", "setId": .int(1)]))
        try world.send("slashing", "slashing.allocate", as: "op1", .object([
            "operator": "op1", "avs": "eigenda", "setId": .int(1), "strategy": "steth", "magnitudeWad": .wei(wad),
        ]))
        world.deliver(EventEnvelope(source: "ledger", seq: 1, type: "ledger.RestakeDeposited", epoch: 0, body: .object([
            "stakes": .array([.object([
                "staker": "s0", "operator": "op1", "strategy": "steth", "depositShares": .wei(10 * wad),
                "scaledShares": .wei(10 * wad), "withdrawableShares": .wei(10 * wad),
            ])]),
            "operatorShares": .array([.object(["operator": "op1", "strategy": "steth", "shares": .wei(10 * wad)])]),
        ])))
        try advance(&world, 2)
        try world.send("operators", "operators.restaking.setSplit", as: "op1", .object(["name": "op1", "splitBips": .int(2000)]))
        try advance(&world, 1)  // ends epoch 2: effect at 2 + 1575
        #expect(world.journals["rewards"]!.last { $0.type == "rewards.OperatorSplitRecorded" }?.body.at("effectEpoch") == .int(1577))
        try advance(&world, 1000)
        try advance(&world, 1575 - 1003)  // epoch 1575 in progress
        let amount = 4 * wad + 3
        world.deliver(EventEnvelope(source: "ledger", seq: 2, type: "ledger.AVSRewardsFunded", epoch: 1575, body: .object([
            "submission": .int(2), "avs": "eigenda", "setId": .int(1), "amountWei": .wei(amount), "epochs": .int(4),
        ])))
        try advance(&world, 10)  // ends 1575 … 1584 in one command: 10 %, 10 %, then 20 %, 20 %
        let op = try accrued(world, "op1")
        #expect(op.operator == wad / 10 + wad / 10 + wad / 5 + (wad + 3) / 5)
        let holder = try accrued(world, "s0")
        let view = try world.query("rewards", "rewards.avs.submissions", .object(["avs": "eigenda"]))
        #expect(holder.delegator + op.operator + (try view.amount("undistributedWei")) == amount)
        // The last slice leaves 8e17 + 3 wei for 1e19 scaled shares: the index moves by whole
        // 1e-18 wei per share (10 wei here), so 3 wei wait in its carry.
        #expect(try view.amount("undistributedWei") == 3)
        // Operators' own RestakingSplitChanged at 1577 adds nothing: the change was already recorded.
        #expect(world.journals["rewards"]!.filter { $0.type == "rewards.OperatorSplitRecorded" }.count == 2)
    }
}
