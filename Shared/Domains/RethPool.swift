import Accounting
import Contracts

/// The exchange-rate liquid-staking pool (Rocket Pool-style, token `reth`), held by the ledger.
///
/// Users' ETH waits in the deposit pool until a node operator opens a minipool: it bonds 8 or
/// 16 ETH and the deposit pool adds the rest of 32 ETH. The node's part of each minipool (its bond
/// plus its share of the rewards and its commission on the users' share) is paid to the node's
/// account as it is swept; the users' part stays in the pool (`collateralWei`). The rate
/// `totalEth / supply` changes only at reports, where `totalEth` = deposit pool + collateral +
/// the users' part of every minipool still running.
struct RethPool: Sendable, Equatable {
    static let name = "reth"
    static let owner = "pool:reth"
    static let validatorWei: UInt128 = 32_000_000_000_000_000_000
    static let allowedBondsWei: [UInt128] = [8_000_000_000_000_000_000, 16_000_000_000_000_000_000]
    /// RPIP-61: a report may move the rate by at most 2 %.
    static let maxRateDeltaBips: UInt128 = 200

    struct Minipool: Sendable, Equatable {
        var operatorName: String
        var bondWei: UInt128
        var commissionBips: UInt128
        /// Settled at its full withdrawal.
        var closed = false
    }

    var tokens = RateTokenPool()
    /// Users' ETH waiting for a minipool (deposit fees included).
    var depositPoolWei: UInt128 = 0
    /// Users' share of what the minipools paid back (rewards and, at exit, capital).
    var collateralWei: UInt128 = 0
    var minipools: [ValidatorIndex: Minipool] = [:]
    var order: [ValidatorIndex] = []
    var lastReportEpoch: UInt64 = 0
    var heldReport: JSON?
    var nodeRewardsWei: [String: UInt128] = [:]
    /// Losses the bonds did not cover, to date (users' capital lost).
    var shortfallWei: UInt128 = 0
    var rateHistory: [StethPool.RatePoint] = []

    func rethWei(of account: String) -> UInt128 { tokens.tokens(of: HolderID(account)) }
    var liquidityWei: UInt128 { depositPoolWei + collateralWei }

    mutating func stake(_ amountWei: UInt128, for account: String) throws(ContractError) -> RateTokenPool.Deposit {
        try Self.requireStakeMinimum(amountWei)
        let deposit = try accounting { () throws(AccountingError) in try tokens.deposit(amountWei, for: HolderID(account)) }
        depositPoolWei += amountWei
        return deposit
    }

    /// What ``stake(_:for:)`` would charge and mint, and its errors, changing nothing.
    func previewStake(_ amountWei: UInt128) throws(ContractError) -> RateTokenPool.Deposit {
        try Self.requireStakeMinimum(amountWei)
        return try accounting { () throws(AccountingError) in try tokens.previewDeposit(amountWei) }
    }

    static func requireStakeMinimum(_ amountWei: UInt128) throws(ContractError) {
        guard amountWei >= RateTokenPool.defaultDepositMinimumWei else {
            throw ContractError(.belowMinimum, "the smallest stake is 0.01 ETH, got \(EtherAmount.format(amountWei)) ETH")
        }
    }

    /// Burns rETH for ETH at the reported rate, paid from the pool's liquidity.
    mutating func unstake(_ rethWei: UInt128, for account: String) throws(ContractError) -> UInt128 {
        _ = try previewUnstake(rethWei, for: account)
        let paid = try accounting { () throws(AccountingError) in try tokens.burn(rethWei, from: HolderID(account)) }
        // Collateral first (rewards paid back), then the deposit pool.
        let fromCollateral = min(paid, collateralWei)
        collateralWei -= fromCollateral
        depositPoolWei -= paid - fromCollateral
        return paid
    }

    /// What ``unstake(_:for:)`` would pay, and its errors, changing nothing.
    func previewUnstake(_ rethWei: UInt128, for account: String) throws(ContractError) -> UInt128 {
        let held = tokens.tokens(of: HolderID(account))
        guard rethWei <= held else {
            throw ContractError(.insufficientBalance, "\(account) holds \(EtherAmount.format(held)) reth, cannot unstake \(EtherAmount.format(rethWei))")
        }
        let value = try accounting { () throws(AccountingError) in try tokens.etherValueFloor(ofTokens: rethWei) }
        guard value <= liquidityWei else {
            throw ContractError(.insufficientLiquidity,
                "the reth pool can pay \(EtherAmount.format(liquidityWei)) ETH now; \(EtherAmount.format(rethWei)) reth is worth \(EtherAmount.format(value)) ETH")
        }
        return try accounting { () throws(AccountingError) in try tokens.previewBurn(rethWei, from: HolderID(account)) }
    }

