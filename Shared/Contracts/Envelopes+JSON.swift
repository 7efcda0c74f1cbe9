// Envelope <-> JSON tree conversions, for envelopes nested inside other messages
// (e.g. the events of an `events.since` reply).
extension EventEnvelope {
    public init(json: JSON) throws(ContractError) { fatalError("unimplemented") }
}
