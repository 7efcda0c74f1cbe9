import ServiceKit
import Testing

@Suite("Command id filter")
struct CommandIDFilterTests {
    @Test("never forgets an inserted id; rarely claims an unseen one; says when it is full")
    func bloomProperties() {
        var filter = CommandIDFilter(capacity: 10_000)
        let inserted = (0..<10_000).map { "cmd-\($0)" }
        for id in inserted { filter.insert(id) }
        #expect(inserted.allSatisfy(filter.mayContain))
        let falsePositives = (0..<10_000).filter { filter.mayContain("other-\($0)") }.count
        #expect(falsePositives < 300, "false positive rate \(falsePositives) / 10000")
        #expect(!filter.needsGrowth)
        filter.insert("one-more")
        #expect(filter.needsGrowth)
    }

    @Test("an empty filter contains nothing")
    func empty() {
        let filter = CommandIDFilter(capacity: 1)
        #expect(!filter.mayContain(""))
        #expect(!filter.mayContain("x"))
    }
}
