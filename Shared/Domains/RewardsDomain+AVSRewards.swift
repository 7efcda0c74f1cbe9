import Accounting
import Contracts
import ServiceKit

/// stakeline-rewards, AVS rewards (docs/PROTOCOL.md §9.7 "AVS rewards in rewards"): an AVS's
/// submission is paid out one slice per epoch to the operators of its set by their slashable
/// stake per strategy, each (operator, set, strategy) part through one ``RewardIndex`` (the
/// operator's split first, the rest pro rata to its delegators' scaled shares).
///
/// Everything it needs from other services is replicated as own events first, so a replay of
/// the journal gives the same books:
/// - the ledger's restaking events → `RestakeStakesRecorded {stakes, operatorShares}`;
/// - slashing's registry and slashes → `RestakingOperatorRecorded`, `OperatorSetRecorded`,
///   `AllocationRecorded {change}`, `OperatorSlashRecorded`, replayed on an own
///   ``AllocationBook`` at their epochs (so slashable stake at an epoch is exact);
/// - operators' splits → `OperatorSplitRecorded {operator, splitBips, effectEpoch}` (a change
///   from its `RestakingSplitChangeScheduled`, which names the effect epoch well ahead);
/// - the ledger's funding → `AVSRewardsSubmitted`.
///
/// Cost: an epoch costs O(operators × strategies) per active submission (one `distribute`
/// per part); a staker's stake change costs O(sets its operator is paid by); nothing per epoch
/// ever walks stakers. An index is created at its first part, seeded once from the operator's
/// delegators.
struct AVSRewardsBook: Sendable, Equatable {
    /// The ledger's restaking events whose `stakes` / `operatorShares` rewards keeps.
    static let ledgerStakeEvents: Set<String> = [
        "ledger.RestakeDeposited", "ledger.RestakeNativeVerified", "ledger.RestakeCheckpointed", "ledger.RestakeDelegated",
        "ledger.RestakeUndelegated", "ledger.RestakeWithdrawalQueued", "ledger.RestakeWithdrawalCompleted",
        "ledger.RestakeOperatorSlashed",
    ]

    /// One (operator, strategy).
    struct OperatorStrategy: Hashable, Sendable {
        var operatorName: String
        var strategy: String
    }

