/// Lido's withdrawal queue: requests stored as cumulative (amount, shares) sums, finalized in
/// order at a share rate, each finalization a checkpoint; a claim pays
/// `min(amount requested, shares × finalization rate / 1e27)`, floor: losses after the request
/// are shared, gains are not.
///
/// Invariants: `lockedEtherWei ≥ Σ claims still owed` (each batch locks at least what its
/// requests can claim); requests are finalized in id order; each request is claimed once.
public struct WithdrawalQueue: Sendable, Equatable {
    /// The queue's own account in the pool: it holds the shares of unfinalized requests.
    public let queueHolder: HolderID
    /// Smallest request, wei (Lido: 100).
    public static let requestMinimumWei: UInt128 = 100
    /// Largest request, wei (Lido: 1000 ETH); larger amounts are split by the caller.
    public static let requestMaximumWei: UInt128 = 1000 * FixedPoint.weiPerEther

    /// One request, with the running totals up to and including it.
    public struct Request: Sendable, Equatable {
        public let owner: HolderID
        public let cumulativeAmountWei: UInt128
        public let cumulativeShares: UInt128
        public internal(set) var isClaimed: Bool

        public init(owner: HolderID, cumulativeAmountWei: UInt128, cumulativeShares: UInt128, isClaimed: Bool) {
            self.owner = owner
            self.cumulativeAmountWei = cumulativeAmountWei
            self.cumulativeShares = cumulativeShares
            self.isClaimed = isClaimed
        }
    }

    /// A finalization: requests from `firstRequestID` on (to the next checkpoint) were
    /// finalized at `maxShareRateE27`.
    public struct Checkpoint: Sendable, Equatable {
        public let firstRequestID: WithdrawalRequestID
        public let maxShareRateE27: UInt128

        public init(firstRequestID: WithdrawalRequestID, maxShareRateE27: UInt128) {
            self.firstRequestID = firstRequestID
            self.maxShareRateE27 = maxShareRateE27
        }
    }

    /// What a finalization locks and burns.
    public struct Finalization: Sendable, Equatable {
        public let lastRequestID: WithdrawalRequestID
        /// Ether to set aside for claims, wei.
        public let etherToLockWei: UInt128
        /// The requests' shares, to burn from ``queueHolder``.
        public let sharesToBurn: UInt128
    }

    /// Requests in id order: `requests[i]` has id `i + 1`.
    public private(set) var requests: [Request] = []
    public private(set) var checkpoints: [Checkpoint] = []
    /// Highest finalized request id (0 when none).
    public private(set) var lastFinalizedRequestID: WithdrawalRequestID = WithdrawalRequestID(0)
    /// Ether locked for finalized, unclaimed requests, wei (including rounding dust).
    public private(set) var lockedEtherWei: UInt128 = 0

    public init(queueHolder: HolderID) {
        self.queueHolder = queueHolder
    }

    /// Restores a queue saved field by field (a service's snapshot).
    /// - Throws: `invalid_share_rate` when the saved fields contradict each other.
    public init(
        queueHolder: HolderID, restoringRequests requests: [Request], checkpoints: [Checkpoint],
        lastFinalizedRequestID: WithdrawalRequestID, lockedEtherWei: UInt128
    ) throws(AccountingError) {
        var previous: (UInt128, UInt128) = (0, 0)
        for request in requests {
            guard request.cumulativeAmountWei > previous.0, request.cumulativeShares > previous.1 else { throw .invalidShareRate }
            previous = (request.cumulativeAmountWei, request.cumulativeShares)
        }
        guard lastFinalizedRequestID.rawValue <= UInt64(requests.count) else { throw .invalidShareRate }
        self.queueHolder = queueHolder
        self.requests = requests
        self.checkpoints = checkpoints
        self.lastFinalizedRequestID = lastFinalizedRequestID
        self.lockedEtherWei = lockedEtherWei
    }

    // MARK: Views

    /// The request's own amount and shares (differences of the cumulative sums).
    public func amountAndShares(
        of id: WithdrawalRequestID
    ) throws(AccountingError) -> (amountWei: UInt128, shares: UInt128) {
        let index = try requestIndex(id)
        let previous = index == 0 ? nil : requests[index - 1]
        let request = requests[index]
        return (
            request.cumulativeAmountWei - (previous?.cumulativeAmountWei ?? 0),
            request.cumulativeShares - (previous?.cumulativeShares ?? 0)
        )
    }

    /// The request, if it exists.
    public func request(_ id: WithdrawalRequestID) -> Request? {
        guard let index = try? requestIndex(id) else { return nil }
        return requests[index]
    }

