import Accounting
import Contracts
import ServiceKit

/// The ledger's liquid-restaking pool `eeth` (docs/PROTOCOL.md §9.8, ARCHITECTURE.md §9c):
/// stake (ETH, steth, wsteth), weeth, transfers, withdrawals, the pool's policy, its validators
/// natively restaked and delegated through its own pod-stakers, its reports.
extension LedgerDomain {
    static let eethAssets = ["eth", "steth", "wsteth"]
    static let eethRoutedTypes: Set<String> = [
        "ledger.stake", "ledger.wrap", "ledger.unwrap", "ledger.transfer", "ledger.withdrawal.request", "ledger.withdrawal.claim",
        "ledger.withdrawal.list", "ledger.pool.show", "ledger.pool.set",
    ]

    // MARK: Routing

    /// The eeth pool's commands and queries; nil when `type` with this body is not about it.
    func decideEeth(_ type: String, _ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision? {
        guard Self.eethRoutedTypes.contains(type) else { return nil }
        // Only a string `pool` / `token` routes here; anything else is left to the other pools'
        // handlers, which report it as they always did.
        let pool = (try? body.optionalString("pool")) ?? nil
        let token = (try? body.optionalString("token")) ?? nil
        switch type {
        case "ledger.stake" where pool == EethPool.name: return try decideEethStake(body, context: context)
        case "ledger.wrap" where token == "weeth" || pool == EethPool.name:
            return try decideWrap(body, context: context, unwrap: false, in: eeth.tokens)
        case "ledger.unwrap" where token == "weeth" || pool == EethPool.name:
            return try decideWrap(body, context: context, unwrap: true, in: eeth.tokens)
        case "ledger.transfer" where token == "eeth" || token == "weeth": return try decideEethTransfer(body, context: context)
        case "ledger.withdrawal.request" where pool == EethPool.name || token == "eeth" || token == "weeth":
            return try decideEethWithdrawalRequest(body, context: context)
        case "ledger.withdrawal.claim" where pool == EethPool.name: return try decideEethClaim(body, context: context)
        case "ledger.withdrawal.list" where pool == EethPool.name: return Decision(result: try eethWithdrawalList(body))
        case "ledger.pool.show" where pool == EethPool.name: return Decision(result: eethPoolView())
        case "ledger.pool.set": return try decidePoolSet(body, context: context)
        default: return nil
        }
    }

    // MARK: Stake

    private func decideEethStake(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "stake")
        let asset = try body.optionalString("asset") ?? "eth"
        guard Self.eethAssets.contains(asset) else {
            throw ContractError(.unknownToken, "the eeth pool takes eth, steth or wsteth, not \(asset)")
        }
        let amount = try positiveAmount(body, "amountWei")
        var value = amount
        var ethBalance = accounts[account]?.balanceWei ?? 0
        switch asset {
        case "eth":
            let current = try existingAccount(account)
            guard current.balanceWei >= amount else {
                throw ContractError(.insufficientBalance,
                    "\(account) holds \(EtherAmount.format(current.balanceWei)) ETH, cannot stake \(EtherAmount.format(amount)) ETH")
            }
            ethBalance -= amount
        default:
            let held = asset == "steth" ? steth.stethWei(of: account) : steth.wstethWei(of: account)
            guard held >= amount else {
                throw ContractError(.insufficientBalance,
                    "\(account) holds \(EtherAmount.format(held)) \(asset), cannot stake \(EtherAmount.format(amount)) \(asset)")
            }
            let moved = try steth.previewTransfer(amountWei: amount, shares: nil, token: asset, from: account, to: EethPool.owner)
            // steth by what reached the pool; wsteth at the steth it unwraps to (floor).
            value = asset == "steth" ? moved.creditedWei
                : try accounting { () throws(AccountingError) in try steth.shares!.etherForSharesFloor(amount) }
        }
        // Previews, not a mutated copy (which would copy the pools' share arrays).
        let (minted, balanceWei, pooledWei) = try eeth.previewMint(value, for: account)
        var next = eeth
        if asset == "eth" { next.bufferedWei += value }
        let fields: JSON = .object([
            "account": .string(account), "pool": .string(EethPool.name), "asset": .string(asset), "amountWei": .amount(amount),
            "valueWei": .amount(value), "sharesMinted": .amount(minted),
        ])
        // Only the buffer changes in `next`: no array of it is written, none is copied.
        let funding = eethFundingEvents(next, pooledEtherWei: pooledWei)
        return Decision(result: fields.merging([
            "balanceWei": .amount(balanceWei), "ethBalanceWei": .amount(ethBalance),
            "validatorsFunded": .array(funding.funded), "delegated": .array(funding.delegated.map(JSON.string)),
        ]), events: [NewEvent(name: "Staked", epoch: chain.epoch, body: fields)] + funding.events)
    }

