import ArgumentParser
import Contracts
import Foundation
import ServiceKit

extension Stakeline {
    struct Validator: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Solo validators: deposit, exit, inspect, and (as the oracle) performance and slashing.",
            subcommands: [Deposit.self, Exit.self, Show.self, List.self, Slash.self, Performance.self])

        // MARK: deposit

        struct Deposit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Fund a new validator from an account's ETH; the account is its withdrawal address.",
                discussion: """
                    32 ETH for 0x01 credentials; 32 to 2048 ETH with --compounding (0x02). \
                    Acts as the account unless --as says otherwise.
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The owner, who pays now and receives the withdrawals.")
            var account: String

            @Option(help: "ETH to deposit, whole gwei (at most 9 decimals).")
            var amount: String = "32"

            @Flag(help: "0x02 credentials: balance above 32 ETH compounds, up to 2048 ETH.")
            var compounding = false

            func parsed() throws -> (account: String, wei: UInt128) {
                try usage { () throws(InputError) in
                    (InputParsing.account(account), try InputParsing.etherInWholeGwei(amount, name: "--amount"))
                }
            }

            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let (account, wei) = try parsed()
                    let client = try GatewayClient(options: global)
                    var body: [String: JSON] = ["account": .string(account), "amountWei": .amount(wei)]
                    if compounding { body["compounding"] = .bool(true) }
                    let result = try client.call(.ledger, "ledger.validator.deposit", actor: client.actor(account), body: .object(body))
                    if global.json { return Output.json(result) }
                    ValidatorView.print(result, now: client.currentEpoch(), exact: global.exact)
                    print("\(account)'s ETH balance now \(Format.ether(result, "balanceWei", exact: global.exact))")
                    print("Next: 'stakeline epochs advance N' moves the chain until it is active (see Expected activation).")
                }
            }
        }

        // MARK: exit

        struct Exit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Initiate a voluntary exit through the exit queue.",
                discussion: "Acts as the validator's owner (looked up first) unless --as says otherwise.")

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The validator id.")
            var id: UInt64

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let actor: String
                    if let chosen = global.actor {
                        actor = chosen
                    } else {
                        let validator = try client.call(.ledger, "ledger.validator.show", actor: "stakeline", body: .object(["validator": .int(id)]))
                        actor = ValidatorView.owner(validator)
                    }
                    let result = try client.call(.ledger, "ledger.validator.exit", actor: actor, body: .object(["validator": .int(id)]))
                    if global.json { return Output.json(result) }
                    let now = client.currentEpoch()
                    print("Validator \(id): exit initiated (\(ValidatorView.status(result)))")
                    let exit = (try? result.optionalUInt64("exitEpoch")) ?? nil
                    let withdrawable = (try? result.optionalUInt64("withdrawableEpoch")) ?? nil
                    Output.fields([
                        ("Exit", exit.map { Format.epochFromNow($0, now: now) } ?? Format.noEpoch),
                        ("Withdrawable", withdrawable.map { Format.epochFromNow($0, now: now) } ?? Format.noEpoch),
                        ("Balance", Format.ether(result, "balanceGwei", exact: global.exact)),
                    ])
                }
            }
        }

        // MARK: show

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a validator: status, balances, epochs, queue position.")

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The validator id.")
            var id: UInt64

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let validator = try client.call(.ledger, "ledger.validator.show", actor: client.actor("stakeline"), body: .object(["validator": .int(id)]))
                    if global.json { return Output.json(validator) }
                    ValidatorView.print(validator, now: client.currentEpoch(), exact: global.exact)
                }
            }
        }

        // MARK: list

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List validators, in id order.")

            @OptionGroup var global: GlobalOptions

            @Option(help: "Only this account's validators.")
            var owner: String?

            @Option(help: ArgumentHelp(
                "Only this status, or a group: pending, active, exited, withdrawal.",
                discussion: "Statuses: " + InputParsing.validatorStatuses.joined(separator: ", ")))
            var status: String?

            @Option(help: "At most this many (1…1000; default 100).")
            var limit: UInt64?

            @Option(help: "Skip this many first.")
            var offset: UInt64?

            func validate() throws {
                if let status { _ = try usage { () throws(InputError) in try InputParsing.validatorStatus(status) } }
                if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be between 1 and 1000") }
            }

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    var body: [String: JSON] = [:]
                    if let owner { body["owner"] = .string(InputParsing.account(owner)) }
                    if let status { body["status"] = .string(status) }
                    if let limit { body["limit"] = .int(limit) }
                    if let offset { body["offset"] = .int(offset) }
                    let result = try client.call(.ledger, "ledger.validator.list", actor: client.actor("stakeline"), body: .object(body))
                    if global.json { return Output.json(result) }
                    let validators = (try? result.array("validators")) ?? []
                    let total = (try? result.uint64("total")) ?? UInt64(validators.count)
                    if !validators.isEmpty {
                        Output.table(ValidatorView.tableHeader, validators.map { ValidatorView.tableRow($0, exact: global.exact) },
                                     rightAligned: ValidatorView.tableNumeric)
                    }
                    let first = offset ?? 0
                    if validators.isEmpty {
                        print(total == 0 ? "no validators" : "none past offset \(first) (\(total) in all)")
                    } else {
                        let last = first + UInt64(validators.count)
                        var footer = "\(first + 1)–\(last) of \(total) validator(s)"
                        if last < total { footer += "; next page: --offset \(last)" }
                        print(footer)
                    }
                }
            }
        }

        // MARK: slash

        struct Slash: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Report a validator's slashable offence (as the oracle) and show the outcome.",
                discussion: """
                    The slashing service records the offence; the ledger applies it (initial penalty, \
                    forced exit, correlation penalty later). Waits until the ledger has applied it, then \
                    shows the validator as the ledger has it (with --json: its ledger.validator.show \
                    object). Exits 1 if the ledger refused it (no longer slashable).
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The validator id.")
            var id: UInt64

            @Option(help: "What the validator did (1…256 bytes), e.g. \"double vote\".")
            var reason: String

            func validate() throws {
                guard (1...256).contains(reason.utf8.count) else { throw ValidationError("--reason must be 1 to 256 bytes") }
            }

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.slashing, "slashing.validator.slash", actor: client.oracle,
                                                 body: .object(["validator": .int(id), "reason": .string(reason)]))
                    let seq = try client.eventSeq(of: result, from: .slashing)
                    try client.waitForLedger(.slashing, seq: seq)
                    let outcome = try client.slashingOutcome(seq: seq, validator: id)
                    if (try? outcome.string("state")) == "refused" {
                        throw GatewayFailure.refused(
                            code: (try? outcome.string("code")) ?? "refused",
                            message: (try? outcome.string("message")) ?? "the ledger refused the slashing of validator \(id)")
                    }
                    // The outcome, as the ledger has it (the slashing reply only says it was recorded).
                    let validator = try client.call(.ledger, "ledger.validator.show", actor: "stakeline", body: .object(["validator": .int(id)]))
                    if global.json { return Output.json(validator) }
                    let penalty = outcome["penaltyGwei"] != nil ? Format.ether(outcome, "penaltyGwei", exact: global.exact) : "?"
                    print("Validator \(id) slashed for \"\(reason)\" at epoch \(Format.epoch(outcome, "epoch")): initial penalty \(penalty), forced exit")
                    ValidatorView.print(validator, now: client.currentEpoch(), exact: global.exact)
                }
            }
        }

        // MARK: performance

        struct Performance: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set how a validator (or all of an account's) performs from the next epoch on (as the oracle).",
                discussion: """
                    Examples: stakeline validator performance 3 --offline; \
                    stakeline validator performance --owner alice --online 99.5% --flags source,target
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The validator id (or use --owner).")
            var id: UInt64?

            @Option(help: "Every validator of this account without a setting of its own, including future ones.")
            var owner: String?

            @Option(help: "Share of epochs online: 0…1 (0.95) or a percentage (95%).")
            var online: String?

            @Flag(help: "Never online (the same as --online 0).")
            var offline = false

            @Option(help: "Flags earned when online, comma-separated: source,target,head (default: all three).")
            var flags: String?

            func parsed() throws -> [String: JSON] {
                guard (id == nil) != (owner == nil) else { throw ValidationError("give either a validator id or --owner, not both") }
                guard (online == nil) != !offline else { throw ValidationError("give either --online RATE or --offline") }
                var body: [String: JSON] = [:]
                if let id { body["validator"] = .int(id) }
                if let owner { body["owner"] = .string(InputParsing.account(owner)) }
                let bips = try online.map { text in try usage { () throws(InputError) in try InputParsing.rateBips(text, name: "--online") } } ?? 0
                body["onlineRateBips"] = .int(bips)
                if let flags {
                    body["flags"] = .array(try usage { () throws(InputError) in try InputParsing.flags(flags, name: "--flags") }.map(JSON.string))
                }
                return body
            }

            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let body = try parsed()
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.rewards, "rewards.performance.set", actor: client.oracle, body: .object(body))
                    try client.waitForLedger(.rewards, seq: try client.eventSeq(of: result, from: .rewards))
                    if global.json { return Output.json(result) }
                    let target = id.map { "Validator \($0)" } ?? "Validators of \(owner ?? "?")"
                    let setting = result["onlineRateBips"] != nil ? result : .object(body)
                    print("\(target): \(ValidatorView.performance(setting)) from the next epoch on")
                }
            }
        }
    }
}

extension GatewayClient {
    /// The slashing service's record of the slashing journaled at `seq`, once it knows the
    /// ledger's outcome (`applied` or `refused`). The ledger has applied it already; the slashing
    /// service learns the outcome from the ledger's event, a moment later.
    func slashingOutcome(seq: UInt64, validator: UInt64) throws -> JSON {
        let clock = ContinuousClock()
        let start = clock.now
        var entry: JSON = .object([:])
        while true {
            let result = try call(.slashing, "slashing.validator.slashings", actor: "stakeline", body: .object(["validator": .int(validator)]))
            let slashings = (try? result.array("slashings")) ?? []
            if let found = slashings.last(where: { (try? $0.uint64("seq")) == seq })
                ?? slashings.last(where: { (try? $0.uint64("validator")) == validator }) {
                entry = found
                if (try? found.string("state")) != "pending" { return found }
            }
            // The ledger's view is authoritative; don't hold the user up for the echo.
            if clock.now - start >= .seconds(10) { return entry }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
