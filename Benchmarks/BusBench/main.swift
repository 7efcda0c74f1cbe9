// BusBench: the bus and service-kit figures of docs/BENCHMARKS.md, side by side in one run.
//
//   1. raw libzmq: [topic, 300-byte body] through the same XSUB/XPUB proxy (BusProxy)
//   2. sequenced JSON events: encoded, published, proxied, received, decoded and sequenced by
//      SequencedSubscriber (gaps recovered through events.since), end to end
//   3. command round trip, one in flight, through DEALER → ROUTER into a ServiceRuntime whose
//      every command is journaled (SQLite WAL) before the reply: p50/p99/p99.9
//   4. durable commands/s with 64 in flight
//
// Usage: BusBench [--events N] [--raw N] [--round-trips N] [--commands N]
import Bus
import Contracts
import Foundation
import Histogram
import Logging
import ServiceKit
import Synchronization

var settings = (raw: 1_000_000, events: 500_000, roundTrips: 20_000, commands: 100_000)
do {
    var arguments = Array(CommandLine.arguments.dropFirst())
    while arguments.count >= 2 {
        let value = Int(arguments[1]) ?? 0
        switch arguments[0] {
        case "--raw": settings.raw = value
        case "--events": settings.events = value
        case "--round-trips": settings.roundTrips = value
        case "--commands": settings.commands = value
        default: fatalError("unknown option \(arguments[0])")
        }
        arguments.removeFirst(2)
    }
}

let logger = Logger(label: "bench")
// One context per role, as if each were its own process: each gets its own libzmq I/O thread.
let context = ZMQContext(ioThreads: 1)
let proxyContext = ZMQContext(ioThreads: 1)
let subscriberContext = ZMQContext(ioThreads: 1)

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = start.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func microseconds(since start: ContinuousClock.Instant) -> UInt64 {
    let elapsed = start.duration(to: .now)
    return UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
}

func line(_ name: String, _ value: String) {
    print(name.padding(toLength: 66, withPad: " ", startingAt: 0) + value)
}

func rate(_ count: Int, _ seconds: Double) -> String {
    let perSecond = Double(count) / seconds
    return perSecond >= 1_000_000 ? String(format: "%.2fM/s", perSecond / 1e6) : String(format: "%.1fk/s", perSecond / 1e3)
}

let proxy = BusProxy(
    publishersEndpoint: LoopbackPort.endpoint(), subscribersEndpoint: LoopbackPort.endpoint(),
    controlEndpoint: LoopbackPort.endpoint())
try proxy.start(context: proxyContext, logger: logger) { _, _ in [] }

print("Stakeline BusBench — libzmq \(ZMQContext.libraryVersion), \(ProcessInfo.processInfo.activeProcessorCount) cores")
print(String(repeating: "-", count: 80))

// MARK: 1. Raw libzmq through the proxy

do {
    let count = settings.raw
    let received = Atomic<Int>(0)
    let subscribed = BlockingQueue<Bool>(capacity: 1)
    let done = BlockingQueue<Double>(capacity: 1)
    _ = OwnedThread(name: "raw-sub") {
        let socket = try! ZMQSocket(subscriberContext, .sub)
        try! socket.setHighWaterMarks(send: 1000, receive: 100_000)
        try! socket.subscribe("raw.")
        try! socket.connect(proxy.subscribersEndpoint)
        subscribed.push(true)
        var start: ContinuousClock.Instant?
        var last = ContinuousClock.now
        var poller = ZMQPoller([.socket(socket)])
        while received.load(ordering: .relaxed) < count {
            guard (try? poller.poll(timeoutMs: 1000))?[0] == true else { break }
            while let frames = try? socket.receive(dontWait: true) {
                if frames[0] == Array("raw.warm".utf8) { continue }
                last = .now
                if start == nil { start = last }
                if received.add(1, ordering: .relaxed).newValue == count { break }
            }
        }
        // From the first message to the last one received (not to the idle timeout).
        done.push(start.map { seconds(since: $0) - seconds(since: last) } ?? 0)
    }
    _ = subscribed.take(limit: 1, timeoutMs: 5000)
    let publisher = try ZMQSocket(context, .pub)
    try publisher.setHighWaterMarks(send: 100_000, receive: 1000)
    try publisher.setNoDrop(true)  // back-pressure from the proxy, as in the reference measurement
    try publisher.connect(proxy.publishersEndpoint)
    // Wait out the slow-joiner window: subscriptions travel sub → proxy → publisher.
    for _ in 0..<50 {
        _ = try publisher.send([Array("raw.warm".utf8), [0]], dontWait: true)
        Thread.sleep(forTimeInterval: 0.01)
    }
    let topic = Array("raw.x".utf8)
    let body = [UInt8](repeating: 0x61, count: 300)
    for _ in 0..<count { try publisher.send([topic, body]) }
    let elapsed = done.take(limit: 1, timeoutMs: 120_000)?.first ?? 0
    let got = received.load(ordering: .relaxed)
    line("raw libzmq via proxy, [topic, 300 B] (delivered \(got * 100 / max(1, count))%)", rate(got, elapsed))
    publisher.close()
}

