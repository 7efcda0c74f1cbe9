/// EigenLayer's AllocationManager: operators allocate magnitude (WAD = all of their stake) per
/// (operator set, strategy); allocations take effect after the operator's allocation delay,
/// deallocations after ``deallocationDelayEpochs`` + 1 and stay slashable until then; AVSs slash
/// a proportion of an allocation.
///
/// Per (operator, strategy): `maxMagnitude` (starts at WAD, only falls) and
/// `encumberedMagnitude` (current allocations plus pending increases; a pending decrease still
/// counts until it completes). Allocatable = max − encumbered.
///
/// Slash (rounding in the protocol's favour, never to zero):
///
///     slashedMagnitude = ceil(current × wadToSlash / WAD)
///     current, max, encumbered -= slashedMagnitude
///     pending deallocation: |pendingDiff| -= ceil(|pendingDiff| × wadToSlash / WAD)
///     wadSlashed (reported) = floor(slashedMagnitude × WAD / previousMax)
///
/// Feed each strategy's new max magnitude to
/// ``RestakingLedger/slashOperatorShares(operator:strategy:newMaxMagnitudeWad:epoch:)``.
public struct AllocationBook: Sendable, Equatable {
    /// 14 days.
    public static let defaultDeallocationDelayEpochs: UInt64 = 3150
    public let deallocationDelayEpochs: UInt64

    public struct Allocation: Sendable, Equatable {
        public internal(set) var currentMagnitudeWad: UInt64
        /// Positive: a pending increase; negative: a pending deallocation.
        public internal(set) var pendingDiffWad: Int128
        public internal(set) var effectEpoch: UInt64

        static let zero = Allocation(currentMagnitudeWad: 0, pendingDiffWad: 0, effectEpoch: 0)

        /// The allocation as of `epoch`, with a due pending change applied.
        func updated(at epoch: UInt64) -> Allocation {
            guard pendingDiffWad != 0, effectEpoch <= epoch else { return self }
            let current = Int128(currentMagnitudeWad) + pendingDiffWad
            precondition(current >= 0 && current <= Int128(FixedPoint.wad))
            return Allocation(currentMagnitudeWad: UInt64(current), pendingDiffWad: 0, effectEpoch: 0)
        }
    }

