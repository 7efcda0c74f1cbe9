import Foundation
import Testing

@testable import ServiceKit

@Suite("Journal")
struct JournalTests {
    @Test("events, replies and cursors round-trip through a commit")
    func roundTrip() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("ledger.sqlite"), durability: .full)
        #expect(journal.lastSeq == 0)
        #expect(try journal.events(after: 0, limit: 10).isEmpty)

        let events = [
            StoredEvent(seq: 1, type: "ledger.Staked", envelope: Array("{\"seq\":1}".utf8)),
            StoredEvent(seq: 2, type: "ledger.Transferred", envelope: [0, 1, 2, 255]),
            StoredEvent(seq: 3, type: "ledger.Staked", envelope: []),
        ]
        let replies = [
            StoredReply(commandID: "c-1", fingerprint: [9, 9], reply: Array("{\"ok\":true}".utf8)),
            StoredReply(commandID: "c-2", fingerprint: [], reply: [0]),
        ]
        try journal.commit(JournalBatch(events: events, replies: replies, cursors: ["rewards": 7]))

        #expect(journal.lastSeq == 3)
        #expect(try journal.events(after: 0, limit: 10) == events)
        #expect(try journal.events(after: 1, limit: 1) == [events[1]])
        #expect(try journal.events(after: 3, limit: 10).isEmpty)
        #expect(try journal.events(after: 0, limit: 0).isEmpty)
        #expect(try journal.reply(forCommandID: "c-1") == replies[0])
        #expect(try journal.reply(forCommandID: "c-2") == replies[1])
        #expect(try journal.reply(forCommandID: "c-3") == nil)
        #expect(try journal.cursors() == ["rewards": 7])
    }

    @Test("replies(forCommandIDs:) finds the processed ones among many ids in one read")
    func bulkReplies() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        try journal.commit(ProbeContent.batch(1...1200))
        #expect(try journal.replies(forCommandIDs: []).isEmpty)
        let asked = (1190...1300).map { ProbeContent.commandID(seq: UInt64($0)) } + ["cmd-5", "cmd-5", "nope"]
        let found = try journal.replies(forCommandIDs: asked)
        #expect(Set(found.keys) == Set((1190...1200).map { ProbeContent.commandID(seq: UInt64($0)) } + ["cmd-5"]))
        #expect(found["cmd-1195"] == ProbeContent.storedReply(1195))
        let many = (1...1200).map { ProbeContent.commandID(seq: UInt64($0)) }
        #expect(try journal.replies(forCommandIDs: many).count == 1200, "more ids than one chunk")
    }

    @Test("an empty batch changes nothing")
    func emptyBatch() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        try journal.commit(JournalBatch())
        #expect(journal.lastSeq == 0)
        try journal.commit(ProbeContent.batch(1...2))
        try journal.commit(JournalBatch())
        #expect(journal.lastSeq == 2)
    }

    @Test(
        "event seqs must continue lastSeq gap-free; a violation writes nothing",
        arguments: [
            [2], [0], [1, 3], [1, 1], [2, 1],
        ] as [[UInt64]])
    func gapFreeOnEmptyJournal(seqs: [UInt64]) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        let batch = JournalBatch(
            events: seqs.map(ProbeContent.event), replies: [ProbeContent.storedReply(1)],
            cursors: ["x": 1])
        let error = #expect(throws: JournalError.self) { try journal.commit(batch) }
        #expect(error?.code == .seqGap)
        #expect(journal.lastSeq == 0)
        #expect(try journal.events(after: 0, limit: 10).isEmpty)
        #expect(try journal.reply(forCommandID: ProbeContent.commandID(seq: 1)) == nil)
        #expect(try journal.cursors().isEmpty)
    }

    @Test("after some commits, a batch must start at lastSeq + 1")
    func gapFreeAfterCommits() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        try journal.commit(ProbeContent.batch(1...4))
        for bad in [[4, 5], [6], [3], [5, 7]] as [[UInt64]] {
            let error = #expect(throws: JournalError.self) {
                try journal.commit(JournalBatch(events: bad.map(ProbeContent.event)))
            }
            #expect(error?.code == .seqGap, "batch \(bad)")
        }
        #expect(journal.lastSeq == 4)
        try journal.commit(ProbeContent.batch(5...5))
        #expect(try journal.events(after: 0, limit: 100).map(\.seq) == [1, 2, 3, 4, 5])
    }

    @Test("a commit that fails on a reply writes none of its events, replies or cursors")
    func atomicity() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .full)
        try journal.commit(ProbeContent.batch(1...3))

        // A command id already journaled: found by SQLite mid-transaction, rolled back.
        var batch = ProbeContent.batch(4...6)
        batch.replies.append(ProbeContent.storedReply(2))
        batch.cursors = ["upstream": 6, "other": 1]
        let error = #expect(throws: JournalError.self) { try journal.commit(batch) }
        #expect(error?.code == .commandAlreadyJournaled)

        // The same command id twice in one batch: refused before writing.
        var twice = ProbeContent.batch(4...6)
        twice.replies.append(ProbeContent.storedReply(5))
        let error2 = #expect(throws: JournalError.self) { try journal.commit(twice) }
        #expect(error2?.code == .duplicateCommandID)

        #expect(journal.lastSeq == 3)
        #expect(try journal.events(after: 0, limit: 100).map(\.seq) == [1, 2, 3])
        #expect(try journal.reply(forCommandID: ProbeContent.commandID(seq: 4)) == nil)
        #expect(try journal.cursors() == ["upstream": 3])
        // The reply that was journaled before is untouched.
        #expect(try journal.reply(forCommandID: ProbeContent.commandID(seq: 2)) == ProbeContent.storedReply(2))

        // And the journal goes on from where it was.
        try journal.commit(ProbeContent.batch(4...6))
        #expect(journal.lastSeq == 6)
        #expect(try journal.cursors() == ["upstream": 6])
    }

    @Test("cursors only move forward; a lower value is ignored, other sources are independent")
    func cursors() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path("j.sqlite")
        let journal = try Journal(path: path, durability: .normal)
        try journal.commit(JournalBatch(cursors: ["ledger": 10, "rewards": 3]))
        #expect(try journal.cursors() == ["ledger": 10, "rewards": 3])
        try journal.commit(JournalBatch(cursors: ["ledger": 4, "rewards": 5, "slashing": 0]))
        #expect(try journal.cursors() == ["ledger": 10, "rewards": 5, "slashing": 0])
        try journal.commit(JournalBatch(cursors: ["ledger": 11]))
        #expect(journal.lastSeq == 0, "cursor-only batches append no events")
        try journal.close()

        let reopened = try Journal(path: path, durability: .normal)
        #expect(try reopened.cursors() == ["ledger": 11, "rewards": 5, "slashing": 0])
    }

    @Test("snapshots: newest wins, only the newest few are kept, none ahead of the journal")
    func snapshots() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .full)
        #expect(try journal.latestSnapshot() == nil)

        let ahead = #expect(throws: JournalError.self) {
            try journal.writeSnapshot(StoredSnapshot(seq: 1, state: [1], cursors: [:]))
        }
        #expect(ahead?.code == .snapshotAhead)

        try journal.commit(ProbeContent.batch(1...10))
        let empty = StoredSnapshot(seq: 0, state: [], cursors: [:])
        try journal.writeSnapshot(empty)
        #expect(try journal.latestSnapshot() == empty)

        for seq in [2, 4, 6, 8] as [UInt64] {
            try journal.writeSnapshot(
                StoredSnapshot(
                    seq: seq, state: Array("state@\(seq)".utf8),
                    cursors: ["ledger": seq * 10, "rewards": seq]))
        }
        #expect(try journal.snapshotSeqs() == [8, 6, 4])
        #expect(Journal.snapshotsKeptMax == 3)
        #expect(
            try journal.latestSnapshot()
                == StoredSnapshot(seq: 8, state: Array("state@8".utf8), cursors: ["ledger": 80, "rewards": 8]))

        // Rewriting the same seq replaces it, cursors included.
        let replaced = StoredSnapshot(seq: 8, state: [42], cursors: ["operators": 1])
        try journal.writeSnapshot(replaced)
        #expect(try journal.latestSnapshot() == replaced)
        #expect(try journal.snapshotSeqs() == [8, 6, 4])

        // An older snapshot written late is kept only if it is among the newest.
        try journal.writeSnapshot(StoredSnapshot(seq: 1, state: [1], cursors: [:]))
        #expect(try journal.snapshotSeqs() == [8, 6, 4])
        try journal.writeSnapshot(StoredSnapshot(seq: 10, state: [10], cursors: [:]))
        #expect(try journal.snapshotSeqs() == [10, 8, 6])
        #expect(try journal.latestSnapshot()?.cursors == [:])
    }

    @Test(
        "reopening after close sees every event, reply, cursor and snapshot",
        arguments: Journal.Durability.allCases)
    func reopen(durability: Journal.Durability) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path("nested/data/rewards.sqlite")
        do {
            let journal = try Journal(path: path, durability: durability)
            #expect(try journal.journalMode() == "wal")
            #expect(try journal.writerSynchronousLevel() == (durability == .full ? 2 : 1))
            for first in stride(from: 1 as UInt64, through: 1 + 64 * 9, by: 64) {
                try journal.commit(ProbeContent.batch(first...(first + 63)))
            }
            try journal.writeSnapshot(StoredSnapshot(seq: 320, state: [3, 2, 0], cursors: ["upstream": 320]))
            #expect(journal.lastSeq == 640)
            try journal.close()
            try journal.close()  // idempotent
            let closed = #expect(throws: JournalError.self) {
                try journal.commit(ProbeContent.batch(641...641))
            }
            #expect(closed?.code == .closed)
            #expect(throws: JournalError.self) { _ = try journal.cursors() }
        }
        let reopened = try Journal(path: path, durability: durability)
        #expect(reopened.lastSeq == 640)
        let events = try reopened.events(after: 0, limit: 10_000)
        #expect(events == (1...640).map(ProbeContent.event))
        for seq in [1, 64, 65, 333, 640] as [UInt64] {
            #expect(
                try reopened.reply(forCommandID: ProbeContent.commandID(seq: seq)) == ProbeContent.storedReply(seq))
        }
        #expect(try reopened.cursors() == ["upstream": 640])
        #expect(
            try reopened.latestSnapshot()
                == StoredSnapshot(seq: 320, state: [3, 2, 0], cursors: ["upstream": 320]))
        try reopened.commit(ProbeContent.batch(641...700))
        #expect(reopened.lastSeq == 700)
    }

    @Test("only one Journal may have a file open")
    func exclusiveLock() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path("j.sqlite")
        let first = try Journal(path: path, durability: .normal)
        let error = #expect(throws: JournalError.self) { _ = try Journal(path: path, durability: .normal) }
        #expect(error?.code == .locked)
        try first.close()
        let second = try Journal(path: path, durability: .normal)
        #expect(second.lastSeq == 0)
    }

    @Test("a commit failing in storage writes nothing and stops further writes until reopened")
    func storageFailurePoisons() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path("j.sqlite")
        do {
            let journal = try Journal(path: path, durability: .full)
            try journal.commit(ProbeContent.batch(1...64))
            try journal.limitPageCountForTesting(extraPages: 2)
            let full = #expect(throws: JournalError.self) { try journal.commit(ProbeContent.batch(65...128)) }
            #expect(full?.code == .storage)
            #expect(journal.lastSeq == 64)
            #expect(try journal.events(after: 64, limit: 10).isEmpty)
            let refused = #expect(throws: JournalError.self) { try journal.commit(ProbeContent.batch(65...65)) }
            #expect(refused?.code == .failed)
            #expect(try journal.events(after: 0, limit: 100).count == 64, "reads still work")
            try journal.close()
        }
        let reopened = try Journal(path: path, durability: .full)
        #expect(reopened.lastSeq == 64)
        try reopened.commit(ProbeContent.batch(65...128))
        #expect(reopened.lastSeq == 128)
    }

    @Test("a catch-up page is capped at eventsPageMax")
    func eventsPageCap() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        let total = UInt64(Journal.eventsPageMax) + 5
        let events = (1...total).map { StoredEvent(seq: $0, type: "t", envelope: []) }
        try journal.commit(JournalBatch(events: events))
        let page = try journal.events(after: 0, limit: Int.max)
        #expect(page.count == Journal.eventsPageMax)
        #expect(page.last?.seq == UInt64(Journal.eventsPageMax))
        #expect(try journal.events(after: UInt64(Journal.eventsPageMax), limit: Int.max).map(\.seq) == Array((total - 4)...total))
    }

    @Test("seqs above Int64.max are refused")
    func seqOutOfRange() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        let error = #expect(throws: JournalError.self) {
            try journal.commit(JournalBatch(cursors: ["x": UInt64(Int64.max) + 1]))
        }
        #expect(error?.code == .seqOutOfRange)
        #expect(try journal.events(after: UInt64.max, limit: 5).isEmpty)
    }

    @Test("readers on other threads see a gap-free prefix of whole batches while one writer commits")
    func concurrentReads() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path("j.sqlite"), durability: .normal)
        let batchCount: UInt64 = 150
        let batchSize: UInt64 = 8
        let total = batchCount * batchSize

        let writer = Task.detached {
            for batchIndex in 0..<batchCount {
                let first = batchIndex * batchSize + 1
                try journal.commit(ProbeContent.batch(first...(first + batchSize - 1)))
            }
        }
        let readerProblems = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var problems: [String] = []
                    var seenCount: UInt64 = 0
                    let deadline = ContinuousClock.now + .seconds(60)
                    while seenCount < total {
                        if ContinuousClock.now > deadline {
                            problems.append("timed out at \(seenCount) of \(total)")
                            break
                        }
                        let lastSeq = journal.lastSeq
                        guard let events = try? journal.events(after: 0, limit: 100_000) else {
                            problems.append("read failed")
                            break
                        }
                        let count = UInt64(events.count)
                        if events.map(\.seq) != Array(1...max(count, 1)).prefix(events.count).map({ $0 }) {
                            problems.append("not gap-free at \(count)")
                        }
                        if count < lastSeq { problems.append("lastSeq \(lastSeq) ahead of readable \(count)") }
                        if count % batchSize != 0 { problems.append("partial batch visible: \(count)") }
                        seenCount = count
                        await Task.yield()
                    }
                    return problems
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        try await writer.value
        #expect(readerProblems.isEmpty, "\(readerProblems.prefix(5))")
        #expect(journal.lastSeq == total)
    }

    @Test("checkpoints run beside the writer: requested by commits, the WAL stays bounded, nothing is lost")
    func backgroundCheckpoints() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path("j.sqlite")
        let journal = try Journal(path: path, durability: .normal)
        // One-command commits, as a lone client makes them: ~3 WAL frames each, so this many
        // ask for a checkpoint about three times.
        let total = UInt64(Journal.checkpointEveryFrames)
        for seq in 1...total { try journal.commit(ProbeContent.batch(seq...seq)) }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while journal.backgroundCheckpointCount == 0 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(journal.backgroundCheckpointCount >= 1)
        // The backstop (the writer's own automatic checkpoint) bounds the WAL whatever happens.
        let walBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        #expect(walBytes <= (Journal.walAutocheckpointFallbackPages + 200) * (4096 + 24))
        try journal.close()
        let reopened = try Journal(path: path, durability: .normal)
        #expect(reopened.lastSeq == total)
        #expect(try reopened.events(after: total - 2, limit: 10) == [ProbeContent.event(total - 1), ProbeContent.event(total)])
        #expect(try reopened.reply(forCommandID: ProbeContent.commandID(seq: 1)) == ProbeContent.storedReply(1))
        try reopened.close()
    }
}
