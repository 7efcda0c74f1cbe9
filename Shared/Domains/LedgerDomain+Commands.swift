import Accounting
import Contracts
import ServiceKit

extension LedgerDomain {
    public func decide(_ command: CommandEnvelope, context: CommandContext) -> Result<Decision, ContractError> {
        do throws(ContractError) {
            let body = command.body.fields(at: "body")
            if let eethDecision = try decideEeth(command.type, body, context: context) { return .success(eethDecision) }
            switch command.type {
            case "ledger.ping", "ledger.pings":
                return plumbing.decide(command, context: context)
            case "ledger.eth.deposit": return .success(try decideEthDeposit(body, context: context))
            case "ledger.eth.withdraw": return .success(try decideEthWithdraw(body, context: context))
            case "ledger.validator.deposit": return .success(try decideValidatorDeposit(body, context: context))
            case "ledger.validator.exit": return .success(try decideValidatorExit(body, context: context))
            case "ledger.account.show": return .success(Decision(result: try accountView(try body.string("account"))))
            case "ledger.validator.show":
                return .success(Decision(result: try validatorView(try validatorIndex(body))))
            case "ledger.validator.list": return .success(Decision(result: try validatorList(body)))
            case "ledger.chain.show": return .success(Decision(result: chainView()))
            case "ledger.audit": return .success(Decision(result: auditView()))
            case "ledger.stake": return .success(try decideStake(body, context: context))
            case "ledger.transfer": return .success(try decideTransfer(body, context: context))
            case "ledger.wrap": return .success(try decideWrap(body, context: context, unwrap: false, in: steth))
            case "ledger.unwrap": return .success(try decideWrap(body, context: context, unwrap: true, in: steth))
            case "ledger.withdrawal.request": return .success(try decideWithdrawalRequest(body, context: context))
            case "ledger.withdrawal.claim": return .success(try decideWithdrawalClaim(body, context: context))
            case "ledger.withdrawal.list": return .success(Decision(result: try withdrawalList(body)))
            case "ledger.pool.show": return .success(Decision(result: try poolView(body)))
            case "ledger.operator.show": return .success(Decision(result: try operatorView(body)))
            case "ledger.reth.unstake": return .success(try decideUnstake(body, context: context))
            case "ledger.reth.node.deposit": return .success(try decideNodeDeposit(body, context: context))
            default:
                if let decision = try decideRestaking(command.type, body, context: context) { return .success(decision) }
                if let decision = try decideRisk(command.type, body) { return .success(decision) }
                throw ContractError(.unknownCommand, "ledger has no command \(command.type)")
            }
        } catch {
            return .failure(error)
        }
    }

    // MARK: ETH in and out

