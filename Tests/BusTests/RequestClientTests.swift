import Bus
import Contracts
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Request/reply")
struct RequestClientTests {
    @Test("a lost request is retried with the same id and the reply matched to it")
    func retryReusesID() throws {
        let context = ZMQContext()
        let server = RequestServer(endpoint: LoopbackPort.endpoint())
        let seenIDs = Mutex<[String]>([])
        try server.start(context: context, logger: Logger(label: "test")) { [server] request in
            let command = try! CommandEnvelope(bytes: request.payload)
            let attempt = seenIDs.withLock { ids in
                ids.append(command.id)
                return ids.count
            }
            guard attempt > 1 else { return }  // the first attempt is "lost"
            server.reply(to: request.route, payload: ReplyEnvelope(id: command.id, outcome: .ok(.object([:]))).encoded())
        }
        let client = RequestClient(context: context, endpoint: server.endpoint, timeoutMs: 200, attemptsMax: 3)
        let reply = try client.request(CommandEnvelope(id: "cmd-1", type: "x.y", actor: "alice", body: .object([:])))
        #expect(reply.id == "cmd-1")
        #expect(seenIDs.withLock { $0 } == ["cmd-1", "cmd-1"])
        server.stop()
    }

    @Test("a second server on a taken endpoint fails to start with the bind error")
    func bindConflict() throws {
        let context = ZMQContext()
        let first = RequestServer(endpoint: LoopbackPort.endpoint())
        try first.start(context: context, logger: Logger(label: "test")) { _ in }
        let second = RequestServer(endpoint: first.endpoint)
        #expect {
            try second.start(context: context, logger: Logger(label: "test")) { _ in }
        } throws: { error in
            (error as? ZMQError)?.errno == EADDRINUSE
        }
        first.stop()
    }

    @Test("no server: unreachable after the attempts, with the endpoint named")
    func unreachable() {
        let context = ZMQContext()
        let endpoint = LoopbackPort.endpoint()
        let client = RequestClient(context: context, endpoint: endpoint, timeoutMs: 50, attemptsMax: 2)
        #expect {
            _ = try client.request(CommandEnvelope(id: "c", type: "x.y", actor: "a", body: .object([:])))
        } throws: { error in
            guard case .unreachable(let named, let attempts, _)? = error as? RequestError else { return false }
            return named == endpoint && attempts == 2
        }
    }
}
