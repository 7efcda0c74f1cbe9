import ArgumentParser
import Contracts
import Testing

@testable import StakelineGateway

private let e18: UInt128 = 1_000_000_000_000_000_000
private func amount(_ value: UInt128) -> JSON { .amount(value) }

/// `stakeline restake …`, `avs slash`, `avs rewards submit`, `rewards show|claim` (PROTOCOL.md
/// §9.7): command lines to bodies, usage errors before anything is sent, and the views of
/// hand-written results shaped as §9.7 says.
@Suite struct RestakingBalancesParsingTests {
    @Test func depositBody() throws {
        let deposit = try Stakeline.Restake.Deposit.parse(["alice", "10.5", "stETH"])
        #expect(try deposit.parsed() == [
            "account": .string("alice"), "strategy": .string("steth"), "amountWei": amount(10 * e18 + e18 / 2),
        ])
        let reth = try Stakeline.Restake.Deposit.parse(["bob", "0.000000000000000001", "reth"])
        #expect(try reth.parsed()["amountWei"] == .string("1"))
    }

    @Test func queueTakesSharesAsDecimalsOrRaw() throws {
        let decimal = try Stakeline.Restake.Withdraw.Queue.parse(["alice", "steth", "1.5"])
        #expect(try decimal.parsed() == [
            "account": .string("alice"), "strategy": .string("steth"), "depositShares": .string("1500000000000000000"),
        ])
        let raw = try Stakeline.Restake.Withdraw.Queue.parse(["alice", "native", "32000000000", "--raw"])
        #expect(try raw.parsed()["depositShares"] == .string("32000000000"))
        #expect(try raw.parsed()["strategy"] == .string("native"))
    }

    @Test func completeTakesTheModeAsAsAndTheActorAsActor() throws {
        let complete = try Stakeline.Restake.Withdraw.Complete.parse(["alice", "4", "--as", "shares", "--actor", "ops", "--json"])
        #expect(complete.mode == .shares && complete.id == 4)
        let global = try complete.options.global()
        #expect(global.actor == "ops" && global.json && !global.exact && global.attempts == 3 && global.config == nil && global.timeoutMs == nil)
        let plain = try Stakeline.Restake.Withdraw.Complete.parse(["alice", "4", "--as", "tokens", "--timeout-ms", "50", "--exact",
                                                                   "--config", "/tmp/x.json", "--attempts", "2"])
        let options = try plain.options.global()
        #expect(plain.mode == .tokens && options.actor == nil && options.timeoutMs == 50 && options.exact && options.config == "/tmp/x.json"
            && options.attempts == 2 && !options.json)
        // An actor that looks like an option is still the actor.
        #expect(try Stakeline.Restake.Withdraw.Complete.parse(["alice", "4", "--as", "tokens", "--actor=-x"]).options.global().actor == "-x")
        #expect(throws: (any Error).self) { _ = try Stakeline.Restake.Withdraw.Complete.parse(["alice", "4", "--as", "tokens", "--attempts", "0"]) }
    }

    @Test func slashBody() throws {
        let wad = e18
        for (text, expected) in [("0.25", wad / 4), ("25%", wad / 4), ("1", wad), ("100%", wad), ("1wad", 1),
                                 ("250000000000000000wad", wad / 4), ("0.000000000000000001", 1)] {
            #expect(try InputParsing.slashFraction(text) == expected, "\(text)")
        }
        let slash = try Stakeline.AVS.Slash.parse(["eigenda/1", "op1", "25%", "--reason", "double signing"])
        #expect(try slash.parsed() == [
            "avs": .string("eigenda"), "setId": .int(1), "operator": .string("op1"), "wadToSlash": amount(wad / 4),
            "reason": .string("double signing"),
        ])
    }

    @Test func submitBody() throws {
        let submit = try Stakeline.AVS.RewardsCommand.Submit.parse(["eigenda/2", "10", "ETH", "--epochs", "225"])
        #expect(try submit.parsed() == [
            "avs": .string("eigenda"), "setId": .int(2), "amountWei": amount(10 * e18), "epochs": .int(225),
        ])
    }

    @Test func refusalsSayWhatWasExpected() {
        let cases: [(() throws(InputError) -> Void, String)] = [
            ({ () throws(InputError) in _ = try InputParsing.restakeAsset("native", native: false) },
             "native ETH is not deposited: point a validator at the account's pod with 'stakeline restake native <account> <validator>'"),
            ({ () throws(InputError) in _ = try InputParsing.restakeAsset("eth", native: true) },
             "asset 'eth' is not a restaking strategy; use native, steth, wsteth or reth"),
            ({ () throws(InputError) in _ = try InputParsing.restakeAsset("doge", native: false) }, "asset 'doge' is not a restaking strategy; use steth, wsteth or reth"),
            ({ () throws(InputError) in _ = try InputParsing.restakeShares("0", raw: false) }, "deposit-shares must be more than 0"),
            ({ () throws(InputError) in _ = try InputParsing.restakeShares("0", raw: true) }, "deposit-shares must be more than 0"),
            ({ () throws(InputError) in _ = try InputParsing.restakeShares("1.5", raw: true) },
             "deposit-shares '1.5' with --raw must be a whole number of base units (10^-18 share), digits only"),
            ({ () throws(InputError) in _ = try InputParsing.restakeShares("1e18", raw: false) },
             "deposit-shares '1e18' must be a number of shares such as 1.5 (at most 18 decimals), or base units with --raw "
                + "(as 'stakeline restake show --json' gives them)"),
            ({ () throws(InputError) in _ = try InputParsing.restakeShares("340282366920938463463374607431768211456", raw: true) },
             "deposit-shares '340282366920938463463374607431768211456' is too large"),
            ({ () throws(InputError) in _ = try InputParsing.restakeShares("340282366920938463464", raw: false) }, "deposit-shares '340282366920938463464' is too large"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("0") }, "fraction '0' is zero: a slash must take something (at least 1wad)"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("0%") }, "fraction '0%' is zero: a slash must take something (at least 1wad)"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("100.01%") },
             "fraction '100.01%' is above 100 %: a slash takes at most the whole allocation (1, 100% or 1000000000000000000wad)"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("1000000000000000001wad") },
             "fraction '1000000000000000001wad' is above 100 %: a slash takes at most the whole allocation (1, 100% or 1000000000000000000wad)"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("quarter") },
             "fraction 'quarter' must be a fraction of the operator's allocation: 0.25, a percentage (25%) or a raw WAD (250000000000000000wad)"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("wad") },
             "fraction 'wad' must be a fraction of the operator's allocation: 0.25, a percentage (25%) or a raw WAD (250000000000000000wad)"),
            ({ () throws(InputError) in _ = try InputParsing.slashFraction("-0.1") },
             "fraction '-0.1' must be a fraction of the operator's allocation: 0.25, a percentage (25%) or a raw WAD (250000000000000000wad)"),
            ({ () throws(InputError) in _ = try InputParsing.rewardsToken("steth") },
             "AVS rewards are paid in ETH only (from the AVS's ETH in the books): 'steth' is not accepted; write the amount followed by eth, e.g. 10 eth"),
            ({ () throws(InputError) in _ = try InputParsing.positiveAmount("0.0") }, "amount must be more than 0"),
        ]
        for (index, (body, message)) in cases.enumerated() {
            #expect(throws: InputError(message), "case \(index)") { try body() }
        }
    }

    @Test func badCommandLinesExit64BeforeAnythingIsSent() throws {
        for arguments in [
            ["restake", "deposit", "alice", "1", "native"], ["restake", "deposit", "alice", "0", "steth"],
            ["restake", "deposit", "alice", "1", "eth"], ["restake", "deposit", "alice", "1,5", "steth"],
            ["restake", "deposit", "alice", "1"], ["restake", "native", "alice", "x"], ["restake", "native", "alice"],
            ["restake", "checkpoint"],
            ["restake", "withdraw", "queue", "alice", "steth", "0"], ["restake", "withdraw", "queue", "alice", "steth", "1.5", "--raw"],
            ["restake", "withdraw", "queue", "alice", "doge", "1"], ["restake", "withdraw", "queue", "alice", "steth", "-1"],
            ["restake", "withdraw", "complete", "alice", "4"], ["restake", "withdraw", "complete", "alice", "4", "--as", "eth"],
            ["restake", "withdraw", "complete", "alice", "x", "--as", "tokens"],
            ["restake", "show"],
            ["avs", "slash", "eigenda/1", "op1", "0", "--reason", "x"], ["avs", "slash", "eigenda/1", "op1", "101%", "--reason", "x"],
            ["avs", "slash", "eigenda/1", "op1", "1.01", "--reason", "x"], ["avs", "slash", "eigenda/1", "op1", "0.25"],
            ["avs", "slash", "eigenda/1", "op1", "0.25", "--reason", " "], ["avs", "slash", "eigenda", "op1", "0.25", "--reason", "x"],
            ["avs", "rewards", "submit", "eigenda/1", "10", "steth", "--epochs", "5"], ["avs", "rewards", "submit", "eigenda/1", "10", "eth"],
            ["avs", "rewards", "submit", "eigenda/1", "10", "eth", "--epochs", "0"],
            ["avs", "rewards", "submit", "eigenda/1", "10", "eth", "--epochs", "10001"],
            ["avs", "rewards", "submit", "eigenda/1", "0", "eth", "--epochs", "5"],
            ["rewards", "show"], ["rewards", "claim"],
        ] {
            do {
                _ = try Stakeline.parseAsRoot(arguments)
                Issue.record("accepted \(arguments)")
            } catch {
                #expect(Stakeline.exitCode(for: error) == ExitCode(64), "\(arguments)")
            }
        }
        for arguments in [
            ["restake", "deposit", "alice", "10", "steth"], ["restake", "deposit", "alice", "0.5", "wsteth", "--json"],
            ["restake", "native", "alice", "3"], ["restake", "checkpoint", "alice"],
            ["restake", "withdraw", "queue", "alice", "native", "32"], ["restake", "withdraw", "queue", "alice", "reth", "1", "--raw"],
            ["restake", "withdraw", "complete", "alice", "4", "--as", "tokens"],
            ["restake", "withdraw", "complete", "alice", "4", "--as", "shares", "--actor", "root"],
            ["restake", "show", "alice", "--exact"],
            ["avs", "slash", "eigenda/1", "op1", "25%", "--reason", "equivocation"],
            ["avs", "slash", "eigenda/1", "op1", "1wad", "--reason", "x", "--as", "eigenda"],
            ["avs", "rewards", "submit", "eigenda/1", "10", "eth", "--epochs", "225"],
            ["rewards", "show", "alice", "--json"], ["rewards", "claim", "alice"],
        ] {
            _ = try Stakeline.parseAsRoot(arguments)
        }
    }
}

