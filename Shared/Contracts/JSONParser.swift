/// A strict RFC 8259 JSON parser over a byte buffer.
///
/// Rejects (as `malformed_json`): truncated input, bad escapes, invalid UTF-8 (overlong forms,
/// encoded surrogates, code points past U+10FFFF), raw control characters in strings, lone
/// surrogate escapes, numbers outside the JSON grammar, duplicate object keys, trailing bytes
/// after the document, and nesting deeper than `JSONCodec.nestingDepthMax`.
///
/// Every read goes through `byte(at:)`, which returns 0 past the end, so no input can read out
/// of bounds; a 0 byte is never valid where a structural byte is expected, and a raw 0 inside a
/// string is a control character, so the sentinel always ends in an error when it matters.
struct JSONParser: ~Copyable {
    let base: UnsafePointer<UInt8>?
    let count: Int
    var index: Int = 0
    /// Key/value pairs of the objects being parsed, reused across nested objects so that each
    /// object's dictionary is allocated once at its final size (no rehashing while it grows).
    var pairs: [(key: String, value: JSON)] = []

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.base = buffer.baseAddress
        self.count = buffer.count
    }

    // MARK: Entry points

    /// Parses one complete document: a value surrounded by optional whitespace, nothing else.
    mutating func parseDocument() throws(ContractError) -> JSON {
        skipWhitespace()
        if index >= count { throw malformed("empty input, expected a JSON value") }
        let value = try parseValue(depth: 0)
        try expectEnd()
        return value
    }

    mutating func expectEnd() throws(ContractError) {
        skipWhitespace()
        if index < count {
            throw malformed("unexpected \(describe(byte(at: index))) after the end of the JSON value")
        }
    }

    // MARK: Bytes

    @inline(__always)
    func byte(at position: Int) -> UInt8 {
        position < count ? base.unsafelyUnwrapped[position] : 0
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < count {
            switch base.unsafelyUnwrapped[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    func malformed(_ what: String) -> ContractError {
        ContractError(.malformedJSON, "malformed JSON at byte \(index): \(what)")
    }

    func malformed(at position: Int, _ what: String) -> ContractError {
        ContractError(.malformedJSON, "malformed JSON at byte \(position): \(what)")
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    func unexpected(_ expected: String) -> ContractError {
        if index >= count { return malformed("unexpected end of input, expected \(expected)") }
        return malformed("unexpected \(describe(byte(at: index))), expected \(expected)")
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(ContractError) -> JSON {
        switch byte(at: index) {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        default: throw unexpected("a JSON value")
        }
    }

    mutating func parseLiteral(_ literal: StaticString) throws(ContractError) {
        let start = index
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in bytes {
            if byte(at: index) != expected || index >= count {
                throw malformed(at: start, "invalid literal, expected \(literal)")
            }
            index += 1
        }
    }

    mutating func parseObject(depth: Int) throws(ContractError) -> [String: JSON] {
        if depth > JSONCodec.nestingDepthMax {
            throw malformed("nesting deeper than \(JSONCodec.nestingDepthMax) levels")
        }
        let objectStart = index
        index += 1  // {
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: "}") {
            index += 1
            return [:]
        }
        if pairs.capacity == 0 { pairs.reserveCapacity(16) }
        let first = pairs.count
        while true {
            skipWhitespace()
            guard byte(at: index) == UInt8(ascii: "\"") else { throw unexpected("a string key") }
            let key = try parseString()
            skipWhitespace()
            guard byte(at: index) == UInt8(ascii: ":") else { throw unexpected("':' after an object key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            pairs.append((key, value))
            skipWhitespace()
            switch byte(at: index) {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                defer { pairs.removeLast(pairs.count - first) }
                var object = [String: JSON](minimumCapacity: pairs.count - first)
                for position in first..<pairs.count {
                    let (key, value) = pairs[position]
                    if object.updateValue(value, forKey: key) != nil {
                        throw malformed(at: objectStart, "duplicate key \(EnvelopeFields.shown(key)) in the object starting here")
                    }
                }
                return object
            default: throw unexpected("',' or '}' in an object")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(ContractError) -> [JSON] {
        if depth > JSONCodec.nestingDepthMax {
            throw malformed("nesting deeper than \(JSONCodec.nestingDepthMax) levels")
        }
        index += 1  // [
        var array: [JSON] = []
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: "]") {
            index += 1
            return array
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            switch byte(at: index) {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return array
            default: throw unexpected("',' or ']' in an array")
            }
        }
    }

    // MARK: Numbers

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as its source text.
    mutating func parseNumber() throws(ContractError) -> String {
        let start = index
        try scanNumber()
        return String(decoding: UnsafeBufferPointer(start: base.unsafelyUnwrapped + start, count: index - start), as: UTF8.self)
    }

    /// Advances over a number, checking the grammar; returns whether it is a plain
    /// non-negative integer (no sign, no fraction, no exponent).
    @discardableResult
    mutating func scanNumber() throws(ContractError) -> Bool {
        var plain = true
        if byte(at: index) == UInt8(ascii: "-") {
            plain = false
            index += 1
        }
        switch byte(at: index) {
        case UInt8(ascii: "0"):
            index += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            index += 1
            skipDigits()
        default:
            throw unexpected("a digit in a number")
        }
        if byte(at: index) == UInt8(ascii: ".") {
            plain = false
            index += 1
            guard isDigit(byte(at: index)), index < count else { throw unexpected("a digit after '.' in a number") }
            skipDigits()
        }
        let e = byte(at: index)
        if e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            plain = false
            index += 1
            let sign = byte(at: index)
            if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard isDigit(byte(at: index)), index < count else { throw unexpected("a digit in a number's exponent") }
            skipDigits()
        }
        return plain
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    mutating func skipDigits() {
        while index < count && isDigit(base.unsafelyUnwrapped[index]) { index += 1 }
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote. The fast path (no escapes) makes the
    /// `String` straight from the validated input bytes.
    mutating func parseString() throws(ContractError) -> String {
        index += 1  // opening quote
        let start = index
        let p = base.unsafelyUnwrapped
        while true {
            // Eight bytes at a time to the next byte that is not plain ASCII other than `"`/`\`.
            while index + 8 <= count {
                let special = SWAR.specialBytes(SWAR.load(p + index))
                if special != 0 {
                    index += SWAR.firstByte(special)
                    break
                }
                index += 8
            }
            guard index < count else { break }
            let c = p[index]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: p + start, count: index - start), as: UTF8.self)
                index += 1
                return s
            }
            if c == UInt8(ascii: "\\") { return try parseEscapedString(start: start) }
            if c < 0x20 { throw malformed("control character \(describe(c)) in a string must be escaped") }
            if c >= 0x80 { try skipUTF8Sequence() } else { index += 1 }
        }
        throw malformed("unterminated string")
    }

    /// Slow path: the string has escapes, so its bytes are rebuilt into a buffer.
    mutating func parseEscapedString(start: Int) throws(ContractError) -> String {
        let p = base.unsafelyUnwrapped
        var bytes: [UInt8] = []
        bytes.reserveCapacity(index - start + 16)
        bytes.append(contentsOf: UnsafeBufferPointer(start: p + start, count: index - start))
        while index < count {
            let c = p[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                try appendEscape(to: &bytes)
            } else if c < 0x20 {
                throw malformed("control character \(describe(c)) in a string must be escaped")
            } else if c >= 0x80 {
                let runStart = index
                try skipUTF8Sequence()
                bytes.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: index - runStart))
            } else {
                bytes.append(c)
                index += 1
            }
        }
        throw malformed("unterminated string")
    }

    mutating func appendEscape(to bytes: inout [UInt8]) throws(ContractError) {
        let escapeStart = index
        index += 1  // backslash
        let c = byte(at: index)
        guard index < count else { throw malformed("unterminated escape sequence") }
        index += 1
        switch c {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escapeStart: escapeStart)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                guard byte(at: index) == UInt8(ascii: "\\"), byte(at: index + 1) == UInt8(ascii: "u") else {
                    throw malformed(at: escapeStart, "lone high surrogate \\u\(hex4(scalar)) in a string")
                }
                let lowStart = index
                index += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw malformed(at: escapeStart, "lone high surrogate \\u\(hex4(scalar)) in a string")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw malformed(at: escapeStart, "lone low surrogate \\u\(hex4(scalar)) in a string")
            }
            appendUTF8(scalar, to: &bytes)
        default:
            throw malformed(at: escapeStart, "invalid escape sequence \\\(describe(c))")
        }
    }

    func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    mutating func parseHex4(escapeStart: Int) throws(ContractError) -> UInt32 {
        // index is just past the `u`.
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = byte(at: index)
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default:
                throw malformed(at: escapeStart, "invalid \\u escape, expected 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates one multi-byte UTF-8 sequence at `index` (RFC 3629 table 4) and advances past it.
    mutating func skipUTF8Sequence() throws(ContractError) {
        let lead = byte(at: index)
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // excludes encoded surrogates
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F  // nothing past U+10FFFF
        default: throw malformed("invalid UTF-8 lead byte 0x\(String(lead, radix: 16, uppercase: true))")
        }
        guard index + length <= count else { throw malformed("truncated UTF-8 sequence") }
        let second = byte(at: index + 1)
        guard second >= low && second <= high else { throw malformed("invalid UTF-8 sequence") }
        var offset = 2
        while offset < length {
            let next = byte(at: index + offset)
            guard next >= 0x80 && next <= 0xBF else { throw malformed("invalid UTF-8 sequence") }
            offset += 1
        }
        index += length
    }
}

/// Word-at-a-time byte tests. The masks are exact: bit 7 of each byte is set iff that byte
/// matches (no carries cross byte boundaries), so the first match is found with a bit scan.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080
    static let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// Eight bytes in memory order: byte i of the input is byte i (bits 8i…8i+7) of the word.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// Bit 7 set in each byte that is zero.
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        ~((((word & lows) &+ lows) | word) | lows)
    }

    /// Bit 7 set in each byte below 0x20, equal to `"` or `\` (the bytes a JSON string escapes).
    @inline(__always)
    static func escapeBytes(_ word: UInt64) -> UInt64 {
        let control = ~(((word & lows) &+ (ones &* 0x60)) | word) & highs
        return control | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
    }

    /// `escapeBytes`, plus each byte of 0x80 or above (part of a multi-byte UTF-8 sequence).
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        escapeBytes(word) | (word & highs)
    }

    /// The offset (0…7) of the first byte flagged in a non-zero mask.
    @inline(__always)
    static func firstByte(_ mask: UInt64) -> Int { mask.trailingZeroBitCount >> 3 }
}

