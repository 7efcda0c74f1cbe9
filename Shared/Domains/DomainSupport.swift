import Accounting
import Contracts
import ServiceKit

/// Service identities, shared by the domains and their executables.
public enum LedgerIdentity: ServiceIdentity {
    public static let serviceName = "ledger"
    public static let followedSources = ["rewards", "operators", "slashing"]
}

public enum RewardsIdentity: ServiceIdentity {
    public static let serviceName = "rewards"
    public static let followedSources = ["ledger", "operators", "slashing"]
}

public enum OperatorsIdentity: ServiceIdentity {
    public static let serviceName = "operators"
    public static let followedSources = ["ledger", "rewards", "slashing"]
}

public enum SlashingIdentity: ServiceIdentity {
    public static let serviceName = "slashing"
    public static let followedSources = ["ledger", "rewards", "operators"]
}

/// Domain error codes (docs/PROTOCOL.md §9.3); the consensus model's come from `BeaconError.code`.
extension ErrorCode {
    public static let amountZero = ErrorCode(rawValue: "amount_zero")
    public static let amountTooPrecise = ErrorCode(rawValue: "amount_too_precise")
    public static let insufficientBalance = ErrorCode(rawValue: "insufficient_balance")
}

extension ContractError {
    init(_ error: BeaconError) {
        switch error {
        case .validatorNotFound: self.init(.notFound, error.message)
        default: self.init(ErrorCode(rawValue: error.code), error.message)
        }
    }
}

let weiPerGwei: UInt128 = 1_000_000_000
let farFutureEpoch = BeaconValidator.farFutureEpoch

/// Reads an own event's field; an own event that does not parse is a bug (it was built by this
/// service's own `decide`/`react`), so it stops the process rather than guess.
func must<T>(_ event: EventEnvelope, _ read: (JSON) throws(ContractError) -> T) -> T {
    do {
        return try read(event.body)
    } catch {
        preconditionFailure("malformed own event \(event.type) at seq \(event.seq): \(error)")
    }
}

extension JSON {
    /// A gwei amount (decimal string) that must fit the consensus layer's `UInt64`.
    func gwei(_ key: String) throws(ContractError) -> UInt64 {
        let value = try amount(key)
        guard value <= UInt128(UInt64.max) else { throw ContractError(.amountOutOfRange, "\(key) exceeds 2^64 − 1 gwei") }
        return UInt64(value)
    }

    /// An epoch, `null` for the spec's far future ("not yet").
    static func epoch(_ value: UInt64) -> JSON { value == farFutureEpoch ? .null : .int(value) }
    static func amount(_ value: UInt64) -> JSON { .amount(UInt128(value)) }
    static func ids(_ indices: [ValidatorIndex]) -> JSON { .array(indices.map { .int($0.rawValue) }) }
}

extension ValidatorPerformance {
    static let flagNames = ["source", "target", "head"]

    var json: JSON {
        var flagList: [JSON] = []
        if flags.source { flagList.append(.string("source")) }
        if flags.target { flagList.append(.string("target")) }
        if flags.head { flagList.append(.string("head")) }
        return .object(["onlineRateBips": .int(onlineRateBips), "flags": .array(flagList)])
    }

    /// Reads `onlineRateBips` and optional `flags` from a body.
    init(body: JSON) throws(ContractError) {
        let rate = try body.fields(at: "body").uint64("onlineRateBips")
        var participation = ConsensusRules.Participation.full
        if let flagsValue = body["flags"], flagsValue != .null {
            guard case .array(let items) = flagsValue else {
                throw ContractError(.wrongType, "body.flags must be an array of source, target, head")
            }
            participation = .offline
            for item in items {
                switch item {
                case .string("source"): participation.source = true
                case .string("target"): participation.target = true
                case .string("head"): participation.head = true
                default:
                    throw ContractError(ErrorCode(rawValue: "invalid_performance"),
                        "body.flags may only contain source, target and head")
                }
            }
        }
        do throws(BeaconError) {
            try self.init(onlineRateBips: rate, flags: participation)
        } catch {
            throw ContractError(error)
        }
    }
}

extension BeaconParameters {
    var json: JSON {
        .object([
            "networkActiveGwei": .amount(networkActiveGwei),
            "networkParticipationBips": .int(networkParticipationBips),
            "sweepIntervalEpochs": .int(sweepIntervalEpochs),
        ])
    }

    /// These parameters with the body's optional fields applied.
    func updated(by body: JSON) throws(ContractError) -> BeaconParameters {
        let fields = body.fields(at: "body")
        var networkGwei = networkActiveGwei
        if let value = try fields.optionalAmount("networkActiveGwei") {
            guard value <= UInt128(UInt64.max) else {
                throw ContractError(ErrorCode(rawValue: "invalid_parameters"), "body.networkActiveGwei is too large")
            }
            networkGwei = UInt64(value)
        }
        let participationBips = try fields.optionalUInt64("networkParticipationBips") ?? networkParticipationBips
        let sweepEpochs = try fields.optionalUInt64("sweepIntervalEpochs") ?? sweepIntervalEpochs
        do throws(BeaconError) {
            return try BeaconParameters(
                networkActiveGwei: networkGwei, networkParticipationBips: participationBips,
                sweepIntervalEpochs: sweepEpochs, fork: fork)
        } catch {
            throw ContractError(error)
        }
    }
}
