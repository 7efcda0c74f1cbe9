import Accounting
import Contracts

/// The liquid-restaking pool (ether.fi-style, token `eeth`, wrapper `weeth`), held by the ledger
/// (docs/PROTOCOL.md §9.8, reference/restaking.md §5).
///
/// Its shares, wrapper and withdrawal queue are the accounting core's (`SharePool`,
/// `ExchangeRateWrapper`, `WithdrawalQueue`), kept in a ``StethPool`` value used only as the
/// token engine (its own holders: `pool:weeth`, `pool:eeth-withdrawal-queue`); the buffer is its
/// `bufferedWei`. Its validators are owned by `pool:eeth` and natively restaked through one
/// pod-staker per restaking operator, `pool:eeth/<operator>`, delegated to that operator by the
/// pool itself: the share side lives in the ledger's ``RestakingBook`` like any staker's.
///
/// The rate moves only at the pool's reports: `value = buffer + AVS rewards claimed + steth and
/// wsteth held + pending (unverified) validators + Σ pod-stakers' withdrawable native shares +
/// the pool's queued native withdrawals`, so AVS slashes (slashing factor) and beacon-chain
/// losses (BCSF) both lower it; a lower value is a negative rebase, applied as is.
struct EethPool: Sendable, Equatable {
    static let name = "eeth"
    static let owner = "pool:eeth"
    static let stakerPrefix = "pool:eeth/"
    static let wrapperHolder: HolderID = "pool:weeth"
    static let queueHolder: HolderID = "pool:eeth-withdrawal-queue"
    static let treasury: HolderID = "treasury"
    static let validatorDepositWei: UInt128 = 32_000_000_000_000_000_000
    static let reportsKept = 8
    /// ether.fi caps protocol fees at 20 % of rewards.
    static let maxFeeBips: UInt64 = 2_000

    static func staker(_ operatorName: String) -> String { stakerPrefix + operatorName }
    static func isStaker(_ name: String) -> Bool { name.hasPrefix(stakerPrefix) }

    static func freshTokens() -> StethPool {
        var tokens = StethPool()
        tokens.wrapper = ExchangeRateWrapper(wrapperHolder: wrapperHolder)
        tokens.queue = WithdrawalQueue(queueHolder: queueHolder)
        tokens.token = "eeth"
        tokens.wrappedToken = "weeth"
        return tokens
    }

    /// Shares, wrapper, queue and buffer (only those fields of the steth type are used).
    var tokens = EethPool.freshTokens()
    /// The policy: restaking operators the pool delegates to, the cap per operator (of the
    /// pool's value), the fee on positive rewards.
    var operators: [String] = []
    var capBips: UInt64 = 10_000
    var feeBips: UInt64 = 1_000
    var validators: [ValidatorIndex] = []
    var operatorOf: [ValidatorIndex: String] = [:]
    /// AVS rewards claimed for the pod-stakers and not yet collected by a report; all ever claimed.
    var avsRewardsVaultWei: UInt128 = 0
    var avsRewardsTotalWei: UInt128 = 0
    /// Validators whose exit the pool requested to pay withdrawals.
    var exitsRequested: Set<ValidatorIndex> = []
    /// Native withdrawals the pool queued: id → (pod-staker, pod ETH it reserves).
    var podWithdrawals: [UInt64: PodWithdrawal] = [:]
    var lastReportEpoch: UInt64 = 0
    var reports: [JSON] = []
    var feesWei: UInt128 = 0

    struct PodWithdrawal: Sendable, Equatable {
        var staker: String
        var reservedWei: UInt128
    }

    var pooledEtherWei: UInt128 { tokens.pooledEtherWei }
    var totalShares: UInt128 { tokens.totalShares }
    var shareRateE27: UInt128 { tokens.shareRateE27 }
    var bufferedWei: UInt128 {
        get { tokens.bufferedWei }
        set { tokens.bufferedWei = newValue }
    }

    func eethWei(of account: String) -> UInt128 { tokens.stethWei(of: account) }
    func weethWei(of account: String) -> UInt128 { tokens.wstethWei(of: account) }

    /// Pod-stakers the pool has used (one per operator it ever funded), sorted.
    var stakers: [String] { Set(operatorOf.values).sorted().map(Self.staker) }

    func reservedPodWei(_ staker: String) -> UInt128 {
        podWithdrawals.values.filter { $0.staker == staker }.reduce(0) { $0 + $1.reservedWei }
    }

    /// Mints eeth shares worth `valueWei` at the pre-deposit rate (the first mint buys the dead
    /// shares); ETH joins the buffer, tokens (steth, wsteth) are held by `pool:eeth` and counted
    /// at each report.
    mutating func mint(_ valueWei: UInt128, for account: String, intoBuffer: Bool) throws(ContractError) -> UInt128 {
        try Self.requireMintMinimum(valueWei)
        let minted = try tokens.deposit(valueWei, for: account)
        if intoBuffer { tokens.bufferedWei += valueWei }
        return minted
    }

    /// What ``mint(_:for:intoBuffer:)`` would mint, `account`'s eeth balance after and the
    /// pool's ether after, and its errors, changing nothing.
    func previewMint(
        _ valueWei: UInt128, for account: String
    ) throws(ContractError) -> (sharesMinted: UInt128, balanceWei: UInt128, pooledEtherWei: UInt128) {
        try Self.requireMintMinimum(valueWei)
        return try tokens.previewDeposit(valueWei, for: account)
    }

