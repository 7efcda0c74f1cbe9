import Accounting
import Contracts
import ServiceKit

/// The ledger's snapshot: every field of its state, amounts as decimal strings.
extension LedgerDomain {
    public func snapshot() -> JSON {
        var accountsJSON: [String: JSON] = [:]
        for (name, account) in accounts {
            accountsJSON[name] = .object([
                "balanceWei": .amount(account.balanceWei), "depositedWei": .amount(account.depositedWei),
                "withdrawnWei": .amount(account.withdrawnWei),
                "withdrawalsReceivedWei": .amount(account.withdrawalsReceivedWei),
                "validators": .ids(account.validators),
            ])
        }
        return .object([
            "plumbing": plumbing.snapshot(),
            "accounts": .object(accountsJSON),
            "ownerNames": .array(ownerNames.map(JSON.string)),
            "chain": Self.chainSnapshot(chain),
            "validatorPerformance": .object(Dictionary(uniqueKeysWithValues: validatorPerformance.map { (String($0.key.rawValue), $0.value.json) })),
            "ownerPerformance": .object(ownerPerformance.mapValues(\.json)),
            "inflowsWei": .amount(inflowsWei),
            "outflowsWei": .amount(outflowsWei),
            "lastEpochInLeak": .bool(lastEpochInLeak),
            "steth": steth.snapshot,
            "reth": reth.snapshot,
            "eeth": eeth.snapshot,
            "nodeOperators": .object(nodeOperators.mapValues(\.json)),
            "schedules": .object(schedules.mapValues(\.json)),
            "restaking": restakingSnapshot(),
        ])
    }

    public init(snapshot: JSON) throws(ContractError) {
        self.init()
        plumbing = try PlumbingDomain(snapshot: try snapshot.object("plumbing"))
        guard case .object(let accountsJSON) = try snapshot.object("accounts"),
            case .array(let names) = snapshot["ownerNames"] ?? .null,
            case .object(let byValidator) = try snapshot.object("validatorPerformance"),
            case .object(let byOwner) = try snapshot.object("ownerPerformance")
        else { throw ContractError(.invalidArgument, "ledger snapshot is malformed") }
        for (name, value) in accountsJSON {
            var account = Account()
            account.balanceWei = try value.amount("balanceWei")
            account.depositedWei = try value.amount("depositedWei")
            account.withdrawnWei = try value.amount("withdrawnWei")
            account.withdrawalsReceivedWei = try value.amount("withdrawalsReceivedWei")
            account.validators = try value.array("validators").map { item throws(ContractError) in
                guard case .number(let text) = item, let raw = Int(text) else {
                    throw ContractError(.invalidArgument, "ledger snapshot: bad validator id")
                }
                return ValidatorIndex(raw)
            }
            accounts[name] = account
        }
        for name in names {
            guard case .string(let owner) = name else { throw ContractError(.invalidArgument, "ledger snapshot: bad owner") }
            _ = ownerHandle(owner)
        }
        for (key, value) in byValidator {
            guard let raw = Int(key) else { throw ContractError(.invalidArgument, "ledger snapshot: bad validator key") }
            validatorPerformance[ValidatorIndex(raw)] = try ValidatorPerformance(body: value)
        }
        for (owner, value) in byOwner { ownerPerformance[owner] = try ValidatorPerformance(body: value) }
        inflowsWei = try snapshot.amount("inflowsWei")
        outflowsWei = try snapshot.amount("outflowsWei")
        lastEpochInLeak = try snapshot.bool("lastEpochInLeak")
        chain = try Self.restoreChain(try snapshot.object("chain"))
        // Absent in snapshots taken before liquid staking: the pools are then empty.
        if let stethJSON = snapshot["steth"] { steth = try StethPool(snapshot: stethJSON) }
        if let rethJSON = snapshot["reth"] { reth = try RethPool(snapshot: rethJSON) }
        if let eethJSON = snapshot["eeth"] { eeth = try EethPool(snapshot: eethJSON) }
        if case .object(let operators)? = snapshot["nodeOperators"] {
            for (name, value) in operators { nodeOperators[name] = try NodeOperatorRecord(body: value) }
        }
        if case .object(let byPool)? = snapshot["schedules"] {
            for (pool, value) in byPool { schedules[pool] = try PoolSchedule().updated(by: value) }
        }
        try restoreRestaking(snapshot["restaking"])
    }

