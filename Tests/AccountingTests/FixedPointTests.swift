import Accounting
import PropertyBased
import Testing

@Suite struct FixedPointTests {
    @Test func mulDivFloorAndCeilRoundInTheirDirection() throws {
        #expect(try FixedPoint.mulDivFloor(10, 10, 3) == 33)
        #expect(try FixedPoint.mulDivCeil(10, 10, 3) == 34)
        #expect(try FixedPoint.mulDivCeil(9, 10, 3) == 30)
        // Through the 256-bit product: (2^128 - 1)^2 / (2^128 - 1).
        #expect(try FixedPoint.mulDivFloor(.max, .max, .max) == .max)
        #expect(try FixedPoint.mulDivCeil(.max, .max, .max) == .max)
        #expect(try FixedPoint.mulDivFloor(UInt128(1) << 127, 4, 8) == UInt128(1) << 126)
    }

    @Test func overflowAndDivisionByZeroAreErrors() {
        #expect(expectError(.divisionByZero) { () throws(AccountingError) in try FixedPoint.mulDivFloor(1, 1, 0) })
        #expect(expectError(.divisionByZero) { () throws(AccountingError) in try FixedPoint.mulDivCeil(1, 1, 0) })
        #expect(expectError(.overflow) { () throws(AccountingError) in try FixedPoint.mulDivFloor(.max, 2, 1) })
        #expect(expectError(.overflow) { () throws(AccountingError) in try FixedPoint.mulDivCeil(.max, 3, 2) })
        #expect(expectError(.overflow) { () throws(AccountingError) in try FixedPoint.add(.max, 1) })
        #expect(expectError(.overflow) { () throws(AccountingError) in try FixedPoint.multiply(.max, 2) })
        #expect(expectError(.insufficientBalance(available: 1, required: 2)) {
            () throws(AccountingError) in try FixedPoint.subtract(1, 2)
        })
        #expect(expectError(.invalidBips(10_001)) { () throws(AccountingError) in try FixedPoint.validateBips(10_001) })
    }

    @Test func integerSquareRootMatchesTheSpec() {
        #expect(FixedPoint.integerSquareRoot(0) == 0)
        #expect(FixedPoint.integerSquareRoot(1) == 1)
        #expect(FixedPoint.integerSquareRoot(3) == 1)
        #expect(FixedPoint.integerSquareRoot(4) == 2)
        #expect(FixedPoint.integerSquareRoot(1_000_000_000_000_000) == 31_622_776)
        #expect(FixedPoint.integerSquareRoot(34_000_000_000_000_000) == 184_390_889)
        #expect(FixedPoint.integerSquareRoot(.max) == 4_294_967_295)
        #expect(FixedPoint.integerSquareRoot(.max - 1) == 4_294_967_295)
        // Just below a perfect square, where floating point goes wrong.
        let root: UInt64 = 3_037_000_499
        #expect(FixedPoint.integerSquareRoot(root * root - 1) == root - 1)
        #expect(FixedPoint.integerSquareRoot(root * root) == root)
    }

    @Test func mulDivIsExactOnRandomOperands() async {
        await propertyCheck(count: 500, input: Gen.uint128(), Gen.uint128(), Gen.uint128(in: 1...UInt128.max)) { a, b, d in
            do {
                let floor = try FixedPoint.mulDivFloor(a, b, d)
                let ceil = try FixedPoint.mulDivCeil(a, b, d)
                // floor × d ≤ a × b < (floor + 1) × d, checked in 256 bits.
                let product = a.multipliedFullWidth(by: b)
                let low = floor.multipliedFullWidth(by: d)
                #expect(low.high < product.high || (low.high == product.high && low.low <= product.low))
                let remainder = d.dividingFullWidth(product).remainder
                #expect(ceil == floor + (remainder == 0 ? 0 : 1))
            } catch let error as AccountingError {
                // Overflow only when the quotient does not fit: high word ≥ divisor, or the
                // ceiling of the largest quotient.
                #expect(error == .overflow)
                #expect(a.multipliedFullWidth(by: b).high >= d || (try? FixedPoint.mulDivFloor(a, b, d)) == .max)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    /// The hand-written 256-by-128-bit division against the stdlib's, over operands of every
    /// width (divisors below 2^64, at 2^64, normalized and not, quotient digits at their edges).
    @Test func mulDivMatchesTheStdlibDivisionAtEveryWidth() {
        var reader = WordReader(seed: 0x5EED, steps: 0)
        func operand(_ reader: inout WordReader) -> UInt128 {
            let value = UInt128(reader.next()) << 64 | UInt128(reader.next())
            let shift = Int(reader.below(129))
            return shift == 128 ? 0 : value >> shift
        }
        var checked = 0
        for round in 0..<200_000 {
            let a = round % 97 == 0 ? UInt128.max : operand(&reader)
            let b = round % 89 == 0 ? UInt128.max : operand(&reader)
            var divisor = operand(&reader)
            if round % 5 == 0 { divisor = UInt128(reader.next()) }
            if round % 13 == 0 { divisor = UInt128(1) << 64 | UInt128(reader.below(3)) }
            if round % 17 == 0 { divisor = UInt128.max - UInt128(reader.below(3)) }
            guard divisor != 0 else { continue }
            let product = a.multipliedFullWidth(by: b)
            guard product.high < divisor else { continue }
            let expected = divisor.dividingFullWidth(product)
            guard let floor = try? FixedPoint.mulDivFloor(a, b, divisor),
                let exact = try? FixedPoint.mulDivWithRemainder(a, b, adding: 0, divisor)
            else {
                Issue.record("refused \(a) × \(b) / \(divisor)")
                return
            }
            #expect(floor == expected.quotient)
            #expect(exact.quotient == expected.quotient && exact.remainder == expected.remainder)
            checked += 1
        }
        #expect(checked > 100_000)
    }

    @Test func isqrtIsTheFloorRootOnRandomInputs() async {
        await propertyCheck(count: 500, input: Gen.uint64()) { n in
            let root = UInt128(FixedPoint.integerSquareRoot(n))
            #expect(root * root <= UInt128(n))
            #expect((root + 1) * (root + 1) > UInt128(n))
        }
    }
}

/// The prepared divisor (division by multiplication) against the stdlib's division.
@Suite struct WordDivisorTests {
    @Test func compileTimeConstantsAreTheComputedReciprocals() {
        #expect(WordDivisor.wad == WordDivisor(1_000_000_000_000_000_000))
        #expect(WordDivisor.wad.value == UInt64(FixedPoint.wad))
        #expect(WordDivisor.bips == WordDivisor(10_000))
        #expect(WordDivisor.bips.value == UInt64(FixedPoint.bipsDenominator))
        #expect(WordDivisor(0) == nil)
    }

    @Test func edgeDivisorsAndDividendsMatchTheStdlib() {
        let divisors: [UInt64] = [1, 2, 3, 7, 10_000, 1_000_000_000_000_000_000, 1 << 32, (1 << 63) - 1, 1 << 63,
            (1 << 63) + 1, .max - 1, .max]
        for divisor in divisors {
            let prepared = WordDivisor(divisor)!
            let wide = UInt128(divisor)
            let highs: [UInt128] = [0, 1, wide / 2, wide - 1]
            let lows: [UInt128] = [0, 1, UInt128(UInt64.max), UInt128.max - 1, UInt128.max, wide, wide - 1]
            for high in highs where high < wide {
                for low in lows {
                    let expected = wide.dividingFullWidth((high, low))
                    let actual = prepared.divide(high: high, low: low)
                    #expect(actual.quotient == expected.quotient && actual.remainder == expected.remainder,
                        "\(high):\(low) / \(divisor)")
                }
            }
            // Quotients below 2^64: the one-digit form.
            for value in [0, 1, wide - 1, wide, (wide << 64) - 1, (wide << 64) - wide] {
                let (quotient, remainder) = prepared.divideNarrow(value)
                #expect(UInt128(quotient) == value / wide && UInt128(remainder) == value % wide, "\(value) / \(divisor)")
            }
        }
    }

    /// Random divisors of every width below 2^64, random dividends below them.
    @Test func randomDivisionsMatchTheStdlib() {
        var reader = WordReader(seed: 0xD1D1, steps: 0)
        for _ in 0..<200_000 {
            let divisor = max(reader.next() >> reader.below(64), 1)
            let wide = UInt128(divisor)
            let high = (UInt128(reader.next()) << 64 | UInt128(reader.next())) % wide
            let low = UInt128(reader.next()) << 64 | UInt128(reader.next())
            let prepared = WordDivisor(divisor)!
            let expected = wide.dividingFullWidth((high, low))
            let actual = prepared.divide(high: high, low: low)
            #expect(actual.quotient == expected.quotient && actual.remainder == expected.remainder,
                "\(high):\(low) / \(divisor)")
            let narrow = low % (wide << 64)
            let (quotient, remainder) = prepared.divideNarrow(narrow)
            #expect(UInt128(quotient) == narrow / wide && UInt128(remainder) == narrow % wide, "\(narrow) / \(divisor)")
        }
    }

    @Test func preparedMulDivRoundsAndRefusesLikeTheGeneralOne() throws {
        #expect(try FixedPoint.mulDivFloor(10, 10, WordDivisor(3)!) == 33)
        #expect(try FixedPoint.mulDivCeil(10, 10, WordDivisor(3)!) == 34)
        #expect(try FixedPoint.mulDivCeil(9, 10, WordDivisor(3)!) == 30)
        #expect(try FixedPoint.mulWadCeil(1, 1) == 1)
        #expect(try FixedPoint.mulWadFloor(1, 1) == 0)
        #expect(try FixedPoint.mulDivFloor(.max, 1, WordDivisor(1)!) == .max)
        #expect(try FixedPoint.mulDivCeil(.max, 2, WordDivisor(2)!) == .max)
        #expect(expectError(.overflow) { () throws(AccountingError) in
            try FixedPoint.mulDivFloor(.max, .max, WordDivisor.wad) })
        #expect(expectError(.overflow) { () throws(AccountingError) in
            try FixedPoint.mulDivCeil(.max, 3, WordDivisor(2)!) })
        #expect(expectError(.overflow) { () throws(AccountingError) in try FixedPoint.mulWadCeil(.max, FixedPoint.wad + 1) })
    }
}
