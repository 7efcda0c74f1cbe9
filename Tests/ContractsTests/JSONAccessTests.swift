import Contracts
import Testing

@Suite struct JSONAccessTests {
    let body: JSON = .object([
        "account": .string("alice"),
        "amountWei": .string("10000000000000000000"),
        "flag": .bool(true),
        "count": .number("42"),
        "nothing": .null,
        "nested": .object(["x": .number("1")]),
        "list": .array([.number("1"), .string("two")]),
    ])

    @Test func readsEachFieldType() throws {
        #expect(try body.string("account") == "alice")
        #expect(try body.optionalString("account") == "alice")
        #expect(try body.bool("flag") == true)
        #expect(try body.uint64("count") == 42)
        #expect(try body.optionalUInt64("count") == 42)
        #expect(try body.amount("amountWei") == 10_000_000_000_000_000_000)
        #expect(try body.optionalAmount("amountWei") == 10_000_000_000_000_000_000)
        #expect(try body.object("nested") == .object(["x": .number("1")]))
        #expect(try body.array("list") == [.number("1"), .string("two")])
        #expect(body["account"] == .string("alice"))
        #expect(body["missing"] == nil)
        #expect(JSON.string("x")["account"] == nil)
    }

    @Test func optionalAccessorsTreatAbsentAndNullAlike() throws {
        #expect(try body.optionalString("missing") == nil)
        #expect(try body.optionalString("nothing") == nil)
        #expect(try body.optionalUInt64("missing") == nil)
        #expect(try body.optionalUInt64("nothing") == nil)
        #expect(try body.optionalAmount("nothing") == nil)
        #expect(errorCode { try body.optionalString("count") } == .wrongType)
        #expect(errorCode { try body.optionalUInt64("account") } == .wrongType)
    }

    @Test func missingFieldsAreMissingField() {
        #expect(errorCode { try body.string("missing") } == .missingField)
        #expect(errorCode { try body.bool("missing") } == .missingField)
        #expect(errorCode { try body.uint64("missing") } == .missingField)
        #expect(errorCode { try body.amount("missing") } == .missingField)
        #expect(errorCode { try body.object("missing") } == .missingField)
        #expect(errorCode { try body.array("missing") } == .missingField)
        #expect(contractError { try body.string("owner") }?.message.contains("owner") == true)
    }

    @Test func wrongJSONTypesAreWrongType() {
        #expect(errorCode { try body.string("count") } == .wrongType)
        #expect(errorCode { try body.string("nothing") } == .wrongType)  // null is not a string
        #expect(errorCode { try body.bool("account") } == .wrongType)
        #expect(errorCode { try body.uint64("account") } == .wrongType)
        #expect(errorCode { try body.object("list") } == .wrongType)
        #expect(errorCode { try body.array("nested") } == .wrongType)
        #expect(errorCode { try JSON.array([]).string("account") } == .wrongType)  // not an object
        let error = contractError { try body.bool("account") }
        #expect(error?.message == "account must be true or false, got a string")
    }

    @Test func amountAsJSONNumberIsWrongTypeNamingFieldAndUnit() {
        let value: JSON = .object(["amountWei": .number("1000"), "balanceGwei": .number("5"), "sharesX": .number("1")])
        let error = contractError { try value.amount("amountWei") }
        #expect(error?.code == .wrongType)
        #expect(error?.message == "amountWei must be a decimal string of wei, got a number")
        #expect(contractError { try value.amount("balanceGwei") }?.message == "balanceGwei must be a decimal string of gwei, got a number")
        #expect(contractError { try value.amount("sharesX") }?.message == "sharesX must be a decimal string of base units, got a number")
        #expect(errorCode { try JSON.object(["a": .bool(true)]).amount("a") } == .wrongType)
    }

    // MARK: Amounts

    static let uint128Max = "340282366920938463463374607431768211455"
    static let uint128MaxPlusOne = "340282366920938463463374607431768211456"

