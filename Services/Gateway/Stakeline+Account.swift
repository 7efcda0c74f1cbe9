import ArgumentParser
import Contracts

extension Stakeline {
    struct Account: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An account's books: ETH held, validators, rewards, penalties, withdrawals, pool tokens.",
            subcommands: [Show.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Everything an account holds and has earned, with its validators and pool tokens, in one view.")

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The account.")
            var account: String

            func run() throws {
                try guarded(json: global.json) {
                    let name = InputParsing.account(account)
                    let client = try GatewayClient(options: global)
                    let result = try client.call(.ledger, "ledger.account.show", actor: client.actor(name), body: .object(["account": .string(name)]))
                    if global.json { return Output.json(result) }
                    func eth(_ key: String) -> String { Format.ether(result, key, exact: global.exact) }
                    let ids = ((try? result.array("validators")) ?? []).compactMap(\.integer)
                    print("Account \(name)")
                    Output.fields([
                        ("ETH balance", eth("balanceWei")),
                        ("Validators", ids.isEmpty ? "none" : "\(ids.count): " + ids.map(String.init).joined(separator: ", ")),
                        ("Validator balances", eth("validatorBalanceGwei")),
                        ("Pending deposits", eth("pendingDepositGwei")),
                        ("Rewards", eth("rewardsGwei")),
                        ("Penalties", eth("penaltiesGwei")),
                        ("Slashing penalties", eth("slashingPenaltiesGwei")),
                        ("Withdrawals received", eth("withdrawalsReceivedWei")),
                        ("Deposited from outside", eth("depositedWei")),
                        ("Withdrawn to outside", eth("withdrawnWei")),
                    ] + LiquidView.tokenRows(result, exact: global.exact))
                    guard !ids.isEmpty,
                          let list = try? client.call(.ledger, "ledger.validator.list", actor: client.actor(name),
                                                      body: .object(["owner": .string(name), "limit": .int(1000)])),
                          let validators = try? list.array("validators"), !validators.isEmpty
                    else { return }
                    print("")
                    Output.table(ValidatorView.tableHeader, validators.map { ValidatorView.tableRow($0, exact: global.exact) },
                                 rightAligned: ValidatorView.tableNumeric)
                    if let total = try? list.uint64("total"), total > UInt64(validators.count) {
                        print("\(validators.count) of \(total) shown: stakeline validator list --owner \(name) --offset \(validators.count)")
                    }
                }
            }
        }
    }
}
