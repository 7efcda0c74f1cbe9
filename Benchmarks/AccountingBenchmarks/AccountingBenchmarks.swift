import Accounting
import Benchmark

// Figures and the command that produced them: docs/BENCHMARKS.md, "Accounting core".
// Every benchmark runs 1000 operations per iteration (scalingFactor .kilo), so throughput reads
// as operations per second. Holder counts appear side by side (1k vs 1M) for the operations
// that must not depend on them.

/// Mutable benchmark state shared by one benchmark's iterations (single-threaded use only).
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }

    /// One in-place access for a whole loop of operations: a class property mutated per
    /// operation would add a dynamic exclusivity check (begin/end access) to every one.
    @inline(__always)
    func mutate<Result>(_ body: (inout Value) -> Result) -> Result { body(&value) }
}

let ether: UInt128 = 1_000_000_000_000_000_000

/// A pool of realistic size (≈9.6M ETH, rate ≈1.18) with `holderCount` holders, and the
/// handles the benchmarks use (resolved here, once, as a service resolves IDs on arrival).
struct PoolWorld {
    var pool: SharePool
    let fee: SharePool.FeeSplitHandles
    let holder1: HolderHandle
    let holder2: HolderHandle
}

func makePool(holderCount: Int) -> PoolWorld {
    var pool = try! SharePool(bootstrapWei: 1_000 * ether, depositMinimumWei: 1)
    try! pool.rebase(toPooledEtherWei: 1_180 * ether)
    let depositWei = 9_600_000 * ether / UInt128(holderCount)
    for number in 0..<holderCount {
        try! pool.deposit(depositWei + UInt128(number), for: HolderID("holder-\(number)"))
    }
    let fee = pool.resolve(feeSplit)
    return PoolWorld(pool: pool, fee: fee, holder1: pool.handle(of: "holder-1")!, holder2: pool.handle(of: "holder-2")!)
}

struct RestakingWorld {
    var book = AllocationBook()
    var ledger = RestakingLedger()
    let operatorSet = OperatorSetID(avs: "avs", setNumber: 1)
    /// The book's handles (its own handle space; resolved once the world is built).
    var bookOperator = OperatorHandle(index: 0)
    var bookOperatorSet = OperatorSetHandle(index: 0)
    var bookStrategy = StrategyHandle(index: 0)
    /// The ledger's handles (resolved once the world is built).
    var operatorHandle = OperatorHandle(index: 0)
    var strategyHandle = StrategyHandle(index: 0)
    var staker1 = StakerHandle(index: 0)
    var staker2 = StakerHandle(index: 0)
    /// The next max magnitude for the ledger-only slash (one unit lower each time).
    var ledgerMaxMagnitudeWad = FixedPoint.wad
}

/// One operator, fully allocated to one set, with `stakerCount` delegated stakers.
func makeRestaking(stakerCount: Int) -> RestakingWorld {
    var world = RestakingWorld()
    try! world.book.registerOperator("op", allocationDelayEpochs: 0)
    try! world.book.createOperatorSet(world.operatorSet, strategies: ["stETH"])
    try! world.book.registerForOperatorSet("op", operatorSet: world.operatorSet, epoch: 0)
    try! world.book.modifyAllocation(
        operator: "op", operatorSet: world.operatorSet, strategy: "stETH", newMagnitudeWad: FixedPoint.wad, epoch: 0)
    try! world.ledger.registerOperator("op")
    for number in 0..<stakerCount {
        let staker = StakerID("staker-\(number)")
        try! world.ledger.addShares(32 * ether + UInt128(number), to: staker, strategy: "stETH")
        try! world.ledger.delegate(staker, to: "op")
    }
    world.bookOperator = world.book.handle(of: OperatorID("op"))!
    world.bookOperatorSet = world.book.handle(of: world.operatorSet)!
    world.bookStrategy = world.book.handle(of: StrategyID("stETH"))!
    world.operatorHandle = world.ledger.handle(of: "op")!
    world.strategyHandle = world.ledger.handle(of: "stETH")!
    world.staker1 = world.ledger.handle(of: "staker-1")!
    world.staker2 = world.ledger.handle(of: "staker-2")!
    return world
}

