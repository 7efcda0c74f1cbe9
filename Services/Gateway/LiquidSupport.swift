import ArgumentParser
import Contracts

/// The liquid-staking pools of the ledger (PROTOCOL.md §9.5).
enum LiquidPool: String, CaseIterable, ExpressibleByArgument {
    case steth, reth, eeth

    /// The token a stake into the pool mints.
    var token: LiquidToken {
        switch self {
        case .steth: .steth
        case .reth: .reth
        case .eeth: .eeth
        }
    }

    /// `steth (rebasing, Lido-style)`.
    var kind: String {
        switch self {
        case .steth: "rebasing, Lido-style"
        case .reth: "exchange-rate, Rocket Pool-style"
        case .eeth: "liquid restaking, ether.fi-style"
        }
    }
}

/// The pools' tokens, as the ledger names them; `symbol` is how people write them.
enum LiquidToken: String, CaseIterable, ExpressibleByArgument {
    case steth, wsteth, reth, eeth, weeth

    var symbol: String {
        switch self {
        case .steth: "stETH"
        case .wsteth: "wstETH"
        case .reth: "rETH"
        case .eeth: "eETH"
        case .weeth: "weETH"
        }
    }
}

/// The tokens a withdrawal request takes (rETH leaves through `stakeline unstake`).
enum WithdrawalToken: String, CaseIterable, ExpressibleByArgument {
    case steth, wsteth, eeth, weeth
    var token: LiquidToken { LiquidToken(rawValue: rawValue)! }
    /// The pool whose queue takes the token.
    var pool: LiquidPool { self == .eeth || self == .weeth ? .eeth : .steth }
}

/// What `wrap` / `unwrap` wrap into: wsteth (steth) or weeth (eeth).
enum WrapperToken: String, CaseIterable, ExpressibleByArgument {
    case wsteth, weeth
}

/// The asset `stake --pool eeth` takes: ETH, or steth / wsteth (held by the pool at their ETH value).
enum StakeAsset: String, CaseIterable, ExpressibleByArgument {
    case eth, steth, wsteth
}

extension InputParsing {
    /// A token name → the token, if it is one of `allowed`.
    static func token(_ text: String, allowed: [LiquidToken] = LiquidToken.allCases) throws(InputError) -> LiquidToken {
        guard let token = LiquidToken(rawValue: text), allowed.contains(token) else {
            throw InputError("'\(text)' is not a token here; use " + allowed.map(\.rawValue).joined(separator: ", "))
        }
        return token
    }

    /// A number of stETH shares: a whole number of the ledger's share units, digits only, as
    /// `account show` and `--json` give them (shares are counted, not divided into decimals).
    static func shares(_ text: String, name: String) throws(InputError) -> UInt128 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw InputError("\(name) '\(text)' must be a whole number of shares, digits only (as 'stakeline account show' gives them)")
        }
        guard let value = UInt128(text) else { throw InputError("\(name) '\(text)' is too large") }
        return value
    }

    /// The body of `ledger.transfer` from `stakeline transfer FROM TO [AMOUNT TOKEN] [--shares N [steth]]`.
    ///
    /// By amount, both the amount and the token are required. With `--shares` the token may be
    /// left out (it is steth, the only token moved by shares); then the one positional after
    /// the accounts, if any, is the token.
    static func transfer(from: String, to: String, amount: String?, token: String?, shares: String?) throws(InputError) -> [String: JSON] {
        var body: [String: JSON] = ["from": .string(account(from)), "to": .string(account(to))]
        if let shares {
            if amount != nil && token != nil {
                throw InputError("give either an amount or --shares, not both")
            }
            let named = try self.token(amount ?? token ?? "steth")
            guard named == .steth || named == .eeth else {
                throw InputError("--shares moves stETH or eETH shares only; transfer \(named.symbol) by amount")
            }
            body["token"] = .string(named.rawValue)
            body["shares"] = .amount(try self.shares(shares, name: "--shares"))
            return body
        }
        guard let amount else { throw InputError("give the amount and the token (steth, wsteth, reth, eeth, weeth), or --shares N") }
        guard let token else { throw InputError("give the token after the amount: steth, wsteth, reth, eeth or weeth") }
        body["token"] = .string(try self.token(token).rawValue)
        body["amountWei"] = .amount(try ether(amount, name: "amount"))
        return body
    }
}

extension Format {
    /// Token wei as `1.234567 stETH` (6 decimals, rounded down) or exactly.
    static func token(wei: UInt128, _ token: LiquidToken, exact: Bool) -> String {
        ether(wei: wei, exact: exact) + " " + token.symbol
    }

    /// A token amount field of a result, `?` when missing or malformed.
    static func token(_ object: JSON, _ key: String, _ token: LiquidToken, exact: Bool) -> String {
        guard let value = try? object.amount(key) else { return "?" }
        return self.token(wei: value, token, exact: exact)
    }

    /// Shares as the whole number they are, grouped: `1,234,567 shares`.
    static func shares(_ value: UInt128) -> String { grouped(String(value)) + " shares" }

    static func shares(_ object: JSON, _ key: String) -> String {
        guard let value = try? object.amount(key) else { return "?" }
        return shares(value)
    }

    /// A basis-point field, as a JSON number or (as some results send it) a decimal string.
    static func bips(_ object: JSON, _ key: String) -> UInt64? {
        switch object[key] {
        case .number(let text)?, .string(let text)?: UInt64(text)
        default: nil
        }
    }

    /// A rate scaled by 10²⁷ (`shareRateE27`) as ETH: 9 decimals, rounded down, or exactly.
    static func rate(e27: UInt128, exact: Bool) -> String {
        exact ? EtherAmount.format(e27, decimals: 27) : EtherAmount.format(e27, decimals: 27, places: 9)
    }

    /// `epoch 1234 (≈ 2 h 8 m from now)` for table cells; `(now)`, `(passed)`, or the bare epoch
    /// when the epoch in progress is not known.
    static func eta(_ epoch: UInt64, now: UInt64?) -> String {
        guard let now, epoch > now else { return epochFromNow(epoch, now: now) }
        return "epoch \(epoch) (≈ \(span(epochs: epoch - now)) from now)"
    }

    /// `225 epochs (≈ 1 d 0 h)`, `1 epoch (≈ 0 h 6 m)`.
    static func wait(epochs: UInt64) -> String {
        "\(epochs) epoch\(epochs == 1 ? "" : "s") (≈ \(span(epochs: epochs)))"
    }

    /// Epochs in a year (365.25 days × 225 epochs) × 100, for annual rates in integers.
    static let epochsPerYearTimes100: UInt128 = 8_218_125

    /// The annual yield of `weiPerEpoch` on a 32 ETH validator, in bips, rounded down; nil on overflow.
    static func annualBips(weiPerValidatorEpoch wei: UInt128) -> UInt64? {
        // wei × 82,181.25 epochs × 10,000 bips / 32 ETH
        let (perYear, overflow) = wei.multipliedReportingOverflow(by: epochsPerYearTimes100 * 100)
        guard !overflow else { return nil }
        let bips = perYear / (32 * EtherAmount.weiPerEther)
        return bips > UInt128(UInt64.max) ? nil : UInt64(bips)
    }
}

extension JSON {
    /// The integers or strings of an array field, as text (ids and names).
    func texts(_ key: String) -> [String] {
        ((try? array(key)) ?? []).compactMap { value in
            switch value {
            case .number(let text), .string(let text): text
            default: nil
            }
        }
    }
}
