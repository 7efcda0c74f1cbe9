import Accounting
import Contracts
import ServiceKit

/// A node operator as the ledger knows it (mirrored from `stakeline-operators`).
struct NodeOperatorRecord: Sendable, Equatable {
    var name: String
    var pool: String
    var validatorLimit: UInt64
    var onlineRateBips: UInt64
    var commissionBips: UInt64?

    init(body: JSON) throws(ContractError) {
        name = try body.string("name")
        pool = try body.string("pool")
        validatorLimit = try body.optionalUInt64("validatorLimit") ?? 0
        onlineRateBips = try body.optionalUInt64("onlineRateBips") ?? 10_000
        commissionBips = try body.optionalUInt64("commissionBips")
    }

    var json: JSON {
        .object([
            "name": .string(name), "pool": .string(pool), "validatorLimit": .int(validatorLimit),
            "onlineRateBips": .int(onlineRateBips), "commissionBips": commissionBips.map { .int($0) } ?? .null,
        ])
    }

    var performance: ValidatorPerformance {
        (try? ValidatorPerformance(onlineRateBips: onlineRateBips)) ?? .ideal
    }
}

/// When each pool reports, and what its validators earn on the execution layer (mirrored from
/// `stakeline-rewards`).
struct PoolSchedule: Sendable, Equatable {
    var reportIntervalEpochs: UInt64 = 225
    /// Default 1500 gwei a validator-epoch ≈ 0.37 % a year on 32 ETH.
    var elRewardsWeiPerValidatorEpoch: UInt128 = 1_500_000_000_000

    var json: JSON {
        .object([
            "reportIntervalEpochs": .int(reportIntervalEpochs),
            "elRewardsWeiPerValidatorEpoch": .amount(elRewardsWeiPerValidatorEpoch),
        ])
    }

    func updated(by body: JSON) throws(ContractError) -> PoolSchedule {
        var next = self
        let fields = body.fields(at: "body")
        if let interval = try fields.optionalUInt64("reportIntervalEpochs") {
            guard interval >= 1 && interval <= 100_000 else {
                throw ContractError(.invalidArgument, "body.reportIntervalEpochs must be 1 … 100000, got \(interval)")
            }
            next.reportIntervalEpochs = interval
        }
        if let rate = try fields.optionalAmount("elRewardsWeiPerValidatorEpoch") {
            guard rate <= 1_000_000_000_000_000_000 else {
                throw ContractError(.invalidArgument, "body.elRewardsWeiPerValidatorEpoch must be at most 1 ETH")
            }
            next.elRewardsWeiPerValidatorEpoch = rate
        }
        return next
    }
}

/// The ledger's liquid-staking commands (docs/PROTOCOL.md §9.5).
extension LedgerDomain {
    static let pools = ["steth", "reth", "eeth"]

    func requirePool(_ body: JSON.Fields) throws(ContractError) -> String {
        let pool = try body.optionalString("pool") ?? "steth"
        guard Self.pools.contains(pool) else {
            throw ContractError(.unknownPool, "there is no pool \(pool) (pools: \(Self.pools.joined(separator: ", ")))")
        }
        return pool
    }