/// One slash as the slashing service runs it: the magnitude book, then the ledger with the
/// book's new max magnitude, both by handle (resolved when the world was built).
@inline(__always)
func slash(_ world: inout RestakingWorld) {
    let slash = try! world.book.slash(
        operator: world.bookOperator, operatorSet: world.bookOperatorSet, strategy: world.bookStrategy,
        wadToSlash: 1, epoch: 1)!
    blackHole(try! world.ledger.slashOperatorShares(
        operator: world.operatorHandle, strategy: world.strategyHandle, newMaxMagnitudeWad: slash.newMaxMagnitudeWad,
        epoch: 1))
}

/// The slashing service's half alone: the magnitude slash in the allocation book.
@inline(__always)
func slashMagnitude(_ world: inout RestakingWorld) {
    blackHole(try! world.book.slash(
        operator: world.bookOperator, operatorSet: world.bookOperatorSet, strategy: world.bookStrategy,
        wadToSlash: 1, epoch: 1)!)
}

/// The ledger service's half alone: the operator-share slash for a new max magnitude.
@inline(__always)
func slashShares(_ world: inout RestakingWorld) {
    world.ledgerMaxMagnitudeWad -= 1
    blackHole(try! world.ledger.slashOperatorShares(
        operator: world.operatorHandle, strategy: world.strategyHandle,
        newMaxMagnitudeWad: world.ledgerMaxMagnitudeWad, epoch: 1))
}

/// The same slash by IDs (book and ledger each resolve the IDs): the cost of the ID form.
@inline(__always)
func slashByID(_ world: inout RestakingWorld) {
    let slash = try! world.book.slash(
        operator: "op", operatorSet: world.operatorSet, strategy: "stETH", wadToSlash: 1, epoch: 1)!
    blackHole(try! world.ledger.slashOperatorShares(
        operator: "op", strategy: "stETH", newMaxMagnitudeWad: slash.newMaxMagnitudeWad, epoch: 1))
}

let feeSplit = SharePool.FeeSplit(
    nodeOperators: "operators", nodeOperatorsFeeBips: 500, treasury: "treasury", treasuryFeeBips: 500)

func makeIndex(holderCount: Int) -> RewardIndex<StakerID> {
    var index = RewardIndex<StakerID>()
    for number in 0..<holderCount {
        try! index.setStake(32 * ether + UInt128(number), for: StakerID("staker-\(number)"))
    }
    return index
}

let pool1k = Box(makePool(holderCount: 1_000))
let pool1M = Box(makePool(holderCount: 1_000_000))
let restaking1k = Box(makeRestaking(stakerCount: 1_000))
let restaking1M = Box(makeRestaking(stakerCount: 1_000_000))
/// Its own world for the halves: the ledger-only slash lowers the ledger's max magnitude apart
/// from the book's, which a combined slash on the same world would then refuse as a rise.
let restakingHalves1M = Box(makeRestaking(stakerCount: 1_000_000))
let index1k = Box(makeIndex(holderCount: 1_000))
let index1M = Box(makeIndex(holderCount: 1_000_000))

/// 1000 holders of the 1M index, spread over it (resolved once, outside any measurement).
let claimHolders1M: [RewardIndex<StakerID>.HolderHandle] = (0..<1_000).map {
    index1M.value.handle(of: StakerID("staker-\($0 * 997)"))!
}

/// Metrics of the interleaved 1k-vs-1M comparisons (load on the shared machine drifts between
/// benchmarks, so each of these alternates the two sizes inside every iteration).
let interleavedMetrics: [BenchmarkMetric] = [
    .custom("1k holders, ns per op", useScalingFactor: false),
    .custom("1M holders, ns per op", useScalingFactor: false),
    .custom("1M / 1k, percent", useScalingFactor: false),
]

