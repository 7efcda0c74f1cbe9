import Contracts
import Foundation

/// Human formatting of amounts, epochs, rates and durations. Pure functions, no I/O.
///
/// Amounts are shown in ETH, rounded toward zero to 6 decimals (never up: a balance is never
/// shown larger than it is), or exactly with `--exact`. Consensus-layer values arrive in gwei
/// and are converted to wei first, so both units print the same way.
enum Format {
    /// Seconds per epoch: 32 slots × 12 s (6.4 minutes).
    static let secondsPerEpoch: UInt64 = 384
    /// Shown for an epoch that is not set (the spec's FAR_FUTURE_EPOCH, JSON `null`).
    static let noEpoch = "—"

    /// `3d 4h`, `5h 2m`, `7m 3s`, `12s`.
    static func duration(_ seconds: UInt64) -> String {
        let days = seconds / 86_400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60, secs = seconds % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return "\(secs)s"
    }

    // MARK: Amounts

    /// Wei as ETH without the unit: `32.000000`, `34,000,064.000000`, or `32` /
    /// `0.000000000000000001` when exact. The whole part is grouped by thousands.
    static func ether(wei: UInt128, exact: Bool) -> String {
        let text = exact ? EtherAmount.format(wei) : EtherAmount.format(wei, places: 6)
        guard let point = text.firstIndex(of: ".") else { return grouped(text) }
        return grouped(String(text[..<point])) + text[point...]
    }

    /// Gwei as ETH without the unit (a gwei amount is a whole number of 10⁹ wei).
    static func ether(gwei: UInt128, exact: Bool) -> String {
        let (wei, overflow) = gwei.multipliedReportingOverflow(by: EtherAmount.weiPerGwei)
        // Past 2^128 wei only a gwei display is exact: keep it rather than trap.
        guard !overflow else { return EtherAmount.format(gwei, decimals: 9) }
        return ether(wei: wei, exact: exact)
    }

    /// An amount field of a result, by its unit suffix (`…Wei`, `…Gwei`), as `1.234567 ETH`;
    /// `?` when the field is missing or malformed (display only: never fail a printout on it).
    static func ether(_ object: JSON, _ key: String, exact: Bool, unit: Bool = true) -> String {
        guard let value = try? object.amount(key) else { return "?" }
        let text = key.hasSuffix("Gwei") ? ether(gwei: value, exact: exact) : ether(wei: value, exact: exact)
        return unit ? text + " ETH" : text
    }

    /// Gwei with thousands separators: `8,123 gwei`.
    static func gwei(_ value: UInt128) -> String { grouped(String(value)) + " gwei" }

    /// `1234567` → `1,234,567`.
    static func grouped(_ digits: String) -> String {
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    /// A signed difference of two wei amounts: `+0.001234 ETH`, `−0.000001 ETH`, `0.000000 ETH`.
    static func change(from before: UInt128, to after: UInt128, exact: Bool) -> String {
        if after >= before {
            let delta = after - before
            return (delta == 0 ? "" : "+") + ether(wei: delta, exact: exact) + " ETH"
        }
        return "−" + ether(wei: before - after, exact: exact) + " ETH"
    }

    // MARK: Rates

    /// Basis points as a percentage with 2 decimals: 312 → `3.12%`, 10000 → `100.00%`.
    static func percent(bips: UInt64) -> String {
        let fraction = bips % 100
        return "\(bips / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)%"
    }

    // MARK: Epochs

    /// An epoch number, or `—` when not set.
    static func epoch(_ epoch: UInt64?) -> String { epoch.map(String.init) ?? noEpoch }

    /// An optional epoch field of a result: the number, `—` for null or absent.
    static func epoch(_ object: JSON, _ key: String) -> String {
        epoch((try? object.optionalUInt64(key)) ?? nil)
    }

    /// Wall-clock time for a number of epochs at 6.4 min/epoch: `0 h 32 m`, `36 d 9 h`.
    static func span(epochs: UInt64) -> String {
        let (seconds, overflow) = epochs.multipliedReportingOverflow(by: secondsPerEpoch)
        if overflow { return "forever" }
        let minutes = seconds / 60
        if minutes >= 24 * 60 { return "\(minutes / 1440) d \(minutes / 60 % 24) h" }
        return "\(minutes / 60) h \(minutes % 60) m"
    }

    /// `epoch 1234 (≈ 2 h 8 m from now at 6.4 min/epoch)`; `epoch 1234 (now)` or
    /// `epoch 1234 (passed)` when it is not in the future.
    static func epochFromNow(_ epoch: UInt64, now: UInt64?) -> String { "epoch " + estimate(epoch, now: now) }

    /// `1234 (≈ 2 h 8 m from now at 6.4 min/epoch)`, `1234 (now)`, `1234 (passed)`, or `1234`
    /// when the epoch in progress is not known.
    static func estimate(_ epoch: UInt64, now: UInt64?) -> String {
        guard let now else { return "\(epoch)" }
        if epoch == now { return "\(epoch) (now)" }
        if epoch < now { return "\(epoch) (passed)" }
        return "\(epoch) (≈ \(span(epochs: epoch - now)) from now at 6.4 min/epoch)"
    }

    // MARK: Layout

    /// `Label:   value` lines, labels padded to one column.
    static func fields(_ rows: [(String, String)]) -> [String] {
        let width = (rows.map(\.0.count).max() ?? 0) + 1
        return rows.map { label, value in (label + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + value }
    }

    /// A fixed-width table with a header row, as lines; columns in `rightAligned` (numbers) are
    /// padded on the left so their digits line up.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                if rightAligned.contains(index) { return String(repeating: " ", count: max(0, widths[index] - cell.count)) + cell }
                return index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        // A blank last column (a flag most rows leave empty) must not leave trailing blanks.
        func trimmed(_ text: String) -> String {
            var text = text
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(header)] + rows.map(line)).map(trimmed)
    }
}
