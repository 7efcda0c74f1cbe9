import ArgumentParser
import Contracts
import Testing

@testable import StakelineGateway

/// `stakeline operator …`: arguments to command bodies, natural actors, table rows.
@Suite struct OperatorCommandTests {
    @Test func registerBuildsTheBodyInProtocolUnits() throws {
        let steth = try Stakeline.Operator.Register.parse(["lido-a", "--pool", "steth", "--validator-limit", "50", "--performance", "0.99"])
        #expect(try steth.parsed() == [
            "name": .string("lido-a"), "pool": .string("steth"), "validatorLimit": .int(50), "onlineRateBips": .int(9900),
        ])
        let reth = try Stakeline.Operator.Register.parse(["0xAbCdEf0123456789aBcDeF0123456789AbCdEf01", "--pool", "reth", "--commission", "0.15"])
        #expect(try reth.parsed() == [
            "name": .string("0xabcdef0123456789abcdef0123456789abcdef01"), "pool": .string("reth"), "commissionBips": .int(1500),
        ])
        let percent = try Stakeline.Operator.Register.parse(["rp", "--pool", "reth", "--commission", "7.5%", "--performance", "99.5%"])
        #expect(try percent.parsed()["commissionBips"] == .int(750))
        #expect(try percent.parsed()["onlineRateBips"] == .int(9950))
    }

    @Test func usageErrorsAreCaughtBeforeAnythingIsSent() {
        for arguments in [
            ["lido-a", "--pool", "lido"],
            ["lido-a"],
            ["lido-a", "--pool", "steth", "--commission", "0.1"],
            ["rp", "--pool", "reth", "--commission", "0.123456"],
            ["rp", "--pool", "reth", "--performance", "1.5"],
            ["rp", "--pool", "reth", "--validator-limit", "-1"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try Stakeline.Operator.Register.parse(arguments) }
        }
        #expect(throws: (any Error).self) { _ = try Stakeline.Operator.Update.parse(["rp"]) }
        #expect(throws: (any Error).self) { _ = try Stakeline.Operator.List.parse(["--pool", "x"]) }
    }

    @Test func updateSendsOnlyWhatIsGiven() throws {
        let update = try Stakeline.Operator.Update.parse(["rp", "--performance", "95%"])
        #expect(try update.parsed() == ["name": .string("rp"), "onlineRateBips": .int(9500)])
    }

    @Test func naturalActors() {
        #expect(Stakeline.Operator.naturalActor(pool: "steth", name: "lido-a", admins: ["root", "admin"]) == "root")
        #expect(Stakeline.Operator.naturalActor(pool: "steth", name: "lido-a", admins: []) == "admin")
        #expect(Stakeline.Operator.naturalActor(pool: "reth", name: "rp", admins: ["root"]) == "rp")
    }

    @Test func tableRows() {
        let steth: JSON = .object([
            "name": .string("lido-a"), "pool": .string("steth"), "validatorLimit": .int(50), "onlineRateBips": .int(9900),
            "commissionBips": .null,
        ])
        let reth: JSON = .object([
            "name": .string("rp"), "pool": .string("reth"), "validatorLimit": .int(100), "onlineRateBips": .int(10_000),
            "commissionBips": .int(1500),
        ])
        #expect(Stakeline.Operator.tableRow(steth) == ["lido-a", "steth", "50", "99.00%", "—"])
        #expect(Stakeline.Operator.tableRow(reth) == ["rp", "reth", "100", "100.00%", "15.00%"])
    }
}

extension OperatorCommandTests {
    @Test func ledgerFiguresShowOnlyWhatThePoolHas() {
        let steth: JSON = .object([
            "activeValidators": .int(1), "balanceWei": .string("0"), "feesEarnedWei": .string("1000000000000000000"),
            "stakeShareBips": .int(5000), "stethWei": .string("2500000000000000000"), "validators": .array([.int(0), .int(3)]),
        ])
        let rows = Stakeline.Operator.ledgerRows(steth, exact: false)
        #expect(rows.map(\.0) == ["Validators", "Active validators", "Stake share", "Fees earned", "stETH held", "ETH balance"])
        #expect(rows[0].1 == "2: 0, 3")
        #expect(rows[2].1 == "50.00% of the pool")
        #expect(rows[4].1 == "2.500000 stETH")
        let reth: JSON = .object([
            "activeValidators": .int(0), "balanceWei": .string("0"), "feesEarnedWei": .string("0"),
            "bondWei": .string("16000000000000000000"), "validators": .array([]),
        ])
        #expect(Stakeline.Operator.ledgerRows(reth, exact: true).map(\.0)
            == ["Validators", "Active validators", "Fees earned", "Bond", "ETH balance"])
    }
}
