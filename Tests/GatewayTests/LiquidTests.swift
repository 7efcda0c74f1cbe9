import ArgumentParser
import Contracts
import Testing

@testable import StakelineGateway

private let eth: UInt128 = 1_000_000_000_000_000_000

private func object(_ fields: [String: JSON]) -> JSON { .object(fields) }
private func amount(_ value: UInt128) -> JSON { .amount(value) }

@Suite struct LiquidParsingTests {
    @Test func transferByAmount() throws {
        let body = try InputParsing.transfer(from: "alice", to: "0xAbCdEf0123456789abcdef0123456789ABCDEF01",
                                             amount: "1.5", token: "steth", shares: nil)
        #expect(body == ["from": .string("alice"), "to": .string("0xabcdef0123456789abcdef0123456789abcdef01"),
                         "token": .string("steth"), "amountWei": .string("1500000000000000000")])
        let reth = try InputParsing.transfer(from: "a", to: "b", amount: "0.000000000000000001", token: "reth", shares: nil)
        #expect(reth["amountWei"] == .string("1") && reth["token"] == .string("reth"))
    }

    @Test func transferByShares() throws {
        let implicit = try InputParsing.transfer(from: "a", to: "b", amount: nil, token: nil, shares: "1250000000000000000")
        #expect(implicit == ["from": .string("a"), "to": .string("b"), "token": .string("steth"),
                             "shares": .string("1250000000000000000")])
        // The one positional after the accounts is the token.
        let named = try InputParsing.transfer(from: "a", to: "b", amount: "steth", token: nil, shares: "1")
        #expect(named["token"] == .string("steth") && named["amountWei"] == nil)
        let eeth = try InputParsing.transfer(from: "a", to: "b", amount: "eeth", token: nil, shares: "7")
        #expect(eeth == ["from": .string("a"), "to": .string("b"), "token": .string("eeth"), "shares": .string("7")])
    }

    @Test func transferRefusals() {
        let cases: [(String?, String?, String?, String)] = [
            ("1", nil, nil, "give the token after the amount: steth, wsteth, reth, eeth or weeth"),
            (nil, nil, nil, "give the amount and the token (steth, wsteth, reth, eeth, weeth), or --shares N"),
            ("1", "steth", "1", "give either an amount or --shares, not both"),
            ("wsteth", nil, "1", "--shares moves stETH or eETH shares only; transfer wstETH by amount"),
            ("weeth", nil, "1", "--shares moves stETH or eETH shares only; transfer weETH by amount"),
            ("1", "eth", nil, "'eth' is not a token here; use steth, wsteth, reth, eeth, weeth"),
            ("1.0000000000000000001", "steth", nil,
             "amount '1.0000000000000000001' has more than 18 decimals: the smallest unit is 0.000000000000000001"),
            ("-1", "steth", nil, "amount '-1' is not a decimal number of ETH such as 32 or 0.5"),
            (nil, nil, "1e18", "--shares '1e18' must be a whole number of shares, digits only (as 'stakeline account show' gives them)"),
            (nil, nil, "1.5", "--shares '1.5' must be a whole number of shares, digits only (as 'stakeline account show' gives them)"),
            (nil, nil, "", "--shares '' must be a whole number of shares, digits only (as 'stakeline account show' gives them)"),
            (nil, nil, "340282366920938463463374607431768211456", "--shares '340282366920938463463374607431768211456' is too large"),
        ]
        for (amount, token, shares, message) in cases {
            #expect(throws: InputError(message), "\(String(describing: amount)) \(String(describing: token)) \(String(describing: shares))") {
                try InputParsing.transfer(from: "a", to: "b", amount: amount, token: token, shares: shares)
            }
        }
    }

    @Test func commandLinesAreCheckedBeforeSending() throws {
        // Usage errors (exit 64) from parsing alone: nothing is sent.
        for arguments in [
            ["stake", "alice", "1.0000000000000000001"], ["stake", "alice", "10", "--pool", "ufo"],
            ["transfer", "alice", "bob", "1"], ["transfer", "alice", "bob", "1", "dai"],
            ["wrap", "alice", "x"], ["unwrap", "alice", "1,5"], ["unstake", "alice", ""],
            ["withdraw", "request", "alice", "1", "reth"], ["withdraw", "request", "alice", "1e3", "steth"],
            ["withdraw", "claim", "-1"], ["transfer", "alice", "bob", "--shares", "1.5"], ["node", "deposit", "dave"], ["node", "deposit", "dave", "--bond", "8.x"],
            ["pool", "show", "ufo"], ["pool", "schedule", "steth"], ["pool", "schedule", "steth", "--report-interval", "0"],
            ["pool", "schedule", "reth", "--el-rewards", "0.0000000000000000001"],
        ] {
            do {
                _ = try Stakeline.parseAsRoot(arguments)
                Issue.record("accepted \(arguments)")
            } catch {
                #expect(Stakeline.exitCode(for: error) == ExitCode(64), "\(arguments)")
            }
        }
        for arguments in [
            ["stake", "alice", "10.123456789012345678"], ["stake", "alice", "10", "--pool", "reth"],
            ["transfer", "alice", "bob", "1.5", "wsteth"], ["transfer", "alice", "bob", "--shares", "2"],
            ["transfer", "alice", "bob", "steth", "--shares", "2"], ["withdraw", "request", "alice", "1", "wsteth"],
            ["withdraw", "list", "--account", "alice"], ["withdraw", "claim", "3"], ["node", "deposit", "dave", "--bond", "16"],
            ["pool", "show", "reth"], ["pool", "schedule", "steth", "--report-interval", "75", "--el-rewards", "0.0000015"],
        ] {
            _ = try Stakeline.parseAsRoot(arguments)
        }
    }

}

