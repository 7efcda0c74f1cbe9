/// An independent restatement of the consensus rules the books follow (reference/consensus.md,
/// docs/ARCHITECTURE.md "The simulated chain"), written from the spec text for the integration
/// tests: plain loops over a handful of validators, no code shared with the services. The tests
/// compare every balance the stack reports with this model's, to the gwei.
struct SpecModel {
    static let farFuture = UInt64.max
    static let increment: UInt64 = 1_000_000_000

    struct Validator {
        var owner: String
        var compounding: Bool
        var depositGwei: UInt64
        var credited = false
        var balance: UInt64 = 0
        var eb: UInt64 = 0
        var eligibility = SpecModel.farFuture
        var activation = SpecModel.farFuture
        var exit = SpecModel.farFuture
        var withdrawable = SpecModel.farFuture
        var slashed = false
        var score: UInt64 = 0
        /// Online rate in bips (online pattern of docs/ARCHITECTURE.md).
        var rateBips: UInt64 = 10_000
        var rewards: UInt64 = 0
        var penalties: UInt64 = 0
        var slashingPenalties: UInt64 = 0
        var withdrawn: UInt64 = 0

        func active(_ epoch: UInt64) -> Bool { activation <= epoch && epoch < exit }
        var maxEB: UInt64 { compounding ? 2048 * SpecModel.increment : 32 * SpecModel.increment }
    }

    var epoch: UInt64 = 0
    var networkGwei: UInt64 = 34_000_000 * increment
    var networkBips: UInt64 = 10_000
    var sweepInterval: UInt64 = 225
    var validators: [Validator] = []
    var queue: [Int] = []
    var depositToConsume: UInt64 = 0
    var earliestExit: UInt64 = 0
    var exitToConsume: UInt64 = 0
    var finalized: UInt64 = 0
    var justified: UInt64?
    var slashings: [UInt64: UInt64] = [:]
    /// Withdrawals swept to each owner, gwei.
    var swept: [String: UInt64] = [:]

    static func isqrt(_ n: UInt64) -> UInt64 {
        var x = n
        var y = (x + 1) / 2
        while y < x { x = y; y = (x + n / x) / 2 }
        return x
    }

    var totalActive: UInt64 {
        max(Self.increment, validators.filter { $0.active(epoch) }.map(\.eb).reduce(0, +) + networkGwei)
    }

    var churn: UInt64 {
        let byBalance = max(128 * Self.increment, totalActive / 65_536)
        return min(256 * Self.increment, byBalance - byBalance % Self.increment)
    }

    func online(_ i: Int, _ epoch: UInt64) -> Bool {
        let rate = validators[i].rateBips
        if rate == 10_000 { return true }
        if rate == 0 { return false }
        let step = epoch + UInt64(i)
        return (step + 1) * rate / 10_000 > step * rate / 10_000
    }

    @discardableResult
    mutating func deposit(_ owner: String, eth: UInt64, compounding: Bool = false) -> Int {
        validators.append(Validator(owner: owner, compounding: compounding, depositGwei: eth * Self.increment))
        queue.append(validators.count - 1)
        return validators.count - 1
    }

    mutating func initiateExit(_ i: Int) {
        guard validators[i].exit == Self.farFuture else { return }
        var exitEpoch = max(earliestExit, epoch + 5)
        var budget = earliestExit < exitEpoch ? churn : exitToConsume
        let amount = validators[i].eb
        if amount > budget {
            let more = (amount - budget - 1) / churn + 1
            exitEpoch += more
            budget += more * churn
        }
        exitToConsume = budget - amount
        earliestExit = exitEpoch
        validators[i].exit = exitEpoch
        validators[i].withdrawable = exitEpoch + 256
    }

    mutating func slash(_ i: Int) {
        initiateExit(i)
        validators[i].slashed = true
        validators[i].withdrawable = max(validators[i].withdrawable, epoch + 8192)
        slashings[epoch % 8192, default: 0] += validators[i].eb
        let penalty = min(validators[i].eb / 4096, validators[i].balance)
        validators[i].balance -= penalty
        validators[i].slashingPenalties += penalty
    }

    mutating func advance(_ count: UInt64) {
        for _ in 0..<count { processEpoch() }
    }

