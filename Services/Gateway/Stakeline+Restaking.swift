import ArgumentParser
import Contracts
import Foundation
import ServiceKit

// Restaking registry (PROTOCOL.md §9.6): restaking operators and delegation (operators),
// AVSs, operator sets, registrations and allocations (slashing).

extension Stakeline.Operator {
    /// `operator register <name> --restaking …`: as the operator; waits for slashing to replicate it.
    static func registerRestaking(_ client: GatewayClient, global: GlobalOptions, name: String, body: [String: JSON]) throws {
        let result = try client.call(.operators, "operators.restaking.register", actor: global.actor ?? name, body: .object(body))
        try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: result, from: .operators))
        if global.json { return Output.json(result) }
        print("Registered restaking operator \(text(result, "name")) (journaled at seq \(number(result, "seq")))")
        Output.fields(restakingRows(result))
    }

    static func restakingRows(_ record: JSON) -> [(String, String)] {
        var rows = [
            ("Split", (try? record.uint64("splitBips")).map { Format.percent(bips: $0) + " of AVS rewards" } ?? "?"),
            ("Allocation delay", number(record, "allocationDelayEpochs") + " epochs"),
        ]
        if let pending = record["pendingSplit"], pending != .null {
            let effect = (try? pending.optionalUInt64("effectEpoch")) ?? nil
            rows.append(("Pending split", ((try? pending.uint64("splitBips")).map { Format.percent(bips: $0) } ?? "?")
                + (effect.map { " from epoch \($0)" } ?? " (effect epoch fixed at the next epoch boundary)")))
        }
        if let count = try? record.uint64("delegatorCount") { rows.append(("Delegators", String(count))) }
        return rows
    }

    /// `operator show` of a restaking operator: its record and its allocations (slashing), once
    /// slashing has followed the clock to its head.
    static func showRestaking(_ client: GatewayClient, global: GlobalOptions, name: String) throws {
        let record = try client.call(.operators, "operators.restaking.show", actor: client.actor("stakeline"),
                                     body: .object(["name": .string(name)]))
        try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
        try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: .object([:]), from: .operators))
        let allocations = try client.call(.slashing, "slashing.operator.allocations", actor: client.actor("stakeline"),
                                          body: .object(["operator": .string(name)]))
        let ledger = Stakeline.AVS.ledgerOperatorView(client, operator: name, catchUp: true)
        if global.json {
            if let note = ledger.note { Output.note(note) }
            guard case .object(var fields) = record else { return Output.json(record) }
            fields["restaking"] = allocations
            fields["ledger"] = ledger.view ?? .null
            return Output.json(.object(fields))
        }
        defer {
            if let view = ledger.view {
                // The registry's record already gives the delegators.
                RestakeView.operatorLedger(view, delegators: record["delegatorCount"] == nil, exact: global.exact).forEach { print($0) }
            }
            if let note = ledger.note { print(note) }
        }
        print("Restaking operator \(name) (epoch \(number(allocations, "epoch")))")
        Output.fields(restakingRows(record))
        let sets = (try? allocations.array("sets")) ?? []
        for set in sets {
            let registered = set["registered"] == .bool(true)
            print("  set \(text(set, "avs"))/\(number(set, "setId")): "
                + (registered ? "registered" : "left, slashable through epoch \(number(set, "slashableUntilEpoch"))"))
        }
        // Slashable now (EigenLayer's allocated-stake view), from the ledger's delegated shares
        // and slashing's magnitudes.
        let slashableNow = RiskView.slashableNowWei(allocations: allocations, holdings: ledger.view.map(RiskView.operatorHoldings) ?? [:])
        let rows: [[String]] = ((try? allocations.array("allocations")) ?? []).map { item in
            let pending = item["pending"].flatMap { $0 == .null ? nil : $0 }
            let setName = "\(text(item, "avs"))/\(number(item, "setId"))"
            let strategy = text(item, "strategy")
            let slashable = slashableNow[setName]?[strategy].map {
                Format.ether(wei: $0, exact: global.exact) + " " + RestakeView.unit(of: item)
            } ?? "—"
            return [
                setName, strategy, wad(item, "currentMagnitudeWad"), slashable,
                pending.map { "\(text($0, "diffWad")) from epoch \(number($0, "effectEpoch"))" } ?? "—",
            ]
        }
        if rows.isEmpty { return print("no allocations") }
        Output.table(["SET", "STRATEGY", "MAGNITUDE", "SLASHABLE NOW", "PENDING"], rows, rightAligned: [2, 3])
        for strategy in (try? allocations.array("strategies")) ?? [] {
            print("  \(text(strategy, "strategy")): max \(wad(strategy, "maxMagnitudeWad")), encumbered "
                + "\(wad(strategy, "encumberedMagnitudeWad")), allocatable \(wad(strategy, "allocatableMagnitudeWad"))")
        }
    }

    /// A magnitude as a percentage of WAD with up to 4 decimals, and the exact WAD.
    static func wad(_ object: JSON, _ key: String) -> String {
        guard let value = try? object.amount(key) else { return "?" }
        // Percent with four decimals: one unit is 1e-6 of WAD (1e12), i.e. 0.0001 %.
        let units = value / 1_000_000_000_000
        let whole = units / 10_000, fraction = units % 10_000
        let fractionText = String(fraction).count < 4 ? String(repeating: "0", count: 4 - String(fraction).count) + String(fraction) : String(fraction)
        return "\(whole).\(fractionText)% (\(value))"
    }

    /// `eigenda/1` → ("eigenda", 1).
    static func setAddress(_ text: String) throws(InputError) -> (avs: String, setId: UInt64) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let id = UInt64(parts[1]), id <= UInt64(UInt32.max) else {
            throw InputError("operator set '\(text)' must be <avs>/<id>, e.g. eigenda/1 (id 0 … 4294967295)")
        }
        return (InputParsing.account(String(parts[0])), id)
    }

    /// A fraction (`0.5`, `1`, up to 18 decimals), a percentage (`50%`, up to 16 decimals), or a
    /// raw magnitude with the `wad` suffix (`500000000000000000wad`) → WAD, at most WAD (100 %).
    static func magnitude(_ text: String) throws(InputError) -> UInt128 {
        let wad: UInt128 = 1_000_000_000_000_000_000
        let value: UInt128
        do {
            if text.hasSuffix("wad") {
                guard let raw = UInt128(String(text.dropLast(3))) else { throw InputError("") }
                value = raw
            } else if text.hasSuffix("%") {
                value = try EtherAmount.parse(String(text.dropLast()), decimals: 16, field: "magnitude")
            } else {
                value = try EtherAmount.parse(text, decimals: 18, field: "magnitude")
            }
        } catch {
            throw InputError("magnitude '\(text)' must be a fraction 0…1 (0.5), a percentage (50%) or a raw magnitude (500000000000000000wad)")
        }
        guard value <= wad else { throw InputError("magnitude '\(text)' is above 100 % of the operator's stake") }
        return value
    }

    // MARK: split

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a restaking operator's split of AVS rewards (takes effect after 1575 epochs, 7 days).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The restaking operator.") var name: String
        @Argument(help: "The new split: 0…1 or 0%…100%.") var split: String

        func parsed() throws -> [String: JSON] {
            ["name": .string(InputParsing.account(name)),
             "splitBips": .int(try usage { () throws(InputError) in try InputParsing.rateBips(split, name: "split") })]
        }
        func validate() throws { _ = try parsed() }

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let body = try parsed()
                let result = try client.call(.operators, "operators.restaking.setSplit", actor: global.actor ?? InputParsing.account(name),
                                             body: .object(body))
                if global.json { return Output.json(result) }
                print("Split change of \(Stakeline.Operator.text(result, "name")) queued (seq \(Stakeline.Operator.number(result, "seq"))): "
                    + "its effect epoch is fixed at the next epoch boundary, \(OperatorsDomainDelay.epochs) epochs on")
                Output.fields(Stakeline.Operator.restakingRows(result))
            }
        }
    }

    // MARK: join / leave

    struct Join: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a restaking operator for an AVS's operator set.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The restaking operator.") var name: String
        @Argument(help: "The operator set: <avs>/<id>.") var set: String
        func parsed() throws -> [String: JSON] { try Stakeline.Operator.membershipBody(name, set) }
        func validate() throws { _ = try parsed() }
        func run() throws { try guarded(json: global.json) { try Stakeline.Operator.membership("slashing.set.join", global, try parsed()) } }
    }

    struct Leave: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deregister from an operator set (slashable by it for 3150 more epochs).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The restaking operator.") var name: String
        @Argument(help: "The operator set: <avs>/<id>.") var set: String
        func parsed() throws -> [String: JSON] { try Stakeline.Operator.membershipBody(name, set) }
        func validate() throws { _ = try parsed() }
        func run() throws { try guarded(json: global.json) { try Stakeline.Operator.membership("slashing.set.leave", global, try parsed()) } }
    }

    static func membershipBody(_ name: String, _ set: String) throws -> [String: JSON] {
        let address = try usage { () throws(InputError) in try setAddress(set) }
        return ["operator": .string(InputParsing.account(name)), "avs": .string(address.avs), "setId": .int(address.setId)]
    }

    static func membership(_ type: String, _ global: GlobalOptions, _ body: [String: JSON]) throws {
        do {
            let client = try GatewayClient(options: global)
            let name = text(.object(body), "operator")
            // The operator may just have registered: slashing must know it first.
            try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: .object([:]), from: .operators))
            try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
            let result = try client.call(.slashing, type, actor: global.actor ?? name, body: .object(body))
            if global.json { return Output.json(result) }
            let set = "\(text(result, "avs"))/\(number(result, "setId"))"
            if type.hasSuffix("join") {
                print("\(name) joined operator set \(set) at epoch \(number(result, "epoch")) (seq \(number(result, "seq")))")
            } else {
                print("\(name) left operator set \(set) at epoch \(number(result, "epoch")); slashable by it through epoch "
                    + "\(number(result, "slashableUntilEpoch")) (seq \(number(result, "seq")))")
            }
        }
    }

    // MARK: allocate

    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an operator's allocation (magnitude) to an operator set in one strategy.",
            discussion: """
                An increase takes effect after the operator's allocation delay; a decrease after 3151 \
                epochs, slashable until then. Example: stakeline operator allocate op eigenda/1 steth 0.5
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The restaking operator.") var name: String
        @Argument(help: "The operator set: <avs>/<id>.") var set: String
        @Argument(help: "The strategy: native, steth, wsteth or reth.") var strategy: String
        @Argument(help: "The new magnitude: a fraction (0.5), a percentage (50%) or a WAD (500000000000000000wad).")
        var magnitude: String

        func parsed() throws -> [String: JSON] {
            var body = try Stakeline.Operator.membershipBody(name, set)
            guard ["native", "steth", "wsteth", "reth"].contains(strategy) else {
                throw ValidationError("strategy '\(strategy)' must be native, steth, wsteth or reth")
            }
            body["strategy"] = .string(strategy)
            body["magnitudeWad"] = .amount(try usage { () throws(InputError) in try Stakeline.Operator.magnitude(magnitude) })
            return body
        }
        func validate() throws { _ = try parsed() }

        func run() throws {
            try guarded(json: global.json) {
                let body = try parsed()
                let client = try GatewayClient(options: global)
                let name = Stakeline.Operator.text(.object(body), "operator")
                try client.waitFor(.slashing, following: .operators, seq: try client.eventSeq(of: .object([:]), from: .operators))
                try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
                let result = try client.call(.slashing, "slashing.allocate", actor: global.actor ?? name, body: .object(body))
                if global.json { return Output.json(result) }
                let effect = (try? result.optionalUInt64("effectEpoch")) ?? nil
                print("Allocation of \(name) to \(Stakeline.Operator.text(result, "avs"))/\(Stakeline.Operator.number(result, "setId")) "
                    + "in \(strategy) set to \(Stakeline.Operator.wad(result, "magnitudeWad"))"
                    + (effect.map { ", in effect from epoch \($0)" } ?? ", in effect now") + " (seq \(Stakeline.Operator.number(result, "seq")))")
            }
        }
    }
}

enum OperatorsDomainDelay {
    /// EigenLayer's operator split activation delay (7 days), as OperatorsDomain.splitActivationDelayEpochs.
    static let epochs = 1575
}

extension Stakeline {
    struct Delegate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delegate a staker's restaked stake to a restaking operator.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The staker's account.") var account: String
        @Argument(help: "The restaking operator.") var operatorName: String

        func parsed() -> [String: JSON] {
            ["staker": .string(InputParsing.account(account)), "operator": .string(InputParsing.account(operatorName))]
        }

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let staker = InputParsing.account(account)
                let result = try client.call(.operators, "operators.delegate", actor: global.actor ?? staker, body: .object(parsed()))
                // The ledger mirrors the delegation (its shares follow): wait for it, so the next command sees it.
                try client.waitForLedger(.operators, seq: try client.eventSeq(of: result, from: .operators))
                let operatorName = Operator.text(result, "operator")
                if let note = Stakeline.delegationNote(client, staker: staker, expected: operatorName) { Output.note(note) }
                if global.json { return Output.json(result) }
                print("\(staker) delegated to \(operatorName) (seq \(Operator.number(result, "seq")))")
            }
        }
    }

    struct Undelegate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undelegate a staker from its restaking operator.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The staker's account.") var account: String

        func run() throws {
            try guarded(json: global.json) {
                let client = try GatewayClient(options: global)
                let staker = InputParsing.account(account)
                let result = try client.call(.operators, "operators.undelegate", actor: global.actor ?? staker,
                                             body: .object(["staker": .string(staker)]))
                // The ledger queues one withdrawal per strategy held: wait for it to follow.
                try client.waitForLedger(.operators, seq: try client.eventSeq(of: result, from: .operators))
                if global.json { return Output.json(result) }
                print("\(staker) undelegated from \(Operator.text(result, "operator")) (seq \(Operator.number(result, "seq")))")
                if let view = try? client.call(.ledger, "ledger.restake.show", actor: "stakeline", body: .object(["account": .string(staker)])),
                   let withdrawals = try? view.array("withdrawals"), !withdrawals.isEmpty {
                    print("Queued withdrawals of \(staker) now: " + withdrawals.map { RestakeView.number($0, "id") }.joined(separator: ", ")
                        + " (escrowed 3151 epochs; stakeline restake show \(staker))")
                }
            }
        }
    }

    /// A warning when the ledger has not taken over a delegation the registry recorded
    /// (`ledger.RestakeDelegationRefused`: EigenLayer would revert, e.g. a strategy the operator
    /// was slashed to 0 in); nil when it has, or when the ledger cannot say.
    static func delegationNote(_ client: GatewayClient, staker: String, expected: String) -> String? {
        guard let view = try? client.call(.ledger, "ledger.restake.show", actor: "stakeline", body: .object(["account": .string(staker)])),
              view["delegatedTo"] != nil else { return nil }
        let actual = try? view.string("delegatedTo")
        guard actual != expected else { return nil }
        return "warning: the registry recorded the delegation of \(staker) to \(expected), but the ledger did not take it over "
            + "(delegated to \(actual ?? "nobody") in the books): it refuses when EigenLayer would revert, e.g. an operator slashed "
            + "to 0 in a strategy \(staker) holds; see 'stakeline events ledger'"
    }

    struct AVS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "avs",
            abstract: "AVSs: operator sets, slashing, rewards (PROTOCOL.md §9.6, §9.7). The CLI acts as the AVS.",
            subcommands: [Register.self, SetCommand.self, Show.self, Slash.self, RewardsCommand.self])

        struct Register: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register an AVS.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The AVS's name (an account name).") var name: String

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    let avs = InputParsing.account(name)
                    let result = try client.call(.slashing, "slashing.avs.register", actor: global.actor ?? avs,
                                                 body: .object(["avs": .string(avs)]))
                    if global.json { return Output.json(result) }
                    print("Registered AVS \(avs) (seq \(Operator.number(result, "seq")))")
                }
            }
        }

        struct SetCommand: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set", abstract: "Operator sets.", subcommands: [Create.self])

            struct Create: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "Create an operator set: stakeline avs set create eigenda/1 --strategies steth,native")
                @OptionGroup var global: GlobalOptions
                @Argument(help: "The set: <avs>/<id>.") var set: String
                @Option(help: "Comma-separated strategies: native, steth, wsteth, reth.") var strategies: String

                func parsed() throws -> [String: JSON] {
                    let address = try usage { () throws(InputError) in try Operator.setAddress(set) }
                    let names = strategies.split(separator: ",").map { String($0) }
                    guard !names.isEmpty, names.allSatisfy({ ["native", "steth", "wsteth", "reth"].contains($0) }) else {
                        throw ValidationError("--strategies '\(strategies)' must list native, steth, wsteth or reth, comma-separated")
                    }
                    guard Set(names).count == names.count else { throw ValidationError("--strategies lists a strategy twice") }
                    return ["avs": .string(address.avs), "setId": .int(address.setId), "strategies": .array(names.map { .string($0) })]
                }
                func validate() throws { _ = try parsed() }

                func run() throws {
                    try guarded(json: global.json) {
                        let body = try parsed()
                        let client = try GatewayClient(options: global)
                        let avs = Operator.text(.object(body), "avs")
                        let result = try client.call(.slashing, "slashing.set.create", actor: global.actor ?? avs, body: .object(body))
                        if global.json { return Output.json(result) }
                        let list = ((try? result.array("strategies")) ?? []).map(\.text).joined(separator: ", ")
                        print("Created operator set \(avs)/\(Operator.number(result, "setId")) for \(list) (seq \(Operator.number(result, "seq")))")
                    }
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show an AVS: its operator sets and their operators.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The AVS.") var name: String

            func run() throws {
                try guarded(json: global.json) {
                    let client = try GatewayClient(options: global)
                    try client.waitFor(.slashing, following: .rewards, seq: try client.eventSeq(of: .object([:]), from: .rewards))
                    let avs = InputParsing.account(name)
                    let result = try client.call(.slashing, "slashing.avs.show", actor: client.actor("stakeline"),
                                                 body: .object(["avs": .string(avs)]))
                    let figures = AVS.figures(client, avs: avs, show: result)
                    if global.json {
                        guard case .object(var fields) = result else { return Output.json(result) }
                        fields["slashes"] = figures.slashes.map { JSON.array($0) } ?? JSON.null
                        fields["rewardSubmissions"] = figures.submissions.map { JSON.array($0) } ?? JSON.null
                        // Per set id, per strategy: the token units its operators can be slashed for now.
                        fields["stakeSecured"] = .object(AVS.securedStake(client, avs: avs, show: result, ledgerViews: figures.ledgerViews).mapValues { stake in
                            .object(stake.mapValues { .amount($0) })
                        })
                        return Output.json(.object(fields))
                    }
                    print("AVS \(Operator.text(result, "avs")) (epoch \(Operator.number(result, "epoch")))")
                    defer { RestakeView.avsFigures(avs: avs, slashes: figures.slashes, submissions: figures.submissions,
                                                   notes: figures.notes, exact: global.exact).forEach { print($0) } }
                    let sets = (try? result.array("sets")) ?? []
                    if sets.isEmpty { return print("no operator sets") }
                    let secured = AVS.securedStake(client, avs: avs, show: result, ledgerViews: figures.ledgerViews)
                    for set in sets {
                        let list = ((try? set.array("strategies")) ?? []).map(\.text).joined(separator: ", ")
                        print("  set \(Operator.number(set, "setId")): \(list)")
                        if let stake = secured[Operator.number(set, "setId")], !stake.isEmpty {
                            print("    stake secured now: " + stake.keys.sorted().map { strategy in
                                Format.ether(wei: stake[strategy]!, exact: global.exact) + " "
                                    + RestakeView.unit(of: .object(["strategy": .string(strategy)])) + " (\(strategy))"
                            }.joined(separator: ", "))
                        }
                        for member in (try? set.array("operators")) ?? [] {
                            let registered = member["registered"] == .bool(true)
                            print("    \(Operator.text(member, "operator")): " + (registered ? "registered"
                                : "left, slashable through epoch \(Operator.number(member, "slashableUntilEpoch"))"))
                        }
                    }
                }
            }
        }
    }
}

extension Stakeline.AVS {
    /// The stake each set of the AVS can slash now, per strategy, in the strategy's token: Σ over
    /// its slashable operators of EigenLayer's allocated-stake view (delegated shares from the
    /// ledger × current / max magnitude from slashing). `ledgerViews` are the operators'
    /// `ledger.restake.operator` views ``figures(_:avs:show:)`` fetched. Empty when a service
    /// cannot say.
    static func securedStake(
        _ client: GatewayClient, avs: String, show: JSON, ledgerViews: [String: JSON]?
    ) -> [String: [String: UInt128]] {
        guard let ledgerViews else { return [:] }
        var operators: Set<String> = []
        for set in (try? show.array("sets")) ?? [] {
            for member in (try? set.array("operators")) ?? [] where member["slashable"] == .bool(true) {
                if let name = try? member.string("operator") { operators.insert(name) }
            }
        }
        var secured: [String: [String: UInt128]] = [:]
        for name in operators.sorted() {
            guard let allocations = try? client.call(.slashing, "slashing.operator.allocations", actor: client.actor("stakeline"),
                                                      body: .object(["operator": .string(name)])),
                let view = ledgerViews[name]
            else { return [:] }
            for (set, byStrategy) in RiskView.slashableNowWei(allocations: allocations, holdings: RiskView.operatorHoldings(view))
            where set.hasPrefix(avs + "/") {
                let setId = String(set.dropFirst(avs.count + 1))
                for (strategy, valueWei) in byStrategy where valueWei > 0 { secured[setId, default: [:]][strategy, default: 0] += valueWei }
            }
        }
        return secured
    }

    /// What the ledger and rewards know of an AVS beyond slashing's sets: the slashes it made
    /// (from `ledger.restake.operator` of every operator of its sets, each with `operator`
    /// added) and its rewards submissions (`rewards.avs.submissions`). Each is nil, with a note,
    /// when its service cannot say (a service that does not know the query yet included).
    static func figures(
        _ client: GatewayClient, avs: String, show: JSON
    ) -> (slashes: [JSON]?, submissions: [JSON]?, ledgerViews: [String: JSON]?, notes: [String]) {
        var notes: [String] = []
        var operators: [String] = []
        for set in (try? show.array("sets")) ?? [] {
            for member in (try? set.array("operators")) ?? [] {
                if let name = try? member.string("operator"), !operators.contains(name) { operators.append(name) }
            }
        }
        var slashes: [JSON]? = []
        var views: [String: JSON]? = [:]
        do {
            try client.ledgerCaughtUp(with: [.operators, .slashing])
        } catch {
            notes.append("(the ledger has not followed slashing: \(error))")
            (slashes, views) = (nil, nil)
        }
        if views != nil {
            for name in operators.sorted() {
                let found = ledgerOperatorView(client, operator: name)
                guard let view = found.view else {
                    if let note = found.note { notes.append(note) }
                    (slashes, views) = (nil, nil)
                    break
                }
                views?[name] = view
                slashes? += Self.slashes(in: view, avs: avs, setId: nil).map { slash in
                    guard case .object(var fields) = slash else { return slash }
                    fields["operator"] = .string(name)
                    return .object(fields)
                }
            }
        }
        let list = client.optionalQuery(
            .rewards, "rewards.avs.submissions", body: .object(["avs": .string(avs)]),
            figures: "AVS rewards submissions", subject: avs)
        let submissions = list.view.map { (try? $0.array("submissions")) ?? [] }
        if let note = list.note { notes.append(note) }
        return (slashes, submissions, views, notes)
    }
}

extension JSON {
    fileprivate var text: String {
        switch self {
        case .string(let value), .number(let value): value
        default: "\(self)"
        }
    }
}

extension GatewayClient {
    /// Returns once `follower` has applied `source`'s events up to `seq` (its
    /// `status.cursors.<source>`); the same stall limit as ``waitForLedger(_:seq:progress:)``.
    func waitFor(_ follower: ServiceName, following source: ServiceName, seq: UInt64) throws {
        guard seq > 0 else { return }
        let clock = ContinuousClock()
        var last: UInt64?
        var lastMove = clock.now
        while true {
            let status = try call(follower, "status", actor: "stakeline", body: .object([:]))
            let cursor = ((try? status.object("cursors").optionalUInt64(source.rawValue)) ?? nil) ?? 0
            if cursor >= seq { return }
            if cursor != last {
                last = cursor
                lastMove = clock.now
            } else if clock.now - lastMove >= Self.ledgerStallLimit {
                throw GatewayFailure.refused(code: "timeout", message:
                    "\(follower.rawValue) has applied \(source.rawValue) events up to seq \(cursor) and needs \(seq), "
                    + "but made no progress for \(Self.ledgerStallLimit.components.seconds) s")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Waits until rewards has applied every event the ledger, operators and slashing had
    /// journaled when this was called (their `status.journalSeq`).
    func waitForRewardsToSettle() throws {
        for source in [ServiceName.ledger, .operators, .slashing] {
            let status = try call(source, "status", actor: "stakeline", body: .object([:]))
            try waitFor(.rewards, following: source, seq: (try? status.uint64("journalSeq")) ?? 0)
        }
    }
}
