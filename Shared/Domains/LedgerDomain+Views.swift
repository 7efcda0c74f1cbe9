import Accounting
import Contracts
import ServiceKit

/// The ledger's queries (docs/PROTOCOL.md §9.3).
extension LedgerDomain {
    /// Epochs in a year of 365.25 days (225 a day), times 100 to stay in integers.
    static let epochsPerYearTimes100: UInt128 = 8_218_125

    func validatorView(_ index: ValidatorIndex) throws(ContractError) -> JSON {
        let validator = try beacon { () throws(BeaconError) in try chain.validator(index) }
        let status = validator.status(at: chain.epoch)
        var queue: JSON = .null
        var expectedActivation: JSON = .null
        if let position = chain.depositQueuePosition(of: index) {
            queue = .object(["aheadGwei": .amount(position.aheadGwei), "expectedEpoch": .int(position.expectedEpoch)])
        }
        if let expected = chain.expectedActivationEpoch(of: index) { expectedActivation = .int(expected) }
        let correlationEpoch: UInt64 = validator.slashed
            ? validator.withdrawableEpoch - ConsensusRules.epochsPerSlashingsVector / 2 : farFutureEpoch
        return .object([
            "validator": .int(index.rawValue),
            "owner": .string(ownerName(of: validator)),
            "compounding": .bool(validator.compounding),
            "status": .string(status.rawValue),
            "balanceGwei": .amount(validator.balanceGwei),
            "effectiveBalanceGwei": .amount(validator.effectiveBalanceGwei),
            "depositedGwei": .amount(validator.depositedGwei),
            "rewardsGwei": .amount(validator.rewardsGwei),
            "penaltiesGwei": .amount(validator.penaltiesGwei),
            "slashingPenaltiesGwei": .amount(validator.slashingPenaltiesGwei),
            "withdrawnGwei": .amount(validator.withdrawnGwei),
            "slashed": .bool(validator.slashed),
            "inactivityScore": .int(validator.inactivityScore),
            "depositEpoch": .int(validator.depositEpoch),
            "activationEligibilityEpoch": .epoch(validator.activationEligibilityEpoch),
            "activationEpoch": .epoch(validator.activationEpoch),
            "exitEpoch": .epoch(validator.exitEpoch),
            "withdrawableEpoch": .epoch(validator.withdrawableEpoch),
            "slashedEpoch": .epoch(validator.slashedEpoch),
            "correlationEpoch": .epoch(correlationEpoch),
            "expectedActivationEpoch": expectedActivation,
            "queue": queue,
            "performance": validator.performance.json,
        ])
    }

    /// Status filters: a beacon API status, or a group (`pending`, `active`, `exited`, `withdrawal`).
    static func statusFilter(_ name: String) throws(ContractError) -> (ValidatorStatus) -> Bool {
        if let status = ValidatorStatus(rawValue: name) { return { $0 == status } }
        let groups = ["pending", "active", "exited", "withdrawal"]
        guard groups.contains(name) else {
            throw ContractError(.invalidArgument,
                "body.status must be a validator status or one of \(groups.joined(separator: ", ")), got \(name)")
        }
        return { $0.rawValue.hasPrefix(name + "_") }
    }

    func validatorList(_ body: JSON.Fields) throws(ContractError) -> JSON {
        let owner = try body.optionalString("owner")
        let filter = try body.optionalString("status").map { name throws(ContractError) in try Self.statusFilter(name) }
        let offset = try body.optionalUInt64("offset") ?? 0
        let limit = try body.optionalUInt64("limit") ?? 100
        guard limit >= 1 && limit <= 1000 else {
            throw ContractError(.invalidArgument, "body.limit must be 1 … 1000, got \(limit)")
        }
        let candidates: [ValidatorIndex]
        if let owner, owner == StethPool.owner || owner == RethPool.owner || owner == EethPool.owner {
            candidates = owner == StethPool.owner ? steth.validators : owner == RethPool.owner ? reth.order : eeth.validators
        } else if let owner {
            candidates = accounts[try AccountName.validated(owner, field: "body.owner")]?.validators ?? []
        } else {
            candidates = chain.validators.indices.map(ValidatorIndex.init)
        }
        var matches: [ValidatorIndex] = []
        for index in candidates {
            if let filter, !filter(chain.validators[index.rawValue].status(at: chain.epoch)) { continue }
            matches.append(index)
        }
        let page = matches.dropFirst(Int(min(offset, UInt64(matches.count)))).prefix(Int(limit))
        var views: [JSON] = []
        for index in page { views.append(try validatorView(index)) }
        return .object(["validators": .array(views), "total": .int(matches.count)])
    }

