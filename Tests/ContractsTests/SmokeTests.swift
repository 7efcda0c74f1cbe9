import Contracts
import Testing

@Test func eventRoundTripSmoke() throws {
    let event = EventEnvelope(
        source: "ledger", seq: 42, type: "ledger.Staked", epoch: 1201,
        body: .object(["account": .string("alice"), "amountWei": .amount(10_000_000_000_000_000_000)]))
    let bytes = event.encoded()
    #expect(String(decoding: bytes, as: UTF8.self)
        == #"{"v":1,"source":"ledger","seq":42,"type":"ledger.Staked","epoch":1201,"body":{"account":"alice","amountWei":"10000000000000000000"}}"#)
    #expect(try EventEnvelope(bytes: bytes) == event)
}