    public static func chainSnapshot(_ chain: BeaconChain) -> JSON {
        let validators: [JSON] = chain.validators.map { v in
            .object([
                "owner": .int(v.owner), "compounding": .bool(v.compounding), "balanceGwei": .amount(v.balanceGwei),
                "effectiveBalanceGwei": .amount(v.effectiveBalanceGwei), "slashed": .bool(v.slashed),
                "activationEligibilityEpoch": .int(v.activationEligibilityEpoch), "activationEpoch": .int(v.activationEpoch),
                "exitEpoch": .int(v.exitEpoch), "withdrawableEpoch": .int(v.withdrawableEpoch),
                "inactivityScore": .int(v.inactivityScore), "depositEpoch": .int(v.depositEpoch),
                "slashedEpoch": .int(v.slashedEpoch), "performance": v.performance.json,
                "depositedGwei": .amount(v.depositedGwei), "rewardsGwei": .amount(v.rewardsGwei),
                "penaltiesGwei": .amount(v.penaltiesGwei), "slashingPenaltiesGwei": .amount(v.slashingPenaltiesGwei),
                "withdrawnGwei": .amount(v.withdrawnGwei),
            ])
        }
        let pending: [JSON] = chain.pendingDeposits[chain.pendingDepositsHead...].map {
            .object(["validator": .int($0.validator.rawValue), "amountGwei": .amount($0.amountGwei)])
        }
        var slashings: [String: JSON] = [:]
        for (slot, amount) in chain.slashingsGwei { slashings[String(slot)] = .amount(amount) }
        return .object([
            "parameters": chain.parameters.json,
            "epoch": .int(chain.epoch),
            "validators": .array(validators),
            "pendingDeposits": .array(pending),
            "depositBalanceToConsumeGwei": .amount(chain.depositBalanceToConsumeGwei),
            "exitBalanceToConsumeGwei": .amount(chain.exitBalanceToConsumeGwei),
            "earliestExitEpoch": .int(chain.earliestExitEpoch),
            "finalizedEpoch": .int(chain.finalizedEpoch),
            "justifiedEpoch": chain.justifiedEpoch.map { .int($0) } ?? .null,
            "slashingsGwei": .object(slashings),
            "depositedGwei": .amount(chain.depositedGwei), "rewardsGwei": .amount(chain.rewardsGwei),
            "penaltiesGwei": .amount(chain.penaltiesGwei), "slashingPenaltiesGwei": .amount(chain.slashingPenaltiesGwei),
            "withdrawnGwei": .amount(chain.withdrawnGwei),
        ])
    }

    static func restoreChain(_ json: JSON) throws(ContractError) -> BeaconChain {
        func gwei(_ value: JSON, _ key: String) throws(ContractError) -> UInt64 { try value.gwei(key) }
        let parameters = try BeaconParameters.mainnetLike.updated(by: try json.object("parameters"))
        var validators: ContiguousArray<BeaconValidator> = []
        for v in try json.array("validators") {
            var validator = BeaconValidator(
                owner: Int(try v.uint64("owner")), compounding: try v.bool("compounding"), depositEpoch: try v.uint64("depositEpoch"))
            validator.balanceGwei = try gwei(v, "balanceGwei")
            validator.effectiveBalanceGwei = try gwei(v, "effectiveBalanceGwei")
            validator.slashed = try v.bool("slashed")
            validator.activationEligibilityEpoch = try v.uint64("activationEligibilityEpoch")
            validator.activationEpoch = try v.uint64("activationEpoch")
            validator.exitEpoch = try v.uint64("exitEpoch")
            validator.withdrawableEpoch = try v.uint64("withdrawableEpoch")
            validator.inactivityScore = try v.uint64("inactivityScore")
            validator.slashedEpoch = try v.uint64("slashedEpoch")
            validator.performance = try ValidatorPerformance(body: try v.object("performance"))
            validator.depositedGwei = try gwei(v, "depositedGwei")
            validator.rewardsGwei = try gwei(v, "rewardsGwei")
            validator.penaltiesGwei = try gwei(v, "penaltiesGwei")
            validator.slashingPenaltiesGwei = try gwei(v, "slashingPenaltiesGwei")
            validator.withdrawnGwei = try gwei(v, "withdrawnGwei")
            validators.append(validator)
        }
        var pending: ContiguousArray<BeaconChain.PendingDeposit> = []
        for deposit in try json.array("pendingDeposits") {
            pending.append(.init(validator: ValidatorIndex(Int(try deposit.uint64("validator"))), amountGwei: try gwei(deposit, "amountGwei")))
        }
        guard case .object(let slashingsJSON) = try json.object("slashingsGwei") else {
            throw ContractError(.invalidArgument, "ledger snapshot: slashings")
        }
        var slashings: [UInt64: UInt64] = [:]
        for (slot, value) in slashingsJSON {
            guard let key = UInt64(slot), case .string(let text) = value, let amount = UInt64(text) else {
                throw ContractError(.invalidArgument, "ledger snapshot: slashings")
            }
            slashings[key] = amount
        }
        let chain = BeaconChain(
            parameters: parameters, epoch: try json.uint64("epoch"), validators: validators, pendingDeposits: pending,
            depositBalanceToConsumeGwei: try gwei(json, "depositBalanceToConsumeGwei"),
            exitBalanceToConsumeGwei: try gwei(json, "exitBalanceToConsumeGwei"),
            earliestExitEpoch: try json.uint64("earliestExitEpoch"), finalizedEpoch: try json.uint64("finalizedEpoch"),
            justifiedEpoch: try json.optionalUInt64("justifiedEpoch"), slashingsGwei: slashings,
            depositedGwei: try json.amount("depositedGwei"), rewardsGwei: try json.amount("rewardsGwei"),
            penaltiesGwei: try json.amount("penaltiesGwei"), slashingPenaltiesGwei: try json.amount("slashingPenaltiesGwei"),
            withdrawnGwei: try json.amount("withdrawnGwei"))
        guard chain.check() else { throw ContractError(.invalidArgument, "ledger snapshot: chain balances do not reconcile") }
        return chain
    }
}
