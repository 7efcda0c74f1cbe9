/// Typed field access for command and event bodies. Every accessor throws `ContractError`
/// (`missing_field`, `wrong_type`, `invalid_amount`, `amount_out_of_range`) naming the field.
///
/// Conventions shared by all accessors:
/// - called on a value that is not an object: `wrong_type`;
/// - `optional…` accessors treat an absent key and an explicit `null` alike (→ `nil`);
/// - the required accessors treat `null` as the wrong type (`wrong_type`), an absent key as
///   `missing_field`.
extension JSON {
    public subscript(key: String) -> JSON? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    public func string(_ key: String) throws(ContractError) -> String {
        switch try field(key) {
        case .string(let value): return value
        case let other: throw FieldError.wrongType(key, expected: "a string", got: other)
        }
    }

    public func optionalString(_ key: String) throws(ContractError) -> String? {
        switch try optionalField(key) {
        case nil: return nil
        case .string(let value): return value
        case let other?: throw FieldError.wrongType(key, expected: "a string", got: other)
        }
    }

    public func bool(_ key: String) throws(ContractError) -> Bool {
        switch try field(key) {
        case .bool(let value): return value
        case let other: throw FieldError.wrongType(key, expected: "true or false", got: other)
        }
    }

    /// A JSON integer number in 0…UInt64.max (counts, seqs, epochs, limits).
    ///
    /// A number that is negative, has a fraction or an exponent, or exceeds UInt64.max is
    /// `invalid_argument`; any other JSON type (including a numeric string) is `wrong_type`.
    public func uint64(_ key: String) throws(ContractError) -> UInt64 {
        try FieldError.uint64(try field(key), field: key, invalid: .invalidArgument)
    }

    /// Like `uint64(_:)`, but an absent key or `null` gives `nil`.
    public func optionalUInt64(_ key: String) throws(ContractError) -> UInt64? {
        guard let value = try optionalField(key) else { return nil }
        return try FieldError.uint64(value, field: key, invalid: .invalidArgument)
    }

    /// An amount: a decimal string of base units, digits only, no sign, no leading zeros
    /// (except "0"), at most UInt128.max. A JSON number here is `wrong_type`.
    public func amount(_ key: String) throws(ContractError) -> UInt128 {
        switch try field(key) {
        case .string(let text): return try JSON.parseAmount(text, field: key)
        case let other:
            throw ContractError(
                .wrongType, "\(key) must be a decimal string of \(FieldError.unitName(of: key)), got \(other.typeName)")
        }
    }

    public func object(_ key: String) throws(ContractError) -> JSON {
        let value = try field(key)
        guard value.isObject else { throw FieldError.wrongType(key, expected: "an object", got: value) }
        return value
    }

    public func array(_ key: String) throws(ContractError) -> [JSON] {
        switch try field(key) {
        case .array(let elements): return elements
        case let other: throw FieldError.wrongType(key, expected: "an array", got: other)
        }
    }

    // MARK: Added API

    /// Like `amount(_:)`, but an absent key or `null` gives `nil`.
    public func optionalAmount(_ key: String) throws(ContractError) -> UInt128? {
        guard try optionalField(key) != nil else { return nil }
        return try amount(key)
    }

