import Accounting
import Contracts
import ServiceKit

/// stakeline-slashing, restaking part (docs/PROTOCOL.md §9.6): AVSs, their operator sets,
/// operators' registrations for sets and their allocations (magnitudes), on the accounting
/// core's ``AllocationBook``, and AVS slashing of operators (`slashing.avs.slash`, §9.7): the
/// book cuts magnitudes; the ledger cuts shares from the `OperatorSlashed` event.
///
/// Restaking operators are a replica of the operators service's registry
/// (`operators.RestakingOperatorRegistered` → own `OperatorTracked`).
///
/// Time: the service learns the epoch from `rewards.EpochProcessed {epoch: e}` (the clock is
/// then `e + 1`). Before any operator has joined a set nothing here depends on time, so nothing
/// is recorded; from the first join on, every epoch boundary is one small own event
/// `EpochObserved {epoch}` (one journal row per 384 s of chain time), so that a leave's
/// slashable window, an allocation's effect epoch and a deallocation's end are exact, and
/// queries show allocations as of the current epoch.
struct AVSRegistry: Sendable, Equatable {
    /// The strategies an operator set may list (EigenLayer: one per asset; `native` is
    /// beacon-chain ETH through a pod).
    static let strategies = ["native", "reth", "steth", "wsteth"]

    /// AVS → its operator sets (set number → strategies, sorted).
    var avss: [String: [UInt32: [String]]] = [:]
    /// Restaking operators known from the operators service, with their allocation delay.
    var operators: [String: UInt64] = [:]
    var book = AllocationBook()
    /// The epoch as known through own events (see above); 0 until the first `EpochObserved`.
    var epoch: UInt64 = 0
    /// True from the first join on: every epoch boundary is then recorded.
    var tracksEpochs = false
    /// Every AVS slash per operator set, oldest first (what `slashing.avs.show` lists).
    var slashings: [OperatorSetID: [AVSSlashing]] = [:]
}

/// One `slashing.OperatorSlashed`, as `slashing.avs.show` and `slashing.operator.allocations`
/// show it.
struct AVSSlashing: Sendable, Equatable {
    var operatorName: String
    var epoch: UInt64
    var slashId: UInt64
    var wadToSlash: UInt128
    var reason: String
    /// The event's per-strategy outcome, as journaled.
    var strategies: JSON

    var json: JSON {
        .object([
            "operator": .string(operatorName), "epoch": .int(epoch), "slashId": .int(slashId),
            "wadToSlash": .amount(wadToSlash), "reason": .string(reason), "strategies": strategies,
        ])
    }
}

extension SlashingDomain {
    static let avsQueryTypes: Set<String> = ["slashing.avs.show", "slashing.operator.allocations"]

    // MARK: Commands

