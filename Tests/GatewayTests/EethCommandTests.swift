import ArgumentParser
import Contracts
import Testing

@testable import StakelineGateway

/// The eeth pool's command lines (PROTOCOL.md §9.8): what each sends, and the usage errors
/// (exit 64) that send nothing.
@Suite struct EethCommandTests {
    @Test func stakeTakesEthStethOrWstethIntoEeth() throws {
        let eth = try #require(try Stakeline.parseAsRoot(["stake", "alice", "10", "--pool", "eeth"]) as? Stakeline.Stake)
        #expect(try eth.body() == ["account": .string("alice"), "pool": .string("eeth"), "amountWei": .string("10000000000000000000")])
        let steth = try #require(try Stakeline.parseAsRoot(["stake", "alice", "3", "steth", "--pool", "eeth"]) as? Stakeline.Stake)
        #expect(try steth.body()["asset"] == .string("steth"))
        let wsteth = try #require(try Stakeline.parseAsRoot(["stake", "alice", "1.5", "wsteth", "--pool", "eeth"]) as? Stakeline.Stake)
        #expect(try wsteth.body()["asset"] == .string("wsteth"))
        #expect(try wsteth.body()["amountWei"] == .string("1500000000000000000"))
        // eth is the default asset and may be named.
        let named = try #require(try Stakeline.parseAsRoot(["stake", "alice", "1", "eth", "--pool", "eeth"]) as? Stakeline.Stake)
        #expect(try named.body()["asset"] == nil)
    }