@Suite struct RestakingBalancesViewTests {
    /// `ledger.restake.show` of a staker with two positions, a pod, a slashed BCSF and two
    /// queued withdrawals (one released).
    static let show: JSON = .object([
        "account": .string("alice"), "epoch": .int(4000), "delegatedTo": .string("op1"),
        "beaconChainSlashingFactorWad": amount(968_750_000_000_000_000),
        "positions": .array([
            .object(["strategy": .string("steth"), "depositShares": amount(10 * e18), "depositScalingFactorWad": amount(e18),
                     "withdrawableShares": amount(7_500_000_000_000_000_000), "valueWei": amount(7_612_345_678_901_234_567)]),
            .object(["strategy": .string("native"), "depositShares": amount(32 * e18), "depositScalingFactorWad": amount(e18),
                     "withdrawableShares": amount(31 * e18), "valueWei": amount(31 * e18)]),
        ]),
        "pod": .object(["validators": .array([.int(3), .int(5)]), "restakedWei": amount(64 * e18), "podWei": amount(e18 / 2),
                        "lastCheckpointEpoch": .int(3900)]),
        "withdrawals": .array([
            .object(["id": .int(1), "strategy": .string("steth"), "operator": .string("op1"), "depositShares": amount(e18),
                     "scaledShares": amount(e18), "sharesNow": amount(750_000_000_000_000_000), "startEpoch": .int(100),
                     "releaseEpoch": .int(3251), "completable": .bool(true)]),
            .object(["id": .int(2), "strategy": .string("native"), "operator": .null, "depositShares": amount(2 * e18),
                     "scaledShares": amount(2 * e18), "sharesNow": amount(2 * e18), "startEpoch": .int(3990),
                     "releaseEpoch": .int(7141), "completable": .bool(false)]),
        ]),
    ])

