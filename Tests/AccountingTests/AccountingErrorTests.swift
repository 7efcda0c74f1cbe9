import Accounting
import Testing

@Suite struct AccountingErrorTests {
    static let all: [AccountingError] = [
        .amountZero, .amountBelowMinimum(minimum: 1), .amountAboveMaximum(maximum: 1), .amountRoundsToZero,
        .insufficientBalance(available: 0, required: 1), .overflow, .divisionByZero, .invalidBips(1),
        .invalidWad(1), .invalidShareRate, .poolEmpty, .maxTotalSharesExceeded, .invalidRebaseLimit,
        .requestNotFound, .requestNotFinalized, .requestAlreadyClaimed, .notRequestOwner, .nothingToFinalize,
        .operatorNotRegistered, .operatorAlreadyRegistered, .stakerNotDelegated, .stakerAlreadyDelegated,
        .fullySlashed, .invalidDepositScalingFactor, .withdrawalNotFound, .withdrawalDelayNotElapsed,
        .invalidMagnitude, .notWithdrawalOwner, .epochInPast, .operatorSetNotFound, .operatorSetAlreadyExists,
        .strategyNotInOperatorSet, .alreadyRegisteredForOperatorSet, .notRegisteredForOperatorSet,
        .operatorNotSlashable, .modificationAlreadyPending, .sameMagnitude, .insufficientMagnitude,
        .invalidWadToSlash, .invalidImage,
    ]

    @Test func codesAreUniqueSnakeCaseAndDocumented() {
        let codes = Self.all.map(\.code)
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }, "\(code) is not snake_case")
        }
        for error in Self.all { #expect(!error.message.isEmpty) }
    }

    @Test func messagesCarryTheNumbers() {
        #expect(AccountingError.insufficientBalance(available: 5, required: 7).message.contains("5"))
        #expect(AccountingError.amountBelowMinimum(minimum: 100).message.contains("100"))
    }
}

@Suite struct TypedIDTests {
    @Test func equalIDsHashAlikeAndDifferentOnesDiffer() {
        let first: HolderID = "alice"
        let second = HolderID(String("ali") + "ce")
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != HolderID("bob"))
        let set = OperatorSetID(avs: "avs", setNumber: 1)
        #expect(set == OperatorSetID(avs: AVSID("avs"), setNumber: 1))
        #expect(set != OperatorSetID(avs: "avs", setNumber: 2))
        #expect(set.hashValue == OperatorSetID(avs: "avs", setNumber: 1).hashValue)
        var table: [HolderID: Int] = [:]
        for number in 0..<10_000 { table[HolderID("holder-\(number)")] = number }
        #expect(table.count == 10_000)
        #expect(table[HolderID("holder-4242")] == 4242)
    }
}
