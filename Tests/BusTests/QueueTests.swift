import Bus
import Testing

@Suite("Bounded queues")
struct QueueTests {
    @Test("Outbox refuses past its capacity and drains in order")
    func outboxBound() {
        let outbox = Outbox<Int>(capacity: 3)
        #expect(outbox.push(1))
        #expect(outbox.push(contentsOf: [2, 3, 4]) == 2)
        #expect(!outbox.push(5))
        #expect(outbox.drain() == [1, 2, 3])
        #expect(outbox.drain().isEmpty)
    }

    @Test("BlockingQueue: tryPush refuses when full, take returns at most the limit, close ends it")
    func blockingQueue() {
        let queue = BlockingQueue<Int>(capacity: 2)
        #expect(queue.tryPush(1))
        #expect(queue.tryPush(2))
        #expect(!queue.tryPush(3))
        #expect(queue.take(limit: 1, timeoutMs: 10) == [1])
        #expect(queue.take(limit: 10, timeoutMs: 10) == [2])
        #expect(queue.take(limit: 10, timeoutMs: 10) == [])
        queue.close()
        #expect(!queue.tryPush(4))
        #expect(queue.take(limit: 10, timeoutMs: 10) == nil)
    }
}