    @Test func showHasPositionsPodAndWithdrawalsWithTheirRelease() {
        let lines = RestakeView.show(Self.show, exact: false)
        #expect(lines == [
            "Restaking of alice (epoch 4000)",
            "Delegated to:                 op1",
            "Beacon chain slashing factor: 96.8750% (pod losses scale the native shares' value down)",
            "Pod:                          2 validators (3, 5); restaked 64.000000 ETH, 0.500000 ETH swept into it; last checkpoint epoch 3900",
            "",
            "STRATEGY  DEPOSIT SHARES  WITHDRAWABLE SHARES      VALUE  UNIT",
            "steth          10.000000             7.500000   7.612345  stETH",
            "native         32.000000            31.000000  31.000000  ETH",
            "",
            "Queued withdrawals (escrowed 3151 epochs ≈ 14 d 0 h and slashable until released):",
            "ID  STRATEGY  OPERATOR  DEPOSIT SHARES  SHARES NOW  QUEUED  RELEASE  STATUS",
            " 1  steth     op1             1.000000    0.750000     100     3251  completable now",
            " 2  native    —               2.000000    2.000000    3990     7141  in 3141 epochs (≈ 13 d 23 h)",
            "Complete: stakeline restake withdraw complete alice 1 --as tokens|shares",
        ])
    }

    @Test func showLeavesOutAFullSlashingFactorAndSaysWhatToDoWhenEmpty() {
        let empty: JSON = .object([
            "account": .string("bob"), "epoch": .int(7), "delegatedTo": .null, "beaconChainSlashingFactorWad": amount(e18),
            "positions": .array([]), "pod": .null, "withdrawals": .array([]),
        ])
        #expect(RestakeView.show(empty, exact: false) == [
            "Restaking of bob (epoch 7)",
            "Delegated to: nobody",
            "No restaked positions (stakeline restake deposit bob <amount> steth|wsteth|reth).",
        ])
    }

    @Test func exactShowsEveryWei() {
        let lines = RestakeView.show(Self.show, exact: true)
        #expect(lines.contains("steth                 10                  7.5  7.612345678901234567  stETH"))
    }

    /// An event-shaped result: `stakes` and `operatorShares` after the change.
    static func stakes(_ staker: String, _ strategy: String, operator name: String?, deposit: UInt128, withdrawable: UInt128) -> [String: JSON] {
        [
            "stakes": .array([.object([
                "staker": .string(staker), "operator": name.map { .string($0) } ?? .null, "strategy": .string(strategy),
                "depositShares": amount(deposit), "scaledShares": amount(deposit), "withdrawableShares": amount(withdrawable),
            ])]),
            "operatorShares": .array(name.map { [.object(["operator": .string($0), "strategy": .string(strategy), "shares": amount(110 * e18)])] } ?? []),
        ]
    }

    @Test func depositShowsSharesAndDelegation() {
        var fields = Self.stakes("alice", "steth", operator: "op1", deposit: 10 * e18, withdrawable: 10 * e18)
        fields.merge(["account": .string("alice"), "strategy": .string("steth"), "amountWei": amount(10 * e18),
                      "shares": amount(9_999_999_999_999_999_999), "seq": .int(12)]) { $1 }
        #expect(RestakeView.deposited(.object(fields), exact: false) == [
            "alice restaked 10.000000 stETH into the steth strategy: 9.999999 shares minted",
            "  Deposit shares:      10.000000 (steth)",
            "  Withdrawable shares: 10.000000",
            "  Delegated to:        op1 (its steth shares now 110.000000)",
        ])
        var undelegated = Self.stakes("carol", "reth", operator: nil, deposit: e18, withdrawable: e18)
        undelegated.merge(["account": .string("carol"), "strategy": .string("reth"), "amountWei": amount(e18), "shares": amount(e18)]) { $1 }
        #expect(RestakeView.deposited(.object(undelegated), exact: false).last == "  Delegated to:        nobody (stakeline delegate carol <operator>)")
    }

    @Test func queuedWithdrawalSaysWhenItReleases() {
        let result: JSON = .object([
            "withdrawal": .object(["id": .int(7), "staker": .string("alice"), "operator": .string("op1"), "strategy": .string("steth"),
                                   "depositShares": amount(e18 + e18 / 2), "scaledShares": amount(e18 + e18 / 2),
                                   "startEpoch": .int(100), "releaseEpoch": .int(3251)]),
            "stakes": .array([]), "operatorShares": .array([]), "seq": .int(40),
        ])
        #expect(RestakeView.withdrawalQueued(result, exact: false) == [
            "Withdrawal 7 queued: 1.500000 steth deposit shares of alice",
            "  Operator:      op1: the withdrawal stays slashable by its operator sets through epoch 3250",
            "  Scaled shares: 1.500000",
            "  Completable:   from epoch 3251, in 3151 epochs (≈ 14 d 0 h)",
            "Then: stakeline restake withdraw complete alice 7 --as tokens (or --as shares to restake them)",
        ])
    }

    @Test func completedWithdrawal() {
        let tokens: JSON = .object(["id": .int(7), "account": .string("alice"), "strategy": .string("steth"), "as": .string("tokens"),
                                    "shares": amount(e18), "amountWei": amount(1_012_000_000_000_000_000)])
        #expect(RestakeView.withdrawalCompleted(tokens, exact: false)
            == ["Withdrawal 7 completed as tokens: 1.000000 steth shares paid out as 1.012000 stETH to alice (from the steth strategy)"])
        var shares = Self.stakes("alice", "native", operator: "op2", deposit: 3 * e18, withdrawable: 3 * e18)
        shares.merge(["id": .int(8), "account": .string("alice"), "strategy": .string("native"), "as": .string("shares"),
                      "shares": amount(e18)]) { $1 }
        let lines = RestakeView.withdrawalCompleted(.object(shares), exact: false)
        #expect(lines.first == "Withdrawal 8 completed as shares: 1.000000 native shares deposited again for alice")
        #expect(lines.last == "  Delegated to:        op2 (its native shares now 110.000000)")
    }

    @Test func checkpointWithALoss() {
        let result: JSON = .object([
            "account": .string("alice"), "previousRestakedWei": amount(64 * e18), "restakedWei": amount(62 * e18),
            "sharesAdded": amount(0), "decreaseWei": amount(2 * e18), "beaconChainSlashingFactorWad": amount(968_750_000_000_000_000),
            "operatorSharesRemoved": amount(2 * e18), "reason": .string("validator_slashed"), "stakes": .array([]), "operatorShares": .array([]),
        ])
        #expect(RestakeView.checkpointed(result, exact: false) == [
            "Checkpoint of alice's pod (started by a beacon-chain slashing): restaked balance 64.000000 ETH → 62.000000 ETH",
            "  Decrease:        2.000000 ETH",
            "  Slashing factor: 96.8750% (beacon chain: scales the native shares' withdrawable value)",
            "  Operator shares: −2.000000 native shares of its operator",
        ])
    }

    @Test func slashShowsMagnitudesAndWhatTheLedgerBurned() {
        let result: JSON = .object([
            "avs": .string("eigenda"), "setId": .int(1), "operator": .string("op1"), "epoch": .int(120), "slashId": .int(1),
            "reason": .string("equivocation"), "wadToSlash": amount(e18 / 4), "seq": .int(30),
            "strategies": .array([
                .object(["strategy": .string("steth"), "slashedMagnitudeWad": amount(e18 / 8), "wadSlashed": amount(e18 / 8),
                         "previousMaxMagnitudeWad": amount(e18), "newMaxMagnitudeWad": amount(e18 - e18 / 8)]),
                .object(["strategy": .string("native"), "slashedMagnitudeWad": amount(e18 / 4), "wadSlashed": amount(e18 / 4),
                         "previousMaxMagnitudeWad": amount(e18), "newMaxMagnitudeWad": amount(3 * e18 / 4)]),
            ]),
        ])
        let ledger: [JSON] = [.object(["avs": .string("eigenda"), "setId": .int(1), "epoch": .int(120), "strategy": .string("steth"),
                                       "operatorSharesSlashed": amount(5 * e18), "queuedSharesSlashed": amount(e18 / 10),
                                       "burnedWei": amount(5_100_000_000_000_000_000)])]
        #expect(RestakeView.slashed(result, ledger: ledger, exact: false) == [
            "eigenda slashed op1 by 25.0000% of its allocation to eigenda/1 at epoch 120 (slash 1)",
            "Reason: equivocation",
            "STRATEGY  MAX MAGNITUDE         OPERATOR SHARES SLASHED  QUEUED SHARES SLASHED    BURNED  UNIT",
            "steth     100.0000% → 87.5000%                 5.000000               0.100000  5.100000  stETH",
            "native    100.0000% → 75.0000%                        —                      —         —  ETH",
            "Native ETH slashed stays in the validators and pods, never withdrawable.",
        ])
    }

    @Test func operatorLedgerFigures() {
        let view: JSON = .object([
            "operator": .string("op1"), "delegators": .int(2),
            "strategies": .array([.object(["strategy": .string("steth"), "shares": amount(105 * e18), "maxMagnitudeWad": amount(e18 - e18 / 8),
                                           "valueWei": amount(106 * e18)])]),
            "slashes": .array([.object(["avs": .string("eigenda"), "setId": .int(1), "epoch": .int(120), "strategy": .string("steth"),
                                        "operatorSharesSlashed": amount(5 * e18), "queuedSharesSlashed": amount(0), "burnedWei": amount(5 * e18)])]),
        ])
        #expect(RestakeView.operatorLedger(view, exact: false) == [
            "Delegated stake (ledger):",
            "  STRATEGY  DELEGATED SHARES  MAX MAGNITUDE       VALUE  UNIT",
            "  steth           105.000000       87.5000%  106.000000  stETH",
            "Delegators: 2",
            "Slashing history:",
            "  EPOCH  SET        STRATEGY  OPERATOR SHARES SLASHED  QUEUED SHARES SLASHED    BURNED  UNIT",
            "    120  eigenda/1  steth                    5.000000               0.000000  5.000000  stETH",
        ])
        #expect(RestakeView.operatorLedger(.object(["operator": .string("op2"), "strategies": .array([]), "slashes": .array([])]), exact: false)
            == ["Delegated stake: none", "Slashing history: none"])
    }

    @Test func avsFiguresAndTheirAbsence() {
        let slash: JSON = .object(["operator": .string("op1"), "avs": .string("eigenda"), "setId": .int(1), "epoch": .int(120),
                                   "strategy": .string("native"), "operatorSharesSlashed": amount(8 * e18),
                                   "queuedSharesSlashed": amount(0), "burnedWei": amount(8 * e18)])
        let submission: JSON = .object(["submission": .int(57), "setId": .int(1), "amountWei": amount(10 * e18), "epochs": .int(100),
                                        "startEpoch": .int(130), "distributedWei": amount(e18), "undistributedWei": amount(0),
                                        "remainingEpochs": .int(90)])
        #expect(RestakeView.avsFigures(avs: "eigenda", slashes: [slash], submissions: [submission], notes: [], exact: false) == [
            "Slashings (as the ledger applied them):",
            "  OPERATOR  EPOCH  SET        STRATEGY  OPERATOR SHARES SLASHED  QUEUED SHARES SLASHED    BURNED  UNIT",
            "  op1         120  eigenda/1  native                   8.000000               0.000000  8.000000  ETH",
            "Rewards submissions (ETH):",
            "  SUBMISSION  SET           AMOUNT  EPOCHS  START  DISTRIBUTED  UNDISTRIBUTED  REMAINING",
            "          57  eigenda/1  10.000000     100    130     1.000000       0.000000         90",
        ])
        // A service that does not know the query yet: only its note.
        #expect(RestakeView.avsFigures(avs: "eigenda", slashes: nil, submissions: [], notes: ["(the ledger does not report restaking slashes yet)"],
                                       exact: false) == [
            "Rewards submissions: none (stakeline avs rewards submit eigenda/<id> <amount> eth --epochs N)",
            "(the ledger does not report restaking slashes yet)",
        ])
    }

    @Test func rewardsShowClaimableClaimedAndBySource() {
        let result: JSON = .object([
            "account": .string("alice"), "epoch": .int(300), "claimableWei": amount(123_456_789_000_000_000), "claimedWei": amount(e18 / 2),
            "sources": .array([
                .object(["avs": .string("eigenda"), "setId": .int(1), "role": .string("delegator"), "accruedWei": amount(600_000_000_000_000_000),
                         "claimedWei": amount(e18 / 2)]),
                .object(["avs": .string("oracle"), "setId": .int(7), "role": .string("operator"), "accruedWei": amount(23_456_789_000_000_000),
                         "claimedWei": amount(0)]),
            ]),
        ])
        #expect(RestakeView.rewards(result, exact: false) == [
            "AVS rewards of alice (epoch 300)",
            "Claimable:       0.123456 ETH",
            "Claimed to date: 0.500000 ETH",
            "",
            "SOURCE     ROLE       ACCRUED (ETH)  CLAIMED (ETH)",
            "eigenda/1  delegator       0.600000       0.500000",
            "oracle/7   operator        0.023456       0.000000",
            "Claim: stakeline rewards claim alice",
        ])
    }

    @Test func claimSaysWhatWasCredited() {
        let result: JSON = .object(["account": .string("alice"), "amountWei": amount(123_456_789_000_000_000), "seq": .int(9),
                                    "bySource": .array([.object(["avs": .string("eigenda"), "setId": .int(1), "amountWei": amount(123_456_789_000_000_000)])])])
        let balance: JSON = .object(["account": .string("alice"), "balanceWei": amount(3 * e18 + 123_456_789_000_000_000)])
        #expect(RestakeView.claimed(result, balance: balance, exact: false) == [
            "Claimed 0.123456 ETH of AVS rewards for alice: credited to its ETH in the books; balance now 3.123456 ETH",
            "  SOURCE     AMOUNT (ETH)",
            "  eigenda/1      0.123456",
        ])
        // The eeth pool's claim for a pod-staker goes into the pool, not to an account's ETH.
        let pool: JSON = .object(["account": .string("pool:eeth/opa"), "amountWei": amount(e18), "seq": .int(9)])
        #expect(RestakeView.claimed(pool, balance: nil, exact: false) == [
            "Claimed 1.000000 ETH of AVS rewards for pool:eeth/opa: into the eeth pool's AVS-rewards vault (its buffer at the next report)",
        ])
    }

    @Test func fundedSaysOverHowLong() {
        let result: JSON = .object(["submission": .int(57), "avs": .string("eigenda"), "setId": .int(1), "amountWei": amount(10 * e18),
                                    "epochs": .int(225), "seq": .int(57)])
        let submission: JSON = .object(["submission": .int(57), "setId": .int(1), "startEpoch": .int(130)])
        #expect(RestakeView.funded(result, submission: submission, exact: false) == [
            "eigenda funded 10.000000 ETH of rewards for eigenda/1 over 225 epochs (≈ 1 d 0 h) (submission 57)",
            "  Paid out from epoch 130, ≈ 0.044444 ETH an epoch to the set's operators and their stakers, by slashable stake",
            "  Held in escrow until claimed: stakeline rewards show <account>",
        ])
    }

    @Test func aWithdrawalNotReleasedSaysHowLongIsLeft() {
        #expect(RestakeView.releaseHint(Self.show, id: 2) == "releases at epoch 7141, in 3141 epochs (≈ 13 d 23 h): stakeline epochs advance 3141")
        #expect(RestakeView.releaseHint(Self.show, id: 1) == nil)
        #expect(RestakeView.releaseHint(Self.show, id: 9) == nil)
    }

    @Test func wadPercentages() {
        #expect(RestakeView.percent(wad: e18) == "100.0000%")
        #expect(RestakeView.percent(wad: 0) == "0.0000%")
        #expect(RestakeView.percent(wad: 968_750_000_000_000_000) == "96.8750%")
        #expect(RestakeView.percent(wad: 100_000_000_000_000) == "0.0100%")
        #expect(RestakeView.percent(wad: 99_999_999_999_999) == "0.0099%")
    }
}

