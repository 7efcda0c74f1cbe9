import CZeroMQ

/// An error from libzmq, with its errno and libzmq's own description.
public struct ZMQError: Error, Sendable, CustomStringConvertible {
    public let errno: Int32
    public let operation: String

    /// The calling thread's last libzmq error.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(errno: zmq_errno(), operation: operation)
    }

    /// The context was terminated: every blocking call returns this once shutdown starts.
    public var isTerminated: Bool { errno == ETERM }
    /// A non-blocking call found nothing to do.
    public var isAgain: Bool { errno == EAGAIN }
    public var isInterrupted: Bool { errno == EINTR }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(errno))) (errno \(errno))"
    }
}
