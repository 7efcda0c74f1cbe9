import Contracts

/// How a validator object (PROTOCOL.md §9.3 `ledger.validator.show`) is shown to people.
enum ValidatorView {
    static func id(_ validator: JSON) -> String { (try? validator.uint64("validator")).map(String.init) ?? "?" }
    static func owner(_ validator: JSON) -> String { (try? validator.string("owner")) ?? "?" }
    static func status(_ validator: JSON) -> String { (try? validator.string("status")) ?? "?" }

    static func credentials(_ validator: JSON) -> String {
        (try? validator.bool("compounding")) == true ? "0x02 compounding" : "0x01"
    }

    /// `Validator 3 — owner alice, 0x01 credentials, active_ongoing`
    static func headline(_ validator: JSON) -> String {
        "Validator \(id(validator)) — owner \(owner(validator)), \(credentials(validator)) credentials, \(status(validator))"
    }

    /// The validator's fields as `Label: value` rows. `now` is the epoch in progress, for the
    /// "from now" estimates of future epochs.
    static func rows(_ validator: JSON, now: UInt64?, exact: Bool) -> [(String, String)] {
        func eth(_ key: String) -> String { Format.ether(validator, key, exact: exact) }
        func epoch(_ key: String) -> String {
            guard let value = (try? validator.optionalUInt64(key)) ?? nil else { return Format.noEpoch }
            guard let now, value > now else { return String(value) }
            return Format.estimate(value, now: now)
        }
        // Only the fields the object has: a deposit's reply carries fewer than a `show`.
        var rows: [(String, String)] = [("Status", status(validator))]
        let amounts = [
            ("Balance", "balanceGwei"), ("Effective balance", "effectiveBalanceGwei"), ("Deposited", "depositedGwei"),
            ("Rewards", "rewardsGwei"), ("Penalties", "penaltiesGwei"), ("Slashing penalties", "slashingPenaltiesGwei"),
            ("Withdrawn", "withdrawnGwei"),
        ]
        rows += amounts.filter { validator[$0.1] != nil }.map { ($0.0, eth($0.1)) }
        if (try? validator.bool("slashed")) == true {
            rows.append(("Slashed", "yes, at epoch " + Format.epoch(validator, "slashedEpoch")))
        } else if validator["slashed"] != nil {
            rows.append(("Slashed", "no"))
        }
        if let score = validator["inactivityScore"]?.integer { rows.append(("Inactivity score", String(score))) }
        if validator["performance"] != nil { rows.append(("Performance", performance(validator["performance"]))) }
        let epochs = [
            ("Deposit epoch", "depositEpoch"), ("Activation eligibility", "activationEligibilityEpoch"),
            ("Activation epoch", "activationEpoch"), ("Exit epoch", "exitEpoch"), ("Withdrawable epoch", "withdrawableEpoch"),
        ]
        rows += epochs.filter { validator[$0.1] != nil }.map { ($0.0, epoch($0.1)) }
        if (try? validator.bool("slashed")) == true {
            rows.append(("Correlation penalty at", epoch("correlationEpoch")))
        }
        if let queue = validator["queue"], queue != .null {
            let ahead = Format.ether(queue, "aheadGwei", exact: exact)
            let expected = (try? queue.uint64("expectedEpoch")).map { "expected " + Format.epochFromNow($0, now: now) } ?? "expected epoch ?"
            rows.append(("Deposit queue", "\(ahead) ahead; \(expected)"))
        }
        if let expected = (try? validator.optionalUInt64("expectedActivationEpoch")) ?? nil {
            rows.append(("Expected activation", Format.epochFromNow(expected, now: now)))
        }
        return rows
    }

    /// `online 95.00%, flags source, target, head`
    static func performance(_ performance: JSON?) -> String {
        guard let performance, performance != .null else { return "?" }
        let rate = (try? performance.uint64("onlineRateBips")).map(Format.percent(bips:)) ?? "?"
        let flags = ((try? performance.array("flags")) ?? []).compactMap { value -> String? in
            if case .string(let flag) = value { return flag } else { return nil }
        }
        return "online \(rate), flags " + (flags.isEmpty ? "none" : flags.joined(separator: ", "))
    }

    static func print(_ validator: JSON, now: UInt64?, exact: Bool) {
        Swift.print(headline(validator))
        Output.fields(rows(validator, now: now, exact: exact))
    }

    static let tableHeader = ["ID", "OWNER", "CREDS", "STATUS", "BALANCE (ETH)", "REWARDS", "PENALTIES", "ACTIVATION", "EXIT", "WITHDRAWABLE"]
    static let tableNumeric: Set<Int> = [0, 4, 5, 6, 7, 8, 9]

    static func tableRow(_ validator: JSON, exact: Bool) -> [String] {
        let penalties: String
        if let regular = try? validator.amount("penaltiesGwei"), let slashing = try? validator.amount("slashingPenaltiesGwei") {
            let (sum, overflow) = regular.addingReportingOverflow(slashing)
            penalties = overflow ? "?" : Format.ether(gwei: sum, exact: exact)
        } else {
            penalties = "?"
        }
        return [
            id(validator), owner(validator), (try? validator.bool("compounding")) == true ? "0x02" : "0x01",
            status(validator) + ((try? validator.bool("slashed")) == true && !status(validator).contains("slashed") ? " (slashed)" : ""),
            Format.ether(validator, "balanceGwei", exact: exact, unit: false),
            Format.ether(validator, "rewardsGwei", exact: exact, unit: false),
            penalties,
            Format.epoch(validator, "activationEpoch"), Format.epoch(validator, "exitEpoch"),
            Format.epoch(validator, "withdrawableEpoch"),
        ]
    }
}