// MARK: 2. Sequenced JSON events end to end

/// An in-memory journal answering events.since, so the subscriber can recover what PUB drops.
final class MemorySource: Sendable {
    let journal = Mutex<[[UInt8]]>([])
    let server = RequestServer(endpoint: LoopbackPort.endpoint())

    func start() throws {
        try server.start(context: context, logger: logger) { [self] request in
            guard let command = try? CommandEnvelope(bytes: request.payload) else { return }
            let after = Int((try? command.body.uint64("after")) ?? 0)
            let limit = Int((try? command.body.uint64("limit")) ?? 1000)
            let (page, head) = journal.withLock { events in
                (Array(events[min(after, events.count)..<min(after + limit, events.count)]), events.count)
            }
            server.reply(to: request.route, payload: EventsPage.replyBytes(id: command.id, envelopes: page, lastSeq: UInt64(head)))
        }
    }
}

do {
    let count = settings.events
    let source = MemorySource()
    try source.start()
    let publisher = EventPublisher(source: "bench", endpoint: proxy.publishersEndpoint, heartbeatIntervalMs: 100)
    try publisher.start(context: context, lastSeq: 0, logger: logger)
    let delivered = Atomic<Int>(0)
    let subscriber = SequencedSubscriber(
        subscriberName: "bench-sub", busEndpoint: proxy.subscribersEndpoint,
        sources: [.init(name: "bench", requestEndpoint: source.server.endpoint)], appliedSeqs: [:])
    try subscriber.start(context: subscriberContext, logger: logger) { event in
        precondition(event.body["account"] != nil)
        delivered.add(1, ordering: .relaxed)
    }
    Thread.sleep(forTimeInterval: 0.3)  // subscriptions propagate
    // Encoding is the publishing service's work, measured on its own by ContractsBenchmarks
    // (~0.9 µs per event); here the events are encoded first so the figure is the bus's.
    var encoded: [EventPublisher.Message] = []
    encoded.reserveCapacity(count)
    var sampleSize = 0
    for seq in 1...UInt64(count) {
        let event = EventEnvelope(
            source: "bench", seq: seq, type: "bench.Staked", epoch: 1201 + seq / 225,
            body: .object([
                "account": .string("account-\(seq % 1000)"), "amountWei": .amount(10_000_000_000_000_000_000 + UInt128(seq)),
                "sharesMinted": .amount(9_876_543_210_987_654_321 + UInt128(seq)), "pool": .string("steth"),
                "totalPooledEtherWei": .amount(123_456_789_000_000_000_000_000), "totalShares": .amount(120_000_000_000_000_000_000_000),
                "operator": .string("operator-\(seq % 7)"), "note": .string("bench event"),
            ]))
        let bytes = event.encoded()
        sampleSize = bytes.count
        encoded.append(.init(seq: seq, topic: event.topic, envelope: bytes))
    }
    source.journal.withLock { $0 = encoded.map(\.envelope) }
    let window = 20_000
    let start = ContinuousClock.now
    var next = 0
    while next < count {
        let end = min(next + 256, count)
        publisher.publish(Array(encoded[next..<end]))
        next = end
        // Flow control: at most `window` events in flight, below every high-water mark, so
        // this measures the sustained rate rather than how fast drops are recovered.
        while next - delivered.load(ordering: .relaxed) > window { usleep(200) }
    }
    while delivered.load(ordering: .relaxed) < count && seconds(since: start) < 300 {
        Thread.sleep(forTimeInterval: 0.001)
    }
    let elapsed = seconds(since: start)
    let fetched = subscriber.progress["bench"]?.fetchedCount ?? 0
    line("sequenced JSON events end to end (\(sampleSize) B, \(fetched) via events.since)",
         rate(delivered.load(ordering: .relaxed), elapsed))
    subscriber.stop()
    publisher.stop()
    source.server.stop()
}

// MARK: 3 and 4. Durable commands through a ServiceRuntime

enum BenchIdentity: ServiceIdentity {
    static let serviceName = "bench"
    static let followedSources: [String] = []
}

func commandBytes(_ index: Int) -> (id: String, bytes: [UInt8]) {
    let id = "bench-\(index)"
    let command = CommandEnvelope(
        id: id, type: "bench.ping", actor: "alice",
        body: .object(["message": .string("stake 10 ETH into steth for alice, round trip \(index) …")]))
    return (id, command.encoded())
}