// MARK: - Envelope fast path

/// The top-level fields of any envelope, as parsed JSON values; absent fields are nil.
/// Filled either from a parsed object (`init(object:)`) or straight from the bytes by
/// `JSONParser.parseEnvelope()`, which skips building the top-level dictionary.
struct RawEnvelope {
    enum Key: Int, CaseIterable {
        case v, id, type, actor, body, source, seq, epoch, ok, result, error

        var name: StaticString {
            switch self {
            case .v: "v"
            case .id: "id"
            case .type: "type"
            case .actor: "actor"
            case .body: "body"
            case .source: "source"
            case .seq: "seq"
            case .epoch: "epoch"
            case .ok: "ok"
            case .result: "result"
            case .error: "error"
            }
        }

        /// The key spelled by these bytes, if any.
        static func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Key? {
            @inline(__always) func equals(_ name: StaticString) -> Bool {
                name.utf8CodeUnitCount == bytes.count
                    && UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount).elementsEqual(bytes)
            }
            switch bytes.count {
            case 1: return equals("v") ? .v : nil
            case 2: return equals("id") ? .id : equals("ok") ? .ok : nil
            case 3: return equals("seq") ? .seq : nil
            case 4: return equals("type") ? .type : equals("body") ? .body : nil
            case 5: return equals("actor") ? .actor : equals("epoch") ? .epoch : equals("error") ? .error : nil
            case 6: return equals("source") ? .source : equals("result") ? .result : nil
            default: return nil
            }
        }

