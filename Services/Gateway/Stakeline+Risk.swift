import ArgumentParser
import Contracts
import ServiceKit

// Risk views (PROTOCOL.md §9.9): concentration of stake, AVS exposure, simulated slashes.
// Reads only: nothing here changes the books.

extension Stakeline {
    struct Risk: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Risk views: concentration of stake, AVS exposure, a dry run of an AVS slash (reads only).",
            subcommands: [Concentration.self, Exposure.self, SimulateSlash.self])

        // MARK: concentration

        struct Concentration: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Each operator's and each pool's share of all stake; warns at 1/3 (a finality threat).",
                discussion: """
                    Counted: every validator active at the ledger's epoch, with its effective balance, by who \
                    runs it (the owner of a solo validator, the node operator of a pool's) and by pool; and, \
                    apart, restaked stake: each restaking operator's delegated shares valued in ETH (queued \
                    withdrawals not counted; restaked ETH is the same ETH as the validators', so it is shown \
                    as a share of all restaked stake and of all stake, never added to it).
                    """)

            @OptionGroup var global: GlobalOptions

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    try client.ledgerCaughtUp(with: [.rewards, .operators])
                    let result = try client.call(.ledger, "ledger.risk.concentration", actor: client.actor("stakeline"), body: .object([:]))
                    if global.json { return Output.json(result) }
                    RiskView.concentration(result, exact: global.exact).forEach { print($0) }
                }
            }
        }

        // MARK: exposure

        enum Kind: String, CaseIterable, ExpressibleByArgument {
            case `operator`, pool, account
        }

        struct Exposure: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Which operator sets can slash which stake of an operator, a pool or an account, how much now, until when.",
                discussion: """
                    Slashable now, per set and strategy: floor(shares × floor(allocated magnitude × WAD / max \
                    magnitude) / WAD) — an operator's delegated shares, an account's withdrawable shares through \
                    its delegation, a pool's through its restaked validators (steth and reth are not restaked: \
                    no AVS exposure). Until: open-ended while the operator is registered for the set; its \
                    slashable window's last epoch after leaving; a pending deallocation until the epoch before \
                    it takes effect. An account's escrowed withdrawals stay slashable by their original \
                    operator until their release. The kind is guessed (pool, then restaking operator, then \
                    account) unless --kind says. Example: stakeline risk exposure alice
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "An operator, a pool (steth, reth, eeth) or an account (or a pool's pod-staker, pool:eeth/<operator>).") var name: String
            @Option(help: "operator, pool or account (default: guessed).") var kind: Kind?

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: .object([:]), from: .operators))
                    try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
                    try client.ledgerCaughtUp(with: [.operators, .slashing])
                    let result = try Risk.exposure(client, name: InputParsing.account(name), kind: kind)
                    if global.json { return Output.json(result) }
                    RiskView.exposure(result, exact: global.exact).forEach { print($0) }
                }
            }
        }

        /// `slashing.operator.allocations` of `name`, or nil when slashing knows no such operator.
        static func allocations(_ client: GatewayClient, _ name: String) throws -> JSON? {
            do {
                return try client.call(.slashing, "slashing.operator.allocations", actor: client.actor("stakeline"),
                                       body: .object(["operator": .string(name)]))
            } catch GatewayFailure.refused(let code, _) where code == "operator_not_found" {
                return nil
            }
        }

        /// An account's exposure through its delegation and its escrowed withdrawals.
        static func accountExposure(_ client: GatewayClient, _ account: String) throws -> (rows: [JSON], withdrawals: [JSON], epoch: UInt64, delegatedTo: String?) {
            let show = try client.call(.ledger, "ledger.restake.show", actor: client.actor("stakeline"), body: .object(["account": .string(account)]))
            let epoch = (try? show.uint64("epoch")) ?? 0
            let delegatedTo = try? show.string("delegatedTo")
            var byOperator: [String: JSON] = [:]
            var rows: [JSON] = []
            if let delegatedTo, let allocations = try allocations(client, delegatedTo) {
                byOperator[delegatedTo] = allocations
                rows = RiskView.exposureRows(operator: delegatedTo, allocations: allocations, holdings: RiskView.accountHoldings(show))
            }
            for withdrawal in RiskView.array(show, "withdrawals") {
                guard let name = try? withdrawal.string("operator"), byOperator[name] == nil else { continue }
                byOperator[name] = try allocations(client, name)
            }
            return (rows, RiskView.escrowRows(show, allocations: byOperator, now: epoch), epoch, delegatedTo)
        }

        static func exposure(_ client: GatewayClient, name: String, kind: Kind?) throws -> JSON {
            var resolved = kind
            var poolView: JSON?
            if resolved == nil || resolved == .pool {
                do {
                    poolView = try client.call(.ledger, "ledger.risk.pool", actor: client.actor("stakeline"), body: .object(["pool": .string(name)]))
                    resolved = .pool
                } catch GatewayFailure.refused(let code, let message) where code == "unknown_pool" {
                    if resolved == .pool { throw GatewayFailure.refused(code: code, message: message) }
                }
            }
            if resolved == nil && name.hasPrefix("pool:") {
                // A pool's restaking staker (pool:eeth/<operator>): not an operator name.
                resolved = .account
            }
            if resolved == nil {
                let view = try client.call(.ledger, "ledger.restake.operator", actor: client.actor("stakeline"), body: .object(["operator": .string(name)]))
                resolved = view["tracked"] == .bool(true) ? .operator : .account
            }
            var fields: [String: JSON] = ["subject": .string(name), "kind": .string(resolved!.rawValue)]
            switch resolved! {
            case .operator:
                let view = try client.call(.ledger, "ledger.restake.operator", actor: client.actor("stakeline"), body: .object(["operator": .string(name)]))
                guard let allocations = try allocations(client, name) else {
                    throw GatewayFailure.refused(code: "operator_not_found", message: "there is no restaking operator \(name)")
                }
                fields["epoch"] = allocations["epoch"] ?? .null
                fields["exposures"] = .array(RiskView.exposureRows(operator: name, allocations: allocations, holdings: RiskView.operatorHoldings(view)))
                fields["withdrawals"] = .array([])
            case .account:
                let exposure = try accountExposure(client, name)
                fields["epoch"] = .int(exposure.epoch)
                fields["delegatedTo"] = exposure.delegatedTo.map(JSON.string) ?? .null
                fields["exposures"] = .array(exposure.rows)
                fields["withdrawals"] = .array(exposure.withdrawals)
                // eETH and weETH are restaked stake too, through the pool's pod-stakers.
                let held = try? client.call(.ledger, "ledger.account.show", actor: client.actor("stakeline"),
                                            body: .object(["account": .string(name)]))
                let eethWei = held.flatMap { try? $0.amount("eethWei") } ?? 0
                let weethWei = held.flatMap { try? $0.amount("weethWei") } ?? 0
                if eethWei > 0 || weethWei > 0 {
                    fields["throughPools"] = .array([.object([
                        "pool": .string("eeth"), "eethWei": .amount(eethWei), "weethWei": .amount(weethWei),
                    ])])
                }
                if exposure.delegatedTo == nil && exposure.withdrawals.isEmpty {
                    fields["note"] = .string(eethWei > 0 || weethWei > 0
                        ? "not delegated, nothing in escrow: no direct AVS exposure"
                        : "not delegated, nothing in escrow: no AVS exposure")
                }
            case .pool:
                let view = poolView!
                fields["epoch"] = view["epoch"] ?? .null
                let stakers = RiskView.array(view, "restakingStakers").compactMap(\.stringValue)
                var rows: [JSON] = [], withdrawals: [JSON] = []
                for staker in stakers {
                    let exposure = try accountExposure(client, staker)
                    rows += exposure.rows
                    withdrawals += exposure.withdrawals
                }
                fields["restakingStakers"] = .array(stakers.map(JSON.string))
                fields["exposures"] = .array(rows)
                fields["withdrawals"] = .array(withdrawals)
                if stakers.isEmpty { fields["note"] = .string("its validators are not restaked: no AVS exposure") }
            }
            return .object(fields)
        }

        // MARK: simulate-slash

        struct SimulateSlash: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "simulate-slash",
                abstract: "A dry run of an AVS slash: what each staker, escrowed withdrawal and pool would lose. Changes nothing.",
                discussion: """
                    Slashing checks it exactly as 'avs slash' (and cuts the magnitudes on a copy), the ledger runs \
                    the share cut and the burn on a copy; nothing is journaled. The fraction is 0.25, 25% or a raw \
                    WAD; 0 and more than 100% are usage errors. Example: stakeline risk simulate-slash eigenda/1 op 25%
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "The operator set: <avs>/<id>.") var set: String
            @Argument(help: ArgumentHelp("The restaking operator.", valueName: "operator")) var operatorName: String
            @Argument(help: "How much of its allocation: 0.25, 25% or 250000000000000000wad.") var fraction: String

            func parsed() throws -> [String: JSON] {
                let address = try usage { () throws(InputError) in try Stakeline.Operator.setAddress(set) }
                let wad = try usage { () throws(InputError) in try InputParsing.slashFraction(fraction) }
                return ["avs": .string(address.avs), "setId": .int(address.setId), "operator": .string(InputParsing.account(operatorName)),
                        "wadToSlash": .amount(wad), "reason": .string("dry run"), "dryRun": .bool(true)]
            }
            func validate() throws { _ = try parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    let body = try parsed()
                    let client = try GatewayClient(options: global)
                    try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: .object([:]), from: .operators))
                    try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
                    let slashing = try client.call(.slashing, "slashing.avs.slash", actor: client.actor("stakeline"), body: .object(body))
                    try client.ledgerCaughtUp(with: [.operators, .slashing])
                    let ledger = try client.call(.ledger, "ledger.restake.simulateSlash", actor: client.actor("stakeline"),
                                                 body: SimulateSlash.ledgerBody(slashing))
                    if global.json { return Output.json(.object(["slashing": slashing, "ledger": ledger])) }
                    RiskView.simulated(slashing, ledger: ledger, exact: global.exact).forEach { print($0) }
                }
            }

            /// The ledger's query from slashing's dry-run result (the would-be `OperatorSlashed`).
            static func ledgerBody(_ slashing: JSON) -> JSON {
                .object([
                    "avs": slashing["avs"] ?? .null, "setId": slashing["setId"] ?? .null, "operator": slashing["operator"] ?? .null,
                    "epoch": slashing["epoch"] ?? .null,
                    "strategies": .array(RiskView.array(slashing, "strategies").map { part in
                        .object(["strategy": part["strategy"] ?? .null, "newMaxMagnitudeWad": part["newMaxMagnitudeWad"] ?? .null])
                    }),
                ])
            }
        }
    }
}
