import Contracts
import PropertyBased
import Testing

// MARK: Generators

/// Random Unicode text biased towards the characters a JSON codec gets wrong: controls,
/// quotes, backslashes, multi-byte UTF-8, astral characters (surrogate pairs in UTF-16),
/// combining marks, and the last scalars before and after the surrogate gap.
func randomString(using rng: inout any SeededRandomNumberGenerator, lengthMax: Int = 24) -> String {
    let length = Int.random(in: 0...lengthMax, using: &rng)
    var scalars = String.UnicodeScalarView()
    for _ in 0..<length {
        let value: UInt32
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<45: value = UInt32.random(in: 0x20...0x7E, using: &rng)
        case 45..<55: value = UInt32.random(in: 0x00...0x1F, using: &rng)
        case 55..<62: value = [0x22, 0x5C, 0x2F, 0x7F][Int.random(in: 0..<4, using: &rng)]
        case 62..<72: value = UInt32.random(in: 0x80...0x7FF, using: &rng)
        case 72..<82: value = UInt32.random(in: 0x800...0xD7FF, using: &rng)
        case 82..<86: value = UInt32.random(in: 0xE000...0xFFFF, using: &rng)
        case 86..<94: value = UInt32.random(in: 0x10000...0x10FFFF, using: &rng)
        case 94..<97: value = UInt32.random(in: 0x300...0x36F, using: &rng)
        default: value = [0xD7FF, 0xE000, 0xFFFD, 0xFEFF, 0x2028, 0x10FFFF][Int.random(in: 0..<6, using: &rng)]
        }
        scalars.append(Unicode.Scalar(value)!)
    }
    return String(scalars)
}

/// A random number following the JSON grammar.
func randomNumberText(using rng: inout any SeededRandomNumberGenerator) -> String {
    var text = Bool.random(using: &rng) ? "-" : ""
    if Int.random(in: 0..<4, using: &rng) == 0 {
        text += "0"
    } else {
        text += String(Int.random(in: 1...9, using: &rng))
        for _ in 0..<Int.random(in: 0...25, using: &rng) { text += String(Int.random(in: 0...9, using: &rng)) }
    }
    if Int.random(in: 0..<3, using: &rng) == 0 {
        text += "."
        for _ in 0..<Int.random(in: 1...6, using: &rng) { text += String(Int.random(in: 0...9, using: &rng)) }
    }
    if Int.random(in: 0..<4, using: &rng) == 0 {
        text += ["e", "E"][Int.random(in: 0..<2, using: &rng)] + ["", "+", "-"][Int.random(in: 0..<3, using: &rng)]
        for _ in 0..<Int.random(in: 1...3, using: &rng) { text += String(Int.random(in: 0...9, using: &rng)) }
    }
    return text
}

func randomJSON(depth: Int, using rng: inout any SeededRandomNumberGenerator) -> JSON {
    let containers = depth < 6
    switch Int.random(in: 0..<(containers ? 8 : 5), using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(randomNumberText(using: &rng))
    case 3, 4: return .string(randomString(using: &rng))
    case 5, 6:
        var object: [String: JSON] = [:]
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            object[randomString(using: &rng, lengthMax: 10)] = randomJSON(depth: depth + 1, using: &rng)
        }
        return .object(object)
    default:
        return .array((0..<Int.random(in: 0...6, using: &rng)).map { _ in randomJSON(depth: depth + 1, using: &rng) })
    }
}

/// Smaller values for a failing case: null, any child, the container with one element fewer,
/// a shorter string. Every candidate is strictly smaller, so shrinking terminates.
@Sendable func shrinkJSON(_ value: JSON) -> sending [JSON] {
    switch value {
    case .null: return []
    case .bool, .number: return [.null]
    case .string(let text): return text.isEmpty ? [.null] : [.null, .string(String(text.dropLast()))]
    case .array(let elements):
        return [.null] + elements + elements.indices.map { index in
            var fewer = elements
            fewer.remove(at: index)
            return .array(fewer)
        }
    case .object(let object):
        return [.null] + Array(object.values) + object.keys.map { key in
            var fewer = object
            fewer[key] = nil
            return .object(fewer)
        }
    }
}

let jsonGenerator = Generator<JSON, [JSON]>(run: { rng in randomJSON(depth: 0, using: &rng) }, shrink: shrinkJSON)

let stringGenerator = Generator<String, Shrink.None<String>>(run: { rng in randomString(using: &rng, lengthMax: 64) })

