import Contracts

/// A command-line value that cannot be used: the message says what was expected. Commands turn
/// it into a usage error (exit 64) before anything is sent.
struct InputError: Error, Equatable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Parsing of command-line values into the protocol's units (PROTOCOL.md §4). Exact: no
/// floating point, and never a silent rounding — too many decimals is an error.
enum InputParsing {
    /// An ETH amount in decimals (`32`, `0.5`, at most 18 decimals) → wei.
    static func ether(_ text: String, name: String) throws(InputError) -> UInt128 {
        do {
            return try EtherAmount.parse(text, decimals: 18, field: name)
        } catch {
            throw InputError(error.message)
        }
    }

    /// An ETH amount that must be whole gwei (at most 9 decimals), as validator deposits move → wei.
    static func etherInWholeGwei(_ text: String, name: String) throws(InputError) -> UInt128 {
        let wei = try ether(text, name: name)
        guard wei % EtherAmount.weiPerGwei == 0 else {
            throw InputError("\(name) '\(text)' has more than 9 decimals: validator deposits move whole gwei (0.000000001 ETH)")
        }
        return wei
    }

    /// A whole number of ETH → gwei.
    static func wholeEtherAsGwei(_ text: String, name: String) throws(InputError) -> UInt128 {
        let wei = try ether(text, name: name)
        guard wei % EtherAmount.weiPerEther == 0 else {
            throw InputError("\(name) '\(text)' must be a whole number of ETH")
        }
        return wei / EtherAmount.weiPerGwei
    }

    /// A rate as a fraction of 1 (`0.95`, `1`, at most 4 decimals) or a percentage (`95%`,
    /// `99.5%`, at most 2 decimals) → basis points 0…10000.
    static func rateBips(_ text: String, name: String) throws(InputError) -> UInt64 {
        let percent = text.hasSuffix("%")
        let number = percent ? String(text.dropLast()) : text
        let decimals = percent ? 2 : 4
        let parsed: UInt128
        do {
            parsed = try EtherAmount.parse(number, decimals: decimals, field: name)
        } catch {
            throw InputError("\(name) '\(text)' must be a rate between 0 and 1 with at most 4 decimals (0.95) "
                + "or a percentage with at most 2 decimals (95%, 99.5%)")
        }
        guard parsed <= 10_000 else {
            throw InputError("\(name) '\(text)' is above \(percent ? "100%" : "1")")
        }
        return UInt64(parsed)
    }

    /// The attestation flags a validator earns when online.
    static let flagNames = ["source", "target", "head"]

    /// `source,target,head` (any subset, any order, no repeats) → the flags in that order.
    static func flags(_ text: String, name: String) throws(InputError) -> [String] {
        let flags = text.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingSpaces()
        }
        for flag in flags where !flagNames.contains(flag) {
            throw InputError("\(name): unknown flag '\(flag)' (flags: source, target, head, comma-separated)")
        }
        guard Set(flags).count == flags.count else { throw InputError("\(name) '\(text)' names a flag twice") }
        return flags
    }

    /// An account name in its canonical form (a `0x` address lowercased), so that the command's
    /// natural actor matches the account. A name the services would refuse is passed on as
    /// typed: the ledger owns the rule and answers `invalid_argument` (exit 1).
    static func account(_ text: String) -> String {
        (try? AccountName.validated(text)) ?? text
    }

    /// Validator statuses and groups accepted by `ledger.validator.list` (PROTOCOL.md §9.3).
    static let validatorStatuses = [
        "pending_initialized", "pending_queued", "active_ongoing", "active_exiting", "active_slashed",
        "exited_unslashed", "exited_slashed", "withdrawal_possible", "withdrawal_done",
    ]
    static let validatorStatusGroups = ["pending", "active", "exited", "withdrawal"]

    static func validatorStatus(_ text: String) throws(InputError) -> String {
        guard validatorStatuses.contains(text) || validatorStatusGroups.contains(text) else {
            throw InputError("--status '\(text)' is not a status; use one of "
                + (validatorStatusGroups + validatorStatuses).joined(separator: ", "))
        }
        return text
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