    mutating func openMinipool(_ index: ValidatorIndex, operatorName: String, bondWei: UInt128, commissionBips: UInt128) {
        depositPoolWei -= Self.validatorWei - bondWei
        minipools[index] = Minipool(operatorName: operatorName, bondWei: bondWei, commissionBips: commissionBips)
        order.append(index)
    }

    /// Splits an amount swept from a minipool: the excess above 32 ETH while it runs (rewards),
    /// or its whole balance at the full withdrawal (capital, rewards, a loss taken from the bond
    /// first). Returns the node's part; the users' part joins the collateral.
    mutating func split(sweptWei: UInt128, full: Bool, from index: ValidatorIndex) -> (operatorName: String, nodeWei: UInt128) {
        guard var minipool = minipools[index] else { return ("", 0) }
        let nodeWei: UInt128
        if full {
            let settlement = try! NodeOperatorSplit.settle(
                balanceWei: sweptWei, nodeBondWei: minipool.bondWei, commissionBips: minipool.commissionBips)
            nodeWei = settlement.nodeWei
            shortfallWei += settlement.shortfallWei
            minipool.closed = true
            minipools[index] = minipool
        } else {
            nodeWei = try! NodeOperatorSplit.splitRewards(
                rewardsWei: sweptWei, nodeBondWei: minipool.bondWei,
                userCapitalWei: Self.validatorWei - minipool.bondWei, commissionBips: minipool.commissionBips).nodeWei
        }
        collateralWei += sweptWei - nodeWei
        nodeRewardsWei[minipool.operatorName, default: 0] += nodeWei
        return (minipool.operatorName, nodeWei)
    }

    /// The users' part of a running minipool's current balance.
    func usersPart(balanceWei: UInt128, of minipool: Minipool) -> UInt128 {
        let settlement = try! NodeOperatorSplit.settle(
            balanceWei: balanceWei, nodeBondWei: minipool.bondWei, commissionBips: minipool.commissionBips)
        return settlement.userWei
    }

    /// The balance update due at `epoch`: held when it would move the rate by more than 2 %.
    mutating func report(epoch: UInt64, chain: BeaconChain) -> (body: [String: JSON], held: Bool) {
        var running: UInt128 = 0
        for index in order {
            guard let minipool = minipools[index], !minipool.closed else { continue }
            let balance = UInt128(chain.validators[index.rawValue].balanceGwei) * 1_000_000_000
            // A minipool whose deposit is not yet credited still holds its 32 ETH.
            let credited = chain.validators[index.rawValue].status(at: chain.epoch) != .pendingInitialized
            running += usersPart(balanceWei: credited ? balance : Self.validatorWei, of: minipool)
        }
        let totalEth = depositPoolWei + collateralWei + running
        var body: [String: JSON] = [
            "pool": .string(Self.name), "epoch": .int(epoch), "totalEthWei": .amount(totalEth),
            "rethSupplyWei": .amount(tokens.tokenSupply), "rateBeforeWad": .amount(tokens.exchangeRateWad),
            "depositPoolWei": .amount(depositPoolWei), "collateralWei": .amount(collateralWei),
            "minipoolsUsersWei": .amount(running),
        ]
        if tokens.tokenSupply > 0, tokens.totalEtherWei > 0 {
            // |new − old| / old, exactly: compare totalEth × oldSupply with oldTotal × supply.
            let old = tokens.totalEtherWei
            let delta = totalEth > old ? totalEth - old : old - totalEth
            if delta * 10_000 > old * Self.maxRateDeltaBips {
                body["reason"] = .string("the rate would move by more than 2 % in one report (RPIP-61)")
                heldReport = .object(body)
                return (body, true)
            }
        }
        heldReport = nil
        if tokens.tokenSupply > 0 || totalEth > 0 { try? tokens.updateTotalEther(totalEth) }
        lastReportEpoch = epoch
        rateHistory.append(.init(epoch: epoch, pooledEtherWei: tokens.totalEtherWei, totalShares: tokens.tokenSupply))
        if rateHistory.count > StethPool.rateHistoryMax { rateHistory.removeFirst(rateHistory.count - StethPool.rateHistoryMax) }
        body["rateAfterWad"] = .amount(tokens.exchangeRateWad)
        return (body, false)
    }
}