@Suite struct LiquidFormattingTests {
    @Test func tokensSharesAndRates() {
        #expect(Format.token(wei: 1_234_567_890_123_456_789, .steth, exact: false) == "1.234567 stETH")
        #expect(Format.token(wei: 1_234_567_890_123_456_789, .wsteth, exact: true) == "1.234567890123456789 wstETH")
        #expect(Format.token(object(["x": .string("5")]), "x", .reth, exact: true) == "0.000000000000000005 rETH")
        #expect(Format.token(object([:]), "x", .reth, exact: true) == "?")
        #expect(Format.shares(2 * eth) == "2,000,000,000,000,000,000 shares")
        #expect(Format.shares(12345) == "12,345 shares")
        #expect(Format.bips(object(["a": .int(12), "b": .string("13"), "c": .string("x")]), "a") == 12)
        #expect(Format.bips(object(["a": .int(12), "b": .string("13"), "c": .string("x")]), "b") == 13)
        #expect(Format.bips(object(["a": .int(12), "b": .string("13"), "c": .string("x")]), "c") == nil)
        #expect(Format.rate(e27: 1_000_123_456_789_000_000_000_000_000, exact: false) == "1.000123456")
        #expect(Format.rate(e27: 1_000_123_456_789_000_000_000_000_000, exact: true) == "1.000123456789")
        #expect(Format.wait(epochs: 225) == "225 epochs (≈ 1 d 0 h)")
        #expect(Format.wait(epochs: 1) == "1 epoch (≈ 0 h 6 m)")
        #expect(Format.eta(20, now: 10) == "epoch 20 (≈ 1 h 4 m from now)")
        #expect(Format.eta(10, now: 10) == "epoch 10 (now)")
        #expect(Format.eta(10, now: nil) == "epoch 10")
    }

    @Test func executionLayerRewardsAsAnnualRate() {
        // 1500 gwei per epoch × 82,181.25 epochs a year ÷ 32 ETH = 0.385%.
        #expect(Format.annualBips(weiPerValidatorEpoch: 1_500_000_000_000) == 38)
        #expect(Format.annualBips(weiPerValidatorEpoch: 0) == 0)
        #expect(Format.annualBips(weiPerValidatorEpoch: .max) == nil)
        let rows = LiquidView.schedule(object(["pool": .string("steth"), "reportIntervalEpochs": .int(75),
                                               "elRewardsWeiPerValidatorEpoch": .string("1500000000000"), "seq": .int(9)]))
        #expect(rows.map(\.0) == ["Report interval", "EL rewards"])
        #expect(rows[1].1 == "0.0000015 ETH per validator per epoch (1,500 gwei, ≈ 0.38% a year on 32 ETH)")
    }

