import ArgumentParser

/// How a command failed, and the exit code that says so (documented in `--help` and README).
enum GatewayFailure: Error, CustomStringConvertible {
    /// The service answered with an error reply: exit 1.
    case refused(code: String, message: String)
    /// A service did not answer: exit 69 (EX_UNAVAILABLE).
    case unreachable(String)
    /// Bad usage or configuration: exit 64 (EX_USAGE).
    case usage(String)

    var exitCode: ExitCode {
        switch self {
        case .refused: ExitCode(1)
        case .unreachable: ExitCode(69)
        case .usage: ExitCode(64)
        }
    }

    var description: String {
        switch self {
        case .refused(let code, let message): "\(code): \(message)"
        case .unreachable(let message): "unreachable: \(message)"
        case .usage(let message): message
        }
    }
}