    func decideStake(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "stake")
        let pool = try requirePool(body)
        let amount = try positiveAmount(body, "amountWei")
        guard amount >= SharePool.defaultDepositMinimumWei else {
            throw ContractError(.belowMinimum, "the smallest stake is 0.01 ETH, got \(EtherAmount.format(amount)) ETH")
        }
        let current = try existingAccount(account)
        guard current.balanceWei >= amount else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(current.balanceWei)) ETH, cannot stake \(EtherAmount.format(amount)) ETH")
        }
        // Previews, not a mutated copy: a copy's first write would copy the pool's arrays.
        if pool == RethPool.name {
            let deposit = try reth.previewStake(amount)
            let fields: JSON = .object([
                "account": .string(account), "pool": .string(pool), "amountWei": .amount(amount),
                "feeWei": .amount(deposit.feeWei), "rethMinted": .amount(deposit.tokensMinted),
            ])
            return Decision(result: fields.merging([
                "balanceWei": .amount(reth.rethWei(of: account) + deposit.tokensMinted),
                "ethBalanceWei": .amount(current.balanceWei - amount),
                "validatorsFunded": .array([]),
            ]), events: [NewEvent(name: "Staked", epoch: chain.epoch, body: fields)])
        }
        try StethPool.requireStakeMinimum(amount)
        let (minted, balanceWei, _) = try steth.previewDeposit(amount, for: account)
        let funding = fundingPlan(bufferedWei: steth.bufferedWei + amount)
        var events = [NewEvent(name: "Staked", epoch: chain.epoch, body: .object([
            "account": .string(account), "pool": .string(pool), "amountWei": .amount(amount), "sharesMinted": .amount(minted),
        ]))]
        var funded: [JSON] = []
        for (offset, operatorName) in funding.enumerated() {
            let index = chain.validators.count + offset
            funded.append(.int(index))
            events.append(NewEvent(name: "ValidatorDeposited", epoch: chain.epoch, body: .object([
                "validator": .int(index), "owner": .string(StethPool.owner), "operator": .string(operatorName),
                "amountGwei": .amount(UInt64(32_000_000_000)), "compounding": .bool(false), "epoch": .int(chain.epoch),
            ])))
        }
        return Decision(result: .object([
            "account": .string(account), "pool": .string(pool), "amountWei": .amount(amount), "sharesMinted": .amount(minted),
            "balanceWei": .amount(balanceWei), "ethBalanceWei": .amount(current.balanceWei - amount),
            "validatorsFunded": .array(funded),
        ]), events: events)
    }

    /// Which curated operators get the validators the buffer can fund now: the one with the
    /// fewest running validators first, within its limit; ties by name.
    func fundingPlan(bufferedWei: UInt128) -> [String] {
        var running = steth.runningValidators(chain)
        let candidates = nodeOperators.values.filter { $0.pool == StethPool.name }.sorted { $0.name < $1.name }
        var buffer = bufferedWei
        var plan: [String] = []
        while buffer >= StethPool.validatorDepositWei {
            let open = candidates.filter { UInt64(running[$0.name] ?? 0) < $0.validatorLimit }
            guard let chosen = open.min(by: { (running[$0.name] ?? 0, $0.name) < (running[$1.name] ?? 0, $1.name) }) else { break }
            plan.append(chosen.name)
            running[chosen.name, default: 0] += 1
            buffer -= StethPool.validatorDepositWei
        }
        return plan
    }

    /// A transfer's parties and amount (exactly one of `amountWei` and `shares`), checked.
    func transferRequest(_ body: JSON.Fields, context: CommandContext) throws(ContractError)
        -> (from: String, to: String, token: String, amountWei: UInt128?, shares: UInt128?)
    {
        let from = try AccountName.validated(try body.string("from"), field: "body.from")
        let to = try AccountName.validated(try body.string("to"), field: "body.to")
        try context.requireActor(from, doing: "transfer tokens")
        let token = try body.string("token")
        let amount = try body.optionalAmount("amountWei")
        let sharesToMove = try body.optionalAmount("shares")
        guard (amount == nil) != (sharesToMove == nil) else {
            throw ContractError(.invalidArgument, "give exactly one of body.amountWei and body.shares")
        }
        guard (amount ?? sharesToMove ?? 0) > 0 else { throw ContractError(.amountZero, "the amount must be more than 0") }
        guard from != to else { throw ContractError(.invalidArgument, "from and to are the same account") }
        return (from, to, token, amount, sharesToMove)
    }

    /// A transfer of a rebasing pool's token or its wrapper (steth/wsteth, eeth/weeth): the
    /// rebasing token moves as shares, by amount (rounded down, the credited amount reported)
    /// or by shares.
    func decideRebasingTransfer(
        _ request: (from: String, to: String, token: String, amountWei: UInt128?, shares: UInt128?), in pool: StethPool
    ) throws(ContractError) -> Decision {
        let moved = try pool.previewTransfer(amountWei: request.amountWei, shares: request.shares, token: request.token,
                                             from: request.from, to: request.to)
        var fields: [String: JSON] = [
            "from": .string(request.from), "to": .string(request.to), "token": .string(request.token),
            "amountCreditedWei": .amount(moved.creditedWei),
        ]
        if let amount = request.amountWei { fields["amountWei"] = .amount(amount) }
        if request.token == pool.token { fields["sharesMoved"] = .amount(moved.sharesMoved) }
        if let shares = request.shares { fields["shares"] = .amount(shares) }
        return Decision(result: .object(fields), events: [NewEvent(name: "Transferred", epoch: chain.epoch, body: .object(fields))])
    }

    func decideTransfer(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let request = try transferRequest(body, context: context)
        let (from, to, token, amount) = (request.from, request.to, request.token, request.amountWei)
        guard token == "steth" || token == "wsteth" || token == "reth" else {
            throw ContractError(.unknownToken, "transferable tokens are steth, wsteth and reth, not \(token)")
        }
        if token == "reth" {
            guard request.shares == nil else { throw ContractError(.invalidArgument, "a by-shares transfer is for steth") }
            try accounting { () throws(AccountingError) in try reth.tokens.previewTransfer(amount!, from: HolderID(from)) }
            let fields: JSON = .object([
                "from": .string(from), "to": .string(to), "token": .string(token), "amountWei": .amount(amount!),
                "amountCreditedWei": .amount(amount!),
            ])
            return Decision(result: fields, events: [NewEvent(name: "Transferred", epoch: chain.epoch, body: fields)])
        }
        return try decideRebasingTransfer(request, in: steth)
    }

    /// Wraps or unwraps a rebasing pool's token (stETH ↔ wstETH, eETH ↔ weETH): the wrapper
    /// holds shares, its units never rebase. Field names follow the pool's tokens; an eeth event
    /// also names its token (`weeth`), a steth one does not (as journaled before eeth existed).
    func decideWrap(_ body: JSON.Fields, context: CommandContext, unwrap: Bool, in pool: StethPool) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: unwrap ? "unwrap" : "wrap")
        let amount = try positiveAmount(body, "amountWei")
        try Self.requireHeld(unwrap ? pool.wstethWei(of: account) : pool.stethWei(of: account), amount,
                             account: account, token: unwrap ? pool.wrappedToken : pool.token, doing: unwrap ? "unwrap" : "wrap")
        var fields: [String: JSON] = ["account": .string(account), "amountWei": .amount(amount)]
        if pool.token != StethPool.name { fields["token"] = .string(pool.wrappedToken) }
        // Previews, not a mutated copy (which would copy the pool's share array).
        let balanceWei: UInt128
        let wrappedWei: UInt128
        if unwrap {
            let preview = try pool.previewUnwrap(amount, for: account)
            fields[pool.wrappedToken + "Wei"] = .amount(amount)
            fields[pool.token + "CreditedWei"] = .amount(preview.outcome.amountCreditedWei)
            fields["sharesMoved"] = .amount(preview.outcome.sharesMoved)
            (balanceWei, wrappedWei) = (preview.balanceWei, preview.wrappedWei)
        } else {
            let preview = try pool.previewWrap(amount, for: account)
            fields[pool.wrappedToken + "Wei"] = .amount(preview.units)
            fields["sharesMoved"] = .amount(preview.units)
            (balanceWei, wrappedWei) = (preview.balanceWei, preview.wrappedWei)
        }
        fields[pool.token + "BalanceWei"] = .amount(balanceWei)
        fields[pool.wrappedToken + "BalanceWei"] = .amount(wrappedWei)
        return Decision(result: .object(fields), events: [
            NewEvent(name: unwrap ? "Unwrapped" : "Wrapped", epoch: chain.epoch, body: .object(fields)),
        ])
    }

    func decideWithdrawalRequest(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "request a withdrawal")
        let token = try body.string("token")
        var amount = try positiveAmount(body, "amountWei")
        var unwrappedWei: UInt128?
        var sharesHeld: UInt128?
        switch token {
        case "steth": break
        case "wsteth":
            let preview = try steth.previewUnwrap(amount, for: account)
            amount = preview.outcome.amountCreditedWei
            unwrappedWei = amount
            sharesHeld = preview.sharesAfter
        default:
            throw ContractError(.unknownToken, "withdrawals take steth or wsteth, not \(token)")
        }
        let made = try steth.previewRequestWithdrawal(amount, for: account, sharesHeld: sharesHeld)
        let requests: [JSON] = made.map {
            .object(["id": .int($0.id.rawValue), "amountWei": .amount($0.amountWei), "shares": .amount($0.shares)])
        }
        var fields: [String: JSON] = [
            "account": .string(account), "token": .string(token), "amountWei": .amount(try body.amount("amountWei")),
            "requests": .array(requests),
        ]
        if let unwrappedWei { fields["stethWei"] = .amount(unwrappedWei) }
        var result = fields
        result["expectedFinalizationEpoch"] = .int(expectedFinalizationEpoch(after: steth, addingUnfinalizedWei: amount))
        return Decision(result: .object(result), events: [NewEvent(name: "WithdrawalRequested", epoch: chain.epoch, body: .object(fields))])
    }

    /// The next report if the buffer covers the whole queue; else the first report after the
    /// exits it needs would be swept (exit queue + 256 epochs + the sweep), estimated.
    /// `addingUnfinalizedWei`: requests previewed but not yet in `pool`'s queue.
    func expectedFinalizationEpoch(after pool: StethPool, addingUnfinalizedWei: UInt128 = 0) -> UInt64 {
        let interval = schedules[StethPool.name]?.reportIntervalEpochs ?? 225
        let nextReport = (chain.epoch / interval + 1) * interval
        if pool.bunkerMode == false && pool.queue.unfinalizedAmountWei + addingUnfinalizedWei <= pool.bufferedWei { return nextReport }
        let sweep = chain.parameters.sweepIntervalEpochs
        let withdrawable = chain.epoch + 5 + BeaconParameters.minValidatorWithdrawabilityDelay + interval
        let swept = (withdrawable / sweep + 1) * sweep
        return (swept / interval + 1) * interval
    }

    func decideWithdrawalClaim(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let raw = try body.uint64("id")
        let id = WithdrawalRequestID(raw)
        guard let request = steth.queue.request(id) else {
            throw ContractError(.requestNotFound, "there is no withdrawal request \(raw)")
        }
        let owner = request.owner.rawValue
        try context.requireActor(owner, doing: "claim withdrawal \(raw)")
        guard !request.isClaimed else { throw ContractError(.requestAlreadyClaimed, "withdrawal \(raw) was claimed already") }
        guard id <= steth.queue.lastFinalizedRequestID else {
            throw ContractError(.requestNotFinalized,
                "withdrawal \(raw) is not finalized yet; expected at epoch \(expectedFinalizationEpoch(after: steth))")
        }
        let claimed = try steth.previewClaim(id, by: owner)
        let (amount, _) = try accounting { () throws(AccountingError) in try steth.queue.amountAndShares(of: id) }
        let rate = steth.queue.checkpoints.last { $0.firstRequestID <= id }?.maxShareRateE27 ?? 0
        let fields: JSON = .object([
            "id": .int(raw), "account": .string(owner), "amountWei": .amount(amount), "claimedWei": .amount(claimed),
            "finalizationShareRateE27": .amount(rate),
        ])
        return Decision(result: fields, events: [NewEvent(name: "WithdrawalClaimed", epoch: chain.epoch, body: fields)])
    }

    // MARK: Applying

    mutating func applyLiquid(_ event: EventEnvelope) -> Bool {
        switch event.type {
        case "ledger.Staked":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            if must(event, { body throws(ContractError) in try body.string("pool") }) == RethPool.name {
                _ = mustLiquid(event) { () throws(ContractError) in try reth.stake(amount, for: account) }
            } else {
                _ = mustLiquid(event) { () throws(ContractError) in try steth.stake(amount, for: account) }
            }
            accounts[account]!.balanceWei -= amount
        case "ledger.Unstaked":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            let paid = mustLiquid(event) { () throws(ContractError) in try reth.unstake(amount, for: account) }
            accounts[account]!.balanceWei += paid
        case "ledger.Transferred":
            let (from, to, token) = must(event) { body throws(ContractError) in
                (try body.string("from"), try body.string("to"), try body.string("token"))
            }
            let amount = must(event) { body throws(ContractError) in try body.optionalAmount("amountWei") }
            let sharesToMove = must(event) { body throws(ContractError) in try body.optionalAmount("shares") }
            if token == "reth" {
                mustLiquid(event) { () throws(ContractError) in
                    try accounting { () throws(AccountingError) in try reth.tokens.transfer(amount!, from: HolderID(from), to: HolderID(to)) }
                }
                return true
            }
            _ = mustLiquid(event) { () throws(ContractError) in
                try steth.transfer(amountWei: amount, shares: sharesToMove, token: token, from: from, to: to)
            }
        case "ledger.Wrapped", "ledger.Unwrapped":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            if event.type == "ledger.Wrapped" {
                _ = mustLiquid(event) { () throws(ContractError) in try steth.wrap(amount, for: account) }
            } else {
                _ = mustLiquid(event) { () throws(ContractError) in try steth.unwrap(amount, for: account) }
            }
        case "ledger.WithdrawalRequested":
            let (account, token, amount) = must(event) { body throws(ContractError) in
                (try body.string("account"), try body.string("token"), try body.amount("amountWei"))
            }
            var stethAmount = amount
            if token == "wsteth" {
                stethAmount = mustLiquid(event) { () throws(ContractError) in try steth.unwrap(amount, for: account) }.amountCreditedWei
            }
            _ = mustLiquid(event) { () throws(ContractError) in try steth.requestWithdrawal(stethAmount, for: account, epoch: chain.epoch) }
        case "ledger.WithdrawalClaimed":
            let (raw, account) = must(event) { body throws(ContractError) in (try body.uint64("id"), try body.string("account")) }
            let claimed = mustLiquid(event) { () throws(ContractError) in try steth.claim(WithdrawalRequestID(raw), by: account) }
            accounts[account]!.balanceWei += claimed
            accounts[account]!.withdrawalsReceivedWei += claimed
        case "ledger.NodeOperatorRecorded":
            let record = must(event) { body throws(ContractError) in try NodeOperatorRecord(body: body) }
            nodeOperators[record.name] = record
            for (index, name) in steth.operatorOf where name == record.name && validatorPerformance[index] == nil {
                try? chain.setPerformance(record.performance, of: index)
            }
        case "ledger.PoolScheduleRecorded":
            let pool = must(event) { body throws(ContractError) in try body.string("pool") }
            schedules[pool] = must(event) { body throws(ContractError) in try (schedules[pool] ?? PoolSchedule()).updated(by: body) }
        case "ledger.PoolReported", "ledger.PoolReportHeld":
            let (pool, epoch) = must(event) { body throws(ContractError) in (try body.string("pool"), try body.uint64("epoch")) }
            let held = pool == RethPool.name
                ? reth.report(epoch: epoch, chain: chain).held : steth.report(epoch: epoch, chain: &chain).held
            precondition(held == (event.type == "ledger.PoolReportHeld"), "replayed report \(epoch) changed outcome")
        default:
            return false
        }
        return true
    }

    /// A pool deposit of a validator (`ValidatorDeposited` with a pool owner).
    mutating func applyPoolValidator(index: Int, operatorName: String) {
        let handle = ownerHandle(StethPool.owner)
        let performance = validatorPerformance[ValidatorIndex(index)] ?? nodeOperators[operatorName]?.performance ?? .ideal
        do {
            let assigned = try chain.deposit(owner: handle, amountGwei: 32_000_000_000, compounding: false, performance: performance)
            precondition(assigned.rawValue == index, "validator index \(assigned) != journaled \(index)")
        } catch {
            preconditionFailure("replayed pool deposit of validator \(index) refused: \(error)")
        }
        steth.bufferedWei -= StethPool.validatorDepositWei
        steth.validators.append(ValidatorIndex(index))
        steth.operatorOf[ValidatorIndex(index)] = operatorName
    }

    /// Execution-layer rewards of the pool's active validators for the epoch just processed.
    mutating func accrueExecutionRewards(epoch: UInt64) {
        let rate = schedules[StethPool.name]?.elRewardsWeiPerValidatorEpoch ?? PoolSchedule().elRewardsWeiPerValidatorEpoch
        guard rate > 0 else { return }
        var active: UInt128 = 0
        for index in steth.validators where chain.validators[index.rawValue].isActive(at: epoch) { active += 1 }
        steth.elVaultWei += active * rate
        steth.elRewardsTotalWei += active * rate
    }

    // MARK: Reacting

    func reactLiquid(to event: EventEnvelope) -> [NewEvent]? {
        switch event.type {
        case "operators.NodeOperatorRegistered", "operators.NodeOperatorUpdated":
            guard let record = try? NodeOperatorRecord(body: event.body) else { return [] }
            return [NewEvent(name: "NodeOperatorRecorded", epoch: chain.epoch, body: record.json)]
        case "rewards.PoolScheduleSet":
            guard let pool = try? event.body.string("pool"), (try? PoolSchedule().updated(by: event.body)) != nil else { return [] }
            var body = (try? (schedules[pool] ?? PoolSchedule()).updated(by: event.body))?.json ?? .object([:])
            body = body.merging(["pool": .string(pool)])
            return [NewEvent(name: "PoolScheduleRecorded", epoch: chain.epoch, body: body)]
        case "rewards.OracleReportDue":
            guard let pool = try? event.body.string("pool"), let epoch = try? event.body.uint64("epoch"), epoch == chain.epoch
            else { return [] }
            if pool == RethPool.name {
                var reth0 = reth
                let report = reth0.report(epoch: epoch, chain: chain)
                return [NewEvent(name: report.held ? "PoolReportHeld" : "PoolReported", epoch: epoch, body: .object(report.body))]
            }
            guard pool == StethPool.name else { return [] }
            var pool0 = steth
            var chain0 = chain
            let report = pool0.report(epoch: epoch, chain: &chain0)
            return [NewEvent(name: report.held ? "PoolReportHeld" : "PoolReported", epoch: epoch, body: .object(report.body))]
        default:
            return nil
        }
    }
}

/// Runs a pool operation replayed from an own event: it succeeded when decided, so a refusal
/// now is a bug.
func mustLiquid<T>(_ event: EventEnvelope, _ body: () throws(ContractError) -> T) -> T {
    do {
        return try body()
    } catch {
        preconditionFailure("replayed \(event.type) at seq \(event.seq) refused: \(error)")
    }
}

extension LedgerDomain {
    /// A wrap or unwrap of more than `account` holds, refused with what it holds and what it
    /// asked, in the token's units (the accounting core's message names neither).
    static func requireHeld(_ held: UInt128, _ amount: UInt128, account: String, token: String, doing: String) throws(ContractError) {
        guard amount <= held else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(held)) \(token), cannot \(doing) \(EtherAmount.format(amount)) \(token)")
        }
    }
}
