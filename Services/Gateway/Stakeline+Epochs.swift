import ArgumentParser
import Contracts
import ServiceKit

extension Stakeline {
    struct Epochs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive the simulated chain's clock (as the oracle).",
            subcommands: [Advance.self])

        struct Advance: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "End N epochs (1 epoch = 6.4 min; 225 = one day) and wait until the ledger has processed them.",
                discussion: """
                    Sent to the rewards service in chunks of at most 225 epochs; after each the ledger \
                    must have applied them before the next is sent. A progress bar is drawn on stderr \
                    when it is a terminal. Ctrl-C stops the run; the epochs already sent stay ended \
                    (the ledger catches up on its own).
                    """)

            /// At most this many epochs per `rewards.epochs.advance` (one day).
            static let chunk: UInt64 = 225

            @OptionGroup var global: GlobalOptions

            @Argument(help: "How many epochs to end.")
            var count: UInt64

            func validate() throws {
                guard count >= 1 else { throw ValidationError("the number of epochs must be at least 1") }
            }

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    // The clock is rewards': before an epoch ends there, rewards must have seen
                    // every command already answered elsewhere (a restaking deposit or a
                    // delegation changes who earns that epoch's AVS rewards).
                    try client.waitForRewardsToSettle()
                    let before = client.ledgerTotals()
                    let progress = ProgressBar(total: count, unit: "epochs")
                    var done: UInt64 = 0
                    var first: UInt64?
                    var last: JSON = .object([:])
                    defer { progress.finish() }
                    progress.update(0)
                    while done < count {
                        let size = min(Self.chunk, count - done)
                        let result = try client.call(.rewards, "rewards.epochs.advance", actor: client.oracle,
                                                     body: .object(["count": .int(size)]))
                        if first == nil { first = try? result.uint64("fromEpoch") }
                        last = result
                        let lastSeq = try client.eventSeq(of: result, from: .rewards)
                        // One EpochProcessed per epoch, in order: seqs lastSeq-size+1 … lastSeq.
                        try client.waitForLedger(.rewards, seq: lastSeq) { cursor in
                            let behind = lastSeq > cursor ? min(lastSeq - cursor, size) : 0
                            progress.update(done + size - behind)
                        }
                        done += size
                        progress.update(done)
                    }
                    progress.finish()
                    let to = (try? last.uint64("toEpoch"))
                    if global.json {
                        // One advance's result, over the whole run.
                        var combined: [String: JSON] = [:]
                        if let first { combined["fromEpoch"] = .int(first) }
                        if let to { combined["toEpoch"] = .int(to) }
                        if let seq = last["lastSeq"] { combined["lastSeq"] = seq }
                        return Output.json(.object(combined))
                    }
                    let after = client.ledgerTotals()
                    var summary = "Advanced \(count) epoch\(count == 1 ? "" : "s")"
                    if let first, let to { summary += " (\(first) → \(to))" }
                    summary += " in " + String(format: "%.1f", progress.elapsedSeconds) + " s"
                    if let to { summary += "; epoch \(to) in progress" }
                    if let finalized = after.finalized { summary += ", finalized \(finalized)" }
                    if let before = before.flows, let after = after.flows {
                        summary += "; rewards " + Format.change(from: before.rewards, to: after.rewards, exact: global.exact)
                        summary += ", penalties " + Format.change(from: after.penalties, to: before.penalties, exact: global.exact)
                    }
                    if let active = after.active { summary += "; \(active) validator\(active == 1 ? "" : "s") active" }
                    print(summary)
                }
            }
        }
    }
}

extension GatewayClient {
    /// Running totals read before and after a run of epochs, for its summary. Every part is
    /// optional: a summary without them is still a summary.
    struct LedgerTotals {
        var flows: (rewards: UInt128, penalties: UInt128)?
        var finalized: UInt64?
        var active: UInt64?
    }

    func ledgerTotals() -> LedgerTotals {
        var totals = LedgerTotals()
        if let audit = try? call(.ledger, "ledger.audit", actor: "stakeline", body: .object([:])),
           let rewards = try? audit.amount("rewardsWei"), let penalties = try? audit.amount("penaltiesWei") {
            let slashing = (try? audit.amount("slashingPenaltiesWei")) ?? 0
            totals.flows = (rewards, penalties &+ slashing)
        }
        if let chain = try? call(.ledger, "ledger.chain.show", actor: "stakeline", body: .object([:])) {
            totals.finalized = (try? chain.optionalUInt64("finalizedEpoch")) ?? nil
            if case .object(let byStatus)? = chain["validatorsByStatus"] {
                totals.active = byStatus.filter { $0.key.hasPrefix("active") }.values.reduce(0) { $0 + ($1.integer ?? 0) }
            }
        }
        return totals
    }
}