    public struct AllocationKey: Hashable, Sendable {
        public let operatorID: OperatorID
        public let operatorSet: OperatorSetID
        public let strategy: StrategyID
        public init(_ operatorID: OperatorID, _ operatorSet: OperatorSetID, _ strategy: StrategyID) {
            self.operatorID = operatorID
            self.operatorSet = operatorSet
            self.strategy = strategy
        }
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.operatorID == rhs.operatorID && lhs.operatorSet == rhs.operatorSet && lhs.strategy == rhs.strategy
        }
        var cachedHash: Int {
            mixHashes(mixHashes(operatorID.cachedHash, operatorSet.cachedHash), strategy.cachedHash)
        }
        public func hash(into hasher: inout Hasher) { hasher.combine(cachedHash) }
        public func _rawHashValue(seed: Int) -> Int { mixHashes(cachedHash, seed) }
    }

    public struct Membership: Hashable, Sendable {
        public let operatorID: OperatorID
        public let operatorSet: OperatorSetID
        public init(operatorID: OperatorID, operatorSet: OperatorSetID) {
            self.operatorID = operatorID
            self.operatorSet = operatorSet
        }
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.operatorID == rhs.operatorID && lhs.operatorSet == rhs.operatorSet
        }
        var cachedHash: Int { mixHashes(operatorID.cachedHash, operatorSet.cachedHash) }
        public func hash(into hasher: inout Hasher) { hasher.combine(cachedHash) }
        public func _rawHashValue(seed: Int) -> Int { mixHashes(cachedHash, seed) }
    }

    public struct Registration: Sendable, Equatable {
        public internal(set) var isRegistered: Bool
        /// After deregistering, slashable through this epoch.
        public internal(set) var slashableUntilEpoch: UInt64
    }

    /// One strategy's part of a slash.
    public struct StrategySlash: Sendable, Equatable {
        public let strategy: StrategyID
        public let slashedMagnitudeWad: UInt128
        /// `floor(slashed × WAD / previousMax)`: the share of the operator's whole stake.
        public let wadSlashed: UInt128
        public let previousMaxMagnitudeWad: UInt128
        public let newMaxMagnitudeWad: UInt128
    }

    public struct SlashOutcome: Sendable, Equatable {
        /// 1, 2, 3 … per operator set.
        public let slashID: UInt64
        /// Strategies with a nonzero allocation (others are skipped, as EigenLayer does).
        public let strategies: [StrategySlash]
    }

    typealias OperatorStrategy = RestakingLedger.OperatorStrategy

    /// Allocation delay per registered operator, epochs.
    public private(set) var allocationDelayEpochs: [OperatorID: UInt64] = [:]
    public private(set) var operatorSetStrategies: [OperatorSetID: Set<StrategyID>] = [:]
    public private(set) var slashCounts: [OperatorSetID: UInt64] = [:]
    public private(set) var registrations: [Membership: Registration] = [:]
    public private(set) var allocations: [AllocationKey: Allocation] = [:]
    /// Max and encumbered magnitude per (operator, strategy), in one table (a slash is one lookup).
    struct MagnitudeState: Sendable, Equatable {
        var maxWad = UInt64(FixedPoint.wad)
        var encumberedWad: UInt64 = 0
    }
    private var magnitudes: [OperatorStrategy: MagnitudeState] = [:]
    /// Sets with a pending deallocation, in effect order (every deallocation has the same delay).
    private var deallocationQueues: [OperatorStrategy: [OperatorSetID]] = [:]
    public private(set) var latestEpoch: UInt64 = 0

    public init(deallocationDelayEpochs: UInt64 = AllocationBook.defaultDeallocationDelayEpochs) {
        self.deallocationDelayEpochs = deallocationDelayEpochs
    }

    // MARK: Views

    public func maxMagnitudeWad(of operatorID: OperatorID, strategy: StrategyID) -> UInt128 {
        UInt128(magnitudes[OperatorStrategy(operatorID, strategy)]?.maxWad ?? UInt64(FixedPoint.wad))
    }

    /// Encumbered magnitude as of `epoch` (deallocations that are due no longer count).
    public func encumberedMagnitudeWad(
        of operatorID: OperatorID, strategy: StrategyID, epoch: UInt64
    ) -> UInt128 {
        let key = OperatorStrategy(operatorID, strategy)
        var encumbered = UInt128(magnitudes[key]?.encumberedWad ?? 0)
        for operatorSet in Set(deallocationQueues[key] ?? []) {
            let stored = allocations[AllocationKey(operatorID, operatorSet, strategy)] ?? .zero
            if stored.pendingDiffWad < 0, stored.effectEpoch <= epoch {
                encumbered -= UInt128(-stored.pendingDiffWad)
            }
        }
        return encumbered
    }

    /// `max − encumbered` as of `epoch`.
    public func allocatableMagnitudeWad(
        of operatorID: OperatorID, strategy: StrategyID, epoch: UInt64
    ) -> UInt128 {
        maxMagnitudeWad(of: operatorID, strategy: strategy)
            - encumberedMagnitudeWad(of: operatorID, strategy: strategy, epoch: epoch)
    }

    /// The allocation as of `epoch`.
    public func allocation(
        of operatorID: OperatorID, operatorSet: OperatorSetID, strategy: StrategyID, epoch: UInt64
    ) -> Allocation {
        (allocations[AllocationKey(operatorID, operatorSet, strategy)] ?? .zero).updated(at: epoch)
    }

    /// Registered, or deregistered and still inside the deallocation delay.
    public func isSlashable(
        _ operatorID: OperatorID, by operatorSet: OperatorSetID, epoch: UInt64
    ) -> Bool {
        guard let registration = registrations[Membership(operatorID: operatorID, operatorSet: operatorSet)]
        else { return false }
        return registration.isRegistered || epoch <= registration.slashableUntilEpoch
    }

    /// `floor(operatorShares × floor(current × WAD / max) / WAD)`: the stake the set can slash.
    public func allocatedStake(
        operatorShares: UInt128, of operatorID: OperatorID, operatorSet: OperatorSetID,
        strategy: StrategyID, epoch: UInt64
    ) throws(AccountingError) -> UInt128 {
        let maxWad = maxMagnitudeWad(of: operatorID, strategy: strategy)
        guard maxWad > 0 else { return 0 }
        let current = UInt128(allocation(of: operatorID, operatorSet: operatorSet, strategy: strategy, epoch: epoch)
            .currentMagnitudeWad)
        return try FixedPoint.mulWadFloor(operatorShares, FixedPoint.divWadFloor(current, maxWad))
    }

    // MARK: Registration

    /// Registers an operator with its allocation delay (in force at once for a new operator).
    /// - Throws: `operator_already_registered`.
    public mutating func registerOperator(
        _ operatorID: OperatorID, allocationDelayEpochs: UInt64
    ) throws(AccountingError) {
        guard self.allocationDelayEpochs[operatorID] == nil else { throw .operatorAlreadyRegistered }
        self.allocationDelayEpochs[operatorID] = allocationDelayEpochs
    }

    /// - Throws: `operator_set_already_exists`.
    public mutating func createOperatorSet(
        _ operatorSet: OperatorSetID, strategies: Set<StrategyID>
    ) throws(AccountingError) {
        guard operatorSetStrategies[operatorSet] == nil else { throw .operatorSetAlreadyExists }
        operatorSetStrategies[operatorSet] = strategies
    }

    /// - Throws: `operator_not_registered`, `operator_set_not_found`,
    ///   `already_registered_for_operator_set` (also while still slashable after leaving).
    public mutating func registerForOperatorSet(
        _ operatorID: OperatorID, operatorSet: OperatorSetID, epoch: UInt64
    ) throws(AccountingError) {
        guard allocationDelayEpochs[operatorID] != nil else { throw .operatorNotRegistered }
        guard operatorSetStrategies[operatorSet] != nil else { throw .operatorSetNotFound }
        guard epoch >= latestEpoch else { throw .epochInPast }
        guard !isSlashable(operatorID, by: operatorSet, epoch: epoch) else {
            throw .alreadyRegisteredForOperatorSet
        }
        latestEpoch = epoch
        registrations[Membership(operatorID: operatorID, operatorSet: operatorSet)] =
            Registration(isRegistered: true, slashableUntilEpoch: 0)
    }

    /// Leaves the set at once; the operator stays slashable through `epoch + delay`.
    /// Allocations are kept.
    /// - Throws: `not_registered_for_operator_set`, `epoch_in_past`.
    public mutating func deregisterFromOperatorSet(
        _ operatorID: OperatorID, operatorSet: OperatorSetID, epoch: UInt64
    ) throws(AccountingError) {
        let membership = Membership(operatorID: operatorID, operatorSet: operatorSet)
        guard registrations[membership]?.isRegistered == true else { throw .notRegisteredForOperatorSet }
        guard epoch >= latestEpoch else { throw .epochInPast }
        latestEpoch = epoch
        registrations[membership] = Registration(
            isRegistered: false, slashableUntilEpoch: epoch + deallocationDelayEpochs)
    }

    // MARK: Allocation

    /// Sets the operator's magnitude for (set, strategy) to `newMagnitudeWad`. An increase
    /// encumbers at once and takes effect at `epoch + allocationDelay`; a decrease of a
    /// slashable allocation takes effect at `epoch + deallocationDelay + 1` (slashable until
    /// then); any other decrease is immediate.
    /// - Throws: `operator_not_registered`, `operator_set_not_found`,
    ///   `strategy_not_in_operator_set`, `invalid_magnitude`, `modification_already_pending`,
    ///   `same_magnitude`, `insufficient_magnitude`, `epoch_in_past`.
    public mutating func modifyAllocation(
        operator operatorID: OperatorID, operatorSet: OperatorSetID, strategy: StrategyID,
        newMagnitudeWad: UInt128, epoch: UInt64
    ) throws(AccountingError) {
        guard let delayEpochs = allocationDelayEpochs[operatorID] else { throw .operatorNotRegistered }
        guard let strategies = operatorSetStrategies[operatorSet] else { throw .operatorSetNotFound }
        guard strategies.contains(strategy) else { throw .strategyNotInOperatorSet }
        guard newMagnitudeWad <= FixedPoint.wad else { throw .invalidMagnitude }
        guard epoch >= latestEpoch else { throw .epochInPast }
        let current = allocation(of: operatorID, operatorSet: operatorSet, strategy: strategy, epoch: epoch)
        guard current.pendingDiffWad == 0 else { throw .modificationAlreadyPending }
        let currentWad = UInt128(current.currentMagnitudeWad)
        guard newMagnitudeWad != currentWad else { throw .sameMagnitude }
        if newMagnitudeWad > currentWad {
            let needed = newMagnitudeWad - currentWad
            guard needed <= allocatableMagnitudeWad(of: operatorID, strategy: strategy, epoch: epoch) else {
                throw .insufficientMagnitude
            }
        }
        // Validated: now bring stored state up to `epoch`, then apply.
        latestEpoch = epoch
        let key = OperatorStrategy(operatorID, strategy)
        clearDeallocationQueue(key, epoch: epoch)
        let allocationKey = AllocationKey(operatorID, operatorSet, strategy)
        applyDueChange(allocationKey, epoch: epoch)
        if newMagnitudeWad > currentWad {
            let diff = UInt64(newMagnitudeWad - currentWad)
            magnitudes[key, default: MagnitudeState()].encumberedWad += diff
            allocations[allocationKey] = Allocation(
                currentMagnitudeWad: current.currentMagnitudeWad, pendingDiffWad: Int128(diff),
                effectEpoch: epoch + delayEpochs)
        } else {
            let diff = UInt64(currentWad - newMagnitudeWad)
            if isSlashable(operatorID, by: operatorSet, epoch: epoch) && current.currentMagnitudeWad != 0 {
                allocations[allocationKey] = Allocation(
                    currentMagnitudeWad: current.currentMagnitudeWad, pendingDiffWad: -Int128(diff),
                    effectEpoch: epoch + deallocationDelayEpochs + 1)
                deallocationQueues[key, default: []].append(operatorSet)
            } else {
                magnitudes[key, default: MagnitudeState()].encumberedWad -= diff
                allocations[allocationKey] = Allocation(
                    currentMagnitudeWad: current.currentMagnitudeWad - diff, pendingDiffWad: 0, effectEpoch: 0)
            }
        }
    }

    // MARK: Slashing

    /// Slashes `operatorID` for `operatorSet`: for each (strategy, wadToSlash), in strictly
    /// ascending strategy order, takes `ceil(current × wad / WAD)` of the allocation from
    /// current, max and encumbered magnitude, and the same proportion (rounded up) of a
    /// pending deallocation. O(strategies), independent of stakers.
    /// - Throws: `operator_set_not_found`, `operator_not_slashable`, `invalid_wad_to_slash`,
    ///   `strategy_not_in_operator_set`, `epoch_in_past`.
    @discardableResult
    public mutating func slash(
        operator operatorID: OperatorID, operatorSet: OperatorSetID,
        wadsToSlash: [(strategy: StrategyID, wad: UInt128)], epoch: UInt64
    ) throws(AccountingError) -> SlashOutcome {
        guard let strategies = operatorSetStrategies[operatorSet] else { throw .operatorSetNotFound }
        guard epoch >= latestEpoch else { throw .epochInPast }
        guard isSlashable(operatorID, by: operatorSet, epoch: epoch) else { throw .operatorNotSlashable }
        for (index, entry) in wadsToSlash.enumerated() {
            guard entry.wad > 0, entry.wad <= FixedPoint.wad else { throw .invalidWadToSlash }
            guard strategies.contains(entry.strategy) else { throw .strategyNotInOperatorSet }
            // Strictly ascending, so no strategy is slashed twice.
            guard index == 0 || wadsToSlash[index - 1].strategy < entry.strategy else {
                throw .invalidWadToSlash
            }
        }
        latestEpoch = epoch
        let slashID = (slashCounts[operatorSet] ?? 0) + 1
        slashCounts[operatorSet] = slashID
        var outcomes: [StrategySlash] = []
        for entry in wadsToSlash {
            if let outcome = slashAllocation(operatorID, operatorSet, entry.strategy, entry.wad, epoch) {
                outcomes.append(outcome)
            }
        }
        return SlashOutcome(slashID: slashID, strategies: outcomes)
    }

    /// ``slash(operator:operatorSet:wadsToSlash:epoch:)`` for one strategy, without allocating.
    /// - Returns: the strategy's slash, or nil when it had no allocation (the slash still
    ///   counts in ``slashCounts``).
    @discardableResult
    public mutating func slash(
        operator operatorID: OperatorID, operatorSet: OperatorSetID, strategy: StrategyID, wadToSlash: UInt128,
        epoch: UInt64
    ) throws(AccountingError) -> StrategySlash? {
        guard let strategies = operatorSetStrategies[operatorSet] else { throw .operatorSetNotFound }
        guard epoch >= latestEpoch else { throw .epochInPast }
        guard isSlashable(operatorID, by: operatorSet, epoch: epoch) else { throw .operatorNotSlashable }
        guard wadToSlash > 0, wadToSlash <= FixedPoint.wad else { throw .invalidWadToSlash }
        guard strategies.contains(strategy) else { throw .strategyNotInOperatorSet }
        latestEpoch = epoch
        slashCounts[operatorSet, default: 0] += 1
        return slashAllocation(operatorID, operatorSet, strategy, wadToSlash, epoch)
    }

    /// Slashes one validated allocation; nil when it is empty. Two table lookups: the
    /// allocation (read, then written through its index) and the magnitudes (in place).
    private mutating func slashAllocation(
        _ operatorID: OperatorID, _ operatorSet: OperatorSetID, _ strategy: StrategyID, _ wad: UInt128,
        _ epoch: UInt64
    ) -> StrategySlash? {
        let allocationKey = AllocationKey(operatorID, operatorSet, strategy)
        // One lookup: the write below goes through the index.
        guard let allocationIndex = allocations.index(forKey: allocationKey) else { return nil }
        let stored = allocations.values[allocationIndex]
        // A due pending change is applied first; a completed deallocation frees its magnitude.
        var allocation = stored.updated(at: epoch)
        let freedWad: UInt64 =
            (allocation != stored && stored.pendingDiffWad < 0) ? UInt64(-stored.pendingDiffWad) : 0
        // Cannot throw: every factor is ≤ WAD.
        let slashedWad = allocation.currentMagnitudeWad == 0
            ? 0 : (try? FixedPoint.mulWadCeil(UInt128(allocation.currentMagnitudeWad), wad)) ?? 0
        let slashed = UInt64(slashedWad)
        let previousMax = Self.take(
            slashed, freeing: freedWad, from: &magnitudes[OperatorStrategy(operatorID, strategy), default: MagnitudeState()])
        guard slashed > 0 else {
            if allocation != stored { allocations.values[allocationIndex] = allocation }
            return nil
        }
        let previousMaxWad = UInt128(previousMax)
        let wadSlashed = (try? FixedPoint.divWadFloor(slashedWad, previousMaxWad)) ?? 0
        allocation.currentMagnitudeWad -= slashed
        if allocation.pendingDiffWad < 0 {
            let pending = UInt128(-allocation.pendingDiffWad)
            let pendingSlashed = (try? FixedPoint.mulWadCeil(pending, wad)) ?? pending
            allocation.pendingDiffWad = -Int128(pending - pendingSlashed)
            if allocation.pendingDiffWad == 0 { allocation.effectEpoch = 0 }
        }
        allocations.values[allocationIndex] = allocation
        return StrategySlash(
            strategy: strategy, slashedMagnitudeWad: slashedWad, wadSlashed: wadSlashed,
            previousMaxMagnitudeWad: previousMaxWad, newMaxMagnitudeWad: previousMaxWad - slashedWad)
    }

    /// Takes `slashed` from max and encumbered magnitude and releases `freed` from encumbered.
    /// - Returns: the max magnitude before.
    private static func take(
        _ slashed: UInt64, freeing freed: UInt64, from state: inout MagnitudeState
    ) -> UInt64 {
        let previousMax = state.maxWad
        precondition(slashed <= previousMax, "a slash never takes more than the allocation")
        state.maxWad -= slashed
        state.encumberedWad -= slashed + freed
        return previousMax
    }

    // MARK: Helpers

    /// Applies a due pending change to the stored allocation; a completed deallocation frees
    /// its encumbered magnitude.
    private mutating func applyDueChange(_ key: AllocationKey, epoch: UInt64) {
        guard let stored = allocations[key], stored.pendingDiffWad != 0, stored.effectEpoch <= epoch else {
            return
        }
        if stored.pendingDiffWad < 0 {
            magnitudes[OperatorStrategy(key.operatorID, key.strategy), default: MagnitudeState()].encumberedWad -=
                UInt64(-stored.pendingDiffWad)
        }
        allocations[key] = stored.updated(at: epoch)
    }

    /// Completes every due deallocation for (operator, strategy), oldest first.
    private mutating func clearDeallocationQueue(_ key: OperatorStrategy, epoch: UInt64) {
        guard var queue = deallocationQueues[key] else { return }
        while let operatorSet = queue.first {
            let allocationKey = AllocationKey(key.operatorID, operatorSet, key.strategy)
            if let stored = allocations[allocationKey], stored.pendingDiffWad < 0, stored.effectEpoch > epoch {
                break
            }
            applyDueChange(allocationKey, epoch: epoch)
            queue.removeFirst()
        }
        deallocationQueues[key] = queue.isEmpty ? nil : queue
    }
}
