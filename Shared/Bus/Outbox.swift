import Synchronization

/// A bounded multi-producer queue drained by one socket thread, which it wakes through a
/// `WakeSignal`. When full, `push` refuses (returns false) instead of growing without bound:
/// the caller decides what a refusal means (events are recoverable from the journal; a reply
/// becomes `overloaded`).
public final class Outbox<Element: Sendable>: Sendable {
    private let state: Mutex<[Element]>
    public let capacity: Int
    public let wake = WakeSignal()

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.state = Mutex([])
    }

    @discardableResult
    public func push(_ element: Element) -> Bool {
        let accepted = state.withLock { queue -> Bool in
            guard queue.count < capacity else { return false }
            queue.append(element)
            return true
        }
        if accepted { wake.signal() }
        return accepted
    }

    /// Pushes as many as fit; returns how many were accepted.
    @discardableResult
    public func push(contentsOf elements: [Element]) -> Int {
        let accepted = state.withLock { queue -> Int in
            let room = min(capacity - queue.count, elements.count)
            queue.append(contentsOf: elements.prefix(room))
            return room
        }
        if accepted > 0 { wake.signal() }
        return accepted
    }

    /// Takes everything queued (called by the owning socket thread).
    public func drain() -> [Element] {
        wake.clear()
        return state.withLock { queue in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
    }

    public var count: Int { state.withLock { $0.count } }
}
