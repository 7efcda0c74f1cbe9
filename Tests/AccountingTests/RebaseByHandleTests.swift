import Accounting
import Testing

/// The handle form of a rebase (fee accounts resolved once, the total fee prepared for
/// division) against the ID form, over random pools, fee splits and reports.
@Suite struct RebaseByHandleTests {
    @Test func handleFormMatchesTheIDForm() throws {
        var reader = WordReader(seed: 0x4EBA, steps: 0)
        for _ in 0..<300 {
            var byID = try SharePool(bootstrapWei: reader.amount(upTo: 1_000 * ether) + 1, depositMinimumWei: 1)
            for number in 0..<Int(reader.below(5)) {
                try byID.deposit(reader.amount(upTo: 10_000_000 * ether), for: HolderID("holder-\(number)"))
            }
            // Bips at the edges (0, the whole 10 000) and between; some splits over 100 %.
            func bips() -> UInt128 {
                switch reader.below(4) {
                case 0: 0
                case 1: 10_000
                default: UInt128(reader.below(10_100))
                }
            }
            let fee = SharePool.FeeSplit(
                nodeOperators: "operators", nodeOperatorsFeeBips: bips(), treasury: "treasury", treasuryFeeBips: bips())
            var byHandle = byID
            let handles = byHandle.resolve(fee)
            for _ in 0..<8 {
                let pooled = byID.pooledEtherWei
                // Gains of every size (a fee's shares in one or two quotient digits), and losses.
                let target = reader.below(5) == 0
                    ? pooled - min(pooled - 1, reader.amount(upTo: pooled))
                    : pooled + reader.amount(upTo: 100_000 * ether)
                let expected = Result { () throws(AccountingError) in try byID.rebase(toPooledEtherWei: target, fee: fee) }
                let actual = Result { () throws(AccountingError) in try byHandle.rebase(toPooledEtherWei: target, fee: handles) }
                #expect(actual == expected, "rebase to \(target) with \(fee)")
                #expect(byHandle.pooledEtherWei == byID.pooledEtherWei && byHandle.totalShares == byID.totalShares)
                // The handle form registered the fee accounts up front (with no shares): the
                // holders with shares are the same.
                #expect(byHandle.sharesByHolder == byID.sharesByHolder)
            }
        }
    }
}
