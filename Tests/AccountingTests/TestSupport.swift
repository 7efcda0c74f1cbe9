import Accounting

/// 1 ETH in wei.
let ether: UInt128 = 1_000_000_000_000_000_000
let wad: UInt128 = FixedPoint.wad
let gwei: UInt64 = 1_000_000_000

/// A pool with `totalShares` shares, all given to `holder` except `deadShares`, and
/// `pooledEtherWei` ether: the state the reference vectors start from.
func makePool(
    pooledEtherWei: UInt128, totalShares: UInt128, holder: HolderID = "alice", deadShares: UInt128 = 0
) throws -> SharePool {
    var pool = try SharePool(bootstrapWei: totalShares, depositMinimumWei: 1)
    if pooledEtherWei != totalShares { try pool.rebase(toPooledEtherWei: pooledEtherWei) }
    if totalShares > deadShares {
        try pool.transferShares(totalShares - deadShares, from: SharePool.deadHolder, to: holder)
    }
    return pool
}

/// Compares `a₁/b₁ ≥ a₀/b₀` exactly, through full-width products.
func ratioNotBelow(_ a1: UInt128, _ b1: UInt128, _ a0: UInt128, _ b0: UInt128) -> Bool {
    let left = a1.multipliedFullWidth(by: b0)
    let right = a0.multipliedFullWidth(by: b1)
    return left.high > right.high || (left.high == right.high && left.low >= right.low)
}

/// Expects `body` to throw exactly `expected`.
func expectError<T>(
    _ expected: AccountingError, _ body: () throws(AccountingError) -> T
) -> Bool {
    do {
        _ = try body()
        return false
    } catch {
        return error == expected
    }
}

/// A small deterministic generator for property tests: each property's random input is a list
/// of 64-bit words; `WordReader` turns them into operation choices and amounts.
struct WordReader {
    private var words: [UInt64]
    private var position = 0
    init(_ words: [UInt64]) { self.words = words }

    var isAtEnd: Bool { position >= words.count }

    mutating func next() -> UInt64 {
        defer { position += 1 }
        return position < words.count ? words[position] : 0x9E37_79B9_7F4A_7C15 &* UInt64(position + 1)
    }

    /// A value in `0..<bound`.
    mutating func below(_ bound: UInt64) -> UInt64 { bound == 0 ? 0 : next() % bound }

    /// A wei amount spread over many orders of magnitude up to `maxWei`.
    mutating func amount(upTo maxWei: UInt128) -> UInt128 {
        let word = next()
        let magnitude = UInt128(word >> 58)  // 0...63
        let scaled = UInt128(word & 0x03FF_FFFF_FFFF_FFFF) * (UInt128(1) << (magnitude % 40))
        return maxWei == 0 ? 0 : scaled % maxWei + 1
    }
}
