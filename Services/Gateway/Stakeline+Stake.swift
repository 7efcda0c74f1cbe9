import ArgumentParser
import Contracts

extension Stakeline {
    // MARK: stake

    struct Stake: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stake an account's ETH into a liquid-staking pool: stETH (steth), rETH (reth) or eETH (eeth).",
            discussion: """
                steth mints shares at the current rate (the stETH balance is their value and rebases \
                at each oracle report); its buffer funds 32 ETH validators for the curated operators \
                at once. reth keeps a 0.05% deposit fee and mints rETH at the last reported rate. \
                eeth (liquid restaking) mints rebasing shares like steth; its buffer funds validators \
                natively restaked and delegated across restaking operators by the pool's policy \
                (stakeline pool set eeth); it also takes steth or wsteth, at their ETH value \
                (stake alice 3 steth --pool eeth). \
                At least 0.01 ETH, paid from the account's ETH in the books (stakeline eth deposit). \
                Acts as the account unless --as says otherwise. Example: stakeline stake alice 10.5
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var arguments: EthArguments

        @Argument(help: "What is staked: eth (default), or with --pool eeth also steth or wsteth.")
        var asset: StakeAsset?

        @Option(help: "The pool: steth (rebasing, Lido-style), reth (exchange-rate, Rocket Pool-style) or eeth (liquid restaking, ether.fi-style).")
        var pool: LiquidPool = .steth

        func body() throws -> [String: JSON] {
            let (account, wei) = try arguments.parsed()
            var body: [String: JSON] = ["account": .string(account), "pool": .string(pool.rawValue), "amountWei": .amount(wei)]
            if let asset, asset != .eth {
                guard pool == .eeth else { throw ValidationError("only --pool eeth takes \(asset.rawValue); \(pool.rawValue) takes ETH") }
                body["asset"] = .string(asset.rawValue)
            }
            return body
        }

        func validate() throws { _ = try body() }

        func run() throws {
            try guarded(json: global.json) {
                let body = try body()
                let account = try arguments.parsed().account
                let client = try GatewayClient(options: global)
                let result = try client.call(.ledger, "ledger.stake", actor: client.actor(account), body: .object(body))
                if global.json { return Output.json(result) }
                LiquidView.stake(result, pool: pool, exact: global.exact).forEach { print($0) }
            }
        }
    }

    // MARK: transfer

    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Transfer stETH, wstETH, rETH, eETH or weETH between accounts: by amount, or stETH and eETH by shares.",
            discussion: """
                stETH is held as shares: a transfer by amount moves the shares that amount is worth, \
                rounded down, so the receiver can be credited 1–2 wei less than asked (the reply \
                always says what was credited). --shares moves an exact number of shares instead. \
                Acts as FROM unless --as says otherwise. Examples: stakeline transfer alice bob 1.5 steth; \
                stakeline transfer alice bob --shares 1000000000000000000; \
                stakeline transfer alice bob 1 eeth; stakeline transfer alice bob --shares 1000 eeth
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The sender.")
        var from: String

        @Argument(help: "The receiver.")
        var to: String

        @Argument(help: "How much of the token, in decimals: 1.5 (at most 18 decimals). Left out with --shares.")
        var amount: String?

        @Argument(help: "The token: steth, wsteth, reth, eeth or weeth (with --shares: steth or eeth, or left out for steth).")
        var token: String?

        @Option(help: "Move exactly this many stETH (or eETH) shares instead of an amount: a whole number, as 'stakeline account show' gives them.")
        var shares: String?

        func body() throws -> [String: JSON] {
            try usage { () throws(InputError) in
                try InputParsing.transfer(from: from, to: to, amount: amount, token: token, shares: shares)
            }
        }

        func validate() throws { _ = try body() }

        func run() throws {
            try guarded(json: global.json) {
                let body = try body()
                let client = try GatewayClient(options: global)
                let sender = InputParsing.account(from)
                let result = try client.call(.ledger, "ledger.transfer", actor: client.actor(sender), body: .object(body))
                if global.json { return Output.json(result) }
                LiquidView.transfer(result, exact: global.exact).forEach { print($0) }
            }
        }
    }

    // MARK: wrap / unwrap

    struct Wrap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wrap stETH into wstETH (or eETH into weETH with --token weeth), which does not rebase.",
            discussion: "Acts as the account unless --as says otherwise. Examples: stakeline wrap alice 2; stakeline wrap alice 2 --token weeth")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var arguments: TokenArguments

        @Option(help: "The wrapper: wsteth (of steth, default) or weeth (of eeth).")
        var token: WrapperToken = .wsteth

        func validate() throws { _ = try arguments.parsed() }

        func run() throws {
            try guarded(json: global.json) {
                let result = try arguments.send("ledger.wrap", global, token: token == .weeth ? "weeth" : nil)
                if global.json { return Output.json(result) }
                if token == .weeth { return EethView.wrap(result, unwrap: false, exact: global.exact).forEach { print($0) } }
                LiquidView.wrap(result, exact: global.exact).forEach { print($0) }
            }
        }
    }

    struct Unwrap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unwrap wstETH back into stETH (or weETH into eETH with --token weeth), at today's rate.",
            discussion: "The amount is in the wrapped token. Acts as the account unless --as says otherwise. Example: stakeline unwrap alice 1.9")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var arguments: TokenArguments

        @Option(help: "The wrapper: wsteth (default) or weeth.")
        var token: WrapperToken = .wsteth

        func validate() throws { _ = try arguments.parsed() }

        func run() throws {
            try guarded(json: global.json) {
                let result = try arguments.send("ledger.unwrap", global, token: token == .weeth ? "weeth" : nil)
                if global.json { return Output.json(result) }
                if token == .weeth { return EethView.wrap(result, unwrap: true, exact: global.exact).forEach { print($0) } }
                LiquidView.unwrap(result, exact: global.exact).forEach { print($0) }
            }
        }
    }

    // MARK: unstake

    struct Unstake: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Burn rETH for ETH at the last reported rate, paid from the reth deposit pool.",
            discussion: """
                Refused with insufficient_liquidity when the deposit pool holds less ETH than the rETH \
                is worth (the message says what it can pay now). Acts as the account unless --as says \
                otherwise. Example: stakeline unstake carol 3
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var arguments: TokenArguments

        func validate() throws { _ = try arguments.parsed() }

        func run() throws {
            try guarded(json: global.json) {
                let result = try arguments.send("ledger.reth.unstake", global)
                if global.json { return Output.json(result) }
                LiquidView.unstake(result, exact: global.exact).forEach { print($0) }
            }
        }
    }
}

/// `ACCOUNT AMOUNT` of a token (wrap, unwrap, unstake): the body `{account, amountWei}`.
struct TokenArguments: ParsableArguments {
    @Argument(help: "The account: a name (a-z 0-9 . _ -, up to 64) or a 0x address.")
    var account: String

    @Argument(help: "How much of the token, in decimals: 1.5 (at most 18 decimals).")
    var amount: String

    func parsed() throws -> (account: String, wei: UInt128) {
        try usage { () throws(InputError) in
            (InputParsing.account(account), try InputParsing.ether(amount, name: "amount"))
        }
    }

    /// Sends `type` as the account (or `--as`) and returns the result.
    func send(_ type: String, _ global: GlobalOptions, token: String? = nil) throws -> JSON {
        let (account, wei) = try parsed()
        let client = try GatewayClient(options: global)
        var body: [String: JSON] = ["account": .string(account), "amountWei": .amount(wei)]
        if let token { body["token"] = .string(token) }
        return try client.call(.ledger, type, actor: client.actor(account), body: .object(body))
    }
}
