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

    /// What a slash took from one allocation, in magnitude (the handle form's result: no ID,
    /// so nothing to retain on the hot path).
    public struct MagnitudeSlash: Sendable, Equatable {
        public let slashedMagnitudeWad: UInt128
        /// `floor(slashed × WAD / previousMax)`: the share of the operator's whole stake.
        public let wadSlashed: UInt128
        public let previousMaxMagnitudeWad: UInt128
        public let newMaxMagnitudeWad: UInt128
    }

    /// One strategy's part of a slash.
    public struct StrategySlash: Sendable, Equatable {
        public let strategy: StrategyID
        public let slashedMagnitudeWad: UInt128
        /// `floor(slashed × WAD / previousMax)`: the share of the operator's whole stake.
        public let wadSlashed: UInt128
        public let previousMaxMagnitudeWad: UInt128
        public let newMaxMagnitudeWad: UInt128

        init(strategy: StrategyID, _ slash: MagnitudeSlash) {
            self.strategy = strategy
            slashedMagnitudeWad = slash.slashedMagnitudeWad
            wadSlashed = slash.wadSlashed
            previousMaxMagnitudeWad = slash.previousMaxMagnitudeWad
            newMaxMagnitudeWad = slash.newMaxMagnitudeWad
        }
    }

    public struct SlashOutcome: Sendable, Equatable {
        /// 1, 2, 3 … per operator set.
        public let slashID: UInt64
        /// Strategies with a nonzero allocation (others are skipped, as EigenLayer does).
        public let strategies: [StrategySlash]
    }

    // MARK: Dense state
    //
    // Operators, operator sets and strategies are interned once into dense handles; every
    // table below is an array indexed by them, so the handle form of a slash does no hashing.

    /// Every registered operator, by handle (``allocationDelayEpochs`` is the view by ID).
    public private(set) var operatorIDs = IDTable<OperatorTag>()
    /// Every strategy named by an operator set, by handle (interned in ID order at creation).
    public private(set) var strategyIDs = IDTable<StrategyTag>()
    /// Every operator set, by handle index.
    public private(set) var operatorSetIDs: ContiguousArray<OperatorSetID> = []
    var operatorSetIndexByID: [OperatorSetID: Int32] = [:]

    /// Max and encumbered magnitude of one (operator, strategy), and its pending deallocations.
    struct OperatorStrategyState: Sendable, Equatable {
        var maxWad = UInt64(FixedPoint.wad)
        var encumberedWad: UInt64 = 0
        /// Operator-set indexes with a pending deallocation, in effect order (every
        /// deallocation has the same delay).
        var deallocationQueue: [Int32] = []
        static let initial = OperatorStrategyState()
    }

    struct OperatorState: Sendable, Equatable {
        var allocationDelayEpochs: UInt64
        /// Index into `memberships` by operator-set index; −1 (or past the end): none.
        var membershipSlots: ContiguousArray<Int32> = []
        /// By strategy index (past the end: `.initial`).
        var strategies: ContiguousArray<OperatorStrategyState> = []
    }

    struct OperatorSetState: Sendable, Equatable {
        var strategies: Set<StrategyID>
        /// The set's strategies in ID order; an allocation's position is its index here.
        var strategyHandles: ContiguousArray<StrategyHandle>
        /// Position in `strategyHandles` by strategy index; −1 (or past the end): not in the set.
        var strategyPositions: ContiguousArray<Int32>
        var slashCount: UInt64 = 0
    }

    /// One (operator, operator set): its registration and its allocations.
    struct MembershipState: Sendable, Equatable {
        let operatorIndex: Int32
        let operatorSetIndex: Int32
        /// Nil until the operator first registers for the set.
        var registration: Registration?
        /// By position in the set's strategies.
        var allocations: ContiguousArray<Allocation>
    }

    var operatorStates: ContiguousArray<OperatorState> = []
    var operatorSetStates: ContiguousArray<OperatorSetState> = []
    var memberships: ContiguousArray<MembershipState> = []
    public internal(set) var latestEpoch: UInt64 = 0

    public init(deallocationDelayEpochs: UInt64 = AllocationBook.defaultDeallocationDelayEpochs) {
        self.deallocationDelayEpochs = deallocationDelayEpochs
    }

    // MARK: Handles

    /// The handle of a registered operator, or nil.
    public func handle(of operatorID: OperatorID) -> OperatorHandle? { operatorIDs.handle(of: operatorID) }
    /// The handle of a strategy some operator set names, or nil.
    public func handle(of strategy: StrategyID) -> StrategyHandle? { strategyIDs.handle(of: strategy) }
    /// The handle of an operator set, or nil when it was never created.
    public func handle(of operatorSet: OperatorSetID) -> OperatorSetHandle? {
        operatorSetIndexByID[operatorSet].map(OperatorSetHandle.init(index:))
    }

    @inline(__always)
    func index(_ handle: OperatorHandle) -> Int {
        precondition(UInt(bitPattern: Int(handle.index)) < UInt(operatorStates.count), "handle from another book")
        return Int(handle.index)
    }

    @inline(__always)
    func index(_ handle: OperatorSetHandle) -> Int {
        precondition(UInt(bitPattern: Int(handle.index)) < UInt(operatorSetStates.count), "handle from another book")
        return Int(handle.index)
    }

    @inline(__always)
    func index(_ handle: StrategyHandle) -> Int {
        precondition(UInt(bitPattern: Int(handle.index)) < UInt(strategyIDs.count), "handle from another book")
        return Int(handle.index)
    }

    /// The slot of (operator, set) in `memberships`, or nil.
    @inline(__always)
    func membershipSlot(_ operatorIndex: Int, _ operatorSetIndex: Int) -> Int? {
        guard operatorSetIndex < operatorStates[operatorIndex].membershipSlots.count else { return nil }
        let slot = operatorStates[operatorIndex].membershipSlots[operatorSetIndex]
        return slot < 0 ? nil : Int(slot)
    }

    /// The strategy's position in the set, or nil when the set does not hold it.
    @inline(__always)
    func strategyPosition(_ operatorSetIndex: Int, _ strategyIndex: Int) -> Int? {
        guard strategyIndex < operatorSetStates[operatorSetIndex].strategyPositions.count else { return nil }
        let position = operatorSetStates[operatorSetIndex].strategyPositions[strategyIndex]
        return position < 0 ? nil : Int(position)
    }

    /// The stored allocation (not brought up to an epoch); `.zero` when there is none.
    @inline(__always)
    func storedAllocation(_ operatorIndex: Int, _ operatorSetIndex: Int, _ strategyIndex: Int) -> Allocation {
        guard let slot = membershipSlot(operatorIndex, operatorSetIndex),
            let position = strategyPosition(operatorSetIndex, strategyIndex)
        else { return .zero }
        return memberships[slot].allocations[position]
    }

    @inline(__always)
    func operatorStrategy(_ operatorIndex: Int, _ strategyIndex: Int) -> OperatorStrategyState {
        strategyIndex < operatorStates[operatorIndex].strategies.count
            ? operatorStates[operatorIndex].strategies[strategyIndex] : .initial
    }

    /// In-place access to an (operator, strategy) entry, created when absent.
    mutating func withOperatorStrategy<Result>(
        _ operatorIndex: Int, _ strategyIndex: Int, _ body: (inout OperatorStrategyState) -> Result
    ) -> Result {
        while operatorStates[operatorIndex].strategies.count <= strategyIndex {
            operatorStates[operatorIndex].strategies.append(.initial)
        }
        return body(&operatorStates[operatorIndex].strategies[strategyIndex])
    }

    /// The slot of (operator, set), created (unregistered, no allocations) when absent.
    mutating func ensureMembership(_ operatorIndex: Int, _ operatorSetIndex: Int) -> Int {
        if let slot = membershipSlot(operatorIndex, operatorSetIndex) { return slot }
        precondition(memberships.count < Int(Int32.max), "handle space exhausted")
        let slot = memberships.count
        memberships.append(MembershipState(
            operatorIndex: Int32(operatorIndex), operatorSetIndex: Int32(operatorSetIndex), registration: nil,
            allocations: ContiguousArray(repeating: .zero, count: operatorSetStates[operatorSetIndex].strategyHandles.count)))
        while operatorStates[operatorIndex].membershipSlots.count <= operatorSetIndex {
            operatorStates[operatorIndex].membershipSlots.append(-1)
        }
        operatorStates[operatorIndex].membershipSlots[operatorSetIndex] = Int32(slot)
        return slot
    }

    // MARK: Views by ID (built on each call, O(n): for audits and tests, not for hot paths)

    /// Allocation delay per registered operator, epochs.
    public var allocationDelayEpochs: [OperatorID: UInt64] {
        var table: [OperatorID: UInt64] = [:]
        for (position, state) in operatorStates.enumerated() {
            table[operatorIDs.ids[position]] = state.allocationDelayEpochs
        }
        return table
    }

    /// The strategies of every operator set.
    public var operatorSetStrategies: [OperatorSetID: Set<StrategyID>] {
        var table: [OperatorSetID: Set<StrategyID>] = [:]
        for (position, state) in operatorSetStates.enumerated() { table[operatorSetIDs[position]] = state.strategies }
        return table
    }

    /// Slashes so far per operator set (sets never slashed left out).
    public var slashCounts: [OperatorSetID: UInt64] {
        var table: [OperatorSetID: UInt64] = [:]
        for (position, state) in operatorSetStates.enumerated() where state.slashCount > 0 {
            table[operatorSetIDs[position]] = state.slashCount
        }
        return table
    }

    /// Every (operator, set) that has registered at least once.
    public var registrations: [Membership: Registration] {
        var table: [Membership: Registration] = [:]
        for membership in memberships {
            guard let registration = membership.registration else { continue }
            table[Membership(
                operatorID: operatorIDs.ids[Int(membership.operatorIndex)],
                operatorSet: operatorSetIDs[Int(membership.operatorSetIndex)])] = registration
        }
        return table
    }

    /// Every stored allocation that is not ``Allocation/zero`` (a zero allocation behaves as
    /// none), not brought up to any epoch.
    public var allocations: [AllocationKey: Allocation] {
        var table: [AllocationKey: Allocation] = [:]
        for membership in memberships {
            let operatorSetIndex = Int(membership.operatorSetIndex)
            let strategies = operatorSetStates[operatorSetIndex].strategyHandles
            for (position, allocation) in membership.allocations.enumerated() where allocation != .zero {
                table[AllocationKey(
                    operatorIDs.ids[Int(membership.operatorIndex)], operatorSetIDs[operatorSetIndex],
                    strategyIDs[strategies[position]])] = allocation
            }
        }
        return table
    }

    // MARK: Views

    public func maxMagnitudeWad(of operatorID: OperatorID, strategy: StrategyID) -> UInt128 {
        guard let operatorHandle = handle(of: operatorID), let strategyHandle = handle(of: strategy) else {
            return FixedPoint.wad
        }
        return maxMagnitudeWad(of: operatorHandle, strategy: strategyHandle)
    }

    public func maxMagnitudeWad(of operatorHandle: OperatorHandle, strategy: StrategyHandle) -> UInt128 {
        UInt128(operatorStrategy(index(operatorHandle), index(strategy)).maxWad)
    }

    /// Encumbered magnitude as of `epoch` (deallocations that are due no longer count).
    public func encumberedMagnitudeWad(
        of operatorID: OperatorID, strategy: StrategyID, epoch: UInt64
    ) -> UInt128 {
        guard let operatorHandle = handle(of: operatorID), let strategyHandle = handle(of: strategy) else { return 0 }
        return encumberedMagnitudeWad(index(operatorHandle), index(strategyHandle), epoch: epoch)
    }

    func encumberedMagnitudeWad(_ operatorIndex: Int, _ strategyIndex: Int, epoch: UInt64) -> UInt128 {
        let state = operatorStrategy(operatorIndex, strategyIndex)
        var encumbered = UInt128(state.encumberedWad)
        for operatorSetIndex in Set(state.deallocationQueue) {
            let stored = storedAllocation(operatorIndex, Int(operatorSetIndex), strategyIndex)
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
        guard let operatorHandle = handle(of: operatorID), let operatorSetHandle = handle(of: operatorSet),
            let strategyHandle = handle(of: strategy)
        else { return .zero }
        return allocation(of: operatorHandle, operatorSet: operatorSetHandle, strategy: strategyHandle, epoch: epoch)
    }

    /// The allocation as of `epoch`.
    public func allocation(
        of operatorHandle: OperatorHandle, operatorSet: OperatorSetHandle, strategy: StrategyHandle, epoch: UInt64
    ) -> Allocation {
        storedAllocation(index(operatorHandle), index(operatorSet), index(strategy)).updated(at: epoch)
    }

    /// Registered, or deregistered and still inside the deallocation delay.
    public func isSlashable(
        _ operatorID: OperatorID, by operatorSet: OperatorSetID, epoch: UInt64
    ) -> Bool {
        guard let operatorHandle = handle(of: operatorID), let operatorSetHandle = handle(of: operatorSet) else {
            return false
        }
        return isSlashable(operatorHandle, by: operatorSetHandle, epoch: epoch)
    }

    /// Registered, or deregistered and still inside the deallocation delay.
    public func isSlashable(_ operatorHandle: OperatorHandle, by operatorSet: OperatorSetHandle, epoch: UInt64) -> Bool {
        isSlashable(membershipSlot(index(operatorHandle), index(operatorSet)), epoch: epoch)
    }

    @inline(__always)
    func isSlashable(_ slot: Int?, epoch: UInt64) -> Bool {
        guard let slot, let registration = memberships[slot].registration else { return false }
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
        guard handle(of: operatorID) == nil else { throw .operatorAlreadyRegistered }
        let handle = operatorIDs.intern(operatorID)
        assert(Int(handle.index) == operatorStates.count)
        operatorStates.append(OperatorState(allocationDelayEpochs: allocationDelayEpochs))
    }

    /// - Throws: `operator_set_already_exists`.
    public mutating func createOperatorSet(
        _ operatorSet: OperatorSetID, strategies: Set<StrategyID>
    ) throws(AccountingError) {
        guard handle(of: operatorSet) == nil else { throw .operatorSetAlreadyExists }
        precondition(operatorSetIDs.count < Int(Int32.max), "handle space exhausted")
        // In ID order, so handles and positions do not depend on the set's iteration order.
        let handles = ContiguousArray(strategies.sorted().map { strategyIDs.intern($0) })
        var positions = ContiguousArray<Int32>(repeating: -1, count: strategyIDs.count)
        for (position, handle) in handles.enumerated() { positions[Int(handle.index)] = Int32(position) }
        operatorSetIndexByID[operatorSet] = Int32(operatorSetIDs.count)
        operatorSetIDs.append(operatorSet)
        operatorSetStates.append(OperatorSetState(
            strategies: strategies, strategyHandles: handles, strategyPositions: positions))
    }

    /// - Throws: `operator_not_registered`, `operator_set_not_found`,
    ///   `already_registered_for_operator_set` (also while still slashable after leaving).
    public mutating func registerForOperatorSet(
        _ operatorID: OperatorID, operatorSet: OperatorSetID, epoch: UInt64
    ) throws(AccountingError) {
        guard let operatorHandle = handle(of: operatorID) else { throw .operatorNotRegistered }
        guard let operatorSetHandle = handle(of: operatorSet) else { throw .operatorSetNotFound }
        guard epoch >= latestEpoch else { throw .epochInPast }
        let operatorIndex = index(operatorHandle)
        let operatorSetIndex = index(operatorSetHandle)
        guard !isSlashable(membershipSlot(operatorIndex, operatorSetIndex), epoch: epoch) else {
            throw .alreadyRegisteredForOperatorSet
        }
        latestEpoch = epoch
        let slot = ensureMembership(operatorIndex, operatorSetIndex)
        memberships[slot].registration = Registration(isRegistered: true, slashableUntilEpoch: 0)
    }

    /// Leaves the set at once; the operator stays slashable through `epoch + delay`.
    /// Allocations are kept.
    /// - Throws: `not_registered_for_operator_set`, `epoch_in_past`.
    public mutating func deregisterFromOperatorSet(
        _ operatorID: OperatorID, operatorSet: OperatorSetID, epoch: UInt64
    ) throws(AccountingError) {
        guard let operatorHandle = handle(of: operatorID), let operatorSetHandle = handle(of: operatorSet),
            let slot = membershipSlot(index(operatorHandle), index(operatorSetHandle)),
            memberships[slot].registration?.isRegistered == true
        else { throw .notRegisteredForOperatorSet }
        guard epoch >= latestEpoch else { throw .epochInPast }
        latestEpoch = epoch
        memberships[slot].registration = Registration(
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
        guard let operatorHandle = handle(of: operatorID) else { throw .operatorNotRegistered }
        guard let operatorSetHandle = handle(of: operatorSet) else { throw .operatorSetNotFound }
        guard let strategyHandle = handle(of: strategy) else { throw .strategyNotInOperatorSet }
        try modifyAllocation(
            operator: operatorHandle, operatorSet: operatorSetHandle, strategy: strategyHandle,
            newMagnitudeWad: newMagnitudeWad, epoch: epoch)
    }

    /// ``modifyAllocation(operator:operatorSet:strategy:newMagnitudeWad:epoch:)-(OperatorID,_,_,_,_)``
    /// by handle.
    public mutating func modifyAllocation(
        operator operatorHandle: OperatorHandle, operatorSet operatorSetHandle: OperatorSetHandle,
        strategy strategyHandle: StrategyHandle, newMagnitudeWad: UInt128, epoch: UInt64
    ) throws(AccountingError) {
        let operatorIndex = index(operatorHandle)
        let operatorSetIndex = index(operatorSetHandle)
        let strategyIndex = index(strategyHandle)
        let delayEpochs = operatorStates[operatorIndex].allocationDelayEpochs
        guard let position = strategyPosition(operatorSetIndex, strategyIndex) else { throw .strategyNotInOperatorSet }
        guard newMagnitudeWad <= FixedPoint.wad else { throw .invalidMagnitude }
        guard epoch >= latestEpoch else { throw .epochInPast }
        let current = storedAllocation(operatorIndex, operatorSetIndex, strategyIndex).updated(at: epoch)
        guard current.pendingDiffWad == 0 else { throw .modificationAlreadyPending }
        let currentWad = UInt128(current.currentMagnitudeWad)
        guard newMagnitudeWad != currentWad else { throw .sameMagnitude }
        if newMagnitudeWad > currentWad {
            let needed = newMagnitudeWad - currentWad
            let allocatable = UInt128(operatorStrategy(operatorIndex, strategyIndex).maxWad)
                - encumberedMagnitudeWad(operatorIndex, strategyIndex, epoch: epoch)
            guard needed <= allocatable else { throw .insufficientMagnitude }
        }
        // Validated: now bring stored state up to `epoch`, then apply.
        latestEpoch = epoch
        clearDeallocationQueue(operatorIndex, strategyIndex, epoch: epoch)
        let slot = ensureMembership(operatorIndex, operatorSetIndex)
        applyDueChange(operatorIndex, slot, position, strategyIndex, epoch: epoch)
        if newMagnitudeWad > currentWad {
            let diff = UInt64(newMagnitudeWad - currentWad)
            withOperatorStrategy(operatorIndex, strategyIndex) { $0.encumberedWad += diff }
            memberships[slot].allocations[position] = Allocation(
                currentMagnitudeWad: current.currentMagnitudeWad, pendingDiffWad: Int128(diff),
                effectEpoch: epoch + delayEpochs)
        } else {
            let diff = UInt64(currentWad - newMagnitudeWad)
            if isSlashable(slot, epoch: epoch) && current.currentMagnitudeWad != 0 {
                memberships[slot].allocations[position] = Allocation(
                    currentMagnitudeWad: current.currentMagnitudeWad, pendingDiffWad: -Int128(diff),
                    effectEpoch: epoch + deallocationDelayEpochs + 1)
                withOperatorStrategy(operatorIndex, strategyIndex) {
                    $0.deallocationQueue.append(Int32(operatorSetIndex))
                }
            } else {
                withOperatorStrategy(operatorIndex, strategyIndex) { $0.encumberedWad -= diff }
                memberships[slot].allocations[position] = Allocation(
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
        guard let operatorSetHandle = handle(of: operatorSet) else { throw .operatorSetNotFound }
        guard epoch >= latestEpoch else { throw .epochInPast }
        let operatorSetIndex = index(operatorSetHandle)
        guard let operatorHandle = handle(of: operatorID),
            let slot = membershipSlot(index(operatorHandle), operatorSetIndex), isSlashable(slot, epoch: epoch)
        else { throw .operatorNotSlashable }
        let operatorIndex = index(operatorHandle)
        for (index, entry) in wadsToSlash.enumerated() {
            guard entry.wad > 0, entry.wad <= FixedPoint.wad else { throw .invalidWadToSlash }
            guard let strategyHandle = handle(of: entry.strategy),
                strategyPosition(operatorSetIndex, Int(strategyHandle.index)) != nil
            else { throw .strategyNotInOperatorSet }
            // Strictly ascending, so no strategy is slashed twice.
            guard index == 0 || wadsToSlash[index - 1].strategy < entry.strategy else {
                throw .invalidWadToSlash
            }
        }
        latestEpoch = epoch
        operatorSetStates[operatorSetIndex].slashCount += 1
        let slashID = operatorSetStates[operatorSetIndex].slashCount
        var outcomes: [StrategySlash] = []
        for entry in wadsToSlash {
            // Validated above: the strategy has a handle and a position in the set.
            let strategyIndex = Int(handle(of: entry.strategy)!.index)
            let position = strategyPosition(operatorSetIndex, strategyIndex)!
            if let outcome = slashAllocation(operatorIndex, slot, position, strategyIndex, UInt64(entry.wad), epoch) {
                outcomes.append(StrategySlash(strategy: entry.strategy, outcome))
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
        guard let operatorSetHandle = handle(of: operatorSet) else { throw .operatorSetNotFound }
        guard epoch >= latestEpoch else { throw .epochInPast }
        guard let operatorHandle = handle(of: operatorID), isSlashable(operatorHandle, by: operatorSetHandle, epoch: epoch)
        else { throw .operatorNotSlashable }
        guard wadToSlash > 0, wadToSlash <= FixedPoint.wad else { throw .invalidWadToSlash }
        guard let strategyHandle = handle(of: strategy) else { throw .strategyNotInOperatorSet }
        return try slash(
            operator: operatorHandle, operatorSet: operatorSetHandle, strategy: strategyHandle, wadToSlash: wadToSlash,
            epoch: epoch
        ).map { StrategySlash(strategy: strategy, $0) }
    }

    /// ``slash(operator:operatorSet:strategy:wadToSlash:epoch:)-(OperatorID,_,_,_,_)`` by
    /// handle: array accesses only, no hashing. The same checks in the same order.
    /// - Throws: `operator_not_slashable`, `invalid_wad_to_slash`, `strategy_not_in_operator_set`,
    ///   `epoch_in_past`.
    @discardableResult
    public mutating func slash(
        operator operatorHandle: OperatorHandle, operatorSet operatorSetHandle: OperatorSetHandle,
        strategy strategyHandle: StrategyHandle, wadToSlash: UInt128, epoch: UInt64
    ) throws(AccountingError) -> MagnitudeSlash? {
        let operatorIndex = index(operatorHandle)
        let operatorSetIndex = index(operatorSetHandle)
        let strategyIndex = index(strategyHandle)
        guard epoch >= latestEpoch else { throw .epochInPast }
        let slot = membershipSlot(operatorIndex, operatorSetIndex)
        guard isSlashable(slot, epoch: epoch), let slot else { throw .operatorNotSlashable }
        guard wadToSlash > 0, wadToSlash <= FixedPoint.wad else { throw .invalidWadToSlash }
        guard let position = strategyPosition(operatorSetIndex, strategyIndex) else { throw .strategyNotInOperatorSet }
        latestEpoch = epoch
        operatorSetStates[operatorSetIndex].slashCount += 1
        return slashAllocation(operatorIndex, slot, position, strategyIndex, UInt64(wadToSlash), epoch)
    }

    /// Slashes one validated allocation; nil when it is empty.
    private mutating func slashAllocation(
        _ operatorIndex: Int, _ slot: Int, _ position: Int, _ strategyIndex: Int, _ wad: UInt64, _ epoch: UInt64
    ) -> MagnitudeSlash? {
        let stored = memberships[slot].allocations[position]
        // A due pending change is applied first; a completed deallocation frees its magnitude.
        var allocation = stored.updated(at: epoch)
        let freedWad: UInt64 =
            (allocation != stored && stored.pendingDiffWad < 0) ? UInt64(-stored.pendingDiffWad) : 0
        let slashed = Self.proportionCeil(allocation.currentMagnitudeWad, wad)
        let slashedWad = UInt128(slashed)
        guard slashed > 0 else {
            if allocation != stored {
                if freedWad > 0 {
                    withOperatorStrategy(operatorIndex, strategyIndex) { $0.encumberedWad -= freedWad }
                }
                memberships[slot].allocations[position] = allocation
            }
            return nil
        }
        let previousMax = withOperatorStrategy(operatorIndex, strategyIndex) { state in
            Self.take(slashed, freeing: freedWad, from: &state)
        }
        let previousMaxWad = UInt128(previousMax)
        // previousMax ≥ slashed > 0, and the quotient is at most WAD.
        let wadSlashed = slashedWad &* FixedPoint.wad / previousMaxWad
        allocation.currentMagnitudeWad -= slashed
        if allocation.pendingDiffWad < 0 {
            let pending = UInt64(-allocation.pendingDiffWad)
            let pendingSlashed = Self.proportionCeil(pending, wad)
            allocation.pendingDiffWad = -Int128(pending - pendingSlashed)
            if allocation.pendingDiffWad == 0 { allocation.effectEpoch = 0 }
        }
        memberships[slot].allocations[position] = allocation
        return MagnitudeSlash(
            slashedMagnitudeWad: slashedWad, wadSlashed: wadSlashed, previousMaxMagnitudeWad: previousMaxWad,
            newMaxMagnitudeWad: previousMaxWad - slashedWad)
    }

    /// `ceil(magnitude × wad / WAD)` for both ≤ WAD (magnitudes and slash proportions): the
    /// product fits in 128 bits and the quotient in 64, so one step of the prepared WAD divisor
    /// instead of a full-width multiply-divide.
    @inline(__always)
    static func proportionCeil(_ magnitudeWad: UInt64, _ wad: UInt64) -> UInt64 {
        assert(magnitudeWad <= FixedPoint.wad && wad <= FixedPoint.wad)
        let (quotient, remainder) = WordDivisor.wad.divideNarrow(UInt128(magnitudeWad) &* UInt128(wad))
        return remainder == 0 ? quotient : quotient &+ 1
    }

    /// Takes `slashed` from max and encumbered magnitude and releases `freed` from encumbered.
    /// - Returns: the max magnitude before.
    private static func take(
        _ slashed: UInt64, freeing freed: UInt64, from state: inout OperatorStrategyState
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
    private mutating func applyDueChange(
        _ operatorIndex: Int, _ slot: Int, _ position: Int, _ strategyIndex: Int, epoch: UInt64
    ) {
        let stored = memberships[slot].allocations[position]
        guard stored.pendingDiffWad != 0, stored.effectEpoch <= epoch else { return }
        if stored.pendingDiffWad < 0 {
            withOperatorStrategy(operatorIndex, strategyIndex) { $0.encumberedWad -= UInt64(-stored.pendingDiffWad) }
        }
        memberships[slot].allocations[position] = stored.updated(at: epoch)
    }

    /// Completes every due deallocation for (operator, strategy), oldest first.
    private mutating func clearDeallocationQueue(_ operatorIndex: Int, _ strategyIndex: Int, epoch: UInt64) {
        var queue = operatorStrategy(operatorIndex, strategyIndex).deallocationQueue
        guard !queue.isEmpty else { return }
        while let operatorSetIndex = queue.first.map(Int.init) {
            let stored = storedAllocation(operatorIndex, operatorSetIndex, strategyIndex)
            if stored.pendingDiffWad < 0, stored.effectEpoch > epoch { break }
            // A queued deallocation was stored, so its membership slot and position exist.
            if let slot = membershipSlot(operatorIndex, operatorSetIndex),
                let position = strategyPosition(operatorSetIndex, strategyIndex)
            {
                applyDueChange(operatorIndex, slot, position, strategyIndex, epoch: epoch)
            }
            queue.removeFirst()
        }
        withOperatorStrategy(operatorIndex, strategyIndex) { $0.deallocationQueue = queue }
    }
}
