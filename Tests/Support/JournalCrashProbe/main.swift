// A child process for the kill -9 durability test of the journal (ServiceKitTests/JournalCrashTests).
//
// Usage: JournalCrashProbe <journal-path> <full|normal> [events-per-batch] [batches]
//
// Opens (or reopens) the journal and commits batches forever, as a service's group commit would:
// N events continuing lastSeq, one reply per event (command id "cmd-<seq>") and the cursor
// "upstream" = the batch's last seq. After each commit returns it writes "ack <lastSeq>\n" to
// stdout with one write(2) (no buffering), so every line the parent reads is a commit the
// journal acknowledged. The content of every row is a pure function of its seq (ProbeContent
// below, mirrored in the test) so the parent can check it byte for byte.
//
// With [batches], it stops after that many commits and prints
// "done batches=<n> seconds=<s> batchesPerSecond=<r> commitMicrosecondsMean=<m>": the quick throughput measurement quoted
// in docs/DURABILITY.md (build it with -c release for that).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ServiceKit

enum ProbeContent {
    static func envelope(seq: UInt64) -> [UInt8] {
        let head = "{\"v\":1,\"source\":\"probe\",\"seq\":\(seq),\"type\":\"probe.Ticked\",\"body\":{\"pad\":\""
        let padCount = max(300 - head.utf8.count - 3, 0)
        return Array(head.utf8) + [UInt8](repeating: UInt8(97 + seq % 26), count: padCount) + Array("\"}}".utf8)
    }
    static func commandID(seq: UInt64) -> String { "cmd-\(seq)" }
    static func fingerprint(seq: UInt64) -> [UInt8] {
        (0..<32).map { UInt8(truncatingIfNeeded: seq &* 31 &+ UInt64($0)) }
    }
    static func reply(seq: UInt64) -> [UInt8] {
        let head = "{\"v\":1,\"id\":\"cmd-\(seq)\",\"ok\":true,\"result\":{\"seq\":\(seq),\"pad\":\""
        let padCount = max(300 - head.utf8.count - 3, 0)
        return Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "z"), count: padCount) + Array("\"}}".utf8)
    }
}

func say(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    let count = bytes.count
    let written = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, count) }
    if written != count { exit(3) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let durability = Journal.Durability(rawValue: arguments[2]) else {
    say("usage: JournalCrashProbe <journal-path> <full|normal> [events-per-batch] [batches]")
    exit(2)
}
let batchSize = arguments.count >= 4 ? Int(arguments[3]) ?? 64 : 64
let batchesMax = arguments.count >= 5 ? Int(arguments[4]) : nil

do {
    let journal = try Journal(path: arguments[1], durability: durability)
    say("ready \(journal.lastSeq)")
    let clock = ContinuousClock()
    let start = clock.now
    var batchCount = 0
    var commitTime = Duration.zero
    while batchesMax.map({ batchCount < $0 }) ?? true {
        let first = journal.lastSeq + 1
        let seqs = first..<(first + UInt64(batchSize))
        let batch = JournalBatch(
            events: seqs.map { StoredEvent(seq: $0, type: "probe.Ticked", envelope: ProbeContent.envelope(seq: $0)) },
            replies: seqs.map {
                StoredReply(
                    commandID: ProbeContent.commandID(seq: $0),
                    fingerprint: ProbeContent.fingerprint(seq: $0), reply: ProbeContent.reply(seq: $0))
            },
            cursors: ["upstream": seqs.upperBound - 1])
        let commitStart = clock.now
        try journal.commit(batch)
        commitTime += clock.now - commitStart
        say("ack \(journal.lastSeq)")
        batchCount += 1
    }
    let elapsed = clock.now - start
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    let commitMicroseconds = seconds(commitTime) * 1e6 / Double(max(batchCount, 1))
    say(
        "done batches=\(batchCount) seconds=\(seconds(elapsed))"
            + " batchesPerSecond=\(Double(batchCount) / seconds(elapsed))"
            + " commitMicrosecondsMean=\(commitMicroseconds)")
} catch {
    say("error \(error)")
    exit(1)
}
