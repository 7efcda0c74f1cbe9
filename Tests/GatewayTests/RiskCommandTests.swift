import ArgumentParser
import Contracts
import Testing

@testable import StakelineGateway

/// `stakeline risk …` (PROTOCOL.md §9.9): arguments to bodies, usage errors (exit 64), and the
/// pure composition of exposure rows from the services' answers.
@Suite struct RiskCommandTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    @Test func simulateSlashArguments() throws {
        let command = try Stakeline.Risk.SimulateSlash.parse(["eigenda/1", "op", "25%"])
        #expect(try command.parsed() == [
            "avs": .string("eigenda"), "setId": .int(1), "operator": .string("op"), "wadToSlash": .amount(Self.wad / 4),
            "reason": .string("dry run"), "dryRun": .bool(true),
        ])
        for arguments in [
            ["risk", "simulate-slash", "eigenda/1", "op", "0"], ["risk", "simulate-slash", "eigenda/1", "op", "101%"],
            ["risk", "simulate-slash", "eigenda/1", "op", "1.01"], ["risk", "simulate-slash", "eigenda/1", "op", "0wad"],
            ["risk", "simulate-slash", "eigenda", "op", "0.25"], ["risk", "simulate-slash", "eigenda/1", "op"],
            ["risk", "exposure"], ["risk", "exposure", "alice", "--kind", "validator"], ["risk", "concentration", "x"],
        ] {
            do {
                _ = try Stakeline.parseAsRoot(arguments)
                Issue.record("accepted \(arguments)")
            } catch {
                #expect(Stakeline.exitCode(for: error) == ExitCode(64), "\(arguments)")
            }
        }
        for arguments in [
            ["risk", "concentration"], ["risk", "concentration", "--json"], ["risk", "exposure", "alice"],
            ["risk", "exposure", "steth", "--kind", "pool"], ["risk", "simulate-slash", "eigenda/1", "op", "100%", "--exact"],
        ] {
            #expect(throws: Never.self, "\(arguments)") { _ = try Stakeline.parseAsRoot(arguments) }
        }
    }

    @Test func ledgerQueryFromTheDryRun() {
        let dryRun: JSON = .object([
            "avs": .string("eigenda"), "setId": .int(1), "operator": .string("op"), "epoch": .int(7), "dryRun": .bool(true),
            "slashId": .int(1), "wadToSlash": .amount(Self.wad / 4),
            "strategies": .array([.object([
                "strategy": .string("steth"), "slashedMagnitudeWad": .amount(1), "wadSlashed": .amount(1),
                "previousMaxMagnitudeWad": .amount(Self.wad), "newMaxMagnitudeWad": .amount(Self.wad - 1),
            ])]),
        ])
        #expect(Stakeline.Risk.SimulateSlash.ledgerBody(dryRun) == .object([
            "avs": .string("eigenda"), "setId": .int(1), "operator": .string("op"), "epoch": .int(7),
            "strategies": .array([.object(["strategy": .string("steth"), "newMaxMagnitudeWad": .amount(Self.wad - 1)])]),
        ]))
    }

    /// `floor(shares × floor(magnitude × WAD / max) / WAD)` per set and strategy; until when.
    @Test func exposureRowsFromAllocations() {
        let allocations: JSON = .object([
            "operator": .string("op"), "epoch": .int(100),
            "sets": .array([
                .object(["avs": .string("eigenda"), "setId": .int(1), "registered": .bool(true), "slashable": .bool(true),
                         "slashableUntilEpoch": .null]),
                .object(["avs": .string("oracle"), "setId": .int(2), "registered": .bool(false), "slashable": .bool(true),
                         "slashableUntilEpoch": .int(3200)]),
                .object(["avs": .string("gone"), "setId": .int(3), "registered": .bool(false), "slashable": .bool(false),
                         "slashableUntilEpoch": .int(50)]),
            ]),
            "strategies": .array([
                .object(["strategy": .string("steth"), "maxMagnitudeWad": .amount(3 * Self.wad / 4)]),
            ]),
            "allocations": .array([
                .object(["avs": .string("eigenda"), "setId": .int(1), "strategy": .string("steth"),
                         "currentMagnitudeWad": .amount(Self.wad / 4),
                         "pending": .object(["diffWad": .string("-\(Self.wad / 8)"), "effectEpoch": .int(3251)])]),
                .object(["avs": .string("oracle"), "setId": .int(2), "strategy": .string("steth"),
                         "currentMagnitudeWad": .amount(Self.wad / 4),
                         "pending": .object(["diffWad": .string("\(Self.wad / 10)"), "effectEpoch": .int(105)])]),
                .object(["avs": .string("gone"), "setId": .int(3), "strategy": .string("steth"),
                         "currentMagnitudeWad": .amount(Self.wad / 4), "pending": .null]),
                .object(["avs": .string("eigenda"), "setId": .int(1), "strategy": .string("reth"),
                         "currentMagnitudeWad": .amount(Self.wad), "pending": .null]),
            ]),
        ])
        let shares: UInt128 = 9 * Self.wad + 3
        let rows = RiskView.exposureRows(operator: "op", allocations: allocations, holdings: ["steth": (shares, 2 * shares)])
        #expect(rows.count == 3, "reth is not held: no row")
        // 1/4 of a max of 3/4: a third of the shares, floored twice.
        let third = shares * (Self.wad / 4 * Self.wad / (3 * Self.wad / 4)) / Self.wad
        #expect(rows[0]["slashableShares"] == .amount(third))
        #expect(rows[0]["slashableValueWei"] == .amount(2 * third))
        #expect(rows[0]["untilEpoch"] == .null)
        #expect(rows[0]["deallocating"]?["untilEpoch"] == .int(3250))
        #expect(rows[0]["deallocating"]?["shares"] == .amount(shares * (Self.wad / 8 * Self.wad / (3 * Self.wad / 4)) / Self.wad))
        #expect(rows[1]["untilEpoch"] == .int(3200))
        #expect(rows[1]["allocating"] == .object(["magnitudeWad": .amount(Self.wad / 10), "fromEpoch": .int(105)]))
        #expect(rows[2]["slashable"] == .bool(false))
        #expect(rows[2]["slashableShares"] == .amount(0))
        let text = RiskView.exposure(.object([
            "subject": .string("op"), "kind": .string("operator"), "epoch": .int(100), "exposures": .array(rows),
            "withdrawals": .array([]),
        ]), exact: false)
        #expect(text.contains { $0.contains("open-ended (registered)") })
        #expect(text.contains { $0.contains("epoch 3200") })
        #expect(text.contains { $0.contains("no longer slashable") })
        #expect(text.contains { $0.contains("stay slashable through epoch 3250") })
        let none = RiskView.exposure(.object([
            "subject": .string("steth"), "kind": .string("pool"), "exposures": .array([]), "withdrawals": .array([]),
            "note": .string("its validators are not restaked: no AVS exposure"),
        ]), exact: false)
        #expect(none == ["steth (pool): its validators are not restaked: no AVS exposure"])
        let holder = RiskView.exposure(.object([
            "subject": .string("uma"), "kind": .string("account"), "exposures": .array([]), "withdrawals": .array([]),
            "note": .string("not delegated, nothing in escrow: no direct AVS exposure"),
            "throughPools": .array([.object(["pool": .string("eeth"), "eethWei": .amount(3 * Self.wad / 2), "weethWei": .amount(0)])]),
        ]), exact: false)
        #expect(holder == [
            "uma (account): not delegated, nothing in escrow: no direct AVS exposure",
            "Through the eeth pool: 1.500000 eETH and 0.000000 weETH, restaked by the pool "
                + "(stakeline risk exposure eeth; a simulate-slash shows each holder's share of the pool's loss)",
        ])
    }

    @Test func escrowedWithdrawalsStaySlashableUntilRelease() {
        let show: JSON = .object([
            "withdrawals": .array([
                .object(["id": .int(4), "operator": .string("op"), "strategy": .string("steth"), "sharesNow": .amount(5),
                         "releaseEpoch": .int(3161)]),
                .object(["id": .int(5), "operator": .string("op"), "strategy": .string("steth"), "sharesNow": .amount(5),
                         "releaseEpoch": .int(90)]),
                .object(["id": .int(6), "operator": .null, "strategy": .string("steth"), "sharesNow": .amount(5),
                         "releaseEpoch": .int(3161)]),
            ]),
        ])
        let allocations: JSON = .object(["allocations": .array([
            .object(["avs": .string("eigenda"), "setId": .int(1), "strategy": .string("steth"), "currentMagnitudeWad": .amount(1)]),
            .object(["avs": .string("eigenda"), "setId": .int(2), "strategy": .string("reth"), "currentMagnitudeWad": .amount(1)]),
        ])])
        let rows = RiskView.escrowRows(show, allocations: ["op": allocations], now: 100)
        #expect(rows == [.object([
            "id": .int(4), "operator": .string("op"), "strategy": .string("steth"), "sharesNow": .amount(5),
            "slashableUntilEpoch": .int(3160), "sets": .array([.string("eigenda/1")]),
        ])])
    }

    @Test func concentrationText() {
        let result: JSON = .object([
            "epoch": .int(20), "totalStakeWei": .amount(128 * Self.wad), "validators": .int(4),
            "operators": .array([
                .object(["name": .string("alice"), "kind": .string("solo"), "pool": .null, "validators": .int(2),
                         "stakeWei": .amount(64 * Self.wad), "shareBips": .int(5000), "atLeastOneThird": .bool(true)]),
            ]),
            "pools": .array([
                .object(["pool": .string("steth"), "validators": .int(2), "operators": .int(2), "stakeWei": .amount(64 * Self.wad),
                         "shareBips": .int(5000), "restaked": .bool(false), "atLeastOneThird": .bool(true)]),
            ]),
            "restaking": .object(["totalEtherWei": .amount(0), "operators": .array([])]),
            "warnings": .array([.string("pool steth holds at least 1/3 of all stake (a finality threat)")]),
        ])
        let lines = RiskView.concentration(result, exact: false)
        #expect(lines[0] == "Stake at epoch 20: 128.000000 ETH in 4 active validators (effective balances)")
        #expect(lines.contains { $0.contains("alice") && $0.contains("50.00%") && $0.contains("⚠ ≥ 1/3") })
        #expect(lines.last == "warning: pool steth holds at least 1/3 of all stake (a finality threat)")
    }

    @Test func simulatedText() {
        let slashing: JSON = .object([
            "avs": .string("eigenda"), "setId": .int(1), "operator": .string("op"), "epoch": .int(2), "wadToSlash": .amount(Self.wad / 4),
            "dryRun": .bool(true),
            "strategies": .array([.object([
                "strategy": .string("reth"), "previousMaxMagnitudeWad": .amount(Self.wad), "newMaxMagnitudeWad": .amount(7 * Self.wad / 8),
            ])]),
        ])
        let ledger: JSON = .object([
            "strategies": .array([.object([
                "strategy": .string("reth"), "operatorSharesBefore": .amount(18 * Self.wad), "operatorSharesAfter": .amount(15_750_000_000_000_000_000),
                "queuedSharesSlashed": .amount(Self.wad / 4), "burnedWei": .amount(5 * Self.wad / 2),
            ])]),
            "stakers": .array([.object([
                "staker": .string("alice"), "strategy": .string("reth"), "withdrawableSharesBefore": .amount(10 * Self.wad),
                "withdrawableSharesAfter": .amount(8_750_000_000_000_000_000), "lossWei": .amount(5 * Self.wad / 4),
                "lossEtherWei": .amount(1_250_938_000_000_000_000),
            ])]),
            "withdrawals": .array([]),
            "pools": .array([
                .object(["pool": .string("steth"), "restaked": .bool(false), "lossEtherWei": .amount(0)]),
                .object(["pool": .string("eeth"), "restaked": .bool(true), "lossEtherWei": .amount(3 * Self.wad), "holders": .array([
                    .object(["holder": .string("alice"), "token": .string("eeth"), "withdrawalRequest": .int(4),
                             "shares": .amount(Self.wad), "lossEtherWei": .amount(Self.wad / 2)]),
                    .object(["holder": .string("bob"), "token": .string("weeth"), "units": .amount(Self.wad), "lossEtherWei": .amount(Self.wad)]),
                    .object(["holder": .string("carol"), "token": .string("eeth"), "shares": .amount(Self.wad), "lossEtherWei": .amount(0)]),
                ])]),
            ]),
            "totalLossEtherWei": .amount(1_250_938_000_000_000_000),
        ])
        let lines = RiskView.simulated(slashing, ledger: ledger, exact: false)
        #expect(lines[0] == "Dry run: eigenda/1 slashes 25.0000% of op's allocation at epoch 2 — nothing was changed.")
        #expect(lines.contains { $0.contains("100.0000% → 87.5000%") && $0.contains("18.000000 → 15.750000") && $0.contains("2.500000 rETH") })
        #expect(lines.contains { $0.hasPrefix("alice") && $0.contains("10.000000 → 8.750000") && $0.contains("1.250938 ETH") })
        #expect(lines.contains("Pool steth: not restaked, no AVS exposure"))
        #expect(lines.contains("Pool eeth: would lose 3.000000 ETH through its restaked validators"))
        #expect(lines.contains("  alice (eETH in withdrawal request #4): −0.500000 ETH"))
        #expect(lines.contains("  bob (weETH): −1.000000 ETH"))
        #expect(!lines.contains { $0.contains("carol") }, "no loss, no line")
        #expect(lines.last == "Total: 1.250938 ETH lost by stakers and escrowed withdrawals.")
    }
}
