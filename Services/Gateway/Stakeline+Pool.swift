import ArgumentParser
import Contracts
import ServiceKit

extension Stakeline {
    struct Pool: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The liquid-staking pools: their books and (as the oracle) their report schedule.",
            subcommands: [Show.self, Schedule.self, Set.self])

        // MARK: show

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A pool in one view: value, shares or supply, rate, APR, buffer, validators by operator, withdrawal queue, fees, reports.")

            @OptionGroup var global: GlobalOptions

            @Argument(help: "steth, reth or eeth.")
            var pool: LiquidPool

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.ledger, "ledger.pool.show", actor: client.actor("stakeline"),
                                                 body: .object(["pool": .string(pool.rawValue)]))
                    if global.json { return Output.json(result) }
                    Output.fields(LiquidView.poolRows(result, now: client.currentEpoch(), exact: global.exact))
                    if pool == .eeth { return EethView.printTables(result, exact: global.exact) }
                    let operators = LiquidView.operatorRows(result)
                    print("")
                    if operators.isEmpty {
                        print("No validators yet" + (pool == .steth
                            ? " (32 ETH of buffer funds one as soon as a curated operator has room: stakeline operator register)"
                            : " (node operators bond 8 or 16 ETH each: stakeline node deposit)"))
                    } else {
                        print("Validators by operator:")
                        Format.table(LiquidView.operatorHeader, operators, rightAligned: LiquidView.operatorNumeric)
                            .forEach { print("  " + $0) }
                    }
                }
            }
        }

        // MARK: schedule

        struct Schedule: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set a pool's oracle schedule: report interval and execution-layer rewards (as the oracle).",
                discussion: """
                    Unset options stay as they are. The rate of a pool changes only at its oracle \
                    reports, every --report-interval epochs (default 225, a day). Waits until the ledger \
                    has the new schedule. Example: stakeline pool schedule steth --report-interval 75 \
                    --el-rewards 0.0000015
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "steth, reth or eeth.")
            var pool: LiquidPool

            @Option(help: "Epochs between two oracle reports (default 225: one day).")
            var reportInterval: UInt64?

            @Option(help: ArgumentHelp(
                "Execution-layer income of a pool validator per epoch, in ETH (default 0.0000015, ≈ 0.37% a year).",
                valueName: "ETH per validator-epoch"))
            var elRewards: String?

            func body() throws -> [String: JSON] {
                var body: [String: JSON] = ["pool": .string(pool.rawValue)]
                if let reportInterval {
                    guard reportInterval >= 1 else { throw ValidationError("--report-interval must be at least 1 epoch") }
                    body["reportIntervalEpochs"] = .int(reportInterval)
                }
                if let elRewards {
                    body["elRewardsWeiPerValidatorEpoch"] = .amount(try usage { () throws(InputError) in
                        try InputParsing.ether(elRewards, name: "--el-rewards") })
                }
                guard body.count > 1 else { throw ValidationError("nothing to set: give --report-interval or --el-rewards") }
                return body
            }

            func validate() throws { _ = try body() }

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.rewards, "rewards.pool.set", actor: client.oracle, body: .object(try body()))
                    try client.waitForLedger(.rewards, seq: try client.eventSeq(of: result, from: .rewards))
                    if global.json { return Output.json(result) }
                    print("Oracle schedule of \(pool.rawValue), from now on:")
                    Output.fields(LiquidView.schedule(result).map { ("  " + $0.0, $0.1) })
                }
            }
        }
    }

    // MARK: node

    struct Node: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Node operators of the reth pool (permissionless): bonded validators.",
            subcommands: [Deposit.self])

        struct Deposit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A Rocket Pool-style minipool: the operator bonds 8 or 16 ETH, the reth deposit pool adds the rest of 32.",
                discussion: """
                    The bond comes from the operator's ETH in the books; the operator must be registered \
                    for reth (stakeline operator register NAME --pool reth). Acts as the operator unless \
                    --as says otherwise. Example: stakeline node deposit dave --bond 8
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: ArgumentHelp("The operator (its name is also its account).", valueName: "operator"))
            var operatorName: String

            @Option(help: "The operator's bond in ETH: 8 or 16.")
            var bond: String

            func parsed() throws -> (operator: String, bondWei: UInt128) {
                try usage { () throws(InputError) in
                    (InputParsing.account(operatorName), try InputParsing.ether(bond, name: "--bond"))
                }
            }

            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let (name, bondWei) = try parsed()
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.ledger, "ledger.reth.node.deposit", actor: client.actor(name), body: .object([
                        "operator": .string(name), "bondWei": .amount(bondWei),
                    ]))
                    if global.json { return Output.json(result) }
                    print(ValidatorView.headline(result))
                    Output.fields(ValidatorView.rows(result, now: client.currentEpoch(), exact: global.exact)
                        + LiquidView.nodeDeposit(result, exact: global.exact))
                }
            }
        }
    }
}

extension LiquidView {
    /// What a node deposit adds to the validator: the bond, the pool's part, the commission.
    static func nodeDeposit(_ result: JSON, exact: Bool) -> [(String, String)] {
        var rows: [(String, String)] = []
        if result["depositedGwei"] == nil, result["amountGwei"] != nil {
            rows.append(("Deposited", Format.ether(result, "amountGwei", exact: exact)))
        }
        if let operatorName = try? result.string("operator") { rows.append(("Operator", operatorName)) }
        if let bond = try? result.amount("bondWei") {
            rows.append(("Bond", Format.ether(wei: bond, exact: exact) + " ETH from the operator"))
            let full = 32 * EtherAmount.weiPerEther
            if bond <= full { rows.append(("From the pool", Format.ether(wei: full - bond, exact: exact) + " ETH of the reth deposit pool")) }
        }
        if let commission = try? result.uint64("commissionBips") {
            rows.append(("Commission", Format.percent(bips: commission) + " of the users' share of rewards"))
        }
        if result["balanceWei"] != nil { rows.append(("Operator's ETH", Format.ether(result, "balanceWei", exact: exact))) }
        return rows
    }
}