    static func requireMintMinimum(_ valueWei: UInt128) throws(ContractError) {
        guard valueWei >= SharePool.defaultDepositMinimumWei else {
            throw ContractError(.belowMinimum, "the smallest stake is worth 0.01 ETH, got \(EtherAmount.format(valueWei)) ETH")
        }
    }

    /// 32 ETH per validator funded and not exiting, per operator: what the cap and the
    /// spread-evenly policy compare.
    func stakeByOperator(_ chain: BeaconChain) -> [String: UInt128] {
        var stake: [String: UInt128] = [:]
        for name in operators { stake[name] = 0 }
        for index in validators where chain.validators[index.rawValue].exitEpoch == BeaconValidator.farFutureEpoch {
            stake[operatorOf[index]!, default: 0] += Self.validatorDepositWei
        }
        return stake
    }

    /// The operators the buffer funds next, one per 32-ETH validator: the configured operator
    /// with the least pool stake first (ties by name), none past the cap (of the pool's value);
    /// the buffer keeps what the withdrawal queue waits for.
    /// `pooledEtherWei` stands for the pool's value when a stake previewed just before adds to it.
    func fundingPlan(_ chain: BeaconChain, pooledEtherWei: UInt128? = nil, eligible: (String) -> Bool) -> [String] {
        var stake = stakeByOperator(chain)
        let reserve = min(bufferedWei, tokens.queue.unfinalizedAmountWei)
        var fundable = bufferedWei - reserve
        let limit = (pooledEtherWei ?? self.pooledEtherWei) * UInt128(capBips)
        var plan: [String] = []
        while fundable >= Self.validatorDepositWei {
            let candidates = operators.filter { name in
                eligible(name) && (stake[name, default: 0] + Self.validatorDepositWei) * 10_000 <= limit
            }
            guard let next = candidates.min(by: { (stake[$0, default: 0], $0) < (stake[$1, default: 0], $1) }) else { break }
            plan.append(next)
            stake[next, default: 0] += Self.validatorDepositWei
            fundable -= Self.validatorDepositWei
        }
        return plan
    }
}

// MARK: Snapshot

extension EethPool {
    var snapshot: JSON {
        .object([
            "tokens": tokens.snapshot,
            "operators": .array(operators.map(JSON.string)),
            "capBips": .int(capBips), "feeBips": .int(feeBips),
            "validators": .array(validators.map { .array([.int($0.rawValue), .string(operatorOf[$0]!)]) }),
            "avsRewardsVaultWei": .amount(avsRewardsVaultWei), "avsRewardsTotalWei": .amount(avsRewardsTotalWei),
            "exitsRequested": .array(exitsRequested.sorted().map { .int($0.rawValue) }),
            "podWithdrawals": .array(podWithdrawals.keys.sorted().map { id in
                .array([.int(id), .string(podWithdrawals[id]!.staker), .amount(podWithdrawals[id]!.reservedWei)])
            }),
            "lastReportEpoch": .int(lastReportEpoch),
            "reports": .array(reports),
            "feesWei": .amount(feesWei),
        ])
    }

    init(snapshot json: JSON) throws(ContractError) {
        self.init()
        func number(_ value: JSON) throws(ContractError) -> UInt64 {
            guard case .number(let text) = value, let number = UInt64(text) else { throw ContractError(.invalidArgument, "eeth snapshot: number") }
            return number
        }
        func text(_ value: JSON) throws(ContractError) -> String {
            guard case .string(let text) = value else { throw ContractError(.invalidArgument, "eeth snapshot: text") }
            return text
        }
        func parts(_ value: JSON) throws(ContractError) -> [JSON] {
            guard case .array(let parts) = value, parts.count >= 2 else { throw ContractError(.invalidArgument, "eeth snapshot: item") }
            return parts
        }
        tokens = try StethPool(snapshot: try json.object("tokens"), wrapperHolder: Self.wrapperHolder, queueHolder: Self.queueHolder)
        tokens.token = "eeth"
        tokens.wrappedToken = "weeth"
        operators = try json.array("operators").map { value throws(ContractError) in try text(value) }
        capBips = try json.uint64("capBips")
        feeBips = try json.uint64("feeBips")
        for item in try json.array("validators") {
            let pair = try parts(item)
            let index = ValidatorIndex(Int(try number(pair[0])))
            validators.append(index)
            operatorOf[index] = try text(pair[1])
        }
        avsRewardsVaultWei = try json.amount("avsRewardsVaultWei")
        avsRewardsTotalWei = try json.amount("avsRewardsTotalWei")
        exitsRequested = Set(try json.array("exitsRequested").map { value throws(ContractError) in ValidatorIndex(Int(try number(value))) })
        for item in try json.array("podWithdrawals") {
            let triple = try parts(item)
            guard triple.count == 3, case .string(let reserved) = triple[2], let wei = UInt128(reserved) else {
                throw ContractError(.invalidArgument, "eeth snapshot: pod withdrawal")
            }
            podWithdrawals[try number(triple[0])] = PodWithdrawal(staker: try text(triple[1]), reservedWei: wei)
        }
        lastReportEpoch = try json.uint64("lastReportEpoch")
        reports = try json.array("reports")
        feesWei = try json.amount("feesWei")
    }
}
