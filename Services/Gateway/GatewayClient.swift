import ArgumentParser
import Bus
import Contracts
import Foundation
import ServiceKit
import Synchronization

/// Sends commands to services and turns replies into output or a `GatewayFailure`.
struct GatewayClient {
    let config: StackConfig
    let options: GlobalOptions
    let context = ZMQContext()

    init(options: GlobalOptions) throws {
        self.options = options
        self.config = try options.loadConfig()
    }

    var timeoutMs: Int { options.timeoutMs ?? config.requestTimeoutMs }

    /// Sends one command and returns the raw reply (error replies included).
    func send(to endpoint: String, type: String, actor: String, body: JSON, id: String? = nil) throws -> ReplyEnvelope {
        let command = CommandEnvelope(id: id ?? CommandID.random(), type: type, actor: actor, body: body)
        let client = RequestClient(context: context, endpoint: endpoint, timeoutMs: timeoutMs, attemptsMax: options.attempts)
        do {
            return try client.request(command)
        } catch {
            throw GatewayFailure.unreachable("\(endpoint): \(error)")
        }
    }

    /// Sends the same query to several endpoints at once, one thread each; results in order.
    func sendConcurrently(type: String, to endpoints: [String]) -> [Result<ReplyEnvelope, GatewayFailure>] {
        let results = Mutex([Result<ReplyEnvelope, GatewayFailure>?](repeating: nil, count: endpoints.count))
        let (context, timeoutMs, attempts) = (context, timeoutMs, options.attempts)
        // One thread each (not concurrentPerform, which runs only as many at once as there are
        // cores): the waits overlap fully.
        let threads = endpoints.indices.map { index in OwnedThread(name: "status-\(index)") {
            let command = CommandEnvelope(id: CommandID.random(), type: type, actor: "stakeline", body: .object([:]))
            let client = RequestClient(context: context, endpoint: endpoints[index], timeoutMs: timeoutMs, attemptsMax: attempts)
            let result: Result<ReplyEnvelope, GatewayFailure>
            do {
                result = .success(try client.request(command))
            } catch {
                result = .failure(.unreachable("\(endpoints[index]): \(error)"))
            }
            results.withLock { $0[index] = result }
        } }
        threads.forEach { $0.join() }
        return results.withLock { $0.map { $0! } }
    }

    /// Sends a command and returns its result, or throws the refusal.
    func call(_ service: ServiceName, _ type: String, actor: String, body: JSON, id: String? = nil) throws -> JSON {
        let reply = try send(to: config.endpoint(for: service), type: type, actor: actor, body: body, id: id)
        switch reply.outcome {
        case .ok(let result): return result
        case .error(let error): throw GatewayFailure.refused(code: error.code.rawValue, message: error.message)
        }
    }
}

/// Command ids made by the gateway: 128 random bits in hex.
enum CommandID {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Writes output: JSON as the services sent it, or human text.
enum Output {
    static func json(_ value: JSON) {
        print(String(decoding: JSONCodec.serialize(value), as: UTF8.self))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("error: " + text + "\n").utf8))
    }

    /// A fixed-width table with a header row (`Format.table`); columns in `rightAligned`
    /// (numbers) are padded on the left so their digits line up.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) {
        for line in Format.table(header, rows, rightAligned: rightAligned) { print(line) }
    }
}

extension ParsableCommand {
    /// Runs `body`, mapping failures to their exit codes and messages.
    func guarded(json: Bool, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as GatewayFailure {
            if json, case .refused(let code, let message) = failure {
                Output.json(.object(["ok": .bool(false), "error": .object(["code": .string(code), "message": .string(message)])]))
            } else {
                Output.error(failure.description)
            }
            throw failure.exitCode
        }
    }
}
