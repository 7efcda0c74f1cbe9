import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A service's durable store: one SQLite file (WAL) through GRDB holding the event journal,
/// processed command ids with their replies, inbound cursors per source and state snapshots.
/// Everything one `commit` carries lands in one transaction or not at all.
///
/// Threading: one writer (the service's group-commit loop) calls `commit` and `writeSnapshot`;
/// any thread may read (`events(after:limit:)`, `reply(forCommandID:)`, `cursors()`,
/// `latestSnapshot()`, `lastSeq`) concurrently with it. Writes are serialized by GRDB's
/// `DatabasePool` writer; reads run on the pool's reader connections and see the state as of
/// the last finished commit (WAL snapshot isolation). Only one `Journal` (in any process) may
/// have a given file open: a second open fails with `JournalError.Code.locked`.
///
/// See docs/DURABILITY.md for what survives a kill -9 and a power loss.
public final class Journal: Sendable {
    /// How hard a commit waits for the disk. See docs/DURABILITY.md.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: a commit survives power loss once acknowledged.
        case full
        /// `synchronous=NORMAL`: survives a process crash (kill -9); the last commits may be
        /// lost on power loss.
        case normal
    }

    /// How many snapshots `writeSnapshot` keeps (the newest by seq); older ones are pruned in
    /// the same transaction. More than one, so a snapshot that turns out unreadable (e.g. a
    /// state format bug) still leaves an older one to start from.
    public static let snapshotsKeptMax = 3

    /// The file this journal lives in.
    public let path: String
    /// The `synchronous` setting in force.
    public let durability: Durability

    private let pool: DatabasePool
    private let checkpointer: JournalCheckpointer
    /// `lastSeq` cached; written only by the writer while it holds GRDB's writer lock, after the
    /// transaction committed, so readers never see a seq that is not yet durable.
    private let state: Mutex<State>

    private struct State {
        var lastSeq: UInt64
        var lockFD: Int32
        var isClosed: Bool
        /// Set when a commit failed in SQLite or the file system: what is on disk is then
        /// uncertain (see `JournalError.Code.failed`), so no further write is accepted.
        var failure: String?
        /// WAL frames written since the last checkpoint request, as estimated per commit.
        var walFramesSinceCheckpoint = 0
    }

    /// WAL frames (pages) after which a commit asks the background checkpointer to run: 8× SQLite's
    /// default automatic threshold, a WAL around 32 MiB. Each checkpoint ends in a sync of the
    /// database file, and a FULL commit's WAL sync waits behind it on this machine's disk: fewer,
    /// larger checkpoints stall fewer commits (1000 frames: FULL round trip p99 ≤ 1 ms in 2 of 4
    /// quiet runs; 8000: 3 of 4 — docs/BENCHMARKS.md).
    static let checkpointEveryFrames = 8000
    /// The writer's own automatic checkpoint (`wal_autocheckpoint`), a backstop 5× beyond
    /// `checkpointEveryFrames`: reached only if background checkpoints can not keep up.
    static let walAutocheckpointFallbackPages = 40_000

    /// Opens (creating if needed) the journal at `path`.
    ///
    /// Creates the parent directory if missing, takes an exclusive advisory lock on
    /// `<path>.lock` (released by `close()`, deinit or the death of the process), opens the file
    /// in WAL mode with the `synchronous` level of `durability`, and runs the schema migrations.
    /// - Throws: `JournalError` with code `locked` if another Journal holds the file, or
    ///   `storage` if SQLite cannot open or migrate it.
    public init(path: String, durability: Durability) throws {
        precondition(!path.isEmpty, "Journal path must not be empty")
        self.path = path
        self.durability = durability

        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw JournalError(
                    .storage, "cannot create the directory \(directory) for journal \(path)",
                    cause: error)
            }
        }
        let lockFD = try Journal.acquireLock(path: path + ".lock")

        var configuration = Configuration()
        configuration.label = "journal:\((path as NSString).lastPathComponent)"
        configuration.foreignKeysEnabled = true
        // There is one writer (the lock above) and WAL readers do not block it; the timeout
        // only covers SQLite's short internal locks (WAL recovery at open, checkpoints).
        configuration.busyMode = .timeout(5)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // `synchronous` is per connection, and DatabasePool sets NORMAL on its writer while
            // it sets up WAL (after `prepareDatabase` runs), so set ours on the writer afterwards.
            // The pool keeps that one writer connection for its lifetime.
            let level = try pool.writeWithoutTransaction { db in
                let synchronous = durability == .full ? "FULL" : "NORMAL"
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                // Checkpoints run beside the writer (JournalCheckpointer); SQLite's own, inside
                // a COMMIT, only if those fall far behind.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Journal.walAutocheckpointFallbackPages)")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            precondition(level == (durability == .full ? 2 : 1), "PRAGMA synchronous did not take")
            try Journal.migrator.migrate(pool)
            let maxSeq = try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0
            }
            precondition(maxSeq >= 0, "negative seq in journal \(path)")
            let checkpointer = try JournalCheckpointer(
                path: path, synchronous: durability == .full ? "FULL" : "NORMAL",
                label: "journal-checkpoint:\((path as NSString).lastPathComponent)")
            self.pool = pool
            self.checkpointer = checkpointer
            self.state = Mutex(State(lastSeq: UInt64(maxSeq), lockFD: lockFD, isClosed: false, failure: nil))
        } catch {
            Journal.releaseLock(lockFD)
            throw JournalError(.storage, "cannot open journal \(path): \(error)", cause: error)
        }
        // A failed checkpoint may have left the database file half-written behind a failed
        // fsync: like a failed commit, it stops every later write (the service exits 75).
        checkpointer.start { [weak self, path] failure in
            let message = "journal \(path): \(failure); whether the database file is intact is known only after reopening"
            self?.state.withLock { if $0.failure == nil { $0.failure = message } }
        }
    }

    deinit {
        let wasOpen = state.withLock { state in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        guard wasOpen else { return }
        // Close the connections before releasing the lock, so that the next opener never
        // overlaps with them.
        try? checkpointer.stop()
        try? pool.close()
        state.withLock { Journal.releaseLock($0.lockFD) }
    }

    /// Closes the database connections and releases the file lock. Later calls on this journal
    /// throw. Idempotent.
    public func close() throws {
        let wasOpen = state.withLock { state in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        guard wasOpen else { return }
        defer { state.withLock { Journal.releaseLock($0.lockFD) } }
        do {
            try checkpointer.stop()
            try pool.close()
        } catch {
            throw JournalError(.storage, "cannot close journal \(path): \(error)", cause: error)
        }
    }

    /// The highest event seq journaled; 0 when empty.
    public var lastSeq: UInt64 { state.withLock { $0.lastSeq } }

    /// Atomically appends events (whose seqs must continue `lastSeq` gap-free), records command
    /// replies, advances inbound cursors (never backwards) — all or nothing.
    ///
    /// - Events: the first seq must be `lastSeq + 1` and each next one the previous + 1.
    /// - Replies: a command id may appear once in a batch and must not be journaled already
    ///   (the runtime looks up `reply(forCommandID:)` before executing a command).
    /// - Cursors: stored as `max(stored, given)`; a value below the stored one is ignored, so a
    ///   cursor never moves backwards (see docs/DURABILITY.md).
    ///
    /// An empty batch does nothing (no transaction, no fsync).
    /// - Throws: `JournalError` — `seqGap`, `seqOutOfRange`, `duplicateCommandID` or
    ///   `commandAlreadyJournaled` (programmer errors, checked before anything is written or
    ///   rolled back with the whole transaction; the journal is unchanged and usable), `closed`,
    ///   or `storage` for a failure in SQLite or the file system. After `storage` the journal
    ///   refuses every later write (`failed`): a failed fsync can leave a commit on disk that
    ///   reappears at the next open, so the only safe way on is to stop the process and
    ///   recover from what the journal holds when reopened (docs/DURABILITY.md).
    public func commit(_ batch: JournalBatch) throws {
        if batch.events.isEmpty && batch.replies.isEmpty && batch.cursors.isEmpty { return }
        try Journal.checkReplies(batch.replies)
        for (source, seq) in batch.cursors {
            try Journal.checkStorable(seq, what: "cursor \(source)")
        }
        try pool.writeWithoutTransaction { db in
            // The writer lock is held for the whole closure: nobody else can commit between
            // reading `lastSeq` and publishing the new one.
            let lastSeqBefore = try self.lastSeqWhileWriting()
            let lastSeqAfter = try Journal.checkEvents(batch.events, after: lastSeqBefore)
            do {
                try Journal.inCachedTransaction(db) { try Journal.insert(batch, into: db) }
            } catch let error as DatabaseError
                where error.resultCode == .SQLITE_CONSTRAINT
                && error.message?.contains("replies.command_id") == true
            {
                throw JournalError(
                    .commandAlreadyJournaled,
                    "a reply in the batch is for a command id already journaled; nothing was"
                        + " written (look up reply(forCommandID:) before executing a command)",
                    cause: error)
            } catch {
                let message =
                    "commit to journal \(self.path) failed in storage; whether it reached the disk is"
                    + " known only after reopening: \(error)"
                self.state.withLock { $0.failure = message }
                throw JournalError(.storage, message, cause: error)
            }
            let checkpointDue = self.state.withLock { state -> Bool in
                state.lastSeq = lastSeqAfter
                state.walFramesSinceCheckpoint += batch.estimatedWALFrames
                guard state.walFramesSinceCheckpoint >= Journal.checkpointEveryFrames else { return false }
                state.walFramesSinceCheckpoint = 0
                return true
            }
            if checkpointDue { self.checkpointer.request() }
        }
    }

    /// Background checkpoints completed since open (for tests).
    package var backgroundCheckpointCount: Int { checkpointer.completedCount }

    /// The most events one `events(after:limit:)` returns, whatever `limit` asks: bounds the
    /// memory a catch-up request can take (about 10_000 × the envelope size).
    public static let eventsPageMax = 10_000

    /// Events with seq > `afterSeq`, ascending, at most `limit` (clamped to `eventsPageMax`),
    /// by a range scan on the primary key. `limit <= 0` returns no events.
    public func events(after afterSeq: UInt64, limit requestedLimit: Int) throws -> [StoredEvent] {
        let limit = min(requestedLimit, Journal.eventsPageMax)
        guard limit > 0, afterSeq < UInt64(Int64.max) else { return [] }
        return try read("read events") { db in
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT seq, type, envelope FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
                ),
                arguments: [Int64(afterSeq), limit])
            var events: [StoredEvent] = []
            events.reserveCapacity(min(limit, 1024))
            while let row = try rows.next() {
                let seq: Int64 = row[0]
                let envelope: Data = row[2]
                events.append(StoredEvent(seq: UInt64(seq), type: row[1], envelope: [UInt8](envelope)))
            }
            return events
        }
    }

    /// The stored reply of a processed command, if any.
    public func reply(forCommandID id: String) throws -> StoredReply? {
        try read("read a reply") { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT fingerprint, reply FROM replies WHERE command_id = ?"),
                    arguments: [id])
            else { return nil }
            let fingerprint: Data = row[0]
            let reply: Data = row[1]
            return StoredReply(commandID: id, fingerprint: [UInt8](fingerprint), reply: [UInt8](reply))
        }
    }

    /// Every processed command id, in storage order: what a service reads once at start to know
    /// which incoming ids can be new without a read per command.
    public func commandIDs() throws -> [String] {
        try read("read command ids") { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT command_id FROM replies"))
        }
    }

    /// The stored replies of those of `ids` that were processed, by command id, in one read:
    /// what a group commit loop checks for a whole batch of incoming commands at once.
    public func replies(forCommandIDs ids: [String]) throws -> [String: StoredReply] {
        guard !ids.isEmpty else { return [:] }
        let unique = Array(Set(ids))
        return try read("read replies") { db in
            var replies: [String: StoredReply] = [:]
            // Chunks keep the statement under SQLite's bound-parameter limit.
            for start in stride(from: 0, to: unique.count, by: 500) {
                let chunk = Array(unique[start..<min(start + 500, unique.count)])
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db,
                    sql: "SELECT command_id, fingerprint, reply FROM replies WHERE command_id IN (\(placeholders))",
                    arguments: StatementArguments(chunk))
                while let row = try rows.next() {
                    let id: String = row[0]
                    let fingerprint: Data = row[1]
                    let reply: Data = row[2]
                    replies[id] = StoredReply(commandID: id, fingerprint: [UInt8](fingerprint), reply: [UInt8](reply))
                }
            }
            return replies
        }
    }

    /// The last applied seq per source this service follows.
    public func cursors() throws -> [String: UInt64] {
        try read("read cursors") { db in
            var cursors: [String: UInt64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, seq FROM cursors") {
                let seq: Int64 = row[1]
                cursors[row[0]] = UInt64(seq)
            }
            return cursors
        }
    }

    /// Stores a snapshot of the service state as of `seq` (state after applying events ≤ seq
    /// and the cursors stored with it); older snapshots may be pruned.
    ///
    /// One transaction: a snapshot with the same seq is replaced, then only the newest
    /// `snapshotsKeptMax` snapshots (by seq) are kept.
    /// - Throws: `JournalError` — `snapshotAhead` if `seq > lastSeq` (the state would contain
    ///   events that are not journaled), `seqOutOfRange`, `closed`, `storage`.
    public func writeSnapshot(_ snapshot: StoredSnapshot) throws {
        try Journal.checkStorable(snapshot.seq, what: "snapshot seq")
        for (source, seq) in snapshot.cursors {
            try Journal.checkStorable(seq, what: "snapshot cursor \(source)")
        }
        try pool.writeWithoutTransaction { db in
            let lastSeq = try self.lastSeqWhileWriting()
            guard snapshot.seq <= lastSeq else {
                throw JournalError(
                    .snapshotAhead,
                    "snapshot at seq \(snapshot.seq) is ahead of the journal (last seq \(lastSeq));"
                        + " commit its events first")
            }
            do {
                try db.inTransaction(.immediate) {
                    let seq = Int64(snapshot.seq)
                    try db.execute(sql: "DELETE FROM snapshot_cursors WHERE snapshot_seq = ?", arguments: [seq])
                    try db.execute(sql: "DELETE FROM snapshots WHERE seq = ?", arguments: [seq])
                    try db.execute(
                        sql: "INSERT INTO snapshots (seq, state) VALUES (?, ?)",
                        arguments: [seq, Data(snapshot.state)])
                    for (source, cursorSeq) in snapshot.cursors {
                        try db.execute(
                            sql: "INSERT INTO snapshot_cursors (snapshot_seq, source, seq) VALUES (?, ?, ?)",
                            arguments: [seq, source, Int64(cursorSeq)])
                    }
                    let keep = "SELECT seq FROM snapshots ORDER BY seq DESC LIMIT \(Journal.snapshotsKeptMax)"
                    try db.execute(sql: "DELETE FROM snapshot_cursors WHERE snapshot_seq NOT IN (\(keep))")
                    try db.execute(sql: "DELETE FROM snapshots WHERE seq NOT IN (\(keep))")
                    return .commit
                }
            } catch {
                throw JournalError(
                    .storage, "writing a snapshot to journal \(self.path) failed: \(error)",
                    cause: error)
            }
        }
    }

    /// The newest snapshot, if any.
    public func latestSnapshot() throws -> StoredSnapshot? {
        try read("read the latest snapshot") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1")
            else { return nil }
            let seq: Int64 = row[0]
            let state: Data = row[1]
            var cursors: [String: UInt64] = [:]
            for cursorRow in try Row.fetchAll(
                db, sql: "SELECT source, seq FROM snapshot_cursors WHERE snapshot_seq = ?",
                arguments: [seq])
            {
                let cursorSeq: Int64 = cursorRow[1]
                cursors[cursorRow[0]] = UInt64(cursorSeq)
            }
            return StoredSnapshot(seq: UInt64(seq), state: [UInt8](state), cursors: cursors)
        }
    }

    /// `PRAGMA synchronous` as the writer connection has it (2 = FULL, 1 = NORMAL); for tests.
    package func writerSynchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
    }

    /// `PRAGMA journal_mode` of the file (expected `wal`); for tests.
    package func journalMode() throws -> String {
        try pool.writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
        }
    }

    /// Caps the file at `pages` pages on the writer connection, so that tests can make a commit
    /// fail in storage (SQLITE_FULL) for real.
    package func limitPageCountForTesting(extraPages: Int) throws {
        try pool.writeWithoutTransaction { db in
            let pageCount = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pageCount + extraPages)")
        }
    }

    /// The seqs of the snapshots kept, newest first (for tests and `status`).
    public func snapshotSeqs() throws -> [UInt64] {
        try read("list snapshots") { db in
            try Int64.fetchAll(db, sql: "SELECT seq FROM snapshots ORDER BY seq DESC").map {
                UInt64($0)
            }
        }
    }
}