    @Test func stakeShowsMintedBalanceAndValidators() {
        let steth = LiquidView.stake(object([
            "account": .string("alice"), "pool": .string("steth"), "amountWei": amount(40 * eth), "sharesMinted": amount(39 * eth),
            "balanceWei": amount(40 * eth - 1), "ethBalanceWei": amount(2 * eth), "validatorsFunded": .array([.int(0)]),
        ]), pool: .steth, exact: false)
        #expect(steth == [
            "alice staked 40.000000 ETH into steth (rebasing, Lido-style)",
            "  Shares minted:     39,000,000,000,000,000,000 shares",
            "  stETH balance:     39.999999 stETH",
            "  ETH balance:       2.000000 ETH",
            "  Validators funded: 1: 0",
        ])
        let reth = LiquidView.stake(object([
            "account": .string("carol"), "pool": .string("reth"), "amountWei": amount(10 * eth), "feeWei": amount(eth / 200),
            "rethMinted": amount(9 * eth), "balanceWei": amount(9 * eth), "validatorsFunded": .array([]),
        ]), pool: .reth, exact: false)
        #expect(reth.contains("  Deposit fee:       0.005000 ETH (stays in the pool)"))
        #expect(reth.contains("  rETH minted:       9.000000 rETH"))
        #expect(reth.last?.hasPrefix("  Validators funded: none (the deposit pool funds validators") == true)
        #expect(!reth.contains { $0.hasPrefix("  ETH balance:") })
    }

    @Test func transferAlwaysShowsWhatWasCredited() {
        let short = LiquidView.transfer(object([
            "from": .string("alice"), "to": .string("bob"), "token": .string("steth"), "amountWei": amount(eth + eth / 2),
            "sharesMoved": amount(1_400_000_000_000_000_000), "amountCreditedWei": amount(eth + eth / 2 - 2),
        ]), exact: false)
        #expect(short[0] == "Transferred 1.500000 stETH from alice to bob (1,400,000,000,000,000,000 shares moved)")
        #expect(short[1] == "bob received 1.499999 stETH: 2 wei less than asked")
        #expect(short[2].contains("1.5 stETH is not a whole number of shares"))
        #expect(short[3].contains("stakeline transfer alice bob --shares N"))

        let exact = LiquidView.transfer(object([
            "from": .string("alice"), "to": .string("bob"), "token": .string("wsteth"), "amountWei": amount(eth),
            "amountCreditedWei": amount(eth),
        ]), exact: false)
        #expect(exact == ["Transferred 1.000000 wstETH from alice to bob", "bob received 1.000000 wstETH (exactly the amount asked)"])

        let byShares = LiquidView.transfer(object([
            "from": .string("alice"), "to": .string("bob"), "token": .string("steth"), "sharesMoved": amount(eth),
            "amountCreditedWei": amount(eth + 123),
        ]), exact: true)
        #expect(byShares == ["Transferred 1,000,000,000,000,000,000 shares of stETH from alice to bob", "bob received 1.000000000000000123 stETH"])

        let missing = LiquidView.transfer(object(["from": .string("a"), "to": .string("b"), "amountWei": amount(1)]), exact: false)
        #expect(missing.last == "b received: ? (the reply has no amountCreditedWei)")
    }

    @Test func wrapUnwrapUnstake() {
        #expect(LiquidView.wrap(object(["account": .string("alice"), "amountWei": amount(2 * eth), "wstethWei": amount(eth),
                                        "sharesMoved": amount(1000), "stethBalanceWei": amount(eth), "wstethBalanceWei": amount(eth)]), exact: false)
            == ["alice wrapped 2.000000 stETH into 1.000000 wstETH (1,000 shares into the wrapper)",
                "Balances now: 1.000000 stETH, 1.000000 wstETH",
                "wstETH does not rebase: its balance stays put while each unit is worth more stETH after every positive report."])
        #expect(LiquidView.unwrap(object(["account": .string("alice"), "amountWei": amount(eth), "wstethWei": amount(eth),
                                          "stethCreditedWei": amount(2 * eth - 1)]), exact: false)
            == ["alice unwrapped 1.000000 wstETH into 1.999999 stETH"])
        #expect(LiquidView.unstake(object(["account": .string("carol"), "amountWei": amount(eth), "ethWei": amount(eth + eth / 100),
                                           "rethBalanceWei": amount(2 * eth)]), exact: false)
            == ["carol unstaked 1.000000 rETH for 1.010000 ETH, paid from the reth deposit pool into carol's ETH",
                "Balances now: 2.000000 rETH"])
    }

    @Test func withdrawalRequestAndClaim() {
        let one = LiquidView.withdrawalRequested(object([
            "requests": .array([object(["id": .int(3), "amountWei": amount(eth), "shares": amount(eth - 5)])]),
            "expectedFinalizationEpoch": .int(235),
        ]), account: "alice", asked: eth, token: .steth, now: 10, exact: false)
        #expect(one == [
            "alice requested a withdrawal of 1.000000 stETH",
            "  Request 3: 1.000000 stETH, 999,999,999,999,999,995 shares locked",
            "Expected finalization: epoch 235 (≈ 1 d 0 h from now at 6.4 min/epoch)",
            "Once finalized: stakeline withdraw claim 3 (stakeline withdraw list --account alice shows the status)",
        ])
        let split = LiquidView.withdrawalRequested(object([
            "requests": .array([object(["id": .int(4), "amountWei": amount(1000 * eth), "shares": amount(990 * eth)]),
                                object(["id": .int(5), "amountWei": amount(500 * eth), "shares": amount(495 * eth)])]),
            "stethWei": amount(1510 * eth),
        ]), account: "bob", asked: 1500 * eth, token: .wsteth, now: nil, exact: false)
        #expect(split[0] == "bob requested a withdrawal of 1,500.000000 wstETH (unwrapped first to 1,510.000000 stETH)")
        #expect(split[1] == "  Split into 2 requests (at most 1000 ETH each):")
        #expect(split[2] == "  ID  AMOUNT (stETH)                SHARES LOCKED")
        #expect(split[3] == "   4    1,000.000000  990,000,000,000,000,000,000")
        #expect(split.last == "Once finalized: stakeline withdraw claim 4 (stakeline withdraw list --account bob shows the status)")

        let claimed = LiquidView.withdrawalClaimed(object([
            "id": .int(3), "account": .string("alice"), "amountWei": amount(eth), "claimedWei": amount(eth - 7),
            "finalizationShareRateE27": .string("990000000000000000000000000"),
        ]), exact: false)
        #expect(claimed[0] == "Request 3 claimed: 0.999999 ETH paid into alice's ETH (requested 1.000000 stETH)")
        #expect(claimed[1] == "  7 wei less than requested: the locked shares were worth less at finalization "
            + "(0.990000000 ETH a share). Losses after a request are shared; gains are not.")
        #expect(LiquidView.withdrawalClaimed(object(["id": .int(1), "account": .string("a"), "amountWei": amount(eth),
                                                     "claimedWei": amount(eth)]), exact: false).count == 1)
    }

    @Test func withdrawalListRows() {
        let pending = object(["id": .int(1), "account": .string("alice"), "amountWei": amount(eth), "shares": amount(eth),
                              "status": .string("pending"), "claimableWei": .null, "requestEpoch": .int(5),
                              "finalizedEpoch": .null, "expectedFinalizationEpoch": .int(20)])
        #expect(LiquidView.withdrawalRow(pending, now: 10, exact: false)
            == ["1", "alice", "1.000000", "1,000,000,000,000,000,000", "pending", "—", "5", "expected epoch 20 (≈ 1 h 4 m from now)"])
        let finalized = object(["id": .int(2), "account": .string("bob"), "amountWei": amount(2 * eth), "shares": amount(eth),
                                "status": .string("finalized"), "claimableWei": amount(2 * eth - 1), "requestEpoch": .int(5),
                                "finalizedEpoch": .int(225)])
        #expect(LiquidView.withdrawalRow(finalized, now: 300, exact: true)
            == ["2", "bob", "2", "1,000,000,000,000,000,000", "finalized", "1.999999999999999999", "5", "epoch 225"])
        let footer = LiquidView.withdrawalFooter(object(["requests": .array([pending, finalized]), "unfinalizedWei": amount(eth),
                                                         "bunkerMode": .bool(true)]), exact: false)
        #expect(footer == [
            "2 requests; 1.000000 stETH not finalized yet",
            "Bunker mode: a slashing's correlation penalty is still unknown; requests are finalized only once it is.",
            "Claim a finalized request: stakeline withdraw claim ID",
        ])
        // The eeth queue speaks eETH and names its pool in the claim.
        let eethFooter = LiquidView.withdrawalFooter(object(["pool": .string("eeth"), "requests": .array([finalized]),
                                                             "unfinalizedWei": amount(eth)]), exact: false)
        #expect(eethFooter == ["1 request; 1.000000 eETH not finalized yet", "Claim a finalized request: stakeline withdraw claim ID --pool eeth"])
        #expect(LiquidView.withdrawalHeader(.eeth)[2] == "AMOUNT (eETH)" && LiquidView.withdrawalHeader()[2] == "AMOUNT (stETH)")
        #expect(LiquidView.owner(ofRequest: 2, in: [pending, finalized]) == "bob")
        #expect(LiquidView.owner(ofRequest: 2, in: [object(["id": .string("2"), "account": .string("carol")])]) == "carol")
        #expect(LiquidView.owner(ofRequest: 9, in: [pending, finalized]) == nil)
    }

    @Test func poolShow() {
        let steth = object([
            "pool": .string("steth"), "totalPooledWei": amount(100 * eth), "totalShares": amount(99 * eth),
            "shareRateE27": .string("1010101010101010101010101010"), "bufferedWei": amount(4 * eth), "clBalanceWei": amount(96 * eth),
            "validators": object(["zeta": object(["active": .int(1), "pending": .int(0), "exited": .int(0)]),
                                  "acme": object(["active": .int(2), "pending": .int(1), "exited": .int(0)])]),
            "lastReportEpoch": .int(225), "nextReportEpoch": .int(450), "aprBips7d": .int(312),
            "feesPaidWei": object(["operatorsWei": amount(eth / 10), "treasuryWei": amount(eth / 10)]),
            "wrappedShares": amount(eth), "bunkerMode": .bool(false), "heldReport": .null,
            "withdrawalQueue": object(["unfinalizedWei": amount(3 * eth), "requests": .int(2), "expectedWaitEpochs": .int(225)]),
        ])
        let rows = LiquidView.poolRows(steth, now: 440, exact: false)
        let byLabel = Dictionary(uniqueKeysWithValues: rows)
        #expect(rows.first! == ("Pool", "steth (rebasing, Lido-style)"))
        #expect(byLabel["Total pooled"] == "100.000000 ETH")
        #expect(byLabel["Total shares"] == "99,000,000,000,000,000,000 shares")
        #expect(byLabel["Share rate"] == "1 share = 1.010101010 ETH")
        #expect(byLabel["APR (7 days)"] == "3.12%")
        #expect(byLabel["Next report"] == "epoch 450 (≈ 1 h 4 m from now at 6.4 min/epoch)")
        #expect(byLabel["Fees paid"] == "operators 0.100000 ETH, treasury 0.100000 ETH")
        #expect(byLabel["Withdrawal queue"] == "3.000000 stETH unfinalized; expected wait 225 epochs (≈ 1 d 0 h) (2 requests to date)")
        #expect(byLabel["Vaults"] == nil && byLabel["Node rewards"] == nil)
        #expect(byLabel["Bunker mode"] == "no")
        #expect(byLabel["Held report"] == "none")
        #expect(byLabel["Deposit pool"] == nil)
        #expect(LiquidView.operatorRows(steth) == [["acme", "2", "1", "0"], ["zeta", "1", "0", "0"]])

        let reth = LiquidView.poolRows(object([
            "pool": .string("reth"), "totalEthWei": amount(10 * eth), "rethSupplyWei": amount(10 * eth),
            "shareRateE27": .string("1000000000000000000000000000"), "aprBips7d": .null, "depositPoolWei": amount(eth),
            "depositFeeBips": .int(5), "lastReportEpoch": .int(0), "collateralWei": amount(eth / 2),
            "nodeRewardsWei": object(["nora": amount(eth / 100), "abe": amount(0)]), "shortfallWei": amount(0),
            "nextReportEpoch": .int(225), "reportIntervalEpochs": .int(225),
        ]), now: 0, exact: false)
        let rethRows = Dictionary(uniqueKeysWithValues: reth)
        #expect(rethRows["Exchange rate"] == "1 rETH = 1.000000000 ETH")
        #expect(rethRows["rETH supply"] == "10.000000 rETH")
        #expect(rethRows["APR (7 days)"] == "— (no reports in the last 7 days)")
        #expect(rethRows["Deposit fee"] == "0.05%")
        #expect(rethRows["Last report"] == "none yet")
        #expect(rethRows["Bunker mode"] == nil && rethRows["Withdrawal queue"] == nil && rethRows["Buffered"] == nil)
        #expect(rethRows["Node rewards"] == "abe 0.000000 ETH, nora 0.010000 ETH")
        #expect(rethRows["Collateral"]?.hasPrefix("0.500000 ETH") == true)
        #expect(rethRows["Next report"] == "epoch 225 (≈ 1 d 0 h from now at 6.4 min/epoch); every 225 epochs (≈ 1 d 0 h)")

        // The ledger sends annualisedGrowthBips as a decimal string; a number reads the same.
        let held = object(["epoch": .int(450), "reason": .string("annualised CL growth above 10%"), "annualisedGrowthBips": .string("1250")])
        #expect(LiquidView.heldReport(held, lastReport: 225)
            == "epoch 450: annualised CL growth above 10% (annualised growth 12.50%); the next report covers the whole period")
        #expect(LiquidView.heldReport(held, lastReport: 675)
            == "epoch 450: annualised CL growth above 10% (annualised growth 12.50%); covered by the report of epoch 675")
        #expect(LiquidView.heldReport(.null, lastReport: nil) == "none")
    }

    @Test func accountTokenRowsOnlyWhatIsThere() {
        #expect(LiquidView.tokenRows(object(["balanceWei": amount(1)]), exact: false).isEmpty)
        let rows = LiquidView.tokenRows(object(["stethWei": amount(eth), "stethShares": amount(eth - 1), "rethWei": amount(2 * eth),
                                                "wstethWei": .null]), exact: false)
        #expect(rows.map(\.0) == ["stETH", "rETH"])
        #expect(rows[0].1 == "1.000000 stETH (999,999,999,999,999,999 shares)")
        #expect(rows[1].1 == "2.000000 rETH")
        #expect(LiquidView.tokenRows(object(["wstethWei": amount(eth)]), exact: true).first! == ("wstETH", "1 wstETH"))
    }

    @Test func nodeDepositRows() {
        let rows = LiquidView.nodeDeposit(object(["operator": .string("dave"), "bondWei": amount(8 * eth), "commissionBips": .int(1500),
                                                  "amountGwei": .string("32000000000")]), exact: false)
        #expect(rows.map(\.1) == ["32.000000 ETH", "dave", "8.000000 ETH from the operator", "24.000000 ETH of the reth deposit pool",
                                  "15.00% of the users' share of rewards"])
    }

    @Test func tables() {
        #expect(Format.table(["A", "NUM", "LAST"], [["x", "1", "end"], ["yy", "100", "e"]], rightAligned: [1])
            == ["A   NUM  LAST", "x     1  end", "yy  100  e"])
    }

    @Test func auditWithThePools() {
        var fields: [String: JSON] = ["leftWei": amount(10), "rightWei": amount(10), "ok": .bool(false)]
        for (key, _) in Stakeline.Audit.left + Stakeline.Audit.right { fields[key] = amount(0) }
        fields["tokenChecks"] = object(["stethSharesSumToTotal": .bool(true), "wstethBackedByShares": .bool(false)])
        let failed = Stakeline.Audit.report(object(fields), exact: false)
        #expect(failed.contains { $0.hasPrefix("  EL rewards (pools):") })
        #expect(failed.contains { $0.hasPrefix("  Pools' ETH outside validators:") })
        #expect(failed.contains("Token checks: FAILED: wstethBackedByShares"))
        #expect(failed.last == "NOT consistent: ETH is conserved to the wei, but token checks failed: wstethBackedByShares")
        fields["tokenChecks"] = object(["stethSharesSumToTotal": .bool(true)])
        fields["ok"] = .bool(true)
        let good = Stakeline.Audit.report(object(fields), exact: false)
        #expect(good.contains("Token checks: 1 of 1 hold (stethSharesSumToTotal)"))
        #expect(good.last == "OK — conserved to the wei")
        // A ledger without the pools' terms: they are not shown.
        fields["elRewardsWei"] = nil
        fields["poolEtherWei"] = nil
        fields["tokenChecks"] = nil
        #expect(!Stakeline.Audit.report(object(fields), exact: false).contains { $0.contains("EL rewards") || $0.contains("Token checks") })
    }
}
