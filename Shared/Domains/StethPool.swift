import Accounting
import Contracts

/// The rebasing liquid-staking pool (Lido-style, token `steth`, wrapper `wsteth`), held by the
/// ledger: shares, wrapper and withdrawal queue from the accounting core, plus the pool's ETH —
/// the buffer, the validators it funded, the vaults its oracle reports collect, and the ETH
/// locked for finalized withdrawals.
///
/// `pooledEther = buffered + reported CL balance + (funded − reported validators) × 32 ETH`
/// (Lido's `_getTotalPooledEther`): the rate moves only at reports.
struct StethPool: Sendable, Equatable {
    static let name = "steth"
    static let owner = "pool:steth"
    static let wrapperHolder: HolderID = "pool:wsteth"
    static let queueHolder: HolderID = "pool:withdrawal-queue"
    static let operatorsHolder: HolderID = "pool:node-operators"
    /// The protocol treasury's account: it receives 5 % of rewards as shares.
    static let treasury: HolderID = "treasury"
    /// "Stone in the elevator": the first stake's first 1000 wei buy dead shares, so the rate
    /// can never be manipulated from an empty pool.
    static let bootstrapWei: UInt128 = 1_000
    static let nodeOperatorsFeeBips: UInt128 = 500
    static let treasuryFeeBips: UInt128 = 500
    static let validatorDepositWei: UInt128 = 32_000_000_000_000_000_000
    /// Rate history kept for the 7-day APR (reports), bounded.
    static let rateHistoryMax = 64

    struct RatePoint: Sendable, Equatable {
        var epoch: UInt64
        var pooledEtherWei: UInt128
        var totalShares: UInt128
    }

    var shares: SharePool?
    var wrapper = ExchangeRateWrapper(wrapperHolder: StethPool.wrapperHolder)
    var queue = WithdrawalQueue(queueHolder: StethPool.queueHolder)
    /// The names of the pool's token and wrapper in messages (the eeth pool reuses this type
    /// for its shares, weeth wrapper and queue: see EethPool).
    var token = "steth"
    var wrappedToken = "wsteth"
    var bufferedWei: UInt128 = 0
    var reportedClBalanceWei: UInt128 = 0
    var reportedClValidators = 0
    /// Every validator the pool funded, in order, with its operator.
    var validators: [ValidatorIndex] = []
    var operatorOf: [ValidatorIndex: String] = [:]
    /// Swept from the pool's validators since the last report collected them.
    var withdrawalVaultWei: UInt128 = 0
    /// Execution-layer rewards accrued since the last report collected them.
    var elVaultWei: UInt128 = 0
    /// All execution-layer rewards ever accrued (ETH that entered the books from outside).
    var elRewardsTotalWei: UInt128 = 0
    var lastReportEpoch: UInt64 = 0
    var rateHistory: [RatePoint] = []
    /// Fees paid so far, valued at mint.
    var operatorsFeesWei: UInt128 = 0
    var treasuryFeesWei: UInt128 = 0
    var feesByOperator: [String: UInt128] = [:]
    /// Request epoch per withdrawal request (index = id − 1), and finalization epochs.
    var requestEpochs: [UInt64] = []
    var finalizedEpochs: [UInt64: UInt64] = [:]
    /// The last report held by a sanity limit, if the latest one was.
    var heldReport: JSON?
    /// The last report applied despite a loss beyond the expected bound, for review.
    var flaggedReport: JSON?
    var bunkerMode = false
    /// Validators whose exit the pool requested to pay withdrawals.
    var exitsRequested: Set<ValidatorIndex> = []

    var pooledEtherWei: UInt128 { shares?.pooledEtherWei ?? 0 }
    var totalShares: UInt128 { shares?.totalShares ?? 0 }
    /// ETH per share × 1e27 (1e27 before the first stake).
    var shareRateE27: UInt128 { shares?.shareRateE27 ?? 1_000_000_000_000_000_000_000_000_000 }