    private func decideEthDeposit(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "deposit ETH")
        let amount = try positiveAmount(body, "amountWei")
        let (balance, overflow) = (accounts[account]?.balanceWei ?? 0).addingReportingOverflow(amount)
        guard !overflow, !inflowsWei.addingReportingOverflow(amount).overflow else {
            throw ContractError(.amountOutOfRange, "\(account)'s balance would exceed the largest amount the books hold")
        }
        let fields: JSON = .object(["account": .string(account), "amountWei": .amount(amount), "balanceWei": .amount(balance)])
        return Decision(result: fields, events: [NewEvent(name: "EthDeposited", epoch: chain.epoch, body: fields)])
    }

    private func decideEthWithdraw(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "withdraw ETH")
        let amount = try positiveAmount(body, "amountWei")
        let current = try existingAccount(account)
        guard current.balanceWei >= amount else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(current.balanceWei)) ETH, cannot withdraw \(EtherAmount.format(amount)) ETH")
        }
        let fields: JSON = .object([
            "account": .string(account), "amountWei": .amount(amount), "balanceWei": .amount(current.balanceWei - amount),
        ])
        return Decision(result: fields, events: [NewEvent(name: "EthWithdrawn", epoch: chain.epoch, body: fields)])
    }

    // MARK: Validators

    private func decideValidatorDeposit(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let account = try AccountName.validated(try body.string("account"), field: "body.account")
        try context.requireActor(account, doing: "deposit a validator")
        let amountWei = try positiveAmount(body, "amountWei")
        let compounding: Bool
        switch body["compounding"] {
        case nil, .null?: compounding = false
        case .bool(let value)?: compounding = value
        case let other?: throw ContractError(.wrongType, "body.compounding must be a boolean, got \(other)")
        }
        guard amountWei % weiPerGwei == 0 else {
            throw ContractError(.amountTooPrecise,
                "a validator deposit moves whole gwei: \(EtherAmount.format(amountWei)) ETH has more than 9 decimals")
        }
        let range = chain.depositRangeGwei(compounding: compounding)
        let amountGwei128 = amountWei / weiPerGwei
        guard amountGwei128 >= UInt128(range.lowerBound) && amountGwei128 <= UInt128(range.upperBound) else {
            throw ContractError(BeaconError.depositOutOfRange(
                amountGwei: UInt64(min(amountGwei128, UInt128(UInt64.max))), minimumGwei: range.lowerBound, maximumGwei: range.upperBound))
        }
        let amountGwei = UInt64(amountGwei128)
        let current = try existingAccount(account)
        guard current.balanceWei >= amountWei else {
            throw ContractError(.insufficientBalance,
                "\(account) holds \(EtherAmount.format(current.balanceWei)) ETH, a validator deposit needs \(EtherAmount.format(amountWei)) ETH")
        }
        let index = chain.validators.count
        let creditEpoch = chain.expectedCreditEpoch(aheadGwei: chain.pendingDepositsGwei, amountGwei: amountGwei)
        let event = NewEvent(name: "ValidatorDeposited", epoch: chain.epoch, body: .object([
            "validator": .int(index), "owner": .string(account), "amountGwei": .amount(amountGwei),
            "compounding": .bool(compounding), "epoch": .int(chain.epoch),
        ]))
        let result: JSON = .object([
            "validator": .int(index), "owner": .string(account), "compounding": .bool(compounding),
            "status": .string(ValidatorStatus.pendingInitialized.rawValue), "depositedGwei": .amount(amountGwei),
            "depositEpoch": .int(chain.epoch),
            "queue": .object(["aheadGwei": .amount(chain.pendingDepositsGwei), "expectedEpoch": .int(creditEpoch)]),
            "expectedActivationEpoch": .int(creditEpoch + 8),
            "balanceWei": .amount(current.balanceWei - amountWei),
        ])
        return Decision(result: result, events: [event])
    }

    private func decideValidatorExit(_ body: JSON.Fields, context: CommandContext) throws(ContractError) -> Decision {
        let index = try validatorIndex(body)
        let validator = try beacon { () throws(BeaconError) in try chain.validator(index) }
        let owner = ownerName(of: validator)
        try context.requireActor(owner, doing: "exit validator \(index)")
        try beacon { () throws(BeaconError) in try chain.validateVoluntaryExit(index) }
        let (exitEpoch, withdrawableEpoch) = try beacon { () throws(BeaconError) in try chain.previewExit(index) }
        let event = NewEvent(name: "ValidatorExitInitiated", epoch: chain.epoch, body: .object([
            "validator": .int(index.rawValue), "owner": .string(owner), "epoch": .int(chain.epoch),
            "exitEpoch": .int(exitEpoch), "withdrawableEpoch": .int(withdrawableEpoch),
        ]))
        guard case .object(var result) = try validatorView(index) else { preconditionFailure() }
        result["status"] = .string(ValidatorStatus.activeExiting.rawValue)
        result["exitEpoch"] = .int(exitEpoch)
        result["withdrawableEpoch"] = .int(withdrawableEpoch)
        return Decision(result: .object(result), events: [event])
    }

    // MARK: Helpers

    func positiveAmount(_ body: JSON.Fields, _ key: String) throws(ContractError) -> UInt128 {
        let amount = try body.amount(key)
        guard amount > 0 else { throw ContractError(.amountZero, "\(body.path).\(key) must be more than 0") }
        return amount
    }

    func existingAccount(_ account: String) throws(ContractError) -> Account {
        guard let existing = accounts[account] else {
            throw ContractError(.notFound, "there is no account \(account) (an account opens with its first `eth deposit`)")
        }
        return existing
    }

    func validatorIndex(_ body: JSON.Fields) throws(ContractError) -> ValidatorIndex {
        let raw = try body.uint64("validator")
        guard raw < UInt64(chain.validators.count) else {
            throw ContractError(.notFound, "there is no validator \(raw)"
                + (chain.validators.isEmpty ? " (no validator has been deposited yet)" : " (ids are 0 … \(chain.validators.count - 1))"))
        }
        return ValidatorIndex(Int(raw))
    }

    /// Runs a consensus-model call, turning its refusal into the protocol's error.
    func beacon<T>(_ body: () throws(BeaconError) -> T) throws(ContractError) -> T {
        do throws(BeaconError) {
            return try body()
        } catch {
            throw ContractError(error)
        }
    }
}