    /// Parses an amount string: digits only, no sign, no leading zeros (except "0"), at most
    /// UInt128.max. Throws `invalid_amount` or `amount_out_of_range` naming `field`.
    public static func parseAmount(_ text: String, field: String) throws(ContractError) -> UInt128 {
        var text = text
        let result: Result<UInt128, ContractError> = text.withUTF8 { utf8 in
            do throws(ContractError) {
                return .success(try FieldError.parseAmount(utf8, field: field))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Whether this value is an object.
    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// The JSON type of this value for messages: "an object", "a string", "a number", …
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: Internals

    func field(_ key: String) throws(ContractError) -> JSON {
        guard case .object(let object) = self else {
            throw ContractError(.wrongType, "cannot read \(key): expected an object, got \(typeName)")
        }
        guard let value = object[key] else {
            throw ContractError(.missingField, "missing field \(key)")
        }
        return value
    }

    func optionalField(_ key: String) throws(ContractError) -> JSON? {
        guard case .object(let object) = self else {
            throw ContractError(.wrongType, "cannot read \(key): expected an object, got \(typeName)")
        }
        guard let value = object[key], value != .null else { return nil }
        return value
    }
}

extension JSON {
    /// Builds an amount value: a decimal string of base units.
    public static func amount(_ value: UInt128) -> JSON { .string(String(value)) }
    /// Builds an integer number value.
    public static func int(_ value: some BinaryInteger) -> JSON { .number(String(value)) }
}

/// Field checks shared by the accessors and the envelope decoders.
enum FieldError {
    static func wrongType(_ field: String, expected: String, got value: JSON) -> ContractError {
        ContractError(.wrongType, "\(field) must be \(expected), got \(value.typeName)")
    }

    /// The unit named by a field's suffix (`amountWei` → "wei"), for messages.
    static func unitName(of field: String) -> String {
        let units: [(String, String)] = [
            ("Gwei", "gwei"), ("Wei", "wei"), ("Bips", "basis points"), ("Wad", "wad (1e18 fixed point)"),
            ("Shares", "shares"), ("E18", "1e18 fixed point"),
        ]
        for (suffix, name) in units where field.hasSuffix(suffix) { return name }
        return "base units"
    }

    static func uint64(_ value: JSON, field: String, invalid code: ErrorCode) throws(ContractError) -> UInt64 {
        guard case .number(var text) = value else {
            throw wrongType(field, expected: "an integer number", got: value)
        }
        let parsed: UInt64? = text.withUTF8 { utf8 in parseUInt64(utf8) }
        guard let parsed else {
            throw ContractError(code, "\(field) must be an integer in 0…\(UInt64.max), got \(text)")
        }
        return parsed
    }

    /// Parses a plain non-negative integer (JSON number text without sign, fraction or exponent).
    static func parseUInt64(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !utf8.isEmpty, utf8.count <= 20 else { return nil }
        if utf8.count > 1 && utf8[0] == UInt8(ascii: "0") { return nil }
        var value: UInt64 = 0
        for c in utf8 {
            let digit = c &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    static func parseAmount(_ utf8: UnsafeBufferPointer<UInt8>, field: String) throws(ContractError) -> UInt128 {
        func invalid(_ why: String) -> ContractError {
            ContractError(
                .invalidAmount,
                "\(field) must be a decimal string of \(unitName(of: field)) (digits only, no sign, no leading zeros), \(why)")
        }
        guard !utf8.isEmpty else { throw invalid("got an empty string") }
        for c in utf8 where c &- UInt8(ascii: "0") >= 10 {
            let shown = String(decoding: utf8.prefix(64), as: UTF8.self) + (utf8.count > 64 ? "…" : "")
            switch c {
            case UInt8(ascii: "-"), UInt8(ascii: "+"): throw invalid("got a sign in \"\(shown)\"")
            case UInt8(ascii: "."): throw invalid("got a decimal point in \"\(shown)\"")
            case UInt8(ascii: "e"), UInt8(ascii: "E"): throw invalid("got an exponent in \"\(shown)\"")
            default: throw invalid("got \"\(shown)\"")
            }
        }
        if utf8.count > 1 && utf8[0] == UInt8(ascii: "0") {
            throw invalid("got leading zeros in \"\(String(decoding: utf8.prefix(64), as: UTF8.self))\"")
        }
        var value: UInt128 = 0
        for c in utf8 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt128(c &- UInt8(ascii: "0")))
            if overflow1 || overflow2 {
                throw ContractError(
                    .amountOutOfRange,
                    "\(field) exceeds the largest amount \(UInt128.max) (\(utf8.count) digits)")
            }
            value = sum
        }
        return value
    }
}
