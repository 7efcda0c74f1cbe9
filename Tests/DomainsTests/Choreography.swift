import Contracts
import Domains
import ServiceKit

/// The solo-staking domains and the operators registry wired together in process, as the runtime wires them over the
/// bus: a command is decided and its events applied with gap-free seqs, then every other service
/// reacts to each event, in order, until nothing more happens. Every event also goes through its
/// canonical bytes, as on the wire. No sockets, no disk: the services' pure logic only.
struct Choreography {
    var ledger = LedgerDomain()
    var rewards = RewardsDomain()
    var slashing = SlashingDomain()
    var operators = OperatorsDomain()
    /// Every event journaled, per service, as a fresh start would replay them.
    var journals: [String: [EventEnvelope]] = ["ledger": [], "rewards": [], "slashing": [], "operators": []]
    let roles = Roles(admins: ["admin"], oracles: ["oracle"])

    enum Failure: Error, CustomStringConvertible {
        case refused(ContractError)
        var description: String { if case .refused(let error) = self { return error.description }; return "" }
        var error: ContractError { if case .refused(let error) = self { return error }; fatalError() }
    }

    /// Sends a command; returns its result or throws its refusal (which must change nothing).
    @discardableResult
    mutating func send(_ service: String, _ type: String, as actor: String, _ body: JSON) throws(Failure) -> JSON {
        let command = CommandEnvelope(id: "c", type: type, actor: actor, body: body)
        let context = CommandContext(actor: actor, roles: roles, nextSeq: UInt64(journals[service]!.count + 1))
        let outcome: Result<Decision, ContractError> = switch service {
        case "ledger": ledger.decide(command, context: context)
        case "rewards": rewards.decide(command, context: context)
        case "operators": operators.decide(command, context: context)
        default: slashing.decide(command, context: context)
        }
        switch outcome {
        case .failure(let error): throw .refused(error)
        case .success(let decision):
            propagate(journal(service, decision.events))
            return decision.result
        }
    }

    /// Delivers a hand-made event (one no wired service journaled, e.g. a registration a test
    /// makes up instead of sending `operators.node.register`) to the other services, as the bus
    /// would, and runs the reactions to completion.
    mutating func deliver(_ event: EventEnvelope) {
        propagate([event])
    }

    /// Every other service reacts to each event, in order, until nothing more happens.
    private mutating func propagate(_ events: [EventEnvelope]) {
        var queue = events
        while !queue.isEmpty {
            let next = queue.removeFirst()
            for follower in ["ledger", "rewards", "slashing", "operators"] where follower != next.source {
                let context = CommandContext(actor: next.source, roles: roles, nextSeq: UInt64(journals[follower]!.count + 1))
                let reactions: [NewEvent] = switch follower {
                case "ledger": ledger.react(to: next, context: context)
                case "rewards": rewards.react(to: next, context: context)
                case "operators": operators.react(to: next, context: context)
                default: slashing.react(to: next, context: context)
                }
                queue += journal(follower, reactions)
            }
        }
    }

    /// A query's result (queries never change state).
    func query(_ service: String, _ type: String, _ body: JSON = .object([:])) throws(Failure) -> JSON {
        let command = CommandEnvelope(id: "q", type: type, actor: "anyone", body: body)
        let context = CommandContext(actor: "anyone", roles: roles, nextSeq: 0)
        let outcome: Result<Decision, ContractError> = switch service {
        case "ledger": ledger.decide(command, context: context)
        case "rewards": rewards.decide(command, context: context)
        case "operators": operators.decide(command, context: context)
        default: slashing.decide(command, context: context)
        }
        switch outcome {
        case .failure(let error): throw .refused(error)
        case .success(let decision): return decision.result
        }
    }

    private mutating func journal(_ service: String, _ events: [NewEvent]) -> [EventEnvelope] {
        var stamped: [EventEnvelope] = []
        for new in events {
            let built = EventEnvelope(
                source: service, seq: UInt64(journals[service]!.count + 1), type: service + "." + new.name,
                epoch: new.epoch, body: new.body)
            let envelope = try! EventEnvelope(bytes: built.encoded())
            switch service {
            case "ledger": ledger.apply(envelope)
            case "rewards": rewards.apply(envelope)
            case "operators": operators.apply(envelope)
            default: slashing.apply(envelope)
            }
            journals[service]!.append(envelope)
            stamped.append(envelope)
        }
        return stamped
    }
}

let ether: UInt128 = 1_000_000_000_000_000_000

extension JSON {
    static func wei(_ value: UInt128) -> JSON { .string(String(value)) }
    /// A field of an object result, or `.null`.
    func at(_ key: String) -> JSON { self[key] ?? .null }
    var text: String {
        switch self {
        case .string(let value), .number(let value): value
        case .bool(let value): String(value)
        default: "\(self)"
        }
    }
}

extension JSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
