import Accounting
import Contracts
import ServiceKit

/// stakeline-rewards: the epoch clock and the performance model — what the simulated chain's
/// validators and the rest of the network do each epoch. The ledger applies both. Also AVS
/// rewards (RewardsDomain+AVSRewards.swift), distributed as each epoch ends.
public struct RewardsDomain: ServiceDomain {
    public static let serviceName = RewardsIdentity.serviceName
    public static let followedSources = RewardsIdentity.followedSources
    public static let queryTypes = Set(["rewards.pings", "rewards.clock"]).union(avsQueryTypes)
    /// Epochs one `rewards.epochs.advance` may end (its events are committed together).
    public static let epochsPerCommandMax: UInt64 = 1000

    var plumbing = PlumbingDomain<RewardsIdentity>()
    /// The epoch in progress.
    public private(set) var epoch: UInt64 = 0
    var parameters = BeaconParameters.mainnetLike
    var validatorPerformance: [UInt64: ValidatorPerformance] = [:]
    var ownerPerformance: [String: ValidatorPerformance] = [:]
    /// Oracle report schedules and execution-layer income per pool.
    var schedules: [String: PoolSchedule] = ["steth": PoolSchedule(), "reth": PoolSchedule(), "eeth": PoolSchedule()]
    /// AVS rewards submissions, their replicas and reward indexes.
    var avsRewards = AVSRewardsBook()

    public init() {}

    public func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError> {
        do throws(ContractError) {
            let body = command.body.fields(at: "body")
            switch command.type {
            case "rewards.ping", "rewards.pings":
                return plumbing.decide(command, context: context)
            case "rewards.epochs.advance":
                try context.requireOracle(doing: "advancing epochs")
                let count = try body.uint64("count")
                guard count >= 1 && count <= Self.epochsPerCommandMax else {
                    throw ContractError(.invalidArgument, "body.count must be 1 … \(Self.epochsPerCommandMax), got \(count)")
                }
                var events: [NewEvent] = []
                // What the epochs ended so far will have accrued, for the eeth pool's claims below.
                var simulated = avsRewards
                var simulatedThrough = epoch
                for offset in 0..<count {
                    let ended = epoch + offset
                    events.append(NewEvent(name: "EpochProcessed", epoch: ended, body: .object(["epoch": .int(ended)])))
                    // A pool's report is due at the start of every multiple of its interval.
                    for pool in schedules.keys.sorted() where (ended + 1) % schedules[pool]!.reportIntervalEpochs == 0 {
                        if pool == "eeth" {
                            // The eeth pool's AVS rewards are claimed for it just before its report
                            // (PROTOCOL.md §9.8), so they reach its value at that report: the ledger
                            // puts them in the pool's vault, which the report counts.
                            while simulatedThrough <= ended {
                                simulated.simulateEpochEnd(simulatedThrough)
                                simulatedThrough += 1
                            }
                            for staker in simulated.accounts(withPrefix: "pool:eeth/") {
                                guard let claim = simulated.claimBody(staker) else { continue }
                                simulated.simulateClaim(staker)
                                events.append(NewEvent(name: "AVSRewardsClaimed", epoch: ended + 1, body: claim))
                            }
                        }
                        events.append(NewEvent(name: "OracleReportDue", epoch: ended + 1, body: .object([
                            "pool": .string(pool), "epoch": .int(ended + 1),
                        ])))
                    }
                }
                return .success(Decision(result: .object([
                    "fromEpoch": .int(epoch), "toEpoch": .int(epoch + count),
                    "lastSeq": .int(context.nextSeq + UInt64(events.count) - 1),
                ]), events: events))
            case "rewards.pool.set":
                try context.requireOracle(doing: "scheduling pool reports")
                let pool = try body.string("pool")
                guard let current = schedules[pool] else {
                    throw ContractError(.unknownPool, "there is no pool \(pool) (pools: steth, reth, eeth)")
                }
                let updated = try current.updated(by: command.body)
                let fields = updated.json.merging(["pool": .string(pool)])
                return .success(Decision(
                    result: fields.merging(["seq": .int(context.nextSeq)]),
                    events: [NewEvent(name: "PoolScheduleSet", epoch: epoch, body: fields)]))
            case "rewards.performance.set":
                try context.requireOracle(doing: "setting validator performance")
                let performance = try ValidatorPerformance(body: command.body)
                var setting: [String: JSON] = ["onlineRateBips": .int(performance.onlineRateBips)]
                if case .object(let described) = performance.json { setting["flags"] = described["flags"] }
                let validator = try body.optionalUInt64("validator")
                let owner = try body.optionalString("owner")
                switch (validator, owner) {
                case (let validator?, nil): setting["validator"] = .int(validator)
                case (nil, let owner?): setting["owner"] = .string(try AccountName.validated(owner, field: "body.owner"))
                default: throw ContractError(.invalidArgument, "give exactly one of body.validator and body.owner")
                }
                let fields = JSON.object(setting)
                return .success(Decision(
                    result: fields.merging(["seq": .int(context.nextSeq)]),
                    events: [NewEvent(name: "PerformanceSet", epoch: epoch, body: fields)]))
            case "rewards.network.set":
                try context.requireOracle(doing: "setting the network model")
                let updated = try parameters.updated(by: command.body)
                return .success(Decision(
                    result: updated.json.merging(["seq": .int(context.nextSeq)]),
                    events: [NewEvent(name: "NetworkSet", epoch: epoch, body: updated.json)]))
            case "rewards.clock":
                return .success(Decision(result: clockView()))
            default:
                if let decision = try decideAVSRewards(command, body, context: context) { return .success(decision) }
                throw ContractError(.unknownCommand, "rewards has no command \(command.type)")
            }
        } catch {
            return .failure(error)
        }
    }

