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

    public func string(_ key: String) throws(ContractError) -> String { try string(key, label: key) }
    public func optionalString(_ key: String) throws(ContractError) -> String? { try optionalString(key, label: key) }
    public func bool(_ key: String) throws(ContractError) -> Bool { try bool(key, label: key) }
    /// A JSON integer number in 0…UInt64.max (counts, seqs, epochs, limits).
    ///
    /// A number that is negative, has a fraction or an exponent, or exceeds UInt64.max is
    /// `invalid_argument`; any other JSON type (including a numeric string) is `wrong_type`.
    public func uint64(_ key: String) throws(ContractError) -> UInt64 { try uint64(key, label: key) }
    /// Like `uint64(_:)`, but an absent key or `null` gives `nil`.
    public func optionalUInt64(_ key: String) throws(ContractError) -> UInt64? { try optionalUInt64(key, label: key) }
    /// An amount: a decimal string of base units, digits only, no sign, no leading zeros
    /// (except "0"), at most UInt128.max. A JSON number here is `wrong_type`.
    public func amount(_ key: String) throws(ContractError) -> UInt128 { try amount(key, label: key) }
    public func object(_ key: String) throws(ContractError) -> JSON { try object(key, label: key) }
    public func array(_ key: String) throws(ContractError) -> [JSON] { try array(key, label: key) }

    // MARK: Added API

    /// Like `amount(_:)`, but an absent key or `null` gives `nil`.
    public func optionalAmount(_ key: String) throws(ContractError) -> UInt128? { try optionalAmount(key, label: key) }

    /// The same accessors, with error messages that name fields by their full path:
    /// `json.fields(at: "body").amount("amountWei")` reports `body.amountWei must be …`.
    public func fields(at path: String) -> Fields { Fields(value: self, path: path) }

    /// An object being read, with the path its error messages use (`body`, `body.stake`, …).
    public struct Fields: Sendable, Hashable {
        public var value: JSON
        public var path: String

        public init(value: JSON, path: String) {
            self.value = value
            self.path = path
        }

        func label(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

        public subscript(key: String) -> JSON? { value[key] }
        public func string(_ key: String) throws(ContractError) -> String { try value.string(key, label: label(key)) }
        public func optionalString(_ key: String) throws(ContractError) -> String? {
            try value.optionalString(key, label: label(key))
        }
        public func bool(_ key: String) throws(ContractError) -> Bool { try value.bool(key, label: label(key)) }
        public func uint64(_ key: String) throws(ContractError) -> UInt64 { try value.uint64(key, label: label(key)) }
        public func optionalUInt64(_ key: String) throws(ContractError) -> UInt64? {
            try value.optionalUInt64(key, label: label(key))
        }
        public func amount(_ key: String) throws(ContractError) -> UInt128 { try value.amount(key, label: label(key)) }
        public func optionalAmount(_ key: String) throws(ContractError) -> UInt128? {
            try value.optionalAmount(key, label: label(key))
        }
        /// A nested object, read with the path extended by `key`.
        public func object(_ key: String) throws(ContractError) -> Fields {
            Fields(value: try value.object(key, label: label(key)), path: label(key))
        }
        public func array(_ key: String) throws(ContractError) -> [JSON] { try value.array(key, label: label(key)) }
    }

    // MARK: Implementations (`label` is the field's name in messages)

    func string(_ key: String, label: String) throws(ContractError) -> String {
        switch try field(key, label: label) {
        case .string(let value): return value
        case let other: throw FieldError.wrongType(label, expected: "a string", got: other)
        }
    }

    func optionalString(_ key: String, label: String) throws(ContractError) -> String? {
        switch try optionalField(key, label: label) {
        case nil: return nil
        case .string(let value): return value
        case let other?: throw FieldError.wrongType(label, expected: "a string", got: other)
        }
    }

    func bool(_ key: String, label: String) throws(ContractError) -> Bool {
        switch try field(key, label: label) {
        case .bool(let value): return value
        case let other: throw FieldError.wrongType(label, expected: "true or false", got: other)
        }
    }

    func uint64(_ key: String, label: String) throws(ContractError) -> UInt64 {
        try FieldError.uint64(try field(key, label: label), field: label, invalid: .invalidArgument)
    }

    func optionalUInt64(_ key: String, label: String) throws(ContractError) -> UInt64? {
        guard let value = try optionalField(key, label: label) else { return nil }
        return try FieldError.uint64(value, field: label, invalid: .invalidArgument)
    }

    func amount(_ key: String, label: String) throws(ContractError) -> UInt128 {
        switch try field(key, label: label) {
        case .string(let text): return try JSON.parseAmount(text, field: label, unitFrom: key)
        case let other:
            throw ContractError(
                .wrongType, "\(label) must be a decimal string of \(FieldError.unitName(of: key)), got \(other.typeName)")
        }
    }

    func optionalAmount(_ key: String, label: String) throws(ContractError) -> UInt128? {
        guard try optionalField(key, label: label) != nil else { return nil }
        return try amount(key, label: label)
    }

    func object(_ key: String, label: String) throws(ContractError) -> JSON {
        let value = try field(key, label: label)
        guard value.isObject else { throw FieldError.wrongType(label, expected: "an object", got: value) }
        return value
    }

    func array(_ key: String, label: String) throws(ContractError) -> [JSON] {
        switch try field(key, label: label) {
        case .array(let elements): return elements
        case let other: throw FieldError.wrongType(label, expected: "an array", got: other)
        }
    }

    /// Parses an amount string: digits only, no sign, no leading zeros (except "0"), at most
    /// UInt128.max. Throws `invalid_amount` or `amount_out_of_range` naming `field`.
    public static func parseAmount(_ text: String, field: String) throws(ContractError) -> UInt128 {
        try parseAmount(text, field: field, unitFrom: field)
    }

    static func parseAmount(_ text: String, field: String, unitFrom key: String) throws(ContractError) -> UInt128 {
        var text = text
        let result: Result<UInt128, ContractError> = text.withUTF8 { utf8 in
            do throws(ContractError) {
                return .success(try FieldError.parseAmount(utf8, field: field, unit: FieldError.unitName(of: key)))
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

    func field(_ key: String, label: String) throws(ContractError) -> JSON {
        guard case .object(let object) = self else {
            throw ContractError(.wrongType, "cannot read \(label): expected an object, got \(typeName)")
        }
        guard let value = object[key] else {
            throw ContractError(.missingField, "missing field \(label)")
        }
        return value
    }

    func optionalField(_ key: String, label: String) throws(ContractError) -> JSON? {
        guard case .object(let object) = self else {
            throw ContractError(.wrongType, "cannot read \(label): expected an object, got \(typeName)")
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
            ("Shares", "shares"), ("E18", "1e-18 units"),
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

    static func parseAmount(_ utf8: UnsafeBufferPointer<UInt8>, field: String, unit: String) throws(ContractError) -> UInt128 {
        func invalid(_ why: String) -> ContractError {
            ContractError(
                .invalidAmount,
                "\(field) must be a decimal string of \(unit) (digits only, no sign, no leading zeros), \(why)")
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