    /// Amount of unfinalized requests, wei.
    public var unfinalizedAmountWei: UInt128 {
        let last = requests.last?.cumulativeAmountWei ?? 0
        let finalized = lastFinalizedRequestID.rawValue == 0
            ? 0 : requests[Int(lastFinalizedRequestID.rawValue) - 1].cumulativeAmountWei
        return last - finalized
    }

    /// What a finalized request can claim now, wei: `min(amount, floor(shares × rate / 1e27))`.
    /// - Throws: `request_not_found`, `request_not_finalized`, `request_already_claimed`.
    public func claimableWei(_ id: WithdrawalRequestID) throws(AccountingError) -> UInt128 {
        let index = try requestIndex(id)
        guard id <= lastFinalizedRequestID else { throw .requestNotFinalized }
        guard !requests[index].isClaimed else { throw .requestAlreadyClaimed }
        let (amountWei, shares) = try amountAndShares(of: id)
        let rateE27 = checkpoints[checkpointIndex(for: id)].maxShareRateE27
        return try Self.claimWei(amountWei: amountWei, shares: shares, maxShareRateE27: rateE27)
    }

    /// Lido `_calculateClaimableEther`: when the request's own rate is above the checkpoint's,
    /// the claim is `floor(shares × rate / 1e27)`, otherwise the amount requested.
    ///
    /// The comparison is exact (`amount × 1e27 > shares × rate`), where Lido compares the
    /// floored request rate: at a tie of the floors this pays up to 1 wei less than Lido, and it
    /// guarantees that a batch never locks more than its shares are worth at the rate.
    static func claimWei(
        amountWei: UInt128, shares: UInt128, maxShareRateE27: UInt128
    ) throws(AccountingError) -> UInt128 {
        guard isAboveRate(amountWei: amountWei, shares: shares, rateE27: maxShareRateE27) else { return amountWei }
        return try FixedPoint.mulDivFloor(shares, maxShareRateE27, FixedPoint.e27)
    }

    /// `amount / shares > rate / 1e27`, exactly, through 256-bit products.
    static func isAboveRate(amountWei: UInt128, shares: UInt128, rateE27: UInt128) -> Bool {
        let left = amountWei.multipliedFullWidth(by: FixedPoint.e27)
        let right = shares.multipliedFullWidth(by: rateE27)
        return left.high > right.high || (left.high == right.high && left.low > right.low)
    }

    /// What finalizing every request up to `lastRequestID` at `maxShareRateE27` would lock and
    /// burn, without changing anything (Lido `prefinalize`). Consecutive requests on the same
    /// side of the rate form one batch: above it a batch locks `floor(Σshares × rate / 1e27)`,
    /// otherwise `Σamount`. Either is at least the sum of its requests' claims and at most the
    /// batch's shares valued at the rate.
    public func prefinalize(
        through lastRequestID: WithdrawalRequestID, maxShareRateE27: UInt128
    ) throws(AccountingError) -> Finalization {
        guard maxShareRateE27 > 0 else { throw .invalidShareRate }
        guard lastRequestID > lastFinalizedRequestID,
            lastRequestID.rawValue <= UInt64(requests.count)
        else { throw .nothingToFinalize }
        var lockWei: UInt128 = 0
        var batchAmountWei: UInt128 = 0
        var batchShares: UInt128 = 0
        var batchAboveRate: Bool? = nil
        var id = lastFinalizedRequestID.rawValue + 1
        while id <= lastRequestID.rawValue {
            let (amountWei, shares) = try amountAndShares(of: WithdrawalRequestID(id))
            let aboveRate = Self.isAboveRate(amountWei: amountWei, shares: shares, rateE27: maxShareRateE27)
            if let current = batchAboveRate, current != aboveRate {
                lockWei += try Self.batchLockWei(batchAmountWei, batchShares, current, maxShareRateE27)
                batchAmountWei = 0
                batchShares = 0
            }
            batchAboveRate = aboveRate
            batchAmountWei += amountWei
            batchShares += shares
            id += 1
        }
        lockWei += try Self.batchLockWei(batchAmountWei, batchShares, batchAboveRate ?? false, maxShareRateE27)
        let firstIndex = Int(lastFinalizedRequestID.rawValue)
        let sharesBefore = firstIndex == 0 ? 0 : requests[firstIndex - 1].cumulativeShares
        let sharesToBurn = requests[Int(lastRequestID.rawValue) - 1].cumulativeShares - sharesBefore
        return Finalization(lastRequestID: lastRequestID, etherToLockWei: lockWei, sharesToBurn: sharesToBurn)
    }

    private static func batchLockWei(
        _ amountWei: UInt128, _ shares: UInt128, _ aboveRate: Bool, _ rateE27: UInt128
    ) throws(AccountingError) -> UInt128 {
        aboveRate ? try FixedPoint.mulDivFloor(shares, rateE27, FixedPoint.e27) : amountWei
    }

