import Contracts
import ServiceKit

/// stakeline-operators, restaking part (docs/PROTOCOL.md §9.6): restaking operators (split,
/// allocation delay) and stakers' delegation, EigenLayer-style. Events carry whole records.
///
/// Time: the service learns the epoch only from `rewards.EpochProcessed`, and records it through
/// an own event only while a split change is pending. A change is queued without an effect
/// epoch; the first `EpochProcessed {epoch: e}` the service sees after it ends the epoch the
/// command was decided in (the service's clock is the last ended epoch + 1), so it fixes
/// `effectEpoch = e + splitActivationDelayEpochs` (`RestakingSplitChangeScheduled`); the
/// `EpochProcessed` that starts `effectEpoch` applies it (`RestakingSplitChanged`).
extension OperatorsDomain {
    /// EigenLayer's `RewardsCoordinator.activationDelay` for operator splits: 7 days on mainnet
    /// (604 800 s) = 1575 epochs of 384 s.
    public static let splitActivationDelayEpochs: UInt64 = 1575
    public static let defaultSplitBips: UInt64 = 1000
    public static let splitBipsMax: UInt64 = 10_000
    /// EigenLayer stores the allocation delay as a uint32 (blocks); here epochs.
    public static let allocationDelayEpochsMax: UInt64 = UInt64(UInt32.max)

    /// A split change waiting for its effect epoch (nil until the next epoch boundary fixes it).
    public struct PendingSplit: Sendable, Hashable {
        public var splitBips: UInt64
        public var effectEpoch: UInt64?
    }

    /// One restaking operator, exactly as the events and `operators.restaking.show` carry it.
    public struct RestakingOperator: Sendable, Hashable {
        public var name: String
        /// The share of AVS rewards the operator keeps (EigenLayer's operator split).
        public var splitBips: UInt64
        /// Epochs before a new allocation becomes slashable.
        public var allocationDelayEpochs: UInt64
        public var pendingSplit: PendingSplit?

        var fields: [String: JSON] {
            [
                "name": .string(name), "splitBips": .int(splitBips), "allocationDelayEpochs": .int(allocationDelayEpochs),
                "pendingSplit": pendingSplit.map { pending in
                    JSON.object([
                        "splitBips": .int(pending.splitBips),
                        "effectEpoch": pending.effectEpoch.map { JSON.int($0) } ?? .null,
                    ])
                } ?? .null,
            ]
        }

        public var json: JSON { .object(fields) }

        public init(name: String, splitBips: UInt64, allocationDelayEpochs: UInt64, pendingSplit: PendingSplit? = nil) {
            self.name = name
            self.splitBips = splitBips
            self.allocationDelayEpochs = allocationDelayEpochs
            self.pendingSplit = pendingSplit
        }

        public init(json: JSON) throws(ContractError) {
            var pending: PendingSplit?
            if let value = json["pendingSplit"], value != .null {
                pending = PendingSplit(splitBips: try value.uint64("splitBips"), effectEpoch: try value.optionalUInt64("effectEpoch"))
            }
            self.init(
                name: try json.string("name"), splitBips: try json.uint64("splitBips"),
                allocationDelayEpochs: try json.uint64("allocationDelayEpochs"), pendingSplit: pending)
        }
    }

    // MARK: Commands

