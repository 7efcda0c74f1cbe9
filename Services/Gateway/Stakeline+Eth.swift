import ArgumentParser
import Contracts

extension Stakeline {
    struct Eth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move ETH into and out of the books (an account's ETH, outside any validator).",
            subcommands: [Deposit.self, Withdraw.self])

        struct Deposit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Credit ETH from outside to an account.",
                discussion: "Acts as the account unless --as says otherwise. Example: stakeline eth deposit alice 64")

            @OptionGroup var global: GlobalOptions
            @OptionGroup var arguments: EthArguments

            func validate() throws { _ = try arguments.parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    try EthArguments.send("ledger.eth.deposit", arguments, global, verb: "Deposited", preposition: "to")
                }
            }
        }

        struct Withdraw: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pay ETH out of an account to outside the books.",
                discussion: "Acts as the account unless --as says otherwise. Example: stakeline eth withdraw alice 0.5")

            @OptionGroup var global: GlobalOptions
            @OptionGroup var arguments: EthArguments

            func validate() throws { _ = try arguments.parsed() }

            func run() throws {
                try guarded(json: global.json) {
                    try EthArguments.send("ledger.eth.withdraw", arguments, global, verb: "Withdrew", preposition: "from")
                }
            }
        }
    }
}

struct EthArguments: ParsableArguments {
    @Argument(help: "The account: a name (a-z 0-9 . _ -, up to 64) or a 0x address.")
    var account: String

    @Argument(help: "ETH, in decimals: 32, 0.5 (at most 18 decimals).")
    var amount: String

    func parsed() throws -> (account: String, wei: UInt128) {
        try usage { () throws(InputError) in
            (InputParsing.account(account), try InputParsing.ether(amount, name: "amount"))
        }
    }

    static func send(_ type: String, _ arguments: EthArguments, _ global: GlobalOptions, verb: String, preposition: String) throws {
        let (account, wei) = try arguments.parsed()
        let client = try GatewayClient(options: global)
        let result = try client.call(.ledger, type, actor: client.actor(account),
                                     body: .object(["account": .string(account), "amountWei": .amount(wei)]))
        if global.json { return Output.json(result) }
        print("\(verb) \(Format.ether(result, "amountWei", exact: global.exact)) \(preposition) \(account); "
            + "balance now \(Format.ether(result, "balanceWei", exact: global.exact))")
    }
}
