import Bus
import Contracts
import Foundation
import Logging
import ServiceKit
import Testing

/// The plumbing domain with `ledger.ping` as a dry-run type: `dryRun: true` decides no event.
struct DryRunDomain: ServiceDomain {
    static let serviceName = "ledger"
    static let followedSources: [String] = []
    static var queryTypes: Set<String> { PlumbingDomain<TestIdentity>.queryTypes }
    static let dryRunTypes: Set<String> = ["ledger.ping"]

    var plumbing = PlumbingDomain<TestIdentity>()
    init() {}
    init(snapshot: JSON) throws(ContractError) { plumbing = try PlumbingDomain(snapshot: snapshot) }
    func snapshot() -> JSON { plumbing.snapshot() }

    func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError> {
        plumbing.decide(command, context: context).map { decision in
            command.body["dryRun"] == .bool(true) ? Decision(result: decision.result) : decision
        }
    }
    mutating func apply(_ event: EventEnvelope) { plumbing.apply(event) }
    func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent] { plumbing.react(to: event, context: context) }
}

@Suite("Dry runs in the runtime")
struct DryRunRuntimeTests {
    @Test("a dry run is answered like a query: no event, no stored reply")
    func dryRunIsNotJournaled() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dryrun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoint = LoopbackPort.endpoint()
        let journal = try Journal(path: directory.appendingPathComponent("ledger.sqlite").path, durability: .normal)
        let options = RuntimeOptions(
            requestEndpoint: endpoint, busPublishersEndpoint: LoopbackPort.endpoint(),
            busSubscribersEndpoint: LoopbackPort.endpoint(), sourceEndpoints: [:],
            roles: Roles(admins: ["admin"], oracles: ["oracle"]), heartbeatIntervalMs: 1000, requestTimeoutMs: 1000)
        let runtime = try ServiceRuntime<DryRunDomain>(journal: journal, options: options, version: "test", logger: Logger(label: "test"))
        try runtime.start()
        defer {
            runtime.shutdown()
            try? journal.close()
        }
        let context = ZMQContext()
        let client = RequestClient(context: context, endpoint: endpoint, timeoutMs: 2000, attemptsMax: 5)
        func send(_ body: JSON, id: String) throws -> ReplyEnvelope {
            try client.request(CommandEnvelope(id: id, type: "ledger.ping", actor: "alice", body: body))
        }
        let dry = try send(.object(["dryRun": .bool(true)]), id: "one")
        guard case .ok(let result) = dry.outcome else { Issue.record("\(dry.outcome)"); return }
        #expect(try result.uint64("count") == 1)
        _ = try send(.object(["dryRun": .bool(true), "message": .string("again")]), id: "one")
        #expect(journal.lastSeq == 0)
        // The dry run stored no reply: the same id is free for the real command.
        let real = try send(.object(["message": .string("real")]), id: "one")
        guard case .ok(let applied) = real.outcome else { Issue.record("\(real.outcome)"); return }
        #expect(try applied.uint64("seq") == 1)
        let explicit = try send(.object(["dryRun": .bool(false)]), id: "two")
        guard case .ok(let second) = explicit.outcome else { Issue.record("\(explicit.outcome)"); return }
        #expect(try second.uint64("seq") == 2)
        #expect(journal.lastSeq == 2)
    }
}
