import Contracts
import Testing

@testable import StakelineGateway

@Suite struct FormattingTests {
    @Test func amountsRoundDownToSixDecimalsOrShowExactly() {
        #expect(Format.ether(wei: 1_234_567_890_123_456_789, exact: false) == "1.234567")
        #expect(Format.ether(wei: 1_234_567_890_123_456_789, exact: true) == "1.234567890123456789")
        #expect(Format.ether(wei: 999_999_999_999_999, exact: false) == "0.000999")
        #expect(Format.ether(gwei: 32_000_011_104, exact: false) == "32.000011")
        #expect(Format.ether(gwei: 32_000_011_104, exact: true) == "32.000011104")
        #expect(Format.ether(gwei: 0, exact: true) == "0")
        #expect(Format.ether(gwei: 34_000_064_000_000_000, exact: false) == "34,000,064.000000")
        #expect(Format.ether(wei: 1_000_000_000_000_000_000_000, exact: true) == "1,000")
        // Past 2^128 wei the gwei value is shown as exact ETH rather than trapping.
        #expect(Format.ether(gwei: .max, exact: false) == EtherAmount.format(.max, decimals: 9))
    }

    @Test func amountFieldsByUnitSuffix() {
        let result: JSON = .object(["balanceWei": .string("1500000000000000000"), "balanceGwei": .string("1500000000"),
                                    "bad": .number("1")])
        #expect(Format.ether(result, "balanceWei", exact: false) == "1.500000 ETH")
        #expect(Format.ether(result, "balanceGwei", exact: true) == "1.5 ETH")
        #expect(Format.ether(result, "balanceGwei", exact: true, unit: false) == "1.5")
        #expect(Format.ether(result, "missingWei", exact: false) == "?")
        #expect(Format.ether(result, "bad", exact: false) == "?")
    }

    @Test func changesAndGrouping() {
        #expect(Format.change(from: 1, to: 1_000_000_000_000_000_001, exact: false) == "+1.000000 ETH")
        #expect(Format.change(from: 2_000_000_000_000_000_000, to: 0, exact: true) == "−2 ETH")
        #expect(Format.change(from: 5, to: 5, exact: false) == "0.000000 ETH")
        #expect(Format.grouped("1234567") == "1,234,567")
        #expect(Format.grouped("123") == "123")
        #expect(Format.gwei(8123) == "8,123 gwei")
    }

    @Test func percentagesFromBips() {
        #expect(Format.percent(bips: 312) == "3.12%")
        #expect(Format.percent(bips: 10_000) == "100.00%")
        #expect(Format.percent(bips: 5) == "0.05%")
        #expect(Format.percent(bips: 0) == "0.00%")
    }

    @Test func epochsAndSpans() {
        #expect(Format.epoch(nil) == "—")
        #expect(Format.epoch(12) == "12")
        #expect(Format.epoch(.object(["e": .null]), "e") == "—")
        #expect(Format.epoch(.object(["e": .number("7")]), "e") == "7")
        #expect(Format.span(epochs: 10) == "1 h 4 m")
        #expect(Format.span(epochs: 225) == "24 h 0 m" || Format.span(epochs: 225) == "1 d 0 h")
        #expect(Format.span(epochs: 8192) == "36 d 9 h")
        #expect(Format.epochFromNow(20, now: 10) == "epoch 20 (≈ 1 h 4 m from now at 6.4 min/epoch)")
        #expect(Format.epochFromNow(10, now: 10) == "epoch 10 (now)")
        #expect(Format.epochFromNow(9, now: 10) == "epoch 9 (passed)")
        #expect(Format.epochFromNow(9, now: nil) == "epoch 9")
    }

    @Test func labelledFieldsLineUp() {
        #expect(Format.fields([("A", "1"), ("Longer", "2")]) == ["A:      1", "Longer: 2"])
    }

