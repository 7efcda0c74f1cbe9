import Contracts
import CZeroMQ
import Logging
import Synchronization

/// Follows the events of several sources over the bus and hands each event to `deliver` exactly
/// once and in seq order per source, whatever the bus loses.
///
/// This is the ZeroMQ guide's Clone pattern with a journal instead of a snapshot: subscribe
/// first, then fetch from each source's journal (`events.since`) everything after the stored
/// cursor, and from then on apply live events whose seq is the next one. A gap in the live stream
/// (PUB dropped at its high-water mark, the broker restarted, the subscriber restarted) or a
/// heartbeat announcing a seq beyond the last applied one (tail loss) triggers another fetch.
/// While fetching, live events wait in the SUB socket's queue; the ones already fetched are then
/// discarded as duplicates.
///
/// Everything runs on one dedicated thread that owns the SUB socket and one DEALER per source.
/// `deliver` runs on that thread and may block: that is the back-pressure.
public final class SequencedSubscriber: Sendable {
    public struct Source: Sendable, Hashable {
        public let name: String
        /// The source's request endpoint, which answers `events.since`.
        public let requestEndpoint: String
        public init(name: String, requestEndpoint: String) {
            self.name = name
            self.requestEndpoint = requestEndpoint
        }
    }

    /// Per-source progress, readable from any thread (for `status`).
    public struct Progress: Sendable, Hashable {
        public var appliedSeq: UInt64
        public var headSeq: UInt64
        public var fetchedCount: UInt64
        public var duplicateCount: UInt64
        public var gapCount: UInt64
        public var reachable: Bool

        mutating func raiseHead(to seq: UInt64) { headSeq = max(headSeq, seq) }
    }

    public let subscriberName: String
    public let busEndpoint: String
    public let sources: [Source]
    public let fetchLimit: Int
    public let requestTimeoutMs: Int
    private let progressByName: Mutex<[String: Progress]>
    private let stopping = Atomic<Bool>(false)
    private let thread: Mutex<OwnedThread?> = Mutex(nil)
    private let wake = WakeSignal()

    public init(
        subscriberName: String, busEndpoint: String, sources: [Source],
        appliedSeqs: [String: UInt64], fetchLimit: Int = 1000, requestTimeoutMs: Int = 2000
    ) {
        precondition(fetchLimit > 0)
        self.subscriberName = subscriberName
        self.busEndpoint = busEndpoint
        self.sources = sources
        self.fetchLimit = fetchLimit
        self.requestTimeoutMs = requestTimeoutMs
        var progress: [String: Progress] = [:]
        for source in sources {
            let applied = appliedSeqs[source.name] ?? 0
            progress[source.name] = Progress(
                appliedSeq: applied, headSeq: applied, fetchedCount: 0, duplicateCount: 0,
                gapCount: 0, reachable: false)
        }
        self.progressByName = Mutex(progress)
    }

    public var progress: [String: Progress] { progressByName.withLock { $0 } }

    /// Starts following. `deliver` receives each event once, in order per source.
    public func start(
        context: ZMQContext, logger: Logger, deliver: @escaping @Sendable (EventEnvelope) -> Void
    ) throws {
        let owned = try OwnedThread.startSocketLoop(name: "sub-\(subscriberName)") { [sources, busEndpoint] () throws(ZMQError) in
            let socket = try ZMQSocket(context, .sub)
            try socket.setHighWaterMarks(send: 1000, receive: 100_000)
            try socket.setHeartbeat(intervalMs: 1000, timeoutMs: 3000)
            try socket.setMaxMessageSize(RequestServer.frameBytesMax)
            for source in sources {
                try socket.subscribe(Topic.events(of: source.name))
                try socket.subscribe(Topic.heartbeat(of: source.name))
            }
            try socket.connect(busEndpoint)
            return socket
        } run: { [self] socket in
            var loop = Loop(owner: self, context: context, logger: logger, deliver: deliver)
            loop.run(socket: socket)
            socket.close()
        }
        thread.withLock { $0 = owned }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        thread.withLock { $0 }?.join()
    }

    /// The state machine of the subscriber thread.
    private struct Loop {
        let owner: SequencedSubscriber
        let context: ZMQContext
        let logger: Logger
        let deliver: @Sendable (EventEnvelope) -> Void
        var clients: [String: RequestClient] = [:]
        var applied: [String: UInt64]
        var needsFetch: Set<String>
        var fetchCounter: UInt64 = 0
        var unpublishedProgress = false

        init(owner: SequencedSubscriber, context: ZMQContext, logger: Logger,
             deliver: @escaping @Sendable (EventEnvelope) -> Void) {
            self.owner = owner
            self.context = context
            self.logger = logger
            self.deliver = deliver
            self.applied = owner.progressByName.withLock { $0.mapValues(\.appliedSeq) }
            // Catch up on every source at start: what was journaled while we were away.
            self.needsFetch = Set(owner.sources.map(\.name))
        }

