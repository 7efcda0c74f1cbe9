import ArgumentParser
import Contracts
import ServiceKit

// Restaking balances (PROTOCOL.md §9.7): deposits into strategies, native restaking through a
// pod, checkpoints, escrowed withdrawals (ledger); AVS slashing (slashing); AVS rewards (ledger
// escrow, rewards accrual and claims).

extension Stakeline {
    struct Restake: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restake: deposit tokens into strategies or validators through a pod; queue and complete withdrawals.",
            discussion: """
                Strategies: steth, wsteth, reth (tokens the account holds in the books) and native (ETH of \
                validators pointed at the account's pod). Deposits earn deposit shares; delegated to an \
                operator (stakeline delegate), they back its allocations to AVSs and can be slashed. \
                Withdrawals stay escrowed and slashable for 3151 epochs (≈ 14 days). Each command acts \
                as the account unless --as (for withdraw complete: --actor) says otherwise.
                """,
            subcommands: [Deposit.self, Native.self, Checkpoint.self, Withdraw.self, Show.self])

        // MARK: deposit

        struct Deposit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Deposit stETH, wstETH or rETH into its restaking strategy for deposit shares.",
                discussion: "Example: stakeline restake deposit alice 10 steth")

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The account.") var account: String
            @Argument(help: "How much of the token, in decimals: 1.5 (at most 18 decimals).") var amount: String
            @Argument(help: "The token: steth, wsteth or reth.") var asset: String

            func parsed() throws -> [String: JSON] {
                try usage { () throws(InputError) in
                    let strategy = try InputParsing.restakeAsset(asset, native: false)
                    return ["account": .string(InputParsing.account(account)), "strategy": .string(strategy.rawValue),
                            "amountWei": .amount(try InputParsing.positiveAmount(amount))]
                }
            }
            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let body = try parsed()
                    let client = try GatewayClient(options: global)
                    let account = RestakeView.string(.object(body), "account")
                    let result = try client.call(.ledger, "ledger.restake.deposit", actor: client.actor(account), body: .object(body))
                    if global.json { return Output.json(result) }
                    RestakeView.deposited(result, exact: global.exact).forEach { print($0) }
                }
            }
        }

        // MARK: native

        struct Native: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Restake a validator natively: point it at the account's pod (its effective balance becomes native shares).",
                discussion: "The account must own the validator; neither exited nor slashed. Example: stakeline restake native alice 3")

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The account (the validator's owner).") var account: String
            @Argument(help: "The validator id.") var validator: UInt64

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let account = InputParsing.account(self.account)
                    let result = try client.call(.ledger, "ledger.restake.native", actor: client.actor(account), body: .object([
                        "account": .string(account), "validator": .int(validator),
                    ]))
                    if global.json { return Output.json(result) }
                    RestakeView.nativeVerified(result, exact: global.exact).forEach { print($0) }
                }
            }
        }

        // MARK: checkpoint

        struct Checkpoint: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Checkpoint the account's pod: credit growth as native shares, or record a loss.",
                discussion: """
                    Compares the pod's restaked balance (its validators' balances + the ETH swept into it) \
                    with the last checkpoint: a rise adds shares, a fall lowers the beacon chain slashing \
                    factor. Example: stakeline restake checkpoint alice
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The account (a pod must exist).") var account: String

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let account = InputParsing.account(self.account)
                    let result = try client.call(.ledger, "ledger.restake.checkpoint", actor: client.actor(account),
                                                 body: .object(["account": .string(account)]))
                    if global.json { return Output.json(result) }
                    RestakeView.checkpointed(result, exact: global.exact).forEach { print($0) }
                }
            }
        }

        // MARK: withdraw

        struct Withdraw: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Escrowed withdrawals: queue deposit shares, complete after 3151 epochs (≈ 14 days).",
                subcommands: [Queue.self, Complete.self])

            struct Queue: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "Queue a withdrawal of deposit shares (slashable by the operator until released).",
                    discussion: """
                        The operator loses their value now; the withdrawal is completable 3151 epochs \
                        later (≈ 14 days). Shares are typed like amounts: 1.5 is 1.5 shares (1.5 × 10^18 \
                        base units); --raw takes base units, as --json shows them. \
                        Example: stakeline restake withdraw queue alice steth 1.5
                        """)

                @OptionGroup var global: GlobalOptions
                @Argument(help: "The account.") var account: String
                @Argument(help: "The strategy: native, steth, wsteth or reth.") var asset: String
                @Argument(help: "Deposit shares: 1.5 (at most 18 decimals), or base units with --raw.") var depositShares: String
                @Flag(help: "The deposit shares are base units (a whole number), as --json gives them.") var raw = false

                func parsed() throws -> [String: JSON] {
                    try usage { () throws(InputError) in
                        let strategy = try InputParsing.restakeAsset(asset, native: true)
                        return ["account": .string(InputParsing.account(account)), "strategy": .string(strategy.rawValue),
                                "depositShares": .amount(try InputParsing.restakeShares(depositShares, raw: raw))]
                    }
                }
                func validate() throws { _ = try parsed() }

                func run() throws {
                    try guarded(json: global.json) {
                        let body = try parsed()
                        let client = try GatewayClient(options: global)
                        let account = RestakeView.string(.object(body), "account")
                        let result = try client.call(.ledger, "ledger.restake.withdraw.queue", actor: client.actor(account),
                                                     body: .object(body))
                        if global.json { return Output.json(result) }
                        RestakeView.withdrawalQueued(result, exact: global.exact).forEach { print($0) }
                    }
                }
            }

            struct Complete: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "Complete a released withdrawal, as tokens (paid out) or as shares (restaked again).",
                    discussion: """
                        Pays the shares left after any slashing in the escrow period. As tokens: the \
                        strategy's token to the account (native: ETH from the pod, which must hold it: the \
                        validators must have exited and been swept). As shares: deposited again under the \
                        account's current operator. Here --as is the way to receive it; to act as another \
                        identity than the account use --actor. \
                        Example: stakeline restake withdraw complete alice 4 --as tokens
                        """)

                @OptionGroup var options: CompletionOptions
                @Argument(help: "The account (the withdrawal's staker).") var account: String
                @Argument(help: "The withdrawal id (stakeline restake show).") var id: UInt64
                @Option(name: .customLong("as"), help: ArgumentHelp("tokens (paid out) or shares (restaked again).", valueName: "tokens|shares"))
                var mode: CompletionMode

                func run() throws {
                    let global = try options.global()
                    try guarded(json: global.json) {
                        let client = try GatewayClient(options: global)
                        let account = InputParsing.account(self.account)
                        let result: JSON
                        do {
                            result = try client.call(.ledger, "ledger.restake.withdraw.complete", actor: client.actor(account), body: .object([
                                "account": .string(account), "id": .int(id), "as": .string(mode.rawValue),
                            ]))
                        } catch GatewayFailure.refused(let code, let message) where code == "withdrawal_delay_not_elapsed" {
                            // Say how long is left, from the account's withdrawals as the ledger has them.
                            let view = try? client.call(.ledger, "ledger.restake.show", actor: "stakeline",
                                                        body: .object(["account": .string(account)]))
                            let hint = view.flatMap { RestakeView.releaseHint($0, id: id) }
                            throw GatewayFailure.refused(code: code, message: message + (hint.map { " (\($0))" } ?? ""))
                        }
                        if global.json { return Output.json(result) }
                        RestakeView.withdrawalCompleted(result, exact: global.exact).forEach { print($0) }
                    }
                }
            }
        }

        // MARK: show

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show an account's restaking: positions, delegation, pod, queued withdrawals and when they release.",
                discussion: "With --json: the ledger's ledger.restake.show result as it is.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The account.") var account: String

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let account = InputParsing.account(self.account)
                    // Delegations and slashes reach the ledger through the registry's and slashing's events.
                    try client.ledgerCaughtUp(with: [.operators, .slashing])
                    let result = try client.call(.ledger, "ledger.restake.show", actor: client.actor("stakeline"),
                                                 body: .object(["account": .string(account)]))
                    if global.json { return Output.json(result) }
                    RestakeView.show(result, exact: global.exact).forEach { print($0) }
                }
            }
        }
    }

    // MARK: rewards

    struct Rewards: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "AVS rewards of an account (as delegator and as operator): show, claim.",
            subcommands: [Show.self, Claim.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show an account's AVS rewards: claimable, claimed, and by source (operator set and role).",
                discussion: "With --json: the rewards service's rewards.avs.show result as it is.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The account.") var account: String

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let account = InputParsing.account(self.account)
                    let result = try client.call(.rewards, "rewards.avs.show", actor: client.actor("stakeline"),
                                                 body: .object(["account": .string(account)]))
                    if global.json { return Output.json(result) }
                    RestakeView.rewards(result, exact: global.exact).forEach { print($0) }
                }
            }
        }

        struct Claim: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Claim everything an account has accrued; waits until the ledger has credited the ETH.",
                discussion: """
                    The ETH moves from the rewards escrow to the account's ETH in the books. With --json: \
                    the claim's result plus "ledger", the account as the ledger has it afterwards (or null). \
                    Acts as the account unless --as says otherwise. Example: stakeline rewards claim alice
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The account.") var account: String

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let account = InputParsing.account(self.account)
                    // The eeth pool's pod-stakers (pool:eeth/<operator>) are claimed by the oracle (§9.8).
                    let actor = account.hasPrefix("pool:eeth/") ? client.oracle : client.actor(account)
                    let result = try client.call(.rewards, "rewards.avs.claim", actor: actor,
                                                 body: .object(["account": .string(account)]))
                    try client.waitForLedger(.rewards, seq: try client.eventSeq(of: result, from: .rewards))
                    let balance = try? client.call(.ledger, "ledger.account.show", actor: "stakeline",
                                                   body: .object(["account": .string(account)]))
                    if global.json {
                        guard case .object(var fields) = result else { return Output.json(result) }
                        fields["ledger"] = balance ?? .null
                        return Output.json(.object(fields))
                    }
                    RestakeView.claimed(result, balance: balance, exact: global.exact).forEach { print($0) }
                }
            }
        }
    }
}