    // MARK: Operations (queue only)

    /// Appends a request of `amountWei` backed by `shares` the caller has already moved to
    /// ``queueHolder``. Prefer ``requestWithdrawal(_:owner:pool:)``, which does both.
    /// - Throws: `amount_below_minimum`, `amount_above_maximum`, `amount_rounds_to_zero`,
    ///   `overflow`.
    @discardableResult
    public mutating func enqueue(
        amountWei: UInt128, shares: UInt128, owner: HolderID
    ) throws(AccountingError) -> WithdrawalRequestID {
        try Self.validateRequestAmount(amountWei)
        guard shares > 0 else { throw .amountRoundsToZero }
        let last = requests.last
        let cumulativeAmountWei = try FixedPoint.add(last?.cumulativeAmountWei ?? 0, amountWei)
        let cumulativeShares = try FixedPoint.add(last?.cumulativeShares ?? 0, shares)
        requests.append(Request(
            owner: owner, cumulativeAmountWei: cumulativeAmountWei,
            cumulativeShares: cumulativeShares, isClaimed: false))
        return WithdrawalRequestID(UInt64(requests.count))
    }

    /// Finalizes requests through `lastRequestID` at `maxShareRateE27`, in the queue only
    /// (the caller moves the ether and burns the shares). Prefer
    /// ``finalize(through:maxShareRateE27:pool:)``.
    @discardableResult
    public mutating func finalize(
        through lastRequestID: WithdrawalRequestID, maxShareRateE27: UInt128
    ) throws(AccountingError) -> Finalization {
        let finalization = try prefinalize(through: lastRequestID, maxShareRateE27: maxShareRateE27)
        let newLockedWei = try FixedPoint.add(lockedEtherWei, finalization.etherToLockWei)
        checkpoints.append(Checkpoint(
            firstRequestID: WithdrawalRequestID(lastFinalizedRequestID.rawValue + 1),
            maxShareRateE27: maxShareRateE27))
        lastFinalizedRequestID = lastRequestID
        lockedEtherWei = newLockedWei
        return finalization
    }

    /// Claims a finalized request for its owner and releases the ether from the lock.
    /// - Returns: the ether paid, wei.
    /// - Throws: `request_not_found`, `not_request_owner`, `request_not_finalized`,
    ///   `request_already_claimed`.
    @discardableResult
    public mutating func claim(
        _ id: WithdrawalRequestID, by owner: HolderID
    ) throws(AccountingError) -> UInt128 {
        let (index, claimWei) = try claimValues(id, by: owner)
        requests[index].isClaimed = true
        lockedEtherWei -= claimWei
        return claimWei
    }

    /// What ``claim(_:by:)`` would pay, and its errors, changing nothing.
    public func previewClaim(_ id: WithdrawalRequestID, by owner: HolderID) throws(AccountingError) -> UInt128 {
        try claimValues(id, by: owner).claimWei
    }

    /// Validates a claim and prices it; changes nothing.
    private func claimValues(
        _ id: WithdrawalRequestID, by owner: HolderID
    ) throws(AccountingError) -> (index: Int, claimWei: UInt128) {
        let index = try requestIndex(id)
        guard requests[index].owner == owner else { throw .notRequestOwner }
        let claimWei = try claimableWei(id)
        // The lock covers every finalized claim; a shortfall would be a bug, not bad input.
        precondition(claimWei <= lockedEtherWei, "withdrawal lock must cover every claim")
        return (index, claimWei)
    }

    // MARK: Operations with the pool

    /// Requests a withdrawal of `amountWei` of `owner`'s pool balance: moves
    /// `floor(amountWei × S / P)` shares to ``queueHolder`` and records the request.
    /// - Throws: `amount_below_minimum`, `amount_above_maximum`, `insufficient_balance`,
    ///   `amount_rounds_to_zero`, `overflow`.
    @discardableResult
    public mutating func requestWithdrawal(
        _ amountWei: UInt128, owner: HolderID, pool: inout SharePool
    ) throws(AccountingError) -> WithdrawalRequestID {
        let last = requests.last
        let shares = try requestValues(
            amountWei, ownerShares: pool.shares(of: owner),
            afterAmountWei: last?.cumulativeAmountWei ?? 0, afterShares: last?.cumulativeShares ?? 0, pool: pool)
        let outcome = try pool.transfer(amountWei, from: owner, to: queueHolder)
        precondition(outcome.sharesMoved == shares)
        return try enqueue(amountWei: amountWei, shares: shares, owner: owner)
    }