    /// The validators the buffer funds now under the pool's policy, each preceded, the first
    /// time an operator is used, by the delegation of its pod-staker (the pool is its own
    /// authority: `RestakeDelegated` is an own event, with the `stakes` rewards consumes).
    func eethFundingEvents(
        _ pool: EethPool, pooledEtherWei: UInt128? = nil
    ) -> (events: [NewEvent], funded: [JSON], delegated: [String]) {
        let plan = pool.fundingPlan(chain, pooledEtherWei: pooledEtherWei) { restaking.operators.contains($0) }
        var book = restaking
        var events: [NewEvent] = []
        var funded: [JSON] = []
        var delegated: [String] = []
        for operatorName in plan {
            let staker = EethPool.staker(operatorName)
            if book.ledger.delegatedOperator(of: StakerID(staker)) == nil {
                let inputs: [String: JSON] = ["staker": .string(staker), "operator": .string(operatorName), "by": .string(EethPool.owner)]
                guard let outcome = try? book.perform("ledger.RestakeDelegated", .object(inputs)) else { continue }
                events.append(NewEvent(name: "RestakeDelegated", epoch: chain.epoch, body: .object(inputs.merging(outcome) { a, _ in a })))
                delegated.append(staker)
            } else if book.ledger.delegatedOperator(of: StakerID(staker))?.rawValue != operatorName {
                continue
            }
            let index = chain.validators.count + funded.count
            funded.append(.int(index))
            events.append(NewEvent(name: "ValidatorDeposited", epoch: chain.epoch, body: .object([
                "validator": .int(index), "owner": .string(EethPool.owner), "operator": .string(operatorName),
                "amountGwei": .amount(UInt64(32_000_000_000)), "compounding": .bool(false), "epoch": .int(chain.epoch),
            ])))
        }
        return (events, funded, delegated)
    }

    /// A deposit of one of the pool's validators (`ValidatorDeposited` with owner `pool:eeth`).
    mutating func applyEethValidator(index: Int, operatorName: String) {
        let handle = ownerHandle(EethPool.owner)
        do {
            let assigned = try chain.deposit(owner: handle, amountGwei: 32_000_000_000, compounding: false, performance: .ideal)
            precondition(assigned.rawValue == index, "validator index \(assigned) != journaled \(index)")
        } catch {
            preconditionFailure("replayed eeth deposit of validator \(index) refused: \(error)")
        }
        eeth.bufferedWei -= EethPool.validatorDepositWei
        eeth.validators.append(ValidatorIndex(index))
        eeth.operatorOf[ValidatorIndex(index)] = operatorName
    }

    // MARK: Policy

    private func decidePoolSet(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let pool = try body.string("pool")
        guard pool == EethPool.name else {
            throw ContractError(Self.pools.contains(pool) ? .invalidArgument : .unknownPool, Self.pools.contains(pool)
                ? "only the eeth pool has a restaking policy; \(pool)'s operators are registered with `operator register`"
                : "there is no pool \(pool) (pools: \(Self.pools.joined(separator: ", ")))")
        }
        try context.requireAdmin(doing: "setting the eeth pool's policy")
        var next = eeth
        var changed = false
        if case .array(let names)? = body["operators"] {
            var list: [String] = []
            for item in names {
                guard case .string(let raw) = item else { throw ContractError(.wrongType, "body.operators must be an array of names") }
                let name = try AccountName.validated(raw, field: "body.operators")
                guard restaking.operators.contains(name) else {
                    throw ContractError(ErrorCode(rawValue: "operator_not_found"),
                        "\(name) is not a restaking operator the ledger knows (`operator restaking register` first)")
                }
                guard !list.contains(name) else { throw ContractError(.invalidArgument, "body.operators names \(name) twice") }
                list.append(name)
            }
            next.operators = list
            changed = true
        } else if let other = body["operators"], other != .null {
            throw ContractError(.wrongType, "body.operators must be an array of names")
        }
        if let cap = try body.optionalUInt64("capBips") {
            guard cap >= 1 && cap <= 10_000 else { throw ContractError(.invalidArgument, "body.capBips must be 1 … 10000, got \(cap)") }
            next.capBips = cap
            changed = true
        }
        if let fee = try body.optionalUInt64("feeBips") {
            guard fee <= EethPool.maxFeeBips else {
                throw ContractError(.invalidArgument, "body.feeBips must be 0 … \(EethPool.maxFeeBips) (20 % of rewards at most), got \(fee)")
            }
            next.feeBips = fee
            changed = true
        }
        guard changed else { throw ContractError(.invalidArgument, "nothing to set: give operators, capBips or feeBips") }
        let fields: JSON = .object([
            "pool": .string(pool), "operators": .array(next.operators.map(JSON.string)), "capBips": .int(next.capBips),
            "feeBips": .int(next.feeBips),
        ])
        let funding = eethFundingEvents(next)
        return Decision(
            result: fields.merging([
                "validatorsFunded": .array(funding.funded), "delegated": .array(funding.delegated.map(JSON.string)),
                "seq": .int(context.nextSeq),
            ]),
            events: [NewEvent(name: "PoolConfigured", epoch: chain.epoch, body: fields)] + funding.events)
    }

    // MARK: Tokens

    private func decideEethTransfer(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        try decideRebasingTransfer(try transferRequest(body, context: context), in: eeth.tokens)
    }

    // MARK: Withdrawals

