import Contracts
import Testing

@Suite struct AmountAndNameTests {
    @Test func parsesExactDecimals() throws {
        #expect(try EtherAmount.parse("32") == 32_000_000_000_000_000_000)
        #expect(try EtherAmount.parse("1.5") == 1_500_000_000_000_000_000)
        #expect(try EtherAmount.parse(".5") == 500_000_000_000_000_000)
        #expect(try EtherAmount.parse("0.000000000000000001") == 1)
        #expect(try EtherAmount.parse("0.000000001", decimals: 9) == 1)
        for bad in ["", ".", "1.", "-1", "1e3", "1,5", "1.2.3", " 1", "0x10", "１"] {
            #expect(throws: ContractError.self, "\(bad)") { try EtherAmount.parse(bad) }
        }
        #expect(throws: ContractError.self) { try EtherAmount.parse("0.0000000000000000001") }
        #expect(throws: ContractError.self) { try EtherAmount.parse("1.0000000001", decimals: 9) }
        #expect(throws: ContractError.self) { try EtherAmount.parse(String(repeating: "9", count: 40)) }
    }

    @Test func formatsExactAndForDisplay() {
        #expect(EtherAmount.format(32_000_000_000_000_000_000) == "32")
        #expect(EtherAmount.format(1) == "0.000000000000000001")
        #expect(EtherAmount.format(1_234_567_890_000_000_000, places: 6) == "1.234567")
        #expect(EtherAmount.format(0, places: 6) == "0.000000")
        #expect(EtherAmount.format(32_000_011_104, decimals: 9) == "32.000011104")
    }

    @Test func accountNames() throws {
        #expect(try AccountName.validated("alice") == "alice")
        #expect(try AccountName.validated("pool.steth-1_a") == "pool.steth-1_a")
        #expect(try AccountName.validated("0xAbCdEf0123456789abcdef0123456789ABCDEF01") == "0xabcdef0123456789abcdef0123456789abcdef01")
        for bad in ["", "Alice", "-a", ".a", "a b", "a/b", String(repeating: "a", count: 65), "0xZZcdef0123456789abcdef0123456789abcdef01"] {
            #expect(throws: ContractError.self, "\(bad)") { try AccountName.validated(bad) }
        }
        #expect(try AccountName.validated(String(repeating: "a", count: 64)).count == 64)
    }
}