    @Test func amountsAtTheUInt128Boundary() throws {
        #expect(try JSON.parseAmount(Self.uint128Max, field: "a") == UInt128.max)
        #expect(try JSON.parseAmount("0", field: "a") == 0)
        #expect(try JSON.parseAmount("1", field: "a") == 1)
        #expect(try JSON.parseAmount("340282366920938463463374607431768211454", field: "a") == UInt128.max - 1)
        #expect(errorCode { try JSON.parseAmount(Self.uint128MaxPlusOne, field: "a") } == .amountOutOfRange)
        #expect(errorCode { try JSON.parseAmount("999999999999999999999999999999999999999", field: "a") } == .amountOutOfRange)
        #expect(errorCode { try JSON.parseAmount("1" + String(repeating: "0", count: 39), field: "a") } == .amountOutOfRange)
        #expect(errorCode { try JSON.parseAmount(String(repeating: "9", count: 5000), field: "a") } == .amountOutOfRange)
        let value: JSON = .object(["amountWei": .string(Self.uint128MaxPlusOne)])
        let error = contractError { try value.amount("amountWei") }
        #expect(error?.code == .amountOutOfRange)
        #expect(error?.message.contains("amountWei") == true)
        #expect(try JSON.object(["a": .amount(UInt128.max)]).amount("a") == UInt128.max)
    }

    static let invalidAmounts = [
        "", "-1", "+1", "-0", "01", "00", "007", "1.0", "1.", ".5", "1e18", "1E3", " 1", "1 ", "0x10", "1_000",
        "1,000", "abc", "١٢", "１", "NaN", "\u{0}", "12a", "1\n",
    ]

    @Test(arguments: invalidAmounts)
    func malformedAmountsAreInvalidAmount(_ text: String) {
        let error = contractError { try JSON.object(["amountWei": .string(text)]).amount("amountWei") }
        #expect(error?.code == .invalidAmount, "\(text.debugDescription)")
        #expect(error?.message.hasPrefix("amountWei must be a decimal string of wei") == true)
    }

    // MARK: Integers

    @Test func uint64AcceptsOnlyPlainIntegersInRange() throws {
        func read(_ text: String) throws -> UInt64 { try JSON.object(["n": .number(text)]).uint64("n") }
        #expect(try read("0") == 0)
        #expect(try read("18446744073709551615") == UInt64.max)
        for text in ["18446744073709551616", "99999999999999999999", "100000000000000000000", "-1", "-0", "1.0", "1e3", "1E0", "0.5"] {
            #expect(errorCode { try read(text) } == .invalidArgument, "\(text)")
        }
        #expect(errorCode { try JSON.object(["n": .string("5")]).uint64("n") } == .wrongType)
        #expect(contractError { try read("-1") }?.message.contains("n must be an integer in 0…18446744073709551615") == true)
    }

    @Test func typeNames() {
        #expect(JSON.null.typeName == "null")
        #expect(JSON.bool(true).typeName == "a boolean")
        #expect(JSON.number("1").typeName == "a number")
        #expect(JSON.string("").typeName == "a string")
        #expect(JSON.array([]).typeName == "an array")
        #expect(JSON.object([:]).typeName == "an object")
        #expect(JSON.object([:]).isObject && !JSON.array([]).isObject)
    }
}

@Suite struct JSONFieldsTests {
    let command = CommandEnvelope(
        id: "a", type: "ledger.stake", actor: "alice",
        body: .object([
            "amountWei": .number("1000"),
            "stake": .object(["sharesE18": .string("01"), "pool": .string("steth")]),
            "okWei": .string("5"),
        ]))

    @Test func messagesNameFieldsByPath() throws {
        let number = contractError { try command.fields.amount("amountWei") }
        #expect(number?.code == .wrongType)
        #expect(number?.message == "body.amountWei must be a decimal string of wei, got a number")
        let nested = contractError { try command.fields.object("stake").amount("sharesE18") }
        #expect(nested?.code == .invalidAmount)
        #expect(nested?.message.hasPrefix("body.stake.sharesE18 must be a decimal string of 1e-18 units") == true)
        let missing = contractError { try command.fields.object("stake").string("owner") }
        #expect(missing?.code == .missingField)
        #expect(missing?.message == "missing field body.stake.owner")
        #expect(try command.fields.object("stake").string("pool") == "steth")
        #expect(try command.fields.amount("okWei") == 5)
        #expect(try command.fields.optionalAmount("none") == nil)
        #expect(command.fields["okWei"] == .string("5"))
    }
}
