import Contracts
import Foundation
import Testing

/// Liquid staking end to end through the CLI: the steth pool's stakes, validators, reports
/// (rebase, fee shares, operator split computed here independently from the validators'
/// balances of `SpecModel`), transfers, wrapping, the withdrawal queue with exits, and the reth
/// pool; the audit exact after every step.
@Suite("Liquid staking")
struct LiquidStakingTests {
    static let ether: UInt128 = 1_000_000_000_000_000_000
    static let gwei: UInt128 = 1_000_000_000

    @discardableResult
    func json(_ stack: StackHarness, _ arguments: String...) throws -> JSON {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments + ["--json"])
        try #require(run.exitCode == 0, "stakeline \(arguments.joined(separator: " ")) exited \(run.exitCode): \(run.stderr)")
        return try JSONCodec.parse(Array(run.stdout.utf8))
    }

    func amount(_ json: JSON, _ key: String) -> UInt128 {
        guard case .string(let text)? = json[key], let value = UInt128(text) else { return .max }
        return value
    }

    func expectAuditExact(_ stack: StackHarness, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try json(stack, "audit")
        #expect(audit["ok"] == .bool(true), "audit: \(audit)", sourceLocation: sourceLocation)
    }

    /// `floor(a × b / c)` through the full 256-bit product.
    static func mulDiv(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 {
        let product = a.multipliedFullWidth(by: b)
        return c.dividingFullWidth((high: product.high, low: product.low)).quotient
    }

    /// The steth pool as the tests compute it: shares, and the report formula of DOMAIN.md.
    struct PoolModel {
        var pooled: UInt128 = 0
        var totalShares: UInt128 = 0
        var shares: [String: UInt128] = [:]
        var buffered: UInt128 = 0
        var reportedCl: UInt128 = 0
        var reportedValidators = 0
        var funded: [Int] = []
        var elVault: UInt128 = 0
        var swept: UInt128 = 0

        mutating func stake(_ account: String, _ wei: UInt128) {
            var deposit = wei
            if totalShares == 0 {
                pooled = 1000
                totalShares = 1000
                shares["0xdead"] = 1000
                deposit -= 1000
            }
            let minted = LiquidStakingTests.mulDiv(deposit, totalShares, pooled)
            shares[account, default: 0] += minted
            totalShares += minted
            pooled += deposit
            buffered += wei
        }

        func balance(_ account: String) -> UInt128 { LiquidStakingTests.mulDiv(shares[account] ?? 0, pooled, totalShares) }

        /// A report: CL from the model's validators; vaults within the 0.075 % limit; fee.
        mutating func report(_ spec: SpecModel, operators: [String: Int]) -> (rewards: UInt128, feeShares: UInt128, operatorShares: [String: UInt128]) {
            let credited = funded.filter { spec.validators[$0].credited }
            let cl = credited.reduce(UInt128(0)) { $0 + UInt128(spec.validators[$1].balance) * gwei }
            let preCl = reportedCl + UInt128(credited.count - reportedValidators) * 32 * ether
            let maxPooled = pooled + pooled * 750_000 / 1_000_000_000
            var current = cl >= preCl ? pooled + (cl - preCl) : pooled - (preCl - cl)
            let withdrawals = min(swept, maxPooled > current ? maxPooled - current : 0)
            current += withdrawals
            let el = min(elVault, maxPooled > current ? maxPooled - current : 0)
            swept -= withdrawals
            elVault -= el
            buffered += withdrawals + el
            let clSide = cl + withdrawals
            let rewards = clSide > preCl ? clSide - preCl + el : 0
            reportedCl = cl
            reportedValidators = credited.count
            let newPooled = buffered + cl + UInt128(funded.count - credited.count) * 32 * ether
            var feeShares: UInt128 = 0
            var operatorShares: [String: UInt128] = [:]
            if rewards > 0 {
                feeShares = LiquidStakingTests.mulDiv(rewards * 1000, totalShares, newPooled * 10_000 - rewards * 1000)
                let toOperators = feeShares * 500 / 1000
                let running = operators.values.reduce(0, +)
                var left = toOperators
                for name in operators.keys.sorted() {
                    let part = toOperators * UInt128(operators[name]!) / UInt128(running)
                    operatorShares[name] = part
                    shares[name, default: 0] += part
                    left -= part
                }
                shares["treasury", default: 0] += feeShares - toOperators + left
                totalShares += feeShares
            }
            pooled = newPooled
            return (rewards, feeShares, operatorShares)
        }
    }

    @Test("steth: stakes fund validators, each report's rebase and fee split are exact, transfers, wrapping, withdrawals")
    func stethPool() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var spec = SpecModel()
        var pool = PoolModel()
        for name in ["op-a", "op-b"] {
            let run = try stack.cli("operator", "register", name, "--pool", "steth", "--validator-limit", "10")
            try #require(run.exitCode == 0, "\(run.stderr)")
        }
        for (account, eth) in [("alice", "40.5"), ("bob", "20.25"), ("carol", "7.125")] {
            try json(stack, "eth", "deposit", account, eth)
            let staked = try json(stack, "stake", account, eth)
            let wei = try EtherAmount.parse(eth)
            pool.stake(account, wei)
            #expect(amount(staked, "balanceWei") == pool.balance(account), "\(account)'s steth after staking")
            while pool.buffered >= 32 * Self.ether {
                pool.buffered -= 32 * Self.ether
                pool.funded.append(spec.deposit("pool:steth", eth: 32))
            }
        }
        #expect(pool.funded == [0, 1])
        var shown = try json(stack, "pool", "show", "steth")
        #expect(amount(shown, "totalPooledWei") == pool.pooled)
        #expect(amount(shown, "totalShares") == pool.totalShares)
        #expect(amount(shown, "bufferedWei") == pool.buffered)
        try expectAuditExact(stack)

        // One day: the report at epoch 225 (the sweep at 225 runs first and fills the vault).
        try advance(stack, &spec, &pool, 225)
        let report = pool.report(spec, operators: ["op-a": 1, "op-b": 1])
        #expect(report.rewards > 0 && report.feeShares > 0)
        shown = try json(stack, "pool", "show", "steth")
        #expect(amount(shown, "totalPooledWei") == pool.pooled, "pooled after the report")
        #expect(amount(shown, "totalShares") == pool.totalShares, "shares after the fee mint")
        for name in ["op-a", "op-b", "treasury", "alice", "bob", "carol"] {
            let account = try json(stack, "account", "show", name)
            #expect(amount(account, "stethShares") == pool.shares[name] ?? 0, "\(name)'s shares")
        }
        try expectAuditExact(stack)

        // Transfers: by amount (credited may be 1–2 wei less) and by shares (exact).
        let byAmount = try json(stack, "transfer", "alice", "dave", "1", "steth")
        let moved = Self.mulDiv(Self.ether, pool.totalShares, pool.pooled)
        #expect(amount(byAmount, "sharesMoved") == moved)
        #expect(amount(byAmount, "amountCreditedWei") == Self.mulDiv(moved, pool.pooled, pool.totalShares))
        pool.shares["alice"]! -= moved
        pool.shares["dave", default: 0] += moved
        let byShares = try json(stack, "transfer", "alice", "dave", "--shares", "12345", "steth")
        #expect(amount(byShares, "sharesMoved") == 12345)
        pool.shares["alice"]! -= 12345
        pool.shares["dave"]! += 12345

        // Wrap and unwrap: wsteth units are shares; balances never move on a rebase.
        let wrapped = try json(stack, "wrap", "bob", "5")
        let units = Self.mulDiv(5 * Self.ether, pool.totalShares, pool.pooled)
        #expect(amount(wrapped, "wstethWei") == units)
        let unwrapped = try json(stack, "unwrap", "bob", EtherAmount.format(units))
        #expect(amount(unwrapped, "stethCreditedWei") <= 5 * Self.ether)
        try expectAuditExact(stack)

        // A withdrawal the buffer pays at the next report: claim = min(asked, shares × rate).
        let request = try json(stack, "withdraw", "request", "carol", "2", "steth")
        #expect(request["expectedFinalizationEpoch"] == .number("450"))
        let early = try stack.cli("withdraw", "claim", "1")
        #expect(early.exitCode == 1 && early.stderr.contains("request_not_finalized"), "\(early.stderr)")
        try advance(stack, &spec, &pool, 225)
        let claim = try json(stack, "withdraw", "claim", "1")
        #expect(amount(claim, "claimedWei") == 2 * Self.ether)
        let twice = try stack.cli("withdraw", "claim", "1")
        #expect(twice.exitCode == 1 && twice.stderr.contains("request_already_claimed"), "\(twice.stderr)")
        try expectAuditExact(stack)

        // A withdrawal larger than the buffer: the pool asks its operators for an exit, and the
        // request is finalized once the exited validator's balance is swept and collected.
        try json(stack, "withdraw", "request", "alice", "30", "steth")
        var finalized = false
        for _ in 0..<8 where !finalized {
            let run = try stack.cli("epochs", "advance", "225")
            try #require(run.exitCode == 0, "\(run.stderr)")
            let list = try json(stack, "withdraw", "list", "--account", "alice")
            guard case .array(let requests)? = list["requests"], let mine = requests.first else { break }
            finalized = mine["status"] == .string("finalized")
            try expectAuditExact(stack)
        }
        #expect(finalized, "the 30-ETH request was finalized after a validator exit")
        let exited = try json(stack, "validator", "list", "--owner", "pool:steth", "--status", "withdrawal")
        #expect(exited["total"] != .number("0"), "a pool validator exited to pay the queue")
        let claimed = try json(stack, "withdraw", "claim", "2")
        #expect(amount(claimed, "claimedWei") == 30 * Self.ether)
        try expectAuditExact(stack)
    }

    /// Advances the stack and the models together: validators in SpecModel; EL rewards and
    /// sweeps of the pool's validators into the pool's vaults.
    func advance(_ stack: StackHarness, _ spec: inout SpecModel, _ pool: inout PoolModel, _ count: UInt64) throws {
        let run = try stack.cli("epochs", "advance", String(count))
        try #require(run.exitCode == 0, "epochs advance: \(run.stderr)")
        for _ in 0..<count {
            let epoch = spec.epoch
            let sweptBefore = spec.swept["pool:steth"] ?? 0
            spec.processEpoch()
            pool.swept += UInt128((spec.swept["pool:steth"] ?? 0) - sweptBefore) * Self.gwei
            let active = pool.funded.filter { spec.validators[$0].active(epoch) }.count
            pool.elVault += UInt128(active) * 1_500 * Self.gwei
        }
    }

    @Test("reth: deposit fee, a bonded minipool, rate updates, the node's share, unstaking against liquidity")
    func rethPool() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let register = try stack.cli("operator", "register", "nora", "--pool", "reth", "--commission", "0.15")
        try #require(register.exitCode == 0, "\(register.stderr)")
        try json(stack, "eth", "deposit", "nora", "16")
        try json(stack, "eth", "deposit", "uma", "20")
        let staked = try json(stack, "stake", "uma", "20", "--pool", "reth")
        #expect(amount(staked, "feeWei") == 10_000_000_000_000_000)
        #expect(amount(staked, "rethMinted") == 20 * Self.ether - 10_000_000_000_000_000)
        // Two more stakers at the same (pre-report) rate: fee floor(x × 5e14 / 1e18), minted
        // floor(net × supply / totalEth).
        var supply = 20 * Self.ether - 10_000_000_000_000_000
        var total = 20 * Self.ether
        for (account, eth) in [("ivy", "1.234567890123456789"), ("jon", "0.5")] {
            try json(stack, "eth", "deposit", account, eth)
            let wei = try EtherAmount.parse(eth)
            let more = try json(stack, "stake", account, eth, "--pool", "reth")
            let fee = wei * 500_000_000_000_000 / Self.ether
            let minted = Self.mulDiv(wei - fee, supply, total)
            #expect(amount(more, "feeWei") == fee && amount(more, "rethMinted") == minted, "\(account): \(more)")
            supply += minted
            total += wei
        }
        let bad = try stack.cli("node", "deposit", "nora", "--bond", "4")
        #expect(bad.exitCode != 0)
        try json(stack, "node", "deposit", "nora", "--bond", "16")
        let days = try stack.cli("epochs", "advance", "450")
        try #require(days.exitCode == 0, "\(days.stderr)")
        let shown = try json(stack, "pool", "show", "reth")
        #expect(amount(shown, "rateWad") > Self.ether, "\(shown)")
        let tooMuch = try stack.cli("unstake", "uma", "19")
        #expect(tooMuch.exitCode == 1 && tooMuch.stderr.contains("insufficient_liquidity"), "\(tooMuch.stderr)")
        let unstaked = try json(stack, "unstake", "uma", "3")
        #expect(amount(unstaked, "ethWei") > 3 * Self.ether)
        try expectAuditExact(stack)
    }

    @Test("steth: a slashing while a withdrawal waits holds finalization (bunker mode) and the claim pays less (min rule)")
    func slashingDuringTheQueue() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        try #require(try stack.cli("operator", "register", "op-a", "--pool", "steth", "--validator-limit", "10").exitCode == 0)
        try json(stack, "eth", "deposit", "alice", "64.5")
        try json(stack, "stake", "alice", "64.5")
        try #require(try stack.cli("epochs", "advance", "225").exitCode == 0)
        let request = try json(stack, "withdraw", "request", "alice", "0.4", "steth")
        guard case .array(let made)? = request["requests"], let first = made.first else { Issue.record("no request"); return }
        let shares = amount(first, "shares")
        // Both pool validators slashed: initial penalties now, a correlation penalty 4096 epochs
        // on, penalties until withdrawable: the pool loses, and the queue waits.
        for validator in ["0", "1"] {
            try #require(try stack.cli("validator", "slash", validator, "--reason", "double vote").exitCode == 0)
        }
        try #require(try stack.cli("epochs", "advance", "225").exitCode == 0)
        var pool = try json(stack, "pool", "show", "steth")
        #expect(pool["bunkerMode"] == .bool(true))
        var list = try json(stack, "withdraw", "list", "--account", "alice")
        guard case .array(let pending)? = list["requests"] else { Issue.record("no list"); return }
        #expect(pending.first?["status"] == .string("pending"), "held while in bunker mode")
        try expectAuditExact(stack)
        // Until the slashed validators are withdrawn and collected, and a report without a loss.
        var finalized = false
        for _ in 0..<45 where !finalized {
            try #require(try stack.cli("epochs", "advance", "225").exitCode == 0)
            list = try json(stack, "withdraw", "list", "--account", "alice")
            guard case .array(let requests)? = list["requests"] else { break }
            finalized = requests.first?["status"] == .string("finalized")
        }
        #expect(finalized, "finalized once bunker mode ended")
        pool = try json(stack, "pool", "show", "steth")
        #expect(pool["bunkerMode"] == .bool(false))
        let claim = try json(stack, "withdraw", "claim", "1")
        let rate = amount(claim, "finalizationShareRateE27")
        let claimed = amount(claim, "claimedWei")
        // The loss is shared: the shares at the finalization rate, below what was asked.
        #expect(claimed == Self.mulDiv(shares, rate, 1_000_000_000_000_000_000_000_000_000))
        #expect(claimed < 400_000_000_000_000_000, "paid less than requested: \(claimed)")
        try expectAuditExact(stack)
    }

    @Test("liquid staking: bad input gets a clear error and changes nothing")
    func liquidBadInput() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        try #require(try stack.cli("operator", "register", "op-a", "--pool", "steth", "--validator-limit", "1").exitCode == 0)
        try json(stack, "eth", "deposit", "erin", "10")
        try json(stack, "stake", "erin", "5")
        try json(stack, "withdraw", "request", "erin", "1", "steth")
        let before = [try json(stack, "account", "show", "erin"), try json(stack, "pool", "show", "steth"), try json(stack, "audit")]
        let cases: [([String], Int32, String)] = [
            (["stake", "erin", "0.009"], 1, "below_minimum"),
            (["stake", "erin", "6"], 1, "insufficient_balance"),
            (["stake", "erin", "1", "--pool", "xeth"], 64, "xeth"),
            (["stake", "nobody", "1"], 1, "not_found"),
            (["stake", "erin", "1.0000000000000000001"], 64, "decimals"),
            (["stake", "erin", "abc"], 64, "abc"),
            (["transfer", "erin", "zed", "5", "steth"], 1, "insufficient_balance"),
            (["wrap", "erin", "5"], 1, "insufficient_balance"),
            (["unwrap", "erin", "1"], 1, "insufficient_balance"),
            (["withdraw", "request", "erin", "0.00000000000000009", "steth"], 1, "below_minimum"),
            (["withdraw", "claim", "1"], 1, "request_not_finalized"),
            (["withdraw", "claim", "9"], 1, "request_not_found"),
            (["unstake", "erin", "1"], 1, "insufficient_balance"),
            (["node", "deposit", "op-a", "--bond", "16"], 1, "operator_not_found"),
        ]
        for (arguments, code, text) in cases {
            let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments)
            #expect(run.exitCode == code, "\(arguments): exit \(run.exitCode), \(run.stderr)")
            #expect(run.stderr.contains(text), "\(arguments): \(run.stderr)")
        }
        let after = [try json(stack, "account", "show", "erin"), try json(stack, "pool", "show", "steth"), try json(stack, "audit")]
        #expect(after == before)
    }

    @Test("reth: a slashed minipool's loss is taken from the bond first; beyond it, the users bear the shortfall")
    func rethShortfall() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        // A tiny rest of the network, so that one slashing is a third of all stake: the
        // correlation penalty takes the whole effective balance.
        try #require(try stack.cli("chain", "set", "--network-stake", "64").exitCode == 0)
        try #require(try stack.cli("operator", "register", "nora", "--pool", "reth", "--commission", "0.1").exitCode == 0)
        try json(stack, "eth", "deposit", "nora", "8")
        try json(stack, "eth", "deposit", "uma", "30")
        try json(stack, "stake", "uma", "30", "--pool", "reth")
        try json(stack, "node", "deposit", "nora", "--bond", "8")
        try #require(try stack.cli("epochs", "advance", "20").exitCode == 0)
        try #require(try stack.cli("validator", "slash", "0", "--reason", "double vote").exitCode == 0)
        let noraBefore = try json(stack, "account", "show", "nora")
        var done = false
        for _ in 0..<40 where !done {
            try #require(try stack.cli("epochs", "advance", "225").exitCode == 0)
            done = try json(stack, "validator", "show", "0")["status"] == .string("withdrawal_done")
        }
        #expect(done, "the slashed minipool was withdrawn")
        let pool = try json(stack, "pool", "show", "reth")
        #expect(amount(pool, "shortfallWei") > 0, "the loss went beyond the 8-ETH bond: \(pool)")
        let noraAfter = try json(stack, "account", "show", "nora")
        // Nothing of the bond came back at the settlement.
        #expect(amount(noraAfter, "balanceWei") - amount(noraBefore, "balanceWei") < 8 * Self.ether)
        try expectAuditExact(stack)
    }

    @Test("steth: 30 days of daily reports, each rebase, fee mint and operator split exact")
    func thirtyDaysOfReports() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var spec = SpecModel()
        var pool = PoolModel()
        for name in ["op-a", "op-b", "op-c"] {
            try #require(try stack.cli("operator", "register", name, "--pool", "steth", "--validator-limit", "2").exitCode == 0)
        }
        for (account, eth) in [("alice", "61.000000000000000007"), ("bob", "33.3"), ("carol", "70.77")] {
            try json(stack, "eth", "deposit", account, eth)
            try json(stack, "stake", account, eth)
            pool.stake(account, try EtherAmount.parse(eth))
            while pool.buffered >= 32 * Self.ether {
                pool.buffered -= 32 * Self.ether
                pool.funded.append(spec.deposit("pool:steth", eth: 32))
            }
        }
        // 165.07 ETH: five validators (fewest-first: a, b, c, a, b), 5.07 ETH buffered.
        let operators = ["op-a": 2, "op-b": 2, "op-c": 1]
        for day in 1...30 {
            try advance(stack, &spec, &pool, 225)
            let report = pool.report(spec, operators: operators)
            let shown = try json(stack, "pool", "show", "steth")
            #expect(amount(shown, "totalPooledWei") == pool.pooled, "day \(day): pooled ether")
            #expect(amount(shown, "totalShares") == pool.totalShares, "day \(day): shares (fee \(report.feeShares))")
            if day % 10 == 0 {
                for name in ["op-a", "op-b", "op-c", "treasury", "alice", "bob", "carol"] {
                    #expect(amount(try json(stack, "account", "show", name), "stethShares") == pool.shares[name] ?? 0,
                            "day \(day): \(name)'s shares")
                }
                try expectAuditExact(stack)
            }
        }
        let shown = try json(stack, "pool", "show", "steth")
        #expect(shown["aprBips7d"] != .null, "an APR from a week of reports")
    }
}
