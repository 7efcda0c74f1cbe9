import Contracts
import Testing

@Suite struct JSONWriterTests {
    @Test func writesCompactJSONWithSortedKeys() {
        let value: JSON = .object([
            "b": .array([.number("1"), .object(["d": .bool(true), "c": .null])]),
            "a": .string("x"),
            "e": .object([:]),
            "f": .array([]),
        ])
        #expect(serialized(value) == #"{"a":"x","b":[1,{"c":null,"d":true}],"e":{},"f":[]}"#)
    }

    @Test func sortsKeysByUTF8BytesThatIsCodePointOrder() {
        // UTF-16 order would put U+1F600 before U+FF5E; code point (UTF-8 byte) order does not.
        let keys = ["z", "a", "B", "aa", "\u{E9}", "\u{FF5E}", "\u{1F600}", "", "a\u{0}"]
        let value = JSON.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSON.null) }))
        let expected = "{\"\":null,\"B\":null,\"a\":null,\"a\\u0000\":null,\"aa\":null,\"z\":null,"
            + "\"\u{E9}\":null,\"\u{FF5E}\":null,\"\u{1F600}\":null}"
        #expect(serialized(value) == expected)
    }

    @Test func sortsKeysSharingLongPrefixes() {
        let keys = ["totalPooledWei", "totalShares", "totalPooled", "totalPooledWeiX", "totalPooledGwei", "total", "totalPooledWeh"]
        let value = JSON.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSON.bool(true)) }))
        let expected = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { "\"\($0)\":true" }.joined(separator: ",")
        #expect(serialized(value) == "{\(expected)}")
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(serialized(.string("\"")) == #""\"""#)
        #expect(serialized(.string("\\")) == #""\\""#)
        #expect(serialized(.string("\n\r\t")) == #""\u000a\u000d\u0009""#)
        #expect(serialized(.string("\u{0}\u{1}\u{1F}")) == #""\u0000\u0001\u001f""#)
        // Not escaped: DEL, slash, non-ASCII (written as raw UTF-8).
        #expect(serialized(.string("\u{7F}/é😀\u{2028}")) == "\"\u{7F}/é😀\u{2028}\"")
    }

    @Test func escapesAtEveryPositionOfLongStrings() throws {
        // Exercises the word-at-a-time scan: an escape at each offset of a 24-byte string.
        for offset in 0..<24 {
            var characters = Array("abcdefghijklmnopqrstuvwx")
            characters[offset] = "\""
            let text = String(characters)
            let expected = "\"" + text.replacingQuote() + "\""
            #expect(serialized(.string(text)) == expected, "offset \(offset)")
            #expect(try parse(expected) == .string(text))
        }
    }

    @Test func writesNumbersAsTheirText() {
        #expect(serialized(.int(-5)) == "-5")
        #expect(serialized(.int(UInt64.max)) == "18446744073709551615")
        #expect(serialized(.number("1.50e-3")) == "1.50e-3")
        #expect(serialized(.amount(UInt128.max)) == #""340282366920938463463374607431768211455""#)
        #expect(JSONCodec.isValidNumber("-0.5E+3"))
        #expect(!JSONCodec.isValidNumber("01"))
        #expect(!JSONCodec.isValidNumber(""))
        #expect(!JSONCodec.isValidNumber("1 "))
    }

    @Test func writesDeterministicBytes() throws {
        let text = #"{"z":{"y":1,"x":[{"b":2,"a":1}]},"a":"é"}"#
        let first = JSONCodec.serialize(try parse(text))
        let second = JSONCodec.serialize(try JSONCodec.parse(first))
        #expect(first == second)
        #expect(first.text == #"{"a":"é","z":{"x":[{"a":1,"b":2}],"y":1}}"#)
    }

    @Test func writesLargeValues() throws {
        // Grows the output buffer many times.
        let big = JSON.array((0..<10_000).map { .object(["index": .int($0), "name": .string("item \($0)\n")]) })
        let bytes = JSONCodec.serialize(big)
        #expect(bytes.count > 300_000)
        #expect(try JSONCodec.parse(bytes) == big)
    }
}

extension String {
    fileprivate func replacingQuote() -> String {
        var result = ""
        for character in self { result += character == "\"" ? "\\\"" : String(character) }
        return result
    }
}
