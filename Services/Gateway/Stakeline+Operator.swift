import ArgumentParser
import Contracts
import ServiceKit

extension Stakeline {
    struct Operator: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Node operators of the liquid pools: register, update, inspect (PROTOCOL.md §9.5).",
            discussion: """
                steth is curated: an admin registers its operators and sets their limits (the CLI acts as \
                the first of roles.admin). reth is permissionless: an operator registers and tunes itself \
                (the CLI acts as the operator). --as overrides either.
                """,
            subcommands: [Register.self, Update.self, Show.self, List.self, Split.self, Join.self, Leave.self, Allocate.self])

        /// The liquid pools that have node operators.
        enum PoolOption: String, ExpressibleByArgument, CaseIterable {
            case steth, reth
        }

        // MARK: register

        struct Register: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a node operator for the steth (curated) or reth (permissionless) pool.",
                discussion: """
                    Examples: stakeline operator register lido-a --pool steth --validator-limit 50; \
                    stakeline operator register rp-1 --pool reth --commission 0.10. \
                    The name is also the account that receives the operator's fees and node rewards.
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The operator's name (an account name).")
            var name: String

            @Option(help: "The pool: steth (curated) or reth (permissionless). Not with --restaking.")
            var pool: PoolOption?

            @Flag(help: "Register a restaking operator (PROTOCOL.md §9.6) instead of a pool's node operator.")
            var restaking = false

            @Option(help: "--restaking: the share of AVS rewards it keeps, 0…1 or 0%…100% (default 10%).")
            var split: String?

            @Option(help: "--restaking: epochs before a new allocation becomes slashable (required).")
            var allocationDelay: UInt64?

            @Option(help: "steth: most validators the pool gives it (0…100000; default 100). reth: recorded only.")
            var validatorLimit: UInt64?

            @Option(help: "Its validators' online rate: 0…1 (0.99) or a percentage (99%) (default 1).")
            var performance: String?

            @Option(help: "reth only: commission on the users' share of rewards, 0.05…0.20 or 5%…20% (default 0.15).")
            var commission: String?

            func parsed() throws -> [String: JSON] {
                if restaking {
                    guard pool == nil, validatorLimit == nil, performance == nil, commission == nil else {
                        throw ValidationError("--restaking takes --split and --allocation-delay only (no --pool, --validator-limit, "
                            + "--performance, --commission)")
                    }
                    guard let allocationDelay else { throw ValidationError("--restaking needs --allocation-delay <epochs>") }
                    var body: [String: JSON] = [
                        "name": .string(InputParsing.account(name)), "allocationDelayEpochs": .int(allocationDelay),
                    ]
                    if let split {
                        body["splitBips"] = .int(try usage { () throws(InputError) in try InputParsing.rateBips(split, name: "--split") })
                    }
                    return body
                }
                guard split == nil, allocationDelay == nil else {
                    throw ValidationError("--split and --allocation-delay are for restaking operators: add --restaking")
                }
                guard let pool else { throw ValidationError("give --pool steth|reth, or --restaking") }
                var body: [String: JSON] = ["name": .string(InputParsing.account(name)), "pool": .string(pool.rawValue)]
                if let validatorLimit { body["validatorLimit"] = .int(validatorLimit) }
                if let performance {
                    body["onlineRateBips"] = .int(try usage { () throws(InputError) in
                        try InputParsing.rateBips(performance, name: "--performance") })
                }
                if let commission {
                    guard pool == .reth else {
                        throw ValidationError("--commission is for reth operators only: steth operators share the pool's fee")
                    }
                    body["commissionBips"] = .int(try usage { () throws(InputError) in
                        try InputParsing.rateBips(commission, name: "--commission") })
                }
                return body
            }

            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let body = try parsed()
                    let client = try GatewayClient(options: global)
                    let canonical = InputParsing.account(name)
                    if restaking { return try Operator.registerRestaking(client, global: global, name: canonical, body: body) }
                    let actor = global.actor ?? Operator.naturalActor(pool: pool?.rawValue ?? "", name: canonical, admins: client.config.roles.admin)
                    let result = try client.call(.operators, "operators.node.register", actor: actor, body: .object(body))
                    try client.waitForLedger(.operators, seq: try client.eventSeq(of: result, from: .operators))
                    if global.json { return Output.json(result) }
                    print("Registered \(Operator.text(result, "pool")) node operator \(Operator.text(result, "name"))"
                        + " (journaled at seq \(Operator.number(result, "seq")))")
                    Operator.printRecord(result)
                }
            }
        }

        // MARK: update

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Change a node operator's validator limit or performance.",
                discussion: """
                    The pool and the commission are fixed at registration. Acts as an admin for a steth \
                    operator and as the operator for a reth one (its pool is looked up first) unless --as \
                    says otherwise.
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The operator's name.")
            var name: String

            @Option(help: "steth: most validators the pool gives it (0…100000). reth: recorded only.")
            var validatorLimit: UInt64?

            @Option(help: "Its validators' online rate: 0…1 (0.99) or a percentage (99%).")
            var performance: String?

            func parsed() throws -> [String: JSON] {
                guard validatorLimit != nil || performance != nil else {
                    throw ValidationError("nothing to update: give --validator-limit and/or --performance")
                }
                var body: [String: JSON] = ["name": .string(InputParsing.account(name))]
                if let validatorLimit { body["validatorLimit"] = .int(validatorLimit) }
                if let performance {
                    body["onlineRateBips"] = .int(try usage { () throws(InputError) in
                        try InputParsing.rateBips(performance, name: "--performance") })
                }
                return body
            }

            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let body = try parsed()
                    let client = try GatewayClient(options: global)
                    let canonical = InputParsing.account(name)
                    let actor: String
                    if let chosen = global.actor {
                        actor = chosen
                    } else {
                        let record = try client.call(.operators, "operators.node.show", actor: "stakeline",
                                                     body: .object(["name": .string(canonical)]))
                        actor = Operator.naturalActor(pool: Operator.text(record, "pool"), name: canonical, admins: client.config.roles.admin)
                    }
                    let result = try client.call(.operators, "operators.node.update", actor: actor, body: .object(body))
                    try client.waitForLedger(.operators, seq: try client.eventSeq(of: result, from: .operators))
                    if global.json { return Output.json(result) }
                    print("Updated \(Operator.text(result, "pool")) node operator \(Operator.text(result, "name"))"
                        + " (journaled at seq \(Operator.number(result, "seq")))")
                    Operator.printRecord(result)
                }
            }
        }

        // MARK: show

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show a node operator: its registry record and, from the ledger, its validators and fees.",
                discussion: """
                    With --json: the registry record (operators.node.show) with one more field, "ledger": the \
                    ledger's ledger.operator.show result, or null when the ledger cannot say (yet).
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The operator's name.")
            var name: String

            func run() throws {
                try guarded(json: global.json) {
                    let canonical = InputParsing.account(name)
                    let client = try GatewayClient(options: global)
                    let record: JSON
                    do {
                        record = try client.call(.operators, "operators.node.show", actor: client.actor("stakeline"),
                                                 body: .object(["name": .string(canonical)]))
                    } catch GatewayFailure.refused(let code, _) where code == "operator_not_found" {
                        return try Operator.showRestaking(client, global: global, name: canonical)
                    }
                    let ledger = Operator.ledgerView(client, name: canonical)
                    if global.json {
                        if let note = ledger.note { Output.note(note) }
                        guard case .object(var fields) = record else { return Output.json(record) }
                        fields["ledger"] = ledger.view ?? .null
                        return Output.json(.object(fields))
                    }
                    print("Node operator \(Operator.text(record, "name"))")
                    Output.fields(Operator.recordRows(record) + (ledger.view.map { Operator.ledgerRows($0, exact: global.exact) } ?? []))
                    if let note = ledger.note { print(note) }
                }
            }
        }

        // MARK: list

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List node operators, by name.")

            @OptionGroup var global: GlobalOptions

            @Option(help: "Only this pool's operators.")
            var pool: PoolOption?

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    var body: [String: JSON] = [:]
                    if let pool { body["pool"] = .string(pool.rawValue) }
                    let result = try client.call(.operators, "operators.node.list", actor: client.actor("stakeline"), body: .object(body))
                    if global.json { return Output.json(result) }
                    let operators = (try? result.array("operators")) ?? []
                    guard !operators.isEmpty else {
                        return print(pool.map { "no \($0.rawValue) node operators" } ?? "no node operators")
                    }
                    Output.table(Operator.tableHeader, operators.map(Operator.tableRow), rightAligned: Operator.tableNumeric)
                    print("\(operators.count) operator(s)")
                }
            }
        }
    }
}

// MARK: Views and actors

extension Stakeline.Operator {
    /// Who registers or updates an operator when --as is not given: the first admin of the
    /// configuration for steth (curated), the operator itself for reth (permissionless).
    static func naturalActor(pool: String, name: String, admins: [String]) -> String {
        pool == PoolOption.steth.rawValue ? (admins.first ?? "admin") : name
    }

    static func text(_ object: JSON, _ key: String) -> String {
        (try? object.string(key)) ?? "?"
    }

    static func number(_ object: JSON, _ key: String) -> String {
        (try? object.uint64(key)).map(String.init) ?? "?"
    }

    /// `15.00%`, or `—` for a steth operator (no commission of its own).
    static func commission(_ record: JSON) -> String {
        guard let bips = (try? record.optionalUInt64("commissionBips")) ?? nil else { return Format.noEpoch }
        return Format.percent(bips: bips)
    }

    static func online(_ record: JSON) -> String {
        (try? record.uint64("onlineRateBips")).map { Format.percent(bips: $0) } ?? "?"
    }

    /// The registry record as `Label: value` lines.
    static func printRecord(_ record: JSON) { Output.fields(recordRows(record)) }

    static func recordRows(_ record: JSON) -> [(String, String)] {
        let pool = text(record, "pool")
        let kind = pool == "steth" ? "steth (curated)" : pool == "reth" ? "reth (permissionless)" : pool
        return [
            ("Pool", kind),
            ("Validator limit", number(record, "validatorLimit") + (pool == "reth" ? " (recorded only)" : "")),
            ("Online rate", online(record)),
            ("Commission", pool == "steth" ? "— (steth operators share the pool's fee)" : commission(record)),
        ]
    }

    static let tableHeader = ["NAME", "POOL", "LIMIT", "ONLINE", "COMMISSION"]
    static let tableNumeric: Set<Int> = [2, 3, 4]

    static func tableRow(_ record: JSON) -> [String] {
        [text(record, "name"), text(record, "pool"), number(record, "validatorLimit"), online(record), commission(record)]
    }

    /// What the ledger says of the operator (`ledger.operator.show`), or why it says nothing
    /// (``GatewayClient/optionalQuery(_:_:body:figures:subject:prepare:)``). The registry record
    /// is shown either way.
    static func ledgerView(_ client: GatewayClient, name: String) -> OptionalAnswer {
        client.optionalQuery(
            .ledger, "ledger.operator.show", body: .object(["name": .string(name)]),
            figures: "validator and fee figures", subject: name)
    }

    /// The ledger's figures: validators, stake share (steth), fees, bond (reth) and balances.
    /// Fields the ledger does not give for the operator's pool are left out.
    static func ledgerRows(_ view: JSON, exact: Bool) -> [(String, String)] {
        func given(_ key: String) -> Bool { view[key] != nil && view[key] != .null }
        let ids = ((try? view.array("validators")) ?? []).compactMap(\.integer)
        var rows: [(String, String)] = [
            ("Validators", ids.isEmpty ? "none" : "\(ids.count): " + ids.map(String.init).joined(separator: ", ")),
            ("Active validators", number(view, "activeValidators")),
        ]
        if given("stakeShareBips") {
            rows.append(("Stake share", (try? view.uint64("stakeShareBips")).map { Format.percent(bips: $0) + " of the pool" } ?? "?"))
        }
        rows.append(("Fees earned", Format.ether(view, "feesEarnedWei", exact: exact)))
        if given("bondWei") { rows.append(("Bond", Format.ether(view, "bondWei", exact: exact))) }
        if given("stethWei") { rows.append(("stETH held", Format.ether(view, "stethWei", exact: exact, unit: false) + " stETH")) }
        rows.append(("ETH balance", Format.ether(view, "balanceWei", exact: exact)))
        return rows
    }
}