// MARK: - Schema

extension Journal {
    /// Schema migrations, applied in order at open. Never edit a shipped migration; append.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // `seq INTEGER PRIMARY KEY` is the rowid: catch-up reads are range scans on it.
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY CHECK (seq > 0),
                        type TEXT NOT NULL,
                        envelope BLOB NOT NULL
                    );
                    CREATE TABLE replies (
                        command_id TEXT PRIMARY KEY NOT NULL,
                        fingerprint BLOB NOT NULL,
                        reply BLOB NOT NULL
                    );
                    CREATE TABLE cursors (
                        source TEXT PRIMARY KEY NOT NULL,
                        seq INTEGER NOT NULL CHECK (seq >= 0)
                    ) WITHOUT ROWID;
                    CREATE TABLE snapshots (
                        seq INTEGER PRIMARY KEY CHECK (seq >= 0),
                        state BLOB NOT NULL
                    );
                    CREATE TABLE snapshot_cursors (
                        snapshot_seq INTEGER NOT NULL REFERENCES snapshots(seq) ON DELETE CASCADE,
                        source TEXT NOT NULL,
                        seq INTEGER NOT NULL CHECK (seq >= 0),
                        PRIMARY KEY (snapshot_seq, source)
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }()
}

// MARK: - Helpers

