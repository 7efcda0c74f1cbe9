// Decoding and validation of the three envelopes.
//
// Order of checks, the same for every envelope, so that each defect maps to one code:
// 1. size (`message_too_large`), 2. JSON syntax of the whole frame (`malformed_json`),
// 3. the top level is an object (`invalid_envelope`), 4. `v` (`missing_field`, `wrong_type`,
// `unsupported_version`), 5. the other fields in the order they are written, each first for
// presence (`missing_field`), then JSON type (`wrong_type`), then value (`invalid_envelope`).
// Unknown top-level fields are ignored (forward compatibility).

extension RawEnvelope {
    /// Parses a frame into its envelope fields without building the top-level dictionary.
    /// A frame whose top level is not an object is still parsed completely (so that malformed
    /// JSON is reported as such) and then rejected as `invalid_envelope`.
    static func decode(_ buffer: UnsafeBufferPointer<UInt8>, what: String) throws(ContractError) -> RawEnvelope {
        try JSONCodec.checkSize(buffer.count)
        var parser = JSONParser(buffer)
        if let raw = try parser.parseEnvelope() { return raw }
        var fallback = JSONParser(buffer)
        let json = try fallback.parseDocument()
        return RawEnvelope(object: try EnvelopeFields.object(json, what: what))
    }
}

extension CommandEnvelope {
    /// Decodes from a byte array without copying it.
    public init(bytes: [UInt8]) throws(ContractError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(ContractError) in try CommandEnvelope(buffer) }
    }

    /// Decodes from raw memory (e.g. a ZeroMQ frame) without copying it.
    public init(bytes: UnsafeRawBufferPointer) throws(ContractError) {
        try self.init(bytes.assumingMemoryBound(to: UInt8.self))
    }

    init(_ buffer: UnsafeBufferPointer<UInt8>) throws(ContractError) {
        try self.init(raw: try RawEnvelope.decode(buffer, what: "a command envelope"))
    }

    /// Validates an already parsed envelope (the same checks as `init(bytes:)` after parsing).
    /// An absent `body` reads as `{}`.
    public init(json: JSON) throws(ContractError) {
        try self.init(raw: RawEnvelope(object: try EnvelopeFields.object(json, what: "a command envelope")))
    }

    init(raw object: RawEnvelope) throws(ContractError) {
        try EnvelopeFields.version(object[.v])
        let id = try EnvelopeFields.string(object[.id], field: "id")
        try EnvelopeFields.checkID(id)
        let type = try EnvelopeFields.string(object[.type], field: "type")
        try EnvelopeFields.checkType(type)
        let actor = try EnvelopeFields.string(object[.actor], field: "actor")
        try EnvelopeFields.checkActor(actor)
        let body = try EnvelopeFields.body(object[.body], field: "body", default: .object([:]))
        self.init(id: id, type: type, actor: actor, body: body)
    }

    /// Checks the fields as a decoder would; `encoded()` of a valid envelope always decodes.
    public func validate() throws(ContractError) {
        try EnvelopeFields.checkID(id)
        try EnvelopeFields.checkType(type)
        try EnvelopeFields.checkActor(actor)
        guard body.isObject else { throw FieldError.wrongType("body", expected: "an object", got: body) }
    }
}

extension ReplyEnvelope {
    /// Decodes from a byte array without copying it.
    public init(bytes: [UInt8]) throws(ContractError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(ContractError) in try ReplyEnvelope(buffer) }
    }

    /// Decodes from raw memory (e.g. a ZeroMQ frame) without copying it.
    public init(bytes: UnsafeRawBufferPointer) throws(ContractError) {
        try self.init(bytes.assumingMemoryBound(to: UInt8.self))
    }

    init(_ buffer: UnsafeBufferPointer<UInt8>) throws(ContractError) {
        try self.init(raw: try RawEnvelope.decode(buffer, what: "a reply envelope"))
    }

    /// Validates an already parsed reply. `result` may be any JSON value but must be present
    /// when `ok` is true; `error` must be an object with `code` and `message` when `ok` is false.
    /// The field not selected by `ok` is ignored. The id may be empty or carry any characters
    /// (it echoes the command's id as sent; see `EnvelopeLimits.idLengthMax`).
    public init(json: JSON) throws(ContractError) {
        try self.init(raw: RawEnvelope(object: try EnvelopeFields.object(json, what: "a reply envelope")))
    }

    init(raw object: RawEnvelope) throws(ContractError) {
        try EnvelopeFields.version(object[.v])
        let id = try EnvelopeFields.string(object[.id], field: "id")
        try EnvelopeFields.checkReplyID(id)
        let ok = try EnvelopeFields.bool(object[.ok], field: "ok")
        if ok {
            guard let result = object[.result] else { throw ContractError(.missingField, "missing field result") }
            self.init(id: id, outcome: .ok(result))
        } else {
            let error = try EnvelopeFields.body(object[.error], field: "error", default: nil)
            let code = try EnvelopeFields.string(error["code"], field: "error.code")
            try EnvelopeFields.checkErrorCode(code)
            let message = try EnvelopeFields.string(error["message"], field: "error.message")
            self.init(id: id, outcome: .error(ContractError(ErrorCode(rawValue: code), message)))
        }
    }

    /// Checks the fields as a decoder would; `encoded()` of a valid envelope always decodes.
    public func validate() throws(ContractError) {
        try EnvelopeFields.checkReplyID(id)
        if case .error(let error) = outcome { try EnvelopeFields.checkErrorCode(error.code.rawValue) }
    }
}

