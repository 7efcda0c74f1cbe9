import Bus
import Foundation
import GRDB
import Synchronization

/// Copies the WAL back into the database file on its own thread and its own connection, so that
/// no commit pays for a checkpoint. SQLite's automatic checkpoint runs inside the COMMIT that
/// crosses the threshold: a sync of the WAL, a burst of page writes into the database file and a
/// sync of that file, all before the commit returns (and so before its replies go out). Here the
/// writer only asks for one (`request`), and a PASSIVE checkpoint runs beside later commits:
/// SQLite lets a checkpoint and a writer proceed together, each holding its own lock.
///
/// The writer keeps SQLite's automatic checkpoint as a backstop at a much higher threshold
/// (`Journal.walAutocheckpointFallbackPages`): a checkpoint running beside a writer that never
/// pauses can not finish the whole WAL, so the WAL would not restart; the backstop bounds it.
final class JournalCheckpointer: Sendable {
    private let queue: DatabaseQueue
    private let requests = BlockingQueue<Bool>(capacity: 1)
    private let thread: Mutex<OwnedThread?> = Mutex(nil)
    private let completed = Atomic<Int>(0)

    /// Opens the checkpoint connection with the writer's `synchronous` level: that level decides
    /// whether the checkpoint syncs the WAL before copying it and the database file after.
    init(path: String, synchronous: String, label: String) throws {
        var configuration = Configuration()
        configuration.label = label
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        let level = try queue.inDatabase { db in try String.fetchOne(db, sql: "PRAGMA synchronous") }
        precondition(level == (synchronous == "FULL" ? "2" : "1"), "checkpoint connection: PRAGMA synchronous did not take")
    }

    /// Starts the thread. `onFailure` is called once if a checkpoint fails in storage; the thread
    /// then stops (what is on disk is uncertain, the journal must refuse writes).
    func start(onFailure: @escaping @Sendable (String) -> Void) {
        let owned = OwnedThread(name: "checkpoint") { [self] in
            while let taken = requests.take(limit: 1, timeoutMs: 60_000) {
                guard !taken.isEmpty else { continue }
                do {
                    _ = try queue.inDatabase { db in try db.checkpoint(.passive) }
                    completed.add(1, ordering: .relaxed)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    // The writer's backstop checkpoint is running; the next request retries.
                } catch {
                    onFailure("background checkpoint failed: \(error)")
                    return
                }
            }
        }
        thread.withLock { $0 = owned }
    }

    /// Asks for a checkpoint; a request already pending absorbs this one.
    func request() {
        _ = requests.tryPush(true)
    }

    /// Checkpoints finished so far (for tests).
    var completedCount: Int { completed.load(ordering: .relaxed) }

    /// Lets a running checkpoint finish, stops the thread and closes the connection.
    func stop() throws {
        requests.close()
        thread.withLock { $0 }?.join()
        try queue.close()
    }
}