    mutating func processEpoch() {
        let e = epoch
        let inc = Self.increment
        let total = totalActive
        let activeIncrements = total / inc
        let networkParticipating = networkGwei / inc * networkBips / 10_000
        var participating = networkParticipating
        for (i, v) in validators.enumerated() where v.active(e) && !v.slashed && online(i, e) { participating += v.eb / inc }
        participating = min(participating, activeIncrements)
        if participating * inc * 3 >= total * 2 {
            if let last = justified, last + 1 == e { finalized = last }
            justified = e
        }
        let leak = e - finalized > 4
        let brpi = 64 * inc / Self.isqrt(total)
        for i in validators.indices {
            let v = validators[i]
            guard v.active(e) || (v.slashed && e + 1 < v.withdrawable) else { continue }
            let hit = v.active(e) && !v.slashed && online(i, e)
            var score = v.score
            if hit { score -= min(1, score) } else { score += 4 }
            if !leak { score -= min(16, score) }
            validators[i].score = score
            let base = v.eb / inc * brpi
            var reward: UInt64 = 0
            var penalty: UInt64 = 0
            if hit {
                for weight: UInt64 in [14, 26, 14] where !leak {
                    reward += UInt64(UInt128(base) * UInt128(weight) * UInt128(participating) / (UInt128(activeIncrements) * 64))
                }
                reward += UInt64(UInt128(base) * 8 * UInt128(participating) / (UInt128(activeIncrements) * 64))
                reward += base * 2 / 64
            } else {
                penalty += base * 14 / 64 + base * 26 / 64
                penalty += UInt64(UInt128(v.eb) * UInt128(score) / (4 * (1 << 24)))
                if v.active(e) && !v.slashed { penalty += base * 2 / 64 }
            }
            validators[i].balance += reward
            validators[i].rewards += reward
            let taken = min(penalty, validators[i].balance)
            validators[i].balance -= taken
            validators[i].penalties += taken
        }
        // Registry: eligibility, ejection, activation.
        for i in validators.indices {
            if validators[i].eligibility == Self.farFuture && validators[i].eb >= 32 * inc { validators[i].eligibility = e + 1 }
            if validators[i].active(e) && validators[i].eb <= 16 * inc { initiateExit(i) }
        }
        for i in validators.indices where validators[i].eligibility <= finalized && validators[i].activation == Self.farFuture {
            validators[i].activation = e + 5
        }
        // Correlation penalties.
        let windowTotal = slashings.values.reduce(0, +)
        for i in validators.indices where validators[i].slashed && e + 4096 == validators[i].withdrawable {
            let adjusted = min(windowTotal * 3, total)
            let penalty = min(adjusted / (total / inc) * (validators[i].eb / inc), validators[i].balance)
            validators[i].balance -= penalty
            validators[i].slashingPenalties += penalty
        }
        // Deposits, up to the churn (at most 16).
        let available = depositToConsume + churn
        var used: UInt64 = 0
        var processed = 0
        var churnReached = false
        while let next = queue.first, processed < 16 {
            let amount = validators[next].depositGwei
            if used + amount > available { churnReached = true; break }
            validators[next].balance += amount
            validators[next].eb = min(amount - amount % inc, validators[next].maxEB)
            validators[next].credited = true
            used += amount
            processed += 1
            queue.removeFirst()
        }
        depositToConsume = churnReached ? available - used : 0
        // Hysteresis.
        for i in validators.indices {
            let v = validators[i]
            if v.balance + inc / 4 < v.eb || v.eb + inc / 4 * 5 < v.balance {
                validators[i].eb = min(v.balance - v.balance % inc, v.maxEB)
            }
        }
        slashings[(e + 1) % 8192] = nil
        epoch = e + 1
        guard epoch % sweepInterval == 0 else { return }
        for i in validators.indices where validators[i].balance > 0 {
            let v = validators[i]
            var amount: UInt64 = 0
            if v.withdrawable <= epoch {
                amount = v.balance
            } else if v.eb == v.maxEB && v.balance > v.maxEB {
                amount = v.balance - v.maxEB
            }
            validators[i].balance -= amount
            validators[i].withdrawn += amount
            swept[v.owner, default: 0] += amount
        }
    }
}
