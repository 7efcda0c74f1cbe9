/// Bus topics (the first frame of every published message). Every topic ends with a dot so a
/// prefix subscription never matches another name that merely starts the same way.
public enum Topic {
    /// Prefix of every event of `source`: `ledger.` matches `ledger.Pinged.` and so on.
    public static func events(of source: String) -> String { source + "." }
    /// The topic of one event type, e.g. `ledger.Pinged.` for type `ledger.Pinged`.
    public static func event(type: String) -> String { type + "." }
    /// A source's heartbeat, which carries its last journaled seq so tail loss is detected.
    public static func heartbeat(of source: String) -> String { "hb." + source + "." }
    public static let heartbeatPrefix = "hb."
}
