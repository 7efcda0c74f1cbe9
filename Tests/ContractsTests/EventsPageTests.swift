import Contracts
import Testing

@Suite("events.since pages")
struct EventsPageTests {
    @Test("spliced reply bytes read back as the same events and head", arguments: [0, 1, 3])
    func roundTrip(count: Int) throws {
        let events = (0..<count).map { index in
            EventEnvelope(source: "ledger", seq: UInt64(index + 1), type: "ledger.Pinged",
                          epoch: index == 1 ? 7 : nil, body: .object(["n": .int(index), "s": .string("é\u{1}\"")]))
        }
        let bytes = EventsPage.replyBytes(id: "since-1", envelopes: events.map { $0.encoded() }, lastSeq: 9)
        let reply = try ReplyEnvelope(bytes: bytes)
        #expect(reply.id == "since-1")
        guard case .ok(let result) = reply.outcome else { Issue.record("not ok"); return }
        let page = try EventsPage(result: result)
        #expect(page == EventsPage(events: events, lastSeq: 9))
    }

    @Test("a result without events or head is refused with the field named")
    func malformedResult() {
        #expect(throws: ContractError.self) { try EventsPage(result: .object(["lastSeq": .int(1)])) }
        do {
            _ = try EventsPage(result: .object(["events": .array([])]))
            Issue.record("accepted a page without lastSeq")
        } catch {
            #expect(error.code == .missingField)
            #expect(error.message.contains("lastSeq"))
        }
    }
}
