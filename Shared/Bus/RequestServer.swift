import CZeroMQ
import Logging
import Synchronization

/// A request as received by a ROUTER: the routing frames to answer on, and the payload.
public struct IncomingRequest: Sendable {
    /// The peer's routing id, plus the empty delimiter when the client is a REQ socket.
    public let route: [[UInt8]]
    public let payload: [UInt8]
}

/// The request endpoint of a service: a ROUTER bound on its own thread. Requests are handed to
/// `onRequest` on that thread (which must not block; it enqueues); replies may be sent from any
/// thread through `reply`, which queues them for the socket thread.
public final class RequestServer: Sendable {
    public let endpoint: String
    private let outbox: Outbox<IncomingRequest>
    private let stopping = Atomic<Bool>(false)
    private let thread: Mutex<OwnedThread?> = Mutex(nil)

    /// Largest frame libzmq accepts before dropping the connection; the codec enforces the
    /// (smaller) message limit with a proper `message_too_large` reply.
    public static let frameBytesMax: Int64 = 16 << 20

    public init(endpoint: String, outboxCapacity: Int = 65_536) {
        self.endpoint = endpoint
        self.outbox = Outbox(capacity: outboxCapacity)
    }

    /// Binds and starts the socket thread; returns once bound, or throws the bind error.
    public func start(
        context: ZMQContext, logger: Logger, onRequest: @escaping @Sendable (IncomingRequest) -> Void
    ) throws {
        let owned = try OwnedThread.startSocketLoop(name: "router") { [endpoint] () throws(ZMQError) in
            let socket = try ZMQSocket(context, .router)
            try socket.setMaxMessageSize(Self.frameBytesMax)
            try socket.setHighWaterMarks(send: 100_000, receive: 100_000)
            try socket.bind(endpoint)
            return socket
        } run: { [self] socket in
            run(socket: socket, logger: logger, onRequest: onRequest)
            // Replies queued before stop still go out (bounded by linger).
            for reply in outbox.drain() {
                _ = try? socket.send(reply.route + [reply.payload], dontWait: true)
            }
            socket.close()
        }
        thread.withLock { $0 = owned }
    }

    private func run(socket: ZMQSocket, logger: Logger, onRequest: @Sendable (IncomingRequest) -> Void) {
        var poller = ZMQPoller([.socket(socket), .fd(outbox.wake.fd)])
        while !stopping.load(ordering: .acquiring) {
            do throws(ZMQError) {
                let ready = try poller.poll(timeoutMs: 500)
                if ready[1] || outbox.count > 0 {
                    for reply in outbox.drain() {
                        // A vanished peer is not an error: ROUTER drops what it cannot route.
                        _ = try socket.send(reply.route + [reply.payload], dontWait: true)
                    }
                }
                if ready[0] {
                    // Drain what is there, bounded, so replies are not starved by a flood.
                    var received = 0
                    while received < 1024, let frames = try socket.receive(dontWait: true) {
                        received += 1
                        guard frames.count >= 2, let payload = frames.last else { continue }
                        onRequest(IncomingRequest(route: Array(frames.dropLast()), payload: payload))
                    }
                }
            } catch where error.isTerminated {
                return
            } catch {
                logger.error("request socket failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Queues a reply for the peer that sent `request`. Safe from any thread.
    /// Returns false if the outbox is full (the client will time out and retry the same id).
    @discardableResult
    public func reply(to route: [[UInt8]], payload: [UInt8]) -> Bool {
        outbox.push(IncomingRequest(route: route, payload: payload))
    }

    /// Stops the socket thread after sending what is queued, and waits for it.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        outbox.wake.signal()
        thread.withLock { $0 }?.join()
    }
}