@Suite struct RestakingAuditReportTests {
    func audit(restakingOK: Bool, strategyOK: Bool) -> JSON {
        var fields: [String: JSON] = ["leftWei": .string("10"), "rightWei": .string("10"), "ok": .bool(restakingOK)]
        for (key, _) in Stakeline.Audit.left + Stakeline.Audit.right { fields[key] = .string("0") }
        fields["restaking"] = .object([
            "strategies": .object([
                "steth": .object([
                    "balanceUnits": .string("8500000000000000000"), "totalShares": .string("8500000000000000000"),
                    "withdrawableShares": .string("4250000000000000000"), "queuedShares": .string("4250000000000000000"),
                    "burnedUnits": .string("1500000000000000000"), "ok": .bool(strategyOK),
                ]),
                // Never used: not shown.
                "reth": .object(["totalShares": .string("0"), "burnedUnits": .string("0"), "ok": .bool(true)]),
            ]),
            "native": .object([
                "restakedWei": .string("32000000000000000000"), "withdrawableShares": .string("28000000000000000000"),
                "queuedShares": .string("0"), "nativeBurnedWei": .string("4000000000000000000"),
            ]),
            "operatorSharesBackStakers": .bool(restakingOK),
            "ok": .bool(restakingOK),
        ])
        return .object(fields)
    }

