import Foundation

/// A dedicated OS thread for a socket loop: blocking libzmq calls never run on Swift's
/// cooperative pool (2 threads on this machine), and the sockets it creates never leave it.
public final class OwnedThread: Sendable {
    private let done = DispatchSemaphore(value: 0)

    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits for the thread's body to return.
    public func join() {
        done.wait()
        done.signal()  // so a second join returns at once
    }

    /// Waits at most `timeoutMs`; true if the thread finished.
    public func join(timeoutMs: Int) -> Bool {
        guard done.wait(timeout: .now() + .milliseconds(timeoutMs)) == .success else { return false }
        done.signal()
        return true
    }
}

extension OwnedThread {
    /// Starts a socket thread: `setup` creates, configures and binds or connects its sockets on
    /// the new thread, the caller waits until that succeeded (or gets its error), and then `run`
    /// loops on the same thread. The sockets never leave it.
    public static func startSocketLoop<Sockets>(
        name: String,
        setup: @escaping @Sendable () throws(ZMQError) -> Sockets,
        run: @escaping @Sendable (Sockets) -> Void
    ) throws(ZMQError) -> OwnedThread {
        let ready = BlockingQueue<Result<Void, ZMQError>>(capacity: 1)
        let thread = OwnedThread(name: name) {
            let sockets: Sockets
            do throws(ZMQError) {
                sockets = try setup()
            } catch {
                ready.push(.failure(error))
                return
            }
            ready.push(.success(()))
            run(sockets)
        }
        switch ready.take(limit: 10, timeoutMs: 10_000)?.first {
        case .success?:
            return thread
        case .failure(let error)?:
            thread.join()
            throw error
        case nil:
            throw ZMQError(errno: ETIMEDOUT, operation: "starting \(name)")
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down; negative durations give 0. For `zmq_poll` timeouts.
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
