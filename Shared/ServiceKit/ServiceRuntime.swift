import Bus
import Contracts
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Where a service listens and what it follows.
public struct RuntimeOptions: Sendable {
    public var requestEndpoint: String
    public var busPublishersEndpoint: String
    public var busSubscribersEndpoint: String
    /// The request endpoint of every followed source (for `events.since`).
    public var sourceEndpoints: [String: String]
    public var roles: Roles
    public var heartbeatIntervalMs: Int
    public var requestTimeoutMs: Int
    /// Commands handled per group commit at most.
    public var batchSizeMax: Int = 512
    /// Queued requests and events at most; past it requests get `overloaded`.
    public var inboxCapacity: Int = 16_384
    /// Own events between two snapshots.
    public var snapshotEveryEvents: UInt64 = 50_000
    /// Processed command replies kept in memory (older ones are read from the journal).
    public var recentRepliesMax: Int = 100_000

    public init(
        requestEndpoint: String, busPublishersEndpoint: String, busSubscribersEndpoint: String,
        sourceEndpoints: [String: String], roles: Roles, heartbeatIntervalMs: Int, requestTimeoutMs: Int
    ) {
        self.requestEndpoint = requestEndpoint
        self.busPublishersEndpoint = busPublishersEndpoint
        self.busSubscribersEndpoint = busSubscribersEndpoint
        self.sourceEndpoints = sourceEndpoints
        self.roles = roles
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.requestTimeoutMs = requestTimeoutMs
    }
}

/// Runs one service: receive → validate → apply → journal → reply → publish (DESIGN.md §5).
///
/// Threads, each owning its sockets: the request ROUTER, the event PUB, the SUB of followed
/// sources; plus the apply thread (the single writer of the domain state) and the journal thread
/// (group commit). The apply thread decides and applies a batch in memory, then hands it to the
/// journal thread, which commits it in one transaction and only then sends its replies and
/// publishes its events. While one batch is being made durable the next is being applied, so one
/// fsync serves every command that arrived meanwhile. When the journal thread is idle and no
/// input waits, the apply thread commits, replies and publishes itself: a lone command then
/// crosses one thread fewer, with the same guarantees. If the disk fails the process exits: the
/// state in memory may be ahead of the journal, and a restart rebuilds it from the journal.
public final class ServiceRuntime<Domain: ServiceDomain>: Service, Sendable {
    public let options: RuntimeOptions
    public let journal: Journal
    public let version: String
    private let logger: Logger
    private let context = ZMQContext()
    private let server: RequestServer
    private let publisher: EventPublisher
    private let subscriber: SequencedSubscriber?
    private let inbox: BlockingQueue<InboxItem>
    private let commits: BlockingQueue<PendingCommit>
    /// Batches pushed to `commits` whose replies are not yet sent. Only the apply thread adds to
    /// it, so once it reads 0 the journal thread has nothing and gets nothing until it pushes.
    private let commitsInFlight = Atomic<Int>(0)
    /// The largest group the apply thread commits itself (see `ApplyLoop.flush`).
    static var inlineCommitRepliesMax: Int { 8 }
    private let durableSeq = Atomic<UInt64>(0)
    private let startedAt = ContinuousClock.now
    private let threads: Mutex<[OwnedThread]> = Mutex([])
    private let loaded: Mutex<(state: Domain, cursors: [String: UInt64], knownIDs: CommandIDFilter)?>

    enum InboxItem: Sendable {
        case request(IncomingRequest)
        case event(EventEnvelope)
    }

    /// One batch on its way to the disk, and what to send once it is there.
    struct PendingCommit: Sendable {
        var batch = JournalBatch()
        var snapshot: StoredSnapshot?
        var replies: [(route: [[UInt8]], payload: [UInt8])] = []
        var publish: [EventPublisher.Message] = []
        var isEmpty: Bool { batch.events.isEmpty && batch.replies.isEmpty && batch.cursors.isEmpty && replies.isEmpty }
    }

