import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs and pipes
/// stay clean): `[██████░░░░]  450/1000 epochs  37.5 epochs/s  ETA 14s`.
final class ProgressBar {
    let total: UInt64
    let unit: String
    let enabled: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant?

    init(total: UInt64, unit: String, enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.total = total
        self.unit = unit
        self.enabled = enabled
        self.start = clock.now
    }

    var elapsedSeconds: Double {
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Redraws at most 10 times a second (and always at the end).
    func update(_ done: UInt64) {
        guard enabled else { return }
        let now = clock.now
        if let lastDraw, now - lastDraw < .milliseconds(100), done < total { return }
        lastDraw = now
        FileHandle.standardError.write(Data(("\r" + Self.line(done: done, total: total, unit: unit, seconds: elapsedSeconds) + "\u{1B}[K").utf8))
    }

    /// Erases the bar, leaving the cursor at the start of the line.
    func finish() {
        guard enabled, lastDraw != nil else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// The bar's text (pure, for tests).
    static func line(done: UInt64, total: UInt64, unit: String, seconds: Double, width: Int = 24) -> String {
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let totalText = String(total)
        let doneText = String(repeating: " ", count: max(0, totalText.count - String(done).count)) + String(done)
        var text = "[\(bar)] \(doneText)/\(totalText) \(unit)"
        if seconds > 0.2 && done > 0 {
            let rate = Double(done) / seconds
            text += "  " + (rate >= 100 ? String(Int(rate)) : String(format: "%.1f", rate)) + " \(unit)/s"
            let remaining = Double(total - min(done, total)) / rate
            text += "  ETA " + Format.duration(UInt64(remaining.rounded(.up)))
        }
        return text
    }
}
