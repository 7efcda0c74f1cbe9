import Contracts

/// The pure part of a service: its state and the rules that change it, with no I/O.
///
/// Event sourcing: every change of state is one of the service's own events. `decide` checks a
/// command against the state and says which events it causes (changing nothing); `apply` applies
/// an own event, both live and when the journal is replayed on start. A foreign event (from a
/// followed source) changes state only through the own events `react` returns, so replaying the
/// journal alone rebuilds everything.
public protocol ServiceDomain: Sendable {
    /// The source name: `ledger`, `rewards`, `operators`, `slashing`.
    static var serviceName: String { get }
    /// The sources whose events this service follows.
    static var followedSources: [String] { get }
    /// Command types that only read: never journaled, never stored for idempotency.
    static var queryTypes: Set<String> { get }
    /// Command types that take `dryRun: true` in their body: such a command is answered like a
    /// query (never journaled, never stored for idempotency); `decide` must then return no
    /// events (docs/PROTOCOL.md §9.9). Default: none.
    static var dryRunTypes: Set<String> { get }

    init()
    init(snapshot: JSON) throws(ContractError)
    func snapshot() -> JSON

    /// Validates `command` (actor's authority first) and decides its events. Must not change state.
    func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError>
    /// Applies one of this service's own events.
    mutating func apply(_ event: EventEnvelope)
    /// The own events caused by a followed source's event (often none).
    func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent]
}

extension ServiceDomain {
    public static var dryRunTypes: Set<String> { [] }
}

/// What a command does: its reply's result, and the events it causes (none for a query).
public struct Decision: Sendable {
    public var result: JSON
    public var events: [NewEvent]
    public init(result: JSON, events: [NewEvent] = []) {
        self.result = result
        self.events = events
    }
}

/// An event to journal; the runtime stamps it with `(source, seq)`.
public struct NewEvent: Sendable {
    /// The event's name without the source, e.g. `Pinged` (published as `ledger.Pinged`).
    public var name: String
    public var epoch: UInt64?
    public var body: JSON
    public init(name: String, epoch: UInt64? = nil, body: JSON) {
        self.name = name
        self.epoch = epoch
        self.body = body
    }
}

/// Who may do what beyond their own accounts (DESIGN.md §9): configuration, not state.
public struct Roles: Sendable, Hashable {
    public var admins: Set<String>
    public var oracles: Set<String>
    public init(admins: Set<String>, oracles: Set<String>) {
        self.admins = admins
        self.oracles = oracles
    }
}

/// What `decide` and `react` may know besides the state.
public struct CommandContext: Sendable {
    public var actor: String
    public var roles: Roles
    /// The seq the first event of this decision will get.
    public var nextSeq: UInt64

    public init(actor: String, roles: Roles, nextSeq: UInt64) {
        self.actor = actor
        self.roles = roles
        self.nextSeq = nextSeq
    }

    /// Refuses unless the actor is `who` or an admin.
    public func requireActor(_ who: String, doing what: String) throws(ContractError) {
        guard actor == who || roles.admins.contains(actor) else {
            throw ContractError(.unauthorized, "\(actor) may not \(what) for \(who)")
        }
    }

    public func requireAdmin(doing what: String) throws(ContractError) {
        guard roles.admins.contains(actor) else {
            throw ContractError(.unauthorized, "\(what) needs the admin role; \(actor) does not hold it")
        }
    }

    public func requireOracle(doing what: String) throws(ContractError) {
        guard roles.oracles.contains(actor) else {
            throw ContractError(.unauthorized, "\(what) needs the oracle role; \(actor) does not hold it")
        }
    }
}
