#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor another thread can make readable, so a thread blocked in `zmq_poll` wakes up
/// to send what was queued for it: a non-blocking self-pipe. When the pipe is already full the
/// reader is certainly awake-pending, so a failed write loses nothing.
public final class WakeSignal: Sendable {
    /// The read end, to poll.
    public let fd: Int32
    private let writeFD: Int32

    public init() {
        var fds: [Int32] = [0, 0]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe failed: errno \(errno)")
        for descriptor in fds {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        self.fd = fds[0]
        self.writeFD = fds[1]
    }

    deinit {
        close(fd)
        close(writeFD)
    }

    /// Wakes the polling thread. Safe from any thread.
    public func signal() {
        var one: UInt8 = 1
        _ = write(writeFD, &one, 1)
    }

    /// Resets the signal; called by the polling thread before draining its queue.
    public func clear() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(fd, &buffer, buffer.count) > 0 {}
    }
}