    func decideRestaking(_ command: CommandEnvelope, _ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision? {
        switch command.type {
        case "operators.restaking.register":
            let name = try Self.name(body)
            try Self.requireSelf(context, name, doing: "register restaking operator \(name)")
            let split = try Self.split(body, required: false) ?? Self.defaultSplitBips
            let delay = try body.uint64("allocationDelayEpochs")
            guard delay <= Self.allocationDelayEpochsMax else {
                throw ContractError(.invalidArgument,
                    "body.allocationDelayEpochs must be 0 … \(Self.allocationDelayEpochsMax), got \(delay)")
            }
            guard restakingOperators[name] == nil, operators[name] == nil else {
                throw ContractError(.operatorExists,
                    "\(name) is already registered as \(operators[name] == nil ? "a restaking" : "a node") operator")
            }
            let record = RestakingOperator(name: name, splitBips: split, allocationDelayEpochs: delay)
            return Self.recordDecision(record, event: "RestakingOperatorRegistered", context: context)
        case "operators.restaking.setSplit":
            let name = try Self.name(body)
            var record = try existingRestaking(name)
            try Self.requireSelf(context, name, doing: "set the split of \(name)")
            let split = try Self.split(body, required: true)!
            if let pending = record.pendingSplit {
                throw ContractError(.splitChangePending,
                    "\(name) already has a split change to \(pending.splitBips) bips pending (effect epoch "
                        + "\(pending.effectEpoch.map(String.init) ?? "fixed at the next epoch boundary")); wait for it")
            }
            guard split != record.splitBips else {
                throw ContractError(.invalidSplit, "\(name)'s split is already \(split) bips")
            }
            record.pendingSplit = PendingSplit(splitBips: split, effectEpoch: nil)
            return Self.recordDecision(record, event: "RestakingSplitChangeQueued", context: context)
        case "operators.restaking.show":
            var fields = try existingRestaking(try Self.name(body)).fields
            fields["delegatorCount"] = .int(delegatorCounts[try Self.name(body)] ?? 0)
            return Decision(result: .object(fields))
        case "operators.delegate":
            let staker = try AccountName.validated(try body.string("staker"), field: "body.staker")
            let operatorName = try AccountName.validated(try body.string("operator"), field: "body.operator")
            try Self.requireSelf(context, staker, doing: "delegate the stake of \(staker)")
            if let current = delegations[staker] {
                throw ContractError(.alreadyDelegated,
                    "\(staker) is already delegated to \(current); undelegate first")
            }
            _ = try existingRestaking(operatorName)
            if restakingOperators[staker] != nil {
                throw ContractError(.alreadyDelegated, "\(staker) is a restaking operator, delegated to itself")
            }
            let fields: JSON = .object(["staker": .string(staker), "operator": .string(operatorName)])
            return Decision(result: fields.merging(["seq": .int(context.nextSeq)]), events: [NewEvent(name: "Delegated", body: fields)])
        case "operators.undelegate":
            let staker = try AccountName.validated(try body.string("staker"), field: "body.staker")
            guard let operatorName = delegations[staker] else {
                try Self.requireSelf(context, staker, doing: "undelegate \(staker)")
                throw ContractError(.notDelegated, "\(staker) is not delegated")
            }
            // The staker, or its operator (EigenLayer's force undelegation).
            let actor = (try? AccountName.validated(context.actor)) ?? context.actor
            if actor != operatorName { try Self.requireSelf(context, staker, doing: "undelegate \(staker)") }
            let fields: JSON = .object(["staker": .string(staker), "operator": .string(operatorName)])
            return Decision(result: fields.merging(["seq": .int(context.nextSeq)]), events: [NewEvent(name: "Undelegated", body: fields)])
        case "operators.delegation.show":
            let staker = try AccountName.validated(try body.string("staker"), field: "body.staker")
            return Decision(result: .object([
                "staker": .string(staker), "operator": delegations[staker].map { JSON.string($0) } ?? .null,
            ]))
        default:
            return nil
        }
    }

    private static func recordDecision(_ record: RestakingOperator, event: String, context: CommandContext) -> Decision {
        var result = record.fields
        result["seq"] = .int(context.nextSeq)
        return Decision(result: .object(result), events: [NewEvent(name: event, body: record.json)])
    }

    func existingRestaking(_ name: String) throws(ContractError) -> RestakingOperator {
        guard let record = restakingOperators[name] else {
            throw ContractError(.operatorNotFound, "there is no restaking operator \(name)")
        }
        return record
    }

    /// Only the named account itself (an admin may not act for it: DESIGN.md §9).
    static func requireSelf(_ context: CommandContext, _ name: String, doing what: String) throws(ContractError) {
        let actor = (try? AccountName.validated(context.actor)) ?? context.actor
        guard actor == name else {
            throw ContractError(.unauthorized, "\(context.actor) may not \(what): only \(name) itself may")
        }
    }

    static func split(_ body: JSON.Fields, required: Bool) throws(ContractError) -> UInt64? {
        let value = required ? try body.uint64("splitBips") : try body.optionalUInt64("splitBips")
        guard let value else { return nil }
        guard value <= splitBipsMax else {
            throw ContractError(.invalidSplit, "body.splitBips must be 0 … \(splitBipsMax) (100 %), got \(value)")
        }
        return value
    }

    // MARK: Events

    /// Applies a restaking event; false when `event` is not one.
    mutating func applyRestaking(_ event: EventEnvelope) -> Bool {
        switch event.type {
        case "operators.RestakingOperatorRegistered", "operators.RestakingSplitChangeQueued",
            "operators.RestakingSplitChangeScheduled", "operators.RestakingSplitChanged":
            let record = must(event) { body throws(ContractError) in try RestakingOperator(json: body) }
            restakingOperators[record.name] = record
            if record.pendingSplit != nil { pendingSplits.insert(record.name) } else { pendingSplits.remove(record.name) }
        case "operators.Delegated", "operators.Undelegated":
            let (staker, operatorName) = must(event) { body throws(ContractError) in
                (try body.string("staker"), try body.string("operator"))
            }
            if event.type == "operators.Delegated" {
                delegations[staker] = operatorName
                delegatorCounts[operatorName, default: 0] += 1
            } else {
                delegations[staker] = nil
                delegatorCounts[operatorName, default: 1] -= 1
                if delegatorCounts[operatorName] == 0 { delegatorCounts[operatorName] = nil }
            }
        default:
            return false
        }
        return true
    }

    /// Own events for an epoch boundary: only for operators with a pending split.
    func reactRestaking(to event: EventEnvelope) -> [NewEvent] {
        guard event.type == "rewards.EpochProcessed", !pendingSplits.isEmpty,
            let ended = try? event.body.uint64("epoch")
        else { return [] }
        let now = ended + 1
        var events: [NewEvent] = []
        for name in pendingSplits.sorted() {
            guard var record = restakingOperators[name], let pending = record.pendingSplit else { continue }
            let effect = pending.effectEpoch ?? (ended + Self.splitActivationDelayEpochs)
            if now >= effect {
                record.splitBips = pending.splitBips
                record.pendingSplit = nil
                events.append(NewEvent(name: "RestakingSplitChanged", epoch: now, body: record.json))
            } else if pending.effectEpoch == nil {
                record.pendingSplit?.effectEpoch = effect
                events.append(NewEvent(name: "RestakingSplitChangeScheduled", epoch: now, body: record.json))
            }
        }
        return events
    }

    func restakingSnapshot() -> [String: JSON] {
        [
            "restakingOperators": .array(restakingOperators.values.sorted { $0.name < $1.name }.map(\.json)),
            "delegations": .object(delegations.mapValues { .string($0) }),
        ]
    }

    mutating func restoreRestaking(_ snapshot: JSON) throws(ContractError) {
        // Snapshots from before restaking have neither key.
        if let operators = snapshot["restakingOperators"] {
            guard case .array(let items) = operators else { throw ContractError(.invalidArgument, "operators snapshot is malformed") }
            for item in items {
                let record = try RestakingOperator(json: item)
                restakingOperators[record.name] = record
                if record.pendingSplit != nil { pendingSplits.insert(record.name) }
            }
        }
        if let value = snapshot["delegations"] {
            guard case .object(let table) = value else { throw ContractError(.invalidArgument, "operators snapshot is malformed") }
            for (staker, operatorValue) in table {
                guard case .string(let operatorName) = operatorValue else {
                    throw ContractError(.invalidArgument, "operators snapshot: bad delegation of \(staker)")
                }
                delegations[staker] = operatorName
                delegatorCounts[operatorName, default: 0] += 1
            }
        }
    }
}

extension ErrorCode {
    /// A split outside 0 … 10 000 bips, or equal to the current one.
    public static let invalidSplit = ErrorCode(rawValue: "invalid_split")
    /// A split change is already waiting for its effect epoch.
    public static let splitChangePending = ErrorCode(rawValue: "split_change_pending")
    /// The staker is already delegated (or is an operator).
    public static let alreadyDelegated = ErrorCode(rawValue: "already_delegated")
    public static let notDelegated = ErrorCode(rawValue: "not_delegated")
}
