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
        let (high, low) = multiplyFullWidth(a, b)
        // The quotient fits in 128 bits exactly when the high word is below the divisor.
        guard high < divisor else { throw .overflow }
        return divideFullWidth(high, low, by: divisor).quotient
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

    /// `floor(a × b / divisor)` for a prepared divisor: multiplications, no hardware division.
    @inlinable
    public static func mulDivFloor(
        _ a: UInt128, _ b: UInt128, _ divisor: WordDivisor
    ) throws(AccountingError) -> UInt128 {
        try mulDivWithRemainder(a, b, divisor).quotient
    }

    /// `ceil(a × b / divisor)` for a prepared divisor: multiplications, no hardware division.
    @inlinable
    public static func mulDivCeil(
        _ a: UInt128, _ b: UInt128, _ divisor: WordDivisor
    ) throws(AccountingError) -> UInt128 {
        let (quotient, remainder) = try mulDivWithRemainder(a, b, divisor)
        if remainder == 0 { return quotient }
        guard quotient != .max else { throw .overflow }
        return quotient &+ 1
    }

    /// `a × b / divisor`, quotient and remainder, for a prepared divisor.
    @inlinable @inline(__always)
    static func mulDivWithRemainder(
        _ a: UInt128, _ b: UInt128, _ divisor: WordDivisor
    ) throws(AccountingError) -> (quotient: UInt128, remainder: UInt128) {
        let (high, low) = multiplyFullWidth(a, b)
        guard high < UInt128(divisor.value) else { throw .overflow }
        return divisor.divide(high: high, low: low)
    }

    /// `(a × b + addend) / divisor` as quotient and remainder, through the 256-bit value.
    /// Used where the remainder must be carried forward instead of lost (reward indexes).
    @inlinable @inline(__always)
    public static func mulDivWithRemainder(
        _ a: UInt128, _ b: UInt128, adding addend: UInt128, _ divisor: UInt128
    ) throws(AccountingError) -> (quotient: UInt128, remainder: UInt128) {
        guard divisor != 0 else { throw .divisionByZero }
        var (high, low) = multiplyFullWidth(a, b)
        let (sumLow, carried) = low.addingReportingOverflow(addend)
        low = sumLow
        if carried {
            // high < 2^128 - 1 always holds here: a × b ≤ (2^128 - 1)^2 leaves room for the carry.
            high += 1
        }
        guard high < divisor else { throw .overflow }
        return divideFullWidth(high, low, by: divisor)
    }

    /// `a × b` as 256 bits. A second factor below 2^64 (WAD factors, magnitudes, bips: most
    /// of them) takes two inlined 64-bit multiplications; the stdlib's generic `UInt128`
    /// `multipliedFullWidth` is an out-of-line call.
    @inlinable @inline(__always)
    public static func multiplyFullWidth(_ a: UInt128, _ b: UInt128) -> (high: UInt128, low: UInt128) {
        guard b &>> 64 == 0 else { return a.multipliedFullWidth(by: b) }
        let word = UInt128(UInt64(truncatingIfNeeded: b))
        let lowProduct = UInt128(UInt64(truncatingIfNeeded: a)) &* word
        let highProduct = (a &>> 64) &* word
        let (low, carried) = lowProduct.addingReportingOverflow(highProduct &<< 64)
        return ((highProduct &>> 64) &+ (carried ? 1 : 0), low)
    }

    /// `(high × 2^128 + low) / divisor`, quotient and remainder, for `high < divisor` (so the
    /// quotient fits): the stdlib's `dividingFullWidth` result, computed with hardware
    /// 128-by-64-bit divisions (Knuth's algorithm D in base 2^64): two quotient digits, or one
    /// when the quotient fits in 64 bits (amounts below ~18.4 ETH: most transfers, claims and
    /// per-report fees). Checked against the stdlib by the fixed-point property tests.
    @inlinable
    static func divideFullWidth(
        _ high: UInt128, _ low: UInt128, by divisor: UInt128
    ) -> (quotient: UInt128, remainder: UInt128) {
        assert(high < divisor, "the quotient must fit in 128 bits")
        let divisorHigh = UInt64(truncatingIfNeeded: divisor >> 64)
        if divisorHigh == 0 {
            // high < divisor < 2^64: two digits, each a hardware division that cannot overflow.
            let divisorLow = UInt64(truncatingIfNeeded: divisor)
            let middle = UInt64(truncatingIfNeeded: low >> 64)
            if high == 0 && middle < divisorLow {
                // The first quotient digit is zero: one division.
                let (quotient, remainder) = divisorLow.dividingFullWidth((middle, UInt64(truncatingIfNeeded: low)))
                return (UInt128(quotient), UInt128(remainder))
            }
            let (quotientHigh, remainderHigh) = divisorLow.dividingFullWidth(
                (UInt64(truncatingIfNeeded: high), middle))
            let (quotientLow, remainder) = divisorLow.dividingFullWidth(
                (remainderHigh, UInt64(truncatingIfNeeded: low)))
            return (UInt128(quotientHigh) << 64 | UInt128(quotientLow), UInt128(remainder))
        }
        // Normalize so the divisor's top bit is set; the shifted dividend still has its top
        // 128 bits below the shifted divisor.
        let shift = divisorHigh.leadingZeroBitCount
        let normalized = divisor << shift
        let top = shift == 0 ? high : (high << shift) | (low >> (128 - shift))
        let bottom = low << shift
        let digitHigh = UInt64(truncatingIfNeeded: normalized >> 64)
        let digitLow = UInt64(truncatingIfNeeded: normalized)
        let middle = top << 64 | bottom >> 64
        if top >> 64 == 0 && middle < normalized {
            // The first quotient digit is zero: one digit from the lower three.
            let (quotient, remainder) = divide3By2(
                UInt64(truncatingIfNeeded: middle >> 64), UInt64(truncatingIfNeeded: middle),
                UInt64(truncatingIfNeeded: bottom), digitHigh, digitLow)
            return (UInt128(quotient), remainder >> shift)
        }
        let (quotientHigh, partial) = divide3By2(
            UInt64(truncatingIfNeeded: top >> 64), UInt64(truncatingIfNeeded: top),
            UInt64(truncatingIfNeeded: bottom >> 64), digitHigh, digitLow)
        let (quotientLow, remainder) = divide3By2(
            UInt64(truncatingIfNeeded: partial >> 64), UInt64(truncatingIfNeeded: partial),
            UInt64(truncatingIfNeeded: bottom), digitHigh, digitLow)
        return (UInt128(quotientHigh) << 64 | UInt128(quotientLow), remainder >> shift)
    }

    /// One quotient digit: `(u2:u1:u0) / (v1:v0)` for a normalized divisor (top bit of `v1`
    /// set) and `(u2:u1) < (v1:v0)`. Knuth's estimate from the top digits is at most 2 too
    /// large; the test against `v0` is exact with a two-digit divisor, so no add-back is needed.
    @inlinable @inline(__always)
    static func divide3By2(
        _ u2: UInt64, _ u1: UInt64, _ u0: UInt64, _ v1: UInt64, _ v0: UInt64
    ) -> (quotient: UInt64, remainder: UInt128) {
        var estimate: UInt64
        var estimateRemainder: UInt64
        var remainderOverflowed = false
        if u2 >= v1 {
            // u2 == v1: the estimate is the largest digit; its remainder is u1 + v1.
            estimate = .max
            (estimateRemainder, remainderOverflowed) = u1.addingReportingOverflow(v1)
        } else {
            (estimate, estimateRemainder) = v1.dividingFullWidth((u2, u1))
        }
        // Lower the estimate while estimate × v0 > (remainder:u0); once the remainder passes
        // 2^64 the test cannot hold.
        while !remainderOverflowed {
            let product = estimate.multipliedFullWidth(by: v0)
            guard product.high > estimateRemainder || (product.high == estimateRemainder && product.low > u0)
            else { break }
            estimate -= 1
            (estimateRemainder, remainderOverflowed) = estimateRemainder.addingReportingOverflow(v1)
        }
        // The true remainder is below the divisor < 2^128, so arithmetic modulo 2^128 is exact.
        let remainder = (UInt128(estimateRemainder) << 64 | UInt128(u0)) &- UInt128(estimate) &* UInt128(v0)
        return (estimate, remainder)
    }

    /// `floor(x × y / 1e18)`.
    @inlinable
    public static func mulWadFloor(_ x: UInt128, _ y: UInt128) throws(AccountingError) -> UInt128 {
        try mulDivFloor(x, y, WordDivisor.wad)
    }

    /// `ceil(x × y / 1e18)`.
    @inlinable
    public static func mulWadCeil(_ x: UInt128, _ y: UInt128) throws(AccountingError) -> UInt128 {
        try mulDivCeil(x, y, WordDivisor.wad)
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
