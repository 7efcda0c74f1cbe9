import Contracts
import Foundation
import Testing

/// The restaking registry end to end (PROTOCOL.md §9.6): the real stack through the real CLI.
@Suite("Restaking registry")
struct RestakingRegistryTests {
    static let wad: UInt128 = 1_000_000_000_000_000_000

    @discardableResult
    func json(_ stack: StackHarness, _ arguments: String...) throws -> JSON {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments + ["--json"])
        try #require(run.exitCode == 0, "stakeline \(arguments.joined(separator: " ")) exited \(run.exitCode): \(run.stderr)")
        return try JSONCodec.parse(Array(run.stdout.utf8))
    }

    /// The CLI must refuse with `exitCode` and mention `text`.
    func refused(_ stack: StackHarness, _ exitCode: Int32, _ text: String, _ arguments: String...,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments)
        #expect(run.exitCode == exitCode, "\(arguments) exited \(run.exitCode): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(text) || run.stdout.contains(text), "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
    }

    func allocation(_ stack: StackHarness) throws -> JSON {
        let shown = try json(stack, "operator", "show", "op")
        return try #require(shown["restaking"]?["allocations"].flatMap { value -> JSON? in
            if case .array(let items) = value { return items.first }
            return nil
        })
    }

    @Test("register an operator and an AVS, create a set, join, allocate: in effect after the delay; bad input refused")
    func registerJoinAllocate() throws {
        let stack = try StackHarness()
        defer { stack.down() }
        try stack.up()

        let op = try json(stack, "operator", "register", "op", "--restaking", "--split", "10%", "--allocation-delay", "3")
        #expect(op["splitBips"] == .number("1000"))
        #expect(op["allocationDelayEpochs"] == .number("3"))
        try json(stack, "avs", "register", "eigenda")
        try json(stack, "avs", "register", "other")
        let set = try json(stack, "avs", "set", "create", "eigenda/1", "--strategies", "steth,native")
        #expect(set["strategies"] == .array([.string("native"), .string("steth")]))
        try json(stack, "operator", "join", "op", "eigenda/1")
        try json(stack, "epochs", "advance", "2")  // clock at 2

        let allocated = try json(stack, "operator", "allocate", "op", "eigenda/1", "steth", "0.6")
        #expect(allocated["magnitudeWad"] == .string(String(Self.wad * 6 / 10)))
        #expect(allocated["effectEpoch"] == .number("5"))
        #expect(try allocation(stack)["currentMagnitudeWad"] == .string("0"))
        try json(stack, "epochs", "advance", "2")  // 4: not yet
        #expect(try allocation(stack)["currentMagnitudeWad"] == .string("0"))
        try json(stack, "epochs", "advance", "1")  // 5: in effect
        let inEffect = try allocation(stack)
        #expect(inEffect["currentMagnitudeWad"] == .string(String(Self.wad * 6 / 10)))
        #expect(inEffect["pending"] == .null)

        let avs = try json(stack, "avs", "show", "eigenda")
        let members = avs["sets"].flatMap { value -> JSON? in if case .array(let sets) = value { return sets.first?["operators"] }; return nil }
        #expect(members == .array([.object([
            "operator": "op", "registered": .bool(true), "slashable": .bool(true), "slashableUntilEpoch": .null,
        ])]))

        // Bad input: over-allocation across sets, delegating twice, an AVS acting for another,
        // a fraction above 100 %.
        try json(stack, "avs", "set", "create", "eigenda/2", "--strategies", "steth")
        try json(stack, "operator", "join", "op", "eigenda/2")
        try refused(stack, 1, "insufficient_magnitude", "operator", "allocate", "op", "eigenda/2", "steth", "0.5")
        try json(stack, "delegate", "alice", "op")
        try refused(stack, 1, "already_delegated", "delegate", "alice", "op")
        try refused(stack, 1, "unauthorized", "avs", "set", "create", "eigenda/3", "--strategies", "steth", "--as", "other")
        try refused(stack, 64, "above 100", "operator", "allocate", "op", "eigenda/2", "steth", "1.5")
        // Nothing changed: the allocation and the second set are as before.
        #expect(try allocation(stack)["currentMagnitudeWad"] == .string(String(Self.wad * 6 / 10)))
        let after = try json(stack, "avs", "show", "eigenda")
        if case .array(let sets)? = after["sets"] { #expect(sets.count == 2) } else { Issue.record("no sets: \(after)") }
    }
}

extension JSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
