import ArgumentParser
import Contracts

extension Stakeline {
    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The steth and eeth pools' withdrawal queues: request, follow, claim.",
            discussion: """
                A request locks the stETH's shares; an oracle report finalizes it at that report's \
                rate, from the buffer and exited validators; then the owner claims ETH: the amount \
                requested, or less if the pool lost value in between. (rETH leaves through \
                'stakeline unstake'.)
                """,
            subcommands: [Request.self, List.self, Claim.self])

        // MARK: request

        struct Request: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Queue a withdrawal of stETH (or wstETH, unwrapped first) for ETH.",
                discussion: """
                    At least 100 wei; above 1000 ETH it is split into requests of 1000 ETH. Shows when \
                    finalization is expected. Acts as the account unless --as says otherwise. \
                    Example: stakeline withdraw request alice 1.5 steth
                    """)

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The account.")
            var account: String

            @Argument(help: "How much of the token, in decimals: 1.5 (at most 18 decimals).")
            var amount: String

            @Argument(help: "steth or wsteth, eeth or weeth (rETH leaves through 'stakeline unstake').")
            var token: WithdrawalToken

            @Option(help: "The pool (optional: the token says it): steth or eeth.")
            var pool: LiquidPool?

            func parsed() throws -> (account: String, wei: UInt128) {
                try usage { () throws(InputError) in
                    (InputParsing.account(account), try InputParsing.ether(amount, name: "amount"))
                }
            }

            func body() throws -> [String: JSON] {
                let (account, wei) = try parsed()
                if let pool, pool != token.pool {
                    throw ValidationError("\(token.rawValue) is withdrawn from the \(token.pool.rawValue) pool, not \(pool.rawValue)")
                }
                var body: [String: JSON] = ["account": .string(account), "token": .string(token.rawValue), "amountWei": .amount(wei)]
                if token.pool == .eeth { body["pool"] = .string("eeth") }
                return body
            }

            func validate() throws { _ = try body() }

            func run() throws {
                try guarded(json: global.json) {
                    let (account, wei) = try parsed()
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.ledger, "ledger.withdrawal.request", actor: client.actor(account), body: .object(try body()))
                    if global.json { return Output.json(result) }
                    LiquidView.withdrawalRequested(result, account: account, asked: wei, token: token,
                                                   now: client.currentEpoch(), exact: global.exact).forEach { print($0) }
                }
            }
        }

        // MARK: list

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List withdrawal requests: status, claimable amount, expected finalization.")

            @OptionGroup var global: GlobalOptions

            @Option(help: "Only this account's requests.")
            var account: String?

            @Option(help: "The pool's queue: steth (default) or eeth.")
            var pool: LiquidPool = .steth

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    var body: [String: JSON] = [:]
                    if pool == .eeth { body["pool"] = .string("eeth") }
                    let name = account.map(InputParsing.account)
                    if let name { body["account"] = .string(name) }
                    let result = try client.call(.ledger, "ledger.withdrawal.list", actor: client.actor(name ?? "stakeline"),
                                                 body: .object(body))
                    if global.json { return Output.json(result) }
                    let requests = (try? result.array("requests")) ?? []
                    if requests.isEmpty {
                        print(name.map { "no withdrawal requests for \($0)" } ?? "no withdrawal requests")
                    } else {
                        let now = client.currentEpoch()
                        Output.table(LiquidView.withdrawalHeader(pool == .eeth ? .eeth : .steth),
                                     requests.map { LiquidView.withdrawalRow($0, now: now, exact: global.exact) },
                                     rightAligned: LiquidView.withdrawalNumeric)
                    }
                    LiquidView.withdrawalFooter(result, exact: global.exact).dropFirst(requests.isEmpty ? 1 : 0).forEach { print($0) }
                }
            }
        }

        // MARK: claim

        struct Claim: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Claim a finalized withdrawal request: its ETH goes to the owner's account.",
                discussion: "Acts as the request's owner (looked up first) unless --as says otherwise.")

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The request id (stakeline withdraw list).")
            var id: UInt64

            @Option(help: "The pool whose queue holds the request: steth (default) or eeth (ids are per pool).")
            var pool: LiquidPool = .steth

            func body() -> [String: JSON] {
                pool == .eeth ? ["id": .int(id), "pool": .string("eeth")] : ["id": .int(id)]
            }

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let actor = try global.actor ?? client.withdrawalOwner(id, pool: pool)
                    let result = try client.call(.ledger, "ledger.withdrawal.claim", actor: actor, body: .object(body()))
                    if global.json { return Output.json(result) }
                    LiquidView.withdrawalClaimed(result, exact: global.exact).forEach { print($0) }
                }
            }
        }
    }
}

extension GatewayClient {
    /// The owner of withdrawal request `id`, from `ledger.withdrawal.list`; `request_not_found`
    /// (exit 1, as the ledger would answer) when there is no such request.
    func withdrawalOwner(_ id: UInt64, pool: LiquidPool = .steth) throws -> String {
        let list = try call(.ledger, "ledger.withdrawal.list", actor: "stakeline",
                            body: .object(pool == .eeth ? ["pool": .string("eeth")] : [:]))
        let requests = (try? list.array("requests")) ?? []
        if let owner = LiquidView.owner(ofRequest: id, in: requests) { return owner }
        throw GatewayFailure.refused(code: "request_not_found", message: pool == .eeth
            ? "no eeth withdrawal request \(id) (stakeline withdraw list --pool eeth)"
            : "no withdrawal request \(id) (stakeline withdraw list)")
    }
}

extension LiquidView {
    /// The account of request `id` in a `ledger.withdrawal.list` result's requests (ids as
    /// numbers, or as strings).
    static func owner(ofRequest id: UInt64, in requests: [JSON]) -> String? {
        let wanted = String(id)
        for request in requests {
            switch request["id"] {
            case .number(let text)?, .string(let text)?:
                if text == wanted, let account = try? request.string("account") { return account }
            default: continue
            }
        }
        return nil
    }
}
