import CZeroMQ
import Logging
import Synchronization

/// The stateless bus: an XSUB socket that publishers connect to, forwarding to an XPUB socket that
/// subscribers connect to (`zmq_proxy_steerable`, which also forwards subscriptions upstream so
/// filtering happens at the publishers). A ROUTER on the control endpoint answers `status` on a
/// second thread, asking the proxy for its counters over an inproc PAIR.
///
/// The XPUB drops at its high-water mark rather than blocking (no `ZMQ_XPUB_NODROP`): with
/// back-pressure one slow subscriber would stall every other (head-of-line). Subscribers recover
/// drops from the sources' journals.
public final class BusProxy: Sendable {
    public struct Counters: Sendable, Hashable {
        public var messagesIn: UInt64
        public var bytesIn: UInt64
        public var messagesOut: UInt64
        public var bytesOut: UInt64
    }

    public let publishersEndpoint: String
    public let subscribersEndpoint: String
    public let controlEndpoint: String
    private let controlAddress: String
    private let stopping = Atomic<Bool>(false)
    private let threads: Mutex<[OwnedThread]> = Mutex([])
    private let wake = WakeSignal()

    public init(publishersEndpoint: String, subscribersEndpoint: String, controlEndpoint: String) {
        self.publishersEndpoint = publishersEndpoint
        self.subscribersEndpoint = subscribersEndpoint
        self.controlEndpoint = controlEndpoint
        self.controlAddress = "inproc://stakeline-bus-steer"
    }

    /// Binds every socket and starts both threads. `answer` builds the reply to a control request
    /// from its payload and the proxy's current counters (it runs on the control thread).
    public func start(
        context: ZMQContext, logger: Logger,
        answer: @escaping @Sendable (_ request: [UInt8], _ counters: () -> Counters?) -> [UInt8]
    ) throws {
        // The control thread binds the inproc steering PAIR before the proxy thread connects it.
        let control = try OwnedThread.startSocketLoop(name: "bus-control") { [self] () throws(ZMQError) in
            let steer = try ZMQSocket(context, .pair, lingerMs: 0)
            try steer.bind(controlAddress)
            let router = try ZMQSocket(context, .router)
            try router.bind(controlEndpoint)
            return (steer, router)
        } run: { [self] sockets in
            let (steer, router) = sockets
            runControl(router: router, steer: steer, logger: logger, answer: answer)
            router.close()
            steer.close()
        }
        threads.withLock { $0 = [control] }
        do {
            let proxy = try OwnedThread.startSocketLoop(name: "bus-proxy") { [self] () throws(ZMQError) in
                let frontend = try ZMQSocket(context, .xsub)
                try frontend.setHighWaterMarks(send: 100_000, receive: 100_000)
                try frontend.setHeartbeat(intervalMs: 1000, timeoutMs: 3000)
                try frontend.bind(publishersEndpoint)
                let backend = try ZMQSocket(context, .xpub)
                try backend.setHighWaterMarks(send: 100_000, receive: 100_000)
                try backend.setHeartbeat(intervalMs: 1000, timeoutMs: 3000)
                try backend.bind(subscribersEndpoint)
                let steer = try ZMQSocket(context, .pair, lingerMs: 0)
                try steer.connect(controlAddress)
                return (frontend, backend, steer)
            } run: { sockets in
                let (frontend, backend, steer) = sockets
                // Runs until TERMINATE arrives on the steering socket or the context shuts down.
                let rc = zmq_proxy_steerable(frontend.raw, backend.raw, nil, steer.raw)
                if rc != 0 && zmq_errno() != ETERM {
                    logger.error("proxy stopped", metadata: ["error": "\(ZMQError.last("zmq_proxy_steerable"))"])
                }
                frontend.close()
                backend.close()
                steer.close()
            }
            threads.withLock { $0.append(proxy) }
        } catch {
            stop()
            throw error
        }
    }

    private func runControl(
        router: ZMQSocket, steer: ZMQSocket, logger: Logger,
        answer: @Sendable ([UInt8], () -> Counters?) -> [UInt8]
    ) {
        var poller = ZMQPoller([.socket(router), .fd(wake.fd)])
        let counters: () -> Counters? = {
            guard (try? steer.send([Array("STATISTICS".utf8)])) == true,
                  let frames = try? steer.receive(), frames.count == 8
            else { return nil }
            let values = frames.map { frame in
                frame.count == 8 ? frame.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } : 0
            }
            // Frontend (publishers) in, backend (subscribers) out.
            return Counters(messagesIn: values[0], bytesIn: values[1], messagesOut: values[6], bytesOut: values[7])
        }
        while !stopping.load(ordering: .acquiring) {
            do throws(ZMQError) {
                let ready = try poller.poll(timeoutMs: 500)
                guard ready[0] else { continue }
                while let frames = try router.receive(dontWait: true) {
                    guard frames.count >= 2, let payload = frames.last else { continue }
                    let reply = answer(payload, counters)
                    _ = try router.send(Array(frames.dropLast()) + [reply], dontWait: true)
                }
            } catch where error.isTerminated {
                break
            } catch {
                logger.error("bus control failed", metadata: ["error": "\(error)"])
                break
            }
        }
        _ = try? steer.send([Array("TERMINATE".utf8)], dontWait: true)
    }

    /// Stops the proxy and the control thread, and waits for both.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        for thread in threads.withLock({ $0 }) { thread.join() }
    }
}