    /// Annualised growth of the rate between the oldest report of the last 7 days (1575 epochs)
    /// and the latest, in bips (floor); nil without two reports in the window. Rates in E27.
    static func aprBips7d(_ history: [RatePoint]) -> UInt64? {
        guard let latest = history.last,
            let oldest = history.first(where: { latest.epoch - $0.epoch <= 7 * 225 }),
            oldest.epoch < latest.epoch, oldest.totalShares > 0, latest.totalShares > 0
        else { return nil }
        let e27: UInt128 = 1_000_000_000_000_000_000_000_000_000
        guard let now = try? FixedPoint.mulDivFloor(latest.pooledEtherWei, e27, latest.totalShares),
            let then = try? FixedPoint.mulDivFloor(oldest.pooledEtherWei, e27, oldest.totalShares), then > 0
        else { return nil }
        guard now > then else { return 0 }
        let epochsPerYear: UInt128 = 82_181
        let bips = (try? FixedPoint.mulDivFloor((now - then) * 10_000, epochsPerYear, then * UInt128(latest.epoch - oldest.epoch))) ?? 0
        return UInt64(min(bips, UInt128(UInt64.max)))
    }

    // MARK: Balances

    func stethWei(of account: String) -> UInt128 { shares?.balanceWei(of: HolderID(account)) ?? 0 }
    func shares(of account: String) -> UInt128 { shares?.shares(of: HolderID(account)) ?? 0 }
    func wstethWei(of account: String) -> UInt128 { wrapper.wrapped(of: HolderID(account)) }

    // MARK: Operations (each validates fully before it changes anything, and changes the pool
    // in place: a mutation through a second reference would copy its arrays, O(holders))

    /// Mints shares for `amountWei` at the pre-deposit rate; the ETH joins the buffer.
    mutating func stake(_ amountWei: UInt128, for account: String) throws(ContractError) -> UInt128 {
        try Self.requireStakeMinimum(amountWei)
        let minted = try deposit(amountWei, for: account)
        bufferedWei += amountWei
        return minted
    }

    static func requireStakeMinimum(_ amountWei: UInt128) throws(ContractError) {
        guard amountWei >= SharePool.defaultDepositMinimumWei else {
            throw ContractError(.belowMinimum, "the smallest stake is 0.01 ETH, got \(EtherAmount.format(amountWei)) ETH")
        }
    }

    /// Mints shares for `valueWei` at the pre-deposit rate; the first deposit buys the dead
    /// shares with its first ``bootstrapWei``.
    mutating func deposit(_ valueWei: UInt128, for account: String) throws(ContractError) -> UInt128 {
        guard shares != nil else {
            var pool = try accounting { () throws(AccountingError) in try SharePool(bootstrapWei: Self.bootstrapWei) }
            let minted = try accounting { () throws(AccountingError) in
                try pool.deposit(valueWei - Self.bootstrapWei, for: HolderID(account))
            }
            shares = pool
            return minted
        }
        return try accounting { () throws(AccountingError) in try shares!.deposit(valueWei, for: HolderID(account)) }
    }

    /// What ``deposit(_:for:)`` would mint, `account`'s balance after and the pool's ether
    /// after, changing nothing.
    func previewDeposit(
        _ valueWei: UInt128, for account: String
    ) throws(ContractError) -> (sharesMinted: UInt128, balanceWei: UInt128, pooledEtherWei: UInt128) {
        guard let pool = shares else {
            // The first deposit: a new pool, nothing shared to copy.
            var fresh = self
            let minted = try fresh.deposit(valueWei, for: account)
            return (minted, fresh.stethWei(of: account), fresh.pooledEtherWei)
        }
        let minted = try accounting { () throws(AccountingError) in try pool.previewDeposit(valueWei) }
        // The preview checked that both sums fit.
        let pooledWei = pool.pooledEtherWei + valueWei
        let balanceWei = (try? FixedPoint.mulDivFloor(
            pool.shares(of: HolderID(account)) + minted, pooledWei, pool.totalShares + minted)) ?? 0
        return (minted, balanceWei, pooledWei)
    }

