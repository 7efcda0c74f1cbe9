import Accounting
import PropertyBased
import Testing

/// Random sequences of operations on the rebasing pool, its wrapper and its withdrawal queue,
/// and on the rate-token pool, checking the invariants after every step.
@Suite struct LiquidStakingPropertyTests {
    static let holders: [HolderID] = ["a", "b", "c", "d"]
    static let seeds = Gen.uint64()
    static let steps = Gen.int(in: 1...150)

    /// Everything the liquid pool touches, with the external flows needed for conservation.
    struct World: Equatable {
        var pool: SharePool
        var wrapper = ExchangeRateWrapper(wrapperHolder: "wrapper")
        var queue = WithdrawalQueue(queueHolder: "queue")
        var depositedWei: UInt128 = 0
        var claimedWei: UInt128 = 0
        var gainsWei: UInt128 = 0
        var lossesWei: UInt128 = 0
        let bootstrapWei: UInt128 = ether / 100
    }

    @Test func sharePoolWrapperAndQueueKeepTheirInvariants() async {
        await propertyCheck(count: 150, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var world = World(pool: try! SharePool(bootstrapWei: ether / 100, depositMinimumWei: 1))
            let fee = SharePool.FeeSplit(nodeOperators: "operators", nodeOperatorsFeeBips: 500, treasury: "treasury", treasuryFeeBips: 500)
            while reader.nextStep() {
                let before = world
                let holder = Self.holders[Int(reader.below(4))]
                let other = Self.holders[Int(reader.below(4))]
                let rateBefore = (world.pool.pooledEtherWei, world.pool.totalShares)
                var isLoss = false
                do {
                    switch reader.below(10) {
                    case 0:
                        let amount = reader.amount(upTo: 1000 * ether)
                        let balanceBefore = world.pool.balanceWei(of: holder)
                        try world.pool.deposit(amount, for: holder)
                        world.depositedWei += amount
                        // Rounding favours the pool: never credited more than deposited.
                        #expect(world.pool.balanceWei(of: holder) - balanceBefore <= amount)
                    case 1:
                        let amount = reader.amount(upTo: world.pool.balanceWei(of: holder) + 2)
                        let outcome = try world.pool.transfer(amount, from: holder, to: other)
                        #expect(outcome.amountCreditedWei <= amount)
                    case 2:
                        let shares = reader.amount(upTo: world.pool.shares(of: holder) + 2)
                        try world.pool.transferShares(shares, from: holder, to: other)
                    case 3:
                        let gain = reader.amount(upTo: world.pool.pooledEtherWei / 100 + 1)
                        try world.pool.rebase(toPooledEtherWei: world.pool.pooledEtherWei + gain, fee: fee)
                        world.gainsWei += gain
                    case 4:
                        let loss = reader.amount(upTo: world.pool.pooledEtherWei / 20 + 1)
                        isLoss = true
                        try world.pool.rebase(toPooledEtherWei: world.pool.pooledEtherWei - min(loss, world.pool.pooledEtherWei - 1))
                        world.lossesWei += min(loss, before.pool.pooledEtherWei - 1)
                    case 5:
                        let amount = reader.amount(upTo: world.pool.balanceWei(of: holder) + 2)
                        let units = try world.wrapper.wrap(amount, for: holder, in: &world.pool)
                        // Units are shares worth at most the amount wrapped.
                        #expect(try before.pool.etherForSharesFloor(units) <= amount)
                    case 6:
                        let units = reader.amount(upTo: world.wrapper.wrapped(of: holder) + 2)
                        let outcome = try world.wrapper.unwrap(units, for: holder, in: &world.pool)
                        #expect(outcome.amountCreditedWei <= outcome.amountWei)
                        #expect(outcome.amountWei <= (try before.pool.etherForSharesFloor(units)))
                    case 7:
                        let amount = reader.amount(upTo: min(world.pool.balanceWei(of: holder) + 2, 1001 * ether))
                        try world.queue.requestWithdrawal(amount, owner: holder, pool: &world.pool)
                    case 8:
                        let unfinalized = UInt64(world.queue.requests.count) - world.queue.lastFinalizedRequestID.rawValue
                        let last = world.queue.lastFinalizedRequestID.rawValue + 1 + reader.below(unfinalized + 1)
                        // At the pool's rate or a little below it (a loss in between).
                        let rate = world.pool.shareRateE27 - world.pool.shareRateE27 / 100 * UInt128(reader.below(3))
                        try world.queue.finalize(through: WithdrawalRequestID(last), maxShareRateE27: rate, pool: &world.pool)
                    default:
                        let id = WithdrawalRequestID(1 + reader.below(UInt64(world.queue.requests.count) + 1))
                        let owner = world.queue.request(id)?.owner ?? holder
                        let (requested, _) = (try? world.queue.amountAndShares(of: id)) ?? (0, 0)
                        let paid = try world.queue.claim(id, by: owner)
                        world.claimedWei += paid
                        #expect(paid <= requested)
                    }
                } catch {
                    // A refused operation changes nothing.
                    #expect(world == before, "failed operation changed state: \(error)")
                }
                Self.checkInvariants(world)
                if !isLoss {
                    #expect(
                        ratioNotBelow(world.pool.pooledEtherWei, world.pool.totalShares, rateBefore.0, rateBefore.1),
                        "share rate fell without a loss")
                }
            }
        }
    }

    static func checkInvariants(_ world: World) {
        let pool = world.pool
        // Shares: the holders' sum is the total, exactly.
        #expect(pool.sharesByHolder.values.reduce(0, +) == pool.totalShares)
        // Balances: each floors, so the sum is short of pooled ether by less than 1 wei a holder.
        let balances = pool.sharesByHolder.keys.reduce(UInt128(0)) { $0 + pool.balanceWei(of: $1) }
        #expect(balances <= pool.pooledEtherWei)
        #expect(pool.pooledEtherWei - balances <= UInt128(pool.sharesByHolder.count))
        // Wrapper: backed by at least its shares.
        #expect(pool.shares(of: world.wrapper.wrapperHolder) >= world.wrapper.totalWrapped)
        #expect(world.wrapper.wrappedByHolder.values.reduce(0, +) == world.wrapper.totalWrapped)
        // Queue: unfinalized shares are held; the lock covers every open claim.
        let queue = world.queue
        let finalizedShares = queue.lastFinalizedRequestID.rawValue == 0
            ? 0 : queue.requests[Int(queue.lastFinalizedRequestID.rawValue) - 1].cumulativeShares
        #expect(pool.shares(of: queue.queueHolder) == (queue.requests.last?.cumulativeShares ?? 0) - finalizedShares)
        var owed: UInt128 = 0
        for number in stride(from: 1, through: queue.lastFinalizedRequestID.rawValue, by: 1) {
            owed += (try? queue.claimableWei(WithdrawalRequestID(number))) ?? 0
        }
        #expect(owed <= queue.lockedEtherWei)
        // Conservation to the wei: ether in = ether in the pool + locked + paid out.
        #expect(
            world.bootstrapWei + world.depositedWei + world.gainsWei
                == pool.pooledEtherWei + queue.lockedEtherWei + world.claimedWei + world.lossesWei)
    }

    @Test func rateTokenPoolKeepsItsInvariants() async {
        await propertyCheck(count: 150, input: Self.seeds, Self.steps) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var pool = RateTokenPool()
            var inWei: UInt128 = 0
            var outWei: UInt128 = 0
            while reader.nextStep() {
                let before = pool
                let holder = Self.holders[Int(reader.below(4))]
                var isLoss = false
                do {
                    switch reader.below(4) {
                    case 0:
                        let amount = reader.amount(upTo: 1000 * ether)
                        let deposit = try pool.deposit(amount, for: holder)
                        inWei += amount
                        // Minted tokens are worth at most the net deposit at the pre-deposit rate.
                        #expect(try before.etherValueFloor(ofTokens: deposit.tokensMinted) <= deposit.netWei)
                    case 1:
                        let tokens = reader.amount(upTo: pool.tokens(of: holder) + 2)
                        let paid = try pool.burn(tokens, from: holder)
                        outWei += paid
                        #expect(paid <= (try before.etherValueFloor(ofTokens: tokens)))
                    case 2:
                        let tokens = reader.amount(upTo: pool.tokens(of: holder) + 2)
                        try pool.transfer(tokens, from: holder, to: Self.holders[Int(reader.below(4))])
                    default:
                        let change = reader.amount(upTo: pool.totalEtherWei / 50 + 1)
                        isLoss = reader.below(2) == 0 && change < pool.totalEtherWei
                        try pool.updateTotalEther(isLoss ? pool.totalEtherWei - change : pool.totalEtherWei + change)
                        if isLoss { outWei += change } else { inWei += change }
                    }
                } catch {
                    #expect(pool == before, "failed operation changed state: \(error)")
                }
                #expect(pool.tokensByHolder.values.reduce(0, +) == pool.tokenSupply)
                #expect(inWei == pool.totalEtherWei + outWei)
                if !isLoss && before.tokenSupply > 0 && pool.tokenSupply > 0 {
                    #expect(ratioNotBelow(pool.totalEtherWei, pool.tokenSupply, before.totalEtherWei, before.tokenSupply))
                }
            }
        }
    }
}
