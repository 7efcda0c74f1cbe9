/// Parses and writes JSON without Foundation.
public enum JSONCodec {
    /// Largest message accepted on the wire, in bytes.
    public static let messageBytesMax = 1 << 20

    /// Deepest nesting of arrays and objects accepted by the parser. The top-level object or
    /// array is level 1; a document nested deeper fails with `malformed_json`. Bounds the
    /// parser's recursion (stack) on hostile input.
    public static let nestingDepthMax = 64

    /// Parses one JSON document. Throws `ContractError` with code `message_too_large`
    /// or `malformed_json`; never traps on any input.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ContractError) -> JSON {
        try withBytes(bytes) { (buffer) throws(ContractError) in try parse(buffer) }
    }

    /// Parses one JSON document from a byte array (fast path, no copy).
    public static func parse(_ bytes: [UInt8]) throws(ContractError) -> JSON {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ContractError) in try parse(buffer) }
    }

    /// Parses one JSON document from raw memory, e.g. a ZeroMQ frame, without copying.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ContractError) -> JSON {
        try parse(bytes.assumingMemoryBound(to: UInt8.self))
    }

    /// Parses one JSON document from a buffer of bytes, without copying.
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(ContractError) -> JSON {
        try checkSize(buffer.count)
        var parser = JSONParser(buffer)
        return try parser.parseDocument()
    }

    /// Writes compact JSON with object keys sorted.
    ///
    /// Output: no whitespace; object keys in ascending order of their UTF-8 bytes (Unicode code
    /// point order); in strings `"` and `\` are backslash-escaped and every control character
    /// U+0000…U+001F is written as `\u00xx` (lowercase hex); all other characters as raw UTF-8.
    /// Numbers are written as their text, which must follow the JSON number grammar (a
    /// `.number` with any other text is a programmer error and traps).
    public static func serialize(_ value: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.finish()
    }

    // MARK: Helpers

    static func checkSize(_ count: Int) throws(ContractError) {
        if count > messageBytesMax {
            throw ContractError(
                .messageTooLarge, "message of \(count) bytes exceeds the limit of \(messageBytesMax) bytes")
        }
    }

    /// Runs `body` over the bytes as one contiguous buffer, copying only when the collection
    /// has no contiguous storage. Oversize input is rejected before any copy.
    static func withBytes<Result>(
        _ bytes: some Collection<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) throws(ContractError) -> Result
    ) throws(ContractError) -> Result {
        let outcome: Swift.Result<Result, ContractError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(ContractError) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        if let outcome { return try outcome.get() }
        // Count lazily-sized collections without walking more than the limit allows.
        var count = 0
        for _ in bytes {
            count += 1
            if count > messageBytesMax { try checkSize(bytes.count) }
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { (buffer) throws(ContractError) in try body(buffer) }
    }

    /// Whether `text` is a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isValidNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !text.isEmpty else { return false }
        var parser = JSONParser(text)
        do throws(ContractError) {
            try parser.scanNumber()
        } catch {
            return false
        }
        return parser.index == text.count
    }

    /// Whether `text` is a JSON number (see `isValidNumber(_:)` on bytes).
    public static func isValidNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValidNumber($0) }
    }
}
