import Contracts
import ServiceKit

/// stakeline-operators, liquid-staking part: the registry of the liquid pools' node operators
/// (docs/PROTOCOL.md §9.5). `steth` is curated (an admin registers and tunes its operators);
/// `reth` is permissionless (an operator registers and tunes itself). The ledger and rewards
/// follow the registry through its events, which always carry the whole record.
///
/// It follows `rewards.EpochProcessed` only while a restaking split change is pending.
public struct OperatorsDomain: ServiceDomain {
    public static let serviceName = OperatorsIdentity.serviceName
    public static let followedSources = OperatorsIdentity.followedSources
    public static let queryTypes: Set<String> = [
        "operators.pings", "operators.node.show", "operators.node.list", "operators.restaking.show",
        "operators.delegation.show",
    ]

    public static let defaultValidatorLimit: UInt64 = 100
    public static let validatorLimitMax: UInt64 = 100_000
    public static let defaultOnlineRateBips: UInt64 = 10_000
    public static let onlineRateBipsMax: UInt64 = 10_000
    /// reth: the commission on the users' share of rewards (Rocket Pool's node fee bounds).
    public static let defaultCommissionBips: UInt64 = 1500
    public static let commissionBipsRange: ClosedRange<UInt64> = 500...2000

    /// The liquid pools that have node operators.
    public enum Pool: String, Sendable, Hashable, CaseIterable {
        /// Rebasing, curated (Lido-style): the admin chooses operators and their limits.
        case steth
        /// Exchange-rate, permissionless (Rocket Pool-style): operators bond ETH and set a commission.
        case reth
    }

    /// One node operator, exactly as the events and queries carry it.
    public struct NodeOperator: Sendable, Hashable {
        /// Also the account that receives its fees and node rewards.
        public var name: String
        public var pool: Pool
        /// steth: the most validators the pool gives it; reth: the most minipools it may run.
        public var validatorLimit: UInt64
        /// Its validators' performance, as `rewards.performance.set`.
        public var onlineRateBips: UInt64
        /// reth only (`nil`, JSON `null`, for steth).
        public var commissionBips: UInt64?

        public init(name: String, pool: Pool, validatorLimit: UInt64, onlineRateBips: UInt64, commissionBips: UInt64?) {
            self.name = name
            self.pool = pool
            self.validatorLimit = validatorLimit
            self.onlineRateBips = onlineRateBips
            self.commissionBips = commissionBips
        }

        var fields: [String: JSON] {
            [
                "name": .string(name), "pool": .string(pool.rawValue), "validatorLimit": .int(validatorLimit),
                "onlineRateBips": .int(onlineRateBips), "commissionBips": commissionBips.map { JSON.int($0) } ?? .null,
            ]
        }

        public var json: JSON { .object(fields) }

        /// Reads a record as `json` writes it (events, snapshots).
        public init(json: JSON) throws(ContractError) {
            let poolName = try json.string("pool")
            guard let pool = Pool(rawValue: poolName) else {
                throw ContractError(.unknownPool, "pool must be steth or reth, got '\(poolName)'")
            }
            self.init(
                name: try json.string("name"), pool: pool, validatorLimit: try json.uint64("validatorLimit"),
                onlineRateBips: try json.uint64("onlineRateBips"), commissionBips: try json.optionalUInt64("commissionBips"))
        }
    }

    var plumbing = PlumbingDomain<OperatorsIdentity>()
    /// Every registered operator, by name (names are unique across both pools).
    public private(set) var operators: [String: NodeOperator] = [:]
    /// Restaking operators by name (OperatorsDomain+Restaking.swift).
    public internal(set) var restakingOperators: [String: RestakingOperator] = [:]
    /// Staker → operator.
    public internal(set) var delegations: [String: String] = [:]
    var delegatorCounts: [String: UInt64] = [:]
    /// Restaking operators with a split change pending.
    var pendingSplits: Set<String> = []

    public init() {}

    // MARK: Commands and queries

    public func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError> {
        do throws(ContractError) {
            let body = command.body.fields(at: "body")
            switch command.type {
            case "operators.ping", "operators.pings":
                return plumbing.decide(command, context: context)
            case "operators.node.register": return .success(try decideRegister(body, context: context))
            case "operators.node.update": return .success(try decideUpdate(body, context: context))
            case "operators.node.show":
                return .success(Decision(result: try existing(try Self.name(body)).json))
            case "operators.node.list":
                let pool = try body.optionalString("pool").map { name throws(ContractError) in try Self.pool(name) }
                let selected = operators.values.filter { pool == nil || $0.pool == pool }.sorted { $0.name < $1.name }
                return .success(Decision(result: .object(["operators": .array(selected.map(\.json))])))
            default:
                if let decision = try decideRestaking(command, body, context: context) { return .success(decision) }
                throw ContractError(.unknownCommand, "operators has no command \(command.type)")
            }
        } catch {
            return .failure(error)
        }
    }

