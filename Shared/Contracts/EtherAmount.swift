/// Decimal text of token amounts ↔ base units, exact (no floating point).
///
/// `parse("1.5", decimals: 18)` is 1.5 × 10¹⁸; more fractional digits than `decimals` is an
/// error (`amount_too_precise` semantics: the amount cannot be represented), never a rounding.
public enum EtherAmount {
    public static let weiPerEther: UInt128 = 1_000_000_000_000_000_000
    public static let weiPerGwei: UInt128 = 1_000_000_000

    /// Parses a non-negative decimal (`32`, `0.01`, `1e-3` is not accepted) into base units.
    public static func parse(_ text: String, decimals: Int = 18, field: String = "amount") throws(ContractError) -> UInt128 {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !text.isEmpty, !(whole.isEmpty && fraction.isEmpty),
            whole.utf8.allSatisfy(isDigit), fraction.utf8.allSatisfy(isDigit), parts.count == 1 || !fraction.isEmpty
        else {
            throw ContractError(.invalidAmount, "\(field) '\(text)' is not a decimal number of ETH such as 32 or 0.5")
        }
        guard fraction.count <= decimals else {
            throw ContractError(.invalidAmount,
                "\(field) '\(text)' has more than \(decimals) decimals: the smallest unit is 0.\(String(repeating: "0", count: decimals - 1))1")
        }
        var value: UInt128 = 0
        for byte in (whole + fraction + String(repeating: "0", count: decimals - fraction.count)).utf8 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(UInt128(byte - UInt8(ascii: "0")))
            guard !o1 && !o2 else { throw ContractError(.amountOutOfRange, "\(field) '\(text)' is too large") }
            value = plus
        }
        return value
    }

    /// Exact decimal text with trailing zeros dropped: `1.5`, `32`, `0.000000000000000001`.
    public static func format(_ baseUnits: UInt128, decimals: Int = 18) -> String {
        let scale = pow10(decimals)
        let whole = baseUnits / scale
        var fraction = baseUnits % scale
        guard fraction > 0 else { return String(whole) }
        var digits = decimals
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// Rounded toward zero to `places` decimals, always showing them: `format(1.23456789 ETH, places: 6)`
    /// is `1.234567`. Displays only; the books never round this way.
    public static func format(_ baseUnits: UInt128, decimals: Int = 18, places: Int) -> String {
        let scale = pow10(decimals)
        let whole = baseUnits / scale
        guard places > 0 else { return String(whole) }
        let fraction = baseUnits % scale / pow10(max(0, decimals - places))
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: max(0, places - text.count)) + text
    }

    static func pow10(_ n: Int) -> UInt128 {
        var value: UInt128 = 1
        for _ in 0..<n { value *= 10 }
        return value
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
