import Contracts
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The foundation end to end: real processes, real supervisor, real sockets, real SQLite files.
@Suite("Stack plumbing", .serialized)
struct PlumbingTests {
    /// Pings `service` `count` times; returns the seqs of the `Pinged` events.
    func ping(_ stack: StackHarness, _ service: String, count: Int) throws -> [UInt64] {
        try (0..<count).map { index in
            let result = try stack.result(service, type: service + ".ping", body: .object(["message": .string("#\(index)")]))
            return try result.uint64("seq")
        }
    }

    /// Every follower observed exactly these pings of `source`: same count, same seq sum.
    func expectObservedExactly(_ stack: StackHarness, source: String, seqs: [UInt64]) {
        for follower in StackHarness.services where follower != source {
            let held = stack.eventually {
                let seen = try stack.observed(follower, of: source)
                return seen.count >= UInt64(seqs.count)
            }
            #expect(held, "\(follower) did not catch up on \(source)")
            let seen = try? stack.observed(follower, of: source)
            #expect(seen?.count == UInt64(seqs.count), "\(follower) saw \(String(describing: seen)) of \(source)")
            #expect(seen?.seqSum == seqs.reduce(0, +), "\(follower): a gap or a duplicate")
        }
    }

    @Test("all five processes report healthy; status --json and the table agree")
    func healthy() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let status = try stack.cli("status", "--json")
        #expect(status.exitCode == 0, "\(status.stderr)")
        let json = try JSONCodec.parse(Array(status.stdout.utf8))
        #expect(try json.bool("healthy"))
        let names = try json.array("processes").map { try $0.string("service") }
        #expect(Set(names) == ["bus", "ledger", "rewards", "operators", "slashing"])
        let table = try stack.cli("status")
        #expect(table.exitCode == 0)
        #expect(table.stdout.contains("PROCESS"))
        #expect(table.stdout.components(separatedBy: "healthy").count - 1 == 5)
    }

    @Test("events flow through the broker to every follower, once each")
    func eventsFlow() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let seqs = try ping(stack, "ledger", count: 50)
        #expect(seqs == Array(1...50))
        expectObservedExactly(stack, source: "ledger", seqs: seqs)
        let cli = try stack.cli("ping", "operators", "--message", "hello")
        #expect(cli.exitCode == 0)
        #expect(cli.stdout.contains("journaled at seq"))
        let events = try stack.cli("events", "operators", "--limit", "1000", "--json")
        let listed = try JSONCodec.parse(Array(events.stdout.utf8)).array("events")
        #expect(try listed.contains { try $0.string("type") == "operators.Pinged" })
    }

    @Test("a subscriber killed with kill -9 mid-stream catches up with no gap and no duplicate")
    func subscriberRestart() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var seqs = try ping(stack, "ledger", count: 100)
        let victim = try stack.pid(of: "rewards")
        kill(victim, SIGKILL)
        seqs += try ping(stack, "ledger", count: 200)
        #expect(stack.eventually { try stack.pid(of: "rewards") != victim }, "the supervisor did not restart rewards")
        expectObservedExactly(stack, source: "ledger", seqs: seqs)
    }

    @Test("the broker killed with kill -9 mid-stream loses nothing")
    func brokerRestart() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        var seqs = try ping(stack, "slashing", count: 100)
        let bus = try stack.pid(of: "bus")
        kill(bus, SIGKILL)
        seqs += try ping(stack, "slashing", count: 200)
        #expect(stack.eventually { try stack.pid(of: "bus") != bus }, "the supervisor did not restart the bus")
        seqs += try ping(stack, "slashing", count: 50)
        expectObservedExactly(stack, source: "slashing", seqs: seqs)
    }

    @Test("a command retried with the same id is applied once and gets the first reply")
    func idempotentRetry() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let first = try stack.cli("ping", "ledger", "--id", "retry-1", "--json")
        let second = try stack.cli("ping", "ledger", "--id", "retry-1", "--json")
        #expect(first.exitCode == 0 && second.exitCode == 0)
        #expect(first.stdout == second.stdout)
        #expect(try stack.result("ledger", type: "ledger.pings").uint64("pingCount") == 1)
        // The same id for a different command is refused and changes nothing.
        let reused = try stack.cli("ping", "ledger", "--id", "retry-1", "--message", "other", "--json")
        #expect(reused.exitCode == 1)
        #expect(reused.stdout.contains("id_reused"))
        #expect(try stack.result("ledger", type: "ledger.pings").uint64("pingCount") == 1)
    }

    @Test("a service killed with kill -9 is restarted by the supervisor with its journal intact")
    func serviceCrash() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let seqs = try ping(stack, "ledger", count: 40)
        let victim = try stack.pid(of: "ledger")
        kill(victim, SIGKILL)
        #expect(stack.eventually { try stack.pid(of: "ledger") != victim })
        let pings = try stack.result("ledger", type: "ledger.pings")
        #expect(try pings.uint64("pingCount") == 40)
        let events = try stack.result("ledger", type: "events.since", body: .object(["after": .int(0), "limit": .int(1000)]))
        #expect(try events.array("events").map { try $0.uint64("seq") } == seqs)
        // It goes on from where it was.
        #expect(try ping(stack, "ledger", count: 1) == [41])
    }

    @Test("bad input gets a stable error code and changes nothing")
    func badInput() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()
        let unknown = try stack.request("ledger", type: "ledger.nonsense")
        guard case .error(let error) = unknown.outcome else { Issue.record("accepted"); return }
        #expect(error.code == .unknownCommand)
        let tooLong = try stack.request("ledger", type: "ledger.ping",
                                        body: .object(["message": .string(String(repeating: "x", count: 300))]))
        guard case .error(let tooLongError) = tooLong.outcome else { Issue.record("accepted"); return }
        #expect(tooLongError.code == .invalidArgument)
        let raw = try stack.cli("raw", "ledger", "ledger.ping", "{not json")
        #expect(raw.exitCode == 64)
        #expect(try stack.result("ledger", type: "ledger.pings").uint64("pingCount") == 0)
        let usage = try stack.cli("ping", "nowhere")
        #expect(usage.exitCode == 64)
    }

    @Test("a stack that is down is reported unreachable with exit code 69")
    func unreachable() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        let status = try stack.cli("status", "--timeout-ms", "100", "--attempts", "1")
        #expect(status.exitCode == 69)
        #expect(status.stdout.contains("unreachable"))
    }
}
