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

    /// `(a × b + addend) / divisor` as quotient and remainder, through the 256-bit value.
    /// Used where the remainder must be carried forward instead of lost (reward indexes).
    @inlinable
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

    /// `(high × 2^128 + low) / divisor`, quotient and remainder, for `high < divisor` (so the
    /// quotient fits): the stdlib's `dividingFullWidth` result, computed with 64-bit digits
    /// (Knuth's algorithm D in base 2^64, two quotient digits). Each digit is a 128-by-64-bit
    /// division by a precomputed reciprocal (Möller & Granlund, "Improved division by invariant
    /// integers", 2011: two multiplications and an exact correction), so a whole division costs
    /// one hardware division (the reciprocal) instead of two, and none for WAD, whose reciprocal
    /// is a constant. A divisor below 2^64 whose quotient fits in 64 bits takes one hardware
    /// division. Checked against the stdlib by the fixed-point tests at every operand width.
    @inlinable
    static func divideFullWidth(
        _ high: UInt128, _ low: UInt128, by divisor: UInt128
    ) -> (quotient: UInt128, remainder: UInt128) {
        assert(high < divisor, "the quotient must fit in 128 bits")
        let divisorHigh = UInt64(truncatingIfNeeded: divisor >> 64)
        if divisorHigh == 0 {
            let divisorLow = UInt64(truncatingIfNeeded: divisor)
            let lowHigh = UInt64(truncatingIfNeeded: low >> 64)
            let lowLow = UInt64(truncatingIfNeeded: low)
            if divisorLow == wadNormalized >> wadShift {
                // WAD: no hardware division at all.
                return divideBelow2To64(
                    UInt64(truncatingIfNeeded: high), lowHigh, lowLow, normalized: wadNormalized, shift: wadShift,
                    reciprocal: wadReciprocal)
            }
            if high == 0 && lowHigh < divisorLow {
                // The dividend is below divisor × 2^64, so the quotient fits in 64 bits: the
                // first digit is 0 with remainder `lowHigh`, and one hardware division is the
                // whole result.
                let (quotient, remainder) = divisorLow.dividingFullWidth((lowHigh, lowLow))
                return (UInt128(quotient), UInt128(remainder))
            }
            // high < divisor < 2^64: two digits by one reciprocal.
            let shift = divisorLow.leadingZeroBitCount
            let normalized = divisorLow &<< shift
            return divideBelow2To64(
                UInt64(truncatingIfNeeded: high), lowHigh, lowLow, normalized: normalized, shift: shift,
                reciprocal: reciprocal(normalized))
        }
        // Normalize so the divisor's top bit is set; the shifted dividend still has its top
        // 128 bits below the shifted divisor.
        let shift = divisorHigh.leadingZeroBitCount
        let normalized = divisor << shift
        let top = shift == 0 ? high : (high << shift) | (low >> (128 - shift))
        let bottom = low << shift
        let digitHigh = UInt64(truncatingIfNeeded: normalized >> 64)
        let digitLow = UInt64(truncatingIfNeeded: normalized)
        let digitHighReciprocal = reciprocal(digitHigh)
        let (quotientHigh, partial) = divide3By2(
            UInt64(truncatingIfNeeded: top >> 64), UInt64(truncatingIfNeeded: top),
            UInt64(truncatingIfNeeded: bottom >> 64), digitHigh, digitLow, digitHighReciprocal)
        let (quotientLow, remainder) = divide3By2(
            UInt64(truncatingIfNeeded: partial >> 64), UInt64(truncatingIfNeeded: partial),
            UInt64(truncatingIfNeeded: bottom), digitHigh, digitLow, digitHighReciprocal)
        return (UInt128(quotientHigh) << 64 | UInt128(quotientLow), remainder >> shift)
    }

    /// WAD shifted so its top bit is set, the shift, and its reciprocal
    /// `floor((2^128 − 1) / wadNormalized) − 2^64`.
    @usableFromInline static let wadShift = 4
    @usableFromInline static let wadNormalized: UInt64 = 0xDE0B_6B3A_7640_0000
    @usableFromInline static let wadReciprocal: UInt64 = 0x2725_DD1D_243A_BA0E

    /// `floor((2^128 − 1) / d) − 2^64` for a normalized `d` (top bit set): one hardware division.
    @inlinable @inline(__always)
    static func reciprocal(_ normalized: UInt64) -> UInt64 {
        // ~d < 2^63 ≤ d, so the quotient fits in 64 bits.
        normalized.dividingFullWidth((~normalized, .max)).quotient
    }

    /// `(u1 × 2^64 + u0) / d` for a normalized `d` and `u1 < d`, by its reciprocal `v`
    /// (Möller & Granlund 2011, algorithm 4): exactly `d.dividingFullWidth((u1, u0))`.
    @inlinable @inline(__always)
    static func divide2By1(
        _ u1: UInt64, _ u0: UInt64, _ d: UInt64, _ v: UInt64
    ) -> (quotient: UInt64, remainder: UInt64) {
        let product = v.multipliedFullWidth(by: u1)
        let (estimateLow, carry) = product.low.addingReportingOverflow(u0)
        var quotient = product.high &+ u1 &+ (carry ? 2 : 1)
        var remainder = u0 &- quotient &* d
        if remainder > estimateLow {
            quotient &-= 1
            remainder &+= d
        }
        if remainder >= d {
            quotient &+= 1
            remainder &-= d
        }
        return (quotient, remainder)
    }

    /// `(u2 × 2^128 + u1 × 2^64 + u0) / d` for `u2 < d < 2^64`, with `d << shift` normalized and
    /// `reciprocal` its reciprocal: two digits, no hardware division.
    @inlinable @inline(__always)
    static func divideBelow2To64(
        _ u2: UInt64, _ u1: UInt64, _ u0: UInt64, normalized: UInt64, shift: Int, reciprocal: UInt64
    ) -> (quotient: UInt128, remainder: UInt128) {
        // Shift the 192-bit dividend with the divisor; its top digit stays below the divisor.
        let top = shift == 0 ? u2 : u2 &<< shift | u1 &>> (64 - shift)
        let middle = shift == 0 ? u1 : u1 &<< shift | u0 &>> (64 - shift)
        let bottom = u0 &<< shift
        let (quotientHigh, remainderHigh) = divide2By1(top, middle, normalized, reciprocal)
        let (quotientLow, remainder) = divide2By1(remainderHigh, bottom, normalized, reciprocal)
        return (UInt128(quotientHigh) << 64 | UInt128(quotientLow), UInt128(remainder &>> shift))
    }

    /// One quotient digit: `(u2:u1:u0) / (v1:v0)` for a normalized divisor (top bit of `v1`
    /// set) and `(u2:u1) < (v1:v0)`, with `v1Reciprocal` the reciprocal of `v1`. Knuth's
    /// estimate from the top digits is at most 2 too large; the test against `v0` is exact with
    /// a two-digit divisor, so no add-back is needed.
    @inlinable @inline(__always)
    static func divide3By2(
        _ u2: UInt64, _ u1: UInt64, _ u0: UInt64, _ v1: UInt64, _ v0: UInt64, _ v1Reciprocal: UInt64
    ) -> (quotient: UInt64, remainder: UInt128) {
        var estimate: UInt64
        var estimateRemainder: UInt64
        var remainderOverflowed = false
        if u2 >= v1 {
            // u2 == v1: the estimate is the largest digit; its remainder is u1 + v1.
            estimate = .max
            (estimateRemainder, remainderOverflowed) = u1.addingReportingOverflow(v1)
        } else {
            (estimate, estimateRemainder) = divide2By1(u2, u1, v1, v1Reciprocal)
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

    /// `a × b` as 256 bits (high, low) from four 64-by-64-bit products (the stdlib's generic
    /// `multipliedFullWidth` on `UInt128` is not inlined and costs several times that).
    @inlinable @inline(__always)
    static func multiplyFullWidth(_ a: UInt128, _ b: UInt128) -> (high: UInt128, low: UInt128) {
        let a1 = UInt64(truncatingIfNeeded: a >> 64)
        let a0 = UInt64(truncatingIfNeeded: a)
        let b1 = UInt64(truncatingIfNeeded: b >> 64)
        let b0 = UInt64(truncatingIfNeeded: b)
        let p00 = a0.multipliedFullWidth(by: b0)
        if a1 == 0 && b1 == 0 { return (0, UInt128(p00.high) << 64 | UInt128(p00.low)) }
        let p01 = a0.multipliedFullWidth(by: b1)
        let p10 = a1.multipliedFullWidth(by: b0)
        let p11 = a1.multipliedFullWidth(by: b1)
        // Middle column: p01 + p10 + p00.high < 2^129, so at most one carry out of 128 bits.
        let (middle, carry1) = (UInt128(p01.high) << 64 | UInt128(p01.low))
            .addingReportingOverflow(UInt128(p10.high) << 64 | UInt128(p10.low))
        let (sum, carry2) = middle.addingReportingOverflow(UInt128(p00.high))
        let low = sum << 64 | UInt128(p00.low)
        let high = (UInt128(p11.high) << 64 | UInt128(p11.low)) &+ (sum >> 64)
            &+ (carry1 || carry2 ? UInt128(1) << 64 : 0)
        return (high, low)
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
