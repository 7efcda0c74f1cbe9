/// A service's durable store: one SQLite file (WAL) through GRDB holding the event journal,
/// processed command ids with their replies, inbound cursors per source and state snapshots.
/// Everything one `commit` carries lands in one transaction or not at all.
public final class Journal: Sendable {
    /// How hard a commit waits for the disk. See docs/ARCHITECTURE.md "Durability".
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: a commit survives power loss once acknowledged.
        case full
        /// `synchronous=NORMAL`: survives a process crash (kill -9); the last commits may be
        /// lost on power loss.
        case normal
    }

    /// Opens (creating if needed) the journal at `path`.
    public init(path: String, durability: Durability) throws { fatalError("unimplemented") }

    /// The highest event seq journaled; 0 when empty.
    public var lastSeq: UInt64 { fatalError("unimplemented") }

    /// Atomically appends events (whose seqs must continue `lastSeq` gap-free), records command
    /// replies, advances inbound cursors (never backwards) — all or nothing.
    public func commit(_ batch: JournalBatch) throws { fatalError("unimplemented") }

    /// Events with seq > `afterSeq`, ascending, at most `limit`.
    public func events(after afterSeq: UInt64, limit: Int) throws -> [StoredEvent] {
        fatalError("unimplemented")
    }

    /// The stored reply of a processed command, if any.
    public func reply(forCommandID id: String) throws -> StoredReply? { fatalError("unimplemented") }

    /// The last applied seq per source this service follows.
    public func cursors() throws -> [String: UInt64] { fatalError("unimplemented") }

    /// Stores a snapshot of the service state as of `seq` (state after applying events ≤ seq
    /// and the cursors stored with it); older snapshots may be pruned.
    public func writeSnapshot(_ snapshot: StoredSnapshot) throws { fatalError("unimplemented") }

    /// The newest snapshot, if any.
    public func latestSnapshot() throws -> StoredSnapshot? { fatalError("unimplemented") }
}

/// One group commit.
public struct JournalBatch: Sendable {
    public var events: [StoredEvent]
    public var replies: [StoredReply]
    public var cursors: [String: UInt64]
    public init(events: [StoredEvent] = [], replies: [StoredReply] = [], cursors: [String: UInt64] = [:]) {
        self.events = events; self.replies = replies; self.cursors = cursors
    }
}

/// A journaled event: its seq, type and the exact envelope bytes that were published.
public struct StoredEvent: Sendable, Hashable {
    public var seq: UInt64
    public var type: String
    public var envelope: [UInt8]
    public init(seq: UInt64, type: String, envelope: [UInt8]) {
        self.seq = seq; self.type = type; self.envelope = envelope
    }
}

/// A processed command: its id, a fingerprint of the command (type + actor + body) so that an
/// id reused for a different command is refused, and the exact reply bytes sent.
public struct StoredReply: Sendable, Hashable {
    public var commandID: String
    public var fingerprint: [UInt8]
    public var reply: [UInt8]
    public init(commandID: String, fingerprint: [UInt8], reply: [UInt8]) {
        self.commandID = commandID; self.fingerprint = fingerprint; self.reply = reply
    }
}

/// Service state serialized by the service, as of journal `seq`, with its inbound cursors.
public struct StoredSnapshot: Sendable, Hashable {
    public var seq: UInt64
    public var state: [UInt8]
    public var cursors: [String: UInt64]
    public init(seq: UInt64, state: [UInt8], cursors: [String: UInt64]) {
        self.seq = seq; self.state = state; self.cursors = cursors
    }
}
