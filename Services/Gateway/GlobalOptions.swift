import ArgumentParser
import ServiceKit

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Stack configuration file (JSON). Default: $STAKELINE_CONFIG, else the embedded defaults.")
    var config: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of tables.")
    var json = false

    @Option(name: .long, help: "Milliseconds to wait for each attempt of a request.")
    var timeoutMs: Int?

    @Option(name: .long, help: "Attempts per request (retries reuse the command id, so nothing applies twice).")
    var attempts: Int = 3

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Act as this identity instead of the command's natural actor.",
        discussion: "Default: the account a command names, a validator's owner, or the first oracle of the configuration (roles.oracle).",
        valueName: "actor"))
    var actor: String?

    @Flag(name: .long, help: "Show amounts with full precision (default: ETH with 6 decimals, rounded down).")
    var exact = false

    func validate() throws {
        if let timeoutMs, !(1...600_000).contains(timeoutMs) {
            throw ValidationError("--timeout-ms must be between 1 and 600000")
        }
        guard (1...20).contains(attempts) else { throw ValidationError("--attempts must be between 1 and 20") }
        if let actor, actor.isEmpty || actor.utf8.count > 128 {
            throw ValidationError("--as must be 1 to 128 bytes")
        }
    }

    func loadConfig() throws -> StackConfig {
        do {
            return try StackConfig.load(configPath: config, environment: ProcessEnvironment.current, overrides: [:])
        } catch {
            throw GatewayFailure.usage("configuration: \(error)")
        }
    }
}