/// Bytes that look like JSON more often than uniform noise does, so that the parser gets deep.
let jsonishBytesGenerator = Generator<[UInt8], Shrink.None<[UInt8]>>(run: { rng in
    let alphabet = Array(#"{}[],:"\ 0123456789-+.eEtrufalsn"#.utf8) + [0x0A, 0x00, 0x1F, 0x80, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F, 0xFF]
    return (0..<Int.random(in: 0...80, using: &rng)).map { _ in
        Bool.random(using: &rng) ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
    }
})

func randomEvent(using rng: inout any SeededRandomNumberGenerator) -> EventEnvelope {
    let sources = ["ledger", "rewards", "operators", "slashing"]
    let source = sources[Int.random(in: 0..<sources.count, using: &rng)]
    var body: [String: JSON] = [
        "account": .string(randomString(using: &rng, lengthMax: 12)),
        "amountWei": .amount(UInt128.random(in: 0...UInt128.max, using: &rng)),
    ]
    if Bool.random(using: &rng) { body["extra"] = randomJSON(depth: 2, using: &rng) }
    return EventEnvelope(
        source: source, seq: UInt64.random(in: 1...UInt64.max, using: &rng), type: "\(source).Staked",
        epoch: Bool.random(using: &rng) ? UInt64.random(in: 0...UInt64.max, using: &rng) : nil, body: .object(body))
}

/// A valid envelope's bytes with a few random edits: the inputs a fuzzer would try first.
let mutatedEnvelopeGenerator = Generator<[UInt8], Shrink.None<[UInt8]>>(run: { rng in
    var bytes: [UInt8]
    switch Int.random(in: 0..<3, using: &rng) {
    case 0: bytes = randomEvent(using: &rng).encoded()
    case 1:
        bytes = CommandEnvelope(
            id: "id-\(UInt32.random(in: 0...UInt32.max, using: &rng))", type: "ledger.stake",
            actor: randomString(using: &rng, lengthMax: 8) + "a", body: randomJSON(depth: 1, using: &rng).asObject
        ).encoded()
    default:
        bytes = ReplyEnvelope(
            id: "r", outcome: Bool.random(using: &rng)
                ? .ok(randomJSON(depth: 1, using: &rng)) : .error(ContractError(.notFound, randomString(using: &rng)))
        ).encoded()
    }
    let interesting = Array(#"{}[],:"\ 019-.eE"#.utf8) + [0x00, 0x80, 0xFF]
    for _ in 0..<Int.random(in: 0...4, using: &rng) where !bytes.isEmpty {
        let position = Int.random(in: 0..<bytes.count, using: &rng)
        let replacement = Bool.random(using: &rng)
            ? interesting[Int.random(in: 0..<interesting.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: bytes[position] = replacement
        case 1: bytes.insert(replacement, at: position)
        case 2: bytes.remove(at: position)
        default: bytes.removeSubrange(position...)  // truncation
        }
    }
    return bytes
})

extension JSON {
    var asObject: JSON { isObject ? self : .object(["value": self]) }
}

// MARK: Properties

@Suite struct PropertyTests {
    @Test func everyValueRoundTrips() async {
        await propertyCheck(count: 500, input: jsonGenerator) { (value: JSON) throws in
            let bytes = JSONCodec.serialize(value)
            let parsed = try JSONCodec.parse(bytes)
            #expect(parsed == value)
            #expect(JSONCodec.serialize(parsed) == bytes)  // deterministic bytes
        }
    }

    @Test func everyStringRoundTripsAsValueAndAsKey() async {
        await propertyCheck(count: 1000, input: stringGenerator) { (text: String) throws in
            #expect(try JSONCodec.parse(JSONCodec.serialize(.string(text))) == .string(text))
            let object = JSON.object([text: .string(text)])
            #expect(try JSONCodec.parse(JSONCodec.serialize(object)) == object)
            // No raw control characters ever reach the output.
            #expect(!JSONCodec.serialize(.string(text)).contains { $0 < 0x20 })
        }
    }

    @Test func randomBytesNeverCrashAndFailOnlyAsMalformed() async {
        await propertyCheck(count: 3000, input: jsonishBytesGenerator) { (bytes: [UInt8]) throws in
            do {
                let value = try JSONCodec.parse(bytes)
                // Whatever parses re-serializes to something that parses to the same value.
                #expect(try JSONCodec.parse(JSONCodec.serialize(value)) == value)
            } catch let error as ContractError {
                #expect(error.code == .malformedJSON || error.code == .messageTooLarge, "\(error)")
            }
        }
        await propertyCheck(count: 1000, input: Gen.uint8().array(of: 0...64)) { (bytes: [UInt8]) throws in
            #expect([nil, .malformedJSON].contains(errorCode { try JSONCodec.parse(bytes) }))
        }
    }

    /// The envelope decoders read fields straight from the bytes; they must agree exactly with
    /// the reference path (parse to `JSON`, then `init(json:)`) on every input: same value or
    /// same error code.
    @Test func fastEnvelopeDecodingAgreesWithTheReferencePath() async {
        await propertyCheck(count: 3000, input: mutatedEnvelopeGenerator) { (bytes: [UInt8]) throws in
            func reference<T>(_ decode: (JSON) throws -> T) -> Result<T, ContractError> {
                Result { () throws(ContractError) -> T in
                    let json = try JSONCodec.parse(bytes)
                    do { return try decode(json) } catch let error as ContractError { throw error } catch { fatalError() }
                }
            }
            func compare<T: Equatable>(_ fast: Result<T, ContractError>, _ slow: Result<T, ContractError>) {
                switch (fast, slow) {
                case (.success(let a), .success(let b)): #expect(a == b)
                case (.failure(let a), .failure(let b)): #expect(a.code == b.code, "\(a) vs \(b)")
                default: Issue.record("fast \(fast) vs reference \(slow) for \(bytes.text.debugDescription)")
                }
            }
            compare(Result { () throws(ContractError) in try EventEnvelope(bytes: bytes) }, reference(EventEnvelope.init(json:)))
            compare(Result { () throws(ContractError) in try CommandEnvelope(bytes: bytes) }, reference(CommandEnvelope.init(json:)))
            compare(Result { () throws(ContractError) in try ReplyEnvelope(bytes: bytes) }, reference(ReplyEnvelope.init(json:)))
        }
    }

    @Test func everyValidEventRoundTrips() async {
        let events = Generator<EventEnvelope, Shrink.None<EventEnvelope>>(run: { rng in randomEvent(using: &rng) })
        await propertyCheck(count: 500, input: events) { (event: EventEnvelope) throws in
            #expect(try EventEnvelope(bytes: event.encoded()) == event)
            #expect(try EventEnvelope(bytes: event.encoded()).body.amount("amountWei") == event.body.amount("amountWei"))
        }
    }

    @Test func everyValidCommandAndReplyRoundTrips() async {
        let commands = Generator<CommandEnvelope, Shrink.None<CommandEnvelope>>(run: { rng in
            let idAlphabet = Array("ABCXYZabcxyz0189._:-")
            let id = String((0..<Int.random(in: 1...128, using: &rng)).map { _ in idAlphabet.randomElement(using: &rng)! })
            var actor = randomString(using: &rng, lengthMax: 30)
            if actor.isEmpty || actor.utf8.count > 128 { actor = "alice" }
            return CommandEnvelope(id: id, type: "ledger.stake", actor: actor, body: randomJSON(depth: 1, using: &rng).asObject)
        })
        await propertyCheck(count: 500, input: commands) { (command: CommandEnvelope) throws in
            #expect(try CommandEnvelope(bytes: command.encoded()) == command)
            #expect(try CommandEnvelope(json: command.json) == command)
        }
        let replies = Generator<ReplyEnvelope, Shrink.None<ReplyEnvelope>>(run: { rng in
            let id = String(randomString(using: &rng, lengthMax: 40).utf8.prefix(128)) ?? ""
            if Bool.random(using: &rng) { return ReplyEnvelope(id: id, outcome: .ok(randomJSON(depth: 0, using: &rng))) }
            let code = ["insufficient_balance", "not_found", "x9_y"][Int.random(in: 0..<3, using: &rng)]
            return ReplyEnvelope(id: id, outcome: .error(ContractError(ErrorCode(rawValue: code), randomString(using: &rng))))
        })
        await propertyCheck(count: 500, input: replies) { (reply: ReplyEnvelope) throws in
            #expect(try ReplyEnvelope(bytes: reply.encoded()) == reply)
            #expect(try ReplyEnvelope(json: reply.json) == reply)
        }
    }

    @Test func everyAmountRoundTrips() async {
        await propertyCheck(count: 1000, input: Gen.uint128()) { (amount: UInt128) throws in
            let value = JSON.object(["amountWei": .amount(amount)])
            #expect(try JSONCodec.parse(JSONCodec.serialize(value)).amount("amountWei") == amount)
        }
        await propertyCheck(count: 1000, input: Gen.uint64()) { (number: UInt64) throws in
            let value = JSON.object(["seq": .int(number)])
            #expect(try JSONCodec.parse(JSONCodec.serialize(value)).uint64("seq") == number)
        }
    }
}
