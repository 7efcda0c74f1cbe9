import Bus
import Contracts
import Foundation
import Logging
import ServiceKit
import Testing

enum TestIdentity: ServiceIdentity {
    static let serviceName = "ledger"
    static let followedSources: [String] = []
}

/// A runtime on a real journal file and real sockets, in this process.
final class RuntimeHarness {
    let directory: URL
    let endpoint = LoopbackPort.endpoint()
    let context = ZMQContext()
    var journal: Journal
    var runtime: ServiceRuntime<PlumbingDomain<TestIdentity>>
    let snapshotEveryEvents: UInt64

    init(snapshotEveryEvents: UInt64 = 50_000) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.snapshotEveryEvents = snapshotEveryEvents
        (journal, runtime) = try Self.open(directory, endpoint, snapshotEveryEvents)
        try runtime.start()
    }

    static func open(_ directory: URL, _ endpoint: String, _ snapshotEveryEvents: UInt64) throws
        -> (Journal, ServiceRuntime<PlumbingDomain<TestIdentity>>)
    {
        let journal = try Journal(path: directory.appendingPathComponent("ledger.sqlite").path, durability: .normal)
        var options = RuntimeOptions(
            requestEndpoint: endpoint, busPublishersEndpoint: LoopbackPort.endpoint(),
            busSubscribersEndpoint: LoopbackPort.endpoint(), sourceEndpoints: [:],
            roles: Roles(admins: ["admin"], oracles: ["oracle"]), heartbeatIntervalMs: 1000, requestTimeoutMs: 1000)
        options.snapshotEveryEvents = snapshotEveryEvents
        let runtime = try ServiceRuntime<PlumbingDomain<TestIdentity>>(
            journal: journal, options: options, version: "test", logger: Logger(label: "test"))
        return (journal, runtime)
    }

    /// Stops the process's runtime and starts a new one on the same journal file.
    func restart() throws {
        runtime.shutdown()
        try journal.close()
        (journal, runtime) = try Self.open(directory, endpoint, snapshotEveryEvents)
        try runtime.start()
    }

    func send(_ type: String, body: JSON = .object([:]), id: String = UUID().uuidString, actor: String = "alice") throws -> ReplyEnvelope {
        let client = RequestClient(context: context, endpoint: endpoint, timeoutMs: 2000, attemptsMax: 5)
        return try client.request(CommandEnvelope(id: id, type: type, actor: actor, body: body))
    }

    func result(_ type: String, body: JSON = .object([:])) throws -> JSON {
        let reply = try send(type, body: body)
        guard case .ok(let result) = reply.outcome else { throw ContractError(.internalError, "\(reply.outcome)") }
        return result
    }

    deinit {
        runtime.shutdown()
        try? journal.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite("Service runtime")
struct ServiceRuntimeTests {
    @Test("state survives a restart: snapshot, then the journal replayed after it")
    func snapshotAndReplay() throws {
        let harness = try RuntimeHarness(snapshotEveryEvents: 10)
        for index in 1...25 {
            #expect(try harness.result("ledger.ping").uint64("seq") == UInt64(index))
        }
        try harness.restart()
        #expect(try harness.journal.snapshotSeqs().max() == 20)
        #expect(try harness.result("ledger.pings").uint64("pingCount") == 25)
        #expect(try harness.result("ledger.ping").uint64("seq") == 26)
        let status = try harness.result("status")
        #expect(try status.uint64("journalSeq") == 26)
        #expect(try status.string("service") == "ledger")
    }

    @Test("a retried id gets the first reply, even after a restart; a refusal is remembered too")
    func idempotencyAcrossRestart() throws {
        let harness = try RuntimeHarness()
        let first = try harness.send("ledger.ping", id: "same")
        let refused = try harness.send("ledger.ping", body: .object(["message": .int(5)]), id: "bad")
        guard case .error(let error) = refused.outcome else { Issue.record("accepted a number"); return }
        #expect(error.code == .wrongType)
        try harness.restart()
        #expect(try harness.send("ledger.ping", id: "same") == first)
        #expect(try harness.send("ledger.ping", body: .object(["message": .int(5)]), id: "bad") == refused)
        #expect(try harness.result("ledger.pings").uint64("pingCount") == 1)
        let reused = try harness.send("ledger.ping", body: .object(["message": .string("x")]), id: "same")
        guard case .error(let reusedError) = reused.outcome else { Issue.record("id reuse accepted"); return }
        #expect(reusedError.code == .idReused)
    }

    @Test("events.since pages through the journal; malformed frames get a coded error")
    func eventsSinceAndMalformed() throws {
        let harness = try RuntimeHarness()
        for _ in 0..<7 { _ = try harness.result("ledger.ping") }
        let page = try harness.result("events.since", body: .object(["after": .int(2), "limit": .int(3)]))
        #expect(try page.array("events").map { try $0.uint64("seq") } == [3, 4, 5])
        #expect(try page.uint64("lastSeq") == 7)
        let events = try page.array("events").map { try EventEnvelope(json: $0) }
        #expect(events.allSatisfy { $0.type == "ledger.Pinged" && $0.source == "ledger" })

        let dealer = try ZMQSocket(harness.context, .dealer)
        try dealer.connect(harness.endpoint)
        try dealer.send([Array("{\"v\":1,\"id\":\"x1\"".utf8)])
        let reply = try ReplyEnvelope(bytes: try #require(try dealer.receive()).last!)
        guard case .error(let error) = reply.outcome else { Issue.record("accepted garbage"); return }
        #expect(error.code == .malformedJSON)
        #expect(try harness.result("ledger.pings").uint64("pingCount") == 7)
    }

    @Test("64 commands in flight: each gets its own seq once, committed inline or by the journal thread")
    func manyInFlight() throws {
        let harness = try RuntimeHarness()
        let dealer = try ZMQSocket(harness.context, .dealer)
        try dealer.connect(harness.endpoint)
        let total = 600
        var sent = 0
        var seqs: [UInt64] = []
        func send() throws {
            let command = CommandEnvelope(id: "many-\(sent)", type: "ledger.ping", actor: "alice", body: .object([:]))
            try dealer.send([command.encoded()])
            sent += 1
        }
        while sent < 64 { try send() }
        var poller = ZMQPoller([.socket(dealer)])
        while seqs.count < total {
            guard try poller.poll(timeoutMs: 5000)[0] else { Issue.record("no reply within 5 s"); return }
            while let frames = try dealer.receive(dontWait: true) {
                let reply = try ReplyEnvelope(bytes: frames.last!)
                guard case .ok(let result) = reply.outcome else { Issue.record("\(reply.outcome)"); return }
                seqs.append(try result.uint64("seq"))
                if sent < total { try send() }
            }
        }
        #expect(seqs.sorted() == (1...UInt64(total)).map { $0 })
        #expect(harness.journal.lastSeq == UInt64(total))
        #expect(try harness.result("ledger.pings").uint64("pingCount") == UInt64(total))
        dealer.close()
    }

    @Test("authority: the context refuses actors without the right, naming who and what")
    func authority() {
        let context = CommandContext(actor: "mallory", roles: Roles(admins: ["admin"], oracles: ["oracle"]), nextSeq: 1)
        #expect(throws: ContractError.self) { try context.requireActor("alice", doing: "stake") }
        #expect(throws: ContractError.self) { try context.requireAdmin(doing: "register a pool") }
        #expect(throws: ContractError.self) { try context.requireOracle(doing: "advance epochs") }
        do {
            try context.requireAdmin(doing: "register a pool")
        } catch {
            #expect(error.code == .unauthorized)
            #expect(error.message.contains("mallory"))
        }
        let admin = CommandContext(actor: "admin", roles: Roles(admins: ["admin"], oracles: []), nextSeq: 1)
        #expect(throws: Never.self) { try admin.requireActor("alice", doing: "stake") }
    }
}
