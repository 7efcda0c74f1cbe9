import Contracts

/// Domain error codes of the node-operator registry (docs/PROTOCOL.md §9.5). `unknown_pool` is
/// shared with the ledger and declared with its pools (`ErrorCode.unknownPool`, StethPool.swift).
extension ErrorCode {
    /// An operator of this name is already registered (in either pool: names are unique).
    public static let operatorExists = ErrorCode(rawValue: "operator_exists")
    /// No operator of this name is registered.
    public static let operatorNotFound = ErrorCode(rawValue: "operator_not_found")
    /// A reth commission outside 500 … 2000 bips, or any commission for a steth operator.
    public static let invalidCommission = ErrorCode(rawValue: "invalid_commission")
}