    @Test("the audit shows pods, the rewards escrow and each used strategy; a failed restaking check is named")
    func restakingPart() {
        let good = Stakeline.Audit.report(audit(restakingOK: true, strategyOK: true), exact: false)
        #expect(good.contains { $0.hasPrefix("  Restaking pods' ETH:") })
        #expect(good.contains { $0.hasPrefix("  AVS rewards escrow:") })
        #expect(good.contains("  steth: holds 8.500000 stETH for 8.500000 shares (withdrawable 4.250000, queued 4.250000); burned 1.500000 stETH — ok"))
        #expect(good.contains("  native: 32.000000 ETH restaked (withdrawable 28.000000, queued 0.000000); slashed for good 4.000000 ETH"))
        #expect(!good.contains { $0.hasPrefix("  reth:") })
        #expect(good.last == "OK — conserved to the wei")
        let bad = Stakeline.Audit.report(audit(restakingOK: false, strategyOK: false), exact: false)
        #expect(bad.contains { $0.hasPrefix("  steth:") && $0.hasSuffix("— FAILED") })
        #expect(bad.contains("  FAILED: an operator's shares are below its delegators' withdrawable shares"))
        #expect(bad.last == "NOT consistent: ETH is conserved to the wei, but token checks failed: restaking")
    }
}