    /// What ``transfer(amountWei:shares:token:from:to:)`` would move and credit, and its errors,
    /// changing nothing.
    func previewTransfer(
        amountWei: UInt128?, shares sharesToMove: UInt128?, token: String, from: String, to: String
    ) throws(ContractError) -> (sharesMoved: UInt128, creditedWei: UInt128) {
        switch token {
        case self.token:
            guard let pool = shares else { throw ContractError(.insufficientBalance, "\(from) holds no \(self.token)") }
            // Refuse with the account, the token and both amounts (the core's error names none).
            if let sharesToMove, sharesToMove > pool.shares(of: HolderID(from)) {
                throw ContractError(.insufficientBalance,
                    "\(from) holds \(pool.shares(of: HolderID(from))) \(self.token) shares, cannot transfer \(sharesToMove)")
            }
            if let amountWei, amountWei > pool.balanceWei(of: HolderID(from)) {
                throw ContractError(.insufficientBalance, "\(from) holds \(EtherAmount.format(pool.balanceWei(of: HolderID(from)))) "
                    + "\(self.token), cannot transfer \(EtherAmount.format(amountWei)) \(self.token)")
            }
            let outcome = try accounting { () throws(AccountingError) in
                if let sharesToMove {
                    try pool.previewTransferShares(sharesToMove, from: HolderID(from))
                } else {
                    try pool.previewTransfer(amountWei ?? 0, from: HolderID(from))
                }
            }
            return (outcome.sharesMoved, outcome.amountCreditedWei)
        case wrappedToken:
            guard sharesToMove == nil else {
                throw ContractError(.invalidArgument, "a by-shares transfer is for \(self.token); \(wrappedToken) moves exact units already")
            }
            let units = amountWei ?? 0
            let held = wrapper.wrapped(of: HolderID(from))
            guard units <= held else {
                throw ContractError(.insufficientBalance,
                    "\(from) holds \(EtherAmount.format(held)) \(wrappedToken), cannot transfer \(EtherAmount.format(units)) \(wrappedToken)")
            }
            try accounting { () throws(AccountingError) in try wrapper.previewTransfer(units, from: HolderID(from)) }
            return (0, units)
        default:
            throw ContractError(.unknownToken, "the \(self.token) pool has tokens \(self.token) and \(wrappedToken), not \(token)")
        }
    }

    mutating func transfer(
        amountWei: UInt128?, shares sharesToMove: UInt128?, token: String, from: String, to: String
    ) throws(ContractError) -> (sharesMoved: UInt128, creditedWei: UInt128) {
        // The preview validates everything and says what moves; then the core moves it.
        let moved = try previewTransfer(amountWei: amountWei, shares: sharesToMove, token: token, from: from, to: to)
        if token == self.token {
            let outcome = try accounting { () throws(AccountingError) in
                if let sharesToMove {
                    try shares!.transferShares(sharesToMove, from: HolderID(from), to: HolderID(to))
                } else {
                    try shares!.transfer(amountWei ?? 0, from: HolderID(from), to: HolderID(to))
                }
            }
            return (outcome.sharesMoved, outcome.amountCreditedWei)
        }
        try accounting { () throws(AccountingError) in try wrapper.transfer(moved.creditedWei, from: HolderID(from), to: HolderID(to)) }
        return moved
    }

    mutating func wrap(_ amountWei: UInt128, for account: String) throws(ContractError) -> UInt128 {
        guard shares != nil else { throw ContractError(.insufficientBalance, "\(account) holds no \(token)") }
        return try accounting { () throws(AccountingError) in try wrapper.wrap(amountWei, for: HolderID(account), in: &shares!) }
    }

