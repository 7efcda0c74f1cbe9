import Benchmark
import Contracts

// Representative ~300-byte envelopes: a ledger event and a stake command.
let sampleEvent = EventEnvelope(
    source: "ledger", seq: 1_234_567, type: "ledger.Staked", epoch: 1201,
    body: .object([
        "account": .string("alice"),
        "amountWei": .amount(10_000_000_000_000_000_000),
        "sharesE18": .amount(9_876_543_210_987_654_321),
        "pool": .string("steth"),
        "totalPooledWei": .amount(123_456_789_012_345_678_901_234),
        "operator": .string("0x5a52e96bacdabb82fd05763e25335261b270efcb"),
        "validatorIndex": .int(424242),
    ]))
let sampleCommand = CommandEnvelope(
    id: "01HZX3Q9V7M8K2J4N6P8R0T2W4", type: "ledger.stake", actor: "alice",
    body: .object([
        "account": .string("alice"),
        "amountWei": .amount(10_000_000_000_000_000_000),
        "pool": .string("steth"),
        "operator": .string("0x5a52e96bacdabb82fd05763e25335261b270efcb"),
        "memo": .string("monthly stake, batch 7 of 12"),
        "maxFeeBips": .int(25),
        "deadlineEpoch": .int(1_300_000),
    ]))

let benchmarks: @Sendable () -> Void = {
    let eventBytes = sampleEvent.encoded()
    let commandBytes = sampleCommand.encoded()
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(3))

    Benchmark("EventEnvelope decode (\(eventBytes.count) B)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try EventEnvelope(bytes: eventBytes))
        }
    }
    Benchmark("EventEnvelope encode (\(eventBytes.count) B)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(sampleEvent.encoded())
        }
    }
    Benchmark("CommandEnvelope decode (\(commandBytes.count) B)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try CommandEnvelope(bytes: commandBytes))
        }
    }
    Benchmark("CommandEnvelope encode (\(commandBytes.count) B)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(sampleCommand.encoded())
        }
    }
    Benchmark("JSONCodec.parse event (\(eventBytes.count) B)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONCodec.parse(eventBytes))
        }
    }
}
