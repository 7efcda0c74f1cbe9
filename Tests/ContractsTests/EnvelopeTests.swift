import Contracts
import Testing

@Suite struct CommandEnvelopeTests {
    let command = CommandEnvelope(
        id: "3f2a-01:x.y_Z", type: "ledger.stake", actor: "alice",
        body: .object(["account": .string("alice"), "amountWei": .amount(10_000_000_000_000_000_000)]))

    @Test func encodesTheDocumentedShape() {
        #expect(command.encoded().text
            == #"{"v":1,"id":"3f2a-01:x.y_Z","type":"ledger.stake","actor":"alice","body":{"account":"alice","amountWei":"10000000000000000000"}}"#)
    }

    @Test func roundTrips() throws {
        #expect(try CommandEnvelope(bytes: command.encoded()) == command)
        #expect(try CommandEnvelope(bytes: command.encoded()[...]) == command)
        #expect(try CommandEnvelope(json: JSONCodec.parse(command.encoded())) == command)
        try command.encoded().withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in #expect(try CommandEnvelope(bytes: raw) == command) }
        try command.validate()
    }

    @Test func acceptsAnyFieldOrderWhitespaceAndEscapes() throws {
        let text = #" { "body" : { } , "actor":"al\u0069ce", "type":"status", "\u0069d":"a", "v":1 } "#
        let decoded = try CommandEnvelope(bytes: text.bytes)
        #expect(decoded == CommandEnvelope(id: "a", type: "status", actor: "alice", body: .object([:])))
    }