    /// What ``wrap(_:for:)`` would mint and `account`'s balances after (token, wrapped),
    /// changing nothing.
    func previewWrap(
        _ amountWei: UInt128, for account: String
    ) throws(ContractError) -> (units: UInt128, balanceWei: UInt128, wrappedWei: UInt128) {
        guard let pool = shares else { throw ContractError(.insufficientBalance, "\(account) holds no \(token)") }
        let holder = HolderID(account)
        let units = try accounting { () throws(AccountingError) in try wrapper.previewWrap(amountWei, for: holder, in: pool) }
        // A transfer leaves the rate as it is: the account holds `units` shares fewer (an
        // account name is never the wrapper's holder).
        let balanceWei = (try? pool.etherForSharesFloor(pool.shares(of: holder) - units)) ?? 0
        return (units, balanceWei, wrapper.wrapped(of: holder) + units)
    }

    mutating func unwrap(_ units: UInt128, for account: String) throws(ContractError) -> ExchangeRateWrapper.UnwrapOutcome {
        let outcome = try previewUnwrap(units, for: account).outcome
        let unwrapped = try accounting { () throws(AccountingError) in
            try wrapper.unwrap(units, for: HolderID(account), in: &shares!)
        }
        precondition(unwrapped == outcome, "an unwrap must do what its preview said")
        return unwrapped
    }

    /// What ``unwrap(_:for:)`` would pay, `account`'s shares and balances after (token,
    /// wrapped), and its errors, changing nothing.
    func previewUnwrap(
        _ units: UInt128, for account: String
    ) throws(ContractError) -> (outcome: ExchangeRateWrapper.UnwrapOutcome, sharesAfter: UInt128, balanceWei: UInt128, wrappedWei: UInt128) {
        guard let pool = shares else { throw ContractError(.insufficientBalance, "\(account) holds no \(wrappedToken)") }
        let holder = HolderID(account)
        let held = wrapper.wrapped(of: holder)
        guard units <= held else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(held)) \(wrappedToken), cannot unwrap \(EtherAmount.format(units)) \(wrappedToken)")
        }
        let outcome = try accounting { () throws(AccountingError) in try wrapper.previewUnwrap(units, for: holder, in: pool) }
        // At most totalShares: no overflow; the rate does not move.
        let sharesAfter = pool.shares(of: holder) + outcome.sharesMoved
        let balanceWei = (try? pool.etherForSharesFloor(sharesAfter)) ?? 0
        return (outcome, sharesAfter, balanceWei, held - units)
    }

    /// Splits `amountWei` into requests of at most 1000 ETH and enqueues each, locking shares.
    mutating func requestWithdrawal(
        _ amountWei: UInt128, for account: String, epoch: UInt64
    ) throws(ContractError) -> [(id: WithdrawalRequestID, amountWei: UInt128, shares: UInt128)] {
        let made = try previewRequestWithdrawal(amountWei, for: account)
        for request in made {
            let id = try accounting { () throws(AccountingError) in
                try queue.requestWithdrawal(request.amountWei, owner: HolderID(account), pool: &shares!)
            }
            precondition(id == request.id, "a withdrawal request must get the id its preview said")
        }
        requestEpochs += Array(repeating: epoch, count: made.count)
        return made
    }

    /// What ``requestWithdrawal(_:for:epoch:)`` would enqueue, and its errors, changing nothing;
    /// `sharesHeld` stands for `account`'s shares when an unwrap previewed just before adds to them.
    func previewRequestWithdrawal(
        _ amountWei: UInt128, for account: String, sharesHeld: UInt128? = nil
    ) throws(ContractError) -> [(id: WithdrawalRequestID, amountWei: UInt128, shares: UInt128)] {
        guard let pool = shares else { throw ContractError(.insufficientBalance, "\(account) holds no \(token)") }
        guard amountWei >= WithdrawalQueue.requestMinimumWei else {
            throw ContractError(.belowMinimum, "the smallest withdrawal request is 100 wei")
        }
        let held = sharesHeld ?? pool.shares(of: HolderID(account))
        let available = (try? pool.etherForSharesFloor(held)) ?? 0
        guard amountWei <= available else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(available)) \(token), cannot withdraw \(EtherAmount.format(amountWei))")
        }
        var parts: [UInt128] = []
        var left = amountWei
        while left > WithdrawalQueue.requestMaximumWei {
            parts.append(WithdrawalQueue.requestMaximumWei)
            left -= WithdrawalQueue.requestMaximumWei
        }
        if left > 0 {
            // The other parts are at the maximum, so a remainder under the minimum has nowhere
            // to go: refuse rather than leave it behind.
            guard left >= WithdrawalQueue.requestMinimumWei else {
                throw ContractError(.belowMinimum,
                    "splitting into 1000-ETH requests leaves \(left) wei, below the 100-wei minimum; adjust the amount")
            }
            parts.append(left)
        }
        let previews = try accounting { () throws(AccountingError) in
            try queue.previewRequestWithdrawals(parts, owner: HolderID(account), ownerShares: held, pool: pool)
        }
        return previews.map { ($0.id, $0.amountWei, $0.shares) }
    }

    mutating func claim(_ id: WithdrawalRequestID, by account: String) throws(ContractError) -> UInt128 {
        try accounting { () throws(AccountingError) in try queue.claim(id, by: HolderID(account)) }
    }

    /// What ``claim(_:by:)`` would pay, and its errors, changing nothing.
    func previewClaim(_ id: WithdrawalRequestID, by account: String) throws(ContractError) -> UInt128 {
        try accounting { () throws(AccountingError) in try queue.previewClaim(id, by: HolderID(account)) }
    }

    // MARK: Reading the pool's validators

    /// The validators the consensus layer has credited (Lido's `clValidators`) and their balance.
    func consensusLayer(_ chain: BeaconChain) -> (validators: Int, balanceWei: UInt128) {
        var count = 0
        var balance: UInt128 = 0
        for index in validators {
            let validator = chain.validators[index.rawValue]
            guard validator.status(at: chain.epoch) != .pendingInitialized else { continue }
            count += 1
            balance += UInt128(validator.balanceGwei) * 1_000_000_000
        }
        return (count, balance)
    }

    /// Active (or pending) validators per operator: the ones that count for fees and limits.
    func runningValidators(_ chain: BeaconChain) -> [String: Int] {
        var counts: [String: Int] = [:]
        for index in validators where chain.validators[index.rawValue].exitEpoch == BeaconValidator.farFutureEpoch {
            counts[operatorOf[index]!, default: 0] += 1
        }
        return counts
    }
}

