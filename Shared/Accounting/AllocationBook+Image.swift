extension AllocationBook {
    /// Everything an ``AllocationBook`` is, as plain values, in handle order, with handles as
    /// indexes into the image's own arrays. O(operators × strategies + operator sets +
    /// memberships × strategies), whatever the number of allocations and slashes.
    ///
    /// Strategy handles are not stored: the book interns strategies as operator sets name
    /// them, so restoring the sets in order gives the same handles.
    public struct Image: Sendable, Equatable {
        public var deallocationDelayEpochs: UInt64
        public var latestEpoch: UInt64
        /// Operators in handle order.
        public var operators: [StoredOperator]
        /// Operator sets in handle order.
        public var operatorSets: [StoredOperatorSet]
        /// (operator, set) entries in the order they were first touched.
        public var memberships: [StoredMembership]

        public init(
            deallocationDelayEpochs: UInt64, latestEpoch: UInt64, operators: [StoredOperator],
            operatorSets: [StoredOperatorSet], memberships: [StoredMembership]
        ) {
            self.deallocationDelayEpochs = deallocationDelayEpochs
            self.latestEpoch = latestEpoch
            self.operators = operators
            self.operatorSets = operatorSets
            self.memberships = memberships
        }
    }

    /// One (operator, strategy): max and encumbered magnitude, and the sets with a pending
    /// deallocation in effect order.
    public struct StoredMagnitudes: Sendable, Equatable {
        public var maxMagnitudeWad: UInt64
        public var encumberedMagnitudeWad: UInt64
        public var deallocationQueue: [OperatorSetHandle]
        public init(maxMagnitudeWad: UInt64, encumberedMagnitudeWad: UInt64, deallocationQueue: [OperatorSetHandle]) {
            self.maxMagnitudeWad = maxMagnitudeWad
            self.encumberedMagnitudeWad = encumberedMagnitudeWad
            self.deallocationQueue = deallocationQueue
        }
    }

    public struct StoredOperator: Sendable, Equatable {
        public var id: OperatorID
        public var allocationDelayEpochs: UInt64
        /// By strategy handle (past the end: max WAD, nothing encumbered).
        public var strategies: [StoredMagnitudes]
        public init(id: OperatorID, allocationDelayEpochs: UInt64, strategies: [StoredMagnitudes]) {
            self.id = id
            self.allocationDelayEpochs = allocationDelayEpochs
            self.strategies = strategies
        }
    }

    public struct StoredOperatorSet: Sendable, Equatable {
        public var id: OperatorSetID
        /// In ascending ID order (an allocation's position).
        public var strategies: [StrategyID]
        public var slashCount: UInt64
        public init(id: OperatorSetID, strategies: [StrategyID], slashCount: UInt64) {
            self.id = id
            self.strategies = strategies
            self.slashCount = slashCount
        }
    }

    public struct StoredAllocation: Sendable, Equatable {
        public var currentMagnitudeWad: UInt64
        public var pendingDiffWad: Int128
        public var effectEpoch: UInt64
        public init(currentMagnitudeWad: UInt64, pendingDiffWad: Int128, effectEpoch: UInt64) {
            self.currentMagnitudeWad = currentMagnitudeWad
            self.pendingDiffWad = pendingDiffWad
            self.effectEpoch = effectEpoch
        }
    }

    public struct StoredRegistration: Sendable, Equatable {
        public var isRegistered: Bool
        public var slashableUntilEpoch: UInt64
        public init(isRegistered: Bool, slashableUntilEpoch: UInt64) {
            self.isRegistered = isRegistered
            self.slashableUntilEpoch = slashableUntilEpoch
        }
    }

    public struct StoredMembership: Sendable, Equatable {
        public var operatorHandle: OperatorHandle
        public var operatorSet: OperatorSetHandle
        /// Nil until the operator first registers for the set.
        public var registration: StoredRegistration?
        /// By position in the set's strategies.
        public var allocations: [StoredAllocation]
        public init(
            operatorHandle: OperatorHandle, operatorSet: OperatorSetHandle, registration: StoredRegistration?,
            allocations: [StoredAllocation]
        ) {
            self.operatorHandle = operatorHandle
            self.operatorSet = operatorSet
            self.registration = registration
            self.allocations = allocations
        }
    }

    /// The book as an ``Image`` (O(state)).
    public var image: Image {
        Image(
            deallocationDelayEpochs: deallocationDelayEpochs, latestEpoch: latestEpoch,
            operators: operatorStates.indices.map { index in
                StoredOperator(
                    id: operatorIDs.ids[index], allocationDelayEpochs: operatorStates[index].allocationDelayEpochs,
                    strategies: operatorStates[index].strategies.map { state in
                        StoredMagnitudes(
                            maxMagnitudeWad: state.maxWad, encumberedMagnitudeWad: state.encumberedWad,
                            deallocationQueue: state.deallocationQueue.map(OperatorSetHandle.init(index:)))
                    })
            },
            operatorSets: operatorSetStates.indices.map { index in
                StoredOperatorSet(
                    id: operatorSetIDs[index],
                    strategies: operatorSetStates[index].strategyHandles.map { strategyIDs[$0] },
                    slashCount: operatorSetStates[index].slashCount)
            },
            memberships: memberships.map { membership in
                StoredMembership(
                    operatorHandle: OperatorHandle(index: membership.operatorIndex),
                    operatorSet: OperatorSetHandle(index: membership.operatorSetIndex),
                    registration: membership.registration.map {
                        StoredRegistration(isRegistered: $0.isRegistered, slashableUntilEpoch: $0.slashableUntilEpoch)
                    },
                    allocations: membership.allocations.map {
                        StoredAllocation(
                            currentMagnitudeWad: $0.currentMagnitudeWad, pendingDiffWad: $0.pendingDiffWad,
                            effectEpoch: $0.effectEpoch)
                    })
            })
    }

    /// Rebuilds the book an ``image`` was read from (`==` to it), validating it first:
    /// - shape (`invalid_image`): no operator or set twice, a set's strategies strictly
    ///   ascending, per-operator strategy entries no more than the strategies, membership and
    ///   queue handles in range, one membership per (operator, set), one allocation per
    ///   strategy of the set;
    /// - magnitudes (`invalid_magnitude`): max ≤ WAD, encumbered ≤ max, every allocation's
    ///   current and current + pending in 0…WAD;
    /// - encumbered (`invalid_image`): each (operator, strategy)'s encumbered magnitude equals
    ///   the sum over its sets of current + pending increase (what allocation and slashing keep).
    public init(restoring image: Image) throws(AccountingError) {
        var book = AllocationBook(deallocationDelayEpochs: image.deallocationDelayEpochs)
        for stored in image.operatorSets {
            for position in stored.strategies.indices.dropFirst()
            where stored.strategies[position - 1] >= stored.strategies[position] {
                throw .invalidImage
            }
            do {
                try book.createOperatorSet(stored.id, strategies: Set(stored.strategies))
            } catch {
                throw .invalidImage  // a set twice
            }
            book.operatorSetStates[book.operatorSetStates.count - 1].slashCount = stored.slashCount
        }
        let strategyCount = book.strategyIDs.count
        let setCount = image.operatorSets.count
        for stored in image.operators {
            do {
                try book.registerOperator(stored.id, allocationDelayEpochs: stored.allocationDelayEpochs)
            } catch {
                throw .invalidImage  // an operator twice
            }
            guard stored.strategies.count <= strategyCount else { throw .invalidImage }
            var states: ContiguousArray<OperatorStrategyState> = []
            for magnitudes in stored.strategies {
                guard magnitudes.maxMagnitudeWad <= UInt64(FixedPoint.wad),
                    magnitudes.encumberedMagnitudeWad <= magnitudes.maxMagnitudeWad
                else { throw .invalidMagnitude }
                guard magnitudes.deallocationQueue.allSatisfy({ $0.index >= 0 && Int($0.index) < setCount }) else {
                    throw .invalidImage
                }
                states.append(OperatorStrategyState(
                    maxWad: magnitudes.maxMagnitudeWad, encumberedWad: magnitudes.encumberedMagnitudeWad,
                    deallocationQueue: magnitudes.deallocationQueue.map(\.index)))
            }
            book.operatorStates[book.operatorStates.count - 1].strategies = states
        }
        for stored in image.memberships {
            let operatorIndex = Int(stored.operatorHandle.index)
            let setIndex = Int(stored.operatorSet.index)
            guard operatorIndex >= 0, operatorIndex < image.operators.count, setIndex >= 0, setIndex < setCount,
                book.membershipSlot(operatorIndex, setIndex) == nil,
                stored.allocations.count == image.operatorSets[setIndex].strategies.count
            else { throw .invalidImage }
            var allocations: ContiguousArray<Allocation> = []
            for allocation in stored.allocations {
                let after = Int128(allocation.currentMagnitudeWad) + allocation.pendingDiffWad
                guard allocation.currentMagnitudeWad <= UInt64(FixedPoint.wad), after >= 0,
                    after <= Int128(FixedPoint.wad)
                else { throw .invalidMagnitude }
                allocations.append(Allocation(
                    currentMagnitudeWad: allocation.currentMagnitudeWad, pendingDiffWad: allocation.pendingDiffWad,
                    effectEpoch: allocation.effectEpoch))
            }
            let slot = book.ensureMembership(operatorIndex, setIndex)
            book.memberships[slot].registration = stored.registration.map {
                Registration(isRegistered: $0.isRegistered, slashableUntilEpoch: $0.slashableUntilEpoch)
            }
            book.memberships[slot].allocations = allocations
        }
        book.latestEpoch = image.latestEpoch
        try book.validateEncumbered()
        self = book
    }

    /// Σ over an operator's sets of current + pending increase, per strategy, against the
    /// stored encumbered magnitude.
    private func validateEncumbered() throws(AccountingError) {
        var sums: [[UInt128]] = operatorStates.map { _ in Array(repeating: 0, count: strategyIDs.count) }
        for membership in memberships {
            let strategies = operatorSetStates[Int(membership.operatorSetIndex)].strategyHandles
            for (position, allocation) in membership.allocations.enumerated() {
                let increase = allocation.pendingDiffWad > 0 ? UInt128(allocation.pendingDiffWad) : 0
                sums[Int(membership.operatorIndex)][Int(strategies[position].index)] +=
                    UInt128(allocation.currentMagnitudeWad) + increase
            }
        }
        for (operatorIndex, sumsByStrategy) in sums.enumerated() {
            for (strategyIndex, sum) in sumsByStrategy.enumerated() {
                guard UInt128(operatorStrategy(operatorIndex, strategyIndex).encumberedWad) == sum else {
                    throw .invalidImage
                }
            }
        }
    }
}
