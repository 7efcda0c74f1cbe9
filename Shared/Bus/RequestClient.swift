import Contracts
import CZeroMQ

/// Why a request got no reply.
public enum RequestError: Error, Sendable, CustomStringConvertible {
    /// No reply after every attempt: the service is down or unreachable.
    case unreachable(endpoint: String, attempts: Int, timeoutMs: Int)
    /// The transport failed (e.g. a malformed endpoint).
    case transport(ZMQError)
    /// A reply arrived but is not a valid reply envelope.
    case badReply(ContractError)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let attempts, let timeoutMs):
            "no reply from \(endpoint) after \(attempts) attempt(s) of \(timeoutMs) ms; is the service running?"
        case .transport(let error): "transport error: \(error)"
        case .badReply(let error): "invalid reply: \(error)"
        }
    }
}

/// A blocking request/reply client (DEALER → ROUTER), owned by the thread that made it.
///
/// Lazy Pirate: each attempt waits `timeoutMs`; on silence the socket is closed (dropping the
/// queued request) and a fresh one resends the *same* bytes, so the command id is reused and the
/// service applies the command at most once. Replies to other ids (late answers to earlier
/// requests on this socket) are discarded.
public final class RequestClient {
    public let endpoint: String
    public let timeoutMs: Int
    public let attemptsMax: Int
    private let context: ZMQContext
    private var socket: ZMQSocket?

    public init(context: ZMQContext, endpoint: String, timeoutMs: Int, attemptsMax: Int) {
        precondition(timeoutMs > 0 && attemptsMax > 0)
        self.context = context
        self.endpoint = endpoint
        self.timeoutMs = timeoutMs
        self.attemptsMax = attemptsMax
    }

    deinit { socket?.close() }

    private func connectedSocket() throws(ZMQError) -> ZMQSocket {
        if let socket { return socket }
        let fresh = try ZMQSocket(context, .dealer, lingerMs: 0)
        try fresh.setMaxMessageSize(RequestServer.frameBytesMax)
        try fresh.connect(endpoint)
        socket = fresh
        return fresh
    }

    private func reset() {
        socket?.close()
        socket = nil
    }

    /// Sends a command and waits for its reply, retrying with the same id.
    public func request(_ command: CommandEnvelope) throws(RequestError) -> ReplyEnvelope {
        try request(payload: command.encoded(), id: command.id)
    }

    /// Sends pre-encoded command bytes whose id is `id`, and waits for the reply to that id.
    public func request(payload: [UInt8], id: String) throws(RequestError) -> ReplyEnvelope {
        for _ in 0..<attemptsMax {
            do {
                let socket = try connectedSocket()
                try socket.send([payload])
                var poller = ZMQPoller([.socket(socket)])
                let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
                while true {
                    let remainingMs = ContinuousClock.now.duration(to: deadline).wholeMilliseconds
                    guard remainingMs > 0, try poller.poll(timeoutMs: remainingMs)[0] else { break }
                    guard let frames = try socket.receive(dontWait: true), let body = frames.last else {
                        continue
                    }
                    let reply: ReplyEnvelope
                    do {
                        reply = try ReplyEnvelope(bytes: body)
                    } catch {
                        throw RequestError.badReply(error)
                    }
                    if reply.id == id { return reply }
                }
            } catch let error as RequestError {
                throw error
            } catch let error as ZMQError {
                throw .transport(error)
            } catch {
                preconditionFailure("unexpected error \(error)")
            }
            reset()
        }
        throw .unreachable(endpoint: endpoint, attempts: attemptsMax, timeoutMs: timeoutMs)
    }
}