    func clockView() -> JSON {
        var validators: [String: JSON] = [:]
        for (index, performance) in validatorPerformance { validators[String(index)] = performance.json }
        return parameters.json.merging([
            "epoch": .int(epoch),
            "pools": .object(schedules.mapValues(\.json)),
            "performance": .object(["validators": .object(validators), "owners": .object(ownerPerformance.mapValues(\.json))]),
        ])
    }

    public mutating func apply(_ event: EventEnvelope) {
        switch event.type {
        case "rewards.Pinged", "rewards.PingObserved":
            plumbing.apply(event)
        case "rewards.EpochProcessed":
            let ended = must(event) { body throws(ContractError) in try body.uint64("epoch") }
            precondition(ended == epoch, "EpochProcessed \(ended) while the clock is at \(epoch)")
            epoch += 1
            _ = avsRewards.apply(event)  // the ended epoch's AVS reward slices
        case "rewards.PerformanceSet":
            let performance = must(event) { body throws(ContractError) in try ValidatorPerformance(body: body) }
            if let validator = must(event, { body throws(ContractError) in try body.optionalUInt64("validator") }) {
                validatorPerformance[validator] = performance
            } else {
                ownerPerformance[must(event) { body throws(ContractError) in try body.string("owner") }] = performance
            }
        case "rewards.NetworkSet":
            parameters = must(event) { body throws(ContractError) in try parameters.updated(by: body) }
        case "rewards.OracleReportDue":
            break
        case "rewards.PoolScheduleSet":
            let pool = must(event) { body throws(ContractError) in try body.string("pool") }
            schedules[pool] = must(event) { body throws(ContractError) in try schedules[pool]!.updated(by: body) }
        default:
            if avsRewards.apply(event) { return }
            preconditionFailure("unknown own event \(event.type) at seq \(event.seq)")
        }
    }

    public func react(to event: EventEnvelope, context: CommandContext) -> [NewEvent] {
        if let events = avsRewards.react(to: event, epoch: epoch) { return events }
        return plumbing.react(to: event, context: context)
    }

    public func snapshot() -> JSON {
        clockView().merging(["plumbing": plumbing.snapshot(), "avsRewards": avsRewards.snapshot])
    }

    public init(snapshot: JSON) throws(ContractError) {
        self.init()
        plumbing = try PlumbingDomain(snapshot: try snapshot.object("plumbing"))
        epoch = try snapshot.uint64("epoch")
        parameters = try parameters.updated(by: snapshot)
        let performance = try snapshot.object("performance")
        guard case .object(let validators) = try performance.object("validators"),
            case .object(let owners) = try performance.object("owners")
        else { throw ContractError(.invalidArgument, "rewards snapshot is malformed") }
        for (key, value) in validators {
            guard let index = UInt64(key) else { throw ContractError(.invalidArgument, "rewards snapshot: bad validator") }
            validatorPerformance[index] = try ValidatorPerformance(body: value)
        }
        for (owner, value) in owners { ownerPerformance[owner] = try ValidatorPerformance(body: value) }
        if case .object(let pools)? = snapshot["pools"] {
            for (pool, value) in pools { schedules[pool] = try PoolSchedule().updated(by: value) }
        }
        avsRewards = try AVSRewardsBook(snapshot: snapshot["avsRewards"])
    }
}

extension JSON {
    /// This object with `fields` added (replacing same-named ones); a non-object is returned as is.
    func merging(_ fields: [String: JSON]) -> JSON {
        guard case .object(var object) = self else { return self }
        for (key, value) in fields { object[key] = value }
        return .object(object)
    }
}
