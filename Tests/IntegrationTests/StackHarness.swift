import Bus
import Contracts
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A whole stack of real processes under the real supervisor, started through `scripts/stack` in
/// a temporary directory on free loopback ports, driven through the real `stakeline` CLI and
/// sockets.
final class StackHarness {
    let root: URL
    let home: URL
    let binDir: URL
    let configPath: String
    let endpoints: [String: String]
    let busControl: String
    let busPublishers: String
    let busSubscribers: String
    let context = ZMQContext()

    static let services = ["ledger", "rewards", "operators", "slashing"]

    /// - Parameter snapshotEveryEvents: how often the services snapshot (their default, 50 000,
    ///   when nil); a small value makes a test's restarts load snapshots, not only journals.
    init(snapshotEveryEvents: Int? = nil) throws {
        root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        binDir = root.appendingPathComponent(".build/debug")
        home = FileManager.default.temporaryDirectory.appendingPathComponent("stakeline-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var endpoints: [String: String] = [:]
        for service in Self.services { endpoints[service] = LoopbackPort.endpoint() }
        self.endpoints = endpoints
        busPublishers = LoopbackPort.endpoint()
        busSubscribers = LoopbackPort.endpoint()
        busControl = LoopbackPort.endpoint()
        var config: [String: Any] = [
            "dataDir": home.appendingPathComponent("data").path,
            "bus": ["publishers": busPublishers, "subscribers": busSubscribers, "control": busControl],
            "services": endpoints,
            "heartbeatIntervalMs": 200,
            // Generous: CI runs several stacks at once on 2 cores, and a reply late by a few seconds
            // under that load is not what these tests check.
            "requestTimeoutMs": 5000,
        ]
        if let snapshotEveryEvents { config["snapshotEveryEvents"] = snapshotEveryEvents }
        configPath = home.appendingPathComponent("stakeline.json").path
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: configPath))
    }

    var environment: [String: String] {
        // The caller's own STAKELINE_* settings (a developer's stack, say) would override this
        // stack's config file: only the harness's own are passed on.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STAKELINE_") }
        environment["STAKELINE_HOME"] = home.path
        environment["STAKELINE_CONFIG"] = configPath
        environment["STAKELINE_BIN"] = binDir.path
        return environment
    }

    struct Run {
        let exitCode: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a program to completion, output captured through files.
    ///
    /// posix_spawn + waitpid rather than Foundation's `Process`: on Linux `Process` learns of the
    /// child's exit through a socket the child inherits, and `scripts/stack up` leaves a daemon
    /// (supervisord) holding it, so `waitUntilExit` would wait for the whole stack to stop.
    func run(_ executable: URL, _ arguments: [String]) throws -> Run {
        let out = home.appendingPathComponent("out-\(UUID().uuidString)").path
        let err = home.appendingPathComponent("err-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        guard rc == 0 else { throw ContractError(.internalError, "cannot start \(executable.path): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros do not import).
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Run(
            exitCode: exitCode,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    func stack(_ arguments: String...) throws -> Run {
        try run(URL(fileURLWithPath: "/bin/bash"), [root.appendingPathComponent("scripts/stack").path] + arguments)
    }

    /// The real CLI.
    func cli(_ arguments: String...) throws -> Run {
        try run(binDir.appendingPathComponent("stakeline"), arguments)
    }

    func up() throws {
        let result = try stack("up")
        try #require(result.exitCode == 0, "stack up failed:\n\(result.stdout)\n\(result.stderr)")
    }

    func down() {
        _ = try? stack("down")
        try? FileManager.default.removeItem(at: home)
    }

    /// Sends a command straight over a socket, as any client would.
    func request(_ service: String, type: String, actor: String = "tester", body: JSON = .object([:]),
                 id: String = UUID().uuidString) throws -> ReplyEnvelope {
        let client = RequestClient(context: context, endpoint: endpoints[service]!, timeoutMs: 2000, attemptsMax: 10)
        return try client.request(CommandEnvelope(id: id, type: type, actor: actor, body: body))
    }

    func result(_ service: String, type: String, body: JSON = .object([:])) throws -> JSON {
        let reply = try request(service, type: type, body: body)
        guard case .ok(let result) = reply.outcome else {
            throw ContractError(.internalError, "\(type) refused: \(reply.outcome)")
        }
        return result
    }

    func pid(of process: String) throws -> Int32 {
        let status = try cli("status", "--json")
        let json = try JSONCodec.parse(Array(status.stdout.utf8))
        for entry in try json.array("processes") where (try? entry.string("service")) == process {
            return Int32(try entry.uint64("pid"))
        }
        throw ContractError(.notFound, "no pid for \(process) in \(status.stdout)")
    }

    /// Polls until `condition` holds or `seconds` pass; returns whether it held.
    func eventually(seconds: Double = 30, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// What `service` observed of `source`'s pings: (count, seq sum).
    func observed(_ service: String, of source: String) throws -> (count: UInt64, seqSum: UInt64) {
        let pings = try result(service, type: service + ".pings")
        guard let entry = try pings.object("observed")[source] else { return (0, 0) }
        return (try entry.uint64("count"), try entry.uint64("seqSum"))
    }
}
