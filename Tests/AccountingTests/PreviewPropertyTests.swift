import Accounting
import PropertyBased
import Testing

/// Every preview against the operation it previews, on random states and inputs: the same
/// outcome or the same error, and the previewed values unchanged (a service decides with the
/// preview and applies the operation, so the two must never disagree).
@Suite struct PreviewPropertyTests {
    static let holders: [HolderID] = ["a", "b", "c", "d"]
    static let seeds = Gen.uint64()
    static let steps = Gen.int(in: 1...60)

    /// A pool, its wrapper and its queue after random operations (errors skipped), the rate
    /// moved both ways so that roundings bite.
    struct World: Equatable {
        var pool: SharePool
        var wrapper = ExchangeRateWrapper(wrapperHolder: "wrapper")
        var queue = WithdrawalQueue(queueHolder: "queue")
    }

    /// The outcome of `body`, error included.
    func run<T: Equatable>(_ body: () throws(AccountingError) -> T) -> Result<T, AccountingError> {
        do throws(AccountingError) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    /// 0 one time in sixteen (to hit `amount_zero`), else an amount up to `maxWei`.
    func input(_ reader: inout WordReader, upTo maxWei: UInt128) -> UInt128 {
        reader.below(16) == 0 ? 0 : reader.amount(upTo: maxWei)
    }

    func randomWorld(_ reader: inout WordReader) -> World {
        let minimum: UInt128 = reader.below(2) == 0 ? 1 : ether / 100
        var world = World(pool: try! SharePool(bootstrapWei: reader.amount(upTo: ether), depositMinimumWei: minimum))
        for _ in 0..<(4 + reader.below(24)) {
            let holder = Self.holders[Int(reader.below(4))]
            let other = Self.holders[Int(reader.below(4))]
            switch reader.below(7) {
            case 0, 1: _ = try? world.pool.deposit(reader.amount(upTo: 10_000 * ether), for: holder)
            case 2: _ = try? world.pool.transfer(reader.amount(upTo: world.pool.balanceWei(of: holder) + 1), from: holder, to: other)
            case 3:
                // Up by as much as 1000×, or down to a tenth.
                let pooled = world.pool.pooledEtherWei
                let target = reader.below(3) == 0 ? pooled / 10 + 1 : pooled + reader.amount(upTo: min(pooled, 1 << 100) * 1000)
                _ = try? world.pool.rebase(toPooledEtherWei: target)
            case 4: _ = try? world.wrapper.wrap(reader.amount(upTo: world.pool.balanceWei(of: holder) + 1), for: holder, in: &world.pool)
            case 5:
                let amount = reader.amount(upTo: min(world.pool.balanceWei(of: holder) + 1, 1001 * ether))
                _ = try? world.queue.requestWithdrawal(amount, owner: holder, pool: &world.pool)
            default:
                let unfinalized = UInt64(world.queue.requests.count) - world.queue.lastFinalizedRequestID.rawValue
                guard unfinalized > 0 else { continue }
                let last = world.queue.lastFinalizedRequestID.rawValue + 1 + reader.below(unfinalized)
                let rate = world.pool.shareRateE27 - world.pool.shareRateE27 / 100 * UInt128(reader.below(3))
                _ = try? world.queue.finalize(through: WithdrawalRequestID(last), maxShareRateE27: rate, pool: &world.pool)
            }
        }
        return world
    }

    @Test func sharePoolPreviewsMatchTheirOperations() async {
        await propertyCheck(count: 300, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var world = randomWorld(&reader)
            while reader.nextStep() {
                let before = world
                let sender = Self.holders[Int(reader.below(4))]
                let recipient = Self.holders[Int(reader.below(4))]
                var after = world.pool
                switch reader.below(3) {
                case 0:
                    let amount = input(&reader, upTo: 10_000 * ether)
                    let preview = run { () throws(AccountingError) in try world.pool.previewDeposit(amount) }
                    #expect(preview == run { () throws(AccountingError) in try after.deposit(amount, for: recipient) })
                case 1:
                    let amount = input(&reader, upTo: world.pool.balanceWei(of: sender) + 2)
                    let preview = run { () throws(AccountingError) in try world.pool.previewTransfer(amount, from: sender) }
                    if let handle = world.pool.handle(of: sender) {
                        #expect(preview == run { () throws(AccountingError) in try world.pool.previewTransfer(amount, from: handle) })
                    }
                    #expect(preview == run { () throws(AccountingError) in try after.transfer(amount, from: sender, to: recipient) })
                default:
                    let shares = input(&reader, upTo: world.pool.shares(of: sender) + 2)
                    let preview = run { () throws(AccountingError) in try world.pool.previewTransferShares(shares, from: sender) }
                    if let handle = world.pool.handle(of: sender) {
                        #expect(preview == run { () throws(AccountingError) in try world.pool.previewTransferShares(shares, from: handle) })
                    }
                    #expect(preview == run { () throws(AccountingError) in try after.transferShares(shares, from: sender, to: recipient) })
                }
                #expect(world == before, "a preview changed the pool")
                world.pool = after
            }
        }
    }

    @Test func wrapperPreviewsMatchTheirOperations() async {
        await propertyCheck(count: 300, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var world = randomWorld(&reader)
            while reader.nextStep() {
                let before = world
                let holder = Self.holders[Int(reader.below(4))]
                let other = Self.holders[Int(reader.below(4))]
                var after = world
                switch reader.below(3) {
                case 0:
                    let amount = input(&reader, upTo: world.pool.balanceWei(of: holder) + 2)
                    let preview = run { () throws(AccountingError) in try world.wrapper.previewWrap(amount, for: holder, in: world.pool) }
                    #expect(preview == run { () throws(AccountingError) in try after.wrapper.wrap(amount, for: holder, in: &after.pool) })
                case 1:
                    let units = input(&reader, upTo: world.wrapper.wrapped(of: holder) + 2)
                    let preview = run { () throws(AccountingError) in try world.wrapper.previewUnwrap(units, for: holder, in: world.pool) }
                    #expect(preview == run { () throws(AccountingError) in try after.wrapper.unwrap(units, for: holder, in: &after.pool) })
                default:
                    let units = input(&reader, upTo: world.wrapper.wrapped(of: holder) + 2)
                    let preview = run { () throws(AccountingError) in
                        try world.wrapper.previewTransfer(units, from: holder)
                        return true
                    }
                    #expect(preview == run { () throws(AccountingError) in
                        try after.wrapper.transfer(units, from: holder, to: other)
                        return true
                    })
                }
                #expect(world == before, "a preview changed the wrapper or the pool")
                world = after
            }
        }
    }

    @Test func queuePreviewsMatchTheirOperations() async {
        await propertyCheck(count: 300, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var world = randomWorld(&reader)
            while reader.nextStep() {
                let before = world
                let owner = Self.holders[Int(reader.below(4))]
                var after = world
                if reader.below(2) == 0 {
                    // One to three requests in a row, as the ledger splits a large one.
                    let available = world.pool.balanceWei(of: owner)
                    let amounts = (0..<(1 + reader.below(3))).map { _ in
                        input(&reader, upTo: min(available / 2 + 200, 1001 * ether))
                    }
                    let preview = run { () throws(AccountingError) in
                        try world.queue.previewRequestWithdrawals(amounts, owner: owner, pool: world.pool)
                    }
                    let actual = run { () throws(AccountingError) in
                        var made: [WithdrawalQueue.RequestPreview] = []
                        for amount in amounts {
                            let id = try after.queue.requestWithdrawal(amount, owner: owner, pool: &after.pool)
                            let (amountWei, shares) = try after.queue.amountAndShares(of: id)
                            made.append(.init(id: id, amountWei: amountWei, shares: shares))
                        }
                        return made
                    }
                    #expect(preview == actual)
                    // A failure part-way leaves the earlier requests made; keep the state whole.
                    if case .failure = actual { after = world }
                } else {
                    let id = WithdrawalRequestID(reader.below(UInt64(world.queue.requests.count) + 2))
                    let preview = run { () throws(AccountingError) in try world.queue.previewClaim(id, by: owner) }
                    #expect(preview == run { () throws(AccountingError) in try after.queue.claim(id, by: owner) })
                }
                #expect(world == before, "a preview changed the queue or the pool")
                world = after
            }
        }
    }

    @Test func rateTokenPoolPreviewsMatchTheirOperations() async {
        await propertyCheck(count: 300, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var pool = RateTokenPool(depositMinimumWei: reader.below(2) == 0 ? 1 : ether / 100)
            while reader.nextStep() {
                let before = pool
                let holder = Self.holders[Int(reader.below(4))]
                let other = Self.holders[Int(reader.below(4))]
                var after = pool
                switch reader.below(5) {
                case 0, 1:
                    let amount = input(&reader, upTo: 10_000 * ether)
                    let preview = run { () throws(AccountingError) in try pool.previewDeposit(amount) }
                    #expect(preview == run { () throws(AccountingError) in try after.deposit(amount, for: holder) })
                case 2:
                    let tokens = input(&reader, upTo: pool.tokens(of: holder) + 2)
                    let preview = run { () throws(AccountingError) in try pool.previewBurn(tokens, from: holder) }
                    #expect(preview == run { () throws(AccountingError) in try after.burn(tokens, from: holder) })
                case 3:
                    let tokens = input(&reader, upTo: pool.tokens(of: holder) + 2)
                    let preview = run { () throws(AccountingError) in
                        try pool.previewTransfer(tokens, from: holder)
                        return true
                    }
                    #expect(preview == run { () throws(AccountingError) in
                        try after.transfer(tokens, from: holder, to: other)
                        return true
                    })
                default:
                    // A balance update moves the rate (up to 1000×, or down to a tenth).
                    let total = pool.totalEtherWei
                    try? after.updateTotalEther(reader.below(3) == 0 ? total / 10 + 1 : total + reader.amount(upTo: min(total, 1 << 100) * 1000 + 1))
                }
                #expect(pool == before, "a preview changed the pool")
                pool = after
            }
        }
    }
}
