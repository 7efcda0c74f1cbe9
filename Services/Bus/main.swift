import Bus
import Contracts
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// stakeline-bus: the stateless XSUB ⇄ XPUB forwarder, plus a control endpoint answering `status`.
struct BusService: Service {
    let proxy: BusProxy
    let logger: Logger
    let startedAt = ContinuousClock.now

    func run() async throws {
        let context = ZMQContext()
        try proxy.start(context: context, logger: logger) { [startedAt] payload, counters in
            Self.answer(payload: payload, counters: counters, startedAt: startedAt)
        }
        logger.info("forwarding", metadata: [
            "publishers": "\(proxy.publishersEndpoint)", "subscribers": "\(proxy.subscribersEndpoint)",
            "control": "\(proxy.controlEndpoint)"])
        try? await gracefulShutdown()
        proxy.stop()
        context.shutdown()
        logger.info("stopped")
    }

    static func answer(payload: [UInt8], counters: () -> BusProxy.Counters?, startedAt: ContinuousClock.Instant) -> [UInt8] {
        let command: CommandEnvelope
        do {
            command = try CommandEnvelope(bytes: payload)
        } catch {
            return ReplyEnvelope(id: "", outcome: .error(error)).encoded()
        }
        guard command.type == "status" else {
            let error = ContractError(.unknownCommand, "the bus answers only status, not \(command.type)")
            return ReplyEnvelope(id: command.id, outcome: .error(error)).encoded()
        }
        var result: [String: JSON] = [
            "service": .string("bus"), "healthy": .bool(true), "version": .string(StakelineVersion.current),
            "pid": .int(getpid()),
            "uptimeSeconds": .int(max(0, startedAt.duration(to: .now).components.seconds)),
        ]
        if let counters = counters() {
            result["messagesIn"] = .int(counters.messagesIn)
            result["messagesOut"] = .int(counters.messagesOut)
            result["bytesIn"] = .int(counters.bytesIn)
            result["bytesOut"] = .int(counters.bytesOut)
        }
        return ReplyEnvelope(id: command.id, outcome: .ok(.object(result))).encoded()
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
var configFile: String?
var index = 0
while index < arguments.count {
    switch arguments[index] {
    case "--config" where index + 1 < arguments.count:
        configFile = arguments[index + 1]
        index += 1
    case "--data-dir" where index + 1 < arguments.count:
        index += 1  // the bus keeps no data; accepted so every process takes the same flags
    case "-h", "--help":
        print("usage: stakeline-bus [--config FILE]")
        exit(0)
    case "--version":
        print(StakelineVersion.current)
        exit(0)
    default:
        FileHandle.standardError.write(Data("stakeline-bus: unknown argument \(arguments[index])\n".utf8))
        exit(64)
    }
    index += 1
}
StakelineLogging.bootstrap(service: "bus", level: .info)
let logger = Logger(label: "stakeline.bus")
do {
    let config = try StackConfig.load(configPath: configFile, environment: ProcessInfo.processInfo.environment, overrides: [:])
    let proxy = BusProxy(
        publishersEndpoint: StackConfig.bindAddress(for: config.bus.publishers),
        subscribersEndpoint: StackConfig.bindAddress(for: config.bus.subscribers),
        controlEndpoint: StackConfig.bindAddress(for: config.bus.control))
    let group = ServiceGroup(
        services: [BusService(proxy: proxy, logger: logger)], gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    try await group.run()
} catch {
    logger.critical("stopped on error", metadata: ["error": "\(error)"])
    exit(1)
}
