/// A Bloom filter over processed command ids: "certainly new" needs no journal read, "maybe
/// seen" does. Most commands are new, so the journal is read only for retries and for the rare
/// false positive (about 1 % at capacity, with 10 bits and 7 probes per id).
///
/// Fixed memory for a capacity; past it the owner rebuilds it twice as large
/// (`needsGrowth`), from the journal.
public struct CommandIDFilter: Sendable {
    public private(set) var capacity: Int
    public private(set) var count = 0
    private var words: [UInt64]
    private static let bitsPerID = 10
    private static let probes = 7

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        let bits = max(64, capacity * Self.bitsPerID)
        words = [UInt64](repeating: 0, count: (bits + 63) / 64)
    }

    public var needsGrowth: Bool { count > capacity }

    public mutating func insert(_ id: String) {
        let (first, second) = Self.hashes(id)
        let bitCount = UInt64(words.count * 64)
        for probe in 0..<UInt64(Self.probes) {
            let bit = (first &+ probe &* second) % bitCount
            words[Int(bit / 64)] |= 1 << (bit % 64)
        }
        count += 1
    }

    /// False only if `id` was certainly never inserted.
    public func mayContain(_ id: String) -> Bool {
        let (first, second) = Self.hashes(id)
        let bitCount = UInt64(words.count * 64)
        for probe in 0..<UInt64(Self.probes) {
            let bit = (first &+ probe &* second) % bitCount
            if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
        }
        return true
    }

    /// Two independent hashes; double hashing derives the probes (an odd step visits every bit).
    private static func hashes(_ id: String) -> (UInt64, UInt64) {
        let (first, second) = Fingerprint.hashPair(id.utf8)
        return (first, second | 1)
    }
}
