import ArgumentParser
import Contracts
import Foundation
import ServiceKit

/// Turns a bad command-line value into a usage error (exit 64), raised before anything is sent.
func usage<T>(_ body: () throws(InputError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw ValidationError(error.message)
    }
}

extension GatewayClient {
    /// The actor for a command whose natural actor is `natural`, unless `--as` says otherwise.
    func actor(_ natural: String) -> String { options.actor ?? natural }

    /// The oracle identity commands to the clock and slashing use: `--as`, else the first of the
    /// configuration's `roles.oracle`.
    var oracle: String { options.actor ?? config.roles.oracle.first ?? "oracle" }

    /// The epoch in progress, for "from now" estimates; nil if the ledger cannot say.
    func currentEpoch() -> UInt64? {
        guard let chain = try? call(.ledger, "ledger.chain.show", actor: "stakeline", body: .object([:])) else { return nil }
        return try? chain.uint64("epoch")
    }
}

/// Output helpers for the solo-staking commands.
extension Output {
    /// `Label:   value` lines.
    static func fields(_ rows: [(String, String)]) {
        for line in Format.fields(rows) { print(line) }
    }

    /// A line on stderr (progress, notes) that never mixes with JSON on stdout.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension JSON {
    /// This value as a count (a JSON integer number), or nil.
    var integer: UInt64? {
        guard case .number(let text) = self else { return nil }
        return UInt64(text)
    }
}