extension Journal {
    /// The cached last seq; must be called on the writer (inside `writeWithoutTransaction`).
    private func lastSeqWhileWriting() throws -> UInt64 {
        let (closed, failure, lastSeq) = state.withLock { ($0.isClosed, $0.failure, $0.lastSeq) }
        if closed { throw JournalError(.closed, "journal \(path) is closed") }
        if let failure {
            throw JournalError(
                .failed, "journal \(path) refuses writes after an earlier failure; restart the"
                    + " process to recover from it. The failure: \(failure)")
        }
        return lastSeq
    }

    private func read<T: Sendable>(
        _ what: String, _ body: @Sendable (Database) throws -> T
    ) throws -> T {
        if state.withLock({ $0.isClosed }) {
            throw JournalError(.closed, "journal \(path) is closed")
        }
        do {
            return try pool.read(body)
        } catch {
            throw JournalError(.storage, "cannot \(what) from journal \(path): \(error)", cause: error)
        }
    }

    private static func checkStorable(_ seq: UInt64, what: String) throws {
        guard seq <= UInt64(Int64.max) else {
            throw JournalError(.seqOutOfRange, "\(what) \(seq) exceeds the storable maximum \(Int64.max)")
        }
    }

    /// Checks that `events` continue `lastSeq` gap-free; returns the new last seq.
    private static func checkEvents(_ events: [StoredEvent], after lastSeq: UInt64) throws -> UInt64 {
        var expected = lastSeq
        for event in events {
            guard expected < UInt64(Int64.max) else {
                throw JournalError(.seqOutOfRange, "event seq would exceed \(Int64.max)")
            }
            expected += 1
            guard event.seq == expected else {
                throw JournalError(
                    .seqGap,
                    "event seq \(event.seq) does not continue the journal: expected \(expected)"
                        + " (last seq \(lastSeq), batch of \(events.count)); nothing was written")
            }
        }
        return expected
    }

