/// Every way the consensus-layer model refuses a request. Like ``AccountingError``: a refused
/// request changes nothing; `code` is stable snake_case, `message` is for people.
public enum BeaconError: Error, Equatable, Hashable, Sendable {
    case validatorNotFound(ValidatorIndex)
    /// A new validator's first deposit is outside what its credentials allow.
    case depositOutOfRange(amountGwei: UInt64, minimumGwei: UInt64, maximumGwei: UInt64)
    case validatorNotActive(ValidatorIndex, status: ValidatorStatus)
    case exitAlreadyInitiated(ValidatorIndex, exitEpoch: UInt64)
    /// Voluntary exits need `SHARD_COMMITTEE_PERIOD` (256) epochs of activity first.
    case exitTooEarly(ValidatorIndex, earliestEpoch: UInt64)
    case alreadySlashed(ValidatorIndex)
    /// Slashable only while `activation_epoch <= epoch < withdrawable_epoch`.
    case notSlashable(ValidatorIndex, status: ValidatorStatus)
    case invalidPerformance(String)
    case invalidParameters(String)
    case arithmetic(AccountingError)

    public var code: String {
        switch self {
        case .validatorNotFound: "validator_not_found"
        case .depositOutOfRange: "deposit_out_of_range"
        case .validatorNotActive: "validator_not_active"
        case .exitAlreadyInitiated: "exit_already_initiated"
        case .exitTooEarly: "exit_too_early"
        case .alreadySlashed: "validator_already_slashed"
        case .notSlashable: "validator_not_slashable"
        case .invalidPerformance: "invalid_performance"
        case .invalidParameters: "invalid_parameters"
        case .arithmetic(let error): error.code
        }
    }

    public var message: String {
        switch self {
        case .validatorNotFound(let index):
            "there is no validator \(index)"
        case .depositOutOfRange(let amount, let minimum, let maximum):
            minimum == maximum
                ? "a validator's deposit must be \(Gwei.ethText(minimum)) ETH (got \(Gwei.ethText(amount)) ETH); use a compounding validator for up to 2048 ETH"
                : "a compounding validator's deposit must be \(Gwei.ethText(minimum))–\(Gwei.ethText(maximum)) ETH (got \(Gwei.ethText(amount)) ETH)"
        case .validatorNotActive(let index, let status):
            "validator \(index) is \(status.rawValue), not active"
        case .exitAlreadyInitiated(let index, let exitEpoch):
            "validator \(index) is already exiting (exit epoch \(exitEpoch))"
        case .exitTooEarly(let index, let earliest):
            "validator \(index) must be active for 256 epochs before it may exit; it can exit from epoch \(earliest)"
        case .alreadySlashed(let index):
            "validator \(index) has already been slashed"
        case .notSlashable(let index, let status):
            "validator \(index) is \(status.rawValue) and can no longer be slashed (only from activation until it becomes withdrawable)"
        case .invalidPerformance(let why): "invalid performance: \(why)"
        case .invalidParameters(let why): "invalid chain parameters: \(why)"
        case .arithmetic(let error): error.message
        }
    }
}

/// Gwei display helpers for messages (no Foundation).
public enum Gwei {
    public static let perEth: UInt64 = 1_000_000_000

    /// `32`, `31.5`, `0.000000001`: exact, trailing zeros dropped.
    public static func ethText(_ gwei: UInt64) -> String {
        let whole = gwei / perEth
        var fraction = gwei % perEth
        guard fraction > 0 else { return String(whole) }
        var digits = 9
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