extension EventEnvelope {
    /// Decodes from a byte array without copying it.
    public init(bytes: [UInt8]) throws(ContractError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(ContractError) in try EventEnvelope(buffer) }
    }

    /// Decodes from raw memory (e.g. a ZeroMQ frame) without copying it.
    public init(bytes: UnsafeRawBufferPointer) throws(ContractError) {
        try self.init(bytes.assumingMemoryBound(to: UInt8.self))
    }

    init(_ buffer: UnsafeBufferPointer<UInt8>) throws(ContractError) {
        try self.init(raw: try RawEnvelope.decode(buffer, what: "an event envelope"))
    }

    /// Validates an already parsed event. `epoch` absent or `null` reads as nil; `body` is
    /// required (services always write it).
    public init(json: JSON) throws(ContractError) {
        try self.init(raw: RawEnvelope(object: try EnvelopeFields.object(json, what: "an event envelope")))
    }

    init(raw object: RawEnvelope) throws(ContractError) {
        try EnvelopeFields.version(object[.v])
        let source = try EnvelopeFields.string(object[.source], field: "source")
        try EnvelopeFields.checkSource(source)
        let seq = try EnvelopeFields.uint64(object[.seq], field: "seq")
        try EnvelopeFields.checkSeq(seq)
        let type = try EnvelopeFields.string(object[.type], field: "type")
        try EnvelopeFields.checkType(type)
        var epoch: UInt64? = nil
        if let value = object[.epoch], value != .null {
            epoch = try EnvelopeFields.uint64(value, field: "epoch")
        }
        let body = try EnvelopeFields.body(object[.body], field: "body", default: nil)
        self.init(source: source, seq: seq, type: type, epoch: epoch, body: body)
    }

    /// Checks the fields as a decoder would; `encoded()` of a valid envelope always decodes.
    public func validate() throws(ContractError) {
        try EnvelopeFields.checkSource(source)
        try EnvelopeFields.checkSeq(seq)
        try EnvelopeFields.checkType(type)
        guard body.isObject else { throw FieldError.wrongType("body", expected: "an object", got: body) }
    }
}

extension CommandEnvelope {
    /// The body's fields, read with messages that name them by path: `body.amountWei …`.
    public var fields: JSON.Fields { body.fields(at: "body") }
}

extension EventEnvelope {
    /// The body's fields, read with messages that name them by path: `body.amountWei …`.
    public var fields: JSON.Fields { body.fields(at: "body") }
}

// MARK: Envelopes as JSON values (e.g. events embedded in an `events.since` result)

extension CommandEnvelope {
    /// The envelope as a JSON object; `init(json:)` reads it back.
    public var json: JSON {
        .object(["v": .int(schemaVersion), "id": .string(id), "type": .string(type), "actor": .string(actor), "body": body])
    }
}

extension ReplyEnvelope {
    /// The envelope as a JSON object; `init(json:)` reads it back.
    public var json: JSON {
        switch outcome {
        case .ok(let result):
            return .object(["v": .int(schemaVersion), "id": .string(id), "ok": .bool(true), "result": result])
        case .error(let error):
            return .object([
                "v": .int(schemaVersion), "id": .string(id), "ok": .bool(false),
                "error": .object(["code": .string(error.code.rawValue), "message": .string(error.message)]),
            ])
        }
    }
}

extension EventEnvelope {
    /// The envelope as a JSON object (no `epoch` key when nil); `init(json:)` reads it back.
    public var json: JSON {
        var object: [String: JSON] = [
            "v": .int(schemaVersion), "source": .string(source), "seq": .int(seq), "type": .string(type), "body": body,
        ]
        if let epoch { object["epoch"] = .int(epoch) }
        return .object(object)
    }
}
