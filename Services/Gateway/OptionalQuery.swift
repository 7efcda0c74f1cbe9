import Contracts
import ServiceKit

/// The answer to a query a view can do without, or the note saying why there is none.
struct OptionalAnswer {
    let view: JSON?
    let note: String?
}

extension GatewayClient {
    /// Asks `service` for figures a view can show without (the view's own record comes from
    /// elsewhere). Three ways to have no answer, each with a note in the same words everywhere:
    /// the service does not know the query yet (`unknown_command`: an older service), it refuses
    /// it for `subject` (it has not seen it yet), or it does not answer at all. `prepare` runs
    /// first (a catch-up); its failure counts as no answer.
    func optionalQuery(
        _ service: ServiceName, _ type: String, body: JSON, figures: String, subject: String,
        prepare: () throws -> Void = {}
    ) -> OptionalAnswer {
        let name = service == .ledger ? "the ledger" : "the \(service.rawValue) service"
        do {
            try prepare()
            return OptionalAnswer(view: try call(service, type, actor: actor("stakeline"), body: body), note: nil)
        } catch GatewayFailure.refused(let code, let message) {
            if code == ErrorCode.unknownCommand.rawValue {
                return OptionalAnswer(view: nil, note: "(\(name) does not report \(figures) yet)")
            }
            return OptionalAnswer(view: nil, note: "(\(name) has no \(figures) for \(subject): \(code): \(message))")
        } catch {
            return OptionalAnswer(view: nil, note: "(\(name) did not answer, so \(figures) are not shown: \(error))")
        }
    }
}
