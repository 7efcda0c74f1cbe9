/// A stable, snake_case error code carried in error replies (DESIGN.md §4).
/// Codes are only ever added, never renamed or reused. docs/PROTOCOL.md lists them all.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // Transport and envelope.
    public static let malformedJSON = ErrorCode(rawValue: "malformed_json")
    public static let messageTooLarge = ErrorCode(rawValue: "message_too_large")
    public static let invalidEnvelope = ErrorCode(rawValue: "invalid_envelope")
    public static let unsupportedVersion = ErrorCode(rawValue: "unsupported_version")
    public static let missingField = ErrorCode(rawValue: "missing_field")
    public static let wrongType = ErrorCode(rawValue: "wrong_type")
    public static let invalidAmount = ErrorCode(rawValue: "invalid_amount")
    public static let amountOutOfRange = ErrorCode(rawValue: "amount_out_of_range")
    public static let invalidArgument = ErrorCode(rawValue: "invalid_argument")
    public static let unknownCommand = ErrorCode(rawValue: "unknown_command")
    // Authority and idempotency.
    public static let unauthorized = ErrorCode(rawValue: "unauthorized")
    public static let idReused = ErrorCode(rawValue: "id_reused")
    // Service state.
    public static let notFound = ErrorCode(rawValue: "not_found")
    public static let unavailable = ErrorCode(rawValue: "unavailable")
    public static let timeout = ErrorCode(rawValue: "timeout")
    public static let overloaded = ErrorCode(rawValue: "overloaded")
    public static let internalError = ErrorCode(rawValue: "internal")
}

/// An error a person can act on: a stable code plus a message.
public struct ContractError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code.rawValue): \(message)" }
}
