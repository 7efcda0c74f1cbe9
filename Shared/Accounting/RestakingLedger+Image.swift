extension RestakingLedger {
    /// Everything a ``RestakingLedger`` is, as plain values: the dense tables in handle order,
    /// with handles as indexes into the image's own arrays. O(stakers × strategies + operators ×
    /// strategies × slash epochs + queued withdrawals), whatever the number of operations.
    ///
    /// Trailing empty positions and stakes are kept as they are (the tables' lengths are part
    /// of the value), so ``init(restoring:)`` gives a ledger `==` to the one imaged.
    public struct Image: Sendable, Equatable {
        public var withdrawalDelayEpochs: UInt64
        /// Strategy IDs in handle order; the first is ``RestakingLedger/beaconChainStrategy``.
        public var strategies: [StrategyID]
        /// Shares slashed and not yet burned, by strategy (as `strategies`).
        public var slashedShares: [UInt128]
        /// Stakers in handle order.
        public var stakers: [StoredStaker]
        /// Operators in handle order (registered, or only named by a slash).
        public var operators: [StoredOperator]
        /// In ascending ID order.
        public var queuedWithdrawals: [StoredWithdrawal]
        public var lastWithdrawalNumber: UInt64
        public var latestEpoch: UInt64

        public init(
            withdrawalDelayEpochs: UInt64, strategies: [StrategyID], slashedShares: [UInt128], stakers: [StoredStaker],
            operators: [StoredOperator], queuedWithdrawals: [StoredWithdrawal], lastWithdrawalNumber: UInt64,
            latestEpoch: UInt64
        ) {
            self.withdrawalDelayEpochs = withdrawalDelayEpochs
            self.strategies = strategies
            self.slashedShares = slashedShares
            self.stakers = stakers
            self.operators = operators
            self.queuedWithdrawals = queuedWithdrawals
            self.lastWithdrawalNumber = lastWithdrawalNumber
            self.latestEpoch = latestEpoch
        }
    }

    public struct StoredPosition: Sendable, Equatable {
        public var depositShares: UInt128
        public var depositScalingFactorWad: UInt128
        public init(depositShares: UInt128, depositScalingFactorWad: UInt128) {
            self.depositShares = depositShares
            self.depositScalingFactorWad = depositScalingFactorWad
        }
    }

    public struct StoredStaker: Sendable, Equatable {
        public var id: StakerID
        /// A handle into ``Image/operators``.
        public var delegatedTo: OperatorHandle?
        public var beaconChainSlashingFactorWad: UInt128
        /// By strategy handle (past the end: none).
        public var positions: [StoredPosition]
        public init(
            id: StakerID, delegatedTo: OperatorHandle?, beaconChainSlashingFactorWad: UInt128, positions: [StoredPosition]
        ) {
            self.id = id
            self.delegatedTo = delegatedTo
            self.beaconChainSlashingFactorWad = beaconChainSlashingFactorWad
            self.positions = positions
        }
    }

    /// One (operator, strategy) entry; the two histories as their keys and values.
    public struct StoredStake: Sendable, Equatable {
        public var shares: UInt128
        public var backingScaledShares: UInt128
        public var maxMagnitudeEpochs: [UInt64]
        public var maxMagnitudesWad: [UInt128]
        public var cumulativeScaledEpochs: [UInt64]
        public var cumulativeScaledShares: [UInt128]
        public init(
            shares: UInt128, backingScaledShares: UInt128, maxMagnitudeEpochs: [UInt64], maxMagnitudesWad: [UInt128],
            cumulativeScaledEpochs: [UInt64], cumulativeScaledShares: [UInt128]
        ) {
            self.shares = shares
            self.backingScaledShares = backingScaledShares
            self.maxMagnitudeEpochs = maxMagnitudeEpochs
            self.maxMagnitudesWad = maxMagnitudesWad
            self.cumulativeScaledEpochs = cumulativeScaledEpochs
            self.cumulativeScaledShares = cumulativeScaledShares
        }
    }

    public struct StoredOperator: Sendable, Equatable {
        public var id: OperatorID
        public var isRegistered: Bool
        /// By strategy handle (past the end: empty).
        public var stakes: [StoredStake]
        public init(id: OperatorID, isRegistered: Bool, stakes: [StoredStake]) {
            self.id = id
            self.isRegistered = isRegistered
            self.stakes = stakes
        }
    }

    public struct StoredWithdrawal: Sendable, Equatable {
        public var id: QueuedWithdrawalID
        public var staker: StakerID
        public var delegatedTo: OperatorID?
        public var strategy: StrategyID
        public var scaledShares: UInt128
        public var startEpoch: UInt64
        public init(
            id: QueuedWithdrawalID, staker: StakerID, delegatedTo: OperatorID?, strategy: StrategyID,
            scaledShares: UInt128, startEpoch: UInt64
        ) {
            self.id = id
            self.staker = staker
            self.delegatedTo = delegatedTo
            self.strategy = strategy
            self.scaledShares = scaledShares
            self.startEpoch = startEpoch
        }
    }

    /// The ledger as an ``Image`` (O(state)).
    public var image: Image {
        Image(
            withdrawalDelayEpochs: withdrawalDelayEpochs, strategies: Array(strategyIDs.ids),
            slashedShares: Array(slashedSharesByStrategyHandle),
            stakers: stakerStates.indices.map { index in
                let state = stakerStates[index]
                return StoredStaker(
                    id: stakerIDs.ids[index], delegatedTo: state.delegatedTo,
                    beaconChainSlashingFactorWad: state.beaconChainSlashingFactorWad,
                    positions: state.positions.map {
                        StoredPosition(depositShares: $0.depositShares, depositScalingFactorWad: $0.depositScalingFactorWad)
                    })
            },
            operators: operatorStates.indices.map { index in
                StoredOperator(
                    id: operatorIDs.ids[index], isRegistered: operatorStates[index].isRegistered,
                    stakes: operatorStates[index].stakes.map { stake in
                        StoredStake(
                            shares: stake.shares, backingScaledShares: stake.backingScaledShares,
                            maxMagnitudeEpochs: stake.maxMagnitudes.epochs, maxMagnitudesWad: stake.maxMagnitudes.values,
                            cumulativeScaledEpochs: stake.cumulativeScaledShares.epochs,
                            cumulativeScaledShares: stake.cumulativeScaledShares.values)
                    })
            },
            queuedWithdrawals: queuedWithdrawals.keys.sorted().map { id in
                let withdrawal = queuedWithdrawals[id]!
                return StoredWithdrawal(
                    id: id, staker: withdrawal.staker, delegatedTo: withdrawal.delegatedTo, strategy: withdrawal.strategy,
                    scaledShares: withdrawal.scaledShares, startEpoch: withdrawal.startEpoch)
            },
            lastWithdrawalNumber: lastWithdrawalNumber, latestEpoch: latestEpoch)
    }

    /// Rebuilds the ledger an ``image`` was read from (`==` to it), validating it first:
    /// - shape (`invalid_image`): the beacon-chain strategy first, no ID twice, one slashed
    ///   count per strategy, positions and stakes no longer than the strategies, handles in
    ///   range, histories with strictly increasing keys no later than ``latestEpoch``,
    ///   cumulative queued shares never falling, an emptied position stored as `(0, WAD)`,
    ///   withdrawals numbered `1…lastWithdrawalNumber` once each and naming known IDs;
    /// - factors: BCSF ≤ WAD (`invalid_wad`), DSF > 0 (`invalid_deposit_scaling_factor`), max
    ///   magnitudes ≤ WAD and never rising (`invalid_magnitude`), a delegator's operator
    ///   registered (`operator_not_registered`);
    /// - backing (`invalid_image`): each stake's ``OperatorStake/backingScaledShares`` equals
    ///   the sum of its delegators' parts, and its shares are at least the sum of their
    ///   withdrawable shares (the invariant the property tests check after every operation).
    public init(restoring image: Image) throws(AccountingError) {
        let strategyCount = image.strategies.count
        guard strategyCount > 0, image.strategies[0] == Self.beaconChainStrategy,
            image.slashedShares.count == strategyCount
        else { throw .invalidImage }
        var ledger = RestakingLedger(withdrawalDelayEpochs: image.withdrawalDelayEpochs)
        for (position, strategy) in image.strategies.enumerated() {
            ledger.register(strategy: strategy)
            guard ledger.strategyIDs.count == position + 1 else { throw .invalidImage }
        }
        ledger.slashedSharesByStrategyHandle = ContiguousArray(image.slashedShares)
        for (position, stored) in image.operators.enumerated() {
            _ = ledger.intern(operator: stored.id)
            guard ledger.operatorIDs.count == position + 1, stored.stakes.count <= strategyCount else {
                throw .invalidImage
            }
            var stakes: ContiguousArray<OperatorStake> = []
            for storedStake in stored.stakes {
                stakes.append(try Self.restoredStake(storedStake, latestEpoch: image.latestEpoch))
            }
            ledger.operatorStates[position] = OperatorState(isRegistered: stored.isRegistered, stakes: stakes)
        }
        for (position, stored) in image.stakers.enumerated() {
            ledger.register(staker: stored.id)
            guard ledger.stakerIDs.count == position + 1, stored.positions.count <= strategyCount else {
                throw .invalidImage
            }
            if let operatorHandle = stored.delegatedTo {
                guard operatorHandle.index >= 0, Int(operatorHandle.index) < image.operators.count else {
                    throw .invalidImage
                }
                guard image.operators[Int(operatorHandle.index)].isRegistered else { throw .operatorNotRegistered }
            }
            guard stored.beaconChainSlashingFactorWad <= FixedPoint.wad else {
                throw .invalidWad(stored.beaconChainSlashingFactorWad)
            }
            var positions: ContiguousArray<Position> = []
            for storedPosition in stored.positions {
                guard storedPosition.depositScalingFactorWad > 0 else { throw .invalidDepositScalingFactor }
                let position = Position(
                    depositShares: storedPosition.depositShares,
                    depositScalingFactorWad: storedPosition.depositScalingFactorWad)
                guard position.depositShares > 0 || position == .empty else { throw .invalidImage }
                positions.append(position)
            }
            ledger.stakerStates[position] = StakerState(
                delegatedTo: stored.delegatedTo, beaconChainSlashingFactorWad: stored.beaconChainSlashingFactorWad,
                positions: positions)
        }
        var previousID: QueuedWithdrawalID? = nil
        for stored in image.queuedWithdrawals {
            guard previousID.map({ $0 < stored.id }) ?? true, stored.id.rawValue >= 1,
                stored.id.rawValue <= image.lastWithdrawalNumber, stored.startEpoch <= image.latestEpoch,
                ledger.handle(of: stored.staker) != nil, ledger.handle(of: stored.strategy) != nil,
                stored.delegatedTo.map({ ledger.handle(of: $0) != nil }) ?? true
            else { throw .invalidImage }
            previousID = stored.id
            ledger.queuedWithdrawals[stored.id] = QueuedWithdrawal(
                staker: stored.staker, delegatedTo: stored.delegatedTo, strategy: stored.strategy,
                scaledShares: stored.scaledShares, startEpoch: stored.startEpoch)
        }
        ledger.lastWithdrawalNumber = image.lastWithdrawalNumber
        ledger.latestEpoch = image.latestEpoch
        try ledger.validateBacking()
        self = ledger
    }

    private static func restoredStake(_ stored: StoredStake, latestEpoch: UInt64) throws(AccountingError) -> OperatorStake {
        var stake = OperatorStake()
        stake.shares = stored.shares
        stake.backingScaledShares = stored.backingScaledShares
        stake.maxMagnitudes = try Snapshots(
            defaultValue: FixedPoint.wad, epochs: stored.maxMagnitudeEpochs, values: stored.maxMagnitudesWad)
        stake.cumulativeScaledShares = try Snapshots(
            defaultValue: 0, epochs: stored.cumulativeScaledEpochs, values: stored.cumulativeScaledShares)
        guard (stored.maxMagnitudeEpochs.last ?? 0) <= latestEpoch, (stored.cumulativeScaledEpochs.last ?? 0) <= latestEpoch
        else { throw .invalidImage }
        var previousMaxWad = FixedPoint.wad
        for maxWad in stored.maxMagnitudesWad {
            guard maxWad <= previousMaxWad else { throw .invalidMagnitude }
            previousMaxWad = maxWad
        }
        var previousCumulative: UInt128 = 0
        for cumulative in stored.cumulativeScaledShares {
            guard cumulative >= previousCumulative else { throw .invalidImage }
            previousCumulative = cumulative
        }
        return stake
    }

    /// Recomputes every stake's backing and withdrawable sum from the delegators (O(stakers ×
    /// strategies)) and compares.
    private func validateBacking() throws(AccountingError) {
        var backing: [[UInt128]] = operatorStates.map { Array(repeating: 0, count: $0.stakes.count) }
        var withdrawable = backing
        for account in stakerStates {
            guard let operatorHandle = account.delegatedTo else { continue }
            let operatorIndex = Int(operatorHandle.index)
            for strategyIndex in account.positions.indices where account.positions[strategyIndex].depositShares > 0 {
                guard strategyIndex < backing[operatorIndex].count else { throw .invalidImage }
                let strategy = StrategyHandle(index: Int32(strategyIndex))
                let position = account.positions[strategyIndex]
                backing[operatorIndex][strategyIndex] = try FixedPoint.add(
                    backing[operatorIndex][strategyIndex], Self.backingScaled(account, strategy))
                withdrawable[operatorIndex][strategyIndex] = try FixedPoint.add(
                    withdrawable[operatorIndex][strategyIndex],
                    Self.withdrawable(
                        depositShares: position.depositShares, scalingFactorWad: position.depositScalingFactorWad,
                        slashingFactorWad: slashingFactorWad(account, strategy)))
            }
        }
        for (operatorIndex, state) in operatorStates.enumerated() {
            for (strategyIndex, stake) in state.stakes.enumerated() {
                guard stake.backingScaledShares == backing[operatorIndex][strategyIndex],
                    stake.shares >= withdrawable[operatorIndex][strategyIndex]
                else { throw .invalidImage }
            }
        }
    }
}