    /// One reward index: (operator, operator set, strategy).
    struct Source: Hashable, Comparable, Sendable {
        var operatorName: String
        var operatorSet: OperatorSetID
        var strategy: String
        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.operatorSet, lhs.operatorName, lhs.strategy) < (rhs.operatorSet, rhs.operatorName, rhs.strategy)
        }
    }

    /// What an account was paid from, as `rewards.avs.show` groups it.
    struct ClaimKey: Hashable, Comparable, Sendable {
        var operatorSet: OperatorSetID
        /// "delegator" or "operator".
        var role: String
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.operatorSet, lhs.role) < (rhs.operatorSet, rhs.role) }
    }

    struct Position: Sendable, Equatable {
        var operatorName: String?
        var scaledShares: UInt128
    }

    struct SplitChange: Sendable, Equatable {
        var effectEpoch: UInt64
        var splitBips: UInt64
    }

    struct Submission: Sendable, Equatable {
        var submission: UInt64
        var avs: String
        var setId: UInt32
        var amountWei: UInt128
        var epochs: UInt64
        var startEpoch: UInt64
        var perEpochWei: UInt128
        var distributedWei: UInt128 = 0
        /// Slices or parts of slices no operator could receive (rounding, or no stake): kept in escrow.
        var undistributedWei: UInt128 = 0

        var operatorSet: OperatorSetID { OperatorSetID(avs: AVSID(avs), setNumber: setId) }
        var endEpoch: UInt64 { startEpoch + epochs }

        /// The slice of epoch `epoch`, nil outside the submission: `floor(amount / epochs)`, the
        /// last epoch also takes the remainder.
        func sliceWei(at epoch: UInt64) -> UInt128? {
            guard epoch >= startEpoch, epoch < endEpoch else { return nil }
            return epoch == endEpoch - 1 ? amountWei - perEpochWei * UInt128(epochs - 1) : perEpochWei
        }

        func json(epoch: UInt64) -> JSON {
            .object([
                "submission": .int(submission), "avs": .string(avs), "setId": .int(setId), "amountWei": .amount(amountWei),
                "epochs": .int(epochs), "startEpoch": .int(startEpoch), "perEpochWei": .amount(perEpochWei),
                "distributedWei": .amount(distributedWei), "undistributedWei": .amount(undistributedWei),
                "remainingEpochs": .int(endEpoch - min(endEpoch, max(epoch, startEpoch))),
            ])
        }
    }

    var book = AllocationBook()
    /// Strategies of each operator set (sorted names).
    var setStrategies: [OperatorSetID: [String]] = [:]
    /// Operators that ever joined each set, in join order; slashability is checked per epoch.
    var setMembers: [OperatorSetID: [String]] = [:]
    var operatorShares: [OperatorStrategy: UInt128] = [:]
    /// Each staker's scaled shares per strategy and the operator they count under.
    var positions: [StakerID: [String: Position]] = [:]
    /// Delegators' scaled shares per (operator, strategy): seeds a new index.
    var delegators: [OperatorStrategy: [String: UInt128]] = [:]
    var indexes: [Source: RewardIndex<String>] = [:]
    /// The sets an (operator, strategy) has an index in: a stake change updates each.
    var indexSets: [OperatorStrategy: [OperatorSetID]] = [:]
    var sourcesByHolder: [String: Set<Source>] = [:]
    var sourcesByOperator: [String: Set<Source>] = [:]
    var splits: [String: [SplitChange]] = [:]
    var submissions: [UInt64: Submission] = [:]
    var submissionsByAVS: [String: [UInt64]] = [:]
    /// Submissions with epochs left, ascending.
    var activeSubmissions: [UInt64] = []
    var claimedWei: [String: [ClaimKey: UInt128]] = [:]

    static let defaultSplitBips: UInt64 = 1000

    // MARK: Reactions: replicas as own events

    /// Own events for an event of another service; nil when it is none of AVS rewards' business.
    func react(to event: EventEnvelope, epoch: UInt64) -> [NewEvent]? {
        let body = event.body
        if Self.ledgerStakeEvents.contains(event.type) {
            let stakes = (try? body.array("stakes")) ?? []
            let shares = (try? body.array("operatorShares")) ?? []
            guard !stakes.isEmpty || !shares.isEmpty else { return [] }
            return [NewEvent(name: "RestakeStakesRecorded", epoch: event.epoch, body: .object([
                "stakes": .array(stakes), "operatorShares": .array(shares), "ledgerSeq": .int(event.seq),
            ]))]
        }
        switch event.type {
        case "ledger.AVSRewardsFunded":
            guard let submission = try? body.uint64("submission"), let avs = try? body.string("avs"),
                let setId = try? body.uint64("setId"), setId <= UInt64(UInt32.max),
                let amount = try? body.amount("amountWei"), amount > 0,
                let epochs = try? body.uint64("epochs"), epochs >= 1, submissions[submission] == nil
            else { return [] }
            return [NewEvent(name: "AVSRewardsSubmitted", epoch: epoch, body: .object([
                "submission": .int(submission), "avs": .string(avs), "setId": .int(setId), "amountWei": .amount(amount),
                "epochs": .int(epochs), "startEpoch": .int(epoch), "perEpochWei": .amount(amount / UInt128(epochs)),
            ]))]
        case "slashing.OperatorTracked":
            guard let name = try? body.string("operator"), let delay = try? body.uint64("allocationDelayEpochs") else { return [] }
            return [NewEvent(name: "RestakingOperatorRecorded", epoch: event.epoch, body: .object([
                "operator": .string(name), "allocationDelayEpochs": .int(delay),
            ]))]
        case "slashing.OperatorSetCreated":
            return [NewEvent(name: "OperatorSetRecorded", epoch: event.epoch, body: body)]
        case "slashing.OperatorJoinedSet", "slashing.OperatorLeftSet", "slashing.AllocationUpdated":
            let change = ["slashing.OperatorJoinedSet": "joined", "slashing.OperatorLeftSet": "left"][event.type] ?? "allocated"
            return [NewEvent(name: "AllocationRecorded", epoch: event.epoch, body: body.merging(["change": .string(change)]))]
        case "slashing.OperatorSlashed":
            guard case .object(var fields) = body else { return [] }
            fields["reason"] = nil  // not needed here; the slash is shown by slashing
            return [NewEvent(name: "OperatorSlashRecorded", epoch: event.epoch, body: .object(fields))]
        case "operators.RestakingOperatorRegistered", "operators.RestakingSplitChangeScheduled",
            "operators.RestakingSplitChanged":
            guard let name = try? body.string("name") else { return [] }
            let split: UInt64?
            let effect: UInt64?
            switch event.type {
            case "operators.RestakingOperatorRegistered":  // in force at once
                (split, effect) = (try? body.uint64("splitBips"), epoch)
            case "operators.RestakingSplitChangeScheduled":
                // Recorded 1575 epochs ahead of its effect, so the epochs rewards ends before
                // operators applies the change are still paid at the right split.
                let pending = body["pendingSplit"] ?? .null
                (split, effect) = (try? pending.uint64("splitBips"), try? pending.uint64("effectEpoch"))
            default:  // only when the schedule was missed (an operators journal from before it)
                (split, effect) = (try? body.uint64("splitBips"), event.epoch ?? epoch)
            }
            guard let split, let effect,
                event.type == "operators.RestakingOperatorRegistered" || splitBips(name, at: effect) != split
            else { return [] }
            return [NewEvent(name: "OperatorSplitRecorded", epoch: event.epoch, body: .object([
                "operator": .string(name), "splitBips": .int(split), "effectEpoch": .int(effect),
            ]))]
        default:
            return nil
        }
    }

    // MARK: Events

    /// Applies an own AVS-rewards event (or distributes an ended epoch for
    /// `rewards.EpochProcessed`); false when `event` is none of these.
    mutating func apply(_ event: EventEnvelope) -> Bool {
        switch event.type {
        case "rewards.RestakeStakesRecorded":
            recordStakes(event)
        case "rewards.RestakingOperatorRecorded":
            let (name, delay) = must(event) { body throws(ContractError) in
                (try body.string("operator"), try body.uint64("allocationDelayEpochs"))
            }
            // A replica: what slashing's book refused never reached its journal; a repeat is a no-op.
            try? book.registerOperator(OperatorID(name), allocationDelayEpochs: delay)
        case "rewards.OperatorSetRecorded":
            let (set, strategies) = must(event) { body throws(ContractError) in
                (try Self.operatorSet(body), try Self.names(body, "strategies"))
            }
            if (try? book.createOperatorSet(set, strategies: Set(strategies.map { StrategyID($0) }))) != nil {
                setStrategies[set] = strategies.sorted()
            }
        case "rewards.AllocationRecorded":
            let (change, name, set, epoch) = must(event) { body throws(ContractError) in
                (try body.string("change"), try body.string("operator"), try Self.operatorSet(body), try body.uint64("epoch"))
            }
            let operatorID = OperatorID(name)
            switch change {
            case "joined":
                if (try? book.registerForOperatorSet(operatorID, operatorSet: set, epoch: epoch)) != nil,
                    !(setMembers[set] ?? []).contains(name)
                {
                    setMembers[set, default: []].append(name)
                }
            case "left":
                try? book.deregisterFromOperatorSet(operatorID, operatorSet: set, epoch: epoch)
            default:
                let (strategy, magnitude) = must(event) { body throws(ContractError) in
                    (try body.string("strategy"), try body.amount("magnitudeWad"))
                }
                try? book.modifyAllocation(
                    operator: operatorID, operatorSet: set, strategy: StrategyID(strategy), newMagnitudeWad: magnitude,
                    epoch: epoch)
            }
        case "rewards.OperatorSlashRecorded":
            let (name, set, wad, epoch) = must(event) { body throws(ContractError) in
                (try body.string("operator"), try Self.operatorSet(body), try body.amount("wadToSlash"), try body.uint64("epoch"))
            }
            let wads = (setStrategies[set] ?? []).map { (strategy: StrategyID($0), wad: wad) }
            _ = try? book.slash(operator: OperatorID(name), operatorSet: set, wadsToSlash: wads, epoch: epoch)
        case "rewards.OperatorSplitRecorded":
            let (name, split, effect) = must(event) { body throws(ContractError) in
                (try body.string("operator"), try body.uint64("splitBips"), try body.uint64("effectEpoch"))
            }
            splits[name, default: []].append(SplitChange(effectEpoch: effect, splitBips: min(split, 10_000)))
        case "rewards.AVSRewardsSubmitted":
            let submission = must(event) { body throws(ContractError) in
                Submission(
                    submission: try body.uint64("submission"), avs: try body.string("avs"),
                    setId: UInt32(try body.uint64("setId")), amountWei: try body.amount("amountWei"),
                    epochs: try body.uint64("epochs"), startEpoch: try body.uint64("startEpoch"),
                    perEpochWei: try body.amount("perEpochWei"))
            }
            submissions[submission.submission] = submission
            submissionsByAVS[submission.avs, default: []].append(submission.submission)
            activeSubmissions.append(submission.submission)
            activeSubmissions.sort()
        case "rewards.AVSRewardsClaimed":
            let account = must(event) { body throws(ContractError) in try body.string("account") }
            let paid = claim(account)
            let announced = must(event) { body throws(ContractError) in try body.amount("amountWei") }
            precondition(paid == announced, "AVSRewardsClaimed at seq \(event.seq): paid \(paid), decided \(announced)")
        case "rewards.EpochProcessed":
            guard !activeSubmissions.isEmpty else { return true }
            distribute(epoch: must(event) { body throws(ContractError) in try body.uint64("epoch") })
        default:
            return false
        }
        return true
    }

    /// Keeps operator shares and every index's stakes equal to the delegators' scaled shares.
    private mutating func recordStakes(_ event: EventEnvelope) {
        let (stakes, shares) = must(event) { body throws(ContractError) in
            (try body.array("stakes"), try body.array("operatorShares"))
        }
        for entry in shares {
            guard let name = try? entry.string("operator"), let strategy = try? entry.string("strategy"),
                let amount = try? entry.amount("shares")
            else { continue }
            operatorShares[OperatorStrategy(operatorName: name, strategy: strategy)] = amount
        }
        for entry in stakes {
            guard let staker = try? entry.string("staker"), let strategy = try? entry.string("strategy"),
                let scaled = try? entry.amount("scaledShares")
            else { continue }
            let operatorName = try? entry.string("operator")  // null: undelegated
            let previous = positions[StakerID(staker)]?[strategy]
            if let old = previous?.operatorName, old != operatorName {
                let key = OperatorStrategy(operatorName: old, strategy: strategy)
                delegators[key]?[staker] = nil
                setIndexStakes(key, staker, 0)
            }
            if let operatorName {
                let key = OperatorStrategy(operatorName: operatorName, strategy: strategy)
                delegators[key, default: [:]][staker] = scaled == 0 ? nil : scaled
                setIndexStakes(key, staker, scaled)
            }
            positions[StakerID(staker), default: [:]][strategy] =
                operatorName == nil && scaled == 0 ? nil : Position(operatorName: operatorName, scaledShares: scaled)
        }
    }

    private mutating func setIndexStakes(_ key: OperatorStrategy, _ staker: String, _ scaled: UInt128) {
        for set in indexSets[key] ?? [] {
            let source = Source(operatorName: key.operatorName, operatorSet: set, strategy: key.strategy)
            // Cannot overflow: total stake is bounded by the ledger's operator shares.
            try? indexes[source]!.setStake(scaled, for: staker)
            if scaled > 0 { sourcesByHolder[staker, default: []].insert(source) }
        }
    }

    /// The index of `source`, created and seeded from the operator's delegators when new
    /// (once per index: O(delegators), never per epoch).
    private mutating func ensureIndex(_ source: Source) {
        guard indexes[source] == nil else { return }
        var index = RewardIndex<String>()
        let key = OperatorStrategy(operatorName: source.operatorName, strategy: source.strategy)
        for (staker, scaled) in (delegators[key] ?? [:]).sorted(by: { $0.key < $1.key }) {
            try? index.setStake(scaled, for: staker)
            sourcesByHolder[staker, default: []].insert(source)
        }
        indexes[source] = index
        indexSets[key, default: []].append(source.operatorSet)
        sourcesByOperator[source.operatorName, default: []].insert(source)
    }

    /// The split in force at `epoch` (the default until the operator's registration is known).
    func splitBips(_ operatorName: String, at epoch: UInt64) -> UInt64 {
        (splits[operatorName] ?? []).last { $0.effectEpoch <= epoch }?.splitBips ?? Self.defaultSplitBips
    }

    /// Pays every active submission's slice of the ended epoch `epoch`.
    private mutating func distribute(epoch: UInt64) {
        var stillActive: [UInt64] = []
        for id in activeSubmissions {
            var submission = submissions[id]!
            if let sliceWei = submission.sliceWei(at: epoch) {
                let distributedWei = distribute(sliceWei, to: submission.operatorSet, epoch: epoch)
                submission.distributedWei += distributedWei
                submission.undistributedWei += sliceWei - distributedWei
                submissions[id] = submission
            }
            if epoch + 1 < submission.endEpoch { stillActive.append(id) }
        }
        activeSubmissions = stillActive
    }

    /// One slice to the set's operators slashable at `epoch`: `floor(slice × w / W)` per
    /// (operator, strategy) with `w` = allocated stake. Returns what was handed out.
    private mutating func distribute(_ sliceWei: UInt128, to set: OperatorSetID, epoch: UInt64) -> UInt128 {
        var weights: [(source: Source, stake: UInt128)] = []
        var totalStake: UInt128 = 0
        for operatorName in setMembers[set] ?? [] where book.isSlashable(OperatorID(operatorName), by: set, epoch: epoch) {
            for strategy in setStrategies[set] ?? [] {
                let shares = operatorShares[OperatorStrategy(operatorName: operatorName, strategy: strategy)] ?? 0
                guard shares > 0,
                    let stake = try? book.allocatedStake(
                        operatorShares: shares, of: OperatorID(operatorName), operatorSet: set,
                        strategy: StrategyID(strategy), epoch: epoch),
                    stake > 0, let total = try? FixedPoint.add(totalStake, stake)
                else { continue }
                totalStake = total
                weights.append((Source(operatorName: operatorName, operatorSet: set, strategy: strategy), stake))
            }
        }
        guard totalStake > 0 else { return 0 }
        var handedOutWei: UInt128 = 0
        for (source, stake) in weights {
            // stake ≤ total, so the part fits.
            guard let partWei = try? FixedPoint.mulDivFloor(sliceWei, stake, totalStake), partWei > 0 else { continue }
            ensureIndex(source)
            let split = UInt128(splitBips(source.operatorName, at: epoch))
            guard (try? indexes[source]!.distribute(partWei, operatorSplitBips: split)) != nil else { continue }
            handedOutWei += partWei
        }
        return handedOutWei
    }

    // MARK: Claims and views

    /// What `account` can claim now, by (set, role).
    func claimable(_ account: String) -> [ClaimKey: UInt128] {
        var table: [ClaimKey: UInt128] = [:]
        for source in sourcesByHolder[account] ?? [] {
            let amount = (try? indexes[source]!.claimableWei(of: account)) ?? 0
            table[ClaimKey(operatorSet: source.operatorSet, role: "delegator"), default: 0] += amount
        }
        for source in sourcesByOperator[account] ?? [] {
            table[ClaimKey(operatorSet: source.operatorSet, role: "operator"), default: 0] += indexes[source]!.operatorAccruedWei
        }
        return table
    }

    /// Pays `account` everything; returns the total.
    private mutating func claim(_ account: String) -> UInt128 {
        var paidWei: UInt128 = 0
        for source in (sourcesByHolder[account] ?? []).sorted() {
            let paid = (try? indexes[source]!.claim(for: account)) ?? 0
            claimedWei[account, default: [:]][ClaimKey(operatorSet: source.operatorSet, role: "delegator"), default: 0] += paid
            paidWei += paid
        }
        for source in (sourcesByOperator[account] ?? []).sorted() {
            let paid = indexes[source]!.claimOperatorSplit()
            claimedWei[account, default: [:]][ClaimKey(operatorSet: source.operatorSet, role: "operator"), default: 0] += paid
            paidWei += paid
        }
        return paidWei
    }

    /// The body of `AVSRewardsClaimed` paying `account` everything claimable, by set; nil when
    /// nothing is.
    func claimBody(_ account: String) -> JSON? {
        var bySet: [OperatorSetID: UInt128] = [:]
        for (key, amount) in claimable(account) where amount > 0 { bySet[key.operatorSet, default: 0] += amount }
        let totalWei = bySet.values.reduce(0, +)
        guard totalWei > 0 else { return nil }
        return .object([
            "account": .string(account), "amountWei": .amount(totalWei),
            "bySource": .array(bySet.keys.sorted().map { set in
                .object(["avs": .string(set.avs.rawValue), "setId": .int(set.setNumber), "amountWei": .amount(bySet[set]!)])
            }),
        ])
    }

    /// Ends `epoch` on this (copied) book as `rewards.EpochProcessed` will: for a command that
    /// must know what the epochs it is about to end will have accrued.
    mutating func simulateEpochEnd(_ epoch: UInt64) {
        guard !activeSubmissions.isEmpty else { return }
        distribute(epoch: epoch)
    }

    /// Pays `account` on this (copied) book, as `rewards.AVSRewardsClaimed` will.
    mutating func simulateClaim(_ account: String) { _ = claim(account) }

    /// Holders and operators of the book whose names start with `prefix` (a pool's pod-stakers).
    func accounts(withPrefix prefix: String) -> [String] {
        Set(sourcesByHolder.keys.filter { $0.hasPrefix(prefix) } + sourcesByOperator.keys.filter { $0.hasPrefix(prefix) }).sorted()
    }

    func showView(_ account: String, epoch: UInt64) -> JSON {
        let claimable = claimable(account)
        let claimed = claimedWei[account] ?? [:]
        let keys = Set(claimable.keys).union(claimed.keys).sorted()
        return .object([
            "account": .string(account), "epoch": .int(epoch),
            "claimableWei": .amount(claimable.values.reduce(0, +)), "claimedWei": .amount(claimed.values.reduce(0, +)),
            "sources": .array(keys.map { key in
                let claimableWei = claimable[key] ?? 0
                let claimedWei = claimed[key] ?? 0
                return .object([
                    "avs": .string(key.operatorSet.avs.rawValue), "setId": .int(key.operatorSet.setNumber),
                    "role": .string(key.role), "accruedWei": .amount(claimableWei + claimedWei),
                    "claimedWei": .amount(claimedWei), "claimableWei": .amount(claimableWei),
                ])
            }),
        ])
    }

    /// The AVS's submissions, and its totals: `fundedWei = claimedWei + claimableWei +
    /// undistributedWei` to the wei, where undistributed = the submissions' undistributed parts
    /// + what its indexes hold for nobody yet (no delegators) + their sub-wei remainders.
    /// O(holders of the AVS's indexes): a query.
    func submissionsView(_ avs: String, epoch: UInt64) -> JSON {
        let mine = (submissionsByAVS[avs] ?? []).map { submissions[$0]! }
        var fundedWei: UInt128 = 0, claimedWei: UInt128 = 0, claimableWei: UInt128 = 0, heldWei: UInt128 = 0
        for submission in mine {
            fundedWei += submission.amountWei
            heldWei += submission.undistributedWei
        }
        for (source, index) in indexes where source.operatorSet.avs.rawValue == avs {
            let holdersWei = index.accounts.keys.reduce(UInt128(0)) { sum, holder in
                sum + ((try? index.claimableWei(of: holder)) ?? 0)
            }
            claimedWei += index.claimedWei
            claimableWei += holdersWei + index.operatorAccruedWei
            heldWei += index.fundedWei - index.claimedWei - index.operatorAccruedWei - holdersWei
        }
        return .object([
            "avs": .string(avs), "epoch": .int(epoch),
            "submissions": .array(mine.map { $0.json(epoch: epoch) }),
            "fundedWei": .amount(fundedWei), "claimedWei": .amount(claimedWei), "claimableWei": .amount(claimableWei),
            "undistributedWei": .amount(heldWei),
        ])
    }

    static func operatorSet(_ body: JSON) throws(ContractError) -> OperatorSetID {
        let setId = try body.uint64("setId")
        guard setId <= UInt64(UInt32.max) else { throw ContractError(.invalidArgument, "setId must be 0 … 2^32 − 1") }
        return OperatorSetID(avs: AVSID(try body.string("avs")), setNumber: UInt32(setId))
    }

    static func names(_ body: JSON, _ key: String) throws(ContractError) -> [String] {
        try body.array(key).map { item throws(ContractError) -> String in
            guard case .string(let name) = item else { throw ContractError(.wrongType, "\(key) must hold names") }
            return name
        }
    }

    // MARK: Snapshots

    /// Every field, O(state): the book and each index as the core's images, the tables as
    /// sorted arrays (or in their own order where it matters: set members, an operator's
    /// index sets, an AVS's submissions). Nothing here grows with epochs or events, only with
    /// holders, operators, sets, submissions and split changes.
    var snapshot: JSON {
        func set(_ operatorSet: OperatorSetID) -> [String: JSON] {
            ["avs": .string(operatorSet.avs.rawValue), "setId": .int(operatorSet.setNumber)]
        }
        func source(_ source: Source) -> JSON {
            .object(set(source.operatorSet).merging(
                ["operator": .string(source.operatorName), "strategy": .string(source.strategy)]) { $1 })
        }
        func byOperatorStrategy<Value>(_ table: [OperatorStrategy: Value], _ json: (Value) -> JSON) -> JSON {
            .array(table.keys.sorted { ($0.operatorName, $0.strategy) < ($1.operatorName, $1.strategy) }.map { key in
                .object(["operator": .string(key.operatorName), "strategy": .string(key.strategy), "value": json(table[key]!)])
            })
        }
        return .object([
            "book": ImageJSON.json(book.image),
            "setStrategies": .array(setStrategies.keys.sorted().map { key in
                .object(set(key).merging(["names": .array(setStrategies[key]!.map(JSON.string))]) { $1 })
            }),
            "setMembers": .array(setMembers.keys.sorted().map { key in
                .object(set(key).merging(["names": .array(setMembers[key]!.map(JSON.string))]) { $1 })
            }),
            "operatorShares": byOperatorStrategy(operatorShares) { .amount($0) },
            "positions": .object(Dictionary(uniqueKeysWithValues: positions.map { staker, byStrategy in
                (staker.rawValue, JSON.object(byStrategy.mapValues { position in
                    .object([
                        "operator": position.operatorName.map(JSON.string) ?? .null,
                        "scaledShares": .amount(position.scaledShares),
                    ])
                }))
            })),
            "delegators": byOperatorStrategy(delegators) { .object($0.mapValues { .amount($0) }) },
            "indexes": .array(indexes.keys.sorted().map { key in
                .object(["source": source(key), "index": ImageJSON.json(indexes[key]!.image)])
            }),
            "indexSets": byOperatorStrategy(indexSets) { sets in .array(sets.map { .object(set($0)) }) },
            "sourcesByHolder": .object(sourcesByHolder.mapValues { .array($0.sorted().map(source)) }),
            "splits": .object(splits.mapValues { changes in
                .array(changes.map { .array([.int($0.effectEpoch), .int($0.splitBips)]) })
            }),
            "submissions": .array(submissions.keys.sorted().map { id in
                let submission = submissions[id]!
                return .object([
                    "submission": .int(submission.submission), "avs": .string(submission.avs), "setId": .int(submission.setId),
                    "amountWei": .amount(submission.amountWei), "epochs": .int(submission.epochs),
                    "startEpoch": .int(submission.startEpoch), "perEpochWei": .amount(submission.perEpochWei),
                    "distributedWei": .amount(submission.distributedWei),
                    "undistributedWei": .amount(submission.undistributedWei),
                ])
            }),
            "submissionsByAVS": .object(submissionsByAVS.mapValues { .array($0.map { .int($0) }) }),
            "activeSubmissions": .array(activeSubmissions.map { .int($0) }),
            "claimedWei": .object(claimedWei.mapValues { byKey in
                .array(byKey.keys.sorted().map { key in
                    .object(set(key.operatorSet).merging(
                        ["role": .string(key.role), "amountWei": .amount(byKey[key]!)]) { $1 })
                })
            }),
        ])
    }

    /// Restores a snapshot: from its images, or, written before them (`{"log": [...]}`), by
    /// replaying the log (one entry per own event and per distributing epoch).
    init(snapshot: JSON?) throws(ContractError) {
        self.init()
        guard let snapshot else { return }  // a snapshot from before AVS rewards
        if let log = snapshot["log"] {
            for item in try ImageJSON.array(log, "rewards snapshot: AVS log") {
                let envelope = EventEnvelope(
                    source: "rewards", seq: try item.uint64("seq"), type: try item.string("type"), epoch: nil,
                    body: try item.object("body"))
                guard apply(envelope) else {
                    throw ContractError(.invalidArgument, "rewards snapshot: unknown AVS event \(envelope.type)")
                }
            }
            return
        }
        try restoreImages(snapshot)
    }

    private mutating func restoreImages(_ snapshot: JSON) throws(ContractError) {
        func names(_ item: JSON) throws(ContractError) -> [String] {
            try item.array("names").map { name throws(ContractError) in try ImageJSON.string(name, "rewards snapshot: names") }
        }
        func source(_ item: JSON) throws(ContractError) -> Source {
            Source(
                operatorName: try item.string("operator"), operatorSet: try Self.operatorSet(item),
                strategy: try item.string("strategy"))
        }
        func operatorStrategy(_ item: JSON) throws(ContractError) -> OperatorStrategy {
            OperatorStrategy(operatorName: try item.string("operator"), strategy: try item.string("strategy"))
        }
        book = try ImageJSON.book(try snapshot.object("book"))
        for item in try snapshot.array("setStrategies") { setStrategies[try Self.operatorSet(item)] = try names(item) }
        for item in try snapshot.array("setMembers") { setMembers[try Self.operatorSet(item)] = try names(item) }
        for item in try snapshot.array("operatorShares") { operatorShares[try operatorStrategy(item)] = try item.amount("value") }
        for (staker, value) in try ImageJSON.object(snapshot["positions"], "rewards snapshot: positions") {
            var byStrategy: [String: Position] = [:]  // may be empty: kept as it was
            for (strategy, position) in try ImageJSON.object(value, "rewards snapshot: positions") {
                byStrategy[strategy] = Position(
                    operatorName: try position.optionalString("operator"), scaledShares: try position.amount("scaledShares"))
            }
            positions[StakerID(staker)] = byStrategy
        }
        for item in try snapshot.array("delegators") {
            var stakers: [String: UInt128] = [:]
            for (staker, amount) in try ImageJSON.object(item["value"], "rewards snapshot: delegators") {
                stakers[staker] = try ImageJSON.amount(amount, "rewards snapshot: delegator shares")
            }
            delegators[try operatorStrategy(item)] = stakers
        }
        for item in try snapshot.array("indexes") {
            let key = try source(try item.object("source"))
            indexes[key] = try ImageJSON.rewardIndex(try item.object("index"))
            sourcesByOperator[key.operatorName, default: []].insert(key)  // inserted with each index
        }
        for item in try snapshot.array("indexSets") {
            indexSets[try operatorStrategy(item)] = try item.array("value").map { set throws(ContractError) in
                try Self.operatorSet(set)
            }
        }
        for (holder, value) in try ImageJSON.object(snapshot["sourcesByHolder"], "rewards snapshot: sources by holder") {
            var sources: Set<Source> = []
            for item in try ImageJSON.array(value, "rewards snapshot: sources") { sources.insert(try source(item)) }
            sourcesByHolder[holder] = sources
        }
        for (operatorName, value) in try ImageJSON.object(snapshot["splits"], "rewards snapshot: splits") {
            splits[operatorName] = try ImageJSON.array(value, "rewards snapshot: splits").map { change throws(ContractError) in
                let pair = try ImageJSON.array(change, "rewards snapshot: split change")
                guard pair.count == 2 else { throw ImageJSON.malformed("rewards snapshot: split change") }
                return SplitChange(
                    effectEpoch: try ImageJSON.uint64(pair[0], "effectEpoch"), splitBips: try ImageJSON.uint64(pair[1], "splitBips"))
            }
        }
        for item in try snapshot.array("submissions") {
            let setId = try item.uint64("setId")
            guard setId <= UInt64(UInt32.max) else { throw ContractError(.invalidArgument, "rewards snapshot: bad set id") }
            var submission = Submission(
                submission: try item.uint64("submission"), avs: try item.string("avs"), setId: UInt32(setId),
                amountWei: try item.amount("amountWei"), epochs: try item.uint64("epochs"),
                startEpoch: try item.uint64("startEpoch"), perEpochWei: try item.amount("perEpochWei"))
            submission.distributedWei = try item.amount("distributedWei")
            submission.undistributedWei = try item.amount("undistributedWei")
            submissions[submission.submission] = submission
        }
        for (avs, value) in try ImageJSON.object(snapshot["submissionsByAVS"], "rewards snapshot: submissions by AVS") {
            submissionsByAVS[avs] = try ImageJSON.array(value, "rewards snapshot: submissions").map { id throws(ContractError) in
                try ImageJSON.uint64(id, "submission")
            }
        }
        activeSubmissions = try snapshot.array("activeSubmissions").map { id throws(ContractError) in
            try ImageJSON.uint64(id, "submission")
        }
        for (account, value) in try ImageJSON.object(snapshot["claimedWei"], "rewards snapshot: claimed") {
            for item in try ImageJSON.array(value, "rewards snapshot: claimed") {
                let key = ClaimKey(operatorSet: try Self.operatorSet(item), role: try item.string("role"))
                claimedWei[account, default: [:]][key] = try item.amount("amountWei")
            }
        }
        // Every reference resolves: what the views and epochs dereference with `!`.
        let known = Set(indexes.keys)
        guard sourcesByHolder.values.allSatisfy({ $0.isSubset(of: known) }),
            activeSubmissions.allSatisfy({ submissions[$0] != nil }),
            submissionsByAVS.values.allSatisfy({ $0.allSatisfy { submissions[$0] != nil } }),
            indexSets.allSatisfy({ key, sets in
                sets.allSatisfy { known.contains(Source(operatorName: key.operatorName, operatorSet: $0, strategy: key.strategy)) }
            })
        else { throw ContractError(.invalidArgument, "rewards snapshot: a reference to a missing index or submission") }
    }

    init() {}
}

