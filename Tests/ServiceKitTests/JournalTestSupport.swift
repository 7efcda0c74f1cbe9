import Foundation
import ServiceKit

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TempDirectory {
    let url: URL

    init(_ prefix: String = "stakeline-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Deterministic journal content: every byte is a function of the seq, so a reader can check
/// what it finds byte for byte. Mirrors `ProbeContent` in Tests/Support/JournalCrashProbe.
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

    static func event(_ seq: UInt64) -> StoredEvent {
        StoredEvent(seq: seq, type: "probe.Ticked", envelope: envelope(seq: seq))
    }
    static func storedReply(_ seq: UInt64) -> StoredReply {
        StoredReply(commandID: commandID(seq: seq), fingerprint: fingerprint(seq: seq), reply: reply(seq: seq))
    }

    /// A group commit of `seqs`: one event and one reply per seq, cursor "upstream" = last seq.
    static func batch(_ seqs: ClosedRange<UInt64>) -> JournalBatch {
        JournalBatch(
            events: seqs.map(event), replies: seqs.map(storedReply),
            cursors: ["upstream": seqs.upperBound])
    }
}
