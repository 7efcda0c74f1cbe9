import Accounting
import Testing

/// Zero, over-balance, overflowing and out-of-bound amounts return the right error and leave the
/// state unchanged.
@Suite struct BadInputTests {
    /// Runs `operation` on `value`, expects `expected`, and checks `value` did not change.
    func refuses<Value: Equatable, Result>(
        _ value: inout Value, _ expected: AccountingError,
        _ operation: (inout Value) throws(AccountingError) -> Result
    ) -> Bool {
        let before = value
        do {
            _ = try operation(&value)
            return false
        } catch {
            return error == expected && value == before
        }
    }

    @Test func sharePool() throws {
        var pool = try SharePool(bootstrapWei: ether)
        try pool.deposit(ether, for: "alice")
        #expect(refuses(&pool, .amountZero) { (p: inout SharePool) throws(AccountingError) in try p.deposit(0, for: "alice") })
        #expect(refuses(&pool, .amountBelowMinimum(minimum: SharePool.defaultDepositMinimumWei)) {
            (p: inout SharePool) throws(AccountingError) in try p.deposit(ether / 1000, for: "alice")
        })
        #expect(refuses(&pool, .overflow) { (p: inout SharePool) throws(AccountingError) in try p.deposit(.max, for: "alice") })
        #expect(refuses(&pool, .amountZero) { (p: inout SharePool) throws(AccountingError) in try p.transfer(0, from: "alice", to: "bob") })
        #expect(refuses(&pool, .insufficientBalance(available: ether, required: 2 * ether)) {
            (p: inout SharePool) throws(AccountingError) in try p.transfer(2 * ether, from: "alice", to: "bob")
        })
        #expect(refuses(&pool, .insufficientBalance(available: 0, required: 1)) {
            (p: inout SharePool) throws(AccountingError) in try p.transferShares(1, from: "nobody", to: "bob")
        })
        #expect(refuses(&pool, .insufficientBalance(available: ether, required: ether + 1)) {
            (p: inout SharePool) throws(AccountingError) in try p.burnShares(ether + 1, from: "alice")
        })
        #expect(refuses(&pool, .invalidShareRate) { (p: inout SharePool) throws(AccountingError) in
            try p.burnShares(ether / 2, from: "alice", releasingEtherWei: ether)
        })
        #expect(refuses(&pool, .amountZero) { (p: inout SharePool) throws(AccountingError) in try p.rebase(toPooledEtherWei: 0) })
        #expect(refuses(&pool, .invalidBips(10_001)) { (p: inout SharePool) throws(AccountingError) in
            try p.rebase(toPooledEtherWei: 3 * ether, fee: .init(nodeOperators: "n", nodeOperatorsFeeBips: 5_001, treasury: "t", treasuryFeeBips: 5_000))
        })
        #expect(expectError(.amountZero) { () throws(AccountingError) in try SharePool(bootstrapWei: 0) })
        // A transfer too small to move a share (rate 2 wei per share).
        try pool.rebase(toPooledEtherWei: 4 * ether)
        #expect(refuses(&pool, .amountRoundsToZero) { (p: inout SharePool) throws(AccountingError) in
            try p.transfer(1, from: "alice", to: "bob")
        })
    }

    @Test func wrapper() throws {
        var pool = try SharePool(bootstrapWei: ether)
        try pool.deposit(ether, for: "alice")
        var wrapper = ExchangeRateWrapper(wrapperHolder: "wrapper")
        try wrapper.wrap(ether / 2, for: "alice", in: &pool)
        let (poolBefore, wrapperBefore) = (pool, wrapper)
        #expect(expectError(.amountZero) { () throws(AccountingError) in try wrapper.wrap(0, for: "alice", in: &pool) })
        #expect(expectError(.insufficientBalance(available: ether / 2, required: ether)) {
            () throws(AccountingError) in try wrapper.wrap(ether, for: "alice", in: &pool)
        })
        #expect(expectError(.insufficientBalance(available: ether / 2, required: ether)) {
            () throws(AccountingError) in try wrapper.unwrap(ether, for: "alice", in: &pool)
        })
        #expect(expectError(.amountZero) { () throws(AccountingError) in try wrapper.unwrap(0, for: "alice", in: &pool) })
        #expect(pool == poolBefore)
        #expect(wrapper == wrapperBefore)
    }

    @Test func withdrawalQueue() throws {
        var pool = try SharePool(bootstrapWei: ether)
        try pool.deposit(2000 * ether, for: "alice")
        var queue = WithdrawalQueue(queueHolder: "queue")
        let id = try queue.requestWithdrawal(ether, owner: "alice", pool: &pool)
        let (poolBefore, queueBefore) = (pool, queue)
        #expect(expectError(.amountBelowMinimum(minimum: 100)) { () throws(AccountingError) in
            try queue.requestWithdrawal(99, owner: "alice", pool: &pool)
        })
        #expect(expectError(.amountAboveMaximum(maximum: 1000 * ether)) { () throws(AccountingError) in
            try queue.requestWithdrawal(1000 * ether + 1, owner: "alice", pool: &pool)
        })
        #expect(expectError(.insufficientBalance(available: 0, required: ether)) { () throws(AccountingError) in
            try queue.requestWithdrawal(ether, owner: "bob", pool: &pool)
        })
        #expect(expectError(.requestNotFinalized) { () throws(AccountingError) in try queue.claim(id, by: "alice") })
        #expect(expectError(.requestNotFound) { () throws(AccountingError) in try queue.claim(WithdrawalRequestID(9), by: "alice") })
        #expect(expectError(.nothingToFinalize) { () throws(AccountingError) in
            try queue.finalize(through: WithdrawalRequestID(2), maxShareRateE27: FixedPoint.e27, pool: &pool)
        })
        #expect(expectError(.invalidShareRate) { () throws(AccountingError) in
            try queue.finalize(through: id, maxShareRateE27: 2 * FixedPoint.e27, pool: &pool)
        })
        #expect(expectError(.invalidShareRate) { () throws(AccountingError) in
            try queue.finalize(through: id, maxShareRateE27: 0, pool: &pool)
        })
        #expect(pool == poolBefore)
        #expect(queue == queueBefore)
        try queue.finalize(through: id, maxShareRateE27: FixedPoint.e27, pool: &pool)
        #expect(expectError(.notRequestOwner) { () throws(AccountingError) in try queue.claim(id, by: "bob") })
        #expect(try queue.claim(id, by: "alice") == ether)
        let claimed = queue
        #expect(expectError(.requestAlreadyClaimed) { () throws(AccountingError) in try queue.claim(id, by: "alice") })
        #expect(queue == claimed)
    }

    @Test func rateTokenPool() throws {
        var pool = RateTokenPool()
        try pool.deposit(ether, for: "alice")
        #expect(refuses(&pool, .amountZero) { (p: inout RateTokenPool) throws(AccountingError) in try p.deposit(0, for: "alice") })
        #expect(refuses(&pool, .amountBelowMinimum(minimum: RateTokenPool.defaultDepositMinimumWei)) {
            (p: inout RateTokenPool) throws(AccountingError) in try p.deposit(1, for: "alice")
        })
        #expect(refuses(&pool, .overflow) { (p: inout RateTokenPool) throws(AccountingError) in try p.deposit(.max, for: "alice") })
        let held = pool.tokens(of: "alice")
        #expect(refuses(&pool, .insufficientBalance(available: held, required: held + 1)) {
            (p: inout RateTokenPool) throws(AccountingError) in try p.burn(held + 1, from: "alice")
        })
        #expect(refuses(&pool, .amountZero) { (p: inout RateTokenPool) throws(AccountingError) in try p.burn(0, from: "alice") })
        #expect(refuses(&pool, .poolEmpty) { (p: inout RateTokenPool) throws(AccountingError) in try p.updateTotalEther(0) })
    }

    @Test func restakingLedger() throws {
        var ledger = RestakingLedger()
        try ledger.registerOperator("op")
        try ledger.addShares(10 * ether, to: "s", strategy: "x")
        try ledger.delegate("s", to: "op")
        let id = try ledger.queueWithdrawal(ether, of: "s", strategy: "x", epoch: 10)
        #expect(refuses(&ledger, .amountZero) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.addShares(0, to: "s", strategy: "x")
        })
        #expect(refuses(&ledger, .overflow) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.addShares(.max, to: "s", strategy: "x")
        })
        #expect(refuses(&ledger, .insufficientBalance(available: 9 * ether, required: 10 * ether)) {
            (l: inout RestakingLedger) throws(AccountingError) in try l.queueWithdrawal(10 * ether, of: "s", strategy: "x", epoch: 11)
        })
        #expect(refuses(&ledger, .epochInPast) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.queueWithdrawal(ether, of: "s", strategy: "x", epoch: 9)
        })
        #expect(refuses(&ledger, .withdrawalDelayNotElapsed) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.completeWithdrawal(id, by: "s", epoch: 10 + 3150, receiveAsTokens: true)
        })
        #expect(refuses(&ledger, .notWithdrawalOwner) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.completeWithdrawal(id, by: "t", epoch: 10 + 3151, receiveAsTokens: true)
        })
        #expect(refuses(&ledger, .stakerAlreadyDelegated) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.delegate("s", to: "op")
        })
        #expect(refuses(&ledger, .operatorNotRegistered) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.delegate("t", to: "nobody")
        })
        #expect(refuses(&ledger, .stakerNotDelegated) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.undelegate("t", epoch: 11)
        })
        #expect(refuses(&ledger, .invalidMagnitude) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.slashOperatorShares(operator: "op", strategy: "x", newMaxMagnitudeWad: wad + 1, epoch: 11)
        })
        #expect(refuses(&ledger, .insufficientBalance(available: ether, required: 2 * ether)) {
            (l: inout RestakingLedger) throws(AccountingError) in
            try l.recordBeaconChainBalanceDecrease(of: "s", previousRestakedBalanceWei: ether, decreaseWei: 2 * ether)
        })
        try ledger.slashOperatorShares(operator: "op", strategy: "x", newMaxMagnitudeWad: 0, epoch: 11)
        #expect(refuses(&ledger, .fullySlashed) { (l: inout RestakingLedger) throws(AccountingError) in
            try l.addShares(ether, to: "s", strategy: "x")
        })
    }

    @Test func allocationBook() throws {
        let set = OperatorSetID(avs: "avs", setNumber: 1)
        var book = AllocationBook()
        try book.registerOperator("op", allocationDelayEpochs: 0)
        try book.createOperatorSet(set, strategies: ["x", "y"])
        try book.registerForOperatorSet("op", operatorSet: set, epoch: 0)
        try book.modifyAllocation(operator: "op", operatorSet: set, strategy: "x", newMagnitudeWad: wad / 2, epoch: 0)
        func modify(_ magnitude: UInt128, _ strategy: StrategyID = "x") -> (inout AllocationBook) throws(AccountingError) -> Void {
            { (b: inout AllocationBook) throws(AccountingError) in
                try b.modifyAllocation(operator: "op", operatorSet: set, strategy: strategy, newMagnitudeWad: magnitude, epoch: 1)
            }
        }
        #expect(refuses(&book, .sameMagnitude, modify(wad / 2)))
        #expect(refuses(&book, .invalidMagnitude, modify(wad + 1)))
        #expect(refuses(&book, .strategyNotInOperatorSet, modify(1, "z")))
        try book.createOperatorSet(OperatorSetID(avs: "avs", setNumber: 2), strategies: ["x"])
        #expect(refuses(&book, .insufficientMagnitude) { (b: inout AllocationBook) throws(AccountingError) in
            try b.modifyAllocation(
                operator: "op", operatorSet: OperatorSetID(avs: "avs", setNumber: 2), strategy: "x",
                newMagnitudeWad: wad / 2 + 1, epoch: 1)
        })
        try book.modifyAllocation(operator: "op", operatorSet: set, strategy: "x", newMagnitudeWad: wad / 4, epoch: 1)
        #expect(refuses(&book, .modificationAlreadyPending, modify(wad / 8)))
        func slash(_ wads: [(strategy: StrategyID, wad: UInt128)]) -> (inout AllocationBook) throws(AccountingError) -> AllocationBook.SlashOutcome {
            { (b: inout AllocationBook) throws(AccountingError) in try b.slash(operator: "op", operatorSet: set, wadsToSlash: wads, epoch: 2) }
        }
        #expect(refuses(&book, .invalidWadToSlash, slash([("x", 0)])))
        #expect(refuses(&book, .invalidWadToSlash, slash([("x", wad + 1)])))
        #expect(refuses(&book, .invalidWadToSlash, slash([("y", 1), ("x", 1)])))
        #expect(refuses(&book, .strategyNotInOperatorSet, slash([("z", 1)])))
        #expect(refuses(&book, .operatorNotSlashable) { (b: inout AllocationBook) throws(AccountingError) in
            try b.slash(operator: "other", operatorSet: set, wadsToSlash: [("x", 1)], epoch: 2)
        })
        #expect(refuses(&book, .operatorSetNotFound) { (b: inout AllocationBook) throws(AccountingError) in
            try b.slash(operator: "op", operatorSet: OperatorSetID(avs: "none", setNumber: 0), wadsToSlash: [("x", 1)], epoch: 2)
        })
        #expect(refuses(&book, .epochInPast) { (b: inout AllocationBook) throws(AccountingError) in
            try b.slash(operator: "op", operatorSet: set, wadsToSlash: [("x", 1)], epoch: 0)
        })
    }
}
