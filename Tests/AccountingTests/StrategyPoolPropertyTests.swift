import Accounting
import PropertyBased
import Testing

@Suite struct StrategyPoolPropertyTests {
    /// Deposits, withdrawals and balance changes: the vault never pays more than the shares are
    /// worth, never mints more than the deposit is worth, and its rate (with the virtual offset)
    /// falls only when its balance is lowered.
    @Test func vaultRoundingFavoursTheVault() async {
        await propertyCheck(count: 150, input: Gen.uint64(), Gen.int(in: 1...150)) { seed, steps in
            var reader = WordReader(seed: seed, steps: steps)
            var vault = StrategyPool()
            var sharesByStaker: [UInt128] = [0, 0, 0]
            var inUnits: UInt128 = 0
            var outUnits: UInt128 = 0
            while reader.nextStep() {
                let before = vault
                let staker = Int(reader.below(3))
                var isLoss = false
                do {
                    switch reader.below(3) {
                    case 0:
                        let amount = reader.amount(upTo: 1_000_000 * ether)
                        let shares = try vault.deposit(amount)
                        sharesByStaker[staker] += shares
                        inUnits += amount
                        #expect(try before.underlyingForSharesFloor(shares) <= amount)
                    case 1:
                        let shares = reader.amount(upTo: sharesByStaker[staker])
                        let paid = try vault.withdraw(shares: shares)
                        sharesByStaker[staker] -= shares
                        outUnits += paid
                        #expect(paid <= (try before.underlyingForSharesFloor(shares)))
                    default:
                        let change = reader.amount(upTo: vault.balanceUnits / 20 + 1)
                        isLoss = reader.below(2) == 0 && change <= vault.balanceUnits
                        let newBalance = isLoss ? vault.balanceUnits - change : vault.balanceUnits + change
                        if isLoss { outUnits += change } else { inUnits += change }
                        vault.setBalance(newBalance)
                    }
                } catch {
                    #expect(vault == before, "failed operation changed state: \(error)")
                }
                #expect(sharesByStaker.reduce(0, +) == vault.totalShares)
                #expect(inUnits == vault.balanceUnits + outUnits)
                if !isLoss {
                    // (balance + 1e3) / (shares + 1e3) never falls.
                    #expect(ratioNotBelow(
                        vault.balanceUnits + StrategyPool.balanceOffset, vault.totalShares + StrategyPool.sharesOffset,
                        before.balanceUnits + StrategyPool.balanceOffset, before.totalShares + StrategyPool.sharesOffset))
                }
            }
        }
    }
}
