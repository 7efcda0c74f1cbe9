import Contracts

/// Names a service for `PlumbingDomain`.
public protocol ServiceIdentity: Sendable {
    static var serviceName: String { get }
    static var followedSources: [String] { get }
}

/// The harmless commands every service answers while its staking logic is still to come: they
/// exercise the whole path (validate → journal → reply → publish → follow) end to end.
///
/// - `<service>.ping {message?}` journals `<service>.Pinged {actor, message, count}`;
/// - `<service>.pings {}` (query) reports pings and the foreign `Pinged` events observed;
/// - a followed source's `Pinged` makes this service journal `PingObserved {source, seq}`, so
///   exactly-once delivery is checkable: the count and the seq sum per source must match.
public struct PlumbingDomain<Identity: ServiceIdentity>: ServiceDomain {
    public static var serviceName: String { Identity.serviceName }
    public static var followedSources: [String] { Identity.followedSources }
    public static var queryTypes: Set<String> { [serviceName + ".pings"] }

    /// Longest ping message accepted, in UTF-8 bytes.
    public static var messageBytesMax: Int { 256 }

    public struct Observed: Sendable, Hashable {
        public var count: UInt64 = 0
        public var seqSum: UInt64 = 0
    }

    public private(set) var pingCount: UInt64 = 0
    public private(set) var observed: [String: Observed] = [:]

    public init() {}

    public init(snapshot: JSON) throws(ContractError) {
        pingCount = try snapshot.uint64("pingCount")
        guard case .object(let sources) = try snapshot.object("observed") else { return }
        for (source, value) in sources {
            observed[source] = Observed(count: try value.uint64("count"), seqSum: try value.uint64("seqSum"))
        }
    }

    public func snapshot() -> JSON {
        .object([
            "pingCount": .int(pingCount),
            "observed": .object(observed.mapValues { .object(["count": .int($0.count), "seqSum": .int($0.seqSum)]) }),
        ])
    }

    public func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError> {
        do throws(ContractError) {
            switch command.type {
            case Self.serviceName + ".ping":
                let message = try command.body.optionalString("message") ?? ""
                guard message.utf8.count <= Self.messageBytesMax else {
                    throw ContractError(.invalidArgument, "body.message is longer than \(Self.messageBytesMax) bytes")
                }
                let count = pingCount + 1
                let event = NewEvent(name: "Pinged", body: .object([
                    "actor": .string(context.actor), "message": .string(message), "count": .int(count),
                ]))
                return .success(Decision(
                    result: .object(["seq": .int(context.nextSeq), "count": .int(count)]), events: [event]))
            case Self.serviceName + ".pings":
                return .success(Decision(result: snapshot()))
            default:
                throw ContractError(.unknownCommand, "\(Self.serviceName) has no command \(command.type)")
            }
        } catch {
            return .failure(error)
        }
    }

    public mutating func apply(_ event: EventEnvelope) {
        switch event.type {
        case Self.serviceName + ".Pinged":
            pingCount += 1
        case Self.serviceName + ".PingObserved":
            guard case .string(let source)? = event.body["source"], let seq = try? event.body.uint64("seq") else {
                preconditionFailure("malformed own event \(event.type) at seq \(event.seq)")
            }
            observed[source, default: Observed()].count += 1
            observed[source, default: Observed()].seqSum += seq
        default:
            break
        }
    }

    public func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent] {
        guard event.type == event.source + ".Pinged" else { return [] }
        return [NewEvent(name: "PingObserved", body: .object(["source": .string(event.source), "seq": .int(event.seq)]))]
    }
}