    func accountView(_ rawName: String) throws(ContractError) -> JSON {
        let name = try AccountName.validated(rawName, field: "body.account")
        // A holder of pool tokens that never held ETH here (a transfer's recipient, an
        // operator paid in fees, the treasury) has an account all the same.
        let holdsTokens = steth.shares(of: name) > 0 || steth.wstethWei(of: name) > 0 || reth.rethWei(of: name) > 0
            || eeth.tokens.shares(of: name) > 0 || eeth.weethWei(of: name) > 0
        let account = holdsTokens ? (accounts[name] ?? Account()) : try existingAccount(name)
        var validatorBalance: UInt128 = 0
        var rewards: UInt128 = 0
        var penalties: UInt128 = 0
        var slashing: UInt128 = 0
        var pending: UInt128 = 0
        for index in account.validators {
            let validator = chain.validators[index.rawValue]
            validatorBalance += UInt128(validator.balanceGwei)
            rewards += UInt128(validator.rewardsGwei)
            penalties += UInt128(validator.penaltiesGwei)
            slashing += UInt128(validator.slashingPenaltiesGwei)
            if chain.depositQueuePosition(of: index) != nil { pending += UInt128(validator.depositedGwei) }
        }
        var fields: [String: JSON] = [
            "account": .string(name),
            "balanceWei": .amount(account.balanceWei),
            "depositedWei": .amount(account.depositedWei),
            "withdrawnWei": .amount(account.withdrawnWei),
            "withdrawalsReceivedWei": .amount(account.withdrawalsReceivedWei),
            "validators": .ids(account.validators),
            "validatorBalanceGwei": .amount(validatorBalance),
            "pendingDepositGwei": .amount(pending),
            "rewardsGwei": .amount(rewards),
            "penaltiesGwei": .amount(penalties),
            "slashingPenaltiesGwei": .amount(slashing),
        ]
        for (key, value) in tokenBalances(of: name) { fields[key] = value }
        return .object(fields)
    }

    func chainView() -> JSON {
        var byStatus: [String: JSON] = [:]
        var counts: [ValidatorStatus: Int] = [:]
        var ownActive: UInt64 = 0
        for validator in chain.validators {
            counts[validator.status(at: chain.epoch), default: 0] += 1
            if validator.isActive(at: chain.epoch) { ownActive += validator.effectiveBalanceGwei }
        }
        for (status, count) in counts { byStatus[status.rawValue] = .int(count) }
        let total = chain.totalActiveBalanceGwei
        let increment = ConsensusRules.effectiveBalanceIncrementGwei
        let perIncrement = increment * ConsensusRules.baseRewardFactor / FixedPoint.integerSquareRoot(total)
        let ideal = Self.idealRewardPerEpochGwei(
            totalActiveBalanceGwei: total, participationBips: chain.parameters.networkParticipationBips)
        let apr = UInt128(ideal) * Self.epochsPerYearTimes100 * 10_000 / (100 * UInt128(BeaconParameters.minActivationBalanceGwei))
        return .object([
            "epoch": .int(chain.epoch),
            "finalizedEpoch": .int(chain.finalizedEpoch),
            "inInactivityLeak": .bool(lastEpochInLeak),
            "totalActiveBalanceGwei": .amount(total),
            "ownActiveBalanceGwei": .amount(ownActive),
            "networkActiveGwei": .amount(chain.parameters.networkActiveGwei),
            "networkParticipationBips": .int(chain.parameters.networkParticipationBips),
            "sweepIntervalEpochs": .int(chain.parameters.sweepIntervalEpochs),
            "fork": .string(chain.parameters.fork.name),
            "validatorsByStatus": .object(byStatus),
            "validatorCount": .int(chain.validators.count),
            "pendingDepositsGwei": .amount(chain.pendingDepositsGwei),
            "churnLimitGwei": .amount(chain.activationExitChurnLimitGwei),
            "baseRewardPerIncrementGwei": .amount(perIncrement),
            "idealRewardPerEpochGwei": .amount(ideal),
            "aprBips": .int(apr),
        ])
    }

