import ArgumentParser
import Contracts
import ServiceKit

extension Stakeline {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every process of the stack: health, journal seq, uptime.",
            discussion: "Exits 0 when all five processes answer, 69 when any does not.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let targets = [("bus", client.config.bus.control)]
                    + ServiceName.allCases.map { ($0.rawValue, client.config.endpoint(for: $0)) }
                // All five at once: a stack that is down costs one timeout, not five.
                let rows = client.sendConcurrently(type: "status", to: targets.map(\.1)).enumerated().map { index, outcome in
                    let (name, endpoint) = targets[index]
                    switch outcome {
                    case .success(let reply):
                        switch reply.outcome {
                        case .ok(let result): return (name: name, endpoint: endpoint, status: Optional(result), problem: String?.none)
                        case .error(let error): return (name, endpoint, nil, error.description)
                        }
                    case .failure(let failure):
                        return (name, endpoint, nil, failure.description)
                    }
                }
                let allHealthy = rows.allSatisfy { $0.status != nil }
                if global.json {
                    Output.json(.object([
                        "healthy": .bool(allHealthy),
                        "processes": .array(rows.map { row in
                            row.status ?? .object([
                                "service": .string(row.name), "healthy": .bool(false),
                                "endpoint": .string(row.endpoint), "error": .string(row.problem ?? "")])
                        }),
                    ]))
                } else {
                    Output.table(
                        ["PROCESS", "HEALTH", "SEQ", "UPTIME", "PID", "ENDPOINT"],
                        rows.map { row in
                            guard let status = row.status else {
                                return [row.name, "unreachable", "-", "-", "-", row.endpoint]
                            }
                            let seq = (try? status.uint64("journalSeq")).map(String.init) ?? "-"
                            let uptime = (try? status.uint64("uptimeSeconds")).map(Format.duration) ?? "-"
                            let pid = (try? status.uint64("pid")).map(String.init) ?? "-"
                            return [row.name, "healthy", seq, uptime, pid, row.endpoint]
                        })
                }
                if !allHealthy {
                    throw GatewayFailure.unreachable(
                        rows.filter { $0.status == nil }.map(\.name).joined(separator: ", ") + " did not answer")
                }
            }
        }
    }
}