extension ErrorCode {
    static let belowMinimum = ErrorCode(rawValue: "below_minimum")
    static let unknownPool = ErrorCode(rawValue: "unknown_pool")
    static let unknownToken = ErrorCode(rawValue: "unknown_token")
    static let insufficientLiquidity = ErrorCode(rawValue: "insufficient_liquidity")
    static let requestNotFound = ErrorCode(rawValue: "request_not_found")
    static let requestNotFinalized = ErrorCode(rawValue: "request_not_finalized")
    static let requestAlreadyClaimed = ErrorCode(rawValue: "request_already_claimed")
    static let amountRoundsToZero = ErrorCode(rawValue: "amount_rounds_to_zero")
}

/// Runs an accounting-core call, turning its refusal into the protocol's error.
func accounting<T>(_ body: () throws(AccountingError) -> T) throws(ContractError) -> T {
    do throws(AccountingError) {
        return try body()
    } catch {
        throw ContractError(error)
    }
}

extension ContractError {
    init(_ error: AccountingError) {
        let code: ErrorCode = switch error {
        case .insufficientBalance: .insufficientBalance
        case .amountZero: .amountZero
        case .amountBelowMinimum: .belowMinimum
        case .amountRoundsToZero: .amountRoundsToZero
        case .requestNotFound: .requestNotFound
        case .requestNotFinalized: .requestNotFinalized
        case .requestAlreadyClaimed: .requestAlreadyClaimed
        case .notRequestOwner: .unauthorized
        default: ErrorCode(rawValue: error.code)
        }
        var message = error.message
        if case .insufficientBalance(let available, let required) = error {
            message = "holds \(EtherAmount.format(available)), needs \(EtherAmount.format(required))"
        }
        self.init(code, message)
    }
}
