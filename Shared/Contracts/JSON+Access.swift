/// Typed field access for command and event bodies. Every accessor throws `ContractError`
/// (`missing_field`, `wrong_type`, `invalid_amount`, `amount_out_of_range`) naming the field.
extension JSON {
    public subscript(key: String) -> JSON? { fatalError("unimplemented") }
    public func string(_ key: String) throws(ContractError) -> String { fatalError("unimplemented") }
    public func optionalString(_ key: String) throws(ContractError) -> String? { fatalError("unimplemented") }
    public func bool(_ key: String) throws(ContractError) -> Bool { fatalError("unimplemented") }
    /// A JSON integer number in 0…UInt64.max (counts, seqs, epochs, limits).
    public func uint64(_ key: String) throws(ContractError) -> UInt64 { fatalError("unimplemented") }
    public func optionalUInt64(_ key: String) throws(ContractError) -> UInt64? { fatalError("unimplemented") }
    /// An amount: a decimal string of base units, digits only, no sign, no leading zeros
    /// (except "0"), at most UInt128.max. A JSON number here is `wrong_type`.
    public func amount(_ key: String) throws(ContractError) -> UInt128 { fatalError("unimplemented") }
    public func object(_ key: String) throws(ContractError) -> JSON { fatalError("unimplemented") }
    public func array(_ key: String) throws(ContractError) -> [JSON] { fatalError("unimplemented") }
}

extension JSON {
    /// Builds an amount value: a decimal string of base units.
    public static func amount(_ value: UInt128) -> JSON { .string(String(value)) }
    /// Builds an integer number value.
    public static func int(_ value: some BinaryInteger) -> JSON { .number(String(value)) }
}
