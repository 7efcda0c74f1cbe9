/// EigenLayer's share accounting for restakers (StrategyManager, EigenPodManager and
/// DelegationManager together): deposit shares, deposit scaling factors (DSF), the
/// beacon-chain slashing factor (BCSF), delegation, operator shares, and queued withdrawals
/// that stay slashable through their escrow.
///
///     slashingFactor = maxMagnitude(operator, strategy)          (WAD when undelegated)
///                      × BCSF / WAD, floor, for the beacon-chain strategy
///     withdrawable   = floor(floor(depositShares × DSF / WAD) × slashingFactor / WAD)
///
/// A slash is O(1) in stakers (O(log n) in queue history): it lowers one max magnitude and the
/// operator's shares; each staker's loss appears through the slashing factor on read.
/// The ledger keeps its own replica of each operator's max-magnitude history, fed by
/// ``slashOperatorShares(operator:strategy:newMaxMagnitudeWad:epoch:)``.
///
/// Invariant (property-tested): an operator's shares are at least the sum of its delegators'
/// withdrawable shares. Epochs passed to operations must not decrease.
public struct RestakingLedger: Sendable, Equatable {
    /// Native ETH restaked through a pod: 1 share = 1 wei.
    public static let beaconChainStrategy: StrategyID = "beaconChainETH"
    /// 14 days.
    public static let defaultWithdrawalDelayEpochs: UInt64 = 3150

    /// Escrow of a queued withdrawal: slashable through `start + delay`, completable after.
    public let withdrawalDelayEpochs: UInt64

    /// A staker's holding in one strategy.
    public struct Position: Sendable, Equatable {
        public internal(set) var depositShares: UInt128
        /// Stored as WAD when reset (EigenLayer stores 0 meaning WAD).
        public internal(set) var depositScalingFactorWad: UInt128
    }

    public struct Staker: Sendable, Equatable {
        public internal(set) var delegatedTo: OperatorID?
        public internal(set) var beaconChainSlashingFactorWad: UInt128 = FixedPoint.wad
        public internal(set) var positions: [StrategyID: Position] = [:]
    }