/// Runs 10 rounds on each size (each closure runs 100 operations in one access), alternating
/// which goes first, and records the mean cost per operation of each and their ratio.
func interleaved(_ benchmark: Benchmark, small: () -> Void, large: () -> Void) {
    let clock = ContinuousClock()
    var smallTotal = Duration.zero
    var largeTotal = Duration.zero
    for round in 0..<10 {
        for sizeIsSmall in round.isMultiple(of: 2) ? [true, false] : [false, true] {
            let start = clock.now
            sizeIsSmall ? small() : large()
            if sizeIsSmall { smallTotal += clock.now - start } else { largeTotal += clock.now - start }
        }
    }
    func nanoseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1_000_000_000 + Int(duration.components.attoseconds / 1_000_000_000)
    }
    let smallNs = max(nanoseconds(smallTotal), 1)
    let largeNs = nanoseconds(largeTotal)
    benchmark.measurement(interleavedMetrics[0], smallNs / 1000)
    benchmark.measurement(interleavedMetrics[1], largeNs / 1000)
    benchmark.measurement(interleavedMetrics[2], largeNs * 100 / smallNs)
}

/// Metrics of the comparisons with the yardstick (the machine's speed drifts by 2× between
/// runs and within one, so each of these alternates the yardstick and the operation inside every
/// iteration and compares the two there).
let versusRawMetrics: [BenchmarkMetric] = [
    .custom("raw mulDiv, ns per op", useScalingFactor: false),
    .custom("operation, ns per op", useScalingFactor: false),
    .custom("operation rate / raw rate, percent", useScalingFactor: false),
]

/// The yardstick of row 00 (varied operands), 100 at a time; the generator's state carries over.
let rawState = Box<UInt64>(0x9E37_79B9_7F4A_7C15)

@inline(never)
func rawMulDivs() {
    rawState.mutate { state in
        for _ in 0..<100 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let a = UInt128(state) << 40 | UInt128(state >> 24)
            let b = UInt128(state &* 0x2545_F491_4F6C_DD1D) << 20
            let divisor = UInt128(state) << 30 | 1
            blackHole(divisor.dividingFullWidth(a.multipliedFullWidth(by: b)).quotient)
        }
    }
}

/// Runs 10 rounds of 100 raw multiply-divides and 100 operations (`operations` runs 100),
/// alternating which goes first, and records the mean cost of each and the operation's rate as
/// a percentage of the raw rate (the target: at least 50).
func versusRaw(_ benchmark: Benchmark, _ operations: () -> Void) {
    let clock = ContinuousClock()
    var rawTotal = Duration.zero
    var operationTotal = Duration.zero
    for round in 0..<10 {
        for rawFirst in round.isMultiple(of: 2) ? [true, false] : [false, true] {
            let start = clock.now
            rawFirst ? rawMulDivs() : operations()
            if rawFirst { rawTotal += clock.now - start } else { operationTotal += clock.now - start }
        }
    }
    func picoseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1_000_000_000_000 + Int(duration.components.attoseconds / 1_000_000)
    }
    let rawPs = picoseconds(rawTotal)
    let operationPs = max(picoseconds(operationTotal), 1)
    benchmark.measurement(versusRawMetrics[0], rawPs / 1_000_000)
    benchmark.measurement(versusRawMetrics[1], operationPs / 1_000_000)
    benchmark.measurement(versusRawMetrics[2], rawPs * 100 / operationPs)
}

