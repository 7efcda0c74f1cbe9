import Accounting
import Contracts
import ServiceKit

/// stakeline-slashing, consensus-layer part: validator slashings — who reported which
/// validator and why, checked against a replica of which validators are slashable, and what the
/// ledger made of each report.
public struct SlashingDomain: ServiceDomain {
    public static let serviceName = SlashingIdentity.serviceName
    public static let followedSources = SlashingIdentity.followedSources
    public static let queryTypes = Set(["slashing.pings", "slashing.validator.slashings"]).union(avsQueryTypes)
    /// `slashing.avs.slash {dryRun: true}` is answered like a query (docs/PROTOCOL.md §9.9).
    public static let dryRunTypes: Set<String> = ["slashing.avs.slash"]
    public static let reasonBytesMax = 256

    /// What this service knows of a validator, from the ledger's events.
    struct TrackedValidator: Sendable, Equatable {
        var owner: String
        var phase: Phase
        /// Reported (and not refused): a second report is refused.
        var slashed = false
    }

    enum Phase: String, Sendable {
        /// Deposited, not yet active: not slashable yet.
        case pending
        /// From activation until withdrawable.
        case slashable
        case withdrawable
    }

    struct Slashing: Sendable, Equatable {
        var validator: UInt64
        var owner: String
        var reason: String
        var seq: UInt64
        /// `pending`, `applied` or `refused`, with the ledger's outcome.
        var state = "pending"
        var outcome: [String: JSON] = [:]
    }

    var plumbing = PlumbingDomain<SlashingIdentity>()
    var validators: [UInt64: TrackedValidator] = [:]
    var slashings: [Slashing] = []
    /// Index into `slashings` by the seq of its `ValidatorSlashed` event.
    var slashingBySeq: [UInt64: Int] = [:]
    /// AVSs, operator sets, registrations and allocations (SlashingDomain+AVS.swift).
    var restaking = AVSRegistry()

    public init() {}

    public func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError> {
        do throws(ContractError) {
            let body = command.body.fields(at: "body")
            switch command.type {
            case "slashing.ping", "slashing.pings":
                return plumbing.decide(command, context: context)
            case "slashing.validator.slash":
                try context.requireOracle(doing: "reporting a validator slashing")
                let validator = try body.uint64("validator")
                let reason = try body.string("reason")
                guard !reason.isEmpty && reason.utf8.count <= Self.reasonBytesMax else {
                    throw ContractError(.invalidArgument, "body.reason must be 1 … \(Self.reasonBytesMax) bytes")
                }
                guard let tracked = validators[validator] else {
                    throw ContractError(.notFound, "there is no validator \(validator)")
                }
                guard !tracked.slashed else {
                    throw ContractError(ErrorCode(rawValue: BeaconError.alreadySlashed(ValidatorIndex(Int(validator))).code),
                        "validator \(validator) has already been slashed")
                }
                switch tracked.phase {
                case .pending:
                    throw ContractError(ErrorCode(rawValue: "validator_not_slashable"),
                        "validator \(validator) is not active yet; it can be slashed from its activation on")
                case .withdrawable:
                    throw ContractError(ErrorCode(rawValue: "validator_not_slashable"),
                        "validator \(validator) has exited and become withdrawable; it can no longer be slashed")
                case .slashable:
                    break
                }
                let fields: JSON = .object([
                    "validator": .int(validator), "owner": .string(tracked.owner), "reason": .string(reason),
                ])
                return .success(Decision(
                    result: fields.merging(["seq": .int(context.nextSeq)]),
                    events: [NewEvent(name: "ValidatorSlashed", body: fields)]))
            case "slashing.validator.slashings":
                let only = try body.optionalUInt64("validator")
                let selected = slashings.filter { only == nil || $0.validator == only }
                return .success(Decision(result: .object(["slashings": .array(selected.map(Self.view))])))
            default:
                if let decision = try decideAVS(command, body, context: context) { return .success(decision) }
                throw ContractError(.unknownCommand, "slashing has no command \(command.type)")
            }
        } catch {
            return .failure(error)
        }
    }

    static func view(_ slashing: Slashing) -> JSON {
        var fields = slashing.outcome
        fields["validator"] = .int(slashing.validator)
        fields["owner"] = .string(slashing.owner)
        fields["reason"] = .string(slashing.reason)
        fields["seq"] = .int(slashing.seq)
        fields["state"] = .string(slashing.state)
        return .object(fields)
    }