    @Test func wrapWithdrawAndPoolCommands() throws {
        let wrap = try #require(try Stakeline.parseAsRoot(["wrap", "alice", "2", "--token", "weeth"]) as? Stakeline.Wrap)
        #expect(wrap.token == .weeth)
        let unwrap = try #require(try Stakeline.parseAsRoot(["unwrap", "alice", "2", "--token", "weeth"]) as? Stakeline.Unwrap)
        #expect(unwrap.token == .weeth)
        let request = try #require(try Stakeline.parseAsRoot(["withdraw", "request", "alice", "1.5", "weeth"]) as? Stakeline.Withdraw.Request)
        #expect(try request.body() == ["account": .string("alice"), "token": .string("weeth"), "pool": .string("eeth"),
                                       "amountWei": .string("1500000000000000000")])
        let explicit = try #require(try Stakeline.parseAsRoot(["withdraw", "request", "alice", "1", "eeth", "--pool", "eeth"]) as? Stakeline.Withdraw.Request)
        #expect(try explicit.body()["pool"] == .string("eeth"))
        let steth = try #require(try Stakeline.parseAsRoot(["withdraw", "request", "alice", "1", "steth"]) as? Stakeline.Withdraw.Request)
        #expect(try steth.body()["pool"] == nil, "steth requests keep their body")
        let claim = try #require(try Stakeline.parseAsRoot(["withdraw", "claim", "3", "--pool", "eeth"]) as? Stakeline.Withdraw.Claim)
        #expect(claim.body() == ["id": .int(3), "pool": .string("eeth")])
        let stethClaim = try #require(try Stakeline.parseAsRoot(["withdraw", "claim", "3"]) as? Stakeline.Withdraw.Claim)
        #expect(stethClaim.body() == ["id": .int(3)])
        _ = try Stakeline.parseAsRoot(["pool", "show", "eeth"])
        _ = try Stakeline.parseAsRoot(["withdraw", "list", "--pool", "eeth", "--account", "alice"])
        _ = try Stakeline.parseAsRoot(["pool", "schedule", "eeth", "--report-interval", "75"])
        let set = try #require(try Stakeline.parseAsRoot([
            "pool", "set", "eeth", "--operators", "opa, opb", "--cap", "30%", "--fee", "12.5%",
        ]) as? Stakeline.Pool.Set)
        #expect(try set.body() == ["pool": .string("eeth"), "operators": .array([.string("opa"), .string("opb")]),
                                   "capBips": .int(3000), "feeBips": .int(1250)])
        let capOnly = try #require(try Stakeline.parseAsRoot(["pool", "set", "eeth", "--cap", "50"]) as? Stakeline.Pool.Set)
        #expect(try capOnly.body() == ["pool": .string("eeth"), "capBips": .int(5000)])
    }

    @Test func usageErrorsSendNothing() {
        for arguments in [
            ["stake", "alice", "1", "steth"],  // steth into steth: only eeth takes tokens
            ["stake", "alice", "1", "reth", "--pool", "eeth"], ["stake", "alice", "1", "steth", "--pool", "reth"],
            ["wrap", "alice", "1", "--token", "reth"], ["withdraw", "request", "alice", "1", "weeth", "--pool", "steth"],
            ["withdraw", "request", "alice", "1", "reth"], ["withdraw", "claim", "1", "--pool", "ufo"],
            ["pool", "set", "eeth"], ["pool", "set", "steth", "--cap", "30%"], ["pool", "set", "eeth", "--cap", "101%"],
            ["pool", "set", "eeth", "--fee", "ten"], ["pool", "set", "eeth", "--cap", "1.234%"], ["pool", "set", "eeth", "--operators", "a,,b"],
            ["pool", "set", "ufo", "--cap", "30%"],
        ] {
            do {
                _ = try Stakeline.parseAsRoot(arguments)
                Issue.record("accepted \(arguments)")
            } catch {
                #expect(Stakeline.exitCode(for: error) == ExitCode(64), "\(arguments)")
            }
        }
    }

    @Test func percentages() throws {
        #expect(try InputParsing.percentBips("30%", name: "--cap") == 3000)
        #expect(try InputParsing.percentBips("30", name: "--cap") == 3000)
        #expect(try InputParsing.percentBips("0.5%", name: "--fee") == 50)
        #expect(try InputParsing.percentBips("100%", name: "--cap") == 10_000)
        #expect(throws: InputError("--cap '100.5%' is above 100%")) { try InputParsing.percentBips("100.5%", name: "--cap") }
        #expect(throws: InputError("--fee '%' is not a percentage such as 30% or 12.5%")) { try InputParsing.percentBips("%", name: "--fee") }
    }

    @Test func poolViewShowsLayersOperatorsAndNegativeRebases() {
        let pool: JSON = .object([
            "pool": .string("eeth"), "totalPooledWei": .string("70000000000000000000"), "totalShares": .string("69000000000000000000"),
            "shareRateE27": .string("1014492753623188405797101449"), "valueNowWei": .string("70000000000000000000"),
            "valueByLayer": .object(["bufferWei": .string("6000000000000000000"), "restakedWei": .string("64000000000000000000")]),
            "policy": .object(["operators": .array([.string("opa"), .string("opb")]), "capBips": .int(6000), "feeBips": .int(1000)]),
            "withdrawalQueue": .object(["unfinalizedWei": .string("0"), "expectedWaitEpochs": .int(3600), "includesRestakingEscrow": .bool(true)]),
            "lastNegativeRebase": .object(["epoch": .int(100), "lossWei": .string("15000000000000000000")]),
            "reports": .array([.object([
                "epoch": .int(100), "valueWei": .string("55000000000000000000"), "shareRateAfterE27": .string("800000000000000000000000000"),
                "negativeRebase": .bool(true), "lossWei": .string("15000000000000000000"), "treasuryFeeWei": .string("0"),
                "finalizedThrough": .int(0), "exitsRequested": .array([]),
            ])]),
            "operators": .array([.object([
                "operator": .string("opa"), "inPolicy": .bool(true), "validators": .array([.int(0)]), "stakeWei": .string("32000000000000000000"),
                "stakeShareBips": .int(5000), "withdrawableShares": .string("16000000000000000000"),
                "maxMagnitudeWad": .string("500000000000000000"), "beaconChainSlashingFactorWad": .string("1000000000000000000"),
            ])]),
        ])
        let rows = Dictionary(EethView.poolRows(pool, now: 90, exact: false), uniquingKeysWith: { a, _ in a })
        #expect(rows["Policy"] == "opa, opb, spread evenly, cap 60.00% each, fee 10.00% of rewards")
        #expect(rows["  buffer"] == "6.000000 ETH")
        #expect(rows["Last negative rebase"] == "epoch 100: −15.000000 ETH")
        #expect(rows["Withdrawal queue"]?.contains("3150-epoch restaking escrow") == true)
        let operators = EethView.operatorRows(pool, exact: false)
        #expect(operators.first?.first == "opa" && operators.first?[5] == "50.0000%")
        let reports = EethView.reportRows(pool, exact: false)
        #expect(reports.first?[3].hasSuffix("(negative rebase)") == true)
    }

    @Test func stakeAndWithdrawalLinesNameEethAndTheEscrow() {
        let staked: JSON = .object([
            "account": .string("bob"), "pool": .string("eeth"), "asset": .string("steth"), "amountWei": .string("3000000000000000000"),
            "valueWei": .string("2999999999999999999"), "sharesMinted": .string("2900000000000000000"),
            "balanceWei": .string("2999999999999999998"), "validatorsFunded": .array([]), "delegated": .array([]),
        ])
        let lines = LiquidView.stake(staked, pool: .eeth, exact: false)
        #expect(lines.first == "bob staked 3.000000 stETH into eeth (liquid restaking, ether.fi-style)")
        #expect(lines.contains { $0.contains("the pool holds the stETH") })
        #expect(lines.contains { $0.contains("steth worth 2.999999 ETH") })
        #expect(lines.contains { $0.contains("eETH balance") && $0.contains("2.999999 eETH") })
        let requested: JSON = .object([
            "account": .string("alice"), "pool": .string("eeth"), "token": .string("weeth"), "amountWei": .string("2000000000000000000"),
            "eethWei": .string("2100000000000000000"), "expectedFinalizationEpoch": .int(3900), "includesRestakingEscrow": .bool(true),
            "requests": .array([.object(["id": .int(1), "amountWei": .string("2100000000000000000"), "shares": .string("2000000000000000000")])]),
        ])
        let text = LiquidView.withdrawalRequested(requested, account: "alice", asked: 2_000_000_000_000_000_000, token: .weeth,
                                                  now: 100, exact: false)
        #expect(text[0] == "alice requested a withdrawal of 2.000000 weETH (unwrapped first to 2.100000 eETH)")
        #expect(text[1].hasPrefix("  Request 1: 2.100000 eETH"))
        #expect(text.contains { $0.contains("3150-epoch restaking escrow") })
        #expect(text.last?.contains("stakeline withdraw claim 1 --pool eeth") == true)
    }
}
