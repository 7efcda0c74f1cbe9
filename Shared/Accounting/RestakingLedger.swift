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
/// Stakers, operators and strategies are interned into dense handles (``StakerHandle``,
/// ``OperatorHandle``, ``StrategyHandle``, issued by this ledger): stakers' state is one
/// contiguous array, each staker's positions and each operator's stakes are arrays indexed by
/// strategy handle, so the hot operations (``withdrawableShares(of:strategy:)-(StakerHandle,_)``,
/// ``slashOperatorShares(operator:strategy:newMaxMagnitudeWad:epoch:)-(OperatorHandle,_,_,_)``)
/// do no hashing. Every operation has an ID form; the beacon-chain strategy is always handle 0.
///
/// Invariant (property-tested): an operator's shares are at least the sum of its delegators'
/// withdrawable shares. Epochs passed to operations must not decrease.
public struct RestakingLedger: Sendable, Equatable {
    /// Native ETH restaked through a pod: 1 share = 1 wei. Always ``StrategyHandle`` 0.
    public static let beaconChainStrategy: StrategyID = "beaconChainETH"
    /// 14 days.
    public static let defaultWithdrawalDelayEpochs: UInt64 = 3150

    /// Escrow of a queued withdrawal: slashable through `start + delay`, completable after.
    public let withdrawalDelayEpochs: UInt64

    /// A staker's holding in one strategy. No position is `(0, WAD)`.
    public struct Position: Sendable, Equatable {
        public internal(set) var depositShares: UInt128
        /// Stored as WAD when reset (EigenLayer stores 0 meaning WAD).
        public internal(set) var depositScalingFactorWad: UInt128

        static let empty = Position(depositShares: 0, depositScalingFactorWad: FixedPoint.wad)
    }

    /// A staker as services read it (built by ``stakers``).
    public struct Staker: Sendable, Equatable {
        public internal(set) var delegatedTo: OperatorID?
        public internal(set) var beaconChainSlashingFactorWad: UInt128 = FixedPoint.wad
        public internal(set) var positions: [StrategyID: Position] = [:]
    }

    /// A staker's stored state: positions by strategy handle index (past the end: none).
    struct StakerState: Sendable, Equatable {
        var delegatedTo: OperatorHandle?
        var beaconChainSlashingFactorWad: UInt128 = FixedPoint.wad
        var positions: ContiguousArray<Position> = []

        @inline(__always)
        func position(_ strategy: StrategyHandle) -> Position {
            let index = Int(strategy.index)
            return index < positions.count ? positions[index] : .empty
        }

        mutating func setPosition(_ position: Position, _ strategy: StrategyHandle) {
            let index = Int(strategy.index)
            while positions.count <= index { positions.append(.empty) }
            positions[index] = position
        }
    }

    /// An (operator, strategy) pair, by ID (the ``operatorStakes`` view; ``AllocationBook``'s
    /// keys). Hashes the IDs' cached hashes with a cheap mix, like ``TypedID``.
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

    /// Everything kept per (operator, strategy), in one entry so a slash is one array access.
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

