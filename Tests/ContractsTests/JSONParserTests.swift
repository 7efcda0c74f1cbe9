import Contracts
import Testing

@Suite struct JSONParserTests {
    // MARK: Valid documents

    static let valid: [(String, JSON)] = [
        ("null", .null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("12.50e-3", .number("12.50e-3")),
        ("1E+2", .number("1E+2")),
        ("-1.0e5", .number("-1.0e5")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        (#""a""#, .string("a")),
        (#""""#, .string("")),
        ("[]", .array([])),
        ("{}", .object([:])),
        (" \t\r\n[1 , \"x\" ,{ \"a\" : null } ]\n", .array([.number("1"), .string("x"), .object(["a": .null])])),
        (#""\u00e9\u00C9""#, .string("éÉ")),
        (#""\uD83D\uDE00""#, .string("😀")),
        (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
        (#""\u0000""#, .string("\u{0}")),
        ("\"é😀日本\"", .string("é😀日本")),
        (#""abcdefghijklmnop\nqrstuvwxyz""#, .string("abcdefghijklmnop\nqrstuvwxyz")),
        ("\"abcdefghé😀ijklmnopqrstuvwxyz0123\"", .string("abcdefghé😀ijklmnopqrstuvwxyz0123")),
        (#"{"a":{"b":[true,false,null]},"c":"d"}"#,
         .object(["a": .object(["b": .array([.bool(true), .bool(false), .null])]), "c": .string("d")])),
    ]

    @Test(arguments: valid.indices)
    func parsesValidDocument(_ index: Int) throws {
        let (text, expected) = Self.valid[index]
        #expect(try parse(text) == expected, "\(text)")
    }

    @Test func keepsNumberTextExactly() throws {
        #expect(try parse("[1.50, -0.0e+00, 10]") == .array([.number("1.50"), .number("-0.0e+00"), .number("10")]))
    }

    // MARK: Malformed documents

    static let malformedTexts: [String] = [
        // empty, truncated
        "", "   ", "{", "[", "[1,", "[1", #"{"a""#, #"{"a":"#, #"{"a":1"#, #""abc"#, #""abc\"#, "tru", "nul", "fals",
        // structure
        "True", "NULL", "[1,]", #"{"a":1,}"#, "{,}", "[,1]", "{a:1}", "{'a':1}", #"{"a" 1}"#, #"{"a":1 "b":2}"#,
        "[1 2]", #"{1:2}"#, #"{"a"::1}"#, "]", "}", ":", ",",
        // trailing garbage
        "1 2", "{} x", "[]]", "{}{}", "null,", #""a""b""#, "0x", "truex",
        // numbers
        "01", "-01", "00", "-", "1.", ".5", "+1", "1e", "1e+", "1E-", "0x10", "NaN", "Infinity", "-Infinity",
        "1.0e", "--1", "1..2", "1.2.3", "- 1", "1e1.5", "١",
        // escapes and surrogates
        #""\x""#, #""\u12G4""#, #""\u12""#, #""\u""#, #""\U0041""#, #""\uD83D""#, #""\uDE00""#, #""\uD83Dx""#,
        #""\uD83D\u0041""#, #""\uD83D\uD83D""#, #""\uDE00\uD83D""#, "\"\\\u{7}\"", #""\'""#,
        // raw control characters in strings
        "\"a\nb\"", "\"\t\"", "\"\u{0}\"", "\"\u{1F}\"", "\"\r\"",
        // duplicate keys, also nested and escaped
        #"{"a":1,"a":2}"#, #"{"a":1,"b":{"c":1,"c":1}}"#, #"{"a":1,"\u0061":2}"#,
        // whitespace outside the four JSON ones
        "\u{0C}1", "1\u{0B}", "\u{A0}1", "[1,\u{2028}2]",
    ]

    @Test(arguments: malformedTexts)
    func rejectsMalformedText(_ text: String) {
        #expect(errorCode { try parse(text) } == .malformedJSON, "\(text.debugDescription)")
    }

    static let malformedBytes: [[UInt8]] = [
        [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
        [0x22, 0xC1, 0xBF, 0x22],  // overlong
        [0x22, 0xE0, 0x80, 0x80, 0x22],  // overlong 3-byte
        [0x22, 0xF0, 0x80, 0x80, 0x80, 0x22],  // overlong 4-byte
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate U+D800
        [0x22, 0xED, 0xBF, 0xBF, 0x22],  // encoded surrogate U+DFFF
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // U+110000
        [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],  // lead byte past F4
        [0x22, 0xFF, 0x22], [0x22, 0xFE, 0x22],
        [0x22, 0x80, 0x22],  // lone continuation
        [0x22, 0xC3, 0x22],  // truncated 2-byte
        [0x22, 0xE2, 0x82, 0x22],  // truncated 3-byte
        [0x22, 0xF0, 0x9F, 0x98, 0x22],  // truncated 4-byte
        [0x22, 0xC3],  // truncated at end of input
        [0x22, 0xE2, 0x82, 0xAC, 0x80, 0x22],  // extra continuation
        [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],  // byte order mark
        [0x7B, 0x00, 0x7D],  // NUL outside a string
        [0x5B, 0x31, 0x5D, 0x00],  // NUL after the document
        [0xC3, 0xA9],  // non-ASCII outside a string
        // invalid UTF-8 inside an object key and after 8 plain bytes (word-at-a-time path)
        [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D],
        Array("\"abcdefgh".utf8) + [0xED, 0xA0, 0x80] + Array("ijklmnop\"".utf8),
        Array("\"abcdefghijklmnop".utf8) + [0x0A] + Array("\"".utf8),
    ]

    @Test(arguments: malformedBytes)
    func rejectsMalformedBytes(_ bytes: [UInt8]) {
        #expect(errorCode { try JSONCodec.parse(bytes) } == .malformedJSON, "\(bytes)")
    }

    @Test func acceptsEveryUTF8BoundaryScalar() throws {
        // Scalars at the edges of each UTF-8 length class and around the surrogate gap.
        let scalars: [UInt32] = [0x20, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF]
        for value in scalars {
            let text = String(Unicode.Scalar(value)!)
            #expect(try JSONCodec.parse(Array("\"\(text)\"".utf8)) == .string(text), "U+\(String(value, radix: 16))")
        }
    }

    @Test func errorMessageSaysWhereAndWhat() {
        let error = contractError { try parse(#"{"a":1,}"#) }
        #expect(error?.code == .malformedJSON)
        #expect(error?.message.contains("byte 7") == true, "\(String(describing: error))")
        let duplicate = contractError { try parse(#"{"amountWei":"1","amountWei":"2"}"#) }
        #expect(duplicate?.message.contains("duplicate key \"amountWei\"") == true, "\(String(describing: duplicate))")
    }

    // MARK: Nesting

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONCodec.nestingDepthMax
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(errorCode { try parse(arrays) } == nil)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(errorCode { try parse(objects) } == nil)
    }

    @Test func rejectsNestingBeyondTheLimit() {
        let depth = JSONCodec.nestingDepthMax + 1
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(errorCode { try parse(arrays) } == .malformedJSON)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(errorCode { try parse(objects) } == .malformedJSON)
        let mixed = String(repeating: #"[{"a":"#, count: 33) + "1" + String(repeating: "}]", count: 33)
        #expect(errorCode { try parse(mixed) } == .malformedJSON)
    }

    @Test func survivesHostileNesting() {
        // Far deeper than any stack could recurse: must fail cleanly, not overflow.
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 500_000)
        #expect(errorCode { try JSONCodec.parse(bytes) } == .malformedJSON)
        let objects = Array(String(repeating: #"{"a":"#, count: 100_000).utf8)
        #expect(errorCode { try JSONCodec.parse(objects) } == .malformedJSON)
    }

    // MARK: Size

    @Test func acceptsAMessageOfExactlyTheLimit() throws {
        let limit = JSONCodec.messageBytesMax
        var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: limit)
        bytes[0] = UInt8(ascii: "\"")
        bytes[limit - 1] = UInt8(ascii: "\"")
        guard case .string(let text) = try JSONCodec.parse(bytes) else {
            Issue.record("expected a string")
            return
        }
        #expect(text.utf8.count == limit - 2)
    }

    @Test func rejectsAMessageOverTheLimit() {
        let bytes = [UInt8](repeating: UInt8(ascii: " "), count: JSONCodec.messageBytesMax + 1)
        #expect(errorCode { try JSONCodec.parse(bytes) } == .messageTooLarge)
        // Checked before parsing: even malformed oversize input is message_too_large.
        let garbage = [UInt8](repeating: 0xFF, count: JSONCodec.messageBytesMax + 1)
        #expect(errorCode { try JSONCodec.parse(garbage) } == .messageTooLarge)
        #expect(errorCode { try JSONCodec.parse(garbage.lazy.map { $0 }) } == .messageTooLarge)
    }

    // MARK: Input shapes

    @Test func parsesEveryKindOfByteCollection() throws {
        let text = #"{"a":[1,"é"]}"#
        let expected: JSON = .object(["a": .array([.number("1"), .string("é")])])
        let bytes = text.bytes
        #expect(try JSONCodec.parse(bytes) == expected)
        #expect(try JSONCodec.parse(bytes[...]) == expected)
        #expect(try JSONCodec.parse(ContiguousArray(bytes)) == expected)
        #expect(try JSONCodec.parse(text.utf8) == expected)
        #expect(try JSONCodec.parse(bytes.lazy.map { $0 }) == expected)  // not contiguous: copied
        #expect(try JSONCodec.parse(AnyCollection(bytes)) == expected)
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in #expect(try JSONCodec.parse(raw) == expected) }
        // A slice that does not start at index 0.
        let framed = Array("xx\(text)yy".utf8)
        #expect(try JSONCodec.parse(framed[2..<(framed.count - 2)]) == expected)
    }

    @Test func emptyBuffersAreMalformedNotCrashes() {
        #expect(errorCode { try JSONCodec.parse(UnsafeRawBufferPointer(start: nil, count: 0)) } == .malformedJSON)
        #expect(errorCode { try JSONCodec.parse([UInt8]()) } == .malformedJSON)
        #expect(errorCode { try EventEnvelope(bytes: UnsafeRawBufferPointer(start: nil, count: 0)) } == .malformedJSON)
        #expect(errorCode { try CommandEnvelope(bytes: [UInt8]()) } == .malformedJSON)
        #expect(errorCode { try ReplyEnvelope(bytes: [UInt8]()[...]) } == .malformedJSON)
        #expect(serialized(.string("")) == #""""#)
        #expect(serialized(.object(["": .string("")])) == #"{"":""}"#)
    }

    @Test func errorMessagesStayShortWhateverTheInput() {
        let huge = String(repeating: "k", count: 100_000)
        let messages = [
            contractError { try parse("{\"\(huge)\":1,\"\(huge)\":2}") },
            contractError { try EventEnvelope(bytes: "{\"\(huge)\":1,\"\(huge)\":2}".bytes) },
            contractError { try CommandEnvelope(bytes: #"{"v":1,"id":"\#(huge)","type":"s","actor":"a"}"#.bytes) },
            contractError { try CommandEnvelope(bytes: #"{"v":1,"id":"a","type":"s","actor":"\#(huge)"}"#.bytes) },
            contractError { try CommandEnvelope(bytes: #"{"v":1\#(huge)}"#.bytes) },
            contractError { try JSON.object(["amountWei": .string(huge)]).amount("amountWei") },
            contractError { try JSON.object(["amountWei": .string(String(repeating: "9", count: 100_000))]).amount("amountWei") },
        ]
        for error in messages {
            #expect(error != nil)
            #expect((error?.message.utf8.count ?? 0) < 300, "\(String(describing: error).prefix(200))")
        }
    }

    @Test func findsSpecialBytesAtEveryOffsetOfLongStrings() throws {
        // Exercises the word-at-a-time scan: each kind of special byte at each of 24 offsets.
        let plain = Array("abcdefghijklmnopqrstuvwx".utf8)
        for offset in 0..<plain.count {
            func document(_ middle: [UInt8]) -> [UInt8] {
                [UInt8(ascii: "\"")] + plain[..<offset] + middle + plain[offset...] + [UInt8(ascii: "\"")]
            }
            let prefix = String(decoding: plain[..<offset], as: UTF8.self)
            let suffix = String(decoding: plain[offset...], as: UTF8.self)
            #expect(try JSONCodec.parse(document(Array(#"\n"#.utf8))) == .string(prefix + "\n" + suffix))
            #expect(try JSONCodec.parse(document([0xC3, 0xA9])) == .string(prefix + "é" + suffix))
            #expect(try JSONCodec.parse(document([0xF0, 0x9F, 0x98, 0x80])) == .string(prefix + "😀" + suffix))
            #expect(try JSONCodec.parse(document([0x7F])) == .string(prefix + "\u{7F}" + suffix))
            #expect(errorCode { try JSONCodec.parse(document([0x1F])) } == .malformedJSON, "offset \(offset)")
            #expect(errorCode { try JSONCodec.parse(document([0x00])) } == .malformedJSON, "offset \(offset)")
            #expect(errorCode { try JSONCodec.parse(document([0xC3])) } == .malformedJSON, "offset \(offset)")
            #expect(errorCode { try JSONCodec.parse(document([0xED, 0xA0, 0x80])) } == .malformedJSON, "offset \(offset)")
            // A quote ends the string early: what follows is trailing garbage.
            #expect(errorCode { try JSONCodec.parse(document([0x22])) } == .malformedJSON, "offset \(offset)")
        }
    }
}