/// A 1k-holder pool for mainnet-sized reports (its own, as these grow it quickly).
let poolMainnet = Box(makePool(holderCount: 1_000))

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal], timeUnits: .nanoseconds,
        warmupIterations: 3, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 1_000)

    // MARK: The yardstick: raw full-width multiply-divide on UInt128.

    Benchmark("00 raw UInt128 full-width mulDiv, fixed operands") { benchmark in
        var a: UInt128 = 9_600_000 * ether + 12_345
        let b: UInt128 = 8_135_593_220_338_983_050_847_457
        let divisor: UInt128 = 9_600_000 * ether + 7
        for _ in benchmark.scaledIterations {
            let (high, low) = a.multipliedFullWidth(by: b)
            blackHole(divisor.dividingFullWidth((high, low)).quotient)
            a &+= 1
        }
    }

    Benchmark("00 raw UInt128 full-width mulDiv, varied operands") { benchmark in
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in benchmark.scaledIterations {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let a = UInt128(state) << 40 | UInt128(state >> 24)  // ~104 bits
            let b = UInt128(state &* 0x2545_F491_4F6C_DD1D) << 20  // ~84 bits
            let divisor = UInt128(state) << 30 | 1  // ~94 bits: the quotient fits
            blackHole(divisor.dividingFullWidth(a.multipliedFullWidth(by: b)).quotient)
        }
    }

    Benchmark("01 FixedPoint.mulDivFloor") { benchmark in
        var a: UInt128 = 9_600_000 * ether + 12_345
        let b: UInt128 = 8_135_593_220_338_983_050_847_457
        let divisor: UInt128 = 9_600_000 * ether + 7
        for _ in benchmark.scaledIterations {
            blackHole(try! FixedPoint.mulDivFloor(a, b, divisor))
            a &+= 1
        }
    }

    // MARK: Share pool.

    Benchmark("02 share conversion sharesForEtherFloor") { benchmark in
        let pool = pool1M.value.pool
        var amount: UInt128 = ether
        for _ in benchmark.scaledIterations {
            blackHole(try! pool.sharesForEtherFloor(amount))
            amount &+= 1
        }
    } setup: { _ = pool1M.value }

    Benchmark("03 transfer by amount, 1k holders") { benchmark in
        pool1k.mutate { world in
            for number in benchmark.scaledIterations {
                let (from, to) = number & 1 == 0 ? (world.holder1, world.holder2) : (world.holder2, world.holder1)
                blackHole(try! world.pool.transfer(ether, from: from, to: to))
            }
        }
    } setup: { _ = pool1k.value }

    Benchmark("04 transfer by amount, 1M holders") { benchmark in
        pool1M.mutate { world in
            for number in benchmark.scaledIterations {
                let (from, to) = number & 1 == 0 ? (world.holder1, world.holder2) : (world.holder2, world.holder1)
                blackHole(try! world.pool.transfer(ether, from: from, to: to))
            }
        }
    } setup: { _ = pool1M.value }

    // The ID form: the same transfer plus one ID → handle lookup per party.
    Benchmark("04b transfer by amount by ID, 1M holders") { benchmark in
        pool1M.mutate { world in
            for number in benchmark.scaledIterations {
                let (from, to): (HolderID, HolderID) = number & 1 == 0 ? ("holder-1", "holder-2") : ("holder-2", "holder-1")
                blackHole(try! world.pool.transfer(ether, from: from, to: to))
            }
        }
    } setup: { _ = pool1M.value }

    Benchmark("05 rebase with fee mint, 1k holders") { benchmark in
        pool1k.mutate { world in
            for _ in benchmark.scaledIterations {
                blackHole(try! world.pool.rebase(toPooledEtherWei: world.pool.pooledEtherWei + ether, fee: world.fee))
            }
        }
    } setup: { _ = pool1k.value }

    Benchmark("06 rebase with fee mint, 1M holders") { benchmark in
        pool1M.mutate { world in
            for _ in benchmark.scaledIterations {
                blackHole(try! world.pool.rebase(toPooledEtherWei: world.pool.pooledEtherWei + ether, fee: world.fee))
            }
        }
    } setup: { _ = pool1M.value }

    // MARK: Slashing: magnitude slash plus the operator-share slash, 1 magnitude unit at a time.

    Benchmark("07 slash (book + ledger), 1k stakers") { benchmark in
        restaking1k.mutate { world in
            for _ in benchmark.scaledIterations { slash(&world) }
        }
    } setup: { _ = restaking1k.value }

    Benchmark("08 slash (book + ledger), 1M stakers") { benchmark in
        restaking1M.mutate { world in
            for _ in benchmark.scaledIterations { slash(&world) }
        }
    } setup: { _ = restaking1M.value }

    // Each service's half on its own: the slashing service runs the book's magnitude slash, the
    // ledger (another process) the operator-share slash when the event arrives.
    Benchmark("08c magnitude slash alone (slashing service's book)") { benchmark in
        restakingHalves1M.mutate { world in
            for _ in benchmark.scaledIterations { slashMagnitude(&world) }
        }
    } setup: { _ = restakingHalves1M.value }

    Benchmark("08d operator-share slash alone (ledger), 1M stakers") { benchmark in
        restakingHalves1M.mutate { world in
            for _ in benchmark.scaledIterations { slashShares(&world) }
        }
    } setup: { _ = restakingHalves1M.value }

    // The ID form: the same slash plus the ID → handle lookups in the book and the ledger.
    Benchmark("08b slash (book + ledger) by ID, 1M stakers") { benchmark in
        restaking1M.mutate { world in
            for _ in benchmark.scaledIterations { slashByID(&world) }
        }
    } setup: { _ = restaking1M.value }

    Benchmark("09 withdrawable shares read, 1M stakers") { benchmark in
        let world = restaking1M.value
        for number in benchmark.scaledIterations {
            blackHole(try! world.ledger.withdrawableShares(
                of: number & 1 == 0 ? world.staker1 : world.staker2, strategy: world.strategyHandle))
        }
    } setup: { _ = restaking1M.value }

    // MARK: Reward index.

    Benchmark("10 reward distribution, 1k holders") { benchmark in
        index1k.mutate { index in
            for _ in benchmark.scaledIterations {
                blackHole(try! index.distribute(1_000_000_007, operatorSplitBips: 1000))
            }
        }
    } setup: { _ = index1k.value }

    Benchmark("11 reward distribution, 1M holders") { benchmark in
        index1M.mutate { index in
            for _ in benchmark.scaledIterations {
                blackHole(try! index.distribute(1_000_000_007, operatorSplitBips: 1000))
            }
        }
    } setup: { _ = claimHolders1M }

    Benchmark("12 reward distribution + one claim, 1M holders") { benchmark in
        let holders = claimHolders1M
        index1M.mutate { index in
            for number in benchmark.scaledIterations {
                try! index.distribute(1_000_000_007, operatorSplitBips: 1000)
                blackHole(try! index.claim(for: holders[number & 1]))
            }
        }
    } setup: { _ = claimHolders1M }

    // One distribution, then 1000 claims by 1000 different holders: every claim settles a real
    // accrual (a multiply-divide with remainder) and pays it.
    Benchmark("12b reward claim, 1M holders") { benchmark in
        let holders = claimHolders1M
        index1M.mutate { index in
            try! index.distribute(1_000_000_007, operatorSplitBips: 1000)
            for number in benchmark.scaledIterations {
                blackHole(try! index.claim(for: holders[number % 1_000]))
            }
        }
    } setup: { _ = claimHolders1M }

    // MARK: 1k vs 1M, interleaved within each iteration.

    let interleavedConfiguration = Benchmark.Configuration(
        metrics: interleavedMetrics, warmupIterations: 3, scalingFactor: .one, maxDuration: .seconds(3),
        maxIterations: 300)

    Benchmark("13 rebase with fee mint, 1k vs 1M holders interleaved", configuration: interleavedConfiguration) { benchmark in
        func rebase(_ box: Box<PoolWorld>) {
            box.mutate { world in
                for _ in 0..<100 {
                    blackHole(try! world.pool.rebase(toPooledEtherWei: world.pool.pooledEtherWei + ether, fee: world.fee))
                }
            }
        }
        interleaved(benchmark) { rebase(pool1k) } large: { rebase(pool1M) }
    } setup: {
        _ = pool1k.value
        _ = pool1M.value
    }

    Benchmark("14 slash (book + ledger), 1k vs 1M stakers interleaved", configuration: interleavedConfiguration) { benchmark in
        func slashes(_ box: Box<RestakingWorld>) {
            box.mutate { world in for _ in 0..<100 { slash(&world) } }
        }
        interleaved(benchmark) { slashes(restaking1k) } large: { slashes(restaking1M) }
    } setup: {
        _ = restaking1k.value
        _ = restaking1M.value
    }

    Benchmark("15 reward distribution, 1k vs 1M holders interleaved", configuration: interleavedConfiguration) { benchmark in
        func distributions(_ box: Box<RewardIndex<StakerID>>) {
            box.mutate { index in
                for _ in 0..<100 { blackHole(try! index.distribute(1_000_000_007, operatorSplitBips: 1000)) }
            }
        }
        interleaved(benchmark) { distributions(index1k) } large: { distributions(index1M) }
    } setup: {
        _ = index1k.value
        _ = index1M.value
    }

    // MARK: Each hot operation against the raw multiply-divide, interleaved.

    let versusRawConfiguration = Benchmark.Configuration(
        metrics: versusRawMetrics, warmupIterations: 3, scalingFactor: .one, maxDuration: .seconds(3),
        maxIterations: 300)

    Benchmark("16a vs raw: share conversion", configuration: versusRawConfiguration) { benchmark in
        let pool = pool1M.value.pool
        var amount: UInt128 = ether
        versusRaw(benchmark) {
            for _ in 0..<100 {
                blackHole(try! pool.sharesForEtherFloor(amount))
                amount &+= 1
            }
        }
    } setup: { _ = pool1M.value }

    Benchmark("16b vs raw: transfer by amount, 1M holders", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            pool1M.mutate { world in
                for number in 0..<100 {
                    let (from, to) = number & 1 == 0 ? (world.holder1, world.holder2) : (world.holder2, world.holder1)
                    blackHole(try! world.pool.transfer(ether, from: from, to: to))
                }
            }
        }
    } setup: { _ = pool1M.value }

    Benchmark("16c vs raw: rebase with fee mint, 1M holders", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            pool1M.mutate { world in
                for _ in 0..<100 {
                    blackHole(try! world.pool.rebase(toPooledEtherWei: world.pool.pooledEtherWei + ether, fee: world.fee))
                }
            }
        }
    } setup: { _ = pool1M.value }

    // A mainnet-sized daily report (≈ 800 ETH of rewards on ≈ 9.6M ETH): the fee's shares no
    // longer fit in 64 bits, so the fee's division takes both quotient digits.
    Benchmark("16d vs raw: rebase, mainnet-sized report (800 ETH)", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            poolMainnet.mutate { world in
                for _ in 0..<100 {
                    blackHole(try! world.pool.rebase(
                        toPooledEtherWei: world.pool.pooledEtherWei + 800 * ether, fee: world.fee))
                }
            }
        }
    } setup: { _ = poolMainnet.value }

    Benchmark("16e vs raw: magnitude slash (slashing service's book)", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            restakingHalves1M.mutate { world in for _ in 0..<100 { slashMagnitude(&world) } }
        }
    } setup: { _ = restakingHalves1M.value }

    Benchmark("16f vs raw: operator-share slash (ledger), 1M stakers", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            restakingHalves1M.mutate { world in for _ in 0..<100 { slashShares(&world) } }
        }
    } setup: { _ = restakingHalves1M.value }

    Benchmark("16g vs raw: slash, book + ledger together, 1M stakers", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            restaking1M.mutate { world in for _ in 0..<100 { slash(&world) } }
        }
    } setup: { _ = restaking1M.value }

    Benchmark("16h vs raw: withdrawable shares read, 1M stakers", configuration: versusRawConfiguration) { benchmark in
        let world = restaking1M.value
        versusRaw(benchmark) {
            for number in 0..<100 {
                blackHole(try! world.ledger.withdrawableShares(
                    of: number & 1 == 0 ? world.staker1 : world.staker2, strategy: world.strategyHandle))
            }
        }
    } setup: { _ = restaking1M.value }

    Benchmark("16i vs raw: reward distribution, 1M holders", configuration: versusRawConfiguration) { benchmark in
        versusRaw(benchmark) {
            index1M.mutate { index in
                for _ in 0..<100 { blackHole(try! index.distribute(1_000_000_007, operatorSplitBips: 1000)) }
            }
        }
    } setup: { _ = index1M.value }

    Benchmark("16j vs raw: reward claim, 1M holders", configuration: versusRawConfiguration) { benchmark in
        let holders = claimHolders1M
        var next = 0
        versusRaw(benchmark) {
            index1M.mutate { index in
                try! index.distribute(1_000_000_007, operatorSplitBips: 1000)
                for _ in 0..<100 {
                    blackHole(try! index.claim(for: holders[next]))
                    next = (next + 1) % holders.count
                }
            }
        }
    } setup: { _ = claimHolders1M }
}