    func decideAVS(_ command: CommandEnvelope, _ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision? {
        switch command.type {
        case "slashing.avs.register":
            let avs = try Self.accountName(body, "avs")
            try Self.requireSelf(context, avs, doing: "register AVS \(avs)")
            guard restaking.avss[avs] == nil else { throw ContractError(.avsExists, "AVS \(avs) is already registered") }
            return decision(event: "AVSRegistered", .object(["avs": .string(avs)]), context: context)
        case "slashing.set.create":
            let (avs, setId) = try setAddress(body, requireAVS: true)
            try Self.requireSelf(context, avs, doing: "create an operator set of AVS \(avs)")
            let names = try body.array("strategies").map { item throws(ContractError) -> String in
                guard case .string(let name) = item else {
                    throw ContractError(.wrongType, "body.strategies must hold strategy names")
                }
                guard AVSRegistry.strategies.contains(name) else {
                    throw ContractError(.unknownStrategy,
                        "unknown strategy '\(name)': one of \(AVSRegistry.strategies.joined(separator: ", "))")
                }
                return name
            }
            guard !names.isEmpty else { throw ContractError(.invalidArgument, "body.strategies must name at least one strategy") }
            guard Set(names).count == names.count else { throw ContractError(.invalidArgument, "body.strategies lists a strategy twice") }
            guard restaking.avss[avs]?[setId] == nil else {
                throw ContractError(.operatorSetExists, "operator set \(avs)/\(setId) already exists")
            }
            return decision(event: "OperatorSetCreated", .object([
                "avs": .string(avs), "setId": .int(setId), "strategies": .array(names.sorted().map { .string($0) }),
            ]), context: context)
        case "slashing.set.join", "slashing.set.leave":
            let joining = command.type == "slashing.set.join"
            let operatorName = try Self.accountName(body, "operator")
            try Self.requireSelf(context, operatorName, doing: "\(joining ? "join" : "leave") an operator set for \(operatorName)")
            let (avs, setId) = try setAddress(body, requireAVS: true)
            try requireOperator(operatorName)
            let set = try existingSet(avs, setId)
            var book = restaking.book
            do throws(AccountingError) {
                if joining {
                    try book.registerForOperatorSet(OperatorID(operatorName), operatorSet: set, epoch: restaking.epoch)
                } else {
                    try book.deregisterFromOperatorSet(OperatorID(operatorName), operatorSet: set, epoch: restaking.epoch)
                }
            } catch {
                throw Self.refusal(error, operator: operatorName, set: set)
            }
            var fields: [String: JSON] = [
                "operator": .string(operatorName), "avs": .string(avs), "setId": .int(setId), "epoch": .int(restaking.epoch),
            ]
            if !joining {
                fields["slashableUntilEpoch"] = .int(restaking.epoch + book.deallocationDelayEpochs)
            }
            return decision(event: joining ? "OperatorJoinedSet" : "OperatorLeftSet", .object(fields), context: context)
        case "slashing.allocate":
            let operatorName = try Self.accountName(body, "operator")
            try Self.requireSelf(context, operatorName, doing: "allocate for \(operatorName)")
            let (avs, setId) = try setAddress(body, requireAVS: true)
            try requireOperator(operatorName)
            let set = try existingSet(avs, setId)
            let strategy = try body.string("strategy")
            guard AVSRegistry.strategies.contains(strategy) else {
                throw ContractError(.unknownStrategy,
                    "unknown strategy '\(strategy)': one of \(AVSRegistry.strategies.joined(separator: ", "))")
            }
            let magnitude = try body.amount("magnitudeWad")
            guard magnitude <= FixedPoint.wad else {
                throw ContractError(.invalidMagnitude,
                    "body.magnitudeWad must be 0 … \(FixedPoint.wad) (100 % of the operator's stake), got \(magnitude)")
            }
            var book = restaking.book
            let id = OperatorID(operatorName)
            let strategyID = StrategyID(strategy)
            do throws(AccountingError) {
                try book.modifyAllocation(
                    operator: id, operatorSet: set, strategy: strategyID, newMagnitudeWad: magnitude, epoch: restaking.epoch)
            } catch {
                throw Self.refusal(error, operator: operatorName, set: set, strategy: strategy, magnitude: magnitude, book: restaking.book,
                    epoch: restaking.epoch)
            }
            let allocation = book.allocation(of: id, operatorSet: set, strategy: strategyID, epoch: restaking.epoch)
            let fields: JSON = .object([
                "operator": .string(operatorName), "avs": .string(avs), "setId": .int(setId), "strategy": .string(strategy),
                "magnitudeWad": .amount(magnitude), "epoch": .int(restaking.epoch),
                "currentMagnitudeWad": .amount(UInt128(allocation.currentMagnitudeWad)),
                "pendingDiffWad": .string(String(allocation.pendingDiffWad)),
                "effectEpoch": allocation.pendingDiffWad == 0 ? .null : .int(allocation.effectEpoch),
            ])
            return decision(event: "AllocationUpdated", fields, context: context)
        case "slashing.avs.slash":
            return try decideSlash(body, context: context)
        case "slashing.avs.show":
            let avs = try Self.accountName(body, "avs")
            guard let sets = restaking.avss[avs] else { throw ContractError(.avsNotFound, "there is no AVS \(avs)") }
            let registrations = restaking.book.registrations
            let items: [JSON] = sets.keys.sorted().map { setId in
                let set = OperatorSetID(avs: AVSID(avs), setNumber: setId)
                let members = registrations.filter { $0.key.operatorSet == set }.sorted { $0.key.operatorID < $1.key.operatorID }
                return .object([
                    "setId": .int(setId), "strategies": .array(sets[setId]!.map { .string($0) }),
                    "slashings": .array((restaking.slashings[set] ?? []).map(\.json)),
                    "operators": .array(members.map { member in
                        .object([
                            "operator": .string(member.key.operatorID.rawValue),
                            "registered": .bool(member.value.isRegistered),
                            "slashable": .bool(restaking.book.isSlashable(member.key.operatorID, by: set, epoch: restaking.epoch)),
                            "slashableUntilEpoch": member.value.isRegistered ? .null : .int(member.value.slashableUntilEpoch),
                        ])
                    }),
                ])
            }
            return Decision(result: .object(["avs": .string(avs), "epoch": .int(restaking.epoch), "sets": .array(items)]))
        case "slashing.operator.allocations":
            let operatorName = try Self.accountName(body, "operator")
            try requireOperator(operatorName)
            return Decision(result: allocationsView(operatorName))
        default:
            return nil
        }
    }

    func allocationsView(_ operatorName: String) -> JSON {
        let id = OperatorID(operatorName)
        let book = restaking.book
        let epoch = restaking.epoch
        let mine = book.allocations.filter { $0.key.operatorID == id }
            .sorted { ($0.key.operatorSet, $0.key.strategy) < ($1.key.operatorSet, $1.key.strategy) }
        let registrations = book.registrations.filter { $0.key.operatorID == id }.sorted { $0.key.operatorSet < $1.key.operatorSet }
        // Strategies with an allocation, and those a slash has left below WAD (even when the
        // allocation is gone, the lower max magnitude is what the operator can still allocate).
        let slashed = registrations.flatMap { entry in
            (restaking.avss[entry.key.operatorSet.avs.rawValue]?[entry.key.operatorSet.setNumber] ?? []).map { StrategyID($0) }
        }.filter { book.maxMagnitudeWad(of: id, strategy: $0) < FixedPoint.wad }
        let strategies = Set(mine.map(\.key.strategy)).union(slashed).sorted()
        return .object([
            "operator": .string(operatorName), "epoch": .int(epoch),
            "allocationDelayEpochs": .int(restaking.operators[operatorName] ?? 0),
            "sets": .array(registrations.map { entry in
                .object([
                    "avs": .string(entry.key.operatorSet.avs.rawValue), "setId": .int(entry.key.operatorSet.setNumber),
                    "registered": .bool(entry.value.isRegistered),
                    "slashable": .bool(book.isSlashable(id, by: entry.key.operatorSet, epoch: epoch)),
                    "slashableUntilEpoch": entry.value.isRegistered ? .null : .int(entry.value.slashableUntilEpoch),
                ])
            }),
            "strategies": .array(strategies.map { strategy in
                .object([
                    "strategy": .string(strategy.rawValue),
                    "maxMagnitudeWad": .amount(book.maxMagnitudeWad(of: id, strategy: strategy)),
                    "encumberedMagnitudeWad": .amount(book.encumberedMagnitudeWad(of: id, strategy: strategy, epoch: epoch)),
                    "allocatableMagnitudeWad": .amount(book.allocatableMagnitudeWad(of: id, strategy: strategy, epoch: epoch)),
                ])
            }),
            "allocations": .array(mine.map { entry in
                let allocation = book.allocation(of: id, operatorSet: entry.key.operatorSet, strategy: entry.key.strategy, epoch: epoch)
                return .object([
                    "avs": .string(entry.key.operatorSet.avs.rawValue), "setId": .int(entry.key.operatorSet.setNumber),
                    "strategy": .string(entry.key.strategy.rawValue),
                    "currentMagnitudeWad": .amount(UInt128(allocation.currentMagnitudeWad)),
                    "pending": allocation.pendingDiffWad == 0 ? .null : .object([
                        "diffWad": .string(String(allocation.pendingDiffWad)), "effectEpoch": .int(allocation.effectEpoch),
                    ]),
                ])
            }),
            "slashes": .array(restaking.slashings.keys.sorted().flatMap { set in
                restaking.slashings[set]!.filter { $0.operatorName == operatorName }.map { slashing in
                    slashing.json.merging(["avs": .string(set.avs.rawValue), "setId": .int(set.setNumber)])
                }
            }),
        ])
    }

    /// `slashing.avs.slash` (§9.7): every strategy of the set, at the service's epoch. Checks
    /// everything before the book is touched, so a refusal changes nothing.
    ///
    /// With `dryRun: true` (§9.9) the same checks and the same `AllocationBook.slash`, on a copy:
    /// the result is the would-be `OperatorSlashed` body with `dryRun: true`, no event is
    /// journaled, anyone may ask, and `reason` may be left out.
    private func decideSlash(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let dryRun: Bool
        switch body["dryRun"] {
        case nil, .null?: dryRun = false
        case .bool(let value)?: dryRun = value
        case let other?: throw ContractError(.wrongType, "body.dryRun must be a boolean, got \(other)")
        }
        let (avs, setId) = try setAddress(body, requireAVS: false)
        if !dryRun { try Self.requireSelf(context, avs, doing: "slash for AVS \(avs)") }
        guard restaking.avss[avs] != nil else { throw ContractError(.avsNotFound, "there is no AVS \(avs)") }
        let set = try existingSet(avs, setId)
        let operatorName = try Self.accountName(body, "operator")
        try requireOperator(operatorName)
        let wadToSlash = try body.amount("wadToSlash")
        guard wadToSlash > 0, wadToSlash <= FixedPoint.wad else {
            throw ContractError(.invalidWadToSlash,
                "body.wadToSlash must be 1 … \(FixedPoint.wad) (a fraction of the allocation, WAD = 100 %), got \(wadToSlash)")
        }
        let reason = dryRun && body["reason"] == nil ? "dry run" : try body.string("reason")
        guard !reason.isEmpty && reason.utf8.count <= Self.reasonBytesMax else {
            throw ContractError(.invalidArgument, "body.reason must be 1 … \(Self.reasonBytesMax) bytes")
        }
        let epoch = restaking.epoch
        let operatorID = OperatorID(operatorName)
        guard restaking.book.isSlashable(operatorID, by: set, epoch: epoch) else {
            let registration = restaking.book.registrations[AllocationBook.Membership(operatorID: operatorID, operatorSet: set)]
            let message = registration.map {
                "\(operatorName) left \(set); its slashable window ended at epoch \($0.slashableUntilEpoch) (now \(epoch))"
            } ?? "\(operatorName) is not registered for \(set) and was never slashable by it"
            throw ContractError(.operatorNotSlashable, message)
        }
        var book = restaking.book
        let outcome: AllocationBook.SlashOutcome
        do throws(AccountingError) {
            outcome = try book.slash(
                operator: operatorID, operatorSet: set, wadsToSlash: Self.wads(restaking.avss[avs]![setId]!, wadToSlash),
                epoch: epoch)
        } catch {
            throw Self.refusal(error, operator: operatorName, set: set)
        }
        let fields: JSON = .object([
            "avs": .string(avs), "setId": .int(setId), "operator": .string(operatorName), "epoch": .int(epoch),
            "slashId": .int(outcome.slashID), "reason": .string(reason), "wadToSlash": .amount(wadToSlash),
            "strategies": .array(outcome.strategies.map { part in
                .object([
                    "strategy": .string(part.strategy.rawValue), "slashedMagnitudeWad": .amount(part.slashedMagnitudeWad),
                    "wadSlashed": .amount(part.wadSlashed), "previousMaxMagnitudeWad": .amount(part.previousMaxMagnitudeWad),
                    "newMaxMagnitudeWad": .amount(part.newMaxMagnitudeWad),
                ])
            }),
        ])
        if dryRun { return Decision(result: fields.merging(["dryRun": .bool(true)])) }
        return decision(event: "OperatorSlashed", fields, context: context)
    }

    /// The same fraction of every strategy of a set, in the book's strictly ascending order.
    static func wads(_ strategies: [String], _ wad: UInt128) -> [(strategy: StrategyID, wad: UInt128)] {
        strategies.map { StrategyID($0) }.sorted().map { (strategy: $0, wad: wad) }
    }

    private func decision(event: String, _ fields: JSON, context: CommandContext) -> Decision {
        Decision(result: fields.merging(["seq": .int(context.nextSeq)]), events: [NewEvent(name: event, epoch: nil, body: fields)])
    }

    private func setAddress(_ body: JSON.Fields, requireAVS: Bool) throws(ContractError) -> (String, UInt32) {
        let avs = try Self.accountName(body, "avs")
        let raw = try body.uint64("setId")
        guard raw <= UInt64(UInt32.max) else { throw ContractError(.invalidArgument, "body.setId must be 0 … 2^32 − 1, got \(raw)") }
        if requireAVS, restaking.avss[avs] == nil { throw ContractError(.avsNotFound, "there is no AVS \(avs)") }
        return (avs, UInt32(raw))
    }

    private func existingSet(_ avs: String, _ setId: UInt32) throws(ContractError) -> OperatorSetID {
        guard restaking.avss[avs]?[setId] != nil else {
            throw ContractError(.operatorSetNotFound, "AVS \(avs) has no operator set \(setId)")
        }
        return OperatorSetID(avs: AVSID(avs), setNumber: setId)
    }

    private func requireOperator(_ name: String) throws(ContractError) {
        guard restaking.operators[name] != nil else {
            throw ContractError(.operatorNotFound, "there is no restaking operator \(name)")
        }
    }

    static func accountName(_ body: JSON.Fields, _ key: String) throws(ContractError) -> String {
        try AccountName.validated(try body.string(key), field: "body.\(key)")
    }

    static func requireSelf(_ context: CommandContext, _ name: String, doing what: String) throws(ContractError) {
        let actor = (try? AccountName.validated(context.actor)) ?? context.actor
        guard actor == name else {
            throw ContractError(.unauthorized, "\(context.actor) may not \(what): only \(name) itself may")
        }
    }

    static func refusal(
        _ error: AccountingError, operator operatorName: String, set: OperatorSetID, strategy: String? = nil,
        magnitude: UInt128? = nil, book: AllocationBook? = nil, epoch: UInt64 = 0
    ) -> ContractError {
        let message: String
        switch error {
        case .alreadyRegisteredForOperatorSet:
            message = "\(operatorName) is already registered for \(set), or still slashable by it after leaving"
        case .notRegisteredForOperatorSet: message = "\(operatorName) is not registered for \(set)"
        case .strategyNotInOperatorSet: message = "operator set \(set) does not hold strategy \(strategy ?? "?")"
        case .modificationAlreadyPending:
            message = "\(operatorName)'s allocation to \(set) in \(strategy ?? "?") already has a change pending"
        case .sameMagnitude: message = "\(operatorName)'s allocation to \(set) in \(strategy ?? "?") is already \(magnitude ?? 0)"
        case .insufficientMagnitude:
            let allocatable = book.map { $0.allocatableMagnitudeWad(of: OperatorID(operatorName), strategy: StrategyID(strategy ?? ""), epoch: epoch) }
            message = "\(operatorName) cannot allocate \(magnitude ?? 0) to \(set) in \(strategy ?? "?"): only "
                + "\(allocatable.map(String.init) ?? "?") more magnitude is allocatable (over-allocation)"
        default: message = "refused: \(error.code)"
        }
        return ContractError(ErrorCode(rawValue: error.code), message)
    }

    // MARK: Events

    /// Applies a restaking event; false when `event` is not one.
    mutating func applyAVS(_ event: EventEnvelope) -> Bool {
        switch event.type {
        case "slashing.AVSRegistered":
            let avs = must(event) { body throws(ContractError) in try body.string("avs") }
            restaking.avss[avs] = [:]
        case "slashing.OperatorSetCreated":
            let (avs, setId, strategies) = must(event) { body throws(ContractError) in
                (try body.string("avs"), try body.uint64("setId"), try body.array("strategies").compactMap { item -> String? in
                    if case .string(let name) = item { return name }
                    return nil
                })
            }
            restaking.avss[avs, default: [:]][UInt32(setId)] = strategies
            mustBook(event) { book throws(AccountingError) in
                try book.createOperatorSet(
                    OperatorSetID(avs: AVSID(avs), setNumber: UInt32(setId)), strategies: Set(strategies.map { StrategyID($0) }))
            }
        case "slashing.OperatorTracked":
            let (name, delay) = must(event) { body throws(ContractError) in
                (try body.string("operator"), try body.uint64("allocationDelayEpochs"))
            }
            restaking.operators[name] = delay
            mustBook(event) { book throws(AccountingError) in try book.registerOperator(OperatorID(name), allocationDelayEpochs: delay) }
        case "slashing.OperatorJoinedSet", "slashing.OperatorLeftSet":
            let (name, set, epoch) = must(event) { body throws(ContractError) in
                (try body.string("operator"),
                 OperatorSetID(avs: AVSID(try body.string("avs")), setNumber: UInt32(try body.uint64("setId"))),
                 try body.uint64("epoch"))
            }
            restaking.tracksEpochs = true
            mustBook(event) { book throws(AccountingError) in
                if event.type == "slashing.OperatorJoinedSet" {
                    try book.registerForOperatorSet(OperatorID(name), operatorSet: set, epoch: epoch)
                } else {
                    try book.deregisterFromOperatorSet(OperatorID(name), operatorSet: set, epoch: epoch)
                }
            }
        case "slashing.AllocationUpdated":
            let (name, set, strategy, magnitude, epoch) = must(event) { body throws(ContractError) in
                (try body.string("operator"),
                 OperatorSetID(avs: AVSID(try body.string("avs")), setNumber: UInt32(try body.uint64("setId"))),
                 try body.string("strategy"), try body.amount("magnitudeWad"), try body.uint64("epoch"))
            }
            mustBook(event) { book throws(AccountingError) in
                try book.modifyAllocation(
                    operator: OperatorID(name), operatorSet: set, strategy: StrategyID(strategy), newMagnitudeWad: magnitude,
                    epoch: epoch)
            }
        case "slashing.OperatorSlashed":
            let (name, set, wad, epoch, slashId, reason, strategies) = must(event) { body throws(ContractError) in
                (try body.string("operator"),
                 OperatorSetID(avs: AVSID(try body.string("avs")), setNumber: UInt32(try body.uint64("setId"))),
                 try body.amount("wadToSlash"), try body.uint64("epoch"), try body.uint64("slashId"), try body.string("reason"),
                 body["strategies"] ?? .array([]))
            }
            let names = restaking.avss[set.avs.rawValue]?[set.setNumber] ?? []
            mustBook(event) { book throws(AccountingError) in
                try book.slash(operator: OperatorID(name), operatorSet: set, wadsToSlash: Self.wads(names, wad), epoch: epoch)
            }
            restaking.slashings[set, default: []].append(AVSSlashing(
                operatorName: name, epoch: epoch, slashId: slashId, wadToSlash: wad, reason: reason, strategies: strategies))
        case "slashing.EpochObserved":
            restaking.epoch = must(event) { body throws(ContractError) in try body.uint64("epoch") }
        default:
            return false
        }
        return true
    }

    /// Applies a book change of an own event (decided on a copy, so it cannot fail now).
    private mutating func mustBook(_ event: EventEnvelope, _ change: (inout AllocationBook) throws(AccountingError) -> Void) {
        do {
            try change(&restaking.book)
        } catch {
            preconditionFailure("own event \(event.type) at seq \(event.seq) refused by the allocation book: \(error.code)")
        }
    }

    func reactAVS(to event: EventEnvelope) -> [NewEvent]? {
        switch event.type {
        case "operators.RestakingOperatorRegistered":
            guard let name = try? event.body.string("name"), let delay = try? event.body.uint64("allocationDelayEpochs"),
                restaking.operators[name] == nil
            else { return [] }
            return [NewEvent(name: "OperatorTracked", body: .object([
                "operator": .string(name), "allocationDelayEpochs": .int(delay),
            ]))]
        case "rewards.EpochProcessed":
            guard restaking.tracksEpochs, let ended = try? event.body.uint64("epoch"), ended + 1 > restaking.epoch else { return [] }
            return [NewEvent(name: "EpochObserved", epoch: ended + 1, body: .object(["epoch": .int(ended + 1)]))]
        default:
            return nil
        }
    }

    // MARK: Snapshots

    /// The restaking part, O(state): AVSs and their sets, tracked operators, the book's image
    /// and the slash history (`slashing.avs.show`). A snapshot written before the book had an
    /// image holds `bookEvents` instead (every own event that changed the book), restored by
    /// replaying them.
    func avsSnapshot() -> JSON {
        .object([
            "avss": .array(restaking.avss.keys.sorted().map { .string($0) }),
            "epoch": .int(restaking.epoch),
            "operatorSets": .array(restaking.avss.keys.sorted().flatMap { avs in
                restaking.avss[avs]!.keys.sorted().map { setId -> JSON in
                    .object([
                        "avs": .string(avs), "setId": .int(setId),
                        "strategies": .array(restaking.avss[avs]![setId]!.map { .string($0) }),
                    ])
                }
            }),
            "operators": .object(restaking.operators.mapValues { .int($0) }),
            "tracksEpochs": .bool(restaking.tracksEpochs),
            "book": ImageJSON.json(restaking.book.image),
            "slashings": .array(restaking.slashings.keys.sorted().map { set in
                .object([
                    "avs": .string(set.avs.rawValue), "setId": .int(set.setNumber),
                    "slashes": .array(restaking.slashings[set]!.map(\.json)),
                ])
            }),
        ])
    }

    mutating func restoreAVS(_ snapshot: JSON?) throws(ContractError) {
        guard let snapshot else { return }  // a snapshot from before restaking
        for item in try snapshot.array("avss") {
            guard case .string(let avs) = item else { throw ContractError(.invalidArgument, "slashing snapshot: bad AVS") }
            restaking.avss[avs] = [:]
        }
        if let bookEvents = snapshot["bookEvents"] {
            // Written before the book had an image: replay what changed it.
            for item in try ImageJSON.array(bookEvents, "slashing snapshot: book events") {
                let envelope = EventEnvelope(
                    source: "slashing", seq: try item.uint64("seq"), type: try item.string("type"), epoch: nil,
                    body: try item.object("body"))
                _ = applyAVS(envelope)
            }
        } else {
            for item in try snapshot.array("operatorSets") {
                let setId = try item.uint64("setId")
                guard setId <= UInt64(UInt32.max) else { throw ContractError(.invalidArgument, "slashing snapshot: bad set id") }
                restaking.avss[try item.string("avs"), default: [:]][UInt32(setId)] = try item.array("strategies").map {
                    name throws(ContractError) in try ImageJSON.string(name, "slashing snapshot: set strategies")
                }
            }
            for (name, delay) in try ImageJSON.object(snapshot["operators"], "slashing snapshot: operators") {
                restaking.operators[name] = try ImageJSON.uint64(delay, "slashing snapshot: allocation delay")
            }
            restaking.tracksEpochs = try snapshot.bool("tracksEpochs")
            restaking.book = try ImageJSON.book(try snapshot.object("book"))
            for item in try snapshot.array("slashings") {
                let set = try AVSRewardsBook.operatorSet(item)
                restaking.slashings[set] = try item.array("slashes").map { slash throws(ContractError) in
                    AVSSlashing(
                        operatorName: try slash.string("operator"), epoch: try slash.uint64("epoch"),
                        slashId: try slash.uint64("slashId"), wadToSlash: try slash.amount("wadToSlash"),
                        reason: try slash.string("reason"), strategies: slash["strategies"] ?? .array([]))
                }
            }
        }
        restaking.epoch = try snapshot.uint64("epoch")
    }
}

extension ErrorCode {
    public static let avsExists = ErrorCode(rawValue: "avs_exists")
    public static let avsNotFound = ErrorCode(rawValue: "avs_not_found")
    public static let operatorSetExists = ErrorCode(rawValue: "operator_set_already_exists")
    public static let operatorSetNotFound = ErrorCode(rawValue: "operator_set_not_found")
    public static let unknownStrategy = ErrorCode(rawValue: "unknown_strategy")
    public static let invalidMagnitude = ErrorCode(rawValue: "invalid_magnitude")
    /// Not registered for the set, or past the slashable window after leaving (§9.7).
    public static let operatorNotSlashable = ErrorCode(rawValue: "operator_not_slashable")
    /// `wadToSlash` 0 or above WAD (§9.7).
    public static let invalidWadToSlash = ErrorCode(rawValue: "invalid_wad_to_slash")
}
