import Foundation
import Logging
import Synchronization
import Testing

@testable import ServiceKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects the lines a handler writes.
final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    var output: JSONLogHandler.Output {
        JSONLogHandler.Output { bytes in
            self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
        }
    }
    var all: [String] { lines.withLock { $0 } }
}

@Suite("JSONLogHandler")
struct JSONLogHandlerTests {
    static let fixedTime = JSONLogHandler.WallTime(seconds: 1_795_330_800, nanoseconds: 123_999_999)

    func logger(
        _ collector: LineCollector, label: String = "ledger", level: Logger.Level = .info,
        provider: Logger.MetadataProvider? = nil
    ) -> Logger {
        Logger(label: label) { label in
            JSONLogHandler(
                label: label, service: "ledger", level: level, metadataProvider: provider,
                output: collector.output, clock: { Self.fixedTime })
        }
    }

    @Test("one JSON object per line: ts, level, service, msg, then metadata as sorted strings")
    func exactLine() {
        let collector = LineCollector()
        var log = logger(collector)
        log[metadataKey: "port"] = "7110"
        log.info("started", metadata: ["seq": .stringConvertible(42), "epoch": "1201"])
        #expect(
            collector.all == [
                #"{"ts":"2026-11-22T07:00:00.123Z","level":"info","service":"ledger","msg":"started","epoch":"1201","port":"7110","seq":"42"}"#
                    + "\n"
            ])
    }

    @Test("strings are escaped so every line parses back to the same text")
    func escaping() throws {
        let collector = LineCollector()
        let log = logger(collector)
        let nasty = "quote \" backslash \\ newline \n return \r tab \t bell \u{07} nul \u{0} esc \u{1B} é € 😀 </script>"
        log.warning("\(nasty)", metadata: ["key \"q\"\n": "\(nasty)"])
        let line = try #require(collector.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "a raw newline inside the line")
        #expect(line.contains(#"quote \" backslash \\ newline \n return \r tab \t bell \u0007 nul \u0000 esc \u001b é € 😀"#))
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["msg"] == nasty)
        #expect(object["key \"q\"\n"] == nasty)
        #expect(object["level"] == "warning")
    }

    @Test("metadata merges handler < provider < call site; fixed fields are never overwritten")
    func metadataMerge() throws {
        let collector = LineCollector()
        let provider = Logger.MetadataProvider { ["traceID": "t-1", "who": "provider"] }
        var log = logger(collector, label: "ledger.bus", provider: provider)
        log[metadataKey: "who"] = "handler"
        log[metadataKey: "list"] = ["a", "b"]
        log.error("boom", metadata: ["who": "call", "msg": "sneaky", "level": "fake"])
        let line = try #require(collector.all.first)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["who"] == "call")
        #expect(object["traceID"] == "t-1")
        #expect(object["list"] == #"["a", "b"]"#)
        #expect(object["msg"] == "boom")
        #expect(object["meta.msg"] == "sneaky")
        #expect(object["level"] == "error")
        #expect(object["meta.level"] == "fake")
        #expect(object["logger"] == "ledger.bus", "the label is written when it differs from the service")
        #expect(line.hasPrefix(#"{"ts":"2026-11-22T07:00:00.123Z","level":"error","service":"ledger","msg":"boom","logger":"ledger.bus","#))
    }

    @Test("the log level filters", arguments: [Logger.Level.trace, .info, .warning, .critical])
    func levelFilter(level: Logger.Level) {
        let collector = LineCollector()
        let log = logger(collector, level: level)
        for each in Logger.Level.allCases { log.log(level: each, "at \(each)") }
        let expected = Logger.Level.allCases.filter { $0 >= level }.map(\.rawValue)
        let levels = collector.all.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["level"]
        }
        #expect(levels == expected)
    }

    @Test(
        "timestamps are UTC ISO 8601 with milliseconds, truncated",
        arguments: [
            (JSONLogHandler.WallTime(seconds: 0, nanoseconds: 0), "1970-01-01T00:00:00.000Z"),
            (JSONLogHandler.WallTime(seconds: 951_868_799, nanoseconds: 999_999_999), "2000-02-29T23:59:59.999Z"),
            (JSONLogHandler.WallTime(seconds: 1_795_330_800, nanoseconds: 5_000_000), "2026-11-22T07:00:00.005Z"),
        ])
    func timestamps(time: JSONLogHandler.WallTime, expected: String) {
        #expect(JSONLogHandler.timestamp(time) == expected)
    }

    @Test("lines from many threads never interleave, even lines longer than a pipe's atomic write")
    func noInterleaving() async throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let (readFD, writeFD) = (fds[0], fds[1])
        #if os(Linux)
        // The smallest pipe (one page) so that every long line blocks mid-write: without the
        // lock, another thread's bytes would land in the middle of it.
        _ = fcntl(writeFD, 1031 /* F_SETPIPE_SZ */, 4096)
        #endif
        let output = JSONLogHandler.Output.fileDescriptor(writeFD)
        let writers = 4
        let linesPerWriter = 50
        let padding = String(repeating: "x", count: 9000)  // > PIPE_BUF (4096): not atomic by itself

        let reader = Task.detached { () -> [UInt8] in
            var all: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1000)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                all.append(contentsOf: chunk[..<count])
            }
            return all
        }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let log = Logger(label: "ledger") { label in
                        JSONLogHandler(label: label, service: "ledger", output: output)
                    }
                    for index in 0..<linesPerWriter { log.info("w\(writer) l\(index) \(padding)") }
                }
            }
        }
        close(writeFD)
        let bytes = await reader.value
        close(readFD)
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == writers * linesPerWriter)
        let parsed = lines.filter { (try? JSONSerialization.jsonObject(with: Data($0))) != nil }
        #expect(parsed.count == lines.count, "\(lines.count - parsed.count) lines are broken")
    }

    @Test("the lock keeps a line written in pieces whole while other threads log")
    func lockedOutputSerializesLines() async throws {
        let sink = Mutex<[UInt8]>([])
        // Writes each line in 3 pieces with a pause between them, as partial write(2)s would.
        let output = JSONLogHandler.Output.locked { line in
            let third = line.count / 3
            for piece in [line[..<third], line[third..<(2 * third)], line[(2 * third)...]] {
                sink.withLock { $0.append(contentsOf: piece) }
                usleep(200)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    let log = Logger(label: "ledger") { label in
                        JSONLogHandler(label: label, service: "ledger", output: output)
                    }
                    for index in 0..<25 { log.info("writer \(writer) line \(index)") }
                }
            }
        }
        let lines = sink.withLock { $0 }.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 100)
        let parsed = lines.filter { (try? JSONSerialization.jsonObject(with: Data($0))) != nil }
        #expect(parsed.count == lines.count, "\(lines.count - parsed.count) lines are broken")
    }

    @Test("bootstrap's guard runs its body once, even when called from many threads at once")
    func bootstrapOnce() async {
        // The guard is tested on its own instance: bootstrapping the real LoggingSystem here
        // would change logging for every other test in this process.
        let once = StakelineLogging.Once()
        final class Counter: Sendable { let value = Mutex(0) }
        let runs = Counter()
        let ranCount = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { once.run { runs.value.withLock { $0 += 1 } } }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(ranCount == 1)
        #expect(runs.value.withLock { $0 } == 1)
        #expect(once.run {} == false)
    }

    @Test("levels parse from text, case-insensitively")
    func levelFromText() {
        #expect(StakelineLogging.level(from: "DEBUG") == .debug)
        #expect(StakelineLogging.level(from: "warning") == .warning)
        #expect(StakelineLogging.level(from: "loud") == nil)
        #expect(StakelineLogging.level(from: nil) == nil)
    }
}