    /// Opens the state: latest snapshot, then the journal replayed after it.
    public init(journal: Journal, options: RuntimeOptions, version: String, logger: Logger) throws {
        self.journal = journal
        self.options = options
        self.version = version
        self.logger = logger
        self.server = RequestServer(endpoint: options.requestEndpoint)
        self.publisher = EventPublisher(
            source: Domain.serviceName, endpoint: options.busPublishersEndpoint,
            heartbeatIntervalMs: options.heartbeatIntervalMs)
        self.inbox = BlockingQueue(capacity: options.inboxCapacity)
        self.commits = BlockingQueue(capacity: 8)

        var state = Domain()
        var fromSeq: UInt64 = 0
        if let snapshot = try journal.latestSnapshot() {
            state = try Domain(snapshot: JSONCodec.parse(snapshot.state))
            fromSeq = snapshot.seq
        }
        var replayed = 0
        while true {
            let page = try journal.events(after: fromSeq, limit: 4096)
            if page.isEmpty { break }
            for stored in page {
                state.apply(try EventEnvelope(bytes: stored.envelope))
                fromSeq = stored.seq
                replayed += 1
            }
        }
        precondition(fromSeq == journal.lastSeq, "replay ended at \(fromSeq), journal head is \(journal.lastSeq)")
        let cursors = try journal.cursors()
        let knownIDs = try Self.commandIDFilter(journal: journal, adding: [])
        durableSeq.store(fromSeq, ordering: .relaxed)
        loaded = Mutex((state, cursors, knownIDs))
        logger.info("state loaded", metadata: ["seq": "\(fromSeq)", "replayed": "\(replayed)", "cursors": "\(cursors)"])

        let followed = Domain.followedSources.compactMap { name -> SequencedSubscriber.Source? in
            guard let endpoint = options.sourceEndpoints[name] else { return nil }
            return SequencedSubscriber.Source(name: name, requestEndpoint: endpoint)
        }
        subscriber = followed.isEmpty ? nil : SequencedSubscriber(
            subscriberName: Domain.serviceName, busEndpoint: options.busSubscribersEndpoint,
            sources: followed, appliedSeqs: cursors, requestTimeoutMs: options.requestTimeoutMs)
    }

    /// Starts every thread and serves until graceful shutdown (SIGTERM), then drains and stops.
    public func run() async throws {
        try start()
        try? await gracefulShutdown()
        shutdown()
    }

    /// Starts serving (also usable without ServiceLifecycle, e.g. in benchmarks).
    public func start() throws {
        guard let (state, cursors, knownIDs) = loaded.withLock({ $0 }) else { preconditionFailure("started twice") }
        loaded.withLock { $0 = nil }
        try publisher.start(context: context, lastSeq: durableSeq.load(ordering: .relaxed), logger: logger)
        let applyThread = OwnedThread(name: "apply") { [self] in
            var loop = ApplyLoop(runtime: self, state: state, cursors: cursors, knownIDs: knownIDs)
            loop.run()
            commits.close()
        }
        let journalThread = OwnedThread(name: "journal") { [self] in runJournal() }
        threads.withLock { $0 = [applyThread, journalThread] }
        try server.start(context: context, logger: logger) { [inbox, server] request in
            if !inbox.tryPush(.request(request)) {
                server.reply(to: request.route, payload: Self.refusal(for: request.payload, .overloaded,
                    "the service is busy or stopping; retry with the same id"))
            }
        }
        try subscriber?.start(context: context, logger: logger) { [inbox] event in
            inbox.push(.event(event))
        }
        logger.info("serving", metadata: ["endpoint": "\(options.requestEndpoint)", "version": "\(version)"])
    }

    /// Stops in dependency order: no new input, finish what was accepted, flush, close.
    public func shutdown() {
        logger.info("shutting down")
        subscriber?.stop()
        inbox.close()
        for thread in threads.withLock({ $0 }) { thread.join() }
        server.stop()
        publisher.stop()
        context.shutdown()
        logger.info("stopped", metadata: ["seq": "\(durableSeq.load(ordering: .relaxed))"])
    }

    /// A filter of every processed command id: the journal's, plus `adding` (replies decided but
    /// not yet durable), sized for twice as many.
    static func commandIDFilter(journal: Journal, adding extra: [String]) throws -> CommandIDFilter {
        let stored = try journal.commandIDs()
        var filter = CommandIDFilter(capacity: max(1 << 20, 2 * (stored.count + extra.count)))
        for id in stored { filter.insert(id) }
        for id in extra { filter.insert(id) }
        return filter
    }

    // MARK: Journal thread

    private func runJournal() {
        while let pending = commits.take(limit: 16, timeoutMs: 1000) {
            guard !pending.isEmpty else { continue }
            commitAndSend(pending)
            // Released only once the replies are queued and the events published: an apply
            // thread that reads 0 commits after all of it, so events reach the bus in seq order.
            commitsInFlight.subtract(pending.count, ordering: .releasing)
        }
    }

