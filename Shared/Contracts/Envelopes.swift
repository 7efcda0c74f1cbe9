/// The schema version every envelope carries as `v`.
public let schemaVersion = 1

/// A command sent to the owning service's request endpoint (DESIGN.md §4).
/// `{"v":1,"id":"…","type":"ledger.stake","actor":"alice","body":{…}}`
public struct CommandEnvelope: Sendable, Hashable {
    /// Client-made idempotency key: 1…128 chars of `[A-Za-z0-9._:-]`.
    public var id: String
    /// `<service>.<command>`, e.g. `ledger.ping`, `events.since`, `status`.
    public var type: String
    /// Who asks; checked by the service before anything changes (DESIGN.md §9).
    public var actor: String
    public var body: JSON
    public init(id: String, type: String, actor: String, body: JSON) {
        self.id = id; self.type = type; self.actor = actor; self.body = body
    }
    /// Decodes and validates an envelope. Throws with a stable code on any defect:
    /// `message_too_large`, `malformed_json` (including duplicate keys), `invalid_envelope`,
    /// `unsupported_version`, `missing_field`, `wrong_type` — in that order of checks
    /// (docs/PROTOCOL.md §3). An absent `body` reads as `{}`; unknown top-level fields are
    /// ignored. Never traps. `[UInt8]` and `UnsafeRawBufferPointer` overloads avoid any copy.
    public init(bytes: some Collection<UInt8>) throws(ContractError) {
        self = try JSONCodec.withBytes(bytes) { (buffer) throws(ContractError) in try CommandEnvelope(buffer) }
    }
    /// Compact JSON: `{"v":1,"id":…,"type":…,"actor":…,"body":…}` in that order, body keys sorted.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 128 + id.utf8.count + type.utf8.count + actor.utf8.count)
        writer.writeASCII("{\"v\":1,\"id\":")
        writer.writeString(id)
        writer.writeASCII(",\"type\":")
        writer.writeString(type)
        writer.writeASCII(",\"actor\":")
        writer.writeString(actor)
        writer.writeASCII(",\"body\":")
        writer.write(body)
        writer.append(UInt8(ascii: "}"))
        return writer.finish()
    }
}

/// The single reply to a command.
/// `{"v":1,"id":"…","ok":true,"result":{…}}` or `{"v":1,"id":"…","ok":false,"error":{"code":"…","message":"…"}}`
public struct ReplyEnvelope: Sendable, Hashable {
    public var id: String
    public var outcome: Outcome
    public enum Outcome: Sendable, Hashable {
        case ok(JSON)
        case error(ContractError)
    }
    public init(id: String, outcome: Outcome) { self.id = id; self.outcome = outcome }
    /// Decodes and validates a reply, with the same codes and order of checks as
    /// `CommandEnvelope.init(bytes:)`. The id may be empty or any string of at most 128 bytes.
    public init(bytes: some Collection<UInt8>) throws(ContractError) {
        self = try JSONCodec.withBytes(bytes) { (buffer) throws(ContractError) in try ReplyEnvelope(buffer) }
    }
    /// Compact JSON: `{"v":1,"id":…,"ok":true,"result":…}` or
    /// `{"v":1,"id":…,"ok":false,"error":{"code":…,"message":…}}`, in that order.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 128 + id.utf8.count)
        writer.writeASCII("{\"v\":1,\"id\":")
        writer.writeString(id)
        switch outcome {
        case .ok(let result):
            writer.writeASCII(",\"ok\":true,\"result\":")
            writer.write(result)
        case .error(let error):
            writer.writeASCII(",\"ok\":false,\"error\":{\"code\":")
            writer.writeString(error.code.rawValue)
            writer.writeASCII(",\"message\":")
            writer.writeString(error.message)
            writer.append(UInt8(ascii: "}"))
        }
        writer.append(UInt8(ascii: "}"))
        return writer.finish()
    }
}

/// An event as journaled and published: `(source, seq)` is its position in the source's journal.
/// `{"v":1,"source":"ledger","seq":42,"type":"ledger.Staked","epoch":1201,"body":{…}}`
public struct EventEnvelope: Sendable, Hashable {
    public var source: String
    public var seq: UInt64
    /// `<source>.<EventName>`, e.g. `ledger.Pinged`. The bus topic is `type + "."`.
    public var type: String
    public var epoch: UInt64?
    public var body: JSON
    public init(source: String, seq: UInt64, type: String, epoch: UInt64?, body: JSON) {
        self.source = source; self.seq = seq; self.type = type; self.epoch = epoch; self.body = body
    }
    /// Decodes and validates an event, with the same codes and order of checks as
    /// `CommandEnvelope.init(bytes:)`. `body` is required; `epoch` absent or `null` is nil.
    public init(bytes: some Collection<UInt8>) throws(ContractError) {
        self = try JSONCodec.withBytes(bytes) { (buffer) throws(ContractError) in try EventEnvelope(buffer) }
    }
    /// Compact JSON: `{"v":1,"source":…,"seq":…,"type":…,"epoch":…,"body":…}` in that order;
    /// `epoch` is omitted when nil.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + type.utf8.count)
        writer.writeASCII("{\"v\":1,\"source\":")
        writer.writeString(source)
        writer.writeASCII(",\"seq\":")
        writer.writeUInt64(seq)
        writer.writeASCII(",\"type\":")
        writer.writeString(type)
        if let epoch {
            writer.writeASCII(",\"epoch\":")
            writer.writeUInt64(epoch)
        }
        writer.writeASCII(",\"body\":")
        writer.write(body)
        writer.append(UInt8(ascii: "}"))
        return writer.finish()
    }
    /// The bus topic frame: `type` followed by a dot, so prefixes never collide.
    public var topic: String { type + "." }
}
