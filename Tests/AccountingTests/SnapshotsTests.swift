import Accounting
import Testing

/// Snapshots against a naive model: every entry in one array, lookups by linear scan.
@Suite struct SnapshotsTests {
    @Test func emptyHistoryAnswersTheDefault() {
        let history = Snapshots(defaultValue: 7)
        #expect(history.latest == 7)
        #expect(history.upperLookup(0) == 7)
        #expect(history.upperLookup(.max) == 7)
        #expect(history.epochs.isEmpty && history.values.isEmpty)
    }

    @Test func pushesAtTheLatestKeyOverwriteAndLookupsFindTheLastEntryAtOrBefore() {
        var history = Snapshots(defaultValue: 100)
        history.push(90, at: 5)
        history.push(80, at: 5)
        history.push(70, at: 9)
        #expect(history.epochs == [5, 9] && history.values == [80, 70])
        #expect(history.latest == 70)
        #expect(history.upperLookup(4) == 100)
        #expect(history.upperLookup(5) == 80)
        #expect(history.upperLookup(8) == 80)
        #expect(history.upperLookup(9) == 70)
        #expect(history.upperLookup(.max) == 70)
    }

    @Test func randomHistoriesMatchTheNaiveModel() {
        var reader = WordReader(seed: 0x5A95, steps: 0)
        for _ in 0..<200 {
            var history = Snapshots(defaultValue: 1_000)
            var model: [(epoch: UInt64, value: UInt128)] = []
            var epoch: UInt64 = reader.below(3)
            for _ in 0..<Int(reader.below(40)) {
                epoch += reader.below(3)  // repeats the latest key a third of the time
                let value = UInt128(reader.below(1_000))
                history.push(value, at: epoch)
                if model.last?.epoch == epoch { model[model.count - 1].value = value } else { model.append((epoch, value)) }
            }
            #expect(history.epochs == model.map(\.epoch))
            #expect(history.values == model.map(\.value))
            #expect(history.latest == (model.last?.value ?? 1_000))
            for probe in 0...(epoch + 2) {
                let expected = model.last { $0.epoch <= probe }?.value ?? 1_000
                #expect(history.upperLookup(probe) == expected, "lookup at \(probe)")
            }
        }
    }
}