    /// Makes `pending` durable in one transaction, then replies and publishes, in order. Runs on
    /// the journal thread, or on the apply thread when the journal thread is idle.
    private func commitAndSend(_ pending: [PendingCommit]) {
        var merged: JournalBatch
        var snapshot: StoredSnapshot?
        if pending.count == 1 {
            merged = pending[0].batch
            snapshot = pending[0].snapshot
        } else {
            merged = JournalBatch()
            for item in pending {
                merged.events += item.batch.events
                merged.replies += item.batch.replies
                merged.cursors.merge(item.batch.cursors) { max($0, $1) }
                snapshot = item.snapshot ?? snapshot
            }
        }
        do {
            if !merged.events.isEmpty || !merged.replies.isEmpty || !merged.cursors.isEmpty {
                try journal.commit(merged)
            }
            if let snapshot { try journal.writeSnapshot(snapshot) }
        } catch {
            // Memory is ahead of the disk now; only a restart (replaying the journal) is safe.
            logger.critical("journal commit failed; exiting so the supervisor restarts from the journal",
                            metadata: ["error": "\(error)"])
            exit(75)
        }
        if let last = merged.events.last { durableSeq.store(last.seq, ordering: .releasing) }
        for item in pending {
            for reply in item.replies { server.reply(to: reply.route, payload: reply.payload) }
            publisher.publish(item.publish)
        }
    }

    // MARK: Replies built by the runtime

    static func refusal(for payload: [UInt8], _ code: ErrorCode, _ message: String) -> [UInt8] {
        ReplyEnvelope(id: bestEffortID(payload), outcome: .error(ContractError(code, message))).encoded()
    }

    /// The id of a command that failed validation, when one can be read, so the client can match
    /// the error reply to its request.
    static func bestEffortID(_ payload: [UInt8]) -> String {
        guard payload.count <= JSONCodec.messageBytesMax,
              case .object(let fields)? = try? JSONCodec.parse(payload),
              case .string(let id)? = fields["id"], id.utf8.count <= 128
        else { return "" }
        return id
    }

    func statusResult(appliedSeq: UInt64, cursors: [String: UInt64]) -> JSON {
        let uptime = startedAt.duration(to: .now).components.seconds
        var following: [String: JSON] = [:]
        for (name, progress) in subscriber?.progress ?? [:] {
            following[name] = .object([
                "appliedSeq": .int(progress.appliedSeq), "headSeq": .int(progress.headSeq),
                "reachable": .bool(progress.reachable), "fetched": .int(progress.fetchedCount),
                "gaps": .int(progress.gapCount), "duplicates": .int(progress.duplicateCount),
            ])
        }
        let stats = publisher.stats
        return .object([
            "service": .string(Domain.serviceName),
            "healthy": .bool(true),
            "version": .string(version),
            "pid": .int(getpid()),
            "uptimeSeconds": .int(max(0, uptime)),
            "journalSeq": .int(durableSeq.load(ordering: .acquiring)),
            "appliedSeq": .int(appliedSeq),
            "cursors": .object(cursors.mapValues { .int($0) }),
            "following": .object(following),
            "published": .int(stats.published),
            "publishDropped": .int(stats.dropped),
            "inboxDepth": .int(inbox.count),
        ])
    }

    /// The `events.since` reply, straight from the journal's envelope bytes.
    func eventsSinceReply(id: String, body: JSON) throws(ContractError) -> [UInt8] {
        let after = try body.uint64("after")
        let limit = Int(min(try body.optionalUInt64("limit") ?? 1000, 10_000))
        let events: [StoredEvent]
        do {
            events = try journal.events(after: after, limit: max(1, limit))
        } catch {
            throw ContractError(.internalError, "reading the journal failed: \(error)")
        }
        return EventsPage.replyBytes(
            id: id, envelopes: events.map(\.envelope), lastSeq: durableSeq.load(ordering: .acquiring))
    }

    // MARK: Apply thread

    /// The single writer of the domain state.
    struct ApplyLoop {
        let runtime: ServiceRuntime
        var state: Domain
        var cursors: [String: UInt64]
        var nextSeq: UInt64
        var eventsSinceSnapshot: UInt64 = 0
        var recent: [String: StoredReply] = [:]
        var recentOrder: [String] = []
        var recentHead = 0
        /// Stored replies of the group being handled that were not in `recent`.
        var prefetched: [String: StoredReply] = [:]
        /// `Domain.queryTypes`, read once: a domain may compute it (a new Set per call), and it
        /// is asked twice per command.
        let queryTypes = Domain.queryTypes
        let dryRunTypes = Domain.dryRunTypes
        var pending = PendingCommit()