    public mutating func apply(_ event: EventEnvelope) {
        switch event.type {
        case "slashing.Pinged", "slashing.PingObserved":
            plumbing.apply(event)
        case "slashing.ValidatorTracked":
            let (validator, owner) = must(event) { body throws(ContractError) in (try body.uint64("validator"), try body.string("owner")) }
            validators[validator] = TrackedValidator(owner: owner, phase: .pending)
        case "slashing.ValidatorsPhaseChanged":
            let (activated, withdrawable) = must(event) { body throws(ContractError) in
                (try Self.ids(body, "activated"), try Self.ids(body, "becameWithdrawable"))
            }
            for id in activated { validators[id]?.phase = .slashable }
            for id in withdrawable { validators[id]?.phase = .withdrawable }
        case "slashing.ValidatorSlashed":
            let (validator, owner, reason) = must(event) { body throws(ContractError) in
                (try body.uint64("validator"), try body.string("owner"), try body.string("reason"))
            }
            validators[validator]?.slashed = true
            slashingBySeq[event.seq] = slashings.count
            slashings.append(Slashing(validator: validator, owner: owner, reason: reason, seq: event.seq))
        case "slashing.SlashOutcomeRecorded":
            let (slashingSeq, applied) = must(event) { body throws(ContractError) in
                (try body.uint64("slashingSeq"), try body.bool("applied"))
            }
            guard let position = slashingBySeq[slashingSeq], case .object(var outcome) = event.body else { return }
            outcome["slashingSeq"] = nil
            outcome["applied"] = nil
            slashings[position].state = applied ? "applied" : "refused"
            slashings[position].outcome = outcome
            if !applied { validators[slashings[position].validator]?.slashed = false }
        default:
            if applyAVS(event) { return }
            preconditionFailure("unknown own event \(event.type) at seq \(event.seq)")
        }
    }

    static func ids(_ body: JSON, _ key: String) throws(ContractError) -> [UInt64] {
        try body.array(key).map { item throws(ContractError) in
            guard case .number(let text) = item, let id = UInt64(text) else {
                throw ContractError(.wrongType, "\(key) must hold validator ids")
            }
            return id
        }
    }

    public func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent] {
        if let events = reactAVS(to: event) { return events }
        switch event.type {
        case "ledger.ValidatorDeposited":
            guard let validator = try? event.body.uint64("validator"), let owner = try? event.body.string("owner") else { return [] }
            return [NewEvent(name: "ValidatorTracked", epoch: event.epoch, body: .object([
                "validator": .int(validator), "owner": .string(owner),
            ]))]
        case "ledger.EpochApplied":
            // One own event only for the epochs where some validator's slashability changes.
            guard let activated = try? Self.ids(event.body, "activated"),
                let withdrawable = try? Self.ids(event.body, "becameWithdrawable"),
                !activated.isEmpty || !withdrawable.isEmpty
            else { return [] }
            return [NewEvent(name: "ValidatorsPhaseChanged", epoch: event.epoch, body: .object([
                "activated": .array(activated.map { .int($0) }), "becameWithdrawable": .array(withdrawable.map { .int($0) }),
            ]))]
        case "ledger.ValidatorSlashApplied":
            guard case .object(var fields) = event.body else { return [] }
            fields["applied"] = .bool(true)
            fields["reason"] = nil
            fields["owner"] = nil
            fields["validator"] = nil
            return [NewEvent(name: "SlashOutcomeRecorded", epoch: event.epoch, body: .object(fields))]
        case "ledger.ValidatorSlashRefused":
            guard case .object(var fields) = event.body else { return [] }
            fields["applied"] = .bool(false)
            fields["validator"] = nil
            return [NewEvent(name: "SlashOutcomeRecorded", epoch: event.epoch, body: .object(fields))]
        default:
            return plumbing.react(to: event, context: context)
        }
    }

    public func snapshot() -> JSON {
        var tracked: [String: JSON] = [:]
        for (id, validator) in validators {
            tracked[String(id)] = .object([
                "owner": .string(validator.owner), "phase": .string(validator.phase.rawValue), "slashed": .bool(validator.slashed),
            ])
        }
        return .object([
            "plumbing": plumbing.snapshot(),
            "validators": .object(tracked),
            "slashings": .array(slashings.map(Self.view)),
            "restaking": avsSnapshot(),
        ])
    }

    public init(snapshot: JSON) throws(ContractError) {
        self.init()
        plumbing = try PlumbingDomain(snapshot: try snapshot.object("plumbing"))
        guard case .object(let tracked) = try snapshot.object("validators") else {
            throw ContractError(.invalidArgument, "slashing snapshot is malformed")
        }
        for (key, value) in tracked {
            guard let id = UInt64(key), let phase = Phase(rawValue: try value.string("phase")) else {
                throw ContractError(.invalidArgument, "slashing snapshot: bad validator \(key)")
            }
            validators[id] = TrackedValidator(owner: try value.string("owner"), phase: phase, slashed: try value.bool("slashed"))
        }
        for item in try snapshot.array("slashings") {
            guard case .object(var fields) = item else { throw ContractError(.invalidArgument, "slashing snapshot: bad slashing") }
            var slashing = Slashing(
                validator: try item.uint64("validator"), owner: try item.string("owner"), reason: try item.string("reason"),
                seq: try item.uint64("seq"), state: try item.string("state"))
            for key in ["validator", "owner", "reason", "seq", "state"] { fields[key] = nil }
            slashing.outcome = fields
            slashingBySeq[slashing.seq] = slashings.count
            slashings.append(slashing)
        }
        try restoreAVS(snapshot["restaking"])
    }
}