    public struct OperatorStrategy: Hashable, Sendable {
        public let operatorID: OperatorID
        public let strategy: StrategyID
        public init(_ operatorID: OperatorID, _ strategy: StrategyID) {
            self.operatorID = operatorID
            self.strategy = strategy
        }
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.operatorID == rhs.operatorID && lhs.strategy == rhs.strategy
        }
        var cachedHash: Int { mixHashes(operatorID.cachedHash, strategy.cachedHash) }
        public func hash(into hasher: inout Hasher) { hasher.combine(cachedHash) }
        public func _rawHashValue(seed: Int) -> Int { mixHashes(cachedHash, seed) }
    }

    /// A withdrawal in escrow, in scaled shares (`floor(depositShares × DSF / WAD)`).
    public struct QueuedWithdrawal: Sendable, Equatable {
        public let staker: StakerID
        /// The operator at queue time: its magnitude history prices the payout.
        public let delegatedTo: OperatorID?
        public let strategy: StrategyID
        public let scaledShares: UInt128
        public let startEpoch: UInt64
    }

    /// What a slash took from an operator's delegated stake.
    public struct SlashOutcome: Sendable, Equatable {
        public let previousMaxMagnitudeWad: UInt128
        public let newMaxMagnitudeWad: UInt128
        /// `shares − ceil(shares × newMax / prevMax)`: rounds down.
        public let operatorSharesSlashed: UInt128
        /// The same rule applied to withdrawals still in escrow.
        public let queuedSharesSlashed: UInt128
    }

    public private(set) var stakers: [StakerID: Staker] = [:]
    public private(set) var operators: Set<OperatorID> = []
    /// Everything kept per (operator, strategy), in one table so a slash is one lookup.
    public struct OperatorStake: Sendable, Equatable {
        /// Delegated shares (EigenLayer `operatorShares`).
        public internal(set) var shares: UInt128 = 0
        /// An upper bound of the delegators' withdrawable shares at a max magnitude of WAD:
        /// `Σ floor(ds × DSF / WAD)` (times BCSF / WAD, rounded up, for native ETH). A slash
        /// never leaves the operator fewer shares than this bound scaled to the new magnitude,
        /// which keeps `shares ≥ Σ withdrawable` exact where EigenLayer's formula alone can fall
        /// short by rounding dust (see docs/ACCOUNTING.md).
        public internal(set) var backingScaledShares: UInt128 = 0
        /// Replica of the operator's max magnitude history (default WAD).
        public internal(set) var maxMagnitudes = Snapshots(defaultValue: FixedPoint.wad)
        /// Scaled shares ever queued (default 0).
        public internal(set) var cumulativeScaledShares = Snapshots(defaultValue: 0)
    }

    public private(set) var operatorStakes: [OperatorStrategy: OperatorStake] = [:]
    public private(set) var queuedWithdrawals: [QueuedWithdrawalID: QueuedWithdrawal] = [:]
    public private(set) var lastWithdrawalNumber: UInt64 = 0
    /// Shares slashed and not yet burned from the strategy, per strategy.
    public private(set) var slashedSharesByStrategy: [StrategyID: UInt128] = [:]
    /// The latest epoch any operation named.
    public private(set) var latestEpoch: UInt64 = 0

    public init(withdrawalDelayEpochs: UInt64 = RestakingLedger.defaultWithdrawalDelayEpochs) {
        self.withdrawalDelayEpochs = withdrawalDelayEpochs
    }

    // MARK: Views

    /// The operator's current max magnitude for `strategy`, WAD.
    public func maxMagnitudeWad(of operatorID: OperatorID, strategy: StrategyID) -> UInt128 {
        operatorStakes[OperatorStrategy(operatorID, strategy)]?.maxMagnitudes.latest ?? FixedPoint.wad
    }

    public func depositShares(of staker: StakerID, strategy: StrategyID) -> UInt128 {
        stakers[staker]?.positions[strategy]?.depositShares ?? 0
    }

    public func depositScalingFactorWad(of staker: StakerID, strategy: StrategyID) -> UInt128 {
        stakers[staker]?.positions[strategy]?.depositScalingFactorWad ?? FixedPoint.wad
    }

    public func beaconChainSlashingFactorWad(of staker: StakerID) -> UInt128 {
        stakers[staker]?.beaconChainSlashingFactorWad ?? FixedPoint.wad
    }

    public func delegatedOperator(of staker: StakerID) -> OperatorID? { stakers[staker]?.delegatedTo }

    public func operatorShares(of operatorID: OperatorID, strategy: StrategyID) -> UInt128 {
        operatorStakes[OperatorStrategy(operatorID, strategy)]?.shares ?? 0
    }

    /// `maxMagnitude` of the staker's operator (WAD if undelegated), times BCSF for native ETH.
    public func slashingFactorWad(of staker: StakerID, strategy: StrategyID) -> UInt128 {
        let account = stakers[staker]
        let operatorMaxWad = account?.delegatedTo.map { self.maxMagnitudeWad(of: $0, strategy: strategy) }
            ?? FixedPoint.wad
        return Self.slashingFactorWad(
            maxMagnitudeWad: operatorMaxWad, strategy: strategy,
            beaconChainSlashingFactorWad: account?.beaconChainSlashingFactorWad ?? FixedPoint.wad)
    }

    /// `floor(floor(depositShares × DSF / WAD) × slashingFactor / WAD)`.
    public func withdrawableShares(
        of staker: StakerID, strategy: StrategyID
    ) throws(AccountingError) -> UInt128 {
        guard let account = stakers[staker], let position = account.positions[strategy] else { return 0 }
        let maxWad = account.delegatedTo.map { maxMagnitudeWad(of: $0, strategy: strategy) } ?? FixedPoint.wad
        return try Self.withdrawable(
            depositShares: position.depositShares,
            scalingFactorWad: position.depositScalingFactorWad,
            slashingFactorWad: Self.slashingFactorWad(
                maxMagnitudeWad: maxWad, strategy: strategy,
                beaconChainSlashingFactorWad: account.beaconChainSlashingFactorWad))
    }

    /// Scaled shares queued within the last `delay + 1` epochs, valued at the current max
    /// magnitude: what a slash at `epoch` would still reach in the escrow.
    public func slashableSharesInQueue(
        operator operatorID: OperatorID, strategy: StrategyID, epoch: UInt64
    ) throws(AccountingError) -> UInt128 {
        let key = OperatorStrategy(operatorID, strategy)
        return try FixedPoint.mulWadFloor(
            operatorStakes[key].map { slashableScaledShares($0.cumulativeScaledShares, epoch: epoch) } ?? 0,
            maxMagnitudeWad(of: operatorID, strategy: strategy))
    }

    /// What a queued withdrawal pays as of `epoch`: `floor(scaled × sf / WAD)` with the original
    /// operator's magnitude at `start + delay` once that has passed, the current one before.
    public func withdrawalShares(
        _ id: QueuedWithdrawalID, epoch: UInt64
    ) throws(AccountingError) -> UInt128 {
        guard let withdrawal = queuedWithdrawals[id] else { throw .withdrawalNotFound }
        return try payoutShares(withdrawal, epoch: epoch)
    }

    // MARK: Operators

    /// - Throws: `operator_already_registered`.
    public mutating func registerOperator(_ operatorID: OperatorID) throws(AccountingError) {
        guard !operators.contains(operatorID) else { throw .operatorAlreadyRegistered }
        operators.insert(operatorID)
    }

    // MARK: Deposits and delegation

    /// Credits `shares` new deposit shares (a strategy deposit, a positive beacon-chain balance
    /// update, or a withdrawal completed as shares) and updates the DSF exactly as
    /// `SlashingLib.update`:
    ///
    ///     prevDs == 0: dsf = floor(dsf × WAD / sf)
    ///     otherwise:   dsf = floor(floor((withdrawable + added) × WAD / (prevDs + added)) × WAD / sf)
    ///
    /// The operator, if any, gains exactly `shares`.
    /// - Throws: `amount_zero`, `fully_slashed`, `invalid_deposit_scaling_factor`, `overflow`.
    public mutating func addShares(
        _ shares: UInt128, to staker: StakerID, strategy: StrategyID
    ) throws(AccountingError) {
        guard shares > 0 else { throw .amountZero }
        var account = stakers[staker] ?? Staker()
        let factorWad = self.slashingFactorWad(of: staker, strategy: strategy)
        guard factorWad > 0 else { throw .fullySlashed }
        let position = account.positions[strategy]
            ?? Position(depositShares: 0, depositScalingFactorWad: FixedPoint.wad)
        let newScalingFactorWad = try Self.updatedScalingFactorWad(
            previousDepositShares: position.depositShares,
            scalingFactorWad: position.depositScalingFactorWad, addedShares: shares,
            slashingFactorWad: factorWad)
        let newDepositShares = try FixedPoint.add(position.depositShares, shares)
        let oldBacking = try Self.backingScaled(account, strategy)
        account.positions[strategy] = Position(
            depositShares: newDepositShares, depositScalingFactorWad: newScalingFactorWad)
        var newOperatorShares: UInt128? = nil
        var newBacking: UInt128? = nil
        if let operatorID = account.delegatedTo {
            newOperatorShares = try FixedPoint.add(operatorShares(of: operatorID, strategy: strategy), shares)
            newBacking = try replacedBacking(
                OperatorStrategy(operatorID, strategy), old: oldBacking, new: Self.backingScaled(account, strategy))
        }
        if let operatorID = account.delegatedTo, let newOperatorShares, let newBacking {
            let key = OperatorStrategy(operatorID, strategy)
            operatorStakes[key, default: OperatorStake()].shares = newOperatorShares
            operatorStakes[key, default: OperatorStake()].backingScaledShares = newBacking
        }
        stakers[staker] = account
    }

    /// Delegates all of `staker`'s shares to `operatorID`. Each position is re-based on the
    /// operator (prior slashing forgiven: `dsf = floor(dsf × WAD / maxMagnitude)`, capped so the
    /// staker's withdrawable shares do not exceed what the operator gains) and the operator
    /// gains the deposit shares (withdrawable shares under BCSF for native ETH).
    /// - Throws: `operator_not_registered`, `staker_already_delegated`, `fully_slashed`,
    ///   `overflow`.
    public mutating func delegate(
        _ staker: StakerID, to operatorID: OperatorID
    ) throws(AccountingError) {
        guard operators.contains(operatorID) else { throw .operatorNotRegistered }
        var account = stakers[staker] ?? Staker()
        guard account.delegatedTo == nil else { throw .stakerAlreadyDelegated }
        var newOperatorShares: [(StrategyID, UInt128, UInt128)] = []
        for (strategy, position) in account.positions.sorted(by: { $0.key < $1.key }) {
            let added = strategy == Self.beaconChainStrategy
                ? try Self.withdrawable(
                    depositShares: position.depositShares,
                    scalingFactorWad: position.depositScalingFactorWad,
                    slashingFactorWad: account.beaconChainSlashingFactorWad)
                : position.depositShares
            let operatorMaxWad = self.maxMagnitudeWad(of: operatorID, strategy: strategy)
            guard operatorMaxWad > 0 else { throw .fullySlashed }
            var scalingFactorWad = try FixedPoint.divWadFloor(position.depositScalingFactorWad, operatorMaxWad)
            // Re-basing on the operator can round the staker's withdrawable shares one above what
            // the operator gains (found by the property tests, with a BCSF below WAD). Cap the
            // DSF at the largest value whose withdrawable shares do not exceed `added`:
            // scaled ≤ A = ceil((added + 1) × WAD / sf) − 1, DSF ≤ ceil((A + 1) × WAD / ds) − 1.
            let factorAfterWad = Self.slashingFactorWad(
                maxMagnitudeWad: operatorMaxWad, strategy: strategy,
                beaconChainSlashingFactorWad: account.beaconChainSlashingFactorWad)
            if factorAfterWad > 0 && position.depositShares > 0 {
                let scaledMax = try FixedPoint.mulDivCeil(
                    FixedPoint.add(added, 1), FixedPoint.wad, factorAfterWad) - 1
                let scalingFactorMaxWad = try FixedPoint.mulDivCeil(
                    FixedPoint.add(scaledMax, 1), FixedPoint.wad, position.depositShares) - 1
                scalingFactorWad = min(scalingFactorWad, scalingFactorMaxWad)
            }
            guard scalingFactorWad > 0 else { throw .invalidDepositScalingFactor }
            account.positions[strategy]?.depositScalingFactorWad = scalingFactorWad
            let key = OperatorStrategy(operatorID, strategy)
            newOperatorShares.append((
                strategy, try FixedPoint.add(operatorShares(of: operatorID, strategy: strategy), added),
                try replacedBacking(key, old: 0, new: Self.backingScaled(account, strategy))))
        }
        account.delegatedTo = operatorID
        for (strategy, shares, backing) in newOperatorShares {
            let key = OperatorStrategy(operatorID, strategy)
            operatorStakes[key, default: OperatorStake()].shares = shares
            operatorStakes[key, default: OperatorStake()].backingScaledShares = backing
        }
        stakers[staker] = account
    }

    /// Undelegates `staker`, queueing a withdrawal of every position (one per strategy, in
    /// strategy order).
    /// - Throws: `staker_not_delegated`, `epoch_in_past`, `overflow`.
    @discardableResult
    public mutating func undelegate(
        _ staker: StakerID, epoch: UInt64
    ) throws(AccountingError) -> [QueuedWithdrawalID] {
        guard let account = stakers[staker], account.delegatedTo != nil else { throw .stakerNotDelegated }
        guard epoch >= latestEpoch else { throw .epochInPast }
        // Validate every queue step before changing anything.
        for (strategy, position) in account.positions {
            _ = try queueValues(staker, account, strategy, position.depositShares)
        }
        var ids: [QueuedWithdrawalID] = []
        for strategy in account.positions.keys.sorted() {
            let shares = account.positions[strategy]!.depositShares
            ids.append(try queueWithdrawal(shares, of: staker, strategy: strategy, epoch: epoch))
        }
        stakers[staker]?.delegatedTo = nil
        return ids
    }

    // MARK: Withdrawals

    /// Queues `depositShares` of `staker`'s position for withdrawal. The operator loses the
    /// shares' withdrawable value now; the withdrawal stores `floor(ds × DSF / WAD)` scaled
    /// shares, stays slashable by the operator through `epoch + delay`, and is paid at the
    /// operator's magnitude at that epoch.
    /// - Throws: `amount_zero`, `insufficient_balance`, `epoch_in_past`, `overflow`.
    @discardableResult
    public mutating func queueWithdrawal(
        _ depositShares: UInt128, of staker: StakerID, strategy: StrategyID, epoch: UInt64
    ) throws(AccountingError) -> QueuedWithdrawalID {
        guard epoch >= latestEpoch else { throw .epochInPast }
        guard let account = stakers[staker] else {
            throw depositShares == 0 ? .amountZero : .insufficientBalance(available: 0, required: depositShares)
        }
        let (withdrawable, scaled) = try queueValues(staker, account, strategy, depositShares)
        let cumulativeKey = account.delegatedTo.map { OperatorStrategy($0, strategy) }
        var newCumulative: UInt128? = nil
        var newBacking: UInt128? = nil
        if let cumulativeKey {
            newCumulative = try FixedPoint.add(
                operatorStakes[cumulativeKey]?.cumulativeScaledShares.latest ?? 0, scaled)
            var remaining = account
            remaining.positions[strategy]?.depositShares -= depositShares
            newBacking = try replacedBacking(
                cumulativeKey, old: Self.backingScaled(account, strategy), new: Self.backingScaled(remaining, strategy))
        }
        // Mutate.
        latestEpoch = epoch
        if let cumulativeKey, let newCumulative, let newBacking {
            var stake = operatorStakes[cumulativeKey] ?? OperatorStake()
            stake.backingScaledShares = newBacking
            // shares ≥ Σ withdrawable holds by the backing bound; never go below zero anyway.
            stake.shares -= min(stake.shares, withdrawable)
            stake.cumulativeScaledShares.push(newCumulative, at: epoch)
            operatorStakes[cumulativeKey] = stake
        }
        let position = account.positions[strategy]!
        if position.depositShares == depositShares {
            // Reset: the next deposit starts from DSF = WAD.
            stakers[staker]?.positions.removeValue(forKey: strategy)
        } else {
            stakers[staker]?.positions[strategy]?.depositShares = position.depositShares - depositShares
        }
        lastWithdrawalNumber += 1
        let id = QueuedWithdrawalID(lastWithdrawalNumber)
        queuedWithdrawals[id] = QueuedWithdrawal(
            staker: staker, delegatedTo: account.delegatedTo, strategy: strategy,
            scaledShares: scaled, startEpoch: epoch)
        return id
    }

    /// What completing a withdrawal paid.
    public struct Completion: Sendable, Equatable {
        public let strategy: StrategyID
        /// Shares paid: to withdraw from the strategy as tokens, or re-deposited.
        public let shares: UInt128
        public let receivedAsTokens: Bool
    }

    /// Completes a withdrawal after its escrow (`epoch > start + delay`), paying
    /// `floor(scaled × sf / WAD)` with the original operator's magnitude at `start + delay`
    /// (× the staker's current BCSF for native ETH). As tokens, the caller withdraws the shares
    /// from the strategy; as shares, they are re-deposited under the current operator.
    /// - Throws: `withdrawal_not_found`, `not_withdrawal_owner`, `withdrawal_delay_not_elapsed`,
    ///   `epoch_in_past`, and as shares `fully_slashed`, `invalid_deposit_scaling_factor`.
    @discardableResult
    public mutating func completeWithdrawal(
        _ id: QueuedWithdrawalID, by staker: StakerID, epoch: UInt64, receiveAsTokens: Bool
    ) throws(AccountingError) -> Completion {
        guard let withdrawal = queuedWithdrawals[id] else { throw .withdrawalNotFound }
        guard withdrawal.staker == staker else { throw .notWithdrawalOwner }
        guard epoch >= latestEpoch else { throw .epochInPast }
        guard epoch > withdrawal.startEpoch + withdrawalDelayEpochs else { throw .withdrawalDelayNotElapsed }
        let shares = try payoutShares(withdrawal, epoch: epoch)
        if !receiveAsTokens && shares > 0 {
            try addShares(shares, to: staker, strategy: withdrawal.strategy)
        }
        latestEpoch = epoch
        queuedWithdrawals.removeValue(forKey: id)
        return Completion(strategy: withdrawal.strategy, shares: shares, receivedAsTokens: receiveAsTokens)
    }

    // MARK: Slashing

    /// Applies an operator's slash (from ``AllocationBook/slash(operator:operatorSet:wadsToSlash:epoch:)``)
    /// to delegated shares: records the new max magnitude at `epoch`, takes
    /// `shares − ceil(shares × newMax / prevMax)` from the operator's shares and the same from
    /// the scaled shares queued in the last `delay + 1` epochs, and sets both aside to burn.
    /// O(log n) in queue history, O(1) in stakers.
    /// - Throws: `invalid_magnitude` (a rise), `epoch_in_past`, `overflow`.
    @discardableResult
    public mutating func slashOperatorShares(
        operator operatorID: OperatorID, strategy: StrategyID, newMaxMagnitudeWad: UInt128, epoch: UInt64
    ) throws(AccountingError) -> SlashOutcome {
        guard epoch >= latestEpoch else { throw .epochInPast }
        let key = OperatorStrategy(operatorID, strategy)
        // One lookup; every read and write below goes through the index.
        let index = operatorStakes.index(forKey: key)
        var previousMaxWad = FixedPoint.wad
        var currentShares: UInt128 = 0
        var backingScaled: UInt128 = 0
        var queuedScaled: UInt128 = 0
        if let index {
            // One copy of the entry (each `values[index]` read copies it).
            let stake = operatorStakes.values[index]
            previousMaxWad = stake.maxMagnitudes.latest
            currentShares = stake.shares
            backingScaled = stake.backingScaledShares
            queuedScaled = slashableScaledShares(stake.cumulativeScaledShares, epoch: epoch)
        }
        guard newMaxMagnitudeWad <= previousMaxWad else { throw .invalidMagnitude }
        // EigenLayer's amount, lowered if needed so that the operator still backs its stakers.
        let backingAfter = try FixedPoint.mulWadFloor(backingScaled, newMaxMagnitudeWad)
        let operatorSlashed = min(
            try Self.slashedAmount(currentShares, previousMaxWad, newMaxMagnitudeWad),
            currentShares - min(currentShares, backingAfter))
        let queuedShares = previousMaxWad == 0 ? 0 : try FixedPoint.mulWadFloor(queuedScaled, previousMaxWad)
        let queuedSlashed = try Self.slashedAmount(queuedShares, previousMaxWad, newMaxMagnitudeWad)
        let newSlashedTotal = try FixedPoint.add(
            slashedSharesByStrategy[strategy] ?? 0, try FixedPoint.add(operatorSlashed, queuedSlashed))
        latestEpoch = epoch
        if let index {
            operatorStakes.values[index].shares = currentShares - operatorSlashed
            operatorStakes.values[index].maxMagnitudes.push(newMaxMagnitudeWad, at: epoch)
        } else {
            var stake = OperatorStake()
            stake.maxMagnitudes.push(newMaxMagnitudeWad, at: epoch)
            operatorStakes[key] = stake
        }
        slashedSharesByStrategy[strategy] = newSlashedTotal
        return SlashOutcome(
            previousMaxMagnitudeWad: previousMaxWad, newMaxMagnitudeWad: newMaxMagnitudeWad,
            operatorSharesSlashed: operatorSlashed, queuedSharesSlashed: queuedSlashed)
    }

    /// Records a fall in a pod owner's restaked beacon-chain balance: deposit shares stay,
    /// the BCSF falls to `floor(BCSF × (prev − decrease) / prev)`, and the operator loses
    /// `floor(floor(ds × DSF / WAD) × floor(maxMag × ΔBCSF / WAD) / WAD)`.
    /// - Returns: the operator shares removed.
    /// - Throws: `amount_zero`, `insufficient_balance` (decrease above the balance), `overflow`.
    @discardableResult
    public mutating func recordBeaconChainBalanceDecrease(
        of staker: StakerID, previousRestakedBalanceWei: UInt128, decreaseWei: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard decreaseWei > 0, previousRestakedBalanceWei > 0 else { throw .amountZero }
        guard decreaseWei <= previousRestakedBalanceWei else {
            throw .insufficientBalance(available: previousRestakedBalanceWei, required: decreaseWei)
        }
        let account = stakers[staker] ?? Staker()
        let previousFactorWad = account.beaconChainSlashingFactorWad
        let newFactorWad = try FixedPoint.mulDivFloor(
            previousFactorWad, previousRestakedBalanceWei - decreaseWei, previousRestakedBalanceWei)
        var removed: UInt128 = 0
        let strategy = Self.beaconChainStrategy
        var updated = account
        updated.beaconChainSlashingFactorWad = newFactorWad
        if let operatorID = account.delegatedTo, let position = account.positions[strategy] {
            let newBacking = try replacedBacking(
                OperatorStrategy(operatorID, strategy), old: Self.backingScaled(account, strategy),
                new: Self.backingScaled(updated, strategy))
            let scaled = try FixedPoint.mulWadFloor(position.depositShares, position.depositScalingFactorWad)
            let factorDecrease = try FixedPoint.mulWadFloor(
                maxMagnitudeWad(of: operatorID, strategy: strategy), previousFactorWad - newFactorWad)
            removed = try FixedPoint.mulWadFloor(scaled, factorDecrease)
            let key = OperatorStrategy(operatorID, strategy)
            let current = operatorStakes[key]?.shares ?? 0
            removed = min(removed, current)
            operatorStakes[key, default: OperatorStake()].shares = current - removed
            operatorStakes[key, default: OperatorStake()].backingScaledShares = newBacking
        }
        stakers[staker] = updated
        return removed
    }

    /// Hands over the shares slashed from `strategy` so the caller can burn them from the
    /// strategy pool; resets the count.
    public mutating func takeSlashedShares(of strategy: StrategyID) -> UInt128 {
        slashedSharesByStrategy.removeValue(forKey: strategy) ?? 0
    }

    // MARK: Formulas

    /// `floor(floor(ds × dsf / WAD) × sf / WAD)`.
    @inlinable
    public static func withdrawable(
        depositShares: UInt128, scalingFactorWad: UInt128, slashingFactorWad: UInt128
    ) throws(AccountingError) -> UInt128 {
        try FixedPoint.mulWadFloor(FixedPoint.mulWadFloor(depositShares, scalingFactorWad), slashingFactorWad)
    }

    /// `maxMagnitude`, times BCSF / WAD (floor) for native ETH.
    public static func slashingFactorWad(
        maxMagnitudeWad: UInt128, strategy: StrategyID, beaconChainSlashingFactorWad: UInt128
    ) -> UInt128 {
        guard strategy == beaconChainStrategy else { return maxMagnitudeWad }
        // Both factors are ≤ WAD, so the product cannot overflow.
        return maxMagnitudeWad * beaconChainSlashingFactorWad / FixedPoint.wad
    }

    /// `SlashingLib.update`; see ``addShares(_:to:strategy:)``.
    public static func updatedScalingFactorWad(
        previousDepositShares: UInt128, scalingFactorWad: UInt128, addedShares: UInt128,
        slashingFactorWad: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard slashingFactorWad > 0 else { throw .fullySlashed }
        if previousDepositShares == 0 {
            return try FixedPoint.divWadFloor(scalingFactorWad, slashingFactorWad)
        }
        let current = try withdrawable(
            depositShares: previousDepositShares, scalingFactorWad: scalingFactorWad,
            slashingFactorWad: slashingFactorWad)
        let averageWad = try FixedPoint.divWadFloor(
            FixedPoint.add(current, addedShares), FixedPoint.add(previousDepositShares, addedShares))
        let newFactorWad = try FixedPoint.divWadFloor(averageWad, slashingFactorWad)
        guard newFactorWad > 0 else { throw .invalidDepositScalingFactor }
        return newFactorWad
    }

    /// `shares − ceil(shares × newMax / prevMax)`: the remainder rounds up, so the slashed
    /// amount rounds down and the operator keeps enough to back every staker.
    public static func slashedAmount(
        _ shares: UInt128, _ previousMaxWad: UInt128, _ newMaxWad: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard previousMaxWad > 0 else { return 0 }
        return shares - (try FixedPoint.mulDivCeil(shares, newMaxWad, previousMaxWad))
    }

    // MARK: Helpers

    /// A delegator's part of ``OperatorStake/backingScaledShares``: `floor(ds × DSF / WAD)`, times BCSF / WAD
    /// rounded up for native ETH.
    private static func backingScaled(_ account: Staker, _ strategy: StrategyID) throws(AccountingError) -> UInt128 {
        guard let position = account.positions[strategy], position.depositShares > 0 else { return 0 }
        let scaled = try FixedPoint.mulWadFloor(position.depositShares, position.depositScalingFactorWad)
        guard strategy == beaconChainStrategy else { return scaled }
        return try FixedPoint.mulWadCeil(scaled, account.beaconChainSlashingFactorWad)
    }

    private func replacedBacking(
        _ key: OperatorStrategy, old: UInt128, new: UInt128
    ) throws(AccountingError) -> UInt128 {
        let current = operatorStakes[key]?.backingScaledShares ?? 0
        precondition(old <= current, "a delegator's backing is part of its operator's")
        return try FixedPoint.add(current - old, new)
    }

    private func queueValues(
        _ staker: StakerID, _ account: Staker, _ strategy: StrategyID, _ depositShares: UInt128
    ) throws(AccountingError) -> (withdrawable: UInt128, scaled: UInt128) {
        guard depositShares > 0 else { throw .amountZero }
        guard let position = account.positions[strategy], depositShares <= position.depositShares else {
            throw .insufficientBalance(
                available: account.positions[strategy]?.depositShares ?? 0, required: depositShares)
        }
        let withdrawable = try Self.withdrawable(
            depositShares: depositShares, scalingFactorWad: position.depositScalingFactorWad,
            slashingFactorWad: slashingFactorWad(of: staker, strategy: strategy))
        let scaled = try FixedPoint.mulWadFloor(depositShares, position.depositScalingFactorWad)
        return (withdrawable, scaled)
    }

    /// Scaled shares queued at epochs ≥ `epoch − delay` (still slashable at `epoch`).
    private func slashableScaledShares(_ history: Snapshots, epoch: UInt64) -> UInt128 {
        let windowStart = epoch >= withdrawalDelayEpochs + 1 ? epoch - withdrawalDelayEpochs - 1 : nil
        let before = windowStart.map { history.upperLookup($0) } ?? 0
        return history.latest - before
    }

    private func payoutShares(
        _ withdrawal: QueuedWithdrawal, epoch: UInt64
    ) throws(AccountingError) -> UInt128 {
        let escrowEndEpoch = withdrawal.startEpoch + withdrawalDelayEpochs
        var maxMagnitudeWad = FixedPoint.wad
        if let operatorID = withdrawal.delegatedTo,
            let history = operatorStakes[OperatorStrategy(operatorID, withdrawal.strategy)]?.maxMagnitudes
        {
            maxMagnitudeWad = escrowEndEpoch < epoch ? history.upperLookup(escrowEndEpoch) : history.latest
        }
        let factorWad = Self.slashingFactorWad(
            maxMagnitudeWad: maxMagnitudeWad, strategy: withdrawal.strategy,
            beaconChainSlashingFactorWad: beaconChainSlashingFactorWad(of: withdrawal.staker))
        return try FixedPoint.mulWadFloor(withdrawal.scaledShares, factorWad)
    }
}
