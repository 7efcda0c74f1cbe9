import Contracts
import Foundation
import Testing

/// AVS rewards end to end (PROTOCOL.md §9.7, issue #6): one submission over 10 epochs to an
/// operator set of 3 operators with 10 delegators, through the real CLI (`avs rewards submit`,
/// `epochs advance`, `rewards show`, `rewards claim`), compared after every epoch, to the wei,
/// with a naive O(operators × holders) recomputation written here, while stakes change (a
/// deposit, an undelegation, a partial withdrawal), an operator is slashed and accounts claim.
///
/// What "naive" computes (the rewards service's rules, restated independently): every epoch of
/// the submission, for each operator slashable at that epoch, the weight
/// `w = floor(shares × floor(current × WAD / max) / WAD)` from this test's own tables of
/// operator shares and magnitudes; each operator's part `floor(slice × w / W)`; the operator
/// keeps `floor(part × splitBips / 10 000)`; the rest goes to its current delegators **eagerly,
/// every epoch, one holder at a time**, with the index's carries: `Δ, carry = divmod(rest × WAD
/// + carry, Σ scaled)` and per holder `owed, residue = divmod(scaled × Δ + residue, WAD)`. What
/// nobody receives is the submission's undistributed part; carries and residues are sub-wei
/// dust the AVS's totals count as undistributed, so funded = claimed + claimable +
/// undistributed holds to the wei.
@Suite("Restaking AVS rewards")
struct RestakingRewardsTests {
    static let wad = RestakingCLI.wad
    typealias R = RestakingCLI
    static let operators = ["op1", "op2", "op3"]
    static let splits: [String: UInt128] = ["op1": 1000, "op2": 500, "op3": 0]
    static let stakers = (0..<10).map { "s\($0)" }

    /// `divmod(a × b + c, d)` through 256 bits.
    static func divmod(_ a: UInt128, _ b: UInt128, plus c: UInt128, _ d: UInt128) -> (quotient: UInt128, remainder: UInt128) {
        var (high, low) = a.multipliedFullWidth(by: b)
        let (sum, overflow) = low.addingReportingOverflow(c)
        low = sum
        if overflow { high += 1 }
        return d.dividingFullWidth((high, low))
    }

    struct Naive {
        var scaled: [String: UInt128] = [:]
        var delegatedTo: [String: String] = [:]
        var operatorShares: [String: UInt128] = [:]
        var magnitudes: [String: (current: UInt128, max: UInt128)] = [:]
        struct Index { var carry: UInt128 = 0; var pending: UInt128 = 0; var residue: [String: UInt128] = [:] }
        var indexes: [String: Index] = [:]
        var delegatorAccrued: [String: UInt128] = [:]
        var operatorAccrued: [String: UInt128] = [:]
        var claimed: [String: UInt128] = [:]
        var distributed: UInt128 = 0
        var undistributed: UInt128 = 0

        mutating func epoch(slice: UInt128) {
            let wad = RestakingRewardsTests.wad
            var weights: [(String, UInt128)] = []
            for op in RestakingRewardsTests.operators {
                let (current, max) = magnitudes[op] ?? (0, wad)
                guard max > 0 else { continue }
                let w = R.mulDiv(operatorShares[op] ?? 0, R.mulDiv(current, wad, max), wad)
                if w > 0 { weights.append((op, w)) }
            }
            let total = weights.reduce(UInt128(0)) { $0 + $1.1 }
            var handed: UInt128 = 0
            for (op, w) in weights {
                let part = R.mulDiv(slice, w, total)
                handed += part
                let kept = part * RestakingRewardsTests.splits[op]! / 10_000
                operatorAccrued[op, default: 0] += kept
                var index = indexes[op] ?? Index()
                let available = index.pending + part - kept
                let holders = RestakingRewardsTests.stakers.filter { delegatedTo[$0] == op && (scaled[$0] ?? 0) > 0 }
                let stake = holders.reduce(UInt128(0)) { $0 + scaled[$1]! }
                if stake == 0 {
                    index.pending = available
                } else {
                    let (delta, carry) = RestakingRewardsTests.divmod(available, wad, plus: index.carry, stake)
                    index.carry = carry
                    index.pending = 0
                    for holder in holders {
                        let (owed, residue) = RestakingRewardsTests.divmod(scaled[holder]!, delta, plus: index.residue[holder] ?? 0, wad)
                        index.residue[holder] = residue
                        delegatorAccrued[holder, default: 0] += owed
                    }
                }
                indexes[op] = index
            }
            distributed += handed
            undistributed += slice - handed
        }

        /// What the indexes hold for no one: pending parts and the sub-wei dust, a whole number of wei.
        var heldWei: UInt128 {
            indexes.values.reduce(0) { sum, index in
                let dust = index.carry + index.residue.values.reduce(0, +)
                precondition(dust % RestakingRewardsTests.wad == 0, "dust not a whole number of wei")
                return sum + index.pending + dust / RestakingRewardsTests.wad
            }
        }

        func claimable(_ account: String) -> UInt128 {
            (delegatorAccrued[account] ?? 0) + (operatorAccrued[account] ?? 0) - (claimed[account] ?? 0)
        }
    }