        static func match(_ string: String) -> Key? {
            var string = string
            return string.withUTF8 { match($0) }
        }
    }

    var v: JSON? = nil
    var id: JSON? = nil
    var type: JSON? = nil
    var actor: JSON? = nil
    var body: JSON? = nil
    var source: JSON? = nil
    var seq: JSON? = nil
    var epoch: JSON? = nil
    var ok: JSON? = nil
    var result: JSON? = nil
    var error: JSON? = nil

    init() {}

    init(object: [String: JSON]) {
        for key in Key.allCases {
            self[key] = object[key.name.description]
        }
    }

    subscript(key: Key) -> JSON? {
        get {
            switch key {
            case .v: v
            case .id: id
            case .type: type
            case .actor: actor
            case .body: body
            case .source: source
            case .seq: seq
            case .epoch: epoch
            case .ok: ok
            case .result: result
            case .error: error
            }
        }
        set {
            switch key {
            case .v: v = newValue
            case .id: id = newValue
            case .type: type = newValue
            case .actor: actor = newValue
            case .body: body = newValue
            case .source: source = newValue
            case .seq: seq = newValue
            case .epoch: epoch = newValue
            case .ok: ok = newValue
            case .result: result = newValue
            case .error: error = newValue
            }
        }
    }
}

extension JSONParser {
    /// Parses a whole document whose top level is an object, keeping only the envelope fields.
    /// Returns nil, without consuming anything, if the document does not start with `{`.
    /// The document is fully checked (syntax, duplicate keys, depth, trailing bytes) before
    /// this returns, exactly as `parseDocument()` would.
    mutating func parseEnvelope() throws(ContractError) -> RawEnvelope? {
        skipWhitespace()
        guard byte(at: index) == UInt8(ascii: "{") else { return nil }
        let objectStart = index
        index += 1
        var envelope = RawEnvelope()
        var seen: UInt16 = 0
        var unknownKeys: Set<String> = []
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: "}") {
            index += 1
            try expectEnd()
            return envelope
        }
        while true {
            skipWhitespace()
            guard byte(at: index) == UInt8(ascii: "\"") else { throw unexpected("a string key") }
            let key = try parseEnvelopeKey()
            skipWhitespace()
            guard byte(at: index) == UInt8(ascii: ":") else { throw unexpected("':' after an object key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: 1)
            switch key {
            case .known(let known):
                let bit: UInt16 = 1 << known.rawValue
                if seen & bit != 0 {
                    throw malformed(at: objectStart, "duplicate key \"\(known.name)\" in the object starting here")
                }
                seen |= bit
                envelope[known] = value
            case .unknown(let name):
                if !unknownKeys.insert(name).inserted {
                    throw malformed(at: objectStart, "duplicate key \(EnvelopeFields.shown(name)) in the object starting here")
                }
            }
            skipWhitespace()
            switch byte(at: index) {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                try expectEnd()
                return envelope
            default: throw unexpected("',' or '}' in an object")
            }
        }
    }

    enum EnvelopeKey {
        case known(RawEnvelope.Key)
        case unknown(String)
    }

    /// Reads an object key at its opening quote. Plain ASCII keys are matched from the bytes
    /// without making a `String`; keys with escapes or other characters are decoded first.
    mutating func parseEnvelopeKey() throws(ContractError) -> EnvelopeKey {
        let p = base.unsafelyUnwrapped
        var end = index + 1
        while end < count {
            let c = p[end]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            end += 1
        }
        if end < count && p[end] == UInt8(ascii: "\"") {
            let bytes = UnsafeBufferPointer(start: p + index + 1, count: end - index - 1)
            if let known = RawEnvelope.Key.match(bytes) {
                index = end + 1
                return .known(known)
            }
        }
        let name = try parseString()
        if let known = RawEnvelope.Key.match(name) { return .known(known) }
        return .unknown(name)
    }
}