    /// One request as ``previewRequestWithdrawals(_:owner:ownerShares:pool:)`` prices it.
    public struct RequestPreview: Sendable, Equatable {
        public let id: WithdrawalRequestID
        public let amountWei: UInt128
        /// The shares it would move to ``queueHolder`` (= what ``amountAndShares(of:)`` would say).
        public let shares: UInt128

        public init(id: WithdrawalRequestID, amountWei: UInt128, shares: UInt128) {
            self.id = id
            self.amountWei = amountWei
            self.shares = shares
        }
    }

    /// What ``requestWithdrawal(_:owner:pool:)`` would record for each of `amountsWei` in turn,
    /// and the first error, changing neither the queue nor `pool`. `ownerShares` is what the
    /// owner holds before the first (its shares in `pool` when nil; more after an unwrap the
    /// caller also previews: transfers do not move the rate).
    public func previewRequestWithdrawals(
        _ amountsWei: [UInt128], owner: HolderID, ownerShares: UInt128? = nil, pool: SharePool
    ) throws(AccountingError) -> [RequestPreview] {
        var sharesLeft = ownerShares ?? pool.shares(of: owner)
        var cumulativeAmountWei = requests.last?.cumulativeAmountWei ?? 0
        var cumulativeShares = requests.last?.cumulativeShares ?? 0
        var previews: [RequestPreview] = []
        previews.reserveCapacity(amountsWei.count)
        for amountWei in amountsWei {
            let shares = try requestValues(
                amountWei, ownerShares: sharesLeft, afterAmountWei: cumulativeAmountWei, afterShares: cumulativeShares, pool: pool)
            // Checked by requestValues: no overflow, shares ≤ sharesLeft.
            sharesLeft -= shares
            cumulativeAmountWei += amountWei
            cumulativeShares += shares
            previews.append(RequestPreview(
                id: WithdrawalRequestID(UInt64(requests.count + previews.count + 1)), amountWei: amountWei, shares: shares))
        }
        return previews
    }

    /// Validates a request by an owner holding `ownerShares`, after cumulative sums
    /// (`afterAmountWei`, `afterShares`), and prices it in shares; changes nothing.
    private func requestValues(
        _ amountWei: UInt128, ownerShares: UInt128, afterAmountWei: UInt128, afterShares: UInt128, pool: SharePool
    ) throws(AccountingError) -> UInt128 {
        try Self.validateRequestAmount(amountWei)
        let shares = try pool.sharesForEtherFloor(amountWei)
        guard shares > 0 else { throw .amountRoundsToZero }
        _ = try FixedPoint.add(afterAmountWei, amountWei)
        _ = try FixedPoint.add(afterShares, shares)
        let outcome = try pool.transferValues(amountWei, senderShares: ownerShares)
        precondition(outcome.sharesMoved == shares)
        return shares
    }

    /// Finalizes through `lastRequestID` at `maxShareRateE27` (at most the pool's current
    /// rate): burns the requests' shares from ``queueHolder`` and takes the ether to lock out
    /// of the pool, so the pool's rate does not fall.
    /// - Throws: `nothing_to_finalize`, `invalid_share_rate`, `overflow`.
    @discardableResult
    public mutating func finalize(
        through lastRequestID: WithdrawalRequestID, maxShareRateE27: UInt128, pool: inout SharePool
    ) throws(AccountingError) -> Finalization {
        guard maxShareRateE27 <= pool.shareRateE27 else { throw .invalidShareRate }
        let finalization = try prefinalize(through: lastRequestID, maxShareRateE27: maxShareRateE27)
        _ = try FixedPoint.add(lockedEtherWei, finalization.etherToLockWei)
        try pool.burnShares(
            finalization.sharesToBurn, from: queueHolder,
            releasingEtherWei: finalization.etherToLockWei)
        return try finalize(through: lastRequestID, maxShareRateE27: maxShareRateE27)
    }

    // MARK: Helpers

    private static func validateRequestAmount(_ amountWei: UInt128) throws(AccountingError) {
        guard amountWei >= requestMinimumWei else { throw .amountBelowMinimum(minimum: requestMinimumWei) }
        guard amountWei <= requestMaximumWei else { throw .amountAboveMaximum(maximum: requestMaximumWei) }
    }

    private func requestIndex(_ id: WithdrawalRequestID) throws(AccountingError) -> Int {
        guard id.rawValue >= 1, id.rawValue <= UInt64(requests.count) else { throw .requestNotFound }
        return Int(id.rawValue) - 1
    }

    /// Binary search for the checkpoint whose range holds `id` (Lido's hint search).
    private func checkpointIndex(for id: WithdrawalRequestID) -> Int {
        precondition(!checkpoints.isEmpty && checkpoints[0].firstRequestID <= id)
        var low = 0
        var high = checkpoints.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if checkpoints[middle].firstRequestID <= id { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