    func expectAccruals(_ cli: RestakingCLI, _ naive: Naive, _ when: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for account in Self.stakers + Self.operators {
            let shown = try cli.json("rewards", "show", account)
            var byRole: [String: UInt128] = [:]
            for source in R.items(shown["sources"]) {
                if case .string(let role)? = source["role"] { byRole[role, default: 0] += R.amount(source, "accruedWei") }
            }
            #expect(byRole["delegator"] ?? 0 == naive.delegatorAccrued[account] ?? 0, "\(account) as delegator \(when)",
                    sourceLocation: sourceLocation)
            #expect(byRole["operator"] ?? 0 == naive.operatorAccrued[account] ?? 0, "\(account) as operator \(when)",
                    sourceLocation: sourceLocation)
            #expect(R.amount(shown, "claimableWei") == naive.claimable(account), "\(account) claimable \(when)",
                    sourceLocation: sourceLocation)
        }
    }

    /// `rewards claim`: pays what the naive model says, and the ledger credits exactly that ETH.
    func claim(_ cli: RestakingCLI, _ naive: inout Naive, _ account: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = naive.claimable(account)
        let before = try cli.token(account, "balanceWei")
        let claimed = try cli.json("rewards", "claim", account)
        #expect(R.amount(claimed, "amountWei") == expected, "\(account)'s claim", sourceLocation: sourceLocation)
        #expect(R.amount(claimed["ledger"], "balanceWei") == before + expected, "\(account)'s ETH", sourceLocation: sourceLocation)
        #expect(try cli.token(account, "balanceWei") == before + expected, sourceLocation: sourceLocation)
        naive.claimed[account, default: 0] += expected
    }

    @Test("10 epochs of AVS rewards to 3 operators and 10 stakers equal a naive recomputation to the wei; conservation; claims")
    func tenEpochsMatchTheNaiveModel() throws {
        // Snapshots every 16 own events: the restarts below start from the compact images of
        // the ledger's restaking side, rewards' AVS book and slashing's allocation book.
        let stack = try StackHarness(snapshotEveryEvents: 16)
        defer { stack.down() }
        try stack.up()
        let cli = RestakingCLI(stack: stack)
        let wad = Self.wad
        var naive = Naive()

        for op in Self.operators {
            try cli.json("operator", "register", op, "--restaking", "--split", "\(Self.splits[op]! / 100)%", "--allocation-delay", "1")
        }
        try cli.json("avs", "register", "rw")
        try cli.json("avs", "set", "create", "rw/1", "--strategies", "reth")
        // Allocated at epoch 0, in effect from epoch 1 (delay 1): the submission's first
        // epoch has no slashable stake (W = 0), its slice stays undistributed.
        let allocations = [("op1", wad / 2), ("op2", wad / 3), ("op3", wad)]
        for (op, magnitude) in allocations {
            try cli.json("operator", "join", op, "rw/1")
            try cli.json("operator", "allocate", op, "rw/1", "reth", "\(magnitude)wad")
        }
        // Ten stakers with odd amounts of reth, each delegated to op1, op2, op3 in turn. The
        // strategy prices 1:1 while no slash has burned anything (balance = total shares), so
        // deposit shares = scaled shares = the reth deposited.
        func stakeAndDeposit(_ staker: String, eth: String) throws -> UInt128 {
            try cli.json("stake", staker, eth, "--pool", "reth")
            let reth = try cli.token(staker, "rethWei")
            let deposited = try cli.json("restake", "deposit", staker, R.decimal(reth), "reth")
            #expect(R.amount(deposited, "shares") == reth)
            return reth
        }
        for (i, staker) in Self.stakers.enumerated() {
            let op = Self.operators[i % 3]
            try cli.json("eth", "deposit", staker, String(i + 5))
            try cli.json("delegate", staker, op)
            let shares = try stakeAndDeposit(staker, eth: "\(i + 1).\(i * 7 + 1)")
            naive.delegatedTo[staker] = op
            naive.scaled[staker] = shares
            naive.operatorShares[op, default: 0] += shares
        }
        for op in Self.operators { #expect(try cli.operatorShares(op, "reth") == naive.operatorShares[op]!) }

        // 10 ETH + 12 345 wei over 10 epochs, from the epoch in progress (0).
        let amount = 10 * wad + 12_345
        try cli.json("eth", "deposit", "rw", "11")
        try cli.json("avs", "rewards", "submit", "rw/1", R.decimal(amount), "eth", "--epochs", "10")
        let start = try cli.chainEpoch()
        let submission = R.items(try cli.json("avs", "show", "rw")["rewardSubmissions"]).first
        #expect(R.amount(submission, "startEpoch") == UInt128(start))
        #expect(R.amount(submission, "perEpochWei") == amount / 10)
        try cli.expectAuditExact()

        for k in 0..<10 {
            switch k {
            case 2:  // s4 (op2) deposits more
                let more = try stakeAndDeposit("s4", eth: "0.333333333333333337")
                naive.scaled["s4"]! += more
                naive.operatorShares["op2"]! += more
            case 3:  // claims mid-way, as delegator and as operator
                try claim(cli, &naive, "s0")
                try claim(cli, &naive, "op1")
            case 4:  // op1 slashed by a quarter: magnitude 0.5 → 0.375 of max 0.875, shares ceil(S × 0.875)
                try cli.json("avs", "slash", "rw/1", "op1", "25%", "--reason", "rewards under a slash")
                let (current, max) = naive.magnitudes["op1"]!
                let cut = R.slash(current: current, max: max, fraction: wad / 4)
                naive.magnitudes["op1"] = (cut.current, cut.max)
                naive.operatorShares["op1"] = R.sharesAfter(naive.operatorShares["op1"]!, prevMax: max, newMax: cut.max)
                #expect(try cli.operatorShares("op1", "reth") == naive.operatorShares["op1"]!)
            case 5, 8:  // rewards, then the ledger, restarted mid-submission: nothing lost, nothing twice
                let service = k == 5 ? "rewards" : "ledger"
                let restarted = try stack.stack("restart", service)
                try #require(restarted.exitCode == 0, "restart \(service): \(restarted.stdout) \(restarted.stderr)")
                try expectAccruals(cli, naive, "after restarting \(service)")
            case 6:  // s2 undelegates from op3: its shares leave op3 (queued), its index entry goes
                try cli.json("undelegate", "s2")
                naive.operatorShares["op3"]! -= naive.scaled["s2"]!
                naive.delegatedTo["s2"] = nil
            case 7:  // s5 (op3) queues a third of its shares
                let third = naive.scaled["s5"]! / 3
                try cli.json("restake", "withdraw", "queue", "s5", "reth", String(third), "--raw")
                naive.scaled["s5"]! -= third
                naive.operatorShares["op3"]! -= third
            default:
                break
            }
            try cli.epochs(1)
            naive.epoch(slice: k == 9 ? amount - amount / 10 * 9 : amount / 10)
            if k == 0 {
                #expect(naive.undistributed == amount / 10, "the first epoch had no slashable stake")
                for (op, magnitude) in allocations { naive.magnitudes[op] = (magnitude, wad) }
            }
            try expectAccruals(cli, naive, "after epoch \(start + UInt64(k))")
            if [2, 6, 7].contains(k) {  // the ledger's shares after a stake change are the model's
                for op in Self.operators { #expect(try cli.operatorShares(op, "reth") == naive.operatorShares[op]!, "\(op) at k = \(k)") }
            }
        }
        // Not vacuous: every staker and op1, op2 were paid; op3 keeps no split.
        #expect(Self.stakers.allSatisfy { (naive.delegatorAccrued[$0] ?? 0) > 0 })
        #expect(naive.operatorAccrued["op1"]! > 0 && naive.operatorAccrued["op2"]! > 0 && (naive.operatorAccrued["op3"] ?? 0) == 0)
        try cli.epochs(2)  // past the submission: nothing more accrues
        try expectAccruals(cli, naive, "after the submission")

        // Conservation to the wei: funded = claimed + claimable + undistributed.
        func expectTotals(_ when: String) throws {
            let totals = try cli.raw("rewards", "rewards.avs.submissions", #"{"avs":"rw"}"#)
            let record = R.items(totals["submissions"]).first
            let claimable = (Self.stakers + Self.operators).reduce(UInt128(0)) { $0 + naive.claimable($1) }
            let claimed = naive.claimed.values.reduce(0, +)
            #expect(R.amount(record, "distributedWei") == naive.distributed, "\(when)")
            #expect(R.amount(record, "undistributedWei") == naive.undistributed, "\(when)")
            #expect(R.amount(record, "remainingEpochs") == 0, "\(when)")
            #expect(R.amount(totals, "fundedWei") == amount, "\(when)")
            #expect(R.amount(totals, "claimedWei") == claimed, "\(when)")
            #expect(R.amount(totals, "claimableWei") == claimable, "\(when)")
            #expect(R.amount(totals, "undistributedWei") == naive.undistributed + naive.heldWei, "\(when)")
            #expect(claimed + claimable + naive.undistributed + naive.heldWei == amount, "naive conservation \(when)")
            let escrow = try cli.json("audit")["restaking"]?["rewardsEscrow"]
            #expect(R.amount(escrow, "fundedWei") == amount && R.amount(escrow, "paidWei") == claimed, "\(String(describing: escrow))")
            #expect(R.amount(escrow, "escrowWei") == amount - claimed)
        }
        #expect(naive.distributed + naive.undistributed == amount)
        try expectTotals("before the claims")
        try cli.expectAuditExact()

        // Everyone claims; the ledger credits each claim exactly; a second claim finds nothing.
        for account in Self.stakers + Self.operators where naive.claimable(account) > 0 {
            try claim(cli, &naive, account)
        }
        try cli.refused(1, "nothing_to_claim", "rewards", "claim", "s0")
        try cli.refused(1, "unauthorized", "rewards", "claim", "s1", "--as", "s0")
        try expectAccruals(cli, naive, "after the claims")
        try expectTotals("after the claims")
        try cli.expectAuditExact()
    }
}