// MARK: AVS slash and rewards

extension Stakeline.AVS {
    struct Slash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Slash an operator (as the AVS): a fraction of its allocation to the set, in every strategy of the set.",
            discussion: """
                The fraction is 0.25, 25% or a raw WAD (250000000000000000wad); 0 and more than 100% are \
                refused. The operator must be slashable by the set (registered, or within 3150 epochs of \
                leaving). Waits until the ledger and rewards have applied it, then shows what the ledger \
                cut and burned. With --json: the slashing result plus "ledger" (the ledger's slashes of \
                this set for the operator, or null). Example: \
                stakeline avs slash oracle-avs/1 op1 25% --reason "equivocation"
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The operator set: <avs>/<id>.") var set: String
        @Argument(help: ArgumentHelp("The restaking operator.", valueName: "operator")) var operatorName: String
        @Argument(help: "How much of its allocation: 0.25, 25% or 250000000000000000wad.") var fraction: String
        @Option(help: "Why (recorded with the slash).") var reason: String

        func parsed() throws -> [String: JSON] {
            let address = try usage { () throws(InputError) in try Stakeline.Operator.setAddress(set) }
            let wad = try usage { () throws(InputError) in try InputParsing.slashFraction(fraction) }
            guard !reason.trimmingSpaces().isEmpty else { throw ValidationError("--reason must say why (it is recorded with the slash)") }
            return ["avs": .string(address.avs), "setId": .int(address.setId), "operator": .string(InputParsing.account(operatorName)),
                    "wadToSlash": .amount(wad), "reason": .string(reason)]
        }
        func validate() throws { _ = try parsed() }

        func run() throws {
            try guarded(json: global.json) {
                let body = try parsed()
                let client = try GatewayClient(options: global)
                let avs = RestakeView.string(.object(body), "avs"), name = RestakeView.string(.object(body), "operator")
                // Slashability is decided at slashing's epoch: it must have followed the clock and the registry.
                try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: .object([:]), from: .operators))
                try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
                let result = try client.call(.slashing, "slashing.avs.slash", actor: client.actor(avs), body: .object(body))
                let seq = try client.eventSeq(of: result, from: .slashing)
                try client.waitForLedger(.slashing, seq: seq)
                try client.waitFor(.rewards, following: .slashing, seq: seq)
                let applied = Stakeline.AVS.ledgerSlashes(client, operator: name, avs: avs, setId: body["setId"]?.integer)
                if global.json {
                    guard case .object(var fields) = result else { return Output.json(result) }
                    fields["ledger"] = applied.slashes.map { JSON.array($0) } ?? JSON.null
                    return Output.json(.object(fields))
                }
                RestakeView.slashed(result, ledger: applied.slashes ?? [], exact: global.exact).forEach { print($0) }
                if let note = applied.note { print(note) }
            }
        }
    }

    /// The ledger's slashes of `operator` by `avs` (set `setId` when given), from
    /// `ledger.restake.operator`; nil and a note when the ledger cannot say.
    static func ledgerSlashes(_ client: GatewayClient, operator name: String, avs: String, setId: UInt64?) -> (slashes: [JSON]?, note: String?) {
        let found = ledgerOperatorView(client, operator: name)
        return (found.view.map { slashes(in: $0, avs: avs, setId: setId) }, found.note)
    }

    /// `ledger.restake.operator` of `operator` (delegated stake per strategy, delegators, slashing
    /// history), or the note saying why the ledger cannot say. `catchUp` first waits for the
    /// ledger to follow the registry and slashing.
    static func ledgerOperatorView(_ client: GatewayClient, operator name: String, catchUp: Bool = false) -> OptionalAnswer {
        client.optionalQuery(
            .ledger, "ledger.restake.operator", body: .object(["operator": .string(name)]),
            figures: "restaking figures", subject: name,
            prepare: { if catchUp { try client.ledgerCaughtUp(with: [.operators, .slashing]) } })
    }

    /// The slashes by `avs` (in set `setId` when given) in an operator's ledger view.
    static func slashes(in view: JSON, avs: String, setId: UInt64?) -> [JSON] {
        ((try? view.array("slashes")) ?? []).filter { slash in
            (try? slash.string("avs")) == avs && (setId == nil || slash["setId"]?.integer == setId)
        }
    }

    struct RewardsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rewards", abstract: "Fund AVS rewards for an operator set.", subcommands: [Submit.self])

        struct Submit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Fund rewards for an operator set (as the AVS), paid out over N epochs.",
                discussion: """
                    ETH only, from the AVS's ETH in the books, into the rewards escrow. Each epoch's slice \
                    goes to the set's slashable operators by allocated stake: the operator's split first, \
                    the rest to its stakers. Waits until the rewards service has recorded it. \
                    Example: stakeline avs rewards submit oracle-avs/1 10 eth --epochs 225
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The operator set: <avs>/<id>.") var set: String
            @Argument(help: "ETH, in decimals: 10, 0.5.") var amount: String
            @Argument(help: "The token: eth (the only one).") var token: String
            @Option(help: "Over how many epochs (1…10000; 225 a day).") var epochs: UInt64