extension RewardsDomain {
    static let avsQueryTypes: Set<String> = ["rewards.avs.show", "rewards.avs.submissions"]

    func decideAVSRewards(_ command: CommandEnvelope, _ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision? {
        switch command.type {
        case "rewards.avs.claim":
            let raw = try body.string("account")
            // The eeth pool's pod-stakers (`pool:eeth/<operator>`, §9.8) are claimed by its oracle.
            let poolStaker = raw.hasPrefix("pool:eeth/")
                && (try? AccountName.validated(String(raw.dropFirst("pool:eeth/".count)))) != nil
            let account = poolStaker ? raw : try AccountName.validated(raw, field: "body.account")
            if poolStaker {
                try context.requireOracle(doing: "claiming the eeth pool's AVS rewards")
            } else {
                let actor = (try? AccountName.validated(context.actor)) ?? context.actor
                guard actor == account else {
                    throw ContractError(.unauthorized, "\(context.actor) may not claim the AVS rewards of \(account): only \(account) itself may")
                }
            }
            guard let fields = avsRewards.claimBody(account) else {
                throw ContractError(.nothingToClaim, "\(account) has no AVS rewards to claim")
            }
            return Decision(
                result: fields.merging(["seq": .int(context.nextSeq)]),
                events: [NewEvent(name: "AVSRewardsClaimed", epoch: epoch, body: fields)])
        case "rewards.avs.show":
            let raw = try body.string("account")
            let account = raw.hasPrefix("pool:eeth/") && (try? AccountName.validated(String(raw.dropFirst("pool:eeth/".count)))) != nil
                ? raw : try AccountName.validated(raw, field: "body.account")
            return Decision(result: avsRewards.showView(account, epoch: epoch))
        case "rewards.avs.submissions":
            let avs = try AccountName.validated(try body.string("avs"), field: "body.avs")
            return Decision(result: avsRewards.submissionsView(avs, epoch: epoch))
        default:
            return nil
        }
    }
}

extension ErrorCode {
    /// `rewards.avs.claim` with nothing accrued (§9.7).
    public static let nothingToClaim = ErrorCode(rawValue: "nothing_to_claim")
}