    private static func checkReplies(_ replies: [StoredReply]) throws {
        guard replies.count > 1 else { return }
        var seen = Set<String>(minimumCapacity: replies.count)
        for reply in replies where !seen.insert(reply.commandID).inserted {
            throw JournalError(
                .duplicateCommandID,
                "command id \(reply.commandID) appears twice in one batch; nothing was written")
        }
    }

    /// `BEGIN IMMEDIATE … COMMIT` around `body`, rolled back if anything throws. Unlike
    /// `Database.inTransaction`, which compiles both statements again on every call (a
    /// noticeable share of a one-command commit), the two statements stay prepared.
    private static func inCachedTransaction(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            // A no-op when SQLite already rolled back (e.g. after an I/O error); the first
            // error is the one that tells what happened.
            try? db.rollback()
            throw error
        }
    }

    private static func insert(_ batch: JournalBatch, into db: Database) throws {
        if !batch.events.isEmpty {
            let statement = try db.cachedStatement(
                sql: "INSERT INTO events (seq, type, envelope) VALUES (?, ?, ?)")
            for event in batch.events {
                try statement.execute(arguments: [Int64(event.seq), event.type, Data(event.envelope)])
            }
        }
        if !batch.replies.isEmpty {
            let statement = try db.cachedStatement(
                sql: "INSERT INTO replies (command_id, fingerprint, reply) VALUES (?, ?, ?)")
            for reply in batch.replies {
                try statement.execute(
                    arguments: [reply.commandID, Data(reply.fingerprint), Data(reply.reply)])
            }
        }
        if !batch.cursors.isEmpty {
            // max(): a cursor never moves backwards; a stale lower value is ignored.
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO cursors (source, seq) VALUES (?, ?)
                    ON CONFLICT (source) DO UPDATE SET seq = max(seq, excluded.seq)
                    """)
            for (source, seq) in batch.cursors {
                try statement.execute(arguments: [source, Int64(seq)])
            }
        }
    }

    private static func acquireLock(path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw JournalError(.storage, "cannot open lock file \(path): \(reason)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            _ = systemClose(fd)
            if code == EWOULDBLOCK {
                throw JournalError(
                    .locked,
                    "journal \(path.dropLast(5)) is open in another Journal or process;"
                        + " only one writer per journal")
            }
            throw JournalError(.storage, "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        return fd
    }

    private static func releaseLock(_ fd: Int32) {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        _ = systemClose(fd)
    }
}

private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

/// A journal failure. Programmer errors (`seqGap`, `duplicateCommandID`,
/// `commandAlreadyJournaled`, `snapshotAhead`, `seqOutOfRange`) are thrown before anything is
/// written; `storage` wraps SQLite failures; after any of them the journal is unchanged.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// A stable code; new codes may be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An event seq does not continue `lastSeq` by exactly one.
        public static let seqGap = Code(rawValue: "journal_seq_gap")
        /// A seq above `Int64.max` (SQLite integers are signed 64-bit).
        public static let seqOutOfRange = Code(rawValue: "journal_seq_out_of_range")
        /// The same command id twice in one batch.
        public static let duplicateCommandID = Code(rawValue: "journal_duplicate_command_id")
        /// A reply for a command id that is already journaled.
        public static let commandAlreadyJournaled = Code(rawValue: "journal_command_already_journaled")
        /// A snapshot whose seq is above `lastSeq`.
        public static let snapshotAhead = Code(rawValue: "journal_snapshot_ahead")
        /// Another Journal (in this or another process) has the file open.
        public static let locked = Code(rawValue: "journal_locked")
        /// An earlier commit failed in storage; writes are refused until the journal is reopened.
        public static let failed = Code(rawValue: "journal_failed")
        /// The journal was closed.
        public static let closed = Code(rawValue: "journal_closed")
        /// SQLite or the file system failed.
        public static let storage = Code(rawValue: "journal_storage")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// One group commit.
public struct JournalBatch: Sendable {
    public var events: [StoredEvent]
    public var replies: [StoredReply]
    public var cursors: [String: UInt64]
    public init(events: [StoredEvent] = [], replies: [StoredReply] = [], cursors: [String: UInt64] = [:]) {
        self.events = events; self.replies = replies; self.cursors = cursors
    }
    /// Roughly the WAL pages a commit of this batch appends: the leaf pages of `events`, of
    /// `replies` and of its index, plus the bytes spilling over into new pages. Only paces the
    /// checkpoints; SQLite's backstop bounds the WAL whatever the estimate.
    var estimatedWALFrames: Int {
        var bytes = 0
        for event in events { bytes += event.envelope.count + event.type.utf8.count + 16 }
        for reply in replies { bytes += 2 * reply.commandID.utf8.count + reply.fingerprint.count + reply.reply.count + 16 }
        return 3 + bytes / 4096
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
