import Foundation
import Testing

@testable import ServiceKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kill -9 test, for real: a child process (Tests/Support/JournalCrashProbe) commits
/// batches of 64 events + 64 replies in a loop and prints "ack <lastSeq>" after each commit
/// returns; the test SIGKILLs it mid-load, reopens the journal and checks that every
/// acknowledged event and reply is there, byte for byte, gap-free, and that the journal still
/// takes commits. Several rounds on the same file, alternating durability.
@Suite("Journal crash (kill -9)")
struct JournalCrashTests {
    static let batchSize: UInt64 = 64

    @Test("every acknowledged commit survives kill -9 of the writing process")
    func killNineMidLoad() throws {
        let probe = try #require(CrashProbe.locate(), "JournalCrashProbe executable not found; build with --build-tests")
        let dir = try TempDirectory("stakeline-crash")
        defer { dir.remove() }
        let path = dir.path("probe.sqlite")
        var expectedLastSeq: UInt64 = 0

        let rounds: [(Journal.Durability, acksBeforeKill: Int)] = [
            (.full, 3), (.normal, 25), (.full, 12), (.normal, 1), (.full, 40),
        ]
        for (round, (durability, acksBeforeKill)) in rounds.enumerated() {
            let run = try CrashProbe.run(
                probe, journalPath: path, durability: durability, acksBeforeKill: acksBeforeKill)
            let context = "round \(round) (\(durability), kill after \(acksBeforeKill) acks)"
            #expect(run.readySeq == expectedLastSeq, "probe started from the wrong seq in \(context)")
            #expect(run.killedBySignal == SIGKILL, "\(context): \(run.otherOutput)")
            try #require(run.acks.count >= acksBeforeKill, "\(context): \(run.otherOutput)")
            #expect(run.acks == run.acks.sorted(), "\(context)")
            let lastAck = try #require(run.acks.last)

            let journal = try Journal(path: path, durability: durability)
            // At most one commit can be durable without its ack printed (killed in between).
            #expect(
                journal.lastSeq == lastAck || journal.lastSeq == lastAck + Self.batchSize,
                "\(context): lastSeq \(journal.lastSeq), last ack \(lastAck)")
            try Self.verifyContent(of: journal, through: max(journal.lastSeq, lastAck), context: context)
            #expect(try journal.cursors()["upstream"] == journal.lastSeq, "\(context)")

            // The journal still takes commits, and they continue the acknowledged history.
            let next = journal.lastSeq + 1
            try journal.commit(ProbeContent.batch(next...(next + 9)))
            expectedLastSeq = next + 9
            #expect(journal.lastSeq == expectedLastSeq)
            try journal.close()
        }
    }

    /// Reads every event 1...lastSeq in pages and every reply, comparing bytes.
    static func verifyContent(of journal: Journal, through lastSeq: UInt64, context: String) throws {
        var after: UInt64 = 0
        var mismatches = 0
        while after < lastSeq {
            let page = try journal.events(after: after, limit: 1000)
            try #require(!page.isEmpty, "\(context): events stop at \(after) of \(lastSeq)")
            for event in page {
                after += 1
                if event.seq != after {
                    Issue.record("\(context): seq \(event.seq) where \(after) was expected")
                    return
                }
                if event != ProbeContent.event(event.seq) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0, "\(context): \(mismatches) events differ from what was committed")
        #expect(try journal.events(after: lastSeq, limit: 10).isEmpty)
        var missingReplies: [UInt64] = []
        for seq in 1...max(lastSeq, 1) where lastSeq > 0 {
            if try journal.reply(forCommandID: ProbeContent.commandID(seq: seq)) != ProbeContent.storedReply(seq) {
                missingReplies.append(seq)
            }
        }
        #expect(missingReplies.isEmpty, "\(context): replies missing or different: \(missingReplies.prefix(10))")
    }
}

/// Runs the JournalCrashProbe child process and kills it.
enum CrashProbe {
    struct Run {
        var readySeq: UInt64?
        var acks: [UInt64] = []
        var otherOutput: [String] = []
        var killedBySignal: Int32?
    }

    /// Finds the probe next to the test bundle (SwiftPM puts every product of a build in one
    /// directory). `STAKELINE_CRASH_PROBE` overrides; `#filePath` is the last resort.
    static func locate(filePath: String = #filePath) -> URL? {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["STAKELINE_CRASH_PROBE"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        var starts: [URL] = []
        if let argument0 = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: argument0))
        }
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        starts.append(Bundle.main.bundleURL)
        for start in starts {
            // Linux: <products>/StakelinePackageTests.xctest is the test executable.
            // macOS: <products>/StakelinePackageTests.xctest/Contents/MacOS/StakelinePackageTests.
            var directory = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("JournalCrashProbe"))
                directory = directory.deletingLastPathComponent()
            }
        }
        // <package>/Tests/ServiceKitTests/<this file> → <package>/.build/debug/JournalCrashProbe
        let packageRoot = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/JournalCrashProbe"))
        return candidates.first { fileManager.isExecutableFile(atPath: $0.path) }
    }

    /// Starts the probe, waits for `acksBeforeKill` acks, SIGKILLs it, then collects every line it
    /// wrote before dying (those are acknowledged commits too).
    static func run(
        _ probe: URL, journalPath: String, durability: Journal.Durability, acksBeforeKill: Int
    ) throws -> Run {
        let process = Process()
        process.executableURL = probe
        process.arguments = [journalPath, durability.rawValue, "\(JournalCrashTests.batchSize)"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let reader = LineReader(fd: stdout.fileHandleForReading.fileDescriptor)

        var run = Run()
        let deadline = ContinuousClock.now + .seconds(60)
        while run.acks.count < acksBeforeKill, let line = reader.nextLine(until: deadline) {
            run.take(line)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The child is dead and reaped: whatever it wrote is in the pipe; read it all.
        while let line = reader.nextLine(until: .now) { run.take(line) }
        if process.terminationReason == .uncaughtSignal { run.killedBySignal = process.terminationStatus }
        return run
    }
}

extension CrashProbe.Run {
    mutating func take(_ line: String) {
        let parts = line.split(separator: " ")
        if parts.count == 2, parts[0] == "ack", let seq = UInt64(parts[1]) {
            acks.append(seq)
        } else if parts.count == 2, parts[0] == "ready", let seq = UInt64(parts[1]) {
            readySeq = seq
        } else {
            otherOutput.append(line)
        }
    }
}

/// Reads lines from a file descriptor with poll(2), so a hung child cannot hang the test.
final class LineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var isAtEnd = false

    init(fd: Int32) { self.fd = fd }

    /// The next complete line, or nil at end of file or when `deadline` passes.
    func nextLine(until deadline: ContinuousClock.Instant) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if isAtEnd { return nil }
            let remaining = deadline - .now
            let timeoutMs = max(0, Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollFD, 1, timeoutMs)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                isAtEnd = true
                continue
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