    @Test func absentBodyReadsAsEmptyObject() throws {
        let decoded = try CommandEnvelope(bytes: #"{"v":1,"id":"a","type":"ledger.ping","actor":"bob"}"#.bytes)
        #expect(decoded.body == .object([:]))
    }

    @Test func ignoresUnknownTopLevelFields() throws {
        let text = #"{"v":1,"id":"a","type":"status","actor":"bob","trace":{"x":[1,2]},"zz":null,"sig":"00"}"#
        #expect(try CommandEnvelope(bytes: text.bytes) == CommandEnvelope(id: "a", type: "status", actor: "bob", body: .object([:])))
    }

    static let defects: [(String, ErrorCode)] = [
        // JSON-level defects come first, whatever else is wrong.
        (#"{"v":1,"id":"a","type":"status","actor":"bob","body":{}"#, .malformedJSON),
        (#"{"v":1,"id":"a","type":"status","actor":"bob","body":{},"id":"b"}"#, .malformedJSON),
        (#"{"v":1,"id":"a","type":"status","actor":"bob","x":1,"x":2}"#, .malformedJSON),
        (#"{"v":2,"id":"a","type":"status","actor":"bob","body":{"a":1,"a":1}}"#, .malformedJSON),
        (#"{"v":1} trailing"#, .malformedJSON),
        // The top level must be an object.
        (#"[1]"#, .invalidEnvelope), (#""v""#, .invalidEnvelope), ("null", .invalidEnvelope), ("1", .invalidEnvelope),
        // Version.
        (#"{"id":"a","type":"status","actor":"bob"}"#, .missingField),
        (#"{"v":"1","id":"a","type":"status","actor":"bob"}"#, .wrongType),
        (#"{"v":null,"id":"a","type":"status","actor":"bob"}"#, .wrongType),
        (#"{"v":2,"id":"a","type":"status","actor":"bob"}"#, .unsupportedVersion),
        (#"{"v":0,"id":"a","type":"status","actor":"bob"}"#, .unsupportedVersion),
        (#"{"v":1.0,"id":"a","type":"status","actor":"bob"}"#, .unsupportedVersion),
        (#"{"v":2}"#, .unsupportedVersion),  // a newer version's fields are not judged
        // id
        (#"{"v":1,"type":"status","actor":"bob"}"#, .missingField),
        (#"{"v":1,"id":7,"type":"status","actor":"bob"}"#, .wrongType),
        (#"{"v":1,"id":"","type":"status","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a b","type":"status","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"é","type":"status","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a/b","type":"status","actor":"bob"}"#, .invalidEnvelope),
        ("{\"v\":1,\"id\":\"\(String(repeating: "a", count: 129))\",\"type\":\"status\",\"actor\":\"bob\"}", .invalidEnvelope),
        // type
        (#"{"v":1,"id":"a","actor":"bob"}"#, .missingField),
        (#"{"v":1,"id":"a","type":["status"],"actor":"bob"}"#, .wrongType),
        (#"{"v":1,"id":"a","type":"","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","type":"Ledger.stake","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","type":"1ledger","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","type":"ledger..stake","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","type":"ledger.","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","type":"ledger stake","actor":"bob"}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","type":"ledger-stake","actor":"bob"}"#, .invalidEnvelope),
        ("{\"v\":1,\"id\":\"a\",\"type\":\"\(String(repeating: "a", count: 129))\",\"actor\":\"bob\"}", .invalidEnvelope),
        // actor
        (#"{"v":1,"id":"a","type":"status"}"#, .missingField),
        (#"{"v":1,"id":"a","type":"status","actor":null}"#, .wrongType),
        (#"{"v":1,"id":"a","type":"status","actor":""}"#, .invalidEnvelope),
        ("{\"v\":1,\"id\":\"a\",\"type\":\"status\",\"actor\":\"\(String(repeating: "a", count: 129))\"}", .invalidEnvelope),
        // body
        (#"{"v":1,"id":"a","type":"status","actor":"bob","body":null}"#, .wrongType),
        (#"{"v":1,"id":"a","type":"status","actor":"bob","body":[]}"#, .wrongType),
        (#"{"v":1,"id":"a","type":"status","actor":"bob","body":"{}"}"#, .wrongType),
    ]

    @Test(arguments: defects.indices)
    func rejectsEachDefectWithItsCode(_ index: Int) {
        let (text, code) = Self.defects[index]
        #expect(errorCode { try CommandEnvelope(bytes: text.bytes) } == code, "\(text)")
        // The reference path (parse, then validate) agrees, except where parsing itself fails.
        if code != .malformedJSON {
            #expect(errorCode { try CommandEnvelope(json: JSONCodec.parse(text.bytes)) } == code, "\(text)")
        }
    }

    @Test func acceptsFieldsAtTheirLimits() throws {
        let id = String(repeating: "a", count: 128)
        let type = "a" + String(repeating: "b", count: 127)
        let actor = String(repeating: "é", count: 64)  // 128 bytes
        let command = CommandEnvelope(id: id, type: type, actor: actor, body: .object([:]))
        #expect(try CommandEnvelope(bytes: command.encoded()) == command)
        let types = ["status", "events.since", "ledger.ping", "a.B_1.c", "x9"]
        for type in types {
            let command = CommandEnvelope(id: "A-Za-z0-9._:", type: type, actor: "0x" + String(repeating: "ab", count: 20), body: .object([:]))
            #expect(try CommandEnvelope(bytes: command.encoded()) == command, "\(type)")
        }
    }

    @Test func messagesNameTheFieldAndWhatWasExpected() {
        let wrong = contractError { try CommandEnvelope(bytes: #"{"v":1,"id":7,"type":"status","actor":"bob"}"#.bytes) }
        #expect(wrong?.message == "id must be a string, got a number")
        let missing = contractError { try CommandEnvelope(bytes: #"{"v":1,"id":"a","actor":"bob"}"#.bytes) }
        #expect(missing?.message == "missing field type")
        let version = contractError { try CommandEnvelope(bytes: #"{"v":2}"#.bytes) }
        #expect(version?.message.contains("v=2") == true)
        let body = contractError { try CommandEnvelope(bytes: #"{"v":1,"id":"a","type":"s","actor":"b","body":[]}"#.bytes) }
        #expect(body?.message == "body must be an object, got an array")
    }

    @Test func rejectsOversizeFrames() {
        let padding = String(repeating: "x", count: JSONCodec.messageBytesMax)
        let text = #"{"v":1,"id":"a","type":"status","actor":"bob","body":{"pad":"\#(padding)"}}"#
        #expect(errorCode { try CommandEnvelope(bytes: text.bytes) } == .messageTooLarge)
        #expect(errorCode { try EventEnvelope(bytes: text.bytes) } == .messageTooLarge)
        #expect(errorCode { try ReplyEnvelope(bytes: text.bytes) } == .messageTooLarge)
    }

    @Test func validateCatchesWhatTheDecoderWouldReject() {
        #expect(errorCode { try CommandEnvelope(id: "", type: "status", actor: "bob", body: .object([:])).validate() } == .invalidEnvelope)
        #expect(errorCode { try CommandEnvelope(id: "a", type: "status", actor: "bob", body: .array([])).validate() } == .wrongType)
    }
}

@Suite struct ReplyEnvelopeTests {
    @Test func encodesBothOutcomes() {
        let ok = ReplyEnvelope(id: "3f2a", outcome: .ok(.object(["balanceWei": .amount(5), "seq": .int(42)])))
        #expect(ok.encoded().text == #"{"v":1,"id":"3f2a","ok":true,"result":{"balanceWei":"5","seq":42}}"#)
        let error = ReplyEnvelope(
            id: "3f2a", outcome: .error(ContractError(ErrorCode(rawValue: "insufficient_balance"), "alice has 2.5 ETH, needs \"10\" ETH")))
        #expect(error.encoded().text
            == #"{"v":1,"id":"3f2a","ok":false,"error":{"code":"insufficient_balance","message":"alice has 2.5 ETH, needs \"10\" ETH"}}"#)
    }

    @Test func roundTrips() throws {
        let replies = [
            ReplyEnvelope(id: "a", outcome: .ok(.object([:]))),
            ReplyEnvelope(id: "a", outcome: .ok(.array([.null, .bool(false)]))),
            ReplyEnvelope(id: "", outcome: .error(ContractError(.malformedJSON, "malformed JSON at byte 3: …"))),
            ReplyEnvelope(id: "b", outcome: .error(ContractError(.idReused, ""))),
        ]
        for reply in replies {
            #expect(try ReplyEnvelope(bytes: reply.encoded()) == reply)
            try reply.validate()
        }
    }

    @Test func echoesAnyCommandIdUpToTheLimit() throws {
        // An invalid command id is echoed in the error reply so the client can match it.
        for id in ["", "a b", "é/ü", String(repeating: "x", count: 128)] {
            let reply = ReplyEnvelope(id: id, outcome: .error(ContractError(.invalidEnvelope, "bad id")))
            #expect(try ReplyEnvelope(bytes: reply.encoded()) == reply)
            try reply.validate()
        }
        #expect(errorCode { try ReplyEnvelope(id: String(repeating: "x", count: 129), outcome: .ok(.null)).validate() } == .invalidEnvelope)
    }

    @Test func ignoresTheFieldNotSelectedByOk() throws {
        let ok = try ReplyEnvelope(bytes: #"{"v":1,"id":"a","ok":true,"result":1,"error":"ignored"}"#.bytes)
        #expect(ok.outcome == .ok(.number("1")))
        let error = try ReplyEnvelope(bytes: #"{"v":1,"id":"a","ok":false,"result":1,"error":{"code":"timeout","message":"m","hint":1}}"#.bytes)
        #expect(error.outcome == .error(ContractError(.timeout, "m")))
    }

    static let defects: [(String, ErrorCode)] = [
        (#"{"v":1,"id":"a","ok":true}"#, .missingField),
        (#"{"v":1,"id":"a","result":{}}"#, .missingField),
        (#"{"v":1,"id":"a","ok":"true","result":{}}"#, .wrongType),
        (#"{"v":1,"id":"a","ok":1,"result":{}}"#, .wrongType),
        (#"{"v":1,"ok":true,"result":{}}"#, .missingField),
        ("{\"v\":1,\"id\":\"\(String(repeating: "a", count: 129))\",\"ok\":true,\"result\":{}}", .invalidEnvelope),
        (#"{"v":2,"id":"a","ok":true,"result":{}}"#, .unsupportedVersion),
        (#"{"v":1,"id":"a","ok":false}"#, .missingField),
        (#"{"v":1,"id":"a","ok":false,"error":"boom"}"#, .wrongType),
        (#"{"v":1,"id":"a","ok":false,"error":{"message":"m"}}"#, .missingField),
        (#"{"v":1,"id":"a","ok":false,"error":{"code":"timeout"}}"#, .missingField),
        (#"{"v":1,"id":"a","ok":false,"error":{"code":5,"message":"m"}}"#, .wrongType),
        (#"{"v":1,"id":"a","ok":false,"error":{"code":"timeout","message":null}}"#, .wrongType),
        (#"{"v":1,"id":"a","ok":false,"error":{"code":"Timeout","message":"m"}}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","ok":false,"error":{"code":"","message":"m"}}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","ok":false,"error":{"code":"time-out","message":"m"}}"#, .invalidEnvelope),
        (#"{"v":1,"id":"a","ok":true,"result":{},"ok":true}"#, .malformedJSON),
    ]

    @Test(arguments: defects.indices)
    func rejectsEachDefectWithItsCode(_ index: Int) {
        let (text, code) = Self.defects[index]
        #expect(errorCode { try ReplyEnvelope(bytes: text.bytes) } == code, "\(text)")
    }
}

@Suite struct EventEnvelopeTests {
    let event = EventEnvelope(
        source: "ledger", seq: 42, type: "ledger.Staked", epoch: 1201,
        body: .object(["account": .string("alice"), "amountWei": .amount(10_000_000_000_000_000_000)]))

    @Test func encodesTheDocumentedShape() {
        #expect(event.encoded().text
            == #"{"v":1,"source":"ledger","seq":42,"type":"ledger.Staked","epoch":1201,"body":{"account":"alice","amountWei":"10000000000000000000"}}"#)
        var noEpoch = event
        noEpoch.epoch = nil
        #expect(noEpoch.encoded().text
            == #"{"v":1,"source":"ledger","seq":42,"type":"ledger.Staked","body":{"account":"alice","amountWei":"10000000000000000000"}}"#)
        #expect(event.topic == "ledger.Staked.")
    }

    @Test func roundTripsIncludingExtremeNumbers() throws {
        for (seq, epoch) in [(UInt64(1), UInt64?.none), (42, 0), (UInt64.max, UInt64.max), (9, 10)] {
            var copy = event
            copy.seq = seq
            copy.epoch = epoch
            #expect(try EventEnvelope(bytes: copy.encoded()) == copy)
            try copy.validate()
        }
    }

    @Test func nullEpochReadsAsAbsent() throws {
        let decoded = try EventEnvelope(bytes: #"{"v":1,"source":"ledger","seq":1,"type":"ledger.Pinged","epoch":null,"body":{}}"#.bytes)
        #expect(decoded.epoch == nil)
    }

    static let defects: [(String, ErrorCode)] = [
        (#"{"v":1,"source":"ledger","seq":1,"type":"ledger.Pinged"}"#, .missingField),  // body is required
        (#"{"v":1,"source":"ledger","seq":1,"type":"ledger.Pinged","body":null}"#, .wrongType),
        (#"{"v":1,"source":"ledger","seq":1,"type":"ledger.Pinged","body":[]}"#, .wrongType),
        (#"{"v":1,"seq":1,"type":"ledger.Pinged","body":{}}"#, .missingField),
        (#"{"v":1,"source":"Ledger","seq":1,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"","seq":1,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger2","seq":1,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":7,"seq":1,"type":"ledger.Pinged","body":{}}"#, .wrongType),
        (#"{"v":1,"source":"ledger","type":"ledger.Pinged","body":{}}"#, .missingField),
        (#"{"v":1,"source":"ledger","seq":0,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger","seq":-1,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger","seq":1.5,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger","seq":1e3,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger","seq":18446744073709551616,"type":"ledger.Pinged","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger","seq":"42","type":"ledger.Pinged","body":{}}"#, .wrongType),
        (#"{"v":1,"source":"ledger","seq":1,"body":{}}"#, .missingField),
        (#"{"v":1,"source":"ledger","seq":1,"type":"Staked","body":{}}"#, .invalidEnvelope),
        (#"{"v":1,"source":"ledger","seq":1,"type":"ledger.Pinged","epoch":"3","body":{}}"#, .wrongType),
        (#"{"v":1,"source":"ledger","seq":1,"type":"ledger.Pinged","epoch":-3,"body":{}}"#, .invalidEnvelope),
        (#"{"v":3,"source":"ledger","seq":1,"type":"ledger.Pinged","body":{}}"#, .unsupportedVersion),
        (#"{"v":1,"source":"ledger","seq":1,"seq":2,"type":"ledger.Pinged","body":{}}"#, .malformedJSON),
        (#"{"v":1,"source":"ledger","seq":01,"type":"ledger.Pinged","body":{}}"#, .malformedJSON),
    ]

    @Test(arguments: defects.indices)
    func rejectsEachDefectWithItsCode(_ index: Int) {
        let (text, code) = Self.defects[index]
        #expect(errorCode { try EventEnvelope(bytes: text.bytes) } == code, "\(text)")
    }

    @Test func bodyNestingCountsFromTheEnvelope() {
        // The envelope is level 1 and the body level 2, so the body holds 62 more levels.
        let inner = String(repeating: "[", count: JSONCodec.nestingDepthMax - 2) + String(repeating: "]", count: JSONCodec.nestingDepthMax - 2)
        let ok = #"{"v":1,"source":"ledger","seq":1,"type":"ledger.X","body":{"a":\#(inner)}}"#
        #expect(errorCode { try EventEnvelope(bytes: ok.bytes) } == nil)
        let tooDeep = #"{"v":1,"source":"ledger","seq":1,"type":"ledger.X","body":{"a":[\#(inner)]}}"#
        #expect(errorCode { try EventEnvelope(bytes: tooDeep.bytes) } == .malformedJSON)
        #expect(errorCode { try JSONCodec.parse(tooDeep.bytes) } == .malformedJSON)
    }
}

@Suite struct EnvelopeJSONTests {
    @Test func envelopesConvertToJSONAndBack() throws {
        let event = EventEnvelope(source: "ledger", seq: 7, type: "ledger.Pinged", epoch: nil, body: .object(["n": .int(1)]))
        #expect(try EventEnvelope(json: event.json) == event)
        #expect(event.json["epoch"] == nil)
        var withEpoch = event
        withEpoch.epoch = 3
        #expect(try EventEnvelope(json: withEpoch.json) == withEpoch)
        let command = CommandEnvelope(id: "a", type: "events.since", actor: "rewards", body: .object(["seq": .int(5)]))
        #expect(try CommandEnvelope(json: command.json) == command)
        let ok = ReplyEnvelope(id: "a", outcome: .ok(.object(["events": .array([event.json, withEpoch.json])])))
        #expect(try ReplyEnvelope(json: ok.json) == ok)
        #expect(try ReplyEnvelope(bytes: JSONCodec.serialize(ok.json)) == ok)
        let failed = ReplyEnvelope(id: "a", outcome: .error(ContractError(.notFound, "no such account")))
        #expect(try ReplyEnvelope(json: failed.json) == failed)
        // An events.since-style result: events embedded as objects, read back one by one.
        let result = try ReplyEnvelope(bytes: ok.encoded())
        guard case .ok(let value) = result.outcome else {
            Issue.record("expected ok")
            return
        }
        #expect(try value.array("events").map { try EventEnvelope(json: $0) } == [event, withEpoch])
    }
}