        mutating func run(socket: ZMQSocket) {
            var poller = ZMQPoller([.socket(socket), .fd(owner.wake.fd)])
            let retryMs = 500
            var nextRetry = ContinuousClock.now
            while !owner.stopping.load(ordering: .acquiring) {
                do {
                    if !needsFetch.isEmpty && ContinuousClock.now >= nextRetry {
                        for name in needsFetch.sorted() { fetch(name) }
                        nextRetry = ContinuousClock.now.advanced(by: .milliseconds(retryMs))
                    }
                    let ready = try poller.poll(timeoutMs: needsFetch.isEmpty ? 1000 : retryMs)
                    guard ready[0] else { continue }
                    var received = 0
                    while received < 4096, !owner.stopping.load(ordering: .relaxed),
                          try socket.withReceivedFrames(dontWait: true, { handle(frames: $0) }) {
                        received += 1
                    }
                    publishProgress()
                } catch where error.isTerminated {
                    return
                } catch {
                    logger.error("subscriber failed", metadata: ["error": "\(error)"])
                    return
                }
            }
        }

        mutating func handle(frames: [UnsafeRawBufferPointer]) {
            guard frames.count == 2 else { return }
            if frames[0].starts(with: Topic.heartbeatPrefix.utf8) {
                handleHeartbeat(Array(frames[1]))
                return
            }
            let event: EventEnvelope
            do {
                event = try EventEnvelope(bytes: frames[1])
            } catch {
                logger.warning("ignoring a malformed event", metadata: ["error": "\(error)"])
                return
            }
            guard let last = applied[event.source] else { return }
            if event.seq <= last {
                owner.progressByName.withLock { $0[event.source]?.duplicateCount += 1 }
                return
            }
            if event.seq == last + 1 && !needsFetch.contains(event.source) {
                apply(event)
                return
            }
            // A gap: fetch what is missing from the source's journal; this event comes with it.
            owner.progressByName.withLock {
                $0[event.source]?.gapCount += 1
                $0[event.source]?.raiseHead(to: event.seq)
            }
            fetch(event.source)
        }

        mutating func handleHeartbeat(_ body: [UInt8]) {
            guard case .object(let fields)? = try? JSONCodec.parse(body),
                  case .string(let source)? = fields["source"],
                  case .number(let seqText)? = fields["seq"], let seq = UInt64(seqText),
                  let last = applied[source]
            else { return }
            owner.progressByName.withLock {
                $0[source]?.raiseHead(to: seq)
                $0[source]?.reachable = true
            }
            if seq > last { fetch(source) }
        }

        mutating func apply(_ event: EventEnvelope) {
            deliver(event)
            applied[event.source] = event.seq
            unpublishedProgress = true
        }

        /// Copies the applied seqs to the shared progress: once per burst, not once per event.
        mutating func publishProgress() {
            guard unpublishedProgress else { return }
            unpublishedProgress = false
            owner.progressByName.withLock { progress in
                for (name, seq) in applied {
                    progress[name]?.appliedSeq = seq
                    progress[name]?.raiseHead(to: seq)
                }
            }
        }

        /// Fetches and applies everything after the applied seq, page by page, up to the source's
        /// head. On failure the source stays marked and is retried.
        mutating func fetch(_ name: String) {
            guard let source = owner.sources.first(where: { $0.name == name }) else { return }
            needsFetch.insert(name)
            let client = clients[name] ?? RequestClient(
                context: context, endpoint: source.requestEndpoint,
                timeoutMs: owner.requestTimeoutMs, attemptsMax: 1)
            clients[name] = client
            while !owner.stopping.load(ordering: .relaxed) {
                let after = applied[name] ?? 0
                fetchCounter += 1
                let command = CommandEnvelope(
                    id: "since.\(owner.subscriberName).\(name).\(after).\(fetchCounter)",
                    type: "events.since", actor: owner.subscriberName,
                    body: .object(["after": .int(after), "limit": .int(owner.fetchLimit)]))
                let page: (events: [EventEnvelope], head: UInt64)
                do {
                    let reply = try client.request(command)
                    guard case .ok(let result) = reply.outcome else {
                        logger.warning("events.since refused", metadata: ["source": "\(name)", "reply": "\(reply.outcome)"])
                        markReachable(name, false)
                        return
                    }
                    let fetched = try EventsPage(result: result)
                    page = (fetched.events, fetched.lastSeq)
                } catch {
                    logger.debug("events.since failed; will retry", metadata: ["source": "\(name)", "error": "\(error)"])
                    markReachable(name, false)
                    return
                }
                markReachable(name, true)
                for event in page.events {
                    guard event.source == name, event.seq == (applied[name] ?? 0) + 1 else {
                        logger.error("events.since returned an out-of-order event", metadata: [
                            "source": "\(name)", "seq": "\(event.seq)", "applied": "\(applied[name] ?? 0)"])
                        return
                    }
                    apply(event)
                }
                publishProgress()
                owner.progressByName.withLock {
                    $0[name]?.fetchedCount += UInt64(page.events.count)
                    $0[name]?.raiseHead(to: page.head)
                }
                if page.events.isEmpty || (applied[name] ?? 0) >= page.head {
                    needsFetch.remove(name)
                    return
                }
            }
        }

        func markReachable(_ name: String, _ reachable: Bool) {
            owner.progressByName.withLock { $0[name]?.reachable = reachable }
        }
    }
}