/// The disk's floor under a FULL commit: rewrite `pageCount` 4 KiB pages in place and
/// `fdatasync`, as a one-command commit does to the WAL once it has reached its size. The VM's
/// flush latency moves with the host's load, so every durable figure is printed beside it.
func fdatasyncFloor(directory: URL, pageCount: Int = 3, count: Int = 2000) -> Histogram<UInt64> {
    let path = directory.appendingPathComponent("fdatasync-probe").path
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "cannot open \(path)")
    defer { close(fd); unlink(path) }
    let page = [UInt8](repeating: 0x5a, count: 4096)
    for index in 0..<pageCount { _ = pwrite(fd, page, page.count, off_t(index * 4096)) }
    _ = fdatasync(fd)
    var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    for _ in 0..<count {
        let start = ContinuousClock.now
        for index in 0..<pageCount {
            precondition(pwrite(fd, page, page.count, off_t(index * 4096)) == page.count, "pwrite failed")
        }
        precondition(fdatasync(fd) == 0, "fdatasync failed")
        _ = histogram.record(microseconds(since: start))
    }
    return histogram
}

for durability in [Journal.Durability.full, .normal] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("busbench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    if durability == .full {
        let floor = fdatasyncFloor(directory: directory)
        line("disk floor: 3 pages rewritten + fdatasync, 2000 times",
             "p50 \(floor.valueAtPercentile(50)) µs, p99 \(floor.valueAtPercentile(99)) µs, p99.9 \(floor.valueAtPercentile(99.9)) µs")
    }
    let journal = try Journal(path: directory.appendingPathComponent("bench.sqlite").path, durability: durability)
    let endpoint = LoopbackPort.endpoint()
    let runtime = try ServiceRuntime<PlumbingDomain<BenchIdentity>>(
        journal: journal,
        options: RuntimeOptions(
            requestEndpoint: endpoint, busPublishersEndpoint: proxy.publishersEndpoint,
            busSubscribersEndpoint: proxy.subscribersEndpoint, sourceEndpoints: [:],
            roles: Roles(admins: [], oracles: []), heartbeatIntervalMs: 1000, requestTimeoutMs: 2000),
        version: "bench", logger: logger)
    try runtime.start()

    let client = RequestClient(context: context, endpoint: endpoint, timeoutMs: 5000, attemptsMax: 1)
    if durability == .full {
        // The floor: `status` goes through the same sockets and threads but writes nothing.
        var floor = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for index in 0..<(settings.roundTrips + 1000) {
            let command = CommandEnvelope(id: "status-\(index)", type: "status", actor: "bench", body: .object([:]))
            let start = ContinuousClock.now
            _ = try client.request(command)
            if index >= 1000 { _ = floor.record(microseconds(since: start)) }
        }
        line("status round trip (no journal write), 1 in flight",
             "p50 \(floor.valueAtPercentile(50)) µs, p99 \(floor.valueAtPercentile(99)) µs, p99.9 \(floor.valueAtPercentile(99.9)) µs")
    }

    // One in flight: latency.
    var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    for index in 0..<(settings.roundTrips + 1000) {
        let (id, bytes) = commandBytes(index)
        let start = ContinuousClock.now
        let reply = try client.request(payload: bytes, id: id)
        guard case .ok = reply.outcome else { fatalError("refused: \(reply)") }
        if index >= 1000 {
            _ = histogram.record(microseconds(since: start))
        }
    }
    line("durable round trip, 1 in flight, synchronous=\(durability == .full ? "FULL" : "NORMAL")",
         "p50 \(histogram.valueAtPercentile(50)) µs, p99 \(histogram.valueAtPercentile(99)) µs, p99.9 \(histogram.valueAtPercentile(99.9)) µs")

    // 64 in flight: throughput.
    let dealer = try ZMQSocket(context, .dealer)
    try dealer.setHighWaterMarks(send: 10_000, receive: 10_000)
    try dealer.connect(endpoint)
    let base = 10_000_000
    let total = settings.commands
    let inFlightMax = 64
    var sent = 0
    var received = 0
    let start = ContinuousClock.now
    while sent < min(inFlightMax, total) {
        try dealer.send([commandBytes(base + sent).bytes])
        sent += 1
    }
    while received < total {
        guard let frames = try dealer.receive() else { continue }
        let reply = try ReplyEnvelope(bytes: frames[frames.count - 1])
        guard case .ok = reply.outcome else { fatalError("refused: \(reply)") }
        received += 1
        if sent < total {
            try dealer.send([commandBytes(base + sent).bytes])
            sent += 1
        }
    }
    line("durable commands, 64 in flight, synchronous=\(durability == .full ? "FULL" : "NORMAL")",
         rate(total, seconds(since: start)))
    dealer.close()
    runtime.shutdown()
}
proxy.stop()
print(String(repeating: "-", count: 80))
