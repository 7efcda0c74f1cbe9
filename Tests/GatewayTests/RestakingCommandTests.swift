import ArgumentParser
import Contracts
import Testing

@testable import StakelineGateway

/// `stakeline operator … --restaking`, `delegate`, `avs …`: arguments to command bodies.
@Suite struct RestakingCommandTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    @Test func registerRestaking() throws {
        let register = try Stakeline.Operator.Register.parse(["op", "--restaking", "--split", "12.5%", "--allocation-delay", "7"])
        #expect(try register.parsed() == ["name": .string("op"), "splitBips": .int(1250), "allocationDelayEpochs": .int(7)])
        let defaults = try Stakeline.Operator.Register.parse(["op", "--restaking", "--allocation-delay", "0"])
        #expect(try defaults.parsed() == ["name": .string("op"), "allocationDelayEpochs": .int(0)])
        for arguments in [
            ["op", "--restaking"],
            ["op", "--restaking", "--allocation-delay", "1", "--pool", "reth"],
            ["op", "--restaking", "--allocation-delay", "1", "--split", "101%"],
            ["op", "--pool", "reth", "--allocation-delay", "1"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try Stakeline.Operator.Register.parse(arguments) }
        }
    }

    @Test func magnitudesAndSets() throws {
        #expect(try Stakeline.Operator.magnitude("0.5") == Self.wad / 2)
        #expect(try Stakeline.Operator.magnitude("1") == Self.wad)
        #expect(try Stakeline.Operator.magnitude("25%") == Self.wad / 4)
        #expect(try Stakeline.Operator.magnitude("123wad") == 123)
        #expect(try Stakeline.Operator.magnitude("0") == 0)
        for bad in ["1.5", "101%", "x", "-0.1", "1000000000000000001wad", "0.1234567890123456789"] {
            #expect(throws: InputError.self, "\(bad)") { _ = try Stakeline.Operator.magnitude(bad) }
        }
        #expect(try Stakeline.Operator.setAddress("eigenda/7") == ("eigenda", 7))
        for bad in ["eigenda", "eigenda/", "/1", "eigenda/x", "eigenda/4294967296", "a/1/2"] {
            #expect(throws: InputError.self, "\(bad)") { _ = try Stakeline.Operator.setAddress(bad) }
        }
    }

    @Test func allocateJoinSplitAndSets() throws {
        let allocate = try Stakeline.Operator.Allocate.parse(["op", "eigenda/1", "steth", "50%"])
        #expect(try allocate.parsed() == [
            "operator": .string("op"), "avs": .string("eigenda"), "setId": .int(1), "strategy": .string("steth"),
            "magnitudeWad": .amount(Self.wad / 2),
        ])
        #expect(throws: (any Error).self) { _ = try Stakeline.Operator.Allocate.parse(["op", "eigenda/1", "doge", "0.5"]) }
        #expect(throws: (any Error).self) { _ = try Stakeline.Operator.Allocate.parse(["op", "eigenda/1", "steth", "1.01"]) }
        let join = try Stakeline.Operator.Join.parse(["op", "eigenda/2"])
        #expect(try join.parsed() == ["operator": .string("op"), "avs": .string("eigenda"), "setId": .int(2)])
        let split = try Stakeline.Operator.Split.parse(["op", "0.2"])
        #expect(try split.parsed() == ["name": .string("op"), "splitBips": .int(2000)])
        let create = try Stakeline.AVS.SetCommand.Create.parse(["eigenda/1", "--strategies", "steth,native"])
        #expect(try create.parsed() == [
            "avs": .string("eigenda"), "setId": .int(1), "strategies": .array([.string("steth"), .string("native")]),
        ])
        #expect(throws: (any Error).self) { _ = try Stakeline.AVS.SetCommand.Create.parse(["eigenda/1", "--strategies", "steth,steth"]) }
        #expect(throws: (any Error).self) { _ = try Stakeline.AVS.SetCommand.Create.parse(["eigenda/1", "--strategies", "eth"]) }
        let delegate = try Stakeline.Delegate.parse(["alice", "op"])
        #expect(delegate.parsed() == ["staker": .string("alice"), "operator": .string("op")])
    }
}

@Suite struct MagnitudeDisplayTests {
    @Test func wadShowsAsAPercentage() {
        #expect(Stakeline.Operator.wad(.object(["m": .string("600000000000000000")]), "m") == "60.0000% (600000000000000000)")
        #expect(Stakeline.Operator.wad(.object(["m": .string("1000000000000000000")]), "m") == "100.0000% (1000000000000000000)")
        #expect(Stakeline.Operator.wad(.object(["m": .string("1000000000000")]), "m") == "0.0001% (1000000000000)")
    }
}