    @Test func progressLine() {
        #expect(ProgressBar.line(done: 0, total: 1000, unit: "epochs", seconds: 0, width: 4) == "[░░░░]    0/1000 epochs")
        #expect(ProgressBar.line(done: 500, total: 1000, unit: "epochs", seconds: 10, width: 4)
            == "[██░░]  500/1000 epochs  50.0 epochs/s  ETA 10s")
        #expect(ProgressBar.line(done: 1000, total: 1000, unit: "epochs", seconds: 2, width: 4)
            == "[████] 1000/1000 epochs  500 epochs/s  ETA 0s")
    }

    @Test func auditReport() {
        func audit(left: String, right: String, ok: Bool) -> JSON {
            var fields: [String: JSON] = ["leftWei": .string(left), "rightWei": .string(right), "ok": .bool(ok)]
            for (key, _) in Stakeline.Audit.left + Stakeline.Audit.right { fields[key] = .string("0") }
            return .object(fields)
        }
        let good = Stakeline.Audit.report(audit(left: "64000000000000000000", right: "64000000000000000000", ok: true), exact: false)
        #expect(good.last == "OK — conserved to the wei")
        #expect(good.contains { $0.hasPrefix("= left side:") && $0.hasSuffix("64.000000 ETH") })
        let bad = Stakeline.Audit.report(audit(left: "64000000000000000001", right: "64000000000000000000", ok: false), exact: false)
        #expect(bad.last == "NOT conserved: the left side is larger by 1 wei (0.000000000000000001 ETH)")
    }
}

@Suite struct InputParsingTests {
    @Test func etherAmounts() throws {
        #expect(try InputParsing.ether("32", name: "amount") == 32_000_000_000_000_000_000)
        #expect(try InputParsing.ether("0.5", name: "amount") == 500_000_000_000_000_000)
        #expect(try InputParsing.ether("0.000000000000000001", name: "amount") == 1)
        for bad in ["", "-1", "1e3", "0.0000000000000000001", "1,5", "abc"] {
            #expect(throws: InputError.self, "\(bad)") { try InputParsing.ether(bad, name: "amount") }
        }
    }

    @Test func validatorDepositsAreWholeGwei() throws {
        #expect(try InputParsing.etherInWholeGwei("32.000000001", name: "--amount") == 32_000_000_001_000_000_000)
        #expect(throws: InputError("--amount '32.0000000001' has more than 9 decimals: validator deposits move whole gwei (0.000000001 ETH)")) {
            try InputParsing.etherInWholeGwei("32.0000000001", name: "--amount")
        }
    }

    @Test func wholeEther() throws {
        #expect(try InputParsing.wholeEtherAsGwei("34000000", name: "--network-stake") == 34_000_000_000_000_000)
        #expect(throws: InputError.self) { try InputParsing.wholeEtherAsGwei("1.5", name: "--network-stake") }
    }

    @Test func rates() throws {
        #expect(try InputParsing.rateBips("0.95", name: "--online") == 9500)
        #expect(try InputParsing.rateBips("1", name: "--online") == 10_000)
        #expect(try InputParsing.rateBips("0", name: "--online") == 0)
        #expect(try InputParsing.rateBips("0.0001", name: "--online") == 1)
        #expect(try InputParsing.rateBips("95%", name: "--online") == 9500)
        #expect(try InputParsing.rateBips("99.5%", name: "--online") == 9950)
        #expect(try InputParsing.rateBips("100%", name: "--online") == 10_000)
        for bad in ["1.5", "101%", "0.00001", "99.555%", "%", "-0.5", "half", "95 %"] {
            #expect(throws: InputError.self, "\(bad)") { try InputParsing.rateBips(bad, name: "--online") }
        }
    }

    @Test func flags() throws {
        #expect(try InputParsing.flags("source,target,head", name: "--flags") == ["source", "target", "head"])
        #expect(try InputParsing.flags("head, source", name: "--flags") == ["head", "source"])
        for bad in ["", "source,,head", "sauce", "head,head"] {
            #expect(throws: InputError.self, "\(bad)") { try InputParsing.flags(bad, name: "--flags") }
        }
    }

    @Test func accountsAndStatuses() throws {
        #expect(InputParsing.account("alice") == "alice")
        #expect(InputParsing.account("0xAbCdEf0123456789abcdef0123456789ABCDEF01") == "0xabcdef0123456789abcdef0123456789abcdef01")
        // Refused by the ledger (invalid_argument), not by the CLI: passed on as typed.
        #expect(InputParsing.account("Alice") == "Alice")
        #expect(try InputParsing.validatorStatus("active") == "active")
        #expect(try InputParsing.validatorStatus("exited_slashed") == "exited_slashed")
        #expect(throws: InputError.self) { try InputParsing.validatorStatus("activ") }
    }
}
