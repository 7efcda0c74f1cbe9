import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler writing one JSON object per line (to stderr by default):
///
/// `{"ts":"2026-11-22T07:00:00.123Z","level":"info","service":"ledger","msg":"started","port":"7110"}`
///
/// - `ts`: UTC wall-clock time, milliseconds, ISO 8601; `level`: swift-log's level name;
///   `service`: the process's service; `msg`: the message; then `logger` (the logger's label)
///   when it differs from the service, `error` when the event carries one, and every metadata
///   item as a string field, keys sorted. Metadata merges handler < provider < call site.
///   A metadata key that collides with a fixed field is written as `meta.<key>`.
/// - Strings are escaped per RFC 8259 (quote, backslash and control characters).
/// - Each line is written with a single `write(2)` under a process-wide lock, so lines from
///   different threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// The logger's label.
    public let label: String
    /// The service name written in every line.
    public let service: String
    private let output: Output
    private let clock: @Sendable () -> WallTime

    /// Where lines go: a function taking one complete line (ending in a newline).
    public struct Output: Sendable {
        let write: @Sendable ([UInt8]) -> Void
        public init(_ write: @escaping @Sendable ([UInt8]) -> Void) { self.write = write }

        /// Standard error, one `write(2)` per line under a process-wide lock.
        public static let standardError = fileDescriptor(2)

        /// A file descriptor (not closed by the handler), one `write(2)` per line under the
        /// same process-wide lock as `standardError`.
        public static func fileDescriptor(_ fd: Int32) -> Output {
            locked { line in writeAll(fd, line) }
        }

        /// `write` called under the process-wide log lock: one line at a time, whatever the
        /// thread, so a writer that needs several system calls for a line never interleaves.
        public static func locked(_ write: @escaping @Sendable ([UInt8]) -> Void) -> Output {
            Output { line in JSONLogHandler.writeLock.withLock { _ in write(line) } }
        }
    }

    /// Seconds and nanoseconds since the Unix epoch.
    public struct WallTime: Sendable, Hashable {
        public var seconds: Int
        public var nanoseconds: Int
        public init(seconds: Int, nanoseconds: Int) { self.seconds = seconds; self.nanoseconds = nanoseconds }

        /// Now, from `CLOCK_REALTIME`.
        public static func now() -> WallTime {
            var time = timespec()
            clock_gettime(CLOCK_REALTIME, &time)
            return WallTime(seconds: Int(time.tv_sec), nanoseconds: Int(time.tv_nsec))
        }
    }

    /// - Parameters:
    ///   - label: the logger's label (from `Logger(label:)`).
    ///   - service: the service name written in every line.
    ///   - level: the minimum level logged.
    ///   - output: where lines go (tests inject a collector).
    ///   - clock: the wall clock (tests inject a fixed time).
    public init(
        label: String, service: String, level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil, output: Output = .standardError,
        clock: @escaping @Sendable () -> WallTime = WallTime.now
    ) {
        self.label = label
        self.service = service
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.output = output
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let callSite = event.metadata {
            merged.merge(callSite) { _, new in new }
        }
        var fields: [(String, String)] = [
            ("ts", Self.timestamp(clock())),
            ("level", event.level.rawValue),
            ("service", service),
            ("msg", event.message.description),
        ]
        if label != service { fields.append(("logger", label)) }
        if let error = event.error { fields.append(("error", "\(error)")) }
        let fixedKeys = Set(fields.map(\.0))
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let name = fixedKeys.contains(key) ? "meta.\(key)" : key
            fields.append((name, Self.string(of: value)))
        }
        output.write(Self.line(fields))
    }

    // MARK: Formatting

    static let writeLock = Mutex(())

    /// `{"k":"v",...}\n` with every key and value escaped.
    static func line(_ fields: [(String, String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 6 })
        bytes.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendEscaped(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            appendEscaped(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Appends `text` as a JSON string literal (RFC 8259 §7): `"` and `\` escaped, control
    /// characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`; everything else as UTF-8.
    static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `2026-11-22T07:00:00.123Z` (UTC, milliseconds truncated).
    static func timestamp(_ time: WallTime) -> String {
        var seconds = time_t(time.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let milliseconds = min(max(time.nanoseconds / 1_000_000, 0), 999)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(milliseconds, 3))Z"
    }

    /// A metadata value as one string: strings as they are, others by their description.
    static func string(of value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array, .dictionary: value.description
        }
    }
}

/// Writes all of `bytes` to `fd`: one `write(2)` unless the kernel takes only part (then the
/// rest follows; the caller holds the lock, so nothing interleaves). Gives up on a real error:
/// a logger has nowhere to report that.
private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// Process-wide logging setup for Stakeline processes.
public enum StakelineLogging {
    private static let bootstrapOnce = Once()

    /// Bootstraps swift-log with `JSONLogHandler` on stderr for `service`, once per process;
    /// later calls do nothing (LoggingSystem.bootstrap may only run once).
    /// - Returns: whether this call bootstrapped.
    @discardableResult
    public static func bootstrap(service: String, level: Logger.Level = .info) -> Bool {
        bootstrapOnce.run {
            LoggingSystem.bootstrap(
                { label, provider in
                    JSONLogHandler(label: label, service: service, level: level, metadataProvider: provider)
                },
                metadataProvider: nil)
        }
    }

    /// Runs a body at most once, whatever the threads.
    final class Once: Sendable {
        private let done = Mutex(false)

        /// Runs `body` if no call ran it before; returns whether it ran.
        func run(_ body: () -> Void) -> Bool {
            done.withLock { done in
                guard !done else { return false }
                done = true
                body()
                return true
            }
        }
    }

    /// A level from text such as `STAKELINE_LOG_LEVEL` (`trace`, `debug`, `info`, `notice`,
    /// `warning`, `error`, `critical`; case-insensitive); nil for nil or unknown text.
    public static func level(from text: String?) -> Logger.Level? {
        text.flatMap { Logger.Level(rawValue: $0.lowercased()) }
    }
}
