import Foundation
import Logging
import ServiceLifecycle

/// The `main` of every service process: flags, configuration, logging, journal, runtime, and a
/// `ServiceGroup` that turns SIGTERM/SIGINT into a graceful shutdown.
///
/// Flags: `--config FILE`, `--data-dir DIR`, `--log-level LEVEL`, `--help`, `--version`.
public enum ServiceMain {
    public static func run<Domain: ServiceDomain>(_ domain: Domain.Type, arguments: [String] = CommandLine.arguments) async {
        let name = Domain.serviceName
        let flags: Flags
        do {
            flags = try Flags.parse(Array(arguments.dropFirst()), program: "stakeline-\(name)")
        } catch {
            FileHandle.standardError.write(Data("stakeline-\(name): \(error)\n".utf8))
            exit(64)
        }
        if flags.helpRequested {
            print(Flags.usage(program: "stakeline-\(name)"))
            exit(0)
        }
        if flags.versionRequested {
            print(StakelineVersion.current)
            exit(0)
        }
        StakelineLogging.bootstrap(service: name, level: flags.logLevel)
        let logger = Logger(label: "stakeline.\(name)")
        do {
            let config = try StackConfig.load(
                configPath: flags.configFile, environment: ProcessInfo.processInfo.environment,
                overrides: flags.overrides)
            guard let service = ServiceName(rawValue: name) else { preconditionFailure("unknown service \(name)") }
            try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
            let journal = try Journal(path: config.journalPath(for: name), durability: config.durability)
            var sources: [String: String] = [:]
            for source in ServiceName.allCases where source != service {
                sources[source.rawValue] = config.endpoint(for: source)
            }
            var options = RuntimeOptions(
                requestEndpoint: config.bindAddress(for: service),
                busPublishersEndpoint: config.bus.publishers,
                busSubscribersEndpoint: config.bus.subscribers,
                sourceEndpoints: sources,
                roles: Roles(admins: Set(config.roles.admin), oracles: Set(config.roles.oracle)),
                heartbeatIntervalMs: config.heartbeatIntervalMs,
                requestTimeoutMs: config.requestTimeoutMs)
            options.snapshotEveryEvents = UInt64(config.snapshotEveryEvents)
            let runtime = try ServiceRuntime<Domain>(
                journal: journal, options: options, version: StakelineVersion.current, logger: logger)
            let group = ServiceGroup(
                services: [runtime], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            try await group.run()
        } catch {
            logger.critical("stopped on error", metadata: ["error": "\(error)"])
            exit(1)
        }
    }

    struct Flags {
        var configFile: String?
        var overrides: [String: String] = [:]
        var logLevel: Logger.Level = .info
        var helpRequested = false
        var versionRequested = false

        struct UsageError: Error, CustomStringConvertible {
            let description: String
        }

        static func usage(program: String) -> String {
            """
            usage: \(program) [--config FILE] [--data-dir DIR] [--log-level trace|debug|info|notice|warning|error|critical]
            Configuration: embedded defaults < --config FILE or $STAKELINE_CONFIG < STAKELINE_* environment < flags.
            """
        }

        static func parse(_ arguments: [String], program: String) throws(UsageError) -> Flags {
            var flags = Flags()
            var index = 0
            func value(_ flag: String) throws(UsageError) -> String {
                index += 1
                guard index < arguments.count else { throw UsageError(description: "\(flag) needs a value") }
                return arguments[index]
            }
            while index < arguments.count {
                let argument = arguments[index]
                switch argument {
                case "--config": flags.configFile = try value(argument)
                case "--data-dir": flags.overrides["dataDir"] = try value(argument)
                case "--log-level":
                    let text = try value(argument)
                    guard let level = Logger.Level(rawValue: text) else {
                        throw UsageError(description: "unknown log level \(text)")
                    }
                    flags.logLevel = level
                case "-h", "--help": flags.helpRequested = true
                case "--version": flags.versionRequested = true
                default: throw UsageError(description: "unknown argument \(argument)\n\(usage(program: program))")
                }
                index += 1
            }
            return flags
        }
    }
}
