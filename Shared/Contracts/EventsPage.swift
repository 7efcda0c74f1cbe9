/// A page of a source's journal: the result of `events.since` (docs/PROTOCOL.md §9.1).
public struct EventsPage: Sendable, Hashable {
    public var events: [EventEnvelope]
    /// The source's journal head when the page was read.
    public var lastSeq: UInt64

    public init(events: [EventEnvelope], lastSeq: UInt64) {
        self.events = events
        self.lastSeq = lastSeq
    }

    /// Reads a page from an `events.since` result.
    public init(result: JSON) throws(ContractError) {
        var events: [EventEnvelope] = []
        for item in try result.array("events") {
            events.append(try EventEnvelope(json: item))
        }
        self.events = events
        self.lastSeq = try result.uint64("lastSeq")
    }

    /// The whole reply to `events.since`, built by splicing the journaled envelopes (compact
    /// JSON objects already) into the reply instead of parsing and re-encoding each one.
    public static func replyBytes(id: String, envelopes: [[UInt8]], lastSeq: UInt64) -> [UInt8] {
        var reply = ReplyEnvelope(id: id, outcome: .ok(.object(["events": .array([]), "lastSeq": .int(lastSeq)])))
            .encoded()
        let marker = Array(#""events":[]"#.utf8)
        guard let range = reply.firstRange(of: marker) else {
            preconditionFailure("events.since reply has no events array")
        }
        var spliced: [UInt8] = Array(#""events":["#.utf8)
        spliced.reserveCapacity(envelopes.reduce(16) { $0 + $1.count + 1 })
        for (index, envelope) in envelopes.enumerated() {
            if index > 0 { spliced.append(UInt8(ascii: ",")) }
            spliced += envelope
        }
        spliced.append(UInt8(ascii: "]"))
        reply.replaceSubrange(range, with: spliced)
        return reply
    }
}