    private func decideRegister(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let name = try Self.name(body)
        let pool = try Self.pool(try body.string("pool"))
        try Self.authorize(context, pool: pool, name: name, doing: "register")
        let limit = try Self.validatorLimit(body) ?? Self.defaultValidatorLimit
        let rate = try Self.onlineRate(body) ?? Self.defaultOnlineRateBips
        let commission: UInt64?
        switch pool {
        case .steth:
            if let given = try body.optionalUInt64("commissionBips") {
                throw ContractError(.invalidCommission,
                    "body.commissionBips must be absent or null for a steth operator (got \(given)): steth operators "
                        + "are paid their share of the pool's fee, not a commission of their own")
            }
            commission = nil
        case .reth:
            let given = try body.optionalUInt64("commissionBips") ?? Self.defaultCommissionBips
            guard Self.commissionBipsRange.contains(given) else {
                throw ContractError(.invalidCommission,
                    "body.commissionBips must be \(Self.commissionBipsRange.lowerBound) … \(Self.commissionBipsRange.upperBound) "
                        + "(5 % … 20 %), got \(given)")
            }
            commission = given
        }
        if let present = operators[name] {
            throw ContractError(.operatorExists, "operator \(name) is already registered (pool \(present.pool.rawValue))")
        }
        if restakingOperators[name] != nil {
            throw ContractError(.operatorExists, "operator \(name) is already registered as a restaking operator")
        }
        let record = NodeOperator(name: name, pool: pool, validatorLimit: limit, onlineRateBips: rate, commissionBips: commission)
        return Self.decision(record, event: "NodeOperatorRegistered", context: context)
    }

    private func decideUpdate(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let name = try Self.name(body)
        var record = try existing(name)
        try Self.authorize(context, pool: record.pool, name: name, doing: "update")
        // Fixed at registration; echoing the current value back is fine, changing it is not.
        if let pool = try body.optionalString("pool"), pool != record.pool.rawValue {
            throw ContractError(.invalidArgument,
                "body.pool cannot change: \(name) is a \(record.pool.rawValue) operator (register another name for \(pool))")
        }
        if let commission = try body.optionalUInt64("commissionBips"), commission != record.commissionBips {
            throw ContractError(.invalidArgument,
                "body.commissionBips cannot change after registration (\(name)'s is "
                    + "\(record.commissionBips.map(String.init) ?? "null"))")
        }
        let limit = try Self.validatorLimit(body)
        let rate = try Self.onlineRate(body)
        guard limit != nil || rate != nil else {
            throw ContractError(.invalidArgument, "nothing to update: give body.validatorLimit and/or body.onlineRateBips")
        }
        if let limit { record.validatorLimit = limit }
        if let rate { record.onlineRateBips = rate }
        return Self.decision(record, event: "NodeOperatorUpdated", context: context)
    }

    /// The result (record plus `seq`) and the event (the record) of a register or an update.
    private static func decision(_ record: NodeOperator, event: String, context: CommandContext) -> Decision {
        var result = record.fields
        result["seq"] = .int(context.nextSeq)
        return Decision(result: .object(result), events: [NewEvent(name: event, body: record.json)])
    }

    private func existing(_ name: String) throws(ContractError) -> NodeOperator {
        guard let record = operators[name] else {
            throw ContractError(.operatorNotFound, "there is no node operator \(name)")
        }
        return record
    }

    /// steth is curated: only an admin. reth is permissionless: only the operator itself.
    static func authorize(_ context: CommandContext, pool: Pool, name: String, doing what: String) throws(ContractError) {
        switch pool {
        case .steth:
            try context.requireAdmin(doing: "\(what == "register" ? "registering" : "updating") steth operator \(name)")
        case .reth:
            let actor = (try? AccountName.validated(context.actor)) ?? context.actor
            guard actor == name else {
                throw ContractError(.unauthorized,
                    "\(context.actor) may not \(what) reth operator \(name): reth is permissionless, only \(name) itself may")
            }
        }
    }

    static func name(_ body: JSON.Fields) throws(ContractError) -> String {
        try AccountName.validated(try body.string("name"), field: "body.name")
    }

    static func pool(_ name: String) throws(ContractError) -> Pool {
        guard let pool = Pool(rawValue: name) else {
            throw ContractError(.unknownPool, "body.pool must be steth or reth, got '\(name)'")
        }
        return pool
    }

    static func validatorLimit(_ body: JSON.Fields) throws(ContractError) -> UInt64? {
        guard let limit = try body.optionalUInt64("validatorLimit") else { return nil }
        guard limit <= validatorLimitMax else {
            throw ContractError(.invalidArgument, "body.validatorLimit must be 0 … \(validatorLimitMax), got \(limit)")
        }
        return limit
    }

    static func onlineRate(_ body: JSON.Fields) throws(ContractError) -> UInt64? {
        guard let rate = try body.optionalUInt64("onlineRateBips") else { return nil }
        guard rate <= onlineRateBipsMax else {
            throw ContractError(.invalidArgument, "body.onlineRateBips must be 0 … \(onlineRateBipsMax) (100 %), got \(rate)")
        }
        return rate
    }

    // MARK: Events

    public mutating func apply(_ event: EventEnvelope) {
        switch event.type {
        case "operators.Pinged", "operators.PingObserved":
            plumbing.apply(event)
        case "operators.NodeOperatorRegistered", "operators.NodeOperatorUpdated":
            let record = must(event) { body throws(ContractError) in try NodeOperator(json: body) }
            operators[record.name] = record
        default:
            if applyRestaking(event) { return }
            preconditionFailure("unknown own event \(event.type) at seq \(event.seq)")
        }
    }

    public func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent] {
        if event.type == "rewards.EpochProcessed" { return reactRestaking(to: event) }
        return plumbing.react(to: event, context: context)
    }

    // MARK: Snapshots

    public func snapshot() -> JSON {
        .object([
            "plumbing": plumbing.snapshot(),
            "operators": .array(operators.values.sorted { $0.name < $1.name }.map(\.json)),
        ].merging(restakingSnapshot()) { first, _ in first })
    }

    public init(snapshot: JSON) throws(ContractError) {
        self.init()
        plumbing = try PlumbingDomain(snapshot: try snapshot.object("plumbing"))
        for item in try snapshot.array("operators") {
            let record = try NodeOperator(json: item)
            operators[record.name] = record
        }
        try restoreRestaking(snapshot)
    }
}