    private func decideEethWithdrawalRequest(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "request a withdrawal")
        if let pool = try body.optionalString("pool"), pool != EethPool.name {
            throw ContractError(.unknownToken, "the \(pool) pool's withdrawals take its own tokens, not eeth or weeth")
        }
        let token = try body.optionalString("token") ?? "eeth"
        guard token == "eeth" || token == "weeth" else {
            throw ContractError(.unknownToken, "eeth withdrawals take eeth or weeth, not \(token)")
        }
        let asked = try positiveAmount(body, "amountWei")
        var amount = asked
        var unwrappedWei: UInt128?
        var sharesHeld: UInt128?
        if token == "weeth" {
            let preview = try eeth.tokens.previewUnwrap(asked, for: account)
            amount = preview.outcome.amountCreditedWei
            unwrappedWei = amount
            sharesHeld = preview.sharesAfter
        }
        let made = try eeth.tokens.previewRequestWithdrawal(amount, for: account, sharesHeld: sharesHeld)
        var fields: [String: JSON] = [
            "account": .string(account), "pool": .string(EethPool.name), "token": .string(token), "amountWei": .amount(asked),
            "requests": .array(made.map {
                .object(["id": .int($0.id.rawValue), "amountWei": .amount($0.amountWei), "shares": .amount($0.shares)])
            }),
        ]
        if let unwrappedWei { fields["eethWei"] = .amount(unwrappedWei) }
        var result = fields
        let expected = eethExpectedFinalization(after: eeth, addingUnfinalizedWei: amount)
        result["expectedFinalizationEpoch"] = .int(expected.epoch)
        result["expectedWaitEpochs"] = .int(expected.epoch - chain.epoch)
        result["includesRestakingEscrow"] = .bool(expected.escrow)
        return Decision(result: .object(result), events: [NewEvent(name: "WithdrawalRequested", epoch: chain.epoch, body: .object(fields))])
    }

    /// The next report when the buffer covers the whole queue; else the report after the exits
    /// it needs were swept into the pods and the restaking escrow (3150 epochs + 1) has run.
    /// `addingUnfinalizedWei`: requests previewed but not yet in `pool`'s queue.
    func eethExpectedFinalization(after pool: EethPool, addingUnfinalizedWei: UInt128 = 0) -> (epoch: UInt64, escrow: Bool) {
        let interval = schedules[EethPool.name]?.reportIntervalEpochs ?? 225
        let nextReport = (chain.epoch / interval + 1) * interval
        let unfinalized = pool.tokens.queue.unfinalizedAmountWei + addingUnfinalizedWei
        if unfinalized <= pool.bufferedWei { return (nextReport, false) }
        let sweep = chain.parameters.sweepIntervalEpochs
        func reportAfter(_ epoch: UInt64) -> UInt64 { (epoch / interval + 1) * interval }
        // A native withdrawal queued at `queued` is completable 3151 epochs later and collected
        // into the buffer at the report after that.
        func collected(queuedAt queued: UInt64) -> UInt64 { reportAfter(queued + restaking.ledger.withdrawalDelayEpochs + 1) }
        // A validator withdrawable at `withdrawable`: swept into its pod, queued at the first
        // report after the sweep, then the escrow.
        func collected(withdrawableAt withdrawable: UInt64) -> UInt64 {
            collected(queuedAt: reportAfter((withdrawable / sweep + 1) * sweep))
        }
        // What is already on its way back to the buffer, by the report that collects it: the
        // pool's native withdrawals in escrow, swept pod ETH not yet queued, exits under way.
        var arrivals: [(epoch: UInt64, wei: UInt128)] = []
        for (id, withdrawal) in pool.podWithdrawals {
            guard let queued = restaking.ledger.queuedWithdrawals[QueuedWithdrawalID(id)] else { continue }
            arrivals.append((reportAfter(restaking.releaseEpoch(queued)), withdrawal.reservedWei))
        }
        for staker in pool.stakers {
            let pod = restaking.pods[staker]?.podWei ?? 0
            let free = pod - min(pod, pool.reservedPodWei(staker))
            if free > 0 { arrivals.append((collected(queuedAt: nextReport), free)) }
        }
        for index in pool.exitsRequested {
            let validator = chain.validators[index.rawValue]
            guard validator.balanceGwei > 0, validator.withdrawableEpoch != farFutureEpoch else { continue }
            arrivals.append((collected(withdrawableAt: validator.withdrawableEpoch), UInt128(validator.balanceGwei) * weiPerGwei))
        }
        arrivals.sort { $0.epoch < $1.epoch }
        var covered = pool.bufferedWei
        for arrival in arrivals {
            covered += arrival.wei
            if covered >= unfinalized { return (arrival.epoch, true) }
        }
        // The rest needs new exits, requested at the first report at which one of its validators
        // may exit (active for SHARD_COMMITTEE_PERIOD epochs; one not active yet counts from its
        // expected activation): the exit queue (5 epochs), withdrawability, the sweep, the escrow.
        var exitReport = nextReport
        let mayExitFrom = pool.validators.lazy.filter { !pool.exitsRequested.contains($0) }
            .compactMap { index -> UInt64? in
                let activation = self.chain.validators[index.rawValue].activationEpoch
                return activation != farFutureEpoch ? activation : self.chain.expectedActivationEpoch(of: index)
            }
            .map { $0 + BeaconParameters.shardCommitteePeriod }.min()
        if let mayExitFrom, mayExitFrom > nextReport { exitReport = (mayExitFrom + interval - 1) / interval * interval }
        let fresh = collected(withdrawableAt: exitReport + 5 + BeaconParameters.minValidatorWithdrawabilityDelay)
        return (max(fresh, arrivals.last?.epoch ?? 0), true)
    }

    private func decideEethClaim(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let raw = try body.uint64("id")
        let id = WithdrawalRequestID(raw)
        let queue = eeth.tokens.queue
        guard let request = queue.request(id) else { throw ContractError(.requestNotFound, "there is no eeth withdrawal request \(raw)") }
        let owner = request.owner.rawValue
        try context.requireActor(owner, doing: "claim eeth withdrawal \(raw)")
        guard !request.isClaimed else { throw ContractError(.requestAlreadyClaimed, "eeth withdrawal \(raw) was claimed already") }
        guard id <= queue.lastFinalizedRequestID else {
            throw ContractError(.requestNotFinalized,
                "eeth withdrawal \(raw) is not finalized yet; expected at epoch \(eethExpectedFinalization(after: eeth).epoch)")
        }
        let claimed = try eeth.tokens.previewClaim(id, by: owner)
        let (amount, _) = try accounting { () throws(AccountingError) in try queue.amountAndShares(of: id) }
        let rate = queue.checkpoints.last { $0.firstRequestID <= id }?.maxShareRateE27 ?? 0
        let fields: JSON = .object([
            "id": .int(raw), "pool": .string(EethPool.name), "account": .string(owner), "amountWei": .amount(amount),
            "claimedWei": .amount(claimed), "finalizationShareRateE27": .amount(rate),
        ])
        return Decision(result: fields, events: [NewEvent(name: "WithdrawalClaimed", epoch: chain.epoch, body: fields)])
    }

    // MARK: Applying

    /// Applies an eeth own event; false when `event` is not one (or only had a side effect here
    /// and goes on to the restaking part).
    mutating func applyEeth(_ event: EventEnvelope) -> Bool {
        let pool = try? event.body.optionalString("pool")
        let token = try? event.body.optionalString("token")
        switch event.type {
        case "ledger.Staked" where pool == EethPool.name:
            let (account, asset, amount, value) = must(event) { body throws(ContractError) in
                (try body.string("account"), try body.string("asset"), try body.amount("amountWei"), try body.amount("valueWei"))
            }
            if asset == "eth" {
                accounts[account]!.balanceWei -= amount
            } else {
                _ = mustLiquid(event) { () throws(ContractError) in
                    try steth.transfer(amountWei: amount, shares: nil, token: asset, from: account, to: EethPool.owner)
                }
            }
            _ = mustLiquid(event) { () throws(ContractError) in try eeth.mint(value, for: account, intoBuffer: asset == "eth") }
        case "ledger.PoolConfigured":
            let (operators, cap, fee) = must(event) { body throws(ContractError) in
                (try body.array("operators").compactMap { item -> String? in if case .string(let name) = item { name } else { nil } },
                 try body.uint64("capBips"), try body.uint64("feeBips"))
            }
            eeth.operators = operators
            eeth.capBips = cap
            eeth.feeBips = fee
        case "ledger.Wrapped" where token == "weeth", "ledger.Unwrapped" where token == "weeth":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            if event.type == "ledger.Wrapped" {
                _ = mustLiquid(event) { () throws(ContractError) in try eeth.tokens.wrap(amount, for: account) }
            } else {
                _ = mustLiquid(event) { () throws(ContractError) in try eeth.tokens.unwrap(amount, for: account) }
            }
        case "ledger.Transferred" where token == "eeth" || token == "weeth":
            let (from, to, token) = must(event) { body throws(ContractError) in
                (try body.string("from"), try body.string("to"), try body.string("token"))
            }
            let amount = must(event) { body throws(ContractError) in try body.optionalAmount("amountWei") }
            let sharesToMove = must(event) { body throws(ContractError) in try body.optionalAmount("shares") }
            _ = mustLiquid(event) { () throws(ContractError) in
                try eeth.tokens.transfer(amountWei: amount, shares: sharesToMove, token: token, from: from, to: to)
            }
        case "ledger.WithdrawalRequested" where pool == EethPool.name:
            let (account, token, amount) = must(event) { body throws(ContractError) in
                (try body.string("account"), try body.string("token"), try body.amount("amountWei"))
            }
            var eethAmount = amount
            if token == "weeth" {
                eethAmount = mustLiquid(event) { () throws(ContractError) in try eeth.tokens.unwrap(amount, for: account) }.amountCreditedWei
            }
            _ = mustLiquid(event) { () throws(ContractError) in try eeth.tokens.requestWithdrawal(eethAmount, for: account, epoch: chain.epoch) }
        case "ledger.WithdrawalClaimed" where pool == EethPool.name:
            let (raw, account) = must(event) { body throws(ContractError) in (try body.uint64("id"), try body.string("account")) }
            let claimed = mustLiquid(event) { () throws(ContractError) in try eeth.tokens.claim(WithdrawalRequestID(raw), by: account) }
            accounts[account]!.balanceWei += claimed
            accounts[account]!.withdrawalsReceivedWei += claimed
        case "ledger.PoolReported" where pool == EethPool.name:
            let (epoch, rate) = must(event) { body throws(ContractError) in (try body.uint64("epoch"), try body.amount("shareRateAfterE27")) }
            let body = runEethReport(epoch: epoch)
            precondition(body["shareRateAfterE27"] == .amount(rate), "replayed eeth report \(epoch) changed outcome")
        case "ledger.AVSRewardsPaid":
            let (account, amount) = must(event) { body throws(ContractError) in (try body.string("account"), try body.amount("amountWei")) }
            guard EethPool.isStaker(account) else { return false }
            restaking.rewardsPaidWei += amount
            eeth.avsRewardsVaultWei += amount
            eeth.avsRewardsTotalWei += amount
        case "ledger.RestakeWithdrawalQueued":
            let account = must(event) { body throws(ContractError) in try body.string("account") }
            guard EethPool.isStaker(account) else { return false }
            let (id, reserved) = must(event) { body throws(ContractError) in
                (try body.object("withdrawal").uint64("id"), try body.amount("podWeiReserved"))
            }
            eeth.podWithdrawals[id] = EethPool.PodWithdrawal(staker: account, reservedWei: reserved)
            return false  // the share side: applyRestaking
        case "ledger.RestakeWithdrawalCompleted":
            let (account, raw) = must(event) { body throws(ContractError) in (try body.string("account"), try body.uint64("id")) }
            guard EethPool.isStaker(account) else { return false }
            restaking.replay(event)
            let amount = must(event) { body throws(ContractError) in try body.amount("amountWei") }
            restaking.pods[account]!.podWei -= amount
            restaking.pods[account]!.restakedWei -= amount
            eeth.bufferedWei += amount
            eeth.podWithdrawals[raw] = nil
        default:
            return false
        }
        return true
    }

    // MARK: Reacting

    func reactEeth(to event: EventEnvelope) -> [NewEvent]? {
        switch event.type {
        case "rewards.OracleReportDue":
            guard (try? event.body.string("pool")) == EethPool.name else { return nil }
            guard let epoch = try? event.body.uint64("epoch"), epoch == chain.epoch, eeth.tokens.shares != nil else { return [] }
            return eethReportEvents(epoch: epoch)
        case "rewards.AVSRewardsClaimed":
            guard let account = try? event.body.string("account"), EethPool.isStaker(account) else { return nil }
            guard let amount = try? event.body.amount("amountWei"), amount > 0, amount <= restaking.escrowWei else { return [] }
            return [NewEvent(name: "AVSRewardsPaid", epoch: chain.epoch, body: .object([
                "account": .string(account), "amountWei": .amount(amount), "rewardsSeq": .int(event.seq),
            ]))]
        default:
            return nil
        }
    }

    /// After an epoch: every pool validator whose activation is now scheduled is verified into
    /// its operator's pod-staker (EigenLayer's `verifyWithdrawalCredentials`), at its effective
    /// balance.
    func eethVerifications(after next: BeaconChain) -> [NewEvent] {
        var book = restaking
        var events: [NewEvent] = []
        let epoch = max(next.epoch, restaking.ledger.latestEpoch)
        for index in eeth.validators where restaking.podOwner[index] == nil {
            let validator = next.validators[index.rawValue]
            guard validator.activationEpoch != farFutureEpoch, validator.effectiveBalanceGwei > 0, !validator.slashed,
                validator.exitEpoch == farFutureEpoch
            else { continue }
            let inputs: [String: JSON] = [
                "account": .string(EethPool.staker(eeth.operatorOf[index]!)), "validator": .int(index.rawValue),
                "restakedWei": .amount(UInt128(validator.effectiveBalanceGwei) * weiPerGwei), "epoch": .int(epoch),
            ]
            guard let outcome = try? book.perform("ledger.RestakeNativeVerified", .object(inputs)) else { continue }
            events.append(NewEvent(name: "RestakeNativeVerified", epoch: next.epoch, body: .object(inputs.merging(outcome) { a, _ in a })))
        }
        return events
    }

    /// The report's events: a checkpoint of every pod-staker, the pool's native withdrawals
    /// completed (ETH back to the buffer) and queued (swept pod ETH), then `PoolReported` and the
    /// validators the buffer funds after it, each computed on the state the ones before it leave
    /// (a copy here; `apply` replays them).
    func eethReportEvents(epoch: UInt64) -> [NewEvent] {
        var world = self
        var events: [NewEvent] = []
        func add(_ new: NewEvent) {
            events.append(new)
            world.apply(EventEnvelope(source: "ledger", seq: 0, type: "ledger." + new.name, epoch: new.epoch, body: new.body))
        }
        for staker in eeth.stakers where world.restaking.pods[staker] != nil {
            if let checkpoint = try? world.checkpointEvent(staker, chain: world.chain, reason: "report") { add(checkpoint) }
        }
        for id in world.eeth.podWithdrawals.keys.sorted() {
            let reserved = world.eeth.podWithdrawals[id]!
            guard let withdrawal = world.restaking.ledger.queuedWithdrawals[QueuedWithdrawalID(id)],
                world.restakingEpoch >= world.restaking.releaseEpoch(withdrawal)
            else { continue }
            var book = world.restaking
            var fields: [String: JSON] = [
                "account": .string(reserved.staker), "id": .int(id), "as": .string("tokens"), "epoch": .int(world.restakingEpoch),
            ]
            guard let outcome = try? book.perform("ledger.RestakeWithdrawalCompleted", .object(fields)) else { continue }
            for (key, value) in outcome { fields[key] = value }
            let amount = (try? JSON.object(fields).amount("amountWei")) ?? 0
            let pod = world.restaking.pods[reserved.staker] ?? RestakingPod()
            guard pod.podWei >= amount, pod.restakedWei >= amount else { continue }
            fields["amountCreditedWei"] = .amount(amount)
            add(NewEvent(name: "RestakeWithdrawalCompleted", epoch: epoch, body: .object(fields)))
        }
        for staker in eeth.stakers {
            guard let pod = world.restaking.pods[staker], pod.restakedWei > 0 else { continue }
            let reserved = world.eeth.reservedPodWei(staker)
            guard pod.podWei > reserved else { continue }
            let free = pod.podWei - reserved
            let depositShares = world.restaking.ledger.depositShares(of: StakerID(staker), strategy: RestakingLedger.beaconChainStrategy)
            guard let shares = try? FixedPoint.mulDivFloor(free, depositShares, pod.restakedWei), shares > 0 else { continue }
            var fields: [String: JSON] = [
                "account": .string(staker), "strategy": .string("native"), "depositShares": .amount(shares),
                "epoch": .int(world.restakingEpoch), "podWeiReserved": .amount(free),
            ]
            var book = world.restaking
            guard let outcome = try? book.perform("ledger.RestakeWithdrawalQueued", .object(fields)) else { continue }
            for (key, value) in outcome { fields[key] = value }
            add(NewEvent(name: "RestakeWithdrawalQueued", epoch: epoch, body: .object(fields)))
        }
        var reported = world
        let body = reported.runEethReport(epoch: epoch)
        events.append(NewEvent(name: "PoolReported", epoch: epoch, body: .object(body)))
        // What the buffer holds beyond the queue (ETH back from exits, AVS rewards) funds
        // validators again under the policy, after the report.
        return events + reported.eethFundingEvents(reported.eeth).events
    }

    /// The pool's value now, by layer (the report's formula; `ledger.pool.show` shows it between
    /// reports as an estimate).
    func eethValue() -> (totalWei: UInt128, layers: [String: UInt128]) {
        var pending: UInt128 = 0
        for index in eeth.validators where restaking.podOwner[index] == nil {
            let validator = chain.validators[index.rawValue]
            pending += validator.status(at: chain.epoch) == .pendingInitialized
                ? EethPool.validatorDepositWei : UInt128(validator.balanceGwei) * weiPerGwei
        }
        var restaked: UInt128 = 0
        for staker in eeth.stakers { restaked += restaking.withdrawableShares(staker, "native") }
        var queued: UInt128 = 0
        for id in eeth.podWithdrawals.keys {
            queued += (try? restaking.ledger.withdrawalShares(QueuedWithdrawalID(id), epoch: restakingEpoch)) ?? 0
        }
        let stethHeld = steth.stethWei(of: EethPool.owner)
        let wstethHeld = (try? steth.shares?.etherForSharesFloor(steth.wstethWei(of: EethPool.owner))) ?? 0
        let layers: [String: UInt128] = [
            "bufferWei": eeth.bufferedWei, "avsRewardsWei": eeth.avsRewardsVaultWei, "lstHoldingsWei": stethHeld + wstethHeld,
            "pendingValidatorsWei": pending, "restakedWei": restaked, "queuedRestakeWithdrawalsWei": queued,
        ]
        return (layers.values.reduce(0, +), layers)
    }

    /// Applies the report due at `epoch` to this state: the value by layer, the rebase (the fee
    /// minted as shares to the treasury on a gain; a loss applied as is and flagged), the
    /// finalization of what the buffer pays at the new rate, exits when it cannot.
    mutating func runEethReport(epoch: UInt64) -> [String: JSON] {
        let (value, layers) = eethValue()
        var pool = eeth
        var shares = pool.tokens.shares!
        let before = shares.pooledEtherWei
        let rateBefore = shares.shareRateE27
        var body: [String: JSON] = [
            "pool": .string(EethPool.name), "epoch": .int(epoch), "valueWei": .amount(value),
            "layers": .object(layers.mapValues { .amount($0) }), "previousPooledWei": .amount(before),
            "shareRateBeforeE27": .amount(rateBefore),
        ]
        guard value > 0 else {
            body["held"] = .string("the pool's whole value is lost: there is nothing left to price its shares with")
            body["shareRateAfterE27"] = .amount(rateBefore)
            pool.lastReportEpoch = epoch
            pool.reports = Array((pool.reports + [.object(body)]).suffix(EethPool.reportsKept))
            eeth = pool
            return body
        }
        pool.bufferedWei += pool.avsRewardsVaultWei
        pool.avsRewardsVaultWei = 0
        let fee = value > before && pool.feeBips > 0
            ? SharePool.FeeSplit(nodeOperators: EethPool.treasury, nodeOperatorsFeeBips: 0, treasury: EethPool.treasury,
                                 treasuryFeeBips: UInt128(pool.feeBips))
            : nil
        let rebase = try! shares.rebase(toPooledEtherWei: value, fee: fee)
        let feeWei = (try? shares.etherForSharesFloor(rebase.feeSharesMinted)) ?? 0
        pool.feesWei += feeWei
        let negative = value < before
        body["rewardsWei"] = .amount(value > before ? value - before : 0)
        body["lossWei"] = .amount(negative ? before - value : 0)
        body["negativeRebase"] = .bool(negative)
        body["feeSharesMinted"] = .amount(rebase.feeSharesMinted)
        body["treasuryFeeWei"] = .amount(feeWei)

        // Finalize the longest prefix of the queue the buffer pays, at this report's rate.
        var finalizedThrough = pool.tokens.queue.lastFinalizedRequestID.rawValue
        var lockedWei: UInt128 = 0
        let queue = pool.tokens.queue
        let finalizationRate = shares.shareRateE27
        body["finalizationShareRateE27"] = .amount(finalizationRate)
        if queue.requests.count > Int(finalizedThrough) {
            let rate = finalizationRate
            var low = finalizedThrough
            var high = UInt64(queue.requests.count)
            while low < high {
                let middle = low + (high - low + 1) / 2
                if let needed = try? queue.prefinalize(through: WithdrawalRequestID(middle), maxShareRateE27: rate).etherToLockWei,
                    needed <= pool.bufferedWei
                { low = middle } else { high = middle - 1 }
            }
            if low > finalizedThrough {
                let done = try! pool.tokens.queue.finalize(through: WithdrawalRequestID(low), maxShareRateE27: rate, pool: &shares)
                pool.bufferedWei -= done.etherToLockWei
                lockedWei = done.etherToLockWei
                for id in (finalizedThrough + 1)...low { pool.tokens.finalizedEpochs[id] = epoch }
                finalizedThrough = low
            }
        }
        // Exits: when the buffer, the exits under way and the pods' ETH cannot pay the rest.
        var incoming: UInt128 = layers["queuedRestakeWithdrawalsWei"] ?? 0
        for index in pool.exitsRequested { incoming += UInt128(chain.validators[index.rawValue].balanceGwei) * weiPerGwei }
        for staker in pool.stakers {
            let pod = restaking.pods[staker]?.podWei ?? 0
            incoming += pod - min(pod, pool.reservedPodWei(staker))
        }
        var exits: [JSON] = []
        let unfinalized = pool.tokens.queue.unfinalizedAmountWei
        if unfinalized > pool.bufferedWei + incoming {
            var shortfall = unfinalized - pool.bufferedWei - incoming
            var stake = pool.stakeByOperator(chain)
            var remaining = pool.validators.filter { index in
                restaking.podOwner[index] != nil && !pool.exitsRequested.contains(index) && (try? chain.validateVoluntaryExit(index)) != nil
            }
            while shortfall > 0, !remaining.isEmpty {
                // The operator with the most pool stake gives its oldest validator first.
                let busiest = Set(remaining.map { pool.operatorOf[$0]! }).max { (stake[$0] ?? 0, $1) < (stake[$1] ?? 0, $0) }
                guard let position = remaining.firstIndex(where: { pool.operatorOf[$0] == busiest }) else { break }
                let index = remaining.remove(at: position)
                try! chain.voluntaryExit(index)
                pool.exitsRequested.insert(index)
                stake[pool.operatorOf[index]!, default: 0] -= min(stake[pool.operatorOf[index]!] ?? 0, EethPool.validatorDepositWei)
                exits.append(.int(index.rawValue))
                let worth = UInt128(chain.validators[index.rawValue].balanceGwei) * weiPerGwei
                shortfall = worth >= shortfall ? 0 : shortfall - worth
            }
        }
        pool.tokens.shares = shares
        pool.lastReportEpoch = epoch
        body["shareRateAfterE27"] = .amount(shares.shareRateE27)
        body["totalPooledWei"] = .amount(shares.pooledEtherWei)
        body["totalShares"] = .amount(shares.totalShares)
        body["finalizedThrough"] = .int(finalizedThrough)
        body["etherLockedWei"] = .amount(lockedWei)
        body["exitsRequested"] = .array(exits)
        pool.reports = Array((pool.reports + [.object(body)]).suffix(EethPool.reportsKept))
        eeth = pool
        return body
    }

    // MARK: Views

    func eethWithdrawalList(_ body: JSON.Fields) throws(ContractError) -> JSON {
        let expected = eethExpectedFinalization(after: eeth)
        let items = try withdrawalRecords(
            of: eeth.tokens, account: try Self.optionalAccount(body), every: ["pool": .string(EethPool.name)],
            pending: [
                "expectedFinalizationEpoch": .int(expected.epoch), "includesRestakingEscrow": .bool(expected.escrow),
            ])
        return .object([
            "pool": .string(EethPool.name), "requests": .array(items),
            "unfinalizedWei": .amount(eeth.tokens.queue.unfinalizedAmountWei), "bunkerMode": .bool(false),
        ])
    }

    func eethPoolView() -> JSON {
        let schedule = schedules[EethPool.name] ?? PoolSchedule()
        let (value, layers) = eethValue()
        let stake = eeth.stakeByOperator(chain)
        let names = Set(eeth.operators).union(eeth.operatorOf.values).sorted()
        let totalStake = stake.values.reduce(0, +)
        let operators: [JSON] = names.map { name in
            let staker = EethPool.staker(name)
            let mine = eeth.validators.filter { eeth.operatorOf[$0] == name }
            return .object([
                "operator": .string(name), "staker": .string(staker), "inPolicy": .bool(eeth.operators.contains(name)),
                "validators": .ids(mine), "stakeWei": .amount(stake[name] ?? 0),
                "stakeShareBips": .int(totalStake == 0 ? 0 : (stake[name] ?? 0) * 10_000 / totalStake),
                "withdrawableShares": .amount(restaking.withdrawableShares(staker, "native")),
                "maxMagnitudeWad": .amount(restaking.ledger.maxMagnitudeWad(of: OperatorID(name), strategy: RestakingLedger.beaconChainStrategy)),
                "beaconChainSlashingFactorWad": .amount(restaking.ledger.beaconChainSlashingFactorWad(of: StakerID(staker))),
                "podWei": .amount(restaking.pods[staker]?.podWei ?? 0),
            ])
        }
        let nextReport = (chain.epoch / schedule.reportIntervalEpochs + 1) * schedule.reportIntervalEpochs
        let expected = eethExpectedFinalization(after: eeth)
        let negative = eeth.reports.last { $0["negativeRebase"] == .bool(true) }
        return .object([
            "pool": .string(EethPool.name),
            "totalPooledWei": .amount(eeth.pooledEtherWei),
            "totalShares": .amount(eeth.totalShares),
            "shareRateE27": .amount(eeth.shareRateE27),
            "bufferedWei": .amount(eeth.bufferedWei),
            "valueNowWei": .amount(value),
            "valueByLayer": .object(layers.mapValues { .amount($0) }),
            "policy": .object([
                "operators": .array(eeth.operators.map(JSON.string)), "capBips": .int(eeth.capBips), "feeBips": .int(eeth.feeBips),
            ]),
            "operators": .array(operators),
            "weethSupplyWei": .amount(eeth.tokens.wrapper.totalWrapped),
            "wrappedShares": .amount(eeth.tokens.shares?.shares(of: EethPool.wrapperHolder) ?? 0),
            "withdrawalQueue": .object([
                "unfinalizedWei": .amount(eeth.tokens.queue.unfinalizedAmountWei),
                "requests": .int(eeth.tokens.queue.requests.count),
                "lastFinalized": .int(eeth.tokens.queue.lastFinalizedRequestID.rawValue),
                "lockedWei": .amount(eeth.tokens.queue.lockedEtherWei),
                "expectedWaitEpochs": .int(expected.epoch - chain.epoch),
                "includesRestakingEscrow": .bool(expected.escrow),
            ]),
            "exitsRequested": .ids(eeth.exitsRequested.sorted()),
            "lastReportEpoch": .int(eeth.lastReportEpoch),
            "nextReportEpoch": .int(nextReport),
            "reportIntervalEpochs": .int(schedule.reportIntervalEpochs),
            "reports": .array(eeth.reports),
            "lastNegativeRebase": negative ?? .null,
            "feesPaidWei": .object(["treasuryWei": .amount(eeth.feesWei)]),
            "avsRewardsClaimedWei": .amount(eeth.avsRewardsTotalWei),
        ])
    }

    /// The eeth pool's part of the audit: ETH it holds outside validators and pods (buffer, AVS
    /// rewards not yet collected, ETH locked for finalized withdrawals) and its token checks.
    func eethAudit() -> (etherWei: UInt128, checks: [String: JSON], ok: Bool) {
        let pool = eeth
        let held = pool.bufferedWei + pool.avsRewardsVaultWei + pool.tokens.queue.lockedEtherWei
        guard let shares = pool.tokens.shares else { return (held, [:], true) }
        let sumShares = shares.sharesByHolder.values.reduce(0, +)
        let wrapperOK = shares.shares(of: EethPool.wrapperHolder) >= pool.tokens.wrapper.totalWrapped
        var unfinalizedShares: UInt128 = 0
        var id = pool.tokens.queue.lastFinalizedRequestID.rawValue + 1
        while id <= UInt64(pool.tokens.queue.requests.count) {
            unfinalizedShares += (try? pool.tokens.queue.amountAndShares(of: WithdrawalRequestID(id)).shares) ?? 0
            id += 1
        }
        let queueOK = shares.shares(of: EethPool.queueHolder) == unfinalizedShares
        // Every pool validator is either awaiting verification or in its operator's pod.
        let podsOK = pool.validators.allSatisfy { index in
            restaking.podOwner[index] == nil || restaking.podOwner[index] == EethPool.staker(pool.operatorOf[index]!)
        }
        let checks: [String: JSON] = [
            "eethSharesSumToTotal": .bool(sumShares == shares.totalShares), "weethBackedByShares": .bool(wrapperOK),
            "eethQueueSharesMatchRequests": .bool(queueOK), "eethValidatorsInOwnPods": .bool(podsOK),
        ]
        return (held, checks, sumShares == shares.totalShares && wrapperOK && queueOK && podsOK)
    }
}
