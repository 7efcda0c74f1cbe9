import CZeroMQ

/// A libzmq context. Contexts are thread-safe (unlike sockets), so this one class may be shared.
///
/// Every socket keeps a strong reference to its context, so the context is terminated only after
/// the last socket is closed; `shutdown()` wakes every blocked call with `ETERM` first.
public final class ZMQContext: @unchecked Sendable {
    // @unchecked: libzmq documents zmq_ctx_* as thread-safe; the pointer is never mutated.
    let raw: UnsafeMutableRawPointer

    public init(ioThreads: Int32 = 1) {
        guard let raw = zmq_ctx_new() else {
            preconditionFailure("zmq_ctx_new failed: \(ZMQError.last("zmq_ctx_new"))")
        }
        zmq_ctx_set(raw, ZMQ_IO_THREADS, ioThreads)
        self.raw = raw
    }

    /// Makes every blocking call on this context's sockets return `ETERM`, so their threads can
    /// close their sockets and exit. Idempotent.
    public func shutdown() {
        zmq_ctx_shutdown(raw)
    }

    deinit {
        // Every socket holds the context strongly, so none is open here and term cannot block.
        while zmq_ctx_term(raw) != 0 && zmq_errno() == EINTR {}
    }

    /// The libzmq version, e.g. "4.3.4".
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
