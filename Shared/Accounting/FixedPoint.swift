/// Fixed-point arithmetic on base-unit integers: every product goes through the full-width
/// 256-bit intermediate, every function names its rounding direction, and overflow or a zero
/// divisor is a thrown ``AccountingError``, never a trap and never a wrap.
///
/// Scales: ``wad`` = 1e18 (factors and magnitudes), ``bipsDenominator`` = 1e4 (splits and
/// fees), ``e27`` = 1e27 (Lido share rates: ether per share × 1e27).
public enum FixedPoint {
    /// 1e18: the scale of magnitudes, slashing factors and scaling factors.
    public static let wad: UInt128 = 1_000_000_000_000_000_000
    /// 10 000 bips = 100 %.
    public static let bipsDenominator: UInt128 = 10_000
    /// 1e27: the scale of Lido share rates (wei per share × 1e27).
    public static let e27: UInt128 = 1_000_000_000_000_000_000_000_000_000
    /// 1e18 wei = 1 ETH.
    public static let weiPerEther: UInt128 = 1_000_000_000_000_000_000
    /// 1e9 wei = 1 gwei.
    public static let weiPerGwei: UInt128 = 1_000_000_000

    /// `floor(a × b / divisor)` through the 256-bit product.
    @inlinable
    public static func mulDivFloor(
        _ a: UInt128, _ b: UInt128, _ divisor: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard divisor != 0 else { throw .divisionByZero }
        let (high, low) = a.multipliedFullWidth(by: b)
        if high == 0 { return low / divisor }
        // The quotient fits in 128 bits exactly when the high word is below the divisor.
        guard high < divisor else { throw .overflow }
        return divisor.dividingFullWidth((high, low)).quotient
    }

    /// `ceil(a × b / divisor)` through the 256-bit product.
    @inlinable
    public static func mulDivCeil(
        _ a: UInt128, _ b: UInt128, _ divisor: UInt128
    ) throws(AccountingError) -> UInt128 {
        let (quotient, remainder) = try mulDivWithRemainder(a, b, adding: 0, divisor)
        if remainder == 0 { return quotient }
        guard quotient != .max else { throw .overflow }
        return quotient + 1
    }

    /// `(a × b + addend) / divisor` as quotient and remainder, through the 256-bit value.
    /// Used where the remainder must be carried forward instead of lost (reward indexes).
    @inlinable
    public static func mulDivWithRemainder(
        _ a: UInt128, _ b: UInt128, adding addend: UInt128, _ divisor: UInt128
    ) throws(AccountingError) -> (quotient: UInt128, remainder: UInt128) {
        guard divisor != 0 else { throw .divisionByZero }
        var (high, low) = a.multipliedFullWidth(by: b)
        let (sumLow, carried) = low.addingReportingOverflow(addend)
        low = sumLow
        if carried {
            // high < 2^128 - 1 always holds here: a × b ≤ (2^128 - 1)^2 leaves room for the carry.
            high += 1
        }
        if high == 0 { return (low / divisor, low % divisor) }
        guard high < divisor else { throw .overflow }
        return divisor.dividingFullWidth((high, low))
    }

    /// `floor(x × y / 1e18)`.
    @inlinable
    public static func mulWadFloor(_ x: UInt128, _ y: UInt128) throws(AccountingError) -> UInt128 {
        try mulDivFloor(x, y, wad)
    }

    /// `ceil(x × y / 1e18)`.
    @inlinable
    public static func mulWadCeil(_ x: UInt128, _ y: UInt128) throws(AccountingError) -> UInt128 {
        try mulDivCeil(x, y, wad)
    }

    /// `floor(x × 1e18 / y)`.
    @inlinable
    public static func divWadFloor(_ x: UInt128, _ y: UInt128) throws(AccountingError) -> UInt128 {
        try mulDivFloor(x, wad, y)
    }

    /// `ceil(x / y)`.
    @inlinable
    public static func divCeil(_ x: UInt128, _ y: UInt128) throws(AccountingError) -> UInt128 {
        guard y != 0 else { throw .divisionByZero }
        let quotient = x / y
        return x % y == 0 ? quotient : quotient + 1
    }

    /// `a + b`, or ``AccountingError/overflow``.
    @inlinable
    public static func add(_ a: UInt128, _ b: UInt128) throws(AccountingError) -> UInt128 {
        let (sum, overflowed) = a.addingReportingOverflow(b)
        guard !overflowed else { throw .overflow }
        return sum
    }

    /// `a × b`, or ``AccountingError/overflow``.
    @inlinable
    public static func multiply(_ a: UInt128, _ b: UInt128) throws(AccountingError) -> UInt128 {
        let (product, overflowed) = a.multipliedReportingOverflow(by: b)
        guard !overflowed else { throw .overflow }
        return product
    }

    /// `a - b` when `b ≤ a`; otherwise ``AccountingError/insufficientBalance(available:required:)``.
    @inlinable
    public static func subtract(_ a: UInt128, _ b: UInt128) throws(AccountingError) -> UInt128 {
        guard b <= a else { throw .insufficientBalance(available: a, required: b) }
        return a - b
    }

    /// Checks that `bips` is a proportion: 0...10 000.
    @inlinable
    public static func validateBips(_ bips: UInt128) throws(AccountingError) {
        guard bips <= bipsDenominator else { throw .invalidBips(bips) }
    }

    /// The consensus spec's `integer_squareroot`: Newton's method, floor, exact for every
    /// `UInt64` (the spec's special case for `2^64 - 1` included).
    @inlinable
    public static func integerSquareRoot(_ n: UInt64) -> UInt64 {
        if n == .max { return 4_294_967_295 }
        var x = n
        var y = (x + 1) / 2
        while y < x {
            x = y
            y = (x + n / x) / 2
        }
        return x
    }
}