            func parsed() throws -> [String: JSON] {
                let address = try usage { () throws(InputError) in try Stakeline.Operator.setAddress(set) }
                let wei = try usage { () throws(InputError) in
                    _ = try InputParsing.rewardsToken(token)
                    return try InputParsing.positiveAmount(amount)
                }
                guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 10000 (225 a day)") }
                return ["avs": .string(address.avs), "setId": .int(address.setId), "amountWei": .amount(wei), "epochs": .int(epochs)]
            }
            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let body = try parsed()
                    let client = try GatewayClient(options: global)
                    let avs = RestakeView.string(.object(body), "avs")
                    // The ledger checks the set against its mirror of slashing's sets.
                    try client.waitForLedger(.slashing, seq: try client.eventSeq(of: .object([:]), from: .slashing))
                    let result = try client.call(.ledger, "ledger.avs.rewards.fund", actor: client.actor(avs), body: .object(body))
                    try client.waitFor(.rewards, following: .ledger, seq: try client.eventSeq(of: result, from: .ledger))
                    if global.json { return Output.json(result) }
                    let submission = Stakeline.AVS.submission(client, avs: avs, id: result["submission"])
                    RestakeView.funded(result, submission: submission, exact: global.exact).forEach { print($0) }
                }
            }
        }
    }

    /// Submission `id` of `avs` as rewards has it, or nil.
    static func submission(_ client: GatewayClient, avs: String, id: JSON?) -> JSON? {
        guard let id = id?.integer,
              let list = try? client.call(.rewards, "rewards.avs.submissions", actor: "stakeline", body: .object(["avs": .string(avs)]))
        else { return nil }
        return ((try? list.array("submissions")) ?? []).first { $0["submission"]?.integer == id }
    }
}

