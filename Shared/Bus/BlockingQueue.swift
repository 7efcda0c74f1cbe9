import Foundation

/// A bounded multi-producer, single-consumer queue between threads. Producers can block
/// (back-pressure) or try; the consumer takes everything available at once, which is what makes
/// group commit natural: commands that arrived together are handled together.
public final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every access to `items` and `closed` holds `condition`'s lock.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        items.reserveCapacity(min(capacity, 4096))
    }

    /// Appends if there is room; false when full or closed.
    public func tryPush(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, items.count < capacity else { return false }
        items.append(element)
        condition.signal()
        return true
    }

    /// Appends, waiting while full. Returns false if the queue was closed.
    @discardableResult
    public func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && items.count >= capacity { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Takes up to `limit` elements, waiting up to `timeoutMs` for the first one.
    /// Returns [] on timeout; nil once closed and empty.
    public func take(limit: Int, timeoutMs: Int) -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty && !closed {
            let deadline = Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
            while items.isEmpty && !closed {
                if !condition.wait(until: deadline) { break }
            }
        }
        if items.isEmpty { return closed ? nil : [] }
        let count = min(limit, items.count)
        let taken = Array(items.prefix(count))
        items.removeFirst(count)
        condition.broadcast()
        return taken
    }

    /// Wakes every waiter; later pushes are refused, the consumer drains what is left.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }
}