        /// Every command id ever journaled: a retry is "maybe seen", a new command certainly not.
        var knownIDs: CommandIDFilter

        init(runtime: ServiceRuntime, state: Domain, cursors: [String: UInt64], knownIDs: CommandIDFilter) {
            self.runtime = runtime
            self.state = state
            self.cursors = cursors
            self.knownIDs = knownIDs
            self.nextSeq = runtime.durableSeq.load(ordering: .relaxed) + 1
        }

        mutating func run() {
            while let items = runtime.inbox.take(limit: runtime.options.batchSizeMax, timeoutMs: 1000) {
                // Decode the whole group first, so the stored replies of its commands are looked
                // up in one read instead of one per command.
                var decoded: [Decoded] = []
                decoded.reserveCapacity(items.count)
                var unseen: [String] = []
                for item in items {
                    switch item {
                    case .event(let event):
                        decoded.append(.event(event))
                    case .request(let request):
                        do {
                            let command = try CommandEnvelope(bytes: request.payload)
                            if isJournaled(command) && recent[command.id] == nil
                                && knownIDs.mayContain(command.id)
                            {
                                unseen.append(command.id)
                            }
                            decoded.append(.command(request, command))
                        } catch {
                            decoded.append(.invalid(request, error))
                        }
                    }
                }
                prefetched = prefetchReplies(unseen)
                for item in decoded {
                    switch item {
                    case .command(let request, let command): handle(request, command)
                    case .invalid(let request, let error):
                        replyNow(request, ReplyEnvelope(id: ServiceRuntime.bestEffortID(request.payload),
                                                        outcome: .error(error)).encoded())
                    case .event(let event): handle(event)
                    }
                }
                prefetched = [:]
                flush()
            }
            flush()
        }

        enum Decoded {
            case command(IncomingRequest, CommandEnvelope)
            case invalid(IncomingRequest, ContractError)
            case event(EventEnvelope)
        }

        /// Commands that change state: journaled, and answered from their stored reply on retry.
        func isJournaled(_ command: CommandEnvelope) -> Bool {
            command.type != "status" && command.type != "events.since" && !isQuery(command)
        }

        /// A query type, or a dry run of a type that has one (`dryRun: true` in the body).
        func isQuery(_ command: CommandEnvelope) -> Bool {
            queryTypes.contains(command.type)
                || (dryRunTypes.contains(command.type) && command.body["dryRun"] == .bool(true))
        }

        func prefetchReplies(_ ids: [String]) -> [String: StoredReply] {
            guard !ids.isEmpty else { return [:] }
            do {
                return try runtime.journal.replies(forCommandIDs: ids)
            } catch {
                // Storage is failing; the journal thread will stop the process on its next commit.
                runtime.logger.error("reading stored replies failed", metadata: ["error": "\(error)"])
                return [:]
            }
        }

        /// Hands the group to the journal thread, or commits it right here when that thread is
        /// idle, no input waits and the group is small: a lone command then skips one thread
        /// wake-up (~15–20 µs here, more in the tail). A large group or waiting input means
        /// load, and then the hand-off lets the next group be applied while this one is
        /// committed (group commit, pipelined); one wake-up is nothing beside its fsync.
        mutating func flush() {
            guard !pending.isEmpty || pending.snapshot != nil else { return }
            if pending.replies.count <= ServiceRuntime.inlineCommitRepliesMax
                && runtime.commitsInFlight.load(ordering: .acquiring) == 0 && runtime.inbox.count == 0
            {
                runtime.commitAndSend([pending])
            } else {
                runtime.commitsInFlight.add(1, ordering: .relaxed)
                runtime.commits.push(pending)
            }
            pending = PendingCommit()
        }

        /// Replies sent right away: they read only durable data or runtime counters.
        func replyNow(_ request: IncomingRequest, _ payload: [UInt8]) {
            runtime.server.reply(to: request.route, payload: payload)
        }