        static let empty = OperatorStake()
    }

    /// Staker IDs by handle; `stakerStates` is indexed alike.
    public private(set) var stakerIDs = IDTable<StakerTag>()
    var stakerStates: ContiguousArray<StakerState> = []
    /// Operator IDs by handle (registered or only slashed); `operatorStates` is indexed alike.
    public private(set) var operatorIDs = IDTable<OperatorTag>()
    /// Per operator: registered, and its stakes by strategy handle index (past the end: empty).
    struct OperatorState: Sendable, Equatable {
        var isRegistered = false
        var stakes: ContiguousArray<OperatorStake> = []
    }
    var operatorStates: ContiguousArray<OperatorState> = []
    /// Strategy IDs by handle; handle 0 is ``beaconChainStrategy``.
    public private(set) var strategyIDs = IDTable<StrategyTag>()
    /// Shares slashed and not yet burned, by strategy handle index.
    var slashedSharesByStrategyHandle: ContiguousArray<UInt128> = []
    public internal(set) var queuedWithdrawals: [QueuedWithdrawalID: QueuedWithdrawal] = [:]
    public internal(set) var lastWithdrawalNumber: UInt64 = 0
    /// The latest epoch any operation named.
    public internal(set) var latestEpoch: UInt64 = 0

    public init(withdrawalDelayEpochs: UInt64 = RestakingLedger.defaultWithdrawalDelayEpochs) {
        self.withdrawalDelayEpochs = withdrawalDelayEpochs
        let beaconChain = register(strategy: Self.beaconChainStrategy)
        assert(beaconChain.index == 0)
    }

    // MARK: Handles

    public func handle(of staker: StakerID) -> StakerHandle? { stakerIDs.handle(of: staker) }
    public func handle(of operatorID: OperatorID) -> OperatorHandle? { operatorIDs.handle(of: operatorID) }
    public func handle(of strategy: StrategyID) -> StrategyHandle? { strategyIDs.handle(of: strategy) }

    /// The staker's handle, registering it (with nothing) when new. Idempotent.
    @discardableResult
    public mutating func register(staker: StakerID) -> StakerHandle {
        let handle = stakerIDs.intern(staker)
        if Int(handle.index) == stakerStates.count { stakerStates.append(StakerState()) }
        return handle
    }

    /// The strategy's handle, registering it when new. Idempotent.
    @discardableResult
    public mutating func register(strategy: StrategyID) -> StrategyHandle {
        let handle = strategyIDs.intern(strategy)
        if Int(handle.index) == slashedSharesByStrategyHandle.count { slashedSharesByStrategyHandle.append(0) }
        return handle
    }

    /// An operator's handle without registering it as an operator (a slash may name one).
    mutating func intern(operator operatorID: OperatorID) -> OperatorHandle {
        let handle = operatorIDs.intern(operatorID)
        if Int(handle.index) == operatorStates.count { operatorStates.append(OperatorState()) }
        return handle
    }

    /// How many stakers, operators and strategies were registered: an ID-form operation
    /// registers new IDs, calls the handle form (which validates everything before its first
    /// write) and rolls the registrations back if that fails, so a failure changes nothing.
    struct RegistrationMark {
        let stakers: Int
        let operators: Int
        let strategies: Int
    }

    var registrationMark: RegistrationMark {
        RegistrationMark(stakers: stakerIDs.count, operators: operatorIDs.count, strategies: strategyIDs.count)
    }

    mutating func rollBack(to mark: RegistrationMark) {
        stakerIDs.truncate(to: mark.stakers)
        stakerStates.removeLast(stakerStates.count - mark.stakers)
        operatorIDs.truncate(to: mark.operators)
        operatorStates.removeLast(operatorStates.count - mark.operators)
        strategyIDs.truncate(to: mark.strategies)
        slashedSharesByStrategyHandle.removeLast(slashedSharesByStrategyHandle.count - mark.strategies)
    }

    @inline(__always)
    static func isBeaconChain(_ strategy: StrategyHandle) -> Bool { strategy.index == 0 }

    @inline(__always)
    func stake(_ operatorHandle: OperatorHandle, _ strategy: StrategyHandle) -> OperatorStake {
        let stakes = operatorStates[Int(operatorHandle.index)].stakes
        let index = Int(strategy.index)
        return index < stakes.count ? stakes[index] : .empty
    }

    /// In-place access to an (operator, strategy) entry, created empty when absent.
    mutating func withStake<Result>(
        _ operatorHandle: OperatorHandle, _ strategy: StrategyHandle, _ body: (inout OperatorStake) -> Result
    ) -> Result {
        let index = Int(strategy.index)
        let operatorIndex = Int(operatorHandle.index)
        while operatorStates[operatorIndex].stakes.count <= index {
            operatorStates[operatorIndex].stakes.append(OperatorStake())
        }
        return body(&operatorStates[operatorIndex].stakes[index])
    }

    @inline(__always)
    func state(_ staker: StakerID) -> StakerState? {
        stakerIDs.handle(of: staker).map { stakerStates[Int($0.index)] }
    }

    // MARK: Views

    /// Every staker with its positions, by ID. Built on each call (O(stakers)): for audits and
    /// tests, not for hot paths.
    public var stakers: [StakerID: Staker] {
        var table: [StakerID: Staker] = [:]
        for (position, state) in stakerStates.enumerated() {
            table[stakerIDs.ids[position]] = view(of: state)
        }
        return table
    }

    func view(of state: StakerState) -> Staker {
        var positions: [StrategyID: Position] = [:]
        for (index, position) in state.positions.enumerated() where position.depositShares > 0 {
            positions[strategyIDs.ids[index]] = position
        }
        return Staker(
            delegatedTo: state.delegatedTo.map { operatorIDs[$0] },
            beaconChainSlashingFactorWad: state.beaconChainSlashingFactorWad, positions: positions)
    }

    /// Registered operators.
    public var operators: Set<OperatorID> {
        Set(operatorStates.indices.filter { operatorStates[$0].isRegistered }.map { operatorIDs.ids[$0] })
    }

    /// Every (operator, strategy) entry that is not empty. Built on each call.
    public var operatorStakes: [OperatorStrategy: OperatorStake] {
        var table: [OperatorStrategy: OperatorStake] = [:]
        for (operatorIndex, state) in operatorStates.enumerated() {
            for (strategyIndex, stake) in state.stakes.enumerated() where stake != .empty {
                table[OperatorStrategy(operatorIDs.ids[operatorIndex], strategyIDs.ids[strategyIndex])] = stake
            }
        }
        return table
    }

    /// Shares slashed and not yet burned from the strategy, per strategy (nonzero only).
    public var slashedSharesByStrategy: [StrategyID: UInt128] {
        var table: [StrategyID: UInt128] = [:]
        for (index, shares) in slashedSharesByStrategyHandle.enumerated() where shares > 0 {
            table[strategyIDs.ids[index]] = shares
        }
        return table
    }

    /// The operator's current max magnitude for `strategy`, WAD.
    public func maxMagnitudeWad(of operatorID: OperatorID, strategy: StrategyID) -> UInt128 {
        guard let operatorHandle = handle(of: operatorID), let strategyHandle = handle(of: strategy) else {
            return FixedPoint.wad
        }
        return stake(operatorHandle, strategyHandle).maxMagnitudes.latest
    }

    public func depositShares(of staker: StakerID, strategy: StrategyID) -> UInt128 {
        guard let state = state(staker), let strategyHandle = handle(of: strategy) else { return 0 }
        return state.position(strategyHandle).depositShares
    }

    public func depositScalingFactorWad(of staker: StakerID, strategy: StrategyID) -> UInt128 {
        guard let state = state(staker), let strategyHandle = handle(of: strategy) else { return FixedPoint.wad }
        return state.position(strategyHandle).depositScalingFactorWad
    }

    public func beaconChainSlashingFactorWad(of staker: StakerID) -> UInt128 {
        state(staker)?.beaconChainSlashingFactorWad ?? FixedPoint.wad
    }

    public func delegatedOperator(of staker: StakerID) -> OperatorID? {
        state(staker)?.delegatedTo.map { operatorIDs[$0] }
    }

    public func operatorShares(of operatorID: OperatorID, strategy: StrategyID) -> UInt128 {
        guard let operatorHandle = handle(of: operatorID), let strategyHandle = handle(of: strategy) else { return 0 }
        return stake(operatorHandle, strategyHandle).shares
    }

    /// `maxMagnitude` of the staker's operator (WAD if undelegated), times BCSF for native ETH.
    public func slashingFactorWad(of staker: StakerID, strategy: StrategyID) -> UInt128 {
        let account = state(staker) ?? StakerState()
        let operatorMaxWad = handle(of: strategy).map { slashingFactorWad(account, $0) }
        return operatorMaxWad ?? Self.slashingFactorWad(
            maxMagnitudeWad: FixedPoint.wad, strategy: strategy,
            beaconChainSlashingFactorWad: account.beaconChainSlashingFactorWad)
    }

    /// The operator's latest max magnitude, read in place (copying the entry would retain and
    /// release its four history buffers).
    @inline(__always)
    func latestMaxMagnitudeWad(_ operatorHandle: OperatorHandle, _ strategy: StrategyHandle) -> UInt128 {
        let operatorIndex = Int(operatorHandle.index)
        let strategyIndex = Int(strategy.index)
        guard strategyIndex < operatorStates[operatorIndex].stakes.count else { return FixedPoint.wad }
        return operatorStates[operatorIndex].stakes[strategyIndex].maxMagnitudes.latest
    }

    @inline(__always)
    func slashingFactorWad(_ account: StakerState, _ strategy: StrategyHandle) -> UInt128 {
        let maxWad = account.delegatedTo.map { latestMaxMagnitudeWad($0, strategy) } ?? FixedPoint.wad
        return Self.slashingFactorWad(
            maxMagnitudeWad: maxWad, isBeaconChain: Self.isBeaconChain(strategy),
            beaconChainSlashingFactorWad: account.beaconChainSlashingFactorWad)
    }

    /// `floor(floor(depositShares × DSF / WAD) × slashingFactor / WAD)`. Two array accesses
    /// (the staker, its operator's stake) and two divisions by WAD.
    public func withdrawableShares(
        of staker: StakerHandle, strategy: StrategyHandle
    ) throws(AccountingError) -> UInt128 {
        // Field by field, in place: copying the staker would retain its positions buffer.
        let stakerIndex = Int(staker.index)
        let strategyIndex = Int(strategy.index)
        guard strategyIndex < stakerStates[stakerIndex].positions.count else { return 0 }
        let position = stakerStates[stakerIndex].positions[strategyIndex]
        guard position.depositShares > 0 else { return 0 }
        let maxWad = stakerStates[stakerIndex].delegatedTo.map { latestMaxMagnitudeWad($0, strategy) } ?? FixedPoint.wad
        let factorWad = Self.slashingFactorWad(
            maxMagnitudeWad: maxWad, isBeaconChain: Self.isBeaconChain(strategy),
            beaconChainSlashingFactorWad: stakerStates[stakerIndex].beaconChainSlashingFactorWad)
        return try Self.withdrawable(
            depositShares: position.depositShares, scalingFactorWad: position.depositScalingFactorWad,
            slashingFactorWad: factorWad)
    }

    /// ``withdrawableShares(of:strategy:)-(StakerHandle,_)`` by ID.
    public func withdrawableShares(
        of staker: StakerID, strategy: StrategyID
    ) throws(AccountingError) -> UInt128 {
        guard let stakerHandle = handle(of: staker), let strategyHandle = handle(of: strategy) else { return 0 }
        return try withdrawableShares(of: stakerHandle, strategy: strategyHandle)
    }

    /// Scaled shares queued within the last `delay + 1` epochs, valued at the current max
    /// magnitude: what a slash at `epoch` would still reach in the escrow.
    public func slashableSharesInQueue(
        operator operatorID: OperatorID, strategy: StrategyID, epoch: UInt64
    ) throws(AccountingError) -> UInt128 {
        guard let operatorHandle = handle(of: operatorID), let strategyHandle = handle(of: strategy) else { return 0 }
        let entry = stake(operatorHandle, strategyHandle)
        return try FixedPoint.mulWadFloor(
            slashableScaledShares(entry.cumulativeScaledShares, epoch: epoch), entry.maxMagnitudes.latest)
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
        if let existing = handle(of: operatorID), operatorStates[Int(existing.index)].isRegistered {
            throw .operatorAlreadyRegistered
        }
        let handle = intern(operator: operatorID)
        operatorStates[Int(handle.index)].isRegistered = true
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
        let mark = registrationMark
        let stakerHandle = register(staker: staker)
        let strategyHandle = register(strategy: strategy)
        do { try addShares(shares, to: stakerHandle, strategy: strategyHandle) } catch {
            rollBack(to: mark)
            throw error
        }
    }

    /// ``addShares(_:to:strategy:)`` by handle.
    public mutating func addShares(
        _ shares: UInt128, to staker: StakerHandle, strategy: StrategyHandle
    ) throws(AccountingError) {
        guard shares > 0 else { throw .amountZero }
        var account = stakerStates[Int(staker.index)]
        let factorWad = slashingFactorWad(account, strategy)
        guard factorWad > 0 else { throw .fullySlashed }
        let position = account.position(strategy)
        let newScalingFactorWad = try Self.updatedScalingFactorWad(
            previousDepositShares: position.depositShares,
            scalingFactorWad: position.depositScalingFactorWad, addedShares: shares,
            slashingFactorWad: factorWad)
        let newDepositShares = try FixedPoint.add(position.depositShares, shares)
        let oldBacking = try Self.backingScaled(account, strategy)
        account.setPosition(
            Position(depositShares: newDepositShares, depositScalingFactorWad: newScalingFactorWad), strategy)
        if let operatorHandle = account.delegatedTo {
            let newOperatorShares = try FixedPoint.add(stake(operatorHandle, strategy).shares, shares)
            let newBacking = try replacedBacking(
                operatorHandle, strategy, old: oldBacking, new: Self.backingScaled(account, strategy))
            withStake(operatorHandle, strategy) { stake in
                stake.shares = newOperatorShares
                stake.backingScaledShares = newBacking
            }
        }
        stakerStates[Int(staker.index)] = account
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
        guard let operatorHandle = handle(of: operatorID), operatorStates[Int(operatorHandle.index)].isRegistered
        else { throw .operatorNotRegistered }
        let mark = registrationMark
        let stakerHandle = register(staker: staker)
        do { try delegate(stakerHandle, to: operatorHandle) } catch {
            rollBack(to: mark)
            throw error
        }
    }

    /// ``delegate(_:to:)`` by handle.
    public mutating func delegate(
        _ staker: StakerHandle, to operatorHandle: OperatorHandle
    ) throws(AccountingError) {
        guard operatorStates[Int(operatorHandle.index)].isRegistered else { throw .operatorNotRegistered }
        var account = stakerStates[Int(staker.index)]
        guard account.delegatedTo == nil else { throw .stakerAlreadyDelegated }
        var newOperatorShares: [(StrategyHandle, UInt128, UInt128)] = []
        // In strategy ID order, as before handles (only the order of the checks depends on it).
        let strategies = account.positions.indices
            .filter { account.positions[$0].depositShares > 0 }
            .map { StrategyHandle(index: Int32($0)) }
            .sorted { strategyIDs[$0] < strategyIDs[$1] }
        for strategy in strategies {
            let position = account.position(strategy)
            let added = Self.isBeaconChain(strategy)
                ? try Self.withdrawable(
                    depositShares: position.depositShares,
                    scalingFactorWad: position.depositScalingFactorWad,
                    slashingFactorWad: account.beaconChainSlashingFactorWad)
                : position.depositShares
            let operatorStake = stake(operatorHandle, strategy)
            let operatorMaxWad = operatorStake.maxMagnitudes.latest
            guard operatorMaxWad > 0 else { throw .fullySlashed }
            var scalingFactorWad = try FixedPoint.divWadFloor(position.depositScalingFactorWad, operatorMaxWad)
            // Re-basing on the operator can round the staker's withdrawable shares one above what
            // the operator gains (found by the property tests, with a BCSF below WAD). Cap the
            // DSF at the largest value whose withdrawable shares do not exceed `added`:
            // scaled ≤ A = ceil((added + 1) × WAD / sf) − 1, DSF ≤ ceil((A + 1) × WAD / ds) − 1.
            let factorAfterWad = Self.slashingFactorWad(
                maxMagnitudeWad: operatorMaxWad, isBeaconChain: Self.isBeaconChain(strategy),
                beaconChainSlashingFactorWad: account.beaconChainSlashingFactorWad)
            if factorAfterWad > 0 && position.depositShares > 0 {
                let scaledMax = try FixedPoint.mulDivCeil(
                    FixedPoint.add(added, 1), FixedPoint.wad, factorAfterWad) - 1
                let scalingFactorMaxWad = try FixedPoint.mulDivCeil(
                    FixedPoint.add(scaledMax, 1), FixedPoint.wad, position.depositShares) - 1
                scalingFactorWad = min(scalingFactorWad, scalingFactorMaxWad)
            }
            guard scalingFactorWad > 0 else { throw .invalidDepositScalingFactor }
            account.setPosition(
                Position(depositShares: position.depositShares, depositScalingFactorWad: scalingFactorWad), strategy)
            newOperatorShares.append((
                strategy, try FixedPoint.add(operatorStake.shares, added),
                try replacedBacking(operatorHandle, strategy, old: 0, new: Self.backingScaled(account, strategy))))
        }
        account.delegatedTo = operatorHandle
        for (strategy, shares, backing) in newOperatorShares {
            withStake(operatorHandle, strategy) { stake in
                stake.shares = shares
                stake.backingScaledShares = backing
            }
        }
        stakerStates[Int(staker.index)] = account
    }

    /// Undelegates `staker`, queueing a withdrawal of every position (one per strategy, in
    /// strategy order).
    /// - Throws: `staker_not_delegated`, `epoch_in_past`, `overflow`.
    @discardableResult
    public mutating func undelegate(
        _ staker: StakerID, epoch: UInt64
    ) throws(AccountingError) -> [QueuedWithdrawalID] {
        guard let stakerHandle = handle(of: staker), stakerStates[Int(stakerHandle.index)].delegatedTo != nil
        else { throw .stakerNotDelegated }
        guard epoch >= latestEpoch else { throw .epochInPast }
        let account = stakerStates[Int(stakerHandle.index)]
        let strategies = account.positions.indices
            .filter { account.positions[$0].depositShares > 0 }
            .map { StrategyHandle(index: Int32($0)) }
            .sorted { strategyIDs[$0] < strategyIDs[$1] }
        // Validate every queue step before changing anything.
        for strategy in strategies {
            _ = try queueValues(account, strategy, account.position(strategy).depositShares)
        }
        var ids: [QueuedWithdrawalID] = []
        for strategy in strategies {
            let shares = account.position(strategy).depositShares
            ids.append(try queueWithdrawal(shares, of: stakerHandle, strategy: strategy, epoch: epoch))
        }
        stakerStates[Int(stakerHandle.index)].delegatedTo = nil
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
        guard let stakerHandle = handle(of: staker) else {
            throw depositShares == 0 ? .amountZero : .insufficientBalance(available: 0, required: depositShares)
        }
        guard let strategyHandle = handle(of: strategy) else {
            throw depositShares == 0 ? .amountZero : .insufficientBalance(available: 0, required: depositShares)
        }
        return try queueWithdrawal(depositShares, of: stakerHandle, strategy: strategyHandle, epoch: epoch)
    }

    /// ``queueWithdrawal(_:of:strategy:epoch:)`` by handle.
    @discardableResult
    public mutating func queueWithdrawal(
        _ depositShares: UInt128, of staker: StakerHandle, strategy: StrategyHandle, epoch: UInt64
    ) throws(AccountingError) -> QueuedWithdrawalID {
        guard epoch >= latestEpoch else { throw .epochInPast }
        let account = stakerStates[Int(staker.index)]
        let (withdrawable, scaled) = try queueValues(account, strategy, depositShares)
        var newCumulative: UInt128? = nil
        var newBacking: UInt128? = nil
        if let operatorHandle = account.delegatedTo {
            newCumulative = try FixedPoint.add(
                stake(operatorHandle, strategy).cumulativeScaledShares.latest, scaled)
            var remaining = account
            var position = remaining.position(strategy)
            position.depositShares -= depositShares
            remaining.setPosition(position, strategy)
            newBacking = try replacedBacking(
                operatorHandle, strategy, old: Self.backingScaled(account, strategy),
                new: Self.backingScaled(remaining, strategy))
        }
        // Mutate.
        latestEpoch = epoch
        if let operatorHandle = account.delegatedTo, let newCumulative, let newBacking {
            withStake(operatorHandle, strategy) { stake in
                stake.backingScaledShares = newBacking
                // shares ≥ Σ withdrawable holds by the backing bound; never go below zero anyway.
                stake.shares -= min(stake.shares, withdrawable)
                stake.cumulativeScaledShares.push(newCumulative, at: epoch)
            }
        }
        let position = account.position(strategy)
        if position.depositShares == depositShares {
            // Reset: the next deposit starts from DSF = WAD.
            stakerStates[Int(staker.index)].setPosition(.empty, strategy)
        } else {
            stakerStates[Int(staker.index)].setPosition(
                Position(
                    depositShares: position.depositShares - depositShares,
                    depositScalingFactorWad: position.depositScalingFactorWad), strategy)
        }
        lastWithdrawalNumber += 1
        let id = QueuedWithdrawalID(lastWithdrawalNumber)
        queuedWithdrawals[id] = QueuedWithdrawal(
            staker: stakerIDs[staker], delegatedTo: account.delegatedTo.map { operatorIDs[$0] },
            strategy: strategyIDs[strategy], scaledShares: scaled, startEpoch: epoch)
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
        operator operatorHandle: OperatorHandle, strategy: StrategyHandle, newMaxMagnitudeWad: UInt128, epoch: UInt64
    ) throws(AccountingError) -> SlashOutcome {
        guard epoch >= latestEpoch else { throw .epochInPast }
        let operatorIndex = Int(operatorHandle.index)
        let strategyIndex = Int(strategy.index)
        var previousMaxWad = FixedPoint.wad
        var currentShares: UInt128 = 0
        var backingScaled: UInt128 = 0
        var queuedScaled: UInt128 = 0
        let hasStake = strategyIndex < operatorStates[operatorIndex].stakes.count
        if hasStake {
            // Read in place: no copy of the entry's histories.
            previousMaxWad = operatorStates[operatorIndex].stakes[strategyIndex].maxMagnitudes.latest
            currentShares = operatorStates[operatorIndex].stakes[strategyIndex].shares
            backingScaled = operatorStates[operatorIndex].stakes[strategyIndex].backingScaledShares
            // Nothing ever queued (the usual case): no look into the history.
            if operatorStates[operatorIndex].stakes[strategyIndex].cumulativeScaledShares.latest > 0 {
                queuedScaled = slashableScaledShares(
                    operatorStates[operatorIndex].stakes[strategyIndex].cumulativeScaledShares, epoch: epoch)
            }
        }
        guard newMaxMagnitudeWad <= previousMaxWad else { throw .invalidMagnitude }
        // EigenLayer's amount, lowered if needed so that the operator still backs its stakers.
        // What remains, ceil(shares × new / prev), is at least backing × new / WAD whenever
        // shares × WAD ≥ backing × prev (the usual case), so only the other case computes it.
        var operatorSlashed = try Self.slashedAmount(currentShares, previousMaxWad, newMaxMagnitudeWad)
        if FixedPoint.multiplyFullWidth(currentShares, FixedPoint.wad)
            < FixedPoint.multiplyFullWidth(backingScaled, previousMaxWad)
        {
            let backingAfter = try FixedPoint.mulWadFloor(backingScaled, newMaxMagnitudeWad)
            operatorSlashed = min(operatorSlashed, currentShares - min(currentShares, backingAfter))
        }
        let queuedShares = previousMaxWad == 0 || queuedScaled == 0
            ? 0 : try FixedPoint.mulWadFloor(queuedScaled, previousMaxWad)
        let queuedSlashed = try Self.slashedAmount(queuedShares, previousMaxWad, newMaxMagnitudeWad)
        let newSlashedTotal = try FixedPoint.add(
            slashedSharesByStrategyHandle[strategyIndex], try FixedPoint.add(operatorSlashed, queuedSlashed))
        latestEpoch = epoch
        if hasStake {
            // One in-place access for both writes.
            Self.record(
                &operatorStates[operatorIndex].stakes[strategyIndex], shares: currentShares - operatorSlashed,
                maxMagnitudeWad: newMaxMagnitudeWad, epoch: epoch)
        } else {
            withStake(operatorHandle, strategy) { $0.maxMagnitudes.push(newMaxMagnitudeWad, at: epoch) }
        }
        slashedSharesByStrategyHandle[strategyIndex] = newSlashedTotal
        return SlashOutcome(
            previousMaxMagnitudeWad: previousMaxWad, newMaxMagnitudeWad: newMaxMagnitudeWad,
            operatorSharesSlashed: operatorSlashed, queuedSharesSlashed: queuedSlashed)
    }

    /// ``slashOperatorShares(operator:strategy:newMaxMagnitudeWad:epoch:)-(OperatorHandle,_,_,_)``
    /// by ID (a new operator or strategy is registered once the slash is known to succeed).
    @discardableResult
    public mutating func slashOperatorShares(
        operator operatorID: OperatorID, strategy: StrategyID, newMaxMagnitudeWad: UInt128, epoch: UInt64
    ) throws(AccountingError) -> SlashOutcome {
        let mark = registrationMark
        let operatorHandle = intern(operator: operatorID)
        let strategyHandle = register(strategy: strategy)
        do {
            return try slashOperatorShares(
                operator: operatorHandle, strategy: strategyHandle, newMaxMagnitudeWad: newMaxMagnitudeWad, epoch: epoch)
        } catch {
            rollBack(to: mark)
            throw error
        }
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
        let mark = registrationMark
        let stakerHandle = register(staker: staker)
        do {
            return try recordBeaconChainBalanceDecrease(
                of: stakerHandle, previousRestakedBalanceWei: previousRestakedBalanceWei, decreaseWei: decreaseWei)
        } catch {
            rollBack(to: mark)
            throw error
        }
    }

    /// ``recordBeaconChainBalanceDecrease(of:previousRestakedBalanceWei:decreaseWei:)`` by handle.
    @discardableResult
    public mutating func recordBeaconChainBalanceDecrease(
        of staker: StakerHandle, previousRestakedBalanceWei: UInt128, decreaseWei: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard decreaseWei > 0, previousRestakedBalanceWei > 0 else { throw .amountZero }
        guard decreaseWei <= previousRestakedBalanceWei else {
            throw .insufficientBalance(available: previousRestakedBalanceWei, required: decreaseWei)
        }
        let account = stakerStates[Int(staker.index)]
        let previousFactorWad = account.beaconChainSlashingFactorWad
        let newFactorWad = try FixedPoint.mulDivFloor(
            previousFactorWad, previousRestakedBalanceWei - decreaseWei, previousRestakedBalanceWei)
        var removed: UInt128 = 0
        let strategy = StrategyHandle(index: 0)
        var updated = account
        updated.beaconChainSlashingFactorWad = newFactorWad
        let position = account.position(strategy)
        if let operatorHandle = account.delegatedTo, position.depositShares > 0 {
            let newBacking = try replacedBacking(
                operatorHandle, strategy, old: Self.backingScaled(account, strategy),
                new: Self.backingScaled(updated, strategy))
            let scaled = try FixedPoint.mulWadFloor(position.depositShares, position.depositScalingFactorWad)
            let factorDecrease = try FixedPoint.mulWadFloor(
                stake(operatorHandle, strategy).maxMagnitudes.latest, previousFactorWad - newFactorWad)
            removed = try FixedPoint.mulWadFloor(scaled, factorDecrease)
            let current = stake(operatorHandle, strategy).shares
            removed = min(removed, current)
            withStake(operatorHandle, strategy) { stake in
                stake.shares = current - removed
                stake.backingScaledShares = newBacking
            }
        }
        stakerStates[Int(staker.index)] = updated
        return removed
    }

    /// Hands over the shares slashed from `strategy` so the caller can burn them from the
    /// strategy pool; resets the count.
    public mutating func takeSlashedShares(of strategy: StrategyID) -> UInt128 {
        guard let strategyHandle = handle(of: strategy) else { return 0 }
        let shares = slashedSharesByStrategyHandle[Int(strategyHandle.index)]
        slashedSharesByStrategyHandle[Int(strategyHandle.index)] = 0
        return shares
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
        slashingFactorWad(
            maxMagnitudeWad: maxMagnitudeWad, isBeaconChain: strategy == beaconChainStrategy,
            beaconChainSlashingFactorWad: beaconChainSlashingFactorWad)
    }

    @inline(__always)
    static func slashingFactorWad(
        maxMagnitudeWad: UInt128, isBeaconChain: Bool, beaconChainSlashingFactorWad: UInt128
    ) -> UInt128 {
        guard isBeaconChain else { return maxMagnitudeWad }
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
        // Nothing to slash (no division): the formula gives 0 too.
        guard previousMaxWad > 0, shares > 0 else { return 0 }
        return shares - (try FixedPoint.mulDivCeil(shares, newMaxWad, previousMaxWad))
    }

    /// A slashed stake's new shares and max magnitude.
    @inline(__always)
    private static func record(
        _ stake: inout OperatorStake, shares: UInt128, maxMagnitudeWad: UInt128, epoch: UInt64
    ) {
        stake.shares = shares
        stake.maxMagnitudes.push(maxMagnitudeWad, at: epoch)
    }

    // MARK: Helpers

    /// A delegator's part of ``OperatorStake/backingScaledShares``: `floor(ds × DSF / WAD)`, times BCSF / WAD
    /// rounded up for native ETH.
    static func backingScaled(
        _ account: StakerState, _ strategy: StrategyHandle
    ) throws(AccountingError) -> UInt128 {
        let position = account.position(strategy)
        guard position.depositShares > 0 else { return 0 }
        let scaled = try FixedPoint.mulWadFloor(position.depositShares, position.depositScalingFactorWad)
        guard isBeaconChain(strategy) else { return scaled }
        return try FixedPoint.mulWadCeil(scaled, account.beaconChainSlashingFactorWad)
    }

    private func replacedBacking(
        _ operatorHandle: OperatorHandle, _ strategy: StrategyHandle, old: UInt128, new: UInt128
    ) throws(AccountingError) -> UInt128 {
        let current = stake(operatorHandle, strategy).backingScaledShares
        precondition(old <= current, "a delegator's backing is part of its operator's")
        return try FixedPoint.add(current - old, new)
    }

    private func queueValues(
        _ account: StakerState, _ strategy: StrategyHandle, _ depositShares: UInt128
    ) throws(AccountingError) -> (withdrawable: UInt128, scaled: UInt128) {
        guard depositShares > 0 else { throw .amountZero }
        let position = account.position(strategy)
        guard position.depositShares > 0, depositShares <= position.depositShares else {
            throw .insufficientBalance(available: position.depositShares, required: depositShares)
        }
        let withdrawable = try Self.withdrawable(
            depositShares: depositShares, scalingFactorWad: position.depositScalingFactorWad,
            slashingFactorWad: slashingFactorWad(account, strategy))
        let scaled = try FixedPoint.mulWadFloor(depositShares, position.depositScalingFactorWad)
        return (withdrawable, scaled)
    }

    /// Scaled shares queued at epochs ≥ `epoch − delay` (still slashable at `epoch`).
    @inline(__always)
    private func slashableScaledShares(_ history: Snapshots, epoch: UInt64) -> UInt128 {
        let latest = history.latest
        guard latest > 0 else { return 0 }
        let windowStart = epoch >= withdrawalDelayEpochs + 1 ? epoch - withdrawalDelayEpochs - 1 : nil
        let before = windowStart.map { history.upperLookup($0) } ?? 0
        return latest - before
    }

    private func payoutShares(
        _ withdrawal: QueuedWithdrawal, epoch: UInt64
    ) throws(AccountingError) -> UInt128 {
        let escrowEndEpoch = withdrawal.startEpoch + withdrawalDelayEpochs
        var maxMagnitudeWad = FixedPoint.wad
        if let operatorID = withdrawal.delegatedTo, let operatorHandle = handle(of: operatorID),
            let strategyHandle = handle(of: withdrawal.strategy)
        {
            let history = stake(operatorHandle, strategyHandle).maxMagnitudes
            maxMagnitudeWad = escrowEndEpoch < epoch ? history.upperLookup(escrowEndEpoch) : history.latest
        }
        let factorWad = Self.slashingFactorWad(
            maxMagnitudeWad: maxMagnitudeWad, strategy: withdrawal.strategy,
            beaconChainSlashingFactorWad: beaconChainSlashingFactorWad(of: withdrawal.staker))
        return try FixedPoint.mulWadFloor(withdrawal.scaledShares, factorWad)
    }
}
