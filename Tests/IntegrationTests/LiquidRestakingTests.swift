import Contracts
import Foundation
import Testing

/// Liquid restaking end to end (issue #7; PROTOCOL.md §9.8 and §9.9) against the running stack
/// through the CLI: the eeth pool's stakes spread over two restaking operators, weeth, reports
/// with consensus and AVS rewards, an AVS slash, a beacon-chain slash and an AVS slash on the
/// beacon-slashed pod reaching the rate as negative rebases, a withdrawal paid at the min rule,
/// eETH transfers; the risk views (concentration, exposure, simulated slashes whose predictions
/// the real slashes then meet, per staker and per holder); bad input.
///
/// Every expected number is computed here: the pod-stakers' shares from EigenLayer's formulas
/// (reference/restaking.md §1.2, §2.4, §2.5: deposit shares, DSF, BCSF, max magnitude) fed with
/// the validators' balances the ledger shows (`validator show`), the pool's value from its parts
/// (buffer + Σ pod-stakers' withdrawable shares), and the report formula of §9.8 (fee shares on
/// a gain, none on a loss, the rate, each holder's eETH = floor(shares × pooled / totalShares),
/// weETH's unwrap value). The audit is exact after every step.
@Suite("Liquid restaking")
struct LiquidRestakingTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000
    static let e27: UInt128 = 1_000_000_000_000_000_000_000_000_000
    static let gwei: UInt128 = 1_000_000_000
    static let interval: UInt64 = 16

    // MARK: CLI helpers (the restaking suites' shared ones, RestakingTestSupport.swift)

    @discardableResult
    func json(_ stack: StackHarness, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        try RestakingCLI(stack: stack).json(arguments, sourceLocation: sourceLocation)
    }

    /// The CLI must refuse with `exitCode` and say `text`.
    func refused(_ stack: StackHarness, _ exitCode: Int32, _ text: String, _ arguments: String...,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        try RestakingCLI(stack: stack).refused(exitCode, text, arguments, sourceLocation: sourceLocation)
    }

    func amount(_ json: JSON?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) -> UInt128 {
        RestakingCLI.amount(json, key, sourceLocation: sourceLocation)
    }

    func items(_ json: JSON?) -> [JSON] { RestakingCLI.items(json) }

    func expectAuditExact(_ stack: StackHarness, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try json(stack, "audit")
        #expect(audit["ok"] == .bool(true), "audit after \(step): \(audit)", sourceLocation: sourceLocation)
    }

    static func mulDiv(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 { RestakingCLI.mulDiv(a, b, c) }
    static func mulDivCeil(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 { RestakingCLI.mulDivCeil(a, b, c) }

    // MARK: The models

    /// One pod-staker's native position, EigenLayer's formulas (reference/restaking.md §1.2,
    /// §2.4, §2.5): deposit shares, deposit scaling factor, beacon-chain slashing factor, and the
    /// ETH the pod last checkpointed.
    struct PodModel {
        var depositShares: UInt128 = 0
        var dsf: UInt128 = LiquidRestakingTests.wad
        var bcsf: UInt128 = LiquidRestakingTests.wad
        var restakedWei: UInt128 = 0

        func slashingFactor(maxMagnitude: UInt128) -> UInt128 { LiquidRestakingTests.mulDiv(maxMagnitude, bcsf, LiquidRestakingTests.wad) }

        func withdrawable(maxMagnitude: UInt128) -> UInt128 {
            let scaled = LiquidRestakingTests.mulDiv(depositShares, dsf, LiquidRestakingTests.wad)
            return LiquidRestakingTests.mulDiv(scaled, slashingFactor(maxMagnitude: maxMagnitude), LiquidRestakingTests.wad)
        }

        /// A share increase (a verified validator, a checkpoint's rise): SlashingLib.update.
        mutating func add(_ added: UInt128, maxMagnitude: UInt128) {
            let sf = slashingFactor(maxMagnitude: maxMagnitude)
            if depositShares == 0 {
                dsf = LiquidRestakingTests.mulDiv(dsf, LiquidRestakingTests.wad, sf)
            } else {
                let current = withdrawable(maxMagnitude: maxMagnitude)
                let perShare = LiquidRestakingTests.mulDiv(current + added, LiquidRestakingTests.wad, depositShares + added)
                dsf = LiquidRestakingTests.mulDiv(perShare, LiquidRestakingTests.wad, sf)
            }
            depositShares += added
        }

        mutating func verify(_ wei: UInt128, maxMagnitude: UInt128) {
            add(wei, maxMagnitude: maxMagnitude)
            restakedWei += wei
        }

        /// A checkpoint at `currentWei` (the pod's validators' balances): a rise adds shares, a
        /// fall lowers the BCSF by the fraction lost.
        mutating func checkpoint(_ currentWei: UInt128, maxMagnitude: UInt128) {
            if currentWei > restakedWei {
                add(currentWei - restakedWei, maxMagnitude: maxMagnitude)
            } else if currentWei < restakedWei {
                bcsf = LiquidRestakingTests.mulDiv(bcsf, currentWei, restakedWei)
            }
            restakedWei = currentWei
        }
    }

    /// The eeth pool's tokens: shares (balances) over pooled ether, the weeth wrapper, the buffer.
    struct PoolModel {
        var pooled: UInt128 = 0
        var totalShares: UInt128 = 0
        var shares: [String: UInt128] = [:]
        var weeth: [String: UInt128] = [:]
        var wrapperShares: UInt128 = 0
        var buffer: UInt128 = 0

        var totalWrapped: UInt128 { weeth.values.reduce(0, +) }
        var rateE27: UInt128 { LiquidRestakingTests.mulDiv(pooled, LiquidRestakingTests.e27, totalShares) }

        /// A stake of ETH: shares at the pre-deposit rate; the first buys 1000 dead shares.
        mutating func stake(_ account: String, _ wei: UInt128) -> UInt128 {
            var deposit = wei
            if totalShares == 0 {
                pooled = 1000
                totalShares = 1000
                deposit -= 1000
            }
            let minted = LiquidRestakingTests.mulDiv(deposit, totalShares, pooled)
            shares[account, default: 0] += minted
            totalShares += minted
            pooled += deposit
            buffer += wei
            return minted
        }

        func eeth(_ account: String) -> UInt128 { LiquidRestakingTests.mulDiv(shares[account] ?? 0, pooled, totalShares) }

        /// weETH's unwrap value: floor(units × pooled / totalShares).
        func weethValue(_ account: String) -> UInt128 { LiquidRestakingTests.mulDiv(weeth[account] ?? 0, pooled, totalShares) }

        mutating func wrap(_ account: String, _ wei: UInt128) -> UInt128 {
            let units = LiquidRestakingTests.mulDiv(wei, totalShares, pooled)
            shares[account]! -= units
            wrapperShares += units
            weeth[account, default: 0] += units
            return units
        }

        /// Unwrap: floor(units × P / S) eETH, moved as eETH moves (by amount: floor(amount × S / P)
        /// shares, credited at floor(moved × P / S)); the wrapper keeps the dust shares.
        mutating func unwrap(_ account: String, _ units: UInt128) -> (amount: UInt128, moved: UInt128, credited: UInt128) {
            let amount = LiquidRestakingTests.mulDiv(units, pooled, totalShares)
            let moved = LiquidRestakingTests.mulDiv(amount, totalShares, pooled)
            weeth[account]! -= units
            wrapperShares -= moved
            shares[account, default: 0] += moved
            return (amount, moved, LiquidRestakingTests.mulDiv(moved, pooled, totalShares))
        }

        /// A report at `value`: on a gain the fee is minted as shares to the treasury so that it
        /// is worth `feeBips` of the gain (Lido's formula); a loss applies as is.
        mutating func report(_ value: UInt128, feeBips: UInt128) -> (rewards: UInt128, loss: UInt128, feeShares: UInt128) {
            var feeShares: UInt128 = 0
            let rewards = value > pooled ? value - pooled : 0
            let loss = value < pooled ? pooled - value : 0
            if rewards > 0 {
                feeShares = LiquidRestakingTests.mulDiv(rewards * feeBips, totalShares, value * 10_000 - rewards * feeBips)
                shares["treasury", default: 0] += feeShares
                totalShares += feeShares
            }
            pooled = value
            return (rewards, loss, feeShares)
        }
    }

    /// Where the pool puts its next 32-ETH validator: the policy operator with the least pool
    /// stake (ties by name), within the cap of the pool's value.
    static func nextOperator(_ stake: [String: UInt128], operators: [String], capBips: UInt128, pooled: UInt128) -> String? {
        operators.filter { (stake[$0, default: 0] + 32 * wad) * 10_000 <= capBips * pooled }
            .min { (stake[$0, default: 0], $0) < (stake[$1, default: 0], $1) }
    }

    // MARK: Reading the stack

    func balanceWei(_ stack: StackHarness, _ validator: Int) throws -> UInt128 {
        amount(try json(stack, "validator", "show", String(validator)), "balanceGwei") * Self.gwei
    }

    func podPosition(_ stack: StackHarness, _ operatorName: String) throws -> (show: JSON, native: JSON?) {
        let show = try json(stack, "restake", "show", "pool:eeth/\(operatorName)")
        return (show, items(show["positions"]).first { $0["strategy"] == .string("native") })
    }

    /// The ledger's pod-staker equals the model: deposit shares, DSF, BCSF, withdrawable.
    func expectPod(_ stack: StackHarness, _ operatorName: String, _ pod: PodModel, maxMagnitude: UInt128, _ step: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (show, native) = try podPosition(stack, operatorName)
        #expect(amount(native, "depositShares") == pod.depositShares, "\(operatorName) deposit shares, \(step)", sourceLocation: sourceLocation)
        #expect(amount(native, "depositScalingFactorWad") == pod.dsf, "\(operatorName) DSF, \(step)", sourceLocation: sourceLocation)
        #expect(amount(show, "beaconChainSlashingFactorWad") == pod.bcsf, "\(operatorName) BCSF, \(step)", sourceLocation: sourceLocation)
        #expect(amount(native, "withdrawableShares") == pod.withdrawable(maxMagnitude: maxMagnitude),
                "\(operatorName) withdrawable, \(step)", sourceLocation: sourceLocation)
        #expect(amount(show["pod"], "restakedWei") == pod.restakedWei, "\(operatorName) restaked, \(step)", sourceLocation: sourceLocation)
    }

    /// Every holder's eETH and weETH as the model prices them, the pool's totals and buffer.
    func expectPool(_ stack: StackHarness, _ pool: PoolModel, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shown = try json(stack, "pool", "show", "eeth")
        #expect(amount(shown, "totalPooledWei") == pool.pooled, "pooled, \(step)", sourceLocation: sourceLocation)
        #expect(amount(shown, "totalShares") == pool.totalShares, "shares, \(step)", sourceLocation: sourceLocation)
        #expect(amount(shown, "shareRateE27") == pool.rateE27, "rate, \(step)", sourceLocation: sourceLocation)
        #expect(amount(shown, "bufferedWei") == pool.buffer, "buffer, \(step)", sourceLocation: sourceLocation)
        #expect(amount(shown, "wrappedShares") == pool.wrapperShares, "wrapper's shares, \(step)", sourceLocation: sourceLocation)
        for holder in Set(pool.shares.keys).union(pool.weeth.keys).sorted() {
            let account = try json(stack, "account", "show", holder)
            #expect(amount(account, "eethShares") == pool.shares[holder] ?? 0, "\(holder)'s shares, \(step)", sourceLocation: sourceLocation)
            #expect(amount(account, "eethWei") == pool.eeth(holder), "\(holder)'s eETH, \(step)", sourceLocation: sourceLocation)
            #expect(amount(account, "weethWei") == pool.weeth[holder] ?? 0, "\(holder)'s weETH, \(step)", sourceLocation: sourceLocation)
        }
    }

    /// Advances to the next report epoch; returns the report the ledger journaled there.
    func nextReport(_ stack: StackHarness) throws -> JSON {
        let now = UInt64(amount(try json(stack, "chain", "show"), "epoch"))
        let target = (now / Self.interval + 1) * Self.interval
        try json(stack, "epochs", "advance", String(target - now))
        let shown = try json(stack, "pool", "show", "eeth")
        let report = items(shown["reports"]).last
        #expect(report?["epoch"] == .number(String(target)), "a report at epoch \(target): \(String(describing: report))")
        return report ?? .null
    }

    // MARK: The test

    @Test("eeth: stakes, weeth, rewards, an AVS slash predicted exactly, a beacon slash, negative rebases, a withdrawal; risk views; bad input")
    func liquidRestaking() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()

        // Registry: opa and opb in eigenda/1 (native, steth); opa allocates all of its native
        // magnitude and half of its steth, opb half of its native. No allocation delay.
        for name in ["opa", "opb"] {
            try json(stack, "operator", "register", name, "--restaking", "--split", "10%", "--allocation-delay", "0")
        }
        try json(stack, "avs", "register", "eigenda")
        try json(stack, "avs", "set", "create", "eigenda/1", "--strategies", "native,steth")
        try json(stack, "operator", "join", "opa", "eigenda/1")
        try json(stack, "operator", "join", "opb", "eigenda/1")
        try json(stack, "operator", "allocate", "opa", "eigenda/1", "native", "1")
        try json(stack, "operator", "allocate", "opa", "eigenda/1", "steth", "0.5")
        try json(stack, "operator", "allocate", "opb", "eigenda/1", "native", "50%")
        var maxMagnitude = ["opa": Self.wad, "opb": Self.wad]

        // The pool: reports every 16 epochs, the policy over opa and opb, cap 70 %, fee 10 %.
        try json(stack, "pool", "schedule", "eeth", "--report-interval", String(Self.interval))
        let policy = try json(stack, "pool", "set", "eeth", "--operators", "opa,opb", "--cap", "70%", "--fee", "10%")
        #expect(policy["capBips"] == .number("7000") && policy["feeBips"] == .number("1000"), "\(policy)")
        let feeBips: UInt128 = 1000, capBips: UInt128 = 7000

        // Stakes: 70 ETH from alice (the first buys the 1000 dead shares), 30 from bob. The
        // buffer funds 32-ETH validators spread evenly within the cap of the pool's value.
        for (account, eth) in [("alice", "100"), ("bob", "40"), ("dave", "40"), ("erin", "20")] {
            try json(stack, "eth", "deposit", account, eth)
        }
        var pool = PoolModel()
        var stake: [String: UInt128] = [:]
        var operatorOf: [Int: String] = [:]
        var validators = 0
        for (account, eth) in [("alice", UInt128(70)), ("bob", 30)] {
            let minted = pool.stake(account, eth * Self.wad)
            var funded: [JSON] = []
            while pool.buffer >= 32 * Self.wad,
                let next = Self.nextOperator(stake, operators: ["opa", "opb"], capBips: capBips, pooled: pool.pooled)
            {
                pool.buffer -= 32 * Self.wad
                stake[next, default: 0] += 32 * Self.wad
                operatorOf[validators] = next
                funded.append(.number(String(validators)))
                validators += 1
            }
            let staked = try json(stack, "stake", account, String(eth), "--pool", "eeth")
            #expect(amount(staked, "sharesMinted") == minted, "\(account)'s shares: \(staked)")
            #expect(amount(staked, "balanceWei") == pool.eeth(account))
            #expect(staked["validatorsFunded"] == .array(funded), "\(account)'s stake funds \(funded): \(staked)")
        }
        // 100 ETH: opa, opb, then opa again (64 ETH ≤ 70 % of 100); 4 ETH buffered.
        #expect(operatorOf == [0: "opa", 1: "opb", 2: "opa"])
        #expect(pool.buffer == 4 * Self.wad)
        let listed = try json(stack, "validator", "list", "--owner", "pool:eeth")
        #expect(items(listed["validators"]).map { $0["validator"] } == [.number("0"), .number("1"), .number("2")], "\(listed)")
        try expectPool(stack, pool, "stakes")
        try expectAuditExact(stack, "stakes")

        // Dave runs a solo validator (for concentration); erin restakes steth, delegated to opa.
        try json(stack, "validator", "deposit", "dave")
        try json(stack, "stake", "erin", "10")
        try json(stack, "restake", "deposit", "erin", "5", "steth")
        try json(stack, "delegate", "erin", "opa")
        let erinShares: UInt128 = 5 * Self.wad  // an empty strategy prices 1:1

        // Verification: each pool validator enters its operator's pod at 32 ETH once its
        // activation is scheduled; report 1 checkpoints the pods at the validators' balances.
        var pods = ["opa": PodModel(), "opb": PodModel()]
        for index in 0..<validators { pods[operatorOf[index]!]!.verify(32 * Self.wad, maxMagnitude: Self.wad) }
        func podValidators(_ name: String) -> [Int] { (0..<validators).filter { operatorOf[$0] == name } }
        /// The report's checkpoints of both pods, then the value from its parts.
        func reportValue() throws -> UInt128 {
            var value = pool.buffer
            for name in ["opa", "opb"] {
                var current: UInt128 = 0
                for index in podValidators(name) { current += try balanceWei(stack, index) }
                pods[name]!.checkpoint(current, maxMagnitude: maxMagnitude[name]!)
                try expectPod(stack, name, pods[name]!, maxMagnitude: maxMagnitude[name]!, "report")
                value += pods[name]!.withdrawable(maxMagnitude: maxMagnitude[name]!)
            }
            return value
        }

        let first = try nextReport(stack)
        var value = try reportValue()
        var outcome = pool.report(value, feeBips: feeBips)
        #expect(amount(first, "valueWei") == value, "report 1 value: \(first)")
        #expect(outcome.rewards > 0 && first["negativeRebase"] == .bool(false))
        #expect(amount(first, "rewardsWei") == outcome.rewards)
        #expect(amount(first, "feeSharesMinted") == outcome.feeShares, "the fee is worth 10 % of the rewards")
        #expect(amount(first, "shareRateAfterE27") == pool.rateE27)
        try expectPool(stack, pool, "report 1")
        try expectAuditExact(stack, "report 1")

        // weETH: bob wraps 10 eETH at the new rate; units are shares, floor(x × S / P).
        let units = pool.wrap("bob", 10 * Self.wad)
        let wrapped = try json(stack, "wrap", "bob", "10", "--token", "weeth")
        #expect(amount(wrapped, "weethWei") == units && amount(wrapped, "sharesMoved") == units, "\(wrapped)")
        try expectPool(stack, pool, "wrap")
        try expectAuditExact(stack, "wrap")

        // AVS rewards: eigenda pays 1 ETH over 5 epochs to set 1; the pod-stakers earn as
        // delegators, and the pool's oracle claims their part into the pool's AVS-rewards vault,
        // which the next report collects into the buffer (value up by exactly what was claimed).
        try json(stack, "eth", "deposit", "eigenda", "2")
        try json(stack, "avs", "rewards", "submit", "eigenda/1", "1", "eth", "--epochs", "5")
        try json(stack, "epochs", "advance", "6")
        var avsClaimed: UInt128 = 0
        for name in ["opa", "opb"] {
            let claimable = amount(try json(stack, "rewards", "show", "pool:eeth/\(name)"), "claimableWei")
            let claimed = try json(stack, "rewards", "claim", "pool:eeth/\(name)")
            #expect(claimable > 0 && amount(claimed, "amountWei") == claimable, "\(name): \(claimed)")
            avsClaimed += claimable
        }
        #expect(avsClaimed < Self.wad, "operators keep their split, erin gets hers")
        let vault = try json(stack, "pool", "show", "eeth")
        #expect(amount(vault, "avsRewardsClaimedWei") == avsClaimed && amount(vault["valueByLayer"], "avsRewardsWei") == avsClaimed)
        try refused(stack, 1, "unauthorized", "rewards", "claim", "pool:eeth/opa", "--as", "alice")
        try expectAuditExact(stack, "AVS rewards claimed for the pool")

        // Report 2: another positive rebase (AVS rewards in); weETH's value grows with the rate,
        // its units not.
        let weethBefore = pool.weethValue("bob")
        let second = try nextReport(stack)
        #expect(amount(second["layers"], "avsRewardsWei") == avsClaimed, "\(second)")
        pool.buffer += avsClaimed
        value = try reportValue()
        outcome = pool.report(value, feeBips: feeBips)
        #expect(amount(second, "valueWei") == value && amount(second, "feeSharesMinted") == outcome.feeShares, "\(second)")
        #expect(pool.weethValue("bob") > weethBefore)
        try expectPool(stack, pool, "report 2")
        try expectAuditExact(stack, "report 2")

        // Concentration: four active validators of 32 ETH effective balance — three of the eeth
        // pool (opa runs two, opb one) and dave's. eeth (3/4) and opa (1/2) are flagged, opb and
        // dave (1/4 each) not; restaked: opa's native + erin's steth against opb's native.
        let concentration = try json(stack, "risk", "concentration")
        #expect(amount(concentration, "totalStakeWei") == 128 * Self.wad, "\(concentration)")
        func row(_ name: String) -> JSON? { items(concentration["operators"]).first { $0["name"] == .string(name) } }
        #expect(items(concentration["operators"]).count == 3, "opa, opb, dave")
        for (name, wei, flagged) in [("opa", UInt128(64), true), ("opb", 32, false), ("dave", 32, false)] {
            #expect(amount(row(name), "stakeWei") == wei * Self.wad, "\(name): \(String(describing: row(name)))")
            #expect(amount(row(name), "shareBips") == wei * Self.wad * 10_000 / (128 * Self.wad))
            #expect(row(name)?["atLeastOneThird"] == .bool(flagged), "\(name) flagged: \(flagged)")
        }
        let eethRow = items(concentration["pools"]).first { $0["pool"] == .string("eeth") }
        #expect(amount(eethRow, "stakeWei") == 96 * Self.wad && eethRow?["atLeastOneThird"] == .bool(true))
        #expect(eethRow?["restaked"] == .bool(true) && amount(eethRow, "shareBips") == 7500)
        let warnings = items(concentration["warnings"]).map { "\($0)" }
        #expect(warnings.contains { $0.contains("operator opa") } && warnings.contains { $0.contains("pool eeth") })
        #expect(!warnings.contains { $0.contains("opb") || $0.contains("dave") }, "\(warnings)")
        let opaRestaked = pods["opa"]!.withdrawable(maxMagnitude: Self.wad) + erinShares
        let opbRestaked = pods["opb"]!.withdrawable(maxMagnitude: Self.wad)
        let restakers = items(concentration["restaking"]?["operators"])
        #expect(amount(concentration["restaking"], "totalEtherWei") == opaRestaked + opbRestaked)
        #expect(amount(restakers.first { $0["operator"] == .string("opa") }, "etherWei") == opaRestaked)
        #expect(restakers.first { $0["operator"] == .string("opa") }?["atLeastOneThird"] == .bool(true))
        #expect(restakers.first { $0["operator"] == .string("opb") }?["atLeastOneThird"] == .bool(false))

        // Exposure of the pool: each pod-staker's withdrawable native shares, slashable by
        // eigenda/1 at its operator's magnitude (all of opa's, half of opb's), open-ended.
        let exposure = try json(stack, "risk", "exposure", "eeth")
        #expect(exposure["kind"] == .string("pool"))
        #expect(exposure["restakingStakers"] == .array([.string("pool:eeth/opa"), .string("pool:eeth/opb")]))
        let rows = items(exposure["exposures"])
        #expect(rows.count == 2, "\(exposure)")
        for (name, magnitude) in [("opa", Self.wad), ("opb", Self.wad / 2)] {
            let mine = rows.first { $0["operator"] == .string(name) }
            let held = pods[name]!.withdrawable(maxMagnitude: Self.wad)
            #expect(mine?["strategy"] == .string("native") && mine?["untilEpoch"] == .null, "\(String(describing: mine))")
            #expect(amount(mine, "shares") == held)
            #expect(amount(mine, "slashableShares") == Self.mulDiv(held, magnitude, Self.wad))
            #expect(amount(mine, "slashableValueWei") == Self.mulDiv(held, magnitude, Self.wad))
        }
        // A pod-staker on its own (the guess takes the reserved name for a staker, not an operator).
        let podExposure = try json(stack, "risk", "exposure", "pool:eeth/opb")
        #expect(podExposure["kind"] == .string("account") && podExposure["delegatedTo"] == .string("opb"), "\(podExposure)")
        #expect(amount(items(podExposure["exposures"]).first, "slashableShares")
                == Self.mulDiv(pods["opb"]!.withdrawable(maxMagnitude: Self.wad), Self.wad / 2, Self.wad))
        // Exposure of an account delegated to opa: half of erin's steth shares.
        let erinExposure = try json(stack, "risk", "exposure", "erin")
        #expect(erinExposure["kind"] == .string("account") && erinExposure["delegatedTo"] == .string("opa"))
        let erinRows = items(erinExposure["exposures"])
        #expect(erinRows.count == 1 && erinRows.first?["strategy"] == .string("steth"), "\(erinExposure)")
        #expect(amount(erinRows.first, "slashableShares") == erinShares / 2)
        // An eETH / weETH holder is exposed through the pool, which the view says.
        let bobExposure = try json(stack, "risk", "exposure", "bob")
        let through = items(bobExposure["throughPools"]).first
        #expect(amount(through, "eethWei") == pool.eeth("bob") && amount(through, "weethWei") == pool.weeth["bob"], "\(bobExposure)")
        try expectAuditExact(stack, "risk views")

        // The simulated slash: eigenda takes 25 % of opa's allocations. Expected from the model:
        // opa's native max magnitude 1 → 0.75, its steth 1 → 0.875 (half allocated, a quarter of
        // it slashed); the pod-staker's and erin's withdrawable shares fall through the factor.
        let newMax = Self.wad - Self.mulDivCeil(Self.wad, Self.wad / 4, Self.wad)
        let podBefore = pods["opa"]!.withdrawable(maxMagnitude: Self.wad)
        let podAfter = pods["opa"]!.withdrawable(maxMagnitude: newMax)
        let poolLoss = podBefore - podAfter
        let erinAfter = Self.mulDiv(erinShares, Self.wad - Self.mulDivCeil(Self.wad / 2, Self.wad / 4, Self.wad), Self.wad)
        let simulated = try json(stack, "risk", "simulate-slash", "eigenda/1", "opa", "25%")
        let ledger = simulated["ledger"]
        let stakers = items(ledger?["stakers"])
        let podRow = stakers.first { $0["staker"] == .string("pool:eeth/opa") }
        let erinRow = stakers.first { $0["staker"] == .string("erin") }
        #expect(amount(podRow, "withdrawableSharesBefore") == podBefore && amount(podRow, "withdrawableSharesAfter") == podAfter,
                "\(String(describing: podRow))")
        #expect(amount(erinRow, "withdrawableSharesAfter") == erinAfter, "\(String(describing: erinRow))")
        let eethLoss = items(ledger?["pools"]).first { $0["pool"] == .string("eeth") }
        #expect(amount(eethLoss, "lossEtherWei") == poolLoss, "\(String(describing: eethLoss))")
        #expect(amount(ledger, "totalLossEtherWei") == poolLoss + erinShares - erinAfter)
        // Holders: every share loses alike, floor(loss × shares / S); the wrapper's part goes to
        // weETH holders pro rata to their units.
        let holders = items(eethLoss?["holders"])
        var predictedLoss: [String: UInt128] = [:]
        for holder in pool.shares.keys.sorted() where pool.shares[holder]! > 0 {
            let expected = Self.mulDiv(poolLoss, pool.shares[holder]!, pool.totalShares)
            let row = holders.first { $0["holder"] == .string(holder) && $0["token"] == .string("eeth") }
            #expect(amount(row, "lossEtherWei") == expected, "\(holder)'s predicted eETH loss")
            predictedLoss["eeth:" + holder] = expected
        }
        let wrapperLoss = Self.mulDiv(poolLoss, pool.wrapperShares, pool.totalShares)
        let weethRow = holders.first { $0["holder"] == .string("bob") && $0["token"] == .string("weeth") }
        let predictedWeeth = Self.mulDiv(wrapperLoss, pool.weeth["bob"]!, pool.totalWrapped)
        #expect(amount(weethRow, "lossEtherWei") == predictedWeeth)
        #expect(holders.count == pool.shares.count + 1, "alice, bob, treasury in eETH; bob in weETH: \(holders)")
        // A dry run changes nothing.
        try expectPod(stack, "opa", pods["opa"]!, maxMagnitude: Self.wad, "dry run")
        try expectAuditExact(stack, "simulate-slash")

        // The real slash does what was predicted, to the share.
        try json(stack, "avs", "slash", "eigenda/1", "opa", "25%", "--reason", "equivocation")
        maxMagnitude["opa"] = newMax
        try expectPod(stack, "opa", pods["opa"]!, maxMagnitude: newMax, "AVS slash")
        #expect(amount(try podPosition(stack, "opa").native, "withdrawableShares") == amount(podRow, "withdrawableSharesAfter"))
        let erinPosition = items(try json(stack, "restake", "show", "erin")["positions"]).first { $0["strategy"] == .string("steth") }
        #expect(amount(erinPosition, "withdrawableShares") == amount(erinRow, "withdrawableSharesAfter"))
        let shownAfterSlash = try json(stack, "pool", "show", "eeth")
        #expect(amount(shownAfterSlash["valueByLayer"], "restakedWei")
                == podAfter + pods["opb"]!.withdrawable(maxMagnitude: Self.wad), "the pool's value now shows the loss")
        // The rate moves only at a report: balances are as before.
        try expectPool(stack, pool, "AVS slash, before the report")
        try expectAuditExact(stack, "AVS slash")

        // Report 3: a negative rebase. Between the slash and the report nothing moves the value
        // but the consensus rewards the checkpoints add, so value = pooled − loss + rewards.
        let pooledBefore = pool.pooled
        let balancesBefore = pool.shares.mapValues { Self.mulDiv($0, pool.pooled, pool.totalShares) }
        let weethValueBefore = pool.weethValue("bob")
        let withdrawableAtSlash = podAfter + pods["opb"]!.withdrawable(maxMagnitude: Self.wad)
        let third = try nextReport(stack)
        value = try reportValue()
        let rewards = value + poolLoss - pooledBefore  // what the checkpoints added since the slash
        #expect(rewards == pods["opa"]!.withdrawable(maxMagnitude: newMax) + pods["opb"]!.withdrawable(maxMagnitude: Self.wad)
                - withdrawableAtSlash)
        outcome = pool.report(value, feeBips: feeBips)
        #expect(third["negativeRebase"] == .bool(true) && amount(third, "lossWei") == outcome.loss, "\(third)")
        #expect(amount(third, "valueWei") == value && amount(third, "feeSharesMinted") == 0, "no fee on a loss")
        #expect(amount(try json(stack, "pool", "show", "eeth")["lastNegativeRebase"], "epoch") == amount(third, "epoch"))
        try expectPool(stack, pool, "report 3")
        // Each holder's predicted loss against their balance change. The balance after is
        // floor(s × (P − L + R) / S) (checked exactly above); the rewards' part of the change is
        // floor(s × (P − L + R) / S) − floor(s × (P − L) / S). What remains, floor(s × P / S) −
        // floor(s × (P − L) / S), is floor(s × L / S) — the prediction — or one wei more, as
        // floor(x) − floor(x − y) is floor(y) or ceil(y). The same for weETH, with its units.
        func expectLoss(_ label: String, _ sharesHeld: UInt128, before: UInt128, after: UInt128, predicted: UInt128) {
            let rewardsPart = after - Self.mulDiv(sharesHeld, pooledBefore - poolLoss, pool.totalShares)
            let change = before - after + rewardsPart
            #expect(change == predicted || change == predicted + 1, "\(label): lost \(change), predicted \(predicted)")
        }
        for (holder, sharesHeld) in pool.shares where sharesHeld > 0 {
            expectLoss(holder, sharesHeld, before: balancesBefore[holder]!, after: pool.eeth(holder), predicted: predictedLoss["eeth:" + holder]!)
        }
        expectLoss("bob's weETH", pool.weeth["bob"]!, before: weethValueBefore, after: pool.weethValue("bob"), predicted: predictedWeeth)
        try expectAuditExact(stack, "report 3")

        // A withdrawal request: alice's shares for 3 eETH are locked, floor(3 × S / P).
        let requestShares = Self.mulDiv(3 * Self.wad, pool.totalShares, pool.pooled)
        let request = try json(stack, "withdraw", "request", "alice", "3", "eeth")
        let requests = items(request["requests"])
        #expect(requests.count == 1 && amount(requests.first, "shares") == requestShares, "\(request)")
        #expect(request["includesRestakingEscrow"] == .bool(false), "the buffer pays it: \(request)")
        #expect(amount(request, "expectedFinalizationEpoch") == amount(third, "epoch") + UInt128(Self.interval))
        let id = String(amount(requests.first, "id"))
        pool.shares["alice"]! -= requestShares
        let lockedInQueue = requestShares
        try refused(stack, 1, "request_not_finalized", "withdraw", "claim", id, "--pool", "eeth")
        try expectAuditExact(stack, "withdrawal request")

        // A dry run now: the shares locked in the queue lose with the rest, and that part is the
        // requester's (alice's request #1), not the queue's.
        let nextMax = newMax - Self.mulDivCeil(newMax, Self.wad / 10, Self.wad)
        let dryLoss = pods["opa"]!.withdrawable(maxMagnitude: newMax) - pods["opa"]!.withdrawable(maxMagnitude: nextMax)
        let dryRun = try json(stack, "risk", "simulate-slash", "eigenda/1", "opa", "10%")
        let dryPool = items(dryRun["ledger"]?["pools"]).first { $0["pool"] == .string("eeth") }
        #expect(amount(dryPool, "lossEtherWei") == dryLoss, "\(String(describing: dryPool))")
        let dryHolders = items(dryPool?["holders"])
        #expect(!dryHolders.contains { $0["holder"] == .string("pool:eeth-withdrawal-queue") }, "\(dryHolders)")
        let inQueue = dryHolders.first { $0["holder"] == .string("alice") && $0["withdrawalRequest"] != nil }
        #expect(inQueue?["withdrawalRequest"] == .number(id) && amount(inQueue, "shares") == requestShares, "\(dryHolders)")
        #expect(amount(inQueue, "lossEtherWei") == Self.mulDiv(Self.mulDiv(dryLoss, requestShares, pool.totalShares), requestShares, requestShares))
        let aliceFree = dryHolders.first { $0["holder"] == .string("alice") && $0["withdrawalRequest"] == nil }
        #expect(amount(aliceFree, "lossEtherWei") == Self.mulDiv(dryLoss, pool.shares["alice"]!, pool.totalShares))
        try expectPod(stack, "opa", pods["opa"]!, maxMagnitude: newMax, "second dry run")

        // A beacon-chain slash of opb's validator: the initial penalty at once, then the
        // automatic checkpoint lowers opb's BCSF: floor(BCSF × now / before).
        let slashedValidator = podValidators("opb")[0]
        try json(stack, "validator", "slash", String(slashedValidator), "--reason", "double vote")
        let afterPenalty = try balanceWei(stack, slashedValidator)
        #expect(afterPenalty < pods["opb"]!.restakedWei)
        pods["opb"]!.checkpoint(afterPenalty, maxMagnitude: Self.wad)
        try expectPod(stack, "opb", pods["opb"]!, maxMagnitude: Self.wad, "beacon slash")
        #expect(pods["opb"]!.bcsf < Self.wad)
        try expectAuditExact(stack, "beacon slash")

        // Both layers on one pod: eigenda now slashes opb by half of its allocation (1/2 → 1/4,
        // max 1 → 3/4), which applies to what the beacon slash left (slashing factor = max × BCSF).
        let opbMax = Self.wad - Self.mulDivCeil(Self.wad / 2, Self.wad / 2, Self.wad)
        let opbBefore = pods["opb"]!.withdrawable(maxMagnitude: Self.wad)
        let opbAfter = pods["opb"]!.withdrawable(maxMagnitude: opbMax)
        let dual = try json(stack, "risk", "simulate-slash", "eigenda/1", "opb", "50%")
        let dualRow = items(dual["ledger"]?["stakers"]).first { $0["staker"] == .string("pool:eeth/opb") }
        #expect(amount(dualRow, "withdrawableSharesBefore") == opbBefore && amount(dualRow, "withdrawableSharesAfter") == opbAfter,
                "\(String(describing: dualRow))")
        let dualPool = items(dual["ledger"]?["pools"]).first { $0["pool"] == .string("eeth") }
        #expect(amount(dualPool, "lossEtherWei") == opbBefore - opbAfter)
        try json(stack, "avs", "slash", "eigenda/1", "opb", "50%", "--reason", "downtime")
        maxMagnitude["opb"] = opbMax
        try expectPod(stack, "opb", pods["opb"]!, maxMagnitude: opbMax, "AVS slash after the beacon slash")
        try expectAuditExact(stack, "both layers")

        // Report 4: another negative rebase (opb's losses go beyond opa's rewards); then the
        // request is finalized from the buffer at the rate after the rebase and pays
        // min(requested, shares × rate): less than asked, the loss is shared.
        let fourth = try nextReport(stack)
        value = try reportValue()
        outcome = pool.report(value, feeBips: feeBips)
        #expect(fourth["negativeRebase"] == .bool(true) && amount(fourth, "lossWei") == outcome.loss, "\(fourth)")
        let rate = pool.rateE27
        #expect(amount(fourth, "finalizationShareRateE27") == rate)
        let locked = min(3 * Self.wad, Self.mulDiv(lockedInQueue, rate, Self.e27))
        #expect(locked < 3 * Self.wad)
        #expect(amount(fourth, "etherLockedWei") == locked && fourth["finalizedThrough"] == .number(id), "\(fourth)")
        // Finalization burns the request's shares and takes its ETH out of the pool.
        pool.totalShares -= lockedInQueue
        pool.pooled -= locked
        pool.buffer -= locked
        try expectPool(stack, pool, "report 4")
        try expectAuditExact(stack, "report 4")

        let ethBefore = amount(try json(stack, "account", "show", "alice"), "balanceWei")
        let claim = try json(stack, "withdraw", "claim", id, "--pool", "eeth")
        #expect(amount(claim, "claimedWei") == locked && amount(claim, "finalizationShareRateE27") == rate, "\(claim)")
        #expect(amount(try json(stack, "account", "show", "alice"), "balanceWei") == ethBefore + locked)
        try refused(stack, 1, "request_already_claimed", "withdraw", "claim", id, "--pool", "eeth")
        try expectAuditExact(stack, "claim")

        // eETH moves as shares: by amount floor(x × S / P) shares (credited at their value, maybe
        // a wei short), or by an exact number of shares.
        let moved = Self.mulDiv(Self.wad, pool.totalShares, pool.pooled)
        let byAmount = try json(stack, "transfer", "alice", "carol", "1", "eeth")
        #expect(amount(byAmount, "sharesMoved") == moved, "\(byAmount)")
        #expect(amount(byAmount, "amountCreditedWei") == Self.mulDiv(moved, pool.pooled, pool.totalShares))
        let byShares = try json(stack, "transfer", "alice", "carol", "--shares", "12345", "eeth")
        #expect(amount(byShares, "sharesMoved") == 12345, "\(byShares)")
        pool.shares["alice"]! -= moved + 12345
        pool.shares["carol", default: 0] += moved + 12345
        try expectPool(stack, pool, "transfers")
        try expectAuditExact(stack, "transfers")

        // Bob unwraps his weETH: floor(units × P / S) eETH, after both negative rebases.
        let credited = pool.unwrap("bob", units)
        let unwrapped = try json(stack, "unwrap", "bob", EtherAmount.format(units), "--token", "weeth")
        #expect(amount(unwrapped, "eethCreditedWei") == credited.credited && amount(unwrapped, "sharesMoved") == credited.moved,
                "\(unwrapped)")
        #expect(credited.credited <= credited.amount && credited.moved <= units)
        try expectPool(stack, pool, "unwrap")
        try expectAuditExact(stack, "unwrap")

        // Bad input: a clear error, and nothing changes.
        let before = [
            try json(stack, "account", "show", "alice"), try json(stack, "account", "show", "erin"),
            try json(stack, "pool", "show", "eeth"), try json(stack, "restake", "show", "pool:eeth/opa"), try json(stack, "audit"),
        ]
        try refused(stack, 64, "xeth", "stake", "alice", "1", "--pool", "xeth")
        try refused(stack, 64, "xeth", "pool", "show", "xeth")
        try refused(stack, 1, "unknown_pool", "risk", "exposure", "xeth", "--kind", "pool")
        try refused(stack, 64, "reth", "stake", "erin", "1", "reth", "--pool", "eeth")
        // The ledger itself refuses an asset the pool does not take (past the CLI's check).
        try refused(stack, 1, "unknown_token", "raw", "ledger", "ledger.stake",
                    #"{"account":"erin","pool":"eeth","asset":"reth","amountWei":"1000000000000000000"}"#, "--as", "erin")
        try refused(stack, 64, "above 100", "risk", "simulate-slash", "eigenda/1", "opa", "150%")
        try refused(stack, 64, "zero", "risk", "simulate-slash", "eigenda/1", "opa", "0")
        try refused(stack, 1, "operator_set_not_found", "risk", "simulate-slash", "eigenda/9", "opa", "10%")
        try refused(stack, 1, "operator_not_found", "pool", "set", "eeth", "--operators", "nobody")
        try refused(stack, 1, "alice holds 0 weeth, cannot unwrap 1 weeth", "unwrap", "alice", "1", "--token", "weeth")
        try refused(stack, 1, "erin holds 0 eeth, cannot wrap 1 eeth", "wrap", "erin", "1", "--token", "weeth")
        try refused(stack, 1, "cannot transfer 1000 eeth", "transfer", "alice", "carol", "1000", "eeth")
        try refused(stack, 1, "bob holds 0 weeth, cannot transfer 1 weeth", "transfer", "bob", "carol", "1", "weeth")
        try refused(stack, 1, "bob holds 0 weeth, cannot unwrap 1000 weeth", "withdraw", "request", "bob", "1000", "weeth")
        try refused(stack, 1, "--pool eeth", "withdraw", "claim", "9", "--pool", "eeth")
        let after = [
            try json(stack, "account", "show", "alice"), try json(stack, "account", "show", "erin"),
            try json(stack, "pool", "show", "eeth"), try json(stack, "restake", "show", "pool:eeth/opa"), try json(stack, "audit"),
        ]
        #expect(after == before, "bad input changed nothing")
        try expectAuditExact(stack, "bad input")
    }
}
