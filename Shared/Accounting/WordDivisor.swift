/// A divisor below 2^64 prepared for division by multiplication (Möller and Granlund,
/// "Improved division by invariant integers", IEEE Transactions on Computers, 2011, §3):
/// the divisor shifted until its top bit is set, and the reciprocal
/// `floor((2^128 − 1) / normalized) − 2^64`.
///
/// Each 64-bit quotient digit costs one 64×64-bit multiplication and a few additions, where
/// the stdlib's `dividingFullWidth` makes a 128-bit division call per digit. Preparing costs
/// one hardware division, so it pays for constants (``wad``, ``bips``: prepared at compile
/// time) and for divisors used more than once.
public struct WordDivisor: Sendable, Hashable {
    /// The divisor shifted left by ``shift``: its top bit is set.
    @usableFromInline let normalized: UInt64
    /// 0...63.
    @usableFromInline let shift: UInt64
    @usableFromInline let reciprocal: UInt64

    @inlinable
    init(normalized: UInt64, shift: UInt64, reciprocal: UInt64) {
        self.normalized = normalized
        self.shift = shift
        self.reciprocal = reciprocal
    }

    /// Prepares `divisor`; nil for zero.
    @inlinable
    public init?(_ divisor: UInt64) {
        guard divisor != 0 else { return nil }
        let shift = UInt64(divisor.leadingZeroBitCount)
        let normalized = divisor &<< shift
        // floor((2^128 − 1) / d) − 2^64 = floor(((2^64 − 1 − d) · 2^64 + 2^64 − 1) / d), and
        // 2^64 − 1 − d < d for a normalized d, so the quotient fits in one word.
        let reciprocal = normalized.dividingFullWidth((~normalized, .max)).quotient
        self.init(normalized: normalized, shift: shift, reciprocal: reciprocal)
    }

    /// The divisor.
    @inlinable
    public var value: UInt64 { normalized &>> shift }

    /// 1e18 (``FixedPoint/wad``), prepared at compile time.
    @inlinable
    public static var wad: WordDivisor {
        WordDivisor(normalized: 0xDE0B_6B3A_7640_0000, shift: 4, reciprocal: 0x2725_DD1D_243A_BA0E)
    }

    /// 10 000 (``FixedPoint/bipsDenominator``), prepared at compile time.
    @inlinable
    public static var bips: WordDivisor {
        WordDivisor(normalized: 0x9C40_0000_0000_0000, shift: 50, reciprocal: 0xA36E_2EB1_C432_CA57)
    }

    /// `(high × 2^128 + low) / divisor`, quotient and remainder, for `high < divisor` (so the
    /// quotient fits in 128 bits): two quotient digits.
    @inlinable @inline(__always)
    public func divide(high: UInt128, low: UInt128) -> (quotient: UInt128, remainder: UInt128) {
        assert(high < UInt128(value), "the quotient must fit in 128 bits")
        let top = UInt64(truncatingIfNeeded: high)
        let middle = UInt64(truncatingIfNeeded: low &>> 64)
        let bottom = UInt64(truncatingIfNeeded: low)
        // The dividend shifted like the divisor; `(x >> 1) >> (63 − shift)` is `x >> (64 − shift)`
        // without a shift by 64 when `shift` is 0.
        let digit2 = top &<< shift | (middle &>> 1) &>> (63 &- shift)
        let digit1 = middle &<< shift | (bottom &>> 1) &>> (63 &- shift)
        let digit0 = bottom &<< shift
        let (quotientHigh, remainderHigh) = divide2By1(digit2, digit1)
        let (quotientLow, remainder) = divide2By1(remainderHigh, digit0)
        return (UInt128(quotientHigh) &<< 64 | UInt128(quotientLow), UInt128(remainder &>> shift))
    }

    /// `value / divisor` for a quotient below 2^64 (`value < divisor × 2^64`): one digit.
    @inlinable @inline(__always)
    public func divideNarrow(_ value: UInt128) -> (quotient: UInt64, remainder: UInt64) {
        assert(value &>> 64 < UInt128(self.value), "the quotient must fit in 64 bits")
        let middle = UInt64(truncatingIfNeeded: value &>> 64)
        let bottom = UInt64(truncatingIfNeeded: value)
        let (quotient, remainder) = divide2By1(
            middle &<< shift | (bottom &>> 1) &>> (63 &- shift), bottom &<< shift)
        return (quotient, remainder &>> shift)
    }

    /// One quotient digit of `(u1 · 2^64 + u0) / normalized` for `u1 < normalized` (the
    /// paper's algorithm 4): the reciprocal's estimate is exact or one off either way.
    @inlinable @inline(__always)
    func divide2By1(_ u1: UInt64, _ u0: UInt64) -> (quotient: UInt64, remainder: UInt64) {
        let product = reciprocal.multipliedFullWidth(by: u1)
        let (estimateLow, carried) = product.low.addingReportingOverflow(u0)
        var quotient = product.high &+ u1 &+ (carried ? 2 : 1)
        var remainder = u0 &- quotient &* normalized
        if remainder > estimateLow {
            quotient &-= 1
            remainder &+= normalized
        }
        if remainder >= normalized {
            quotient &+= 1
            remainder &-= normalized
        }
        return (quotient, remainder)
    }
}