        mutating func handle(_ request: IncomingRequest, _ command: CommandEnvelope) {
            switch command.type {
            case "status":
                let result = runtime.statusResult(appliedSeq: nextSeq - 1, cursors: cursors)
                replyNow(request, ReplyEnvelope(id: command.id, outcome: .ok(result)).encoded())
                return
            case "events.since":
                do {
                    replyNow(request, try runtime.eventsSinceReply(id: command.id, body: command.body))
                } catch {
                    replyNow(request, ReplyEnvelope(id: command.id, outcome: .error(error)).encoded())
                }
                return
            default:
                break
            }
            let context = CommandContext(actor: command.actor, roles: runtime.options.roles, nextSeq: nextSeq)
            if isQuery(command) {
                // Queries (and dry runs, which decide no events) read the state in memory, which
                // may be ahead of the disk: their replies wait behind the batch in flight like
                // every other reply.
                let outcome: ReplyEnvelope.Outcome
                switch state.decide(command, context: context) {
                case .success(let decision): outcome = .ok(decision.result)
                case .failure(let error): outcome = .error(error)
                }
                pending.replies.append((request.route, ReplyEnvelope(id: command.id, outcome: outcome).encoded()))
                return
            }
            let fingerprint = Fingerprint.of(command)
            if let stored = storedReply(command.id) {
                if stored.fingerprint == fingerprint {
                    pending.replies.append((request.route, stored.reply))
                } else {
                    let error = ContractError(.idReused, "command id \(command.id) was already used for a different command")
                    pending.replies.append((request.route, ReplyEnvelope(id: command.id, outcome: .error(error)).encoded()))
                }
                return
            }
            // A refusal changes nothing, but its reply is stored like any other: a retry gets the
            // first reply even if the state has changed since (docs/PROTOCOL.md §6).
            let reply: [UInt8]
            switch state.decide(command, context: context) {
            case .failure(let error):
                reply = ReplyEnvelope(id: command.id, outcome: .error(error)).encoded()
            case .success(let decision):
                journalEvents(decision.events)
                reply = ReplyEnvelope(id: command.id, outcome: .ok(decision.result)).encoded()
            }
            let stored = StoredReply(commandID: command.id, fingerprint: fingerprint, reply: reply)
            pending.batch.replies.append(stored)
            pending.replies.append((request.route, reply))
            remember(stored)
        }

        mutating func handle(_ event: EventEnvelope) {
            precondition(event.seq == (cursors[event.source] ?? 0) + 1, "subscriber delivered out of order")
            let context = CommandContext(actor: event.source, roles: runtime.options.roles, nextSeq: nextSeq)
            journalEvents(state.react(to: event, context: context))
            cursors[event.source] = event.seq
            pending.batch.cursors[event.source] = event.seq
        }

        mutating func journalEvents(_ events: [NewEvent]) {
            for new in events {
                let envelope = EventEnvelope(
                    source: Domain.serviceName, seq: nextSeq, type: Domain.serviceName + "." + new.name,
                    epoch: new.epoch, body: new.body)
                state.apply(envelope)
                let bytes = envelope.encoded()
                pending.batch.events.append(StoredEvent(seq: nextSeq, type: envelope.type, envelope: bytes))
                pending.publish.append(EventPublisher.Message(seq: nextSeq, topic: envelope.topic, envelope: bytes))
                nextSeq += 1
                eventsSinceSnapshot += 1
            }
            if eventsSinceSnapshot >= runtime.options.snapshotEveryEvents {
                pending.snapshot = StoredSnapshot(
                    seq: nextSeq - 1, state: JSONCodec.serialize(state.snapshot()), cursors: cursors)
                eventsSinceSnapshot = 0
            }
        }

        func storedReply(_ id: String) -> StoredReply? {
            recent[id] ?? prefetched[id]
        }

        /// Keeps the newest replies in memory, bounded (a ring of ids).
        mutating func remember(_ stored: StoredReply) {
            let capacity = runtime.options.recentRepliesMax
            if recentOrder.count < capacity {
                recentOrder.append(stored.commandID)
            } else {
                recent[recentOrder[recentHead]] = nil
                recentOrder[recentHead] = stored.commandID
                recentHead = (recentHead + 1) % capacity
            }
            recent[stored.commandID] = stored
            knownIDs.insert(stored.commandID)
            if knownIDs.needsGrowth {
                // Rare (capacity doubles each time); the ids not yet durable are in `recent`.
                do {
                    knownIDs = try ServiceRuntime.commandIDFilter(journal: runtime.journal, adding: Array(recent.keys))
                } catch {
                    runtime.logger.critical("reading command ids failed", metadata: ["error": "\(error)"])
                    exit(75)
                }
            }
        }
    }
}
