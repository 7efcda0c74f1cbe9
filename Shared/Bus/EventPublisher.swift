import CZeroMQ
import Logging
import Synchronization

/// Publishes a service's journaled events to the bus (PUB connected to the proxy's XSUB) from its
/// own thread, and a `Heartbeat` carrying the last journaled seq every `heartbeatIntervalMs`, so
/// subscribers notice tail loss (the last events dropped with nothing after them).
///
/// Publishing is best effort by design: PUB drops at the high-water mark and a full outbox drops
/// too. Nothing is lost, because every event is in the journal first and subscribers fetch gaps
/// from it (`events.since`). Dropping keeps one slow subscriber from stalling the service.
public final class EventPublisher: Sendable {
    public struct Message: Sendable {
        public let seq: UInt64
        public let topic: [UInt8]
        public let envelope: [UInt8]
        public init(seq: UInt64, topic: String, envelope: [UInt8]) {
            self.seq = seq
            self.topic = Array(topic.utf8)
            self.envelope = envelope
        }
    }

    public let source: String
    public let endpoint: String
    public let heartbeatIntervalMs: Int
    private let outbox: Outbox<Message>
    private let lastSeq = Atomic<UInt64>(0)
    private let droppedCount = Atomic<UInt64>(0)
    private let publishedCount = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    private let thread: Mutex<OwnedThread?> = Mutex(nil)

    public init(source: String, endpoint: String, heartbeatIntervalMs: Int, outboxCapacity: Int = 262_144) {
        precondition(heartbeatIntervalMs > 0)
        self.source = source
        self.endpoint = endpoint
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.outbox = Outbox(capacity: outboxCapacity)
    }

    /// Starts the publishing thread. `lastSeq` is the journal's head at start.
    public func start(context: ZMQContext, lastSeq: UInt64, logger: Logger) throws {
        self.lastSeq.store(lastSeq, ordering: .relaxed)
        let owned = try OwnedThread.startSocketLoop(name: "pub-\(source)") { [endpoint] () throws(ZMQError) in
            let socket = try ZMQSocket(context, .pub)
            try socket.setHighWaterMarks(send: 100_000, receive: 1000)
            try socket.setHeartbeat(intervalMs: 1000, timeoutMs: 3000)
            try socket.connect(endpoint)
            return socket
        } run: { [self] socket in
            run(socket: socket, logger: logger)
            socket.close()
        }
        thread.withLock { $0 = owned }
    }

    /// Queues journaled events for publishing, in seq order. Safe from any thread.
    public func publish(_ messages: [Message]) {
        guard let last = messages.last else { return }
        let accepted = outbox.push(contentsOf: messages)
        if accepted < messages.count {
            droppedCount.add(UInt64(messages.count - accepted), ordering: .relaxed)
        }
        // The heartbeat announces the journal head even if the outbox dropped the tail.
        noteJournaled(upTo: last.seq)
    }

    /// Records the journal head for the heartbeat without publishing anything.
    public func noteJournaled(upTo seq: UInt64) {
        lastSeq.store(seq, ordering: .releasing)
    }

    public var stats: (published: UInt64, dropped: UInt64) {
        (publishedCount.load(ordering: .relaxed), droppedCount.load(ordering: .relaxed))
    }

    /// The heartbeat announces only seqs already handed to the socket, so it never overtakes the
    /// events it covers (a subscriber would fetch what is merely still in flight). Seqs the
    /// outbox dropped are announced too: nothing else will reveal them.
    private func heartbeatFrames(sentSeq: UInt64) -> [[UInt8]] {
        // Read the head before the queue: `publish` queues first, then raises the head, so an
        // empty queue now means everything up to that head was drained (by this thread) or dropped.
        let head = lastSeq.load(ordering: .acquiring)
        let seq = outbox.count == 0 ? max(head, sentSeq) : sentSeq
        let body = #"{"v":1,"source":"\#(source)","type":"\#(source).Heartbeat","seq":\#(seq)}"#
        return [Array(Topic.heartbeat(of: source).utf8), Array(body.utf8)]
    }

    private func run(socket: ZMQSocket, logger: Logger) {
        var poller = ZMQPoller([.fd(outbox.wake.fd)])
        var nextHeartbeat = ContinuousClock.now
        var sentSeq = lastSeq.load(ordering: .acquiring)
        while true {
            do throws(ZMQError) {
                let stop = stopping.load(ordering: .acquiring)
                for message in outbox.drain() {
                    sentSeq = message.seq
                    if try socket.send([message.topic, message.envelope], dontWait: true) {
                        publishedCount.add(1, ordering: .relaxed)
                    } else {
                        droppedCount.add(1, ordering: .relaxed)
                    }
                }
                let now = ContinuousClock.now
                if now >= nextHeartbeat || stop {
                    _ = try socket.send(heartbeatFrames(sentSeq: sentSeq), dontWait: true)
                    nextHeartbeat = now.advanced(by: .milliseconds(heartbeatIntervalMs))
                }
                if stop { return }
                let waitMs = max(1, now.duration(to: nextHeartbeat).wholeMilliseconds)
                _ = try poller.poll(timeoutMs: waitMs)
            } catch where error.isTerminated {
                return
            } catch {
                logger.error("publisher failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Publishes what is queued plus a final heartbeat, then stops the thread.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        outbox.wake.signal()
        thread.withLock { $0 }?.join()
    }
}