/// The global options without `--as` (there `--as` says how to receive a completed
/// withdrawal); `--actor` acts as another identity instead.
struct CompletionOptions: ParsableArguments {
    @Option(name: .long, help: "Stack configuration file (JSON). Default: $STAKELINE_CONFIG, else the embedded defaults.")
    var config: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of tables.")
    var json = false

    @Option(name: .long, help: "Milliseconds to wait for each attempt of a request.")
    var timeoutMs: Int?

    @Option(name: .long, help: "Attempts per request (retries reuse the command id, so nothing applies twice).")
    var attempts: Int = 3

    @Option(name: .customLong("actor"), help: ArgumentHelp("Act as this identity instead of the account.", valueName: "actor"))
    var actor: String?

    @Flag(name: .long, help: "Show amounts with full precision (default: 6 decimals, rounded down).")
    var exact = false

    func validate() throws { _ = try global() }

    /// The same options as ``GlobalOptions``, parsed by it (so every option it may gain keeps
    /// its default here), with `--actor` as its `--as`.
    func global() throws -> GlobalOptions {
        var arguments = ["--attempts=\(attempts)"]
        if let config { arguments.append("--config=\(config)") }
        if json { arguments.append("--json") }
        if let timeoutMs { arguments.append("--timeout-ms=\(timeoutMs)") }
        if let actor { arguments.append("--as=\(actor)") }
        if exact { arguments.append("--exact") }
        do {
            return try GlobalOptions.parse(arguments)
        } catch {
            throw ValidationError(GlobalOptions.message(for: error))
        }
    }
}

extension GatewayClient {
    /// Before a read from the ledger: returns once the ledger has applied every event `sources`
    /// had journaled when asked, so the read shows the effect of the commands before it. A
    /// source that does not answer is skipped with a note (the read goes on); a ledger that
    /// does not answer is `unreachable` (exit 69).
    func ledgerCaughtUp(with sources: [ServiceName]) throws {
        for source in sources {
            let head: UInt64
            do {
                head = try eventSeq(of: .object([:]), from: source)
            } catch GatewayFailure.unreachable(let why) {
                Output.note("note: \(source.rawValue) did not answer, so the ledger may not show its latest events: \(why)")
                continue
            }
            do {
                try waitForLedger(source, seq: head)
            } catch GatewayFailure.unreachable {
                throw GatewayFailure.unreachable("\(config.endpoint(for: .ledger)): the ledger did not answer")
            }
        }
    }
}