    /// A 32-ETH validator online with every flag, with `participationBips` of the total
    /// attesting: the three flag rewards, the expected proposer and the sync income.
    static func idealRewardPerEpochGwei(totalActiveBalanceGwei total: UInt64, participationBips: UInt64) -> UInt64 {
        let increment = ConsensusRules.effectiveBalanceIncrementGwei
        let base = 32 * (increment * ConsensusRules.baseRewardFactor / FixedPoint.integerSquareRoot(total))
        let activeIncrements = UInt128(total / increment)
        let participating = activeIncrements * UInt128(participationBips) / 10_000
        let denominator = activeIncrements * UInt128(ConsensusRules.weightDenominator)
        let weights = [
            ConsensusRules.timelySourceWeight, ConsensusRules.timelyTargetWeight, ConsensusRules.timelyHeadWeight,
            ConsensusRules.proposerWeight,
        ]
        var reward: UInt64 = 0
        for weight in weights { reward += UInt64(UInt128(base) * UInt128(weight) * participating / denominator) }
        return reward + base * BeaconParameters.syncRewardWeight / ConsensusRules.weightDenominator
    }

    /// Conservation of ETH, each holding recomputed from the accounts and validators themselves.
    func auditView() -> JSON {
        let accountBalances = accounts.values.reduce(UInt128(0)) { $0 + $1.balanceWei }
        let validatorBalances = chain.validators.reduce(UInt128(0)) { $0 + UInt128($1.balanceGwei) } * weiPerGwei
        let pending = chain.pendingDeposits[chain.pendingDepositsHead...].reduce(UInt128(0)) { $0 + UInt128($1.amountGwei) } * weiPerGwei
        let rewards = chain.rewardsGwei * weiPerGwei
        let penalties = chain.penaltiesGwei * weiPerGwei
        let slashing = chain.slashingPenaltiesGwei * weiPerGwei
        let liquid = liquidAudit()
        let restake = restakingAudit()
        let liquidRestaking = eethAudit()
        let left = inflowsWei + rewards + liquid.elRewardsWei
        let right = accountBalances + validatorBalances + pending + penalties + slashing + outflowsWei + liquid.poolEtherWei
            + restake.podWei + restake.escrowWei + liquidRestaking.etherWei
        return .object([
            "inflowsWei": .amount(inflowsWei),
            "rewardsWei": .amount(rewards),
            "elRewardsWei": .amount(liquid.elRewardsWei),
            "poolEtherWei": .amount(liquid.poolEtherWei),
            "tokenChecks": .object(liquid.checks.merging(liquidRestaking.checks) { a, _ in a }),
            "eethEtherWei": .amount(liquidRestaking.etherWei),
            "podWei": .amount(restake.podWei),
            "rewardsEscrowWei": .amount(restake.escrowWei),
            "restaking": .object(restake.fields),
            "accountBalancesWei": .amount(accountBalances),
            "validatorBalancesWei": .amount(validatorBalances),
            "pendingDepositsWei": .amount(pending),
            "penaltiesWei": .amount(penalties),
            "slashingPenaltiesWei": .amount(slashing),
            "outflowsWei": .amount(outflowsWei),
            "leftWei": .amount(left),
            "rightWei": .amount(right),
            "ok": .bool(left == right && liquid.ok && restake.ok && liquidRestaking.ok),
        ])
    }
}
