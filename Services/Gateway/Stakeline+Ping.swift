import ArgumentParser
import Contracts
import ServiceKit

extension ServiceName: ExpressibleByArgument {}

extension Stakeline {
    struct Ping: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a harmless command that a service journals and publishes (a plumbing check).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "ledger, rewards, operators or slashing.")
        var service: ServiceName

        @Option(help: "A note to journal with the ping (at most 256 bytes).")
        var message: String?

        @Option(help: "The command id (default: random). Reusing an id returns the first reply.")
        var id: String?

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                var body: [String: JSON] = [:]
                if let message { body["message"] = .string(message) }
                let result = try client.call(service, service.rawValue + ".ping", actor: global.actor ?? "stakeline", body: .object(body), id: id)
                if global.json {
                    Output.json(result)
                } else {
                    let seq = (try? result.uint64("seq")).map(String.init) ?? "?"
                    let count = (try? result.uint64("count")).map(String.init) ?? "?"
                    print("\(service.rawValue): ping #\(count) journaled at seq \(seq)")
                }
            }
        }
    }

    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a service's journaled events.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "ledger, rewards, operators or slashing.")
        var service: ServiceName

        @Option(help: "Show events after this seq.")
        var after: UInt64 = 0

        @Option(help: "At most this many events (1…10000).")
        var limit: UInt64 = 50

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let result = try client.call(service, "events.since", actor: "stakeline",
                                             body: .object(["after": .int(after), "limit": .int(limit)]))
                if global.json {
                    Output.json(result)
                    return
                }
                let events = (try? result.array("events")) ?? []
                Output.table(["SEQ", "EPOCH", "TYPE", "BODY"], events.map { event in
                    [
                        (try? event.uint64("seq")).map(String.init) ?? "?",
                        (try? event.optionalUInt64("epoch")).flatMap { $0 }.map(String.init) ?? "-",
                        (try? event.string("type")) ?? "?",
                        event["body"].map { String(decoding: JSONCodec.serialize($0), as: UTF8.self) } ?? "{}",
                    ]
                })
                let head = (try? result.uint64("lastSeq")) ?? 0
                print("\(events.count) event(s); journal head is seq \(head)")
            }
        }
    }

    struct Raw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send any command as JSON and print the reply (for scripts and debugging).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "ledger, rewards, operators or slashing.")
        var service: ServiceName

        @Argument(help: "The command type, e.g. ledger.ping.")
        var type: String

        @Argument(help: "The body as a JSON object.")
        var body: String = "{}"

        @Option(help: "The command id (default: random).")
        var id: String?

        func run() throws {
            try guarded(json: true) {
                let parsed: JSON
                do {
                    parsed = try JSONCodec.parse(Array(body.utf8))
                } catch {
                    throw GatewayFailure.usage("the body is not valid JSON: \(error)")
                }
                let client = try GatewayClient(options: global)
                let reply = try client.send(to: client.config.endpoint(for: service), type: type, actor: global.actor ?? "stakeline", body: parsed, id: id)
                print(String(decoding: reply.encoded(), as: UTF8.self))
                if case .error = reply.outcome { throw ExitCode(1) }
            }
        }
    }
}
