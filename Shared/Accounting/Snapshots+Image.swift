extension Snapshots {
    /// Rebuilds a history from its keys and values (``epochs``, ``values``), as the pushes that
    /// made it did: the result is `==` to the history they were read from.
    /// - Throws: `invalid_image` when the counts differ or the keys do not strictly increase
    ///   (a push at the latest key overwrites it, so a stored history never repeats a key).
    public init(defaultValue: UInt128, epochs: [UInt64], values: [UInt128]) throws(AccountingError) {
        guard epochs.count == values.count else { throw .invalidImage }
        for position in epochs.indices.dropFirst() where epochs[position - 1] >= epochs[position] {
            throw .invalidImage
        }
        self.init(defaultValue: defaultValue)
        for (epoch, value) in zip(epochs, values) { push(value, at: epoch) }
    }
}
