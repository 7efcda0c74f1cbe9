/// Checks shared by the three envelope decoders. Each returns the field's value or throws a
/// `ContractError` whose message names the field and what was expected.
enum EnvelopeFields {
    static func object(_ value: JSON, what: String) throws(ContractError) -> [String: JSON] {
        guard case .object(let object) = value else {
            throw ContractError(.invalidEnvelope, "\(what) must be a JSON object, got \(value.typeName)")
        }
        return object
    }

    /// `v` is checked first so that a future version's other fields never cause a misleading
    /// error: missing → `missing_field`, not a number → `wrong_type`, any number other than the
    /// integer 1 → `unsupported_version`.
    static func version(_ value: JSON?) throws(ContractError) {
        guard let value else { throw ContractError(.missingField, "missing field v (schema version, must be \(schemaVersion))") }
        guard case .number(let text) = value else {
            throw FieldError.wrongType("v", expected: "the integer \(schemaVersion)", got: value)
        }
        guard text == "1" else {
            throw ContractError(.unsupportedVersion, "unsupported schema version v=\(text.prefix(32)), this side speaks v=\(schemaVersion)")
        }
    }

    static func string(_ value: JSON?, field: String) throws(ContractError) -> String {
        guard let value else { throw ContractError(.missingField, "missing field \(field)") }
        guard case .string(let text) = value else {
            throw FieldError.wrongType(field, expected: "a string", got: value)
        }
        return text
    }

    static func uint64(_ value: JSON?, field: String) throws(ContractError) -> UInt64 {
        guard let value else { throw ContractError(.missingField, "missing field \(field)") }
        return try FieldError.uint64(value, field: field, invalid: .invalidEnvelope)
    }

    static func bool(_ value: JSON?, field: String) throws(ContractError) -> Bool {
        guard let value else { throw ContractError(.missingField, "missing field \(field)") }
        guard case .bool(let flag) = value else {
            throw FieldError.wrongType(field, expected: "true or false", got: value)
        }
        return flag
    }

    static func body(_ value: JSON?, field: String, default defaultValue: JSON?) throws(ContractError) -> JSON {
        guard let value else {
            if let defaultValue { return defaultValue }
            throw ContractError(.missingField, "missing field \(field)")
        }
        guard value.isObject else { throw FieldError.wrongType(field, expected: "an object", got: value) }
        return value
    }

    // MARK: Value checks

    static func shown(_ text: String) -> String {
        text.utf8.count <= 64 ? "\"\(text)\"" : "\"\(text.prefix(32))…\" (\(text.utf8.count) bytes)"
    }

    /// A reply's id only has a length limit: it echoes whatever the command carried.
    static func checkReplyID(_ id: String) throws(ContractError) {
        if id.utf8.count > EnvelopeLimits.idLengthMax {
            throw ContractError(
                .invalidEnvelope, "id must be at most \(EnvelopeLimits.idLengthMax) bytes, got \(shown(id))")
        }
    }

    static func checkID(_ id: String) throws(ContractError) {
        var id = id
        let ok = id.withUTF8 { utf8 in
            guard utf8.count <= EnvelopeLimits.idLengthMax, !utf8.isEmpty else { return false }
            for c in utf8 {
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: ":"), UInt8(ascii: "-"):
                    continue
                default: return false
                }
            }
            return true
        }
        if !ok {
            throw ContractError(
                .invalidEnvelope,
                "id must be 1…\(EnvelopeLimits.idLengthMax) characters of [A-Za-z0-9._:-], got \(shown(id))")
        }
    }

    /// `[a-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*`, 1…128 bytes.
    static func checkType(_ type: String) throws(ContractError) {
        var type = type
        let ok = type.withUTF8 { utf8 in
            guard let first = utf8.first, utf8.count <= EnvelopeLimits.typeLengthMax,
                first &- UInt8(ascii: "a") < 26, utf8.last != UInt8(ascii: ".")
            else { return false }
            var previous: UInt8 = first
            for c in utf8.dropFirst() {
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                    break
                case UInt8(ascii: "."):
                    if previous == UInt8(ascii: ".") { return false }
                default: return false
                }
                previous = c
            }
            return true
        }
        if !ok {
            throw ContractError(
                .invalidEnvelope,
                "type must be 1…\(EnvelopeLimits.typeLengthMax) characters like \"ledger.stake\" ([a-z] first, then dot-separated [A-Za-z0-9_]+), got \(shown(type))")
        }
    }

    static func checkActor(_ actor: String) throws(ContractError) {
        let length = actor.utf8.count
        if length == 0 || length > EnvelopeLimits.actorLengthMax {
            throw ContractError(
                .invalidEnvelope, "actor must be 1…\(EnvelopeLimits.actorLengthMax) bytes, got \(shown(actor))")
        }
    }

    static func checkSource(_ source: String) throws(ContractError) {
        let utf8 = source.utf8
        if utf8.isEmpty || utf8.count > EnvelopeLimits.sourceLengthMax || !utf8.allSatisfy({ $0 &- UInt8(ascii: "a") < 26 }) {
            throw ContractError(
                .invalidEnvelope,
                "source must be 1…\(EnvelopeLimits.sourceLengthMax) lowercase letters [a-z], got \(shown(source))")
        }
    }

    static func checkSeq(_ seq: UInt64) throws(ContractError) {
        if seq == 0 { throw ContractError(.invalidEnvelope, "seq must be at least 1, got 0") }
    }

    static func checkErrorCode(_ code: String) throws(ContractError) {
        let utf8 = code.utf8
        let ok =
            !utf8.isEmpty && utf8.count <= EnvelopeLimits.errorCodeLengthMax
            && utf8.first! &- UInt8(ascii: "a") < 26
            && utf8.allSatisfy { $0 &- UInt8(ascii: "a") < 26 || $0 &- UInt8(ascii: "0") < 10 || $0 == UInt8(ascii: "_") }
        if !ok {
            throw ContractError(
                .invalidEnvelope,
                "error.code must be 1…\(EnvelopeLimits.errorCodeLengthMax) characters of snake_case [a-z][a-z0-9_]*, got \(shown(code))")
        }
    }
}
