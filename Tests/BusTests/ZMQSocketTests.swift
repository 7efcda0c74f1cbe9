import Bus
import Foundation
import Testing

@Suite("ZeroMQ wrapper")
struct ZMQSocketTests {
    @Test("multipart messages arrive whole, frames intact, empty and binary frames included")
    func multipartRoundTrip() throws {
        let context = ZMQContext()
        let endpoint = LoopbackPort.endpoint()
        let router = try ZMQSocket(context, .router)
        try router.bind(endpoint)
        let dealer = try ZMQSocket(context, .dealer)
        try dealer.connect(endpoint)
        let frames: [[UInt8]] = [Array("first".utf8), [], [0, 255, 1, 254], Array(repeating: 7, count: 100_000)]
        try dealer.send(frames)
        let received = try #require(try router.receive())
        // ROUTER prepends the peer's routing id.
        #expect(received.count == frames.count + 1)
        #expect(Array(received.dropFirst()) == frames)
        try router.send([received[0], Array("reply".utf8), []])
        #expect(try dealer.receive() == [Array("reply".utf8), []])
    }

    @Test("frames lent without copying are the frames sent; nothing waiting is false")
    func borrowedFrames() throws {
        let context = ZMQContext()
        let endpoint = LoopbackPort.endpoint()
        let pull = try ZMQSocket(context, .pull)
        try pull.bind(endpoint)
        let push = try ZMQSocket(context, .push)
        try push.connect(endpoint)
        try push.send([Array("topic.".utf8), Array(repeating: 9, count: 300)])
        var seen: [[UInt8]] = []
        #expect(try pull.withReceivedFrames(dontWait: false) { frames in seen = frames.map { Array($0) } })
        #expect(seen == [Array("topic.".utf8), Array(repeating: 9, count: 300)])
        #expect(try !pull.withReceivedFrames(dontWait: true) { _ in Issue.record("nothing was sent") })
    }

    @Test("receive with dontWait returns nil when nothing waits")
    func nonBlockingReceive() throws {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, .pull)
        try socket.bind(LoopbackPort.endpoint())
        #expect(try socket.receive(dontWait: true) == nil)
    }

    @Test("finite linger: a socket with undeliverable messages closes and its context terminates")
    func lingerIsFinite() throws {
        let started = ContinuousClock.now
        do {
            let context = ZMQContext()
            let push = try ZMQSocket(context, .push, lingerMs: 100)
            // Nobody listens here: the message stays queued for a peer that never comes.
            try push.connect(LoopbackPort.endpoint())
            #expect(try push.send([Array("stuck".utf8)], dontWait: true))
            push.close()
        }  // the context deinitialises here: zmq_ctx_term would block forever with infinite linger
        #expect(started.duration(to: .now) < .seconds(5))
    }

    @Test("a bad endpoint is an error, not a crash")
    func badEndpoint() throws {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, .router)
        #expect(throws: ZMQError.self) { try socket.bind("tcp://not a host:x") }
        #expect(throws: ZMQError.self) { try socket.connect("nonsense://") }
    }

    @Test("context shutdown wakes a thread blocked in receive with ETERM")
    func shutdownWakesBlockedReceive() throws {
        let context = ZMQContext()
        let endpoint = LoopbackPort.endpoint()
        let result = BlockingQueue<Bool>(capacity: 1)
        let thread = OwnedThread(name: "blocked") {
            do {
                let socket = try ZMQSocket(context, .pull)
                try socket.bind(endpoint)
                _ = try socket.receive()
                result.push(false)
            } catch let error as ZMQError {
                result.push(error.isTerminated)
            } catch {
                result.push(false)
            }
        }
        Thread.sleep(forTimeInterval: 0.1)
        context.shutdown()
        #expect(thread.join(timeoutMs: 5000))
        #expect(result.take(limit: 1, timeoutMs: 1000) == [true])
    }
}
