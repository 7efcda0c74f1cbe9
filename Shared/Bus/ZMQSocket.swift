import CZeroMQ

/// One libzmq socket. Deliberately not `Sendable`: libzmq sockets must be used by one thread only,
/// so a socket is created, used and closed on the thread that owns it (DESIGN.md §3).
public final class ZMQSocket {
    public enum Kind: Sendable {
        case pub, sub, xpub, xsub, dealer, router, pair, push, pull

        var raw: Int32 {
            switch self {
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .xpub: ZMQ_XPUB
            case .xsub: ZMQ_XSUB
            case .dealer: ZMQ_DEALER
            case .router: ZMQ_ROUTER
            case .pair: ZMQ_PAIR
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            }
        }
    }

    let raw: UnsafeMutableRawPointer
    public let context: ZMQContext
    public let kind: Kind
    private var closed = false
    /// One receive message reused for every frame (heap-allocated: zmq_msg_t must not move).
    private let message: UnsafeMutablePointer<zmq_msg_t>
    /// Messages for `withReceivedFrames`, which lends frames without copying them.
    private let frameMessages: UnsafeMutablePointer<zmq_msg_t>
    private static let borrowedFramesMax = 4

    /// Linger applied to every socket: pending messages are kept at most this long on close,
    /// so a dead peer can never block shutdown (`zmq_ctx_term`).
    public static let lingerMsDefault: Int32 = 200

    public init(_ context: ZMQContext, _ kind: Kind, lingerMs: Int32 = ZMQSocket.lingerMsDefault) throws(ZMQError) {
        guard let raw = zmq_socket(context.raw, kind.raw) else { throw .last("zmq_socket") }
        self.raw = raw
        self.context = context
        self.kind = kind
        self.message = .allocate(capacity: 1)
        zmq_msg_init(message)
        self.frameMessages = .allocate(capacity: Self.borrowedFramesMax)
        for index in 0..<Self.borrowedFramesMax { zmq_msg_init(frameMessages + index) }
        try setOption(ZMQ_LINGER, lingerMs)
    }

    deinit {
        close()
        zmq_msg_close(message)
        message.deallocate()
        for index in 0..<Self.borrowedFramesMax { zmq_msg_close(frameMessages + index) }
        frameMessages.deallocate()
    }

    /// Closes the socket; idempotent. Called by deinit too.
    public func close() {
        guard !closed else { return }
        closed = true
        zmq_close(raw)
    }

    // MARK: Options (sizes must match the C types exactly: int options are Int32)

    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(raw, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw .last("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(raw, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw .last("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(raw, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw .last("zmq_setsockopt(\(option))") }
    }

    public func subscribe(_ prefix: String) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: Array(prefix.utf8))
    }

    public func setHighWaterMarks(send: Int32, receive: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, send)
        try setOption(ZMQ_RCVHWM, receive)
    }

    /// ZMTP heartbeats: detect dead peers (half-open TCP) and let libzmq reconnect.
    public func setHeartbeat(intervalMs: Int32, timeoutMs: Int32) throws(ZMQError) {
        try setOption(ZMQ_HEARTBEAT_IVL, intervalMs)
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, timeoutMs)
    }

    /// PUB/XPUB: block (or EAGAIN with dontWait) at the high-water mark instead of dropping.
    public func setNoDrop(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_XPUB_NODROP, Int32(enabled ? 1 : 0))
    }

    /// Frames larger than this are refused by libzmq before they reach the application.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, bytes)
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(raw, endpoint) == 0 else { throw .last("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(raw, endpoint) == 0 else { throw .last("zmq_connect(\(endpoint))") }
    }

    // MARK: Sending and receiving

    /// Sends one multipart message atomically. Returns false when `dontWait` is set and the
    /// message could not be queued now (EAGAIN); nothing was sent then.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for index in frames.indices {
            var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
            if index < frames.count - 1 { flags |= ZMQ_SNDMORE }
            let ok = try sendFrame(frames[index], flags: flags)
            if !ok {
                // Only the first frame can hit EAGAIN: later frames of a started message are
                // always accepted (libzmq queues multipart messages atomically).
                precondition(index == 0, "EAGAIN in the middle of a multipart message")
                return false
            }
        }
        return true
    }

    private func sendFrame(_ frame: [UInt8], flags: Int32) throws(ZMQError) -> Bool {
        while true {
            let rc = frame.withUnsafeBytes { zmq_send(raw, $0.baseAddress, $0.count, flags) }
            if rc >= 0 { return true }
            let error = ZMQError.last("zmq_send")
            if error.isAgain { return false }
            if error.isInterrupted { continue }
            throw error
        }
    }

    /// Receives one whole multipart message and lends its frames to `body` without copying them
    /// (the hot path of subscribers). Returns false when `dontWait` is set and none is waiting.
    /// Frames beyond the first few are discarded: callers of this know their frame count.
    public func withReceivedFrames(dontWait: Bool, _ body: ([UnsafeRawBufferPointer]) -> Void) throws(ZMQError) -> Bool {
        var count = 0
        while true {
            let slot = frameMessages + min(count, Self.borrowedFramesMax - 1)
            let flags: Int32 = (dontWait && count == 0) ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(slot, raw, flags)
            if rc < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.isAgain && count == 0 { return false }
                if error.isInterrupted { continue }
                throw error
            }
            count += 1
            if zmq_msg_more(slot) == 0 { break }
        }
        let frames = (0..<min(count, Self.borrowedFramesMax)).map { index in
            UnsafeRawBufferPointer(start: zmq_msg_data(frameMessages + index), count: zmq_msg_size(frameMessages + index))
        }
        body(frames)
        return true
    }

    /// Receives one whole multipart message, or nil when `dontWait` is set and none is waiting.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            let flags: Int32 = (dontWait && frames.isEmpty) ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(message, raw, flags)
            if rc < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.isAgain && frames.isEmpty { return nil }
                if error.isInterrupted { continue }
                throw error
            }
            let size = zmq_msg_size(message)
            let data = zmq_msg_data(message)!
            frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            if zmq_msg_more(message) == 0 { return frames }
        }
    }
}

/// Waits on several sockets and raw file descriptors at once (`zmq_poll`, level-triggered).
public struct ZMQPoller {
    public enum Item {
        case socket(ZMQSocket)
        case fd(Int32)
    }

    private var items: [zmq_pollitem_t]
    private let sockets: [ZMQSocket?]

    public init(_ entries: [Item]) {
        var items: [zmq_pollitem_t] = []
        var sockets: [ZMQSocket?] = []
        for entry in entries {
            switch entry {
            case .socket(let socket):
                items.append(zmq_pollitem_t(socket: socket.raw, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0))
                sockets.append(socket)
            case .fd(let fd):
                items.append(zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0))
                sockets.append(nil)
            }
        }
        self.items = items
        self.sockets = sockets
    }

    /// Polls for input; returns which entries are readable. `timeoutMs` -1 waits forever.
    public mutating func poll(timeoutMs: Int) throws(ZMQError) -> [Bool] {
        while true {
            let count = Int32(items.count)
            let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, count, timeoutMs) }
            if rc >= 0 { break }
            let error = ZMQError.last("zmq_poll")
            if error.isInterrupted { continue }
            throw error
        }
        _ = sockets  // keeps the sockets alive while their raw pointers sit in `items`
        return items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
    }
}
