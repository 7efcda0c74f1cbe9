import Accounting
import Contracts

/// The steth pool's oracle report (reference/liquid-staking.md §2–§3), computed by the ledger
/// from its own chain state when `stakeline-rewards` says a report is due.
extension StethPool {
    static let secondsPerEpoch: UInt128 = 384
    static let secondsPerYear: UInt128 = 365 * 86_400
    /// Annualised CL balance growth above this is not believed (Lido: 1000 bips = 10 %).
    static let annualBalanceIncreaseLimitBips: UInt128 = 1_000
    /// Negative-rebase bound per validator (Lido's initial slashing 0.008 ETH + inactivity
    /// penalties 0.101 ETH): a larger loss in one report is flagged for review.
    static let lossBoundPerValidatorWei: UInt128 = 109_000_000_000_000_000

    struct Report {
        var body: [String: JSON]
        var held: Bool
    }

    /// Runs the report due at `epoch`: CL balance and validators from the chain, the vaults
    /// collected within the positive-rebase limit, the 10 % fee minted as shares (5 % to the
    /// operators pro rata to their running validators, 5 % to the treasury), withdrawal requests
    /// finalized from the buffer unless in bunker mode, and exits requested when the buffer
    /// cannot pay the queue. Held (nothing changes) when a sanity limit is broken.
    mutating func report(epoch: UInt64, chain: inout BeaconChain) -> Report {
        let increment: UInt128 = 1_000_000_000
        let (clValidators, clBalanceWei) = consensusLayer(chain)
        let newValidators = clValidators - reportedClValidators
        let preClWei = reportedClBalanceWei + UInt128(newValidators) * Self.validatorDepositWei
        let elapsedSeconds = UInt128(max(1, epoch - lastReportEpoch)) * Self.secondsPerEpoch
        var body: [String: JSON] = [
            "pool": .string(Self.name), "epoch": .int(epoch), "clBalanceWei": .amount(clBalanceWei),
            "clValidators": .int(clValidators), "preClBalanceWei": .amount(preClWei),
            "withdrawalVaultWei": .amount(withdrawalVaultWei), "elVaultWei": .amount(elVaultWei),
            "shareRateBeforeE27": .amount(shareRateE27),
        ]
        let unifiedPostWei = clBalanceWei + withdrawalVaultWei
        // Sanity limits.
        if unifiedPostWei > preClWei && preClWei > 0 {
            let growthBips = Self.secondsPerYear * 10_000 * (unifiedPostWei - preClWei) / preClWei / elapsedSeconds
            if growthBips > Self.annualBalanceIncreaseLimitBips {
                body["reason"] = .string("the consensus-layer balance grew \(growthBips) bips a year, above the 1000-bip limit")
                body["annualisedGrowthBips"] = .int(UInt64(min(growthBips, UInt128(UInt64.max))))
                heldReport = .object(body)
                return Report(body: body, held: true)
            }
        }
        heldReport = nil
        // A loss beyond what slashing and inactivity can explain is applied (holding it would
        // only defer it: nothing brings the balance back) but flagged for review.
        if preClWei > unifiedPostWei && preClWei - unifiedPostWei > UInt128(clValidators) * Self.lossBoundPerValidatorWei {
            body["flagged"] = .string("the consensus-layer balance fell \(EtherAmount.format(preClWei - unifiedPostWei)) ETH, beyond the expected slashing and inactivity bound of 0.109 ETH per validator")
            flaggedReport = .object(body)
        }
        guard var pool = shares else {
            // Nothing staked yet: only the CL figures move (there are none without a stake).
            lastReportEpoch = epoch
            return Report(body: body, held: false)
        }

        // Positive-rebase limiter: the CL delta is taken whole; the vaults within the limit.
        var limiter = try! PositiveTokenRebaseLimiter(
            rebaseLimit: PositiveTokenRebaseLimiter.mainnetLimit, preTotalPooledEtherWei: pool.pooledEtherWei,
            preTotalShares: pool.totalShares)
        if clBalanceWei >= preClWei {
            limiter.increaseEther(clBalanceWei - preClWei)
        } else {
            try? limiter.decreaseEther(min(preClWei - clBalanceWei, limiter.currentTotalPooledEtherWei))
        }
        let withdrawalsCollected = limiter.increaseEther(withdrawalVaultWei)
        let elCollected = limiter.increaseEther(elVaultWei)
        let transientWei = UInt128(validators.count - clValidators) * Self.validatorDepositWei
        let newPooledWei = bufferedWei + withdrawalsCollected + elCollected + clBalanceWei + transientWei
        // Every wei lost (the validators slashed to nothing, no buffer): shares cannot be priced
        // at zero, so the report is held rather than applied.
        guard newPooledWei > 0 else {
            body["reason"] = .string("the pool's whole value is lost: there is nothing left to price its shares with")
            heldReport = .object(body)
            return Report(body: body, held: true)
        }
        withdrawalVaultWei -= withdrawalsCollected
        elVaultWei -= elCollected
        bufferedWei += withdrawalsCollected + elCollected
        let clSideWei = clBalanceWei + withdrawalsCollected
        let rewardsWei = clSideWei > preClWei ? clSideWei - preClWei + elCollected : 0
        reportedClBalanceWei = clBalanceWei
        reportedClValidators = clValidators

        // Rebase, with the fee minted only when the consensus side gained (LIP-12).
        let fee = rewardsWei > 0
            ? SharePool.FeeSplit(
                nodeOperators: Self.operatorsHolder, nodeOperatorsFeeBips: Self.nodeOperatorsFeeBips,
                treasury: Self.treasury, treasuryFeeBips: Self.treasuryFeeBips)
            : nil
        let rebase = try! pool.rebase(toPooledEtherWei: newPooledWei, fee: fee)
        // The operators' shares go to each running operator pro rata to its validators; the
        // rounding dust to the treasury.
        var operatorFees: [String: JSON] = [:]
        let running = runningValidators(chain).filter { $0.value > 0 }
        let runningTotal = running.values.reduce(0, +)
        var treasuryShares = rebase.treasuryFeeShares
        if rebase.nodeOperatorsFeeShares > 0 {
            var left = rebase.nodeOperatorsFeeShares
            for name in running.keys.sorted() {
                let part = rebase.nodeOperatorsFeeShares * UInt128(running[name]!) / UInt128(runningTotal)
                guard part > 0 else { continue }
                _ = try! pool.transferShares(part, from: Self.operatorsHolder, to: HolderID(name))
                let valueWei = try! pool.etherForSharesFloor(part)
                feesByOperator[name, default: 0] += valueWei
                operatorsFeesWei += valueWei
                operatorFees[name] = .amount(valueWei)
                left -= part
            }
            if left > 0 {
                _ = try! pool.transferShares(left, from: Self.operatorsHolder, to: Self.treasury)
                treasuryShares += left
            }
        }
        let treasuryValueWei = try! pool.etherForSharesFloor(treasuryShares)
        treasuryFeesWei += treasuryValueWei

        // Bunker mode: a loss this report, or a slashing whose correlation penalty is pending.
        let pendingPenalty = validators.contains { index in
            let validator = chain.validators[index.rawValue]
            return validator.slashed && validator.withdrawableEpoch - ConsensusRules.epochsPerSlashingsVector / 2 >= chain.epoch
        }
        bunkerMode = clSideWei < preClWei || pendingPenalty

        // Finalize what the buffer can pay, at this report's rate.
        var finalizedThrough: UInt64 = queue.lastFinalizedRequestID.rawValue
        var lockedWei: UInt128 = 0
        if !bunkerMode, queue.requests.count > Int(queue.lastFinalizedRequestID.rawValue) {
            // The ETH to lock grows with the last id finalized: the furthest the buffer pays.
            let rate = pool.shareRateE27
            func lock(_ id: UInt64) -> UInt128? {
                (try? queue.prefinalize(through: WithdrawalRequestID(id), maxShareRateE27: rate))?.etherToLockWei
            }
            var low = queue.lastFinalizedRequestID.rawValue
            var high = UInt64(queue.requests.count)
            while low < high {
                let middle = low + (high - low + 1) / 2
                if let needed = lock(middle), needed <= bufferedWei { low = middle } else { high = middle - 1 }
            }
            if low > queue.lastFinalizedRequestID.rawValue {
                let done = try! queue.finalize(through: WithdrawalRequestID(low), maxShareRateE27: rate, pool: &pool)
                bufferedWei -= done.etherToLockWei
                lockedWei = done.etherToLockWei
                for id in (finalizedThrough + 1)...low { finalizedEpochs[id] = epoch }
                finalizedThrough = low
            }
        }
        // Exits: when the buffer and the exits under way cannot pay the rest of the queue.
        let unfinalizedWei = queue.unfinalizedAmountWei
        var incomingWei: UInt128 = 0
        for index in exitsRequested where chain.validators[index.rawValue].balanceGwei > 0 {
            incomingWei += UInt128(chain.validators[index.rawValue].balanceGwei) * increment
        }
        var exits: [JSON] = []
        if unfinalizedWei > bufferedWei + incomingWei {
            var shortfall = unfinalizedWei - bufferedWei - incomingWei
            // The operator with the most running validators gives its oldest first.
            var byOperator = running
            let candidates = validators.filter { index in
                (try? chain.validateVoluntaryExit(index)) != nil && !exitsRequested.contains(index)
            }
            var remaining = candidates
            while shortfall > 0, !remaining.isEmpty {
                let busiest = byOperator.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
                guard let position = remaining.firstIndex(where: { operatorOf[$0] == busiest }) ?? remaining.indices.first else { break }
                let index = remaining.remove(at: position)
                try! chain.voluntaryExit(index)
                exitsRequested.insert(index)
                byOperator[operatorOf[index]!, default: 1] -= 1
                exits.append(.int(index.rawValue))
                let value = UInt128(chain.validators[index.rawValue].balanceGwei) * increment
                shortfall = value >= shortfall ? 0 : shortfall - value
            }
        }
        shares = pool
        lastReportEpoch = epoch
        rateHistory.append(RatePoint(epoch: epoch, pooledEtherWei: pool.pooledEtherWei, totalShares: pool.totalShares))
        if rateHistory.count > Self.rateHistoryMax { rateHistory.removeFirst(rateHistory.count - Self.rateHistoryMax) }

        body["withdrawalsCollectedWei"] = .amount(withdrawalsCollected)
        body["elRewardsCollectedWei"] = .amount(elCollected)
        body["rewardsWei"] = .amount(rewardsWei)
        body["feeSharesMinted"] = .amount(rebase.feeSharesMinted)
        body["operatorFees"] = .object(operatorFees)
        body["treasuryFeeWei"] = .amount(treasuryValueWei)
        body["shareRateAfterE27"] = .amount(pool.shareRateE27)
        body["totalPooledWei"] = .amount(pool.pooledEtherWei)
        body["totalShares"] = .amount(pool.totalShares)
        body["finalizedThrough"] = .int(finalizedThrough)
        body["etherLockedWei"] = .amount(lockedWei)
        body["exitsRequested"] = .array(exits)
        body["bunkerMode"] = .bool(bunkerMode)
        return Report(body: body, held: false)
    }
}
