import Contracts
import Foundation
import Testing

/// The CLI helpers and EigenLayer integer arithmetic the restaking vector and rewards suites
/// share: every call goes through the real `stakeline` with `--json`; every expected number is
/// computed with these few exact primitives (reference/restaking.md §2.1), not read back.
struct RestakingCLI {
    static let wad: UInt128 = 1_000_000_000_000_000_000
    let stack: StackHarness

    @discardableResult
    func json(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        try json(arguments, sourceLocation: sourceLocation)
    }

    @discardableResult
    func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments + ["--json"])
        try #require(run.exitCode == 0, "stakeline \(arguments.joined(separator: " ")) exited \(run.exitCode): \(run.stderr)",
            sourceLocation: sourceLocation)
        return try JSONCodec.parse(Array(run.stdout.utf8))
    }

    /// The CLI must refuse with `exitCode` and mention `text`.
    func refused(_ exitCode: Int32, _ text: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        try refused(exitCode, text, arguments, sourceLocation: sourceLocation)
    }

    func refused(_ exitCode: Int32, _ text: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), arguments)
        #expect(run.exitCode == exitCode, "\(arguments) exited \(run.exitCode): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(text) || run.stdout.contains(text), "\(arguments): \(run.stderr) \(run.stdout)",
            sourceLocation: sourceLocation)
    }

    /// `stakeline raw <service> <type> <body>`: the reply envelope's result.
    func raw(_ service: String, _ type: String, _ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), ["raw", service, type, body])
        try #require(run.exitCode == 0, "raw \(type) exited \(run.exitCode): \(run.stdout) \(run.stderr)", sourceLocation: sourceLocation)
        let reply = try JSONCodec.parse(Array(run.stdout.utf8))
        return reply["result"] ?? reply
    }

    func epochs(_ count: UInt64) throws { try json("epochs", "advance", String(count)) }

    func chainEpoch() throws -> UInt64 { UInt64(clamping: Self.amount(try json("chain", "show"), "epoch")) }

    func expectAuditExact(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try json("audit")
        #expect(audit["ok"] == .bool(true), "audit: \(audit)", sourceLocation: sourceLocation)
        #expect(audit["leftWei"] == audit["rightWei"], sourceLocation: sourceLocation)
    }

    /// An amount (a decimal string) or a number field.
    static func amount(_ json: JSON?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) -> UInt128 {
        let text: String? = switch json?[key] {
        case .string(let text)?, .number(let text)?: text
        default: nil
        }
        guard let text, let value = UInt128(text) else {
            Issue.record("no amount \(key) in \(String(describing: json))", sourceLocation: sourceLocation)
            return .max
        }
        return value
    }

    static func items(_ json: JSON?) -> [JSON] {
        if case .array(let values)? = json { return values }
        return []
    }

    // MARK: Views

    func position(_ account: String, _ strategy: String) throws -> JSON? {
        Self.items(try json("restake", "show", account)["positions"]).first { $0["strategy"] == .string(strategy) }
    }

    func withdrawable(_ account: String, _ strategy: String) throws -> UInt128 {
        guard let found = try position(account, strategy) else { return 0 }
        return Self.amount(found, "withdrawableShares")
    }

    /// A balance field of `account show`; 0 for an account the ledger has never credited.
    func token(_ account: String, _ field: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> UInt128 {
        let run = try stack.run(stack.binDir.appendingPathComponent("stakeline"), ["account", "show", account, "--json"])
        if run.exitCode == 1 && (run.stderr + run.stdout).contains("not_found") { return 0 }
        try #require(run.exitCode == 0, "account show \(account) exited \(run.exitCode): \(run.stdout) \(run.stderr)", sourceLocation: sourceLocation)
        return Self.amount(try JSONCodec.parse(Array(run.stdout.utf8)), field, sourceLocation: sourceLocation)
    }

    /// slashing's magnitudes of `operator` in `strategy` (max, encumbered, allocatable) and its
    /// allocation's current magnitude in `set` (`avs/id`), from `operator show --json`.
    struct Magnitudes: Equatable, CustomStringConvertible {
        var current: UInt128, max: UInt128, encumbered: UInt128, allocatable: UInt128
        var description: String { "current \(current) max \(max) encumbered \(encumbered) allocatable \(allocatable)" }
    }

    func magnitudes(_ name: String, _ set: String, _ strategy: String) throws -> Magnitudes {
        let shown = try json("operator", "show", name)["restaking"]
        let parts = set.split(separator: "/")
        let allocation = Self.items(shown?["allocations"]).first {
            $0["avs"] == .string(String(parts[0])) && $0["strategy"] == .string(strategy)
                && Self.amount($0, "setId") == UInt128(parts[1])!
        }
        let info = Self.items(shown?["strategies"]).first { $0["strategy"] == .string(strategy) }
        return Magnitudes(
            current: allocation.map { Self.amount($0, "currentMagnitudeWad") } ?? 0,
            max: info.map { Self.amount($0, "maxMagnitudeWad") } ?? Self.wad,
            encumbered: info.map { Self.amount($0, "encumberedMagnitudeWad") } ?? 0,
            allocatable: info.map { Self.amount($0, "allocatableMagnitudeWad") } ?? Self.wad)
    }

    /// The ledger's operator shares of `operator` in `strategy`.
    func operatorShares(_ name: String, _ strategy: String) throws -> UInt128 {
        let ledger = try json("operator", "show", name)["ledger"]
        guard let entry = Self.items(ledger?["strategies"]).first(where: { $0["strategy"] == .string(strategy) }) else { return 0 }
        return Self.amount(entry, "shares")
    }

    /// Token units of `strategy` burned so far (the audit's `restaking:burned` balance).
    func burned(_ strategy: String) throws -> UInt128 {
        Self.amount(try json("audit")["restaking"]?["strategies"]?[strategy], "burnedUnits")
    }

    // MARK: EigenLayer arithmetic (reference/restaking.md §2.1)

    /// `floor(a × b / c)` through the full 256-bit product.
    static func mulDiv(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 {
        let product = a.multipliedFullWidth(by: b)
        return c.dividingFullWidth((high: product.high, low: product.low)).quotient
    }

    static func mulDivCeil(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128 {
        let product = a.multipliedFullWidth(by: b)
        let (quotient, remainder) = c.dividingFullWidth((high: product.high, low: product.low))
        return remainder == 0 ? quotient : quotient + 1
    }

    static func mulWad(_ a: UInt128, _ b: UInt128) -> UInt128 { mulDiv(a, b, wad) }
    static func divWad(_ a: UInt128, _ b: UInt128) -> UInt128 { mulDiv(a, wad, b) }

    /// `calcWithdrawable(ds, dsf, sf) = mulWad(mulWad(ds, dsf), sf)`.
    static func withdrawable(_ ds: UInt128, dsf: UInt128, sf: UInt128) -> UInt128 { mulWad(mulWad(ds, dsf), sf) }

    /// `SlashingLib.update` for a share increase of `added` on `prevDs` at slashing factor `sf`.
    static func updatedDSF(prevDs: UInt128, dsf: UInt128, added: UInt128, sf: UInt128) -> UInt128 {
        guard prevDs > 0 else { return divWad(dsf, sf) }
        let current = withdrawable(prevDs, dsf: dsf, sf: sf)
        return divWad(divWad(current + added, prevDs + added), sf)
    }

    /// One slash of `fraction` (WAD) on an allocation `current` at `max`:
    /// `slashedMag = ceil(current × wad / WAD)`, `wadSlashed = floor(slashedMag × WAD / max)`.
    static func slash(current: UInt128, max: UInt128, fraction: UInt128)
        -> (slashedMag: UInt128, wadSlashed: UInt128, current: UInt128, max: UInt128)
    {
        let slashed = mulDivCeil(current, fraction, wad)
        return (slashed, mulDiv(slashed, wad, max), current - slashed, max - slashed)
    }

    /// Shares left after a slash from `prevMax` to `newMax`: `ceil(shares × new / prev)`.
    static func sharesAfter(_ shares: UInt128, prevMax: UInt128, newMax: UInt128) -> UInt128 {
        prevMax == 0 ? 0 : mulDivCeil(shares, newMax, prevMax)
    }

    /// `allocatedStake = mulWad(opShares, divWad(current, max))` (AllocationManagerView).
    static func allocatedStake(shares: UInt128, current: UInt128, max: UInt128) -> UInt128 {
        mulWad(shares, divWad(current, max))
    }

    /// Wei as the CLI's decimal input, exactly (18 decimals).
    static func decimal(_ wei: UInt128) -> String {
        let fraction = String(wei % wad)
        return "\(wei / wad).\(String(repeating: "0", count: 18 - fraction.count))\(fraction)"
    }
}
