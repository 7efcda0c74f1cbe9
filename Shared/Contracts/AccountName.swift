/// Account names (DESIGN.md, issue 4): `[a-z0-9][a-z0-9._-]{0,63}`, or an Ethereum address
/// `0x` + 40 hex digits (kept as written, compared case-insensitively by lowercasing).
public enum AccountName {
    public static let maxBytes = 64

    /// The canonical form of `raw`, or a `invalid_argument` error saying what is wrong.
    public static func validated(_ raw: String, field: String = "account") throws(ContractError) -> String {
        let bytes = Array(raw.utf8)
        if bytes.count == 42, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "x") || bytes[1] == UInt8(ascii: "X") {
            guard bytes[2...].allSatisfy(isHexDigit) else {
                throw ContractError(.invalidArgument, "\(field) '\(raw)' is not a valid address: 0x followed by 40 hex digits")
            }
            return raw.lowercased()
        }
        guard let first = bytes.first, isLowerAlphanumeric(first) else {
            throw ContractError(.invalidArgument,
                "\(field) '\(raw)' must start with a lowercase letter or a digit (names: a-z 0-9 . _ -, up to 64 characters)")
        }
        guard bytes.count <= maxBytes else {
            throw ContractError(.invalidArgument, "\(field) is longer than \(maxBytes) characters")
        }
        guard bytes.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
            throw ContractError(.invalidArgument, "\(field) '\(raw)' may only contain a-z, 0-9, '.', '_' and '-'")
        }
        return raw
    }

    @inline(__always) static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    @inline(__always) static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
