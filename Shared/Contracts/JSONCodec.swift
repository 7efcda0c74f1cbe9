/// Parses and writes JSON without Foundation.
public enum JSONCodec {
    /// Largest message accepted on the wire, in bytes.
    public static let messageBytesMax = 1 << 20

    /// Parses one JSON document. Throws `ContractError` with code `message_too_large`
    /// or `malformed_json`; never traps on any input.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ContractError) -> JSON {
        fatalError("unimplemented")
    }

    /// Writes compact JSON with object keys sorted.
    public static func serialize(_ value: JSON) -> [UInt8] {
        fatalError("unimplemented")
    }
}
