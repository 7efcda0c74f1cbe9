import Accounting
import Benchmark
import Contracts
import Domains
import ServiceKit

// Figures and the command that produced them: docs/BENCHMARKS.md, "Consensus layer".
// One iteration = one epoch processed. The issue's requirement is that an epoch costs
// O(validators) in the core and one event in the ledger, whatever the count: compare the
// per-epoch time across 1k, 10k and 100k validators (it should scale linearly).

/// Mutable benchmark state shared by one benchmark's iterations (single-threaded use only).
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A chain with `count` validators active since epoch 0 (a tenth of them 99 % online, a
/// hundredth offline), built directly: depositing them would take count × 32 / 256 epochs of
/// churn.
func makeChain(validators count: Int) -> BeaconChain {
    let sometimes = try! ValidatorPerformance(onlineRateBips: 9_900)
    var validators: ContiguousArray<BeaconValidator> = []
    for number in 0..<count {
        var validator = BeaconValidator(owner: 0, compounding: false, depositEpoch: 0)
        validator.balanceGwei = 32_000_000_000
        validator.effectiveBalanceGwei = 32_000_000_000
        validator.depositedGwei = 32_000_000_000
        validator.activationEligibilityEpoch = 0
        validator.activationEpoch = 0
        validator.performance = number % 100 == 0 ? .offline : number % 10 == 0 ? sometimes : .ideal
        validators.append(validator)
    }
    return BeaconChain(
        parameters: .mainnetLike, epoch: 1, validators: validators, pendingDeposits: [], depositBalanceToConsumeGwei: 0,
        exitBalanceToConsumeGwei: 0, earliestExitEpoch: 0, finalizedEpoch: 0, justifiedEpoch: 0, slashingsGwei: [:],
        depositedGwei: UInt128(count) * 32_000_000_000, rewardsGwei: 0, penaltiesGwei: 0, slashingPenaltiesGwei: 0,
        withdrawnGwei: 0)
}

/// The ledger's domain holding the same chain, restored from a snapshot as on a restart.
func makeLedger(validators count: Int) -> LedgerDomain {
    let validators: JSON = .array((0..<count).map { .number(String($0)) })
    let snapshot: JSON = .object([
        "plumbing": .object(["pingCount": .number("0"), "observed": .object([:])]),
        "accounts": .object(["owner": .object([
            "balanceWei": .string("0"), "depositedWei": .string(String(UInt128(count) * 32_000_000_000_000_000_000)),
            "withdrawnWei": .string("0"), "withdrawalsReceivedWei": .string("0"), "validators": validators,
        ])]),
        "ownerNames": .array([.string("owner")]),
        "chain": LedgerDomain.chainSnapshot(makeChain(validators: count)),
        "validatorPerformance": .object([:]), "ownerPerformance": .object([:]),
        "inflowsWei": .string(String(UInt128(count) * 32_000_000_000_000_000_000)), "outflowsWei": .string("0"),
        "lastEpochInLeak": .bool(false),
    ])
    return try! LedgerDomain(snapshot: snapshot)
}

/// Processes one epoch through the ledger as the runtime does: react, then apply the event.
func ledgerEpoch(_ box: Box<(LedgerDomain, UInt64)>) {
    let epoch = box.value.0.chain.epoch
    let event = EventEnvelope(source: "rewards", seq: epoch + 1, type: "rewards.EpochProcessed", epoch: epoch,
                              body: .object(["epoch": .number(String(epoch))]))
    let context = CommandContext(actor: "rewards", roles: Roles(admins: [], oracles: []), nextSeq: box.value.1 + 1)
    for new in box.value.0.react(to: event, context: context) {
        box.value.1 += 1
        let own = EventEnvelope(source: "ledger", seq: box.value.1, type: "ledger." + new.name, epoch: new.epoch, body: new.body)
        blackHole(own.encoded().count)
        box.value.0.apply(own)
    }
}

/// The ledger with `count` steth holders (`h0` … and `alice`, `bob`), restored from a snapshot:
/// building it by commands would take `count` stakes.
func makeStethLedger(holders count: Int) -> LedgerDomain {
    guard case .object(var fields) = LedgerDomain().snapshot(), case .object(var steth)? = fields["steth"] else {
        fatalError("ledger snapshot is not an object")
    }
    let each: UInt128 = 32_000_000_000_000_000_000
    var holders: [String: JSON] = ["alice": .string(String(each)), "bob": .string(String(each))]
    holders.reserveCapacity(count + 2)
    for number in 0..<count { holders["h\(number)"] = .string(String(each)) }
    let total = each * UInt128(count + 2)
    // A rate a little above 1, so that transfers by amount round.
    steth["shares"] = .object([
        "pooledEtherWei": .string(String(total + total / 37)), "totalShares": .string(String(total)), "holders": .object(holders),
    ])
    steth["bufferedWei"] = .string(String(total + total / 37))
    fields["steth"] = .object(steth)
    return try! LedgerDomain(snapshot: .object(fields))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds,
        maxDuration: .seconds(3), maxIterations: 2_000)

    for count in [1_000, 10_000, 100_000] {
        Benchmark("processEpoch (core), \(count / 1000)k validators") { benchmark, chain in
            for _ in benchmark.scaledIterations { blackHole(chain.value.processEpoch().rewardsGwei) }
        } setup: {
            Box(makeChain(validators: count))
        }
    }
    for count in [1_000, 10_000, 100_000] {
        Benchmark("ledger epoch (react + apply + encode), \(count / 1000)k validators") { benchmark, ledger in
            for _ in benchmark.scaledIterations { ledgerEpoch(ledger) }
        } setup: {
            Box((makeLedger(validators: count), UInt64(1)))
        }
    }
    // Deciding a user's command prices it with the core's previews: no pool array is copied, so
    // the cost does not grow with the holders (it did: a decide mutated a copy of the pool).
    let transfer = CommandEnvelope(id: "c", type: "ledger.transfer", actor: "alice", body: .object([
        "from": .string("alice"), "to": .string("bob"), "token": .string("steth"), "amountWei": .string("1000000000000000001"),
    ]))
    let context = CommandContext(actor: "alice", roles: Roles(admins: [], oracles: []), nextSeq: 1)
    for count in [1_000, 1_000_000] {
        Benchmark("ledger decide: steth transfer, \(count >= 1_000_000 ? "\(count / 1_000_000)M" : "\(count / 1000)k") holders",
                  configuration: .init(
                    metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 3,
                    maxDuration: .seconds(2), maxIterations: 300)) { benchmark, ledger in
            for _ in benchmark.scaledIterations {
                guard case .success(let decision) = ledger.value.decide(transfer, context: context) else { fatalError("refused") }
                blackHole(decision.events.count)
            }
        } setup: {
            Box(makeStethLedger(holders: count))
        }
    }
}
