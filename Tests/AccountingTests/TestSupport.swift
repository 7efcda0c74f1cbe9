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

/// The random operation stream of a property test: SplitMix64 seeded by the property's input,
/// for `steps` operations. The failing seed and step count are what PropertyBased reports.
struct WordReader {
    private var state: UInt64
    private var remainingSteps: Int

    init(seed: UInt64, steps: Int) {
        state = seed
        remainingSteps = steps
    }

    /// True once `steps` operations were started with ``nextStep()``.
    mutating func nextStep() -> Bool {
        remainingSteps -= 1
        return remainingSteps >= 0
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`.
    mutating func below(_ bound: UInt64) -> UInt64 { bound == 0 ? 0 : next() % bound }

    /// An amount in `1...maxWei`, spread over many orders of magnitude and biased to edges:
    /// one in eight is exactly `maxWei` (for example a whole balance).
    mutating func amount(upTo maxWei: UInt128) -> UInt128 {
        guard maxWei > 0 else { return 0 }
        if below(8) == 0 { return maxWei }
        let word = next()
        let shift = word >> 58  // 0...63
        let scaled = UInt128(word & 0x03FF_FFFF_FFFF_FFFF) << (shift % 72)
        return scaled % maxWei + 1
    }
}
