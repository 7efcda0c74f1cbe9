import Contracts
import Foundation
import ServiceKit

/// Waiting for the ledger to apply another service's events (PROTOCOL.md §9.3).
///
/// Commands sent to rewards and slashing take effect in the ledger only when it applies their
/// events. Their replies carry the seq of the event (`seq`, or `lastSeq` for several); the
/// ledger's `status.cursors.<source>` is the last seq of that source it has applied and
/// journaled. Reading the ledger after the cursor has reached the seq shows the command's effect.
extension GatewayClient {
    /// How long the ledger may make no progress at all before the wait gives up. A ledger that
    /// keeps applying events is waited for however long it takes.
    static let ledgerStallLimit: Duration = .seconds(60)

    /// The seq to wait for after a command to `source` whose result is `result`: its `seq` or
    /// `lastSeq`; if it has neither, the source's journal head now (the reply came after the
    /// command's events were journaled, so the head is at or past them).
    func eventSeq(of result: JSON, from source: ServiceName) throws -> UInt64 {
        if let seq = (try? result.optionalUInt64("seq")) ?? nil { return seq }
        if let seq = (try? result.optionalUInt64("lastSeq")) ?? nil { return seq }
        let status = try call(source, "status", actor: "stakeline", body: .object([:]))
        return (try? status.uint64("journalSeq")) ?? 0
    }

    /// The ledger's cursor for `source`: the last seq of it applied and journaled (0 when none).
    func ledgerCursor(_ source: ServiceName) throws -> (cursor: UInt64, status: JSON) {
        let status = try call(.ledger, "status", actor: "stakeline", body: .object([:]))
        let cursor = (try? status.object("cursors").optionalUInt64(source.rawValue)) ?? nil
        return (cursor ?? 0, status)
    }

    /// Returns once the ledger has applied `source`'s events up to `seq`. Calls `progress` with
    /// the cursor each time it is read. Throws `timeout` (exit 1) when the ledger makes no
    /// progress for `ledgerStallLimit`, and `unreachable` (exit 69) when it does not answer.
    func waitForLedger(_ source: ServiceName, seq: UInt64, progress: ((UInt64) -> Void)? = nil) throws {
        let clock = ContinuousClock()
        var last: UInt64?
        var lastMove = clock.now
        var pause = Duration.milliseconds(10)
        while true {
            let cursor: UInt64, status: JSON
            do {
                (cursor, status) = try ledgerCursor(source)
            } catch GatewayFailure.unreachable(let why) {
                throw GatewayFailure.unreachable(
                    "\(source.rawValue) applied the command (event seq \(seq)), but the ledger did not answer while "
                    + "waiting for it to follow: \(why)")
            }
            progress?(cursor)
            if cursor >= seq { return }
            if cursor != last {
                last = cursor
                lastMove = clock.now
            } else if clock.now - lastMove >= Self.ledgerStallLimit {
                let following = status["following"]?[source.rawValue]
                let reachable = following?["reachable"].map { $0 == .bool(true) } ?? true
                throw GatewayFailure.refused(code: "timeout", message:
                    "the ledger has applied \(source.rawValue) events up to seq \(cursor) and needs \(seq), "
                    + "but made no progress for \(Self.ledgerStallLimit.components.seconds) s"
                    + (reachable ? "" : " (it cannot reach \(source.rawValue))")
                    + ". The command itself was applied by \(source.rawValue); check 'scripts/stack logs ledger'")
            }
            Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
            pause = min(pause * 2, .milliseconds(200))
        }
    }
}
