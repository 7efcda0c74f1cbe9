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
