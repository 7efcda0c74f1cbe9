import Bus
import Contracts
import Foundation
import Logging
import Synchronization
import Testing

/// A source with an in-memory journal: answers `events.since` and publishes (or, to simulate a
/// drop, does not publish) each event it journals.
final class FakeSource: Sendable {
    let name: String
    let requestEndpoint = LoopbackPort.endpoint()
    let journal = Mutex<[EventEnvelope]>([])
    let server: RequestServer
    let publisher: EventPublisher

    init(name: String, context: ZMQContext, busPublishers: String) throws {
        self.name = name
        server = RequestServer(endpoint: requestEndpoint)
        publisher = EventPublisher(source: name, endpoint: busPublishers, heartbeatIntervalMs: 100)
        try publisher.start(context: context, lastSeq: 0, logger: Logger(label: "test"))
        try server.start(context: context, logger: Logger(label: "test")) { [self] request in
            guard let command = try? CommandEnvelope(bytes: request.payload) else { return }
            let after = (try? command.body.uint64("after")) ?? 0
            let limit = Int((try? command.body.uint64("limit")) ?? 100)
            let (page, head) = self.journal.withLock { events in
                (Array(events.filter { $0.seq > after }.prefix(limit)), UInt64(events.count))
            }
            let result = JSON.object([
                "events": .array(page.map(\.json)), "lastSeq": .int(head),
            ])
            self.server.reply(to: request.route, payload: ReplyEnvelope(id: command.id, outcome: .ok(result)).encoded())
        }
    }

    /// Journals the next event; publishes it unless `drop`.
    func emit(drop: Bool = false) {
        let event = journal.withLock { events in
            let event = EventEnvelope(source: name, seq: UInt64(events.count + 1), type: name + ".Tick",
                                      epoch: nil, body: .object(["n": .int(events.count + 1)]))
            events.append(event)
            return event
        }
        // A dropped event is journaled but never reaches the wire.
        if drop {
            publisher.noteJournaled(upTo: event.seq)
        } else {
            publisher.publish([EventPublisher.Message(seq: event.seq, topic: event.topic, envelope: event.encoded())])
        }
    }

    func stop() {
        publisher.stop()
        server.stop()
    }
}

/// Collects what a subscriber delivers.
final class Collector: Sendable {
    let events = Mutex<[EventEnvelope]>([])
    let threads = Mutex<Set<UInt>>([])

    func add(_ event: EventEnvelope) {
        events.withLock { $0.append(event) }
        threads.withLock { _ = $0.insert(UInt(pthread_self())) }
    }

    func seqs(of source: String) -> [UInt64] {
        events.withLock { $0.filter { $0.source == source }.map(\.seq) }
    }

    /// Waits until `source` has delivered `count` events (or the time runs out).
    func wait(for source: String, count: Int, timeoutSeconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if seqs(of: source).count >= count { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}

@Suite("Sequenced subscriber", .serialized)
struct SequencedSubscriberTests {
    let logger = Logger(label: "test")

    func makeProxy(_ context: ZMQContext) throws -> BusProxy {
        let proxy = BusProxy(
            publishersEndpoint: LoopbackPort.endpoint(), subscribersEndpoint: LoopbackPort.endpoint(),
            controlEndpoint: LoopbackPort.endpoint())
        try proxy.start(context: context, logger: logger) { _, _ in [] }
        return proxy
    }

    @Test("a slow joiner misses nothing: events published before it subscribed come from the journal")
    func slowJoiner() throws {
        let context = ZMQContext()
        let proxy = try makeProxy(context)
        let source = try FakeSource(name: "alpha", context: context, busPublishers: proxy.publishersEndpoint)
        for _ in 0..<100 { source.emit() }
        let collector = Collector()
        let subscriber = SequencedSubscriber(
            subscriberName: "test", busEndpoint: proxy.subscribersEndpoint,
            sources: [.init(name: "alpha", requestEndpoint: source.requestEndpoint)], appliedSeqs: [:])
        try subscriber.start(context: context, logger: logger) { collector.add($0) }
        for _ in 0..<100 { source.emit() }
        #expect(collector.wait(for: "alpha", count: 200))
        #expect(collector.seqs(of: "alpha") == Array(1...200))
        // Delivered on the subscriber's one dedicated thread, never on a caller's.
        let threads = collector.threads.withLock { $0 }
        #expect(threads.count == 1)
        #expect(!threads.contains(UInt(pthread_self())))
        subscriber.stop()
        source.stop()
        proxy.stop()
    }

    @Test("gaps in the live stream and a lost tail are recovered, each event once, in order")
    func gapsAndTailLoss() throws {
        let context = ZMQContext()
        let proxy = try makeProxy(context)
        let source = try FakeSource(name: "beta", context: context, busPublishers: proxy.publishersEndpoint)
        let collector = Collector()
        let subscriber = SequencedSubscriber(
            subscriberName: "test", busEndpoint: proxy.subscribersEndpoint,
            sources: [.init(name: "beta", requestEndpoint: source.requestEndpoint)], appliedSeqs: [:])
        try subscriber.start(context: context, logger: logger) { collector.add($0) }
        for index in 1...300 {
            source.emit(drop: index % 7 == 0 || index > 290)  // scattered drops, then the tail lost
        }
        #expect(collector.wait(for: "beta", count: 300))
        #expect(collector.seqs(of: "beta") == Array(1...300))
        #expect((subscriber.progress["beta"]?.fetchedCount ?? 0) > 0)
        subscriber.stop()
        source.stop()
        proxy.stop()
    }

    @Test("a restarted subscriber resumes after its cursor: no gap, no duplicate")
    func resumeFromCursor() throws {
        let context = ZMQContext()
        let proxy = try makeProxy(context)
        let source = try FakeSource(name: "gamma", context: context, busPublishers: proxy.publishersEndpoint)
        for _ in 0..<50 { source.emit() }
        let collector = Collector()
        let subscriber = SequencedSubscriber(
            subscriberName: "test", busEndpoint: proxy.subscribersEndpoint,
            sources: [.init(name: "gamma", requestEndpoint: source.requestEndpoint)], appliedSeqs: ["gamma": 30])
        try subscriber.start(context: context, logger: logger) { collector.add($0) }
        for _ in 0..<10 { source.emit() }
        #expect(collector.wait(for: "gamma", count: 30))
        #expect(collector.seqs(of: "gamma") == Array(31...60))
        subscriber.stop()
        source.stop()
        proxy.stop()
    }
}
